"""Benchmark splits: 6:2:2 stratified for classification, 9:1 for the source domain of adaptation tasks.

Both reuse ``finefake.dataset.splits.stratified_group_split`` (the packaging stage's splitter), so
near-duplicates (same ``duplicate_cluster``) never straddle train and test, and the same seed gives the same
split on every machine. The split seed is fixed per benchmark run; model seeds vary separately, so the
"mean +- std over seeds" measures training variance on one split, as in the paper.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence

import numpy as np

from finefake.dataset.splits import stratified_group_split

CLASSIFICATION_RATIOS: tuple[float, float, float] = (0.6, 0.2, 0.2)
SOURCE_RATIOS: tuple[float, float] = (0.9, 0.1)


def split_indices(
    labels: Sequence[Hashable],
    groups: Sequence[Hashable | None] | None,
    ratios: Sequence[float],
    seed: int,
) -> list[np.ndarray]:
    """Row indices of each split (stratified by ``labels``, ``groups`` kept whole), in ratio order."""
    assignment = np.asarray(stratified_group_split(list(labels), groups, ratios, seed=seed), dtype=np.int64)
    return [np.flatnonzero(assignment == k) for k in range(len(ratios))]


def classification_split(
    labels: Sequence[Hashable], groups: Sequence[Hashable | None] | None = None, seed: int = 0
) -> dict[str, np.ndarray]:
    """6:2:2 train/validation/test row indices."""
    train, val, test = split_indices(labels, groups, CLASSIFICATION_RATIOS, seed)
    return {"train": train, "validation": val, "test": test}


def source_split(
    labels: Sequence[Hashable], groups: Sequence[Hashable | None] | None = None, seed: int = 0
) -> dict[str, np.ndarray]:
    """9:1 train/validation row indices of the source domain (the target domain is all test)."""
    train, val = split_indices(labels, groups, SOURCE_RATIOS, seed)
    return {"train": train, "validation": val}
