"""Benchmark splits: the dataset's official split by default, explicit re-splits on request.

The official split is the one ``finefake package`` publishes (``dataset/splits.json``: item id -> train /
validation / test, stratified by (label, platform), near-duplicates kept whole); ``finefake synthesize``
writes the same file for its records (``records/splits.json``), so every workspace has one. Training on
items of the published test split would make benchmark numbers incomparable with anyone using the package,
so the benchmark reads that file unless asked to re-split (``--split-seed`` / ``--split-seeds``).

How the cut maps onto the tasks:

* classification tasks: train / validation / test are the split's three parts;
* domain adaptation, official split: the source domain's *train* items train, its *validation* items select
  the model, and the whole target domain is the test set (as in the paper: the target is never trained on,
  models see its inputs only); source items of the official test split are not used;
* domain adaptation, re-split: the source domain is split 9:1 train/validation with the seed (the paper's
  protocol), the whole target domain is the test set.

Re-splits reuse ``finefake.dataset.splits.stratified_group_split`` (the packaging stage's splitter), so
near-duplicates (same ``duplicate_cluster``) never straddle train and test and the same seed gives the same
split on every machine. Model seeds vary separately: "std over seeds" is training variance on one split;
``--split-seeds K`` also reports the variance over K re-splits.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from finefake.dataset.splits import SPLIT_NAMES, stratified_group_split
from finefake.errors import FinefakeError

CLASSIFICATION_RATIOS: tuple[float, float, float] = (0.6, 0.2, 0.2)
SOURCE_RATIOS: tuple[float, float] = (0.9, 0.1)
#: Where a workspace keeps its official split: the packaged (published) split, and the one
#: ``finefake synthesize`` writes next to its records. When both exist the newer one describes the current
#: records (a package of older records, or records synthesized after packaging); a tie goes to the package.
OFFICIAL_SPLIT_FILES: tuple[str, ...] = ("dataset/splits.json", "records/splits.json")


@dataclass(frozen=True)
class BenchSplit:
    """Where a benchmark's train/validation/test cut comes from: an official split file or a seeded re-split."""

    kind: str  # "official" | "resplit"
    seed: int | None = None
    assignment: Mapping[str, str] | None = field(default=None, repr=False, compare=False)
    path: str | None = None
    sha256: str | None = None

    @classmethod
    def resplit(cls, seed: int) -> BenchSplit:
        return cls("resplit", seed=int(seed))

    @property
    def tag(self) -> str:
        """A short name for file names and tables: ``official`` or ``split-<seed>``."""
        return "official" if self.kind == "official" else f"split-{self.seed}"

    def describe(self) -> dict[str, Any]:
        """What every results file records about the split (JSON-ready)."""
        if self.kind == "official":
            return {"kind": "official", "file": self.path, "sha256": self.sha256}
        return {"kind": "resplit", "seed": self.seed}

    def key(self) -> dict[str, Any]:
        """What run keys record about the split: its kind (and re-split seed), never the file's path or hash.
        Which items each part holds is hashed row by row with the data, so a copied, moved or touched
        workspace resumes, and an edited split recomputes exactly the settings whose parts changed."""
        return {"kind": self.kind} if self.kind == "official" else {"kind": self.kind, "seed": self.seed}

    def parts(self, ids: Sequence[str]) -> np.ndarray:
        """The official split name of each id; a missing or unknown entry names the item."""
        if self.assignment is None:
            raise ValueError("a re-split has no fixed assignment")
        names = []
        for item_id in ids:
            name = self.assignment.get(item_id)
            if name not in SPLIT_NAMES:
                what = "has no entry" if name is None else f"has split {name!r}"
                raise FinefakeError(
                    f"item {item_id} {what} in the official split {self.path}; re-run `finefake package` "
                    "(or `finefake synthesize`) or re-split explicitly with --split-seed"
                )
            names.append(name)
        return np.asarray(names, dtype=object)


def load_split_file(path: str | Path) -> BenchSplit:
    """An official split from a ``splits.json`` (id -> split name); its content hash goes into the results."""
    path = Path(path)
    try:
        raw = path.read_bytes()
        assignment = json.loads(raw)
    except (OSError, ValueError) as exc:
        raise FinefakeError(f"cannot read the split file {path}: {exc}") from exc
    if not isinstance(assignment, dict) or not all(isinstance(v, str) for v in assignment.values()):
        raise FinefakeError(f"split file {path}: expected an object mapping item ids to split names")
    return BenchSplit("official", None, assignment, str(path), hashlib.sha256(raw).hexdigest())


def official_split(root: str | Path, ids: Collection[str] | None = None) -> BenchSplit:
    """The official split of the workspace at ``root`` (see ``OFFICIAL_SPLIT_FILES``).

    With ``ids`` (the records' ids), a file that splits exactly those items is preferred to one that does
    not, and of two such files with the same content the first listed is taken, so the choice depends on
    what the files hold, not on when they were last touched (a copied workspace picks the same file). Only
    two files of different content that both fit fall back to the newer one."""
    found = [Path(root) / rel for rel in OFFICIAL_SPLIT_FILES if (Path(root) / rel).is_file()]
    if not found:
        raise FinefakeError(
            f"no official split in {root} (looked for {', '.join(OFFICIAL_SPLIT_FILES)}): run `finefake "
            "package`, or re-split explicitly with --split-seed"
        )
    loaded = [load_split_file(p) for p in found]
    if ids is not None:
        wanted = set(ids)
        fitting = [s for s in loaded if set(s.assignment or {}) == wanted]
        loaded = fitting or loaded
    if len({json.dumps(dict(s.assignment or {}), sort_keys=True) for s in loaded}) == 1:
        return loaded[0]
    order = [str(p) for p in found]
    return max(loaded, key=lambda s: (Path(str(s.path)).stat().st_mtime_ns, -order.index(str(s.path))))


def split_indices(
    labels: Sequence[Hashable],
    groups: Sequence[Hashable | None] | None,
    ratios: Sequence[float],
    seed: int,
    ids: Sequence[Hashable] | None = None,
) -> list[np.ndarray]:
    """Row indices of each split (stratified by ``labels``, ``groups`` kept whole), in ratio order; with
    ``ids`` the cut depends on the items' ids, not their row order."""
    assignment = np.asarray(
        stratified_group_split(list(labels), groups, ratios, seed=seed, ids=ids), dtype=np.int64
    )
    return [np.flatnonzero(assignment == k) for k in range(len(ratios))]


def classification_split(
    labels: Sequence[Hashable],
    groups: Sequence[Hashable | None] | None = None,
    seed: int = 0,
    ids: Sequence[Hashable] | None = None,
) -> dict[str, np.ndarray]:
    """6:2:2 train/validation/test row indices."""
    train, val, test = split_indices(labels, groups, CLASSIFICATION_RATIOS, seed, ids)
    return {"train": train, "validation": val, "test": test}


def source_split(
    labels: Sequence[Hashable],
    groups: Sequence[Hashable | None] | None = None,
    seed: int = 0,
    ids: Sequence[Hashable] | None = None,
) -> dict[str, np.ndarray]:
    """9:1 train/validation row indices of the source domain (the target domain is all test)."""
    train, val = split_indices(labels, groups, SOURCE_RATIOS, seed, ids)
    return {"train": train, "validation": val}
