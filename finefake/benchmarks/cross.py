"""Cross-dataset tasks: train on one dataset, test on another, over the binary fake/real label they share.

A detector trained on one collection meets news from elsewhere once deployed; in-domain numbers do not say
how much of what it learned belongs to its collection (its sources, period, labelling rules). A cross task
``A -> B`` has two settings that test on the same items of B (its test split, or the part of it that
``test_items`` keeps) with the same features and label mapping:

* ``B -> B (in-domain)``: trained and selected on B's own train / validation split, the reference;
* ``A -> B``: trained on A's train split and selected on A's validation split only. B's labels never reach
  training or model selection; B is seen at test time only.

The gap between the two rows is the drop. Which label space of each dataset is read, and how its classes map
to fake / real, is data (``finefake/data/cross_datasets.yaml``, or ``binary_mappings.yaml`` where that file
says so); the mapping is written into every setting and shown in the tables. Features must come from the same
encoders on both sides (checked); knowledge features are left out (each workspace's TransE space is its own),
and a pair may restrict the inputs further (LIAR is text only).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import yaml

from finefake.benchmarks.specs import DatasetItems, dataset_of
from finefake.benchmarks.splits import classification_split, official_split, source_split
from finefake.benchmarks.tasks import Setting, TaskSpec
from finefake.contract import LABEL_NAMES
from finefake.dataset.specs import binary_mapping, load_spec
from finefake.errors import FinefakeError
from finefake.features.featureset import FeatureSet

CROSS_FILE = "cross_datasets.yaml"
CROSS_METRICS = ("accuracy", "macro_precision", "macro_recall", "macro_f1")
INPUTS = ("text", "image")
PARTS = ("train", "validation", "test")


@dataclass(frozen=True)
class LabelView:
    """How one dataset is read in the shared space: its label space and which of its classes are fake / real."""

    dataset: str
    space: str
    fake: tuple[str, ...]
    real: tuple[str, ...]
    source: str  # where the mapping is written

    def describe(self) -> str:
        return f"{self.dataset} {self.space}: {', '.join(self.fake)} -> fake; {', '.join(self.real)} -> real"

    def index_map(self) -> dict[int, int]:
        """Class index in ``space`` -> shared label (0 fake, 1 real)."""
        classes = [c.lower() for c in load_spec(self.dataset).classes(self.space)]
        out = {}
        for shared, names in ((0, self.fake), (1, self.real)):
            for name in names:
                if name.lower() not in classes:
                    raise FinefakeError(
                        f"{CROSS_FILE}: {self.dataset} has no class {name!r} in label space {self.space}"
                    )
                out[classes.index(name.lower())] = shared
        return out


@dataclass(frozen=True)
class CrossPair:
    """One train -> test pair: the test items kept (record field -> values) and the inputs both sides use."""

    train: str
    test: str
    test_items: dict[str, tuple[str, ...]] = field(default_factory=dict)
    inputs: tuple[str, ...] = INPUTS

    @property
    def name(self) -> str:
        return f"cross-{self.train}-{self.test}"


@cache
def _table() -> dict[str, Any]:
    text = resources.files("finefake.data").joinpath(CROSS_FILE).read_text(encoding="utf-8")
    return yaml.safe_load(text) or {}


def label_view(dataset: str) -> LabelView:
    """The shared-label reading of ``dataset``; an error lists the datasets that have one."""
    entry = (_table().get("datasets") or {}).get(dataset)
    if not entry:
        known = ", ".join(_table().get("datasets") or {})
        raise FinefakeError(f"dataset {dataset} has no binary label view in {CROSS_FILE}; known: {known}")
    space = str(entry["space"])
    if entry.get("mapping") == "binary_mappings.yaml":
        mapping = binary_mapping(dataset)
        classes = load_spec(dataset).classes(space)
        fake = tuple(c for c in classes if mapping.get(c.lower()) == 0)
        real = tuple(c for c in classes if mapping.get(c.lower()) == 1)
        return LabelView(dataset, space, fake, real, "binary_mappings.yaml")
    return LabelView(
        dataset,
        space,
        tuple(map(str, entry.get("fake", ()))),
        tuple(map(str, entry.get("real", ()))),
        CROSS_FILE,
    )


def find_pair(train: str, test: str) -> CrossPair:
    """The pair as listed in the data file, else the default (all test items, text and image)."""
    if train == test:
        raise FinefakeError(
            f"--train and --test are both {train}: a cross-dataset task needs two datasets (in-domain: bench binary)"
        )
    label_view(train), label_view(test)
    for entry in _table().get("pairs") or []:
        if entry.get("train") == train and entry.get("test") == test:
            inputs = tuple(str(i) for i in entry.get("inputs") or INPUTS)
            if not set(inputs) <= set(INPUTS) or "text" not in inputs:
                raise FinefakeError(f"{CROSS_FILE}: pair {train} -> {test}: inputs must be text[, image]")
            selector = {str(k): tuple(map(str, v)) for k, v in (entry.get("test_items") or {}).items()}
            return CrossPair(train, test, selector, inputs)
    return CrossPair(train, test)


def shared_labels(records: Sequence[dict[str, Any]], view: LabelView) -> np.ndarray:
    """Each record's shared label (0 fake, 1 real; -1 for a class the view leaves out or no label)."""
    items = DatasetItems.from_records(records, load_spec(view.dataset))
    index = view.index_map()
    return np.asarray([index.get(int(v), -1) for v in items.labels[view.space]], dtype=np.int64)


def dataset_parts(
    root: Path, records: Sequence[dict[str, Any]], labels: np.ndarray, seed: int = 0
) -> tuple[np.ndarray, str]:
    """Each record's part (train / validation / test, or "" for none) and what the cut is.

    The dataset's official split file when it has one (a package's or an import's), else stratified 6:2:2
    with ``seed``; a split without validation items (MediaEval) gives 10% of its train part to validation,
    stratified, as the dataset's own tasks do."""
    ids = [str(r["id"]) for r in records]
    clusters = [r.get("duplicate_cluster") for r in records]
    try:
        split = official_split(root, ids=ids)
    except FinefakeError:
        split = None
    if split is not None and set(ids) <= set(split.assignment or {}):
        parts = np.asarray([split.assignment[i] for i in ids], dtype=object)  # type: ignore[index]
        where = _split_origin(records, f"{Path(str(split.path)).name} (sha256 {(split.sha256 or '')[:12]})")
    else:
        parts = np.full(len(ids), "", dtype=object)
        rows = np.flatnonzero(labels >= 0)
        cut = classification_split(
            labels[rows].tolist(), [clusters[i] for i in rows], seed=seed, ids=[ids[i] for i in rows]
        )
        for part in PARTS:
            parts[rows[cut[part]]] = part
        where = f"stratified 6:2:2 re-split with seed {seed} (no official split)"
    train = np.flatnonzero((parts == "train") & (labels >= 0))
    if not np.any((parts == "validation") & (labels >= 0)) and len(train):
        cut = source_split(
            labels[train].tolist(), [clusters[i] for i in train], seed=seed, ids=[ids[i] for i in train]
        )
        parts[train[cut["validation"]]] = "validation"
        where += "; validation = 10% of its train part (stratified): it has none"
    return parts, where


def _split_origin(records: Sequence[dict[str, Any]], file: str) -> str:
    """What a workspace's split file holds, in words: an import's ``splits.json`` is the release's own split
    only where the release has one (each imported record's ``split``); the parts the import added (a
    validation part for MediaEval, a whole 6:2:2 split for FakeNewsNet) are said to be finefake's, never
    "official". FineFake's records carry no ``split``: its package's file is its official split."""
    if not any("split" in r for r in records):
        return f"official split {file}"
    released = {str(r["split"]) for r in records if r.get("split")}
    if not released:
        return f"stratified 6:2:2 split written at import, {file}: the release has no official split"
    where = f"official split {file}"
    if "validation" not in released:  # as common.benchmark_split cuts it
        where += "; validation = 10% of its train part (stratified), written at import: the release has none"
    return where


@dataclass
class Side:
    """One dataset of a cross task: its workspace root, records and features."""

    root: Path
    records: list[dict[str, Any]]
    features: FeatureSet

    @property
    def dataset(self) -> str:
        return dataset_of(self.records)


@dataclass
class CrossTask:
    """What ``run_benchmark`` needs for a cross task: the joint features and items, the spec and settings."""

    features: FeatureSet
    items: DatasetItems
    spec: TaskSpec
    settings: list[Setting]
    pair: CrossPair
    spec_hash: str

    @property
    def dataset(self) -> str:
        """The name results record as the dataset: ``train->test``."""
        return self.items.dataset


def _encoders(features: FeatureSet) -> dict[str, Any]:
    keys = ("text_encoder", "text_version", "image_encoder", "image_version")
    return {k: features.meta.get(k) for k in keys if features.meta.get(k) is not None}


def _joint_features(train: Side, test: Side, inputs: Sequence[str]) -> FeatureSet:
    """The two FeatureSets stacked (ids prefixed by dataset); image zeroed where the pair leaves it out,
    knowledge left out on both sides."""
    a, b = train.features, test.features
    if (
        _encoders(a) != _encoders(b)
        or a.text.shape[1] != b.text.shape[1]
        or a.image.shape[1] != b.image.shape[1]
    ):
        raise FinefakeError(
            f"the features of {train.dataset} and {test.dataset} come from different encoders "
            f"({_encoders(a) or a.text.shape[1:]} vs {_encoders(b) or b.text.shape[1:]}): compute both with the "
            "same `finefake features` settings"
        )
    n = len(a) + len(b)
    image = np.concatenate([a.image, b.image]).astype(np.float32)
    image_mask = np.concatenate([a.image_mask, b.image_mask]).astype(bool)
    if "image" not in inputs:
        image, image_mask = np.zeros_like(image), np.zeros(n, dtype=bool)
    extra = {}
    for name in sorted(set(a.inputs) & set(b.inputs)):
        if a.inputs[name].shape[1:] == b.inputs[name].shape[1:]:
            extra[name] = np.concatenate([np.asarray(a.inputs[name]), np.asarray(b.inputs[name])])
    return FeatureSet(
        [f"{train.dataset}/{i}" for i in a.ids] + [f"{test.dataset}/{i}" for i in b.ids],
        np.concatenate([a.text, b.text]).astype(np.float32),
        image,
        np.zeros((n, 1), dtype=np.float32),
        image_mask,
        np.zeros(n, dtype=bool),
        {"cross": {"train": train.dataset, "test": test.dataset}, **_encoders(a)},
        extra,
        dict(a.tables),
    )


def _aligned(side: Side) -> list[dict[str, Any]]:
    """The side's records in its FeatureSet's row order (every feature row needs its record)."""
    by_id = {str(r["id"]): r for r in side.records}
    missing = [i for i in side.features.ids if i not in by_id]
    if missing:
        raise FinefakeError(
            f"{len(missing)} feature rows of {side.root} have no record (first: {missing[0]}); recompute its features"
        )
    return [by_id[i] for i in side.features.ids]


def _selected(records: Sequence[dict[str, Any]], selector: Mapping[str, Sequence[str]]) -> np.ndarray:
    keep = np.ones(len(records), dtype=bool)
    for name, wanted in selector.items():
        allowed = set(wanted)
        keep &= np.asarray([str(r.get(name)) in allowed for r in records], dtype=bool)
    return keep


def build_cross_task(train: Side, test: Side, seed: int = 0) -> CrossTask:
    """The cross task ``train.dataset -> test.dataset`` with its in-domain reference (see the module doc)."""
    a, b = train.dataset, test.dataset
    pair = find_pair(a, b)
    views = {a: label_view(a), b: label_view(b)}
    sides = []
    for side in (train, test):
        records = _aligned(side)
        labels = shared_labels(records, views[side.dataset])
        parts, where = dataset_parts(side.root, records, labels, seed)
        sides.append((records, labels, parts, where))
    (ra, la, pa, wa), (rb, lb, pb, wb) = sides
    offset = len(ra)
    keep = _selected(rb, pair.test_items)

    def rows(parts: np.ndarray, labels: np.ndarray, part: str, shift: int, mask: np.ndarray | None = None):
        ok = (parts == part) & (labels >= 0)
        if mask is not None:
            ok &= mask
        return np.flatnonzero(ok) + shift

    test_rows = rows(pb, lb, "test", offset, keep)
    subset = ", ".join(f"{k} in {list(v)}" for k, v in pair.test_items.items()) or "all"
    mapping = {d: v.describe() for d, v in views.items()}
    common = {"label_mapping": mapping, "inputs": list(pair.inputs), "test_items": subset}
    in_domain = f"{b} -> {b} (in-domain)"
    labels = np.concatenate([la, lb])
    settings = []
    for name, source, train_rows, val_rows, split_note, shift in (
        (in_domain, b, rows(pb, lb, "train", offset), rows(pb, lb, "validation", offset), wb, "in-domain"),
        (f"{a} -> {b}", a, rows(pa, la, "train", 0), rows(pa, la, "validation", 0), wa, "cross-dataset"),
    ):
        details = {
            **common,
            "shift": shift,
            "train_dataset": source,
            "train_split": f"{source}: {split_note}",
            "test_split": f"{b}: {wb}",
        }
        if shift != "in-domain":
            details["compare_with"] = in_domain
        reason = None
        if min(len(train_rows), len(val_rows), len(test_rows)) == 0:
            reason = "a part is empty (train, validation or the kept test items)"
        elif len(np.unique(labels[train_rows])) < 2:
            reason = "training part has fewer than 2 classes"
        settings.append(
            Setting(pair.name, name, source, b, train_rows, val_rows, test_rows, False, reason, details)
        )
    records = ra + rb
    items = DatasetItems(
        [f"{a}/{r['id']}" for r in ra] + [f"{b}/{r['id']}" for r in rb],
        {"binary": labels},
        {
            "topic": np.asarray([_str(r.get("topic")) for r in records], dtype=object),
            "platform_group": np.asarray([_str(r.get("platform_group")) for r in records], dtype=object),
            "platform": np.asarray([_str(r.get("platform")) for r in records], dtype=object),
            "dataset": np.asarray([a] * len(ra) + [b] * len(rb), dtype=object),
        },
        [(f"{a}/{c}" if c else None) for c in (r.get("duplicate_cluster") for r in ra)]
        + [(f"{b}/{c}" if c else None) for c in (r.get("duplicate_cluster") for r in rb)],
        f"{a}->{b}",
    )
    task = TaskSpec(
        pair.name,
        "cross_dataset",
        "binary",
        LABEL_NAMES,
        False,
        CROSS_METRICS,
        f"cross-dataset: train on {a}, test on {b} ({subset} test items; inputs {'+'.join(pair.inputs)}); "
        f"labels {mapping[a]} | {mapping[b]}",
    )
    payload = json.dumps(
        {"pair": [a, b, pair.test_items, pair.inputs], "views": mapping, "splits": [wa, wb]},
        sort_keys=True,
        default=str,
    )
    return CrossTask(
        _joint_features(train, test, pair.inputs),
        items,
        task,
        settings,
        pair,
        hashlib.sha256(payload.encode()).hexdigest()[:16],
    )


def _str(value: Any) -> str | None:
    return None if value is None else str(value)


def load_side(root: Path, features_dir: Path | None = None, inputs: Sequence[str] = ()) -> Side:
    """A dataset's workspace as one side of a cross task: its records, and its features from ``features_dir``
    (a saved FeatureSet) or computed (cached) with the default encoders, as ``finefake features`` does."""
    from finefake.errors import RECORDS_HINT
    from finefake.workspace import Workspace

    ws = Workspace(Path(root))
    if not ws.has_records("records"):
        raise FinefakeError(
            f"no records in {ws.root / 'records'}: run `{RECORDS_HINT}` (or an import) there first"
        )
    records = list(ws.read("records"))
    if features_dir is not None:
        try:
            features = FeatureSet.load(features_dir)
        except (OSError, KeyError, ValueError) as exc:
            raise FinefakeError(f"cannot load features from {features_dir}: {exc}") from exc
    else:
        from finefake.features.pipeline import FeatureConfig, compute_features

        features = compute_features(ws, FeatureConfig(), inputs=sorted(inputs))
    return Side(ws.root, records, features)
