"""Stratified, group-aware, deterministic splits (6:2:2 train/validation/test by default).

Near-duplicate items (same ``duplicate_cluster``) must land in one split, otherwise a model is tested on items
it was trained on. Plain stratified splitting cannot promise that, so groups are placed whole, greedily, into
the split whose per-stratum quota is furthest from full. With singleton groups this gives per-stratum counts
within one item of the exact ratios; larger groups cost a little precision, never the group guarantee.

The assignment depends on content only: with ``ids`` each group is ordered by its smallest item id before the
seeded shuffle, so permuting the input (file order, the order a crawl's fetches finished in) moves no item to
another split. Without ids the input position is the only key there is, and the caller owns that order.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Hashable, Sequence

SPLIT_NAMES: tuple[str, ...] = ("train", "validation", "test")
DEFAULT_RATIOS: tuple[float, ...] = (0.6, 0.2, 0.2)


def parse_ratios(text: str) -> tuple[float, ...]:
    """Parse ``"6:2:2"`` (or ``"0.6,0.2,0.2"``) into normalised ratios; raise ValueError on nonsense."""
    parts = [p for p in text.replace(",", ":").split(":") if p.strip()]
    try:
        values = [float(p) for p in parts]
    except ValueError as exc:
        raise ValueError(f"split ratios must be numbers like 6:2:2, got {text!r}") from exc
    if len(values) < 2 or any(v < 0 for v in values) or sum(values) <= 0:
        raise ValueError(
            f"split ratios need at least two non-negative parts with a positive sum, got {text!r}"
        )
    total = sum(values)
    return tuple(v / total for v in values)


def stratified_group_split(
    keys: Sequence[Hashable],
    groups: Sequence[Hashable | None] | None = None,
    ratios: Sequence[float] = DEFAULT_RATIOS,
    seed: int = 0,
    ids: Sequence[Hashable] | None = None,
) -> list[int]:
    """Assign every item to a split, stratified by ``keys`` and keeping ``groups`` whole.

    Args:
        keys: the stratum of each item (e.g. ``(label, platform)``); any hashable.
        groups: a group id per item; items sharing a non-None id go to the same split. None (or a None
            entry) means the item is its own group.
        ratios: relative split sizes (normalised here), e.g. ``(0.6, 0.2, 0.2)``.
        seed: the same inputs and seed always give the same assignment.
        ids: a stable, unique key per item (the record id). Given, groups are ordered by content before the
            seeded draw, so the assignment of an id does not depend on where the item sits in the input.

    Returns:
        For each item, the index of its split in ``ratios``.
    """
    n = len(keys)
    if groups is not None and len(groups) != n:
        raise ValueError(f"keys and groups differ in length ({n} != {len(groups)})")
    if ids is not None and len(ids) != n:
        raise ValueError(f"keys and ids differ in length ({n} != {len(ids)})")
    if len(ratios) < 1 or any(r < 0 for r in ratios) or sum(ratios) <= 0:
        raise ValueError(f"invalid split ratios {tuple(ratios)!r}")
    total_ratio = float(sum(ratios))
    ratios = [r / total_ratio for r in ratios]

    members: dict[Hashable, list[int]] = defaultdict(list)
    for index in range(n):
        group = groups[index] if groups is not None else None
        members[("group", group) if group is not None else ("item", index)].append(index)
    # Deterministic order independent of hash seeds and of input order: order groups by their smallest id (by
    # first member when there are no ids), then shuffle with the seed.
    if ids is not None:
        ordered = sorted(members.values(), key=lambda m: min(str(ids[i]) for i in m))
    else:
        ordered = sorted(members.values(), key=lambda m: m[0])
    random.Random(seed).shuffle(ordered)
    ordered.sort(key=len, reverse=True)  # stable: big groups first, ties in shuffled order

    stratum_sizes = Counter(keys)
    quota = {key: [r * size for r in ratios] for key, size in stratum_sizes.items()}
    filled: dict[Hashable, list[int]] = {key: [0] * len(ratios) for key in stratum_sizes}
    split_sizes = [0] * len(ratios)
    assignment = [-1] * n
    for group in ordered:
        need = Counter(keys[i] for i in group)
        best, best_score = 0, None
        for split, ratio in enumerate(ratios):
            if ratio == 0:
                continue
            # Whole items still owed by this split's stratum quotas first; the fractional remainders of all
            # strata are then spread by the split's overall deficit, so totals also hit the ratios.
            deficit = sum(math.floor(quota[k][split] - filled[k][split] + 1e-9) * c for k, c in need.items())
            overall = ratio * n - split_sizes[split]
            score = (deficit, overall, -split)
            if best_score is None or score > best_score:
                best, best_score = split, score
        for i in group:
            assignment[i] = best
        for k, c in need.items():
            filled[k][best] += c
        split_sizes[best] += len(group)
    return assignment


def package_split(
    records: Sequence[dict], ratios: Sequence[float] = DEFAULT_RATIOS, seed: int = 0
) -> list[int]:
    """The split ``finefake package`` publishes: stratified by (label, platform), near-duplicate clusters
    whole, keyed by record id (the order of ``records`` does not matter). ``finefake synthesize`` writes the same split for its records so the benchmark always has one."""
    return stratified_group_split(
        [(r.get("label"), r.get("platform")) for r in records],
        [r.get("duplicate_cluster") for r in records],
        ratios,
        seed,
        ids=[r.get("id") for r in records],
    )
