"""Temporal tasks: train on what was published before a date, select on the next period, test on the one after.

A detector is deployed on news that appear after it was trained; a random split mixes the periods and hides
how much of what it learned was of its time (topics, events, names). A temporal setting cuts the dated items
in publication order: the first ``ratios[0]`` share trains, the next ``ratios[1]`` validates (model
selection never looks past the validation period), the rest is the test period. Cut dates are whole days
taken from the items' own dates, and both appear in the setting's name (``before 2016-03-02 -> from
2017-01-15``). Items without a date take no part (counted in the setting's details).

With ``by`` (a domain kind, e.g. MediaEval's ``event``) whole groups are cut: a group is dated by its
earliest item and all its items fall in that group's period, so an event never straddles train and test.
A near-duplicate (``duplicate_cluster``) of an earlier period's item is left out of the later period: it
would be a copy of a training item, not news from later.

Each temporal task has a second setting beside it, ``random split of the same items``: the same dated items
cut at random (stratified, same sizes), the in-domain reference that makes the drop over time visible.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta, timezone
from typing import Any

import numpy as np

from finefake.benchmarks.splits import split_indices
from finefake.benchmarks.tasks import Setting, TaskSpec

#: The name of the in-domain reference setting of every temporal task.
RANDOM_SETTING = "random split of the same items"


def parse_day(value: Any) -> date | None:
    """The UTC day of an ISO 8601 timestamp (``published``); None for a missing or unreadable value."""
    if value is None:
        return None
    text = str(value).strip()
    if not text or text == "None":
        return None
    try:
        stamp = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if stamp.tzinfo is not None:
        stamp = stamp.astimezone(timezone.utc)
    return stamp.date()


def _cut_dates(unit_days: list[date], unit_sizes: list[int], ratios: Sequence[float]) -> tuple[date, date]:
    """The first day of the validation and of the test period: the first day before which the running count
    of items, in date order, reaches the train share, then the train + validation share (a later day than
    the first cut). Days are never split, so the shares are met as closely as whole days allow."""
    per_day: dict[date, int] = {}
    for day, size in zip(unit_days, unit_sizes, strict=True):
        per_day[day] = per_day.get(day, 0) + size
    days = sorted(per_day)
    total = sum(per_day.values())
    before, running = [], 0
    for day in days:
        before.append(running)
        running += per_day[day]
    after_last = days[-1] + timedelta(days=1)
    first = next((d for d, b in zip(days, before, strict=True) if b >= ratios[0] * total), after_last)
    bound = (ratios[0] + ratios[1]) * total
    second = next((d for d, b in zip(days, before, strict=True) if b >= bound and d > first), None)
    if second is None:
        second = after_last if first < after_last else after_last + timedelta(days=1)
    return first, second


def temporal_settings(
    task: TaskSpec,
    labels: np.ndarray,
    days: Sequence[date | None],
    clusters: Sequence[str | None],
    ratios: Sequence[float],
    *,
    groups: Sequence[str | None] | None = None,
    by: str | None = None,
    seed: int = 0,
    ids: Sequence[str] | None = None,
) -> list[Setting]:
    """The temporal setting of a task and its random-split reference (``RANDOM_SETTING``), over the rows
    with a label (>= 0) and a date (or, with ``groups``, a dated group). With ``ids`` the random reference's cut
    depends on the items' ids, not their row order."""
    labels = np.asarray(labels)
    empty = np.zeros(0, dtype=np.int64)
    labelled = labels >= 0
    if groups is not None:
        first: dict[str, date] = {}
        for g, d in zip(groups, days, strict=True):
            if g is not None and d is not None and (g not in first or d < first[g]):
                first[g] = d
        row_day = [first.get(g) if g is not None else None for g in groups]
        units = sorted(first)
        unit_days = [first[g] for g in units]
        counts = {g: 0 for g in units}
        for g, ok in zip(groups, labelled, strict=True):
            if ok and g in counts:
                counts[g] += 1
        unit_sizes = [counts[g] for g in units]
    else:
        row_day = list(days)
        unit_days = [d for d, ok in zip(row_day, labelled, strict=True) if ok and d is not None]
        unit_sizes = [1] * len(unit_days)
    dated = np.asarray([ok and d is not None for d, ok in zip(row_day, labelled, strict=True)], dtype=bool)
    undated = int(labelled.sum() - dated.sum())
    details: dict[str, Any] = {"shift": "temporal", "undated": undated, "compare_with": RANDOM_SETTING}
    if by:
        details["cut_by"] = by
    if len(unit_days) < 3:
        reason = "fewer than 3 dated items" if not by else f"fewer than 3 dated {by} groups"
        name = "temporal (no dates)" if not unit_days else "temporal"
        return [Setting(task.name, name, "earlier", "later", empty, empty, empty, False, reason, details)]
    validation_from, test_from = _cut_dates(unit_days, unit_sizes, ratios)
    rows = np.flatnonzero(dated)
    when = [row_day[i] for i in rows]
    parts = {
        "train": rows[[d < validation_from for d in when]],
        "validation": rows[[validation_from <= d < test_from for d in when]],
        "test": rows[[d >= test_from for d in when]],
    }
    seen: set[str] = set()
    dropped = 0
    for part in ("train", "validation", "test"):
        keep = []
        for i in parts[part]:
            cluster = clusters[i]
            if cluster is not None and cluster in seen and part != "train":
                dropped += 1
                continue
            keep.append(i)
        parts[part] = np.asarray(keep, dtype=np.int64)
        seen.update(clusters[i] for i in parts[part] if clusters[i] is not None)
    start = min(row_day[i] for i in rows)
    end = max(row_day[i] for i in rows)
    details.update(
        {
            "cut_dates": {"validation_from": validation_from.isoformat(), "test_from": test_from.isoformat()},
            "periods": {
                "train": [start.isoformat(), (validation_from - timedelta(days=1)).isoformat()],
                "validation": [validation_from.isoformat(), (test_from - timedelta(days=1)).isoformat()],
                "test": [test_from.isoformat(), end.isoformat()],
            },
            "dropped_near_duplicates": dropped,
        }
    )
    name = f"before {validation_from.isoformat()} -> from {test_from.isoformat()}"
    setting = Setting(
        task.name, name, f"before {validation_from}", f"from {test_from}",
        parts["train"], parts["validation"], parts["test"], False, _reason(parts, labels), details,
    )  # fmt: skip
    used = np.sort(np.concatenate([parts[p] for p in ("train", "validation", "test")]))
    sizes = np.asarray([len(parts[p]) for p in ("train", "validation", "test")], dtype=np.float64)
    random_parts = {}
    if len(used) >= 3 and sizes.min() > 0:
        cut = split_indices(
            labels[used].tolist(),
            [clusters[i] for i in used],
            tuple(sizes / sizes.sum()),
            seed,
            None if ids is None else [ids[i] for i in used],
        )
        random_parts = {p: used[c] for p, c in zip(("train", "validation", "test"), cut, strict=True)}
    else:
        random_parts = {p: empty for p in ("train", "validation", "test")}
    reference = Setting(
        task.name, RANDOM_SETTING, "random", "random",
        random_parts["train"], random_parts["validation"], random_parts["test"], False,
        _reason(random_parts, labels),
        {"shift": "in-domain", "period": [start.isoformat(), end.isoformat()], "split_seed": seed},
    )  # fmt: skip
    return [reference, setting]


def _reason(parts: dict[str, np.ndarray], labels: np.ndarray) -> str | None:
    empty = [p for p in ("train", "validation", "test") if len(parts[p]) == 0]
    if empty:
        return f"the {empty[0]} period is empty"
    if len(np.unique(labels[parts["train"]])) < 2:
        return "the training period has fewer than 2 classes"
    return None
