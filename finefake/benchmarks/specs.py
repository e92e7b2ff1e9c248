"""Benchmark tasks as data: each dataset's task entries (``finefake/data/datasets/<name>.yaml``) as settings.

A task entry says which label space is predicted, which split is used (the dataset's ``official`` split or
stratified ``ratios``), which source -> target pairs a domain-adaptation task has (explicit selectors, value
pairs of one domain kind, or ``leave-one-out`` over a domain kind), and which metrics are reported. FineFake's
six tasks are entries of the same form (``finefake.yaml``) and expand to exactly the settings of
:func:`finefake.benchmarks.tasks.build_settings` (a test compares them). Entries become the existing
:class:`~finefake.benchmarks.tasks.TaskSpec` and :class:`~finefake.benchmarks.tasks.Setting`, so the runner,
the reports and ``finefake evaluate`` treat every dataset alike.

Official splits without a validation part (MediaEval) take 10% of their training part, stratified, as
validation: model selection never looks at the test part.
"""

from __future__ import annotations

import base64
import hashlib
import json
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from finefake.benchmarks.splits import BenchSplit, source_split, split_indices
from finefake.benchmarks.tasks import Setting, TaskSpec, _domain_setting, feature_rows, in_id_order
from finefake.dataset.specs import DatasetSpec, load_spec
from finefake.errors import FinefakeError
from finefake.features.featureset import FeatureSet

#: Record fields a selector may name; any other name is a domain kind (``record["domains"][kind]``).
RECORD_FIELDS = ("topic", "platform_group", "platform", "split", "published")
FINEFAKE = "finefake"
FINEFAKE_LABELS = ("label", "fine_grained_label")
DEFAULT_METRICS = {
    "classification": ("accuracy", "macro_precision", "macro_recall", "macro_f1"),
    "domain_adaptation": ("accuracy", "weighted_f1"),
    # train before a date, validate on the next period, test on the one after (finefake.benchmarks.temporal)
    "temporal": ("accuracy", "macro_precision", "macro_recall", "macro_f1"),
}

Selector = dict[str, tuple[str, ...]]


@dataclass(frozen=True)
class Pair:
    """One source -> target setting of a domain-adaptation task."""

    name: str
    source: Selector
    target: Selector
    source_name: str
    target_name: str


@dataclass(frozen=True)
class TaskDefinition:
    """One task entry of a dataset spec, validated."""

    dataset: str
    name: str
    description: str
    kind: str
    label: str
    class_names: tuple[str, ...]
    use_knowledge: bool
    metrics: tuple[str, ...]
    split: str | tuple[float, ...]  # "official" or normalised ratios
    pairs: tuple[Pair, ...] = ()
    leave_one_out: str | None = None  # domain kind
    raw: dict[str, Any] = field(default_factory=dict, compare=False)
    by: str | None = None  # temporal tasks: the domain kind whose groups are cut whole (MediaEval's event)

    @property
    def is_da(self) -> bool:
        return self.kind == "domain_adaptation"

    def task_spec(self) -> TaskSpec:
        """The TaskSpec the runner and the reports use."""
        return TaskSpec(
            self.name,
            self.kind,
            self.label,
            self.class_names,
            self.use_knowledge,
            self.metrics,
            self.description,
        )

    def spec_hash(self) -> str:
        """A short hash of the entry as written (results record it: a changed spec is a different task)."""
        payload = json.dumps(
            {"dataset": self.dataset, "task": self.name, **self.raw}, sort_keys=True, default=str
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:16]


def _values(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in value) if isinstance(value, (list, tuple)) else (str(value),)


def _selector(value: Any, where: str) -> Selector:
    if not isinstance(value, dict) or not value:
        raise FinefakeError(f"{where}: a selector is a mapping of field -> value(s)")
    return {str(k): _values(v) for k, v in value.items()}


def _pairs(entry: dict[str, Any], where: str) -> tuple[tuple[Pair, ...], str | None]:
    pairs = entry.get("pairs")
    domain = entry.get("domain")
    if pairs == "leave-one-out":
        if not domain:
            raise FinefakeError(f"{where}: leave-one-out needs 'domain' (the domain kind)")
        return (), str(domain)
    if not isinstance(pairs, list) or not pairs:
        raise FinefakeError(f"{where}: a domain-adaptation task needs 'pairs' (a list or leave-one-out)")
    out = []
    for number, pair in enumerate(pairs):
        at = f"{where} pair {number + 1}"
        if isinstance(pair, (list, tuple)) and len(pair) == 2:  # [source value, target value] of `domain`
            if not domain:
                raise FinefakeError(f"{at}: value pairs need 'domain' (the domain kind)")
            a, b = str(pair[0]), str(pair[1])
            out.append(Pair(f"{a} -> {b}", {str(domain): (a,)}, {str(domain): (b,)}, a, b))
        elif isinstance(pair, dict) and {"source", "target"} <= set(pair):
            source, target = _selector(pair["source"], at), _selector(pair["target"], at)
            names = pair.get("names") or ["+".join(v for vs in source.values() for v in vs),
                                          "+".join(v for vs in target.values() for v in vs)]  # fmt: skip
            name = str(pair.get("name") or f"{names[0]} -> {names[1]}")
            out.append(Pair(name, source, target, str(names[0]), str(names[1])))
        else:
            raise FinefakeError(f"{at}: expected [source, target] or a mapping with source and target")
    return tuple(out), None


def task_definition(spec: DatasetSpec, name: str, entry: dict[str, Any]) -> TaskDefinition:
    """Validate one task entry of ``spec``; errors name the dataset, the task and the field."""
    where = f"dataset spec {spec.name}, task {name}"
    kind = str(entry.get("kind", "classification"))
    if kind not in DEFAULT_METRICS:
        raise FinefakeError(f"{where}: kind {kind!r} is not classification or domain_adaptation")
    label = str(entry.get("label", ""))
    classes = spec.classes(label)
    metrics = tuple(entry.get("metrics") or DEFAULT_METRICS[kind])
    known = {"accuracy", "macro_precision", "macro_recall", "macro_f1", "weighted_f1"}
    if not set(metrics) <= known:
        raise FinefakeError(f"{where}: unknown metric(s) {sorted(set(metrics) - known)}")
    split: str | tuple[float, ...]
    raw_split = entry.get("split", {"ratios": [9, 1]} if kind == "domain_adaptation" else "official")
    if raw_split == "official":
        split = "official"
    elif isinstance(raw_split, dict) and isinstance(raw_split.get("ratios"), list):
        ratios = [float(r) for r in raw_split["ratios"]]
        if len(ratios) != 3 and kind in ("classification", "temporal") or any(r <= 0 for r in ratios):
            raise FinefakeError(f"{where}: split ratios must be 3 positive numbers (train:validation:test)")
        split = tuple(r / sum(ratios) for r in ratios)
    else:
        raise FinefakeError(f"{where}: split must be 'official' or {{ratios: [train, validation, test]}}")
    pairs, leave_one_out = _pairs(entry, where) if kind == "domain_adaptation" else ((), None)
    if kind == "temporal" and split == "official":
        raise FinefakeError(f"{where}: a temporal task cuts by date: split must be {{ratios: [6, 2, 2]}}")
    return TaskDefinition(
        dataset=spec.name,
        name=name,
        description=str(entry.get("description", name)),
        kind=kind,
        label=label,
        class_names=classes,
        use_knowledge=bool(entry.get("use_knowledge", False)),
        metrics=metrics,
        split=split,
        pairs=pairs,
        leave_one_out=leave_one_out,
        raw=dict(entry),
        by=str(entry["by"]) if entry.get("by") else None,
    )


def dataset_tasks(dataset: str) -> dict[str, TaskDefinition]:
    """Every task of ``dataset``'s spec, by name."""
    spec = load_spec(dataset)
    return {name: task_definition(spec, name, entry) for name, entry in spec.tasks.items()}


def find_task(dataset: str, name: str) -> TaskDefinition:
    """Task ``name`` among ``dataset``'s specs; the error lists the tasks it has."""
    tasks = dataset_tasks(dataset)
    if name not in tasks:
        raise FinefakeError(f"dataset {dataset} has no task {name!r}; its tasks: {', '.join(tasks)}")
    return tasks[name]


def dataset_of(records: Iterable[dict[str, Any]]) -> str:
    """The one dataset the records belong to (FineFake for records that name none)."""
    names = {r.get("dataset") or FINEFAKE for r in records}
    if len(names) != 1:
        raise FinefakeError(
            f"the workspace mixes datasets ({', '.join(sorted(names))}); import one per workspace"
        )
    return names.pop()


@dataclass
class DatasetItems:
    """Per-item labels (per label space, -1 = none) and selector fields, row-aligned like ItemTable."""

    ids: list[str]
    labels: dict[str, np.ndarray]
    fields: dict[str, np.ndarray]
    duplicate_cluster: list[str | None]
    dataset: str = FINEFAKE

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_records(cls, records: Iterable[dict[str, Any]], spec: DatasetSpec) -> DatasetItems:
        """Labels and domains of ``records`` of dataset ``spec`` (FineFake records read label fields)."""
        ids, clusters = [], []
        labels: dict[str, list[int]] = {space: [] for space in spec.label_spaces}
        kinds = list(dict.fromkeys([*RECORD_FIELDS, *spec.domain_kinds]))
        values: dict[str, list[Any]] = {k: [] for k in kinds}
        for record in records:
            own = record.get("labels")
            if own is None and spec.name == FINEFAKE:
                own = {space: record.get(space) for space in FINEFAKE_LABELS}
            own = own or {}
            ids.append(str(record["id"]))
            clusters.append(record.get("duplicate_cluster"))
            for space in labels:
                value = own.get(space)
                labels[space].append(-1 if value is None else int(value))
            domains = record.get("domains") or {}
            for kind in kinds:
                value = record.get(kind) if kind in RECORD_FIELDS else domains.get(kind)
                values[kind].append(None if value is None else str(value))
        return cls(
            ids,
            {k: np.asarray(v, dtype=np.int64) for k, v in labels.items()},
            {k: np.asarray(v, dtype=object) for k, v in values.items()},
            clusters,
            spec.name,
        )

    def _optional(self, name: str) -> np.ndarray:
        return self.fields.get(name, np.full(len(self), None, dtype=object))

    @property
    def topic(self) -> np.ndarray:
        """Topic of each item (None where the dataset has none): what run keys and the harness read."""
        return self._optional("topic")

    @property
    def platform_group(self) -> np.ndarray:
        return self._optional("platform_group")

    @property
    def platform(self) -> np.ndarray:
        return self._optional("platform")

    @property
    def published(self) -> np.ndarray:
        """Publication time of each item (ISO 8601 or None): what temporal tasks cut by."""
        return self._optional("published")

    def strata(self, task: TaskSpec) -> list[tuple[int, Any]]:
        """What a re-split of a source stratifies by: the task's label (and the platform where known)."""
        return list(zip(self.labels_for(task).tolist(), self.platform.tolist(), strict=True))

    def field(self, name: str) -> np.ndarray:
        if name not in self.fields:
            raise FinefakeError(
                f"dataset {self.dataset} has no domain kind {name!r}; known: {', '.join(self.fields)}"
            )
        return self.fields[name]

    def labels_for(self, task: TaskSpec) -> np.ndarray:
        return self.labels[task.label_field]

    def rows(self, selector: Selector, labelled: np.ndarray) -> np.ndarray:
        mask = labelled.copy()
        for name, wanted in selector.items():
            allowed = set(wanted)
            mask &= np.fromiter((v in allowed for v in self.field(name)), dtype=bool, count=len(self))
        return np.flatnonzero(mask)

    def aligned_to(self, features: FeatureSet) -> DatasetItems:
        """This table reordered to the FeatureSet's rows; every feature row must have a record."""
        rows = feature_rows(self.ids, features)
        return DatasetItems(
            list(features.ids),
            {k: v[rows] for k, v in self.labels.items()},
            {k: v[rows] for k, v in self.fields.items()},
            [self.duplicate_cluster[i] for i in rows],
            self.dataset,
        )


def split_parts(items: DatasetItems, assignment: Mapping[str, str], source: str) -> np.ndarray:
    """The split name of every item from a published split file (id -> train/validation/test)."""
    parts = []
    for item in items.ids:
        part = assignment.get(item)
        if part not in ("train", "validation", "test"):
            what = "has no entry" if part is None else f"has split {part!r}"
            raise FinefakeError(f"item {item} {what} in the split file {source}")
        parts.append(part)
    return np.asarray(parts, dtype=object)


def _classification(
    task: TaskDefinition, items: DatasetItems, split_seed: int, parts: np.ndarray | None
) -> Setting:
    spec = task.task_spec()
    labels = items.labels[task.label]
    labelled = np.flatnonzero(labels >= 0)
    details: dict[str, Any] = {}
    if parts is not None:
        name = "official" if task.split == "official" else "all"
        train, val, test = (labelled[parts[labelled] == part] for part in ("train", "validation", "test"))
    elif task.split == "official":
        name = "official"
        split = items.field("split")[labelled]
        train, val, test = (labelled[split == part] for part in ("train", "validation", "test"))
        if len(val) == 0 and len(train):
            cut = source_split(
                labels[train].tolist(),
                [items.duplicate_cluster[i] for i in train],
                seed=split_seed,
                ids=[items.ids[i] for i in train],
            )
            train, val = train[cut["train"]], train[cut["validation"]]
            details["validation"] = "10% of the official train split (stratified): the release has none"
    else:
        name = "all"
        groups = [items.duplicate_cluster[i] for i in labelled]
        strata = items.strata(spec)  # label and platform, as `finefake package` and the built-in tasks
        train, val, test = (
            labelled[rows]
            for rows in split_indices(
                [strata[i] for i in labelled],
                groups,
                task.split,
                split_seed,
                [items.ids[i] for i in labelled],
            )
        )
    reason = None
    if min(len(train), len(val), len(test)) == 0:
        reason = f"only {len(labelled)} items: a split is empty"
    elif len(np.unique(labels[train])) < 2:
        reason = "training split has fewer than 2 classes"
    return Setting(spec.name, name, "all", "all", train, val, test, False, reason, details)


def pairs_of(task: TaskDefinition, items: DatasetItems) -> list[Pair]:
    """The task's source -> target pairs; leave-one-out expands over the domain values present."""
    if task.leave_one_out is None:
        return list(task.pairs)
    kind = task.leave_one_out
    present = sorted({v for v in items.field(kind) if v is not None})
    return [Pair(f"all but {v} -> {v}", {kind: tuple(p for p in present if p != v)}, {kind: (v,)}, f"all but {v}", v)
            for v in present]  # fmt: skip


def build_task_settings(
    task: TaskDefinition,
    items: DatasetItems,
    *,
    split_seed: int = 0,
    assignment: Mapping[str, str] | None = None,
    assignment_source: str = "the split file",
) -> list[Setting]:
    """Every setting of ``task`` on ``items`` (settings without enough data carry ``skipped``).

    With ``assignment`` (a published split file: id -> train/validation/test) every setting is cut from it:
    classification takes its three parts; domain adaptation trains on the source's train items, selects on
    its validation items and tests on the whole target. Without it, the spec's own split: the release's
    split field for ``official``, else a stratified re-split with ``split_seed`` (source 9:1 for adaptation).
    """
    if task.kind == "temporal":  # cut by date, whatever the split file says
        return temporal_task_settings(task, items, split_seed)
    parts = split_parts(items, assignment, assignment_source) if assignment is not None else None
    if not task.is_da:
        return [in_id_order(_classification(task, items, split_seed, parts), items.ids)]
    spec = task.task_spec()
    labelled = items.labels[task.label] >= 0
    settings = []
    for pair in pairs_of(task, items):
        source_rows, target_rows = items.rows(pair.source, labelled), items.rows(pair.target, labelled)
        setting = _domain_setting(
            spec,
            items,  # type: ignore[arg-type]  (DatasetItems offers what ItemTable offers)
            pair.name,
            pair.source_name,
            pair.target_name,
            source_rows,
            target_rows,
            BenchSplit.resplit(split_seed),
            parts,  # a split file gives the source's train/validation: no re-split (22 x n on Fakeddit)
        )
        if parts is not None and setting.skipped == "source too small":
            setting.skipped = "source too small in the split file"
        settings.append(setting)
    return [in_id_order(s, items.ids) for s in settings]  # rows in id order, as the built-in tasks


def temporal_task_settings(task: TaskDefinition, items: Any, split_seed: int = 0) -> list[Setting]:
    """A temporal task's settings on ``items`` (DatasetItems, or FineFake's ItemTable): the items' own
    ``published`` days, cut by ``task.split``'s ratios (whole ``task.by`` groups when set)."""
    from finefake.benchmarks.temporal import parse_day, temporal_settings

    spec = task.task_spec()
    published = getattr(items, "published", None)
    days = [parse_day(v) for v in (published if published is not None else [None] * len(items))]
    return temporal_settings(
        spec,
        items.labels_for(spec),
        days,
        items.duplicate_cluster,
        task.split,
        groups=list(items.field(task.by)) if task.by else None,
        by=task.by,
        seed=split_seed,
        ids=list(items.ids),
    )


def describe_tasks(dataset: str) -> list[dict[str, Any]]:
    """One line of facts per task of ``dataset`` (what ``bench --list`` prints)."""
    rows = []
    for definition in dataset_tasks(dataset).values():
        if definition.is_da:
            pairs = (
                f"leave one {definition.leave_one_out} out"
                if definition.leave_one_out
                else f"{len(definition.pairs)} source -> target pair(s)"
            )
        elif definition.kind == "temporal":
            by = f", whole {definition.by} groups" if definition.by else ""
            pairs = f"random split of the same items, and earlier -> later by date{by}"
        else:
            pairs = ""
        split = (
            definition.split
            if isinstance(definition.split, str)
            else ":".join(f"{r:g}" for r in definition.split)
        )
        rows.append(
            {
                "task": definition.name,
                "kind": definition.kind,
                "label": f"{definition.label} ({len(definition.class_names)} classes)",
                "split": split,
                "settings": pairs or "one",
                "metrics": ", ".join(definition.metrics),
                "description": definition.description,
            }
        )
    return rows


def published_split(
    root: Path, dataset: str, path: Path | None = None
) -> tuple[dict[str, str] | None, dict[str, Any]]:
    """The published split to cut every setting from: ``path``, else an import's own ``records/splits.json``.

    Returns the id -> split map (None: the spec's own split) and what results record about it (file, hash).
    FineFake workspaces use the spec's split unless a file is given.
    """
    if path is None and dataset != FINEFAKE and (Path(root) / "records" / "splits.json").is_file():
        path = Path(root) / "records" / "splits.json"
    if path is None:
        return None, {}
    try:
        raw = Path(path).read_bytes()
        assignment = json.loads(raw)
    except (OSError, ValueError) as exc:
        raise FinefakeError(f"cannot read the split file {path}: {exc}") from exc
    if not isinstance(assignment, dict) or not all(isinstance(v, str) for v in assignment.values()):
        raise FinefakeError(
            f"split file {path}: expected an object mapping item ids to train/validation/test"
        )
    return assignment, {"split_file": str(path), "split_file_sha256": hashlib.sha256(raw).hexdigest()}


#: Format of ``settings.json``: every id once, each setting's part as a compressed bitset over them.
SETTINGS_FORMAT = "finefake-settings/2"
PARTS: tuple[str, ...] = ("train", "validation", "test")


def _bitset(rows: np.ndarray, n: int) -> dict[str, Any]:
    mask = np.zeros(n, dtype=bool)
    mask[rows] = True
    packed = zlib.compress(np.packbits(mask).tobytes(), 9)
    return {"n": int(len(rows)), "bits": base64.b64encode(packed).decode("ascii")}


def part_ids(content: Mapping[str, Any], part: Mapping[str, Any]) -> list[str]:
    """The item ids of one part (train/validation/test) of a setting of a ``settings.json``, in file order.

    A part is ``{"n": count, "bits": base64(zlib(bitset))}``: bit ``i`` (most significant bit of each byte
    first, numpy's ``packbits`` order) says whether ``content["ids"][i]`` belongs to the part.
    """
    ids = content["ids"]
    try:
        raw = zlib.decompress(base64.b64decode(part["bits"], validate=True))
        mask = np.unpackbits(np.frombuffer(raw, dtype=np.uint8), count=len(ids)).astype(bool)
    except (KeyError, TypeError, ValueError, zlib.error) as exc:
        raise FinefakeError(f"settings file: a part is not a bitset over its {len(ids)} ids ({exc})") from exc
    found = [ids[i] for i in np.flatnonzero(mask)]
    if len(found) != part.get("n", len(found)):
        raise FinefakeError(f"settings file: a part lists {len(found)} ids but says n = {part.get('n')}")
    return found


def write_settings_file(
    path: Path, dataset: str, records: list[dict[str, Any]], assignment: Mapping[str, str], split_name: str
) -> dict[str, Any]:
    """Write the items of every setting of every task of ``dataset``, cut from ``assignment``.

    Published beside the split file (``split_name``), so another lab can check it trains and tests on the
    same items for each adaptation setting, or score an outside model (``finefake evaluate``) on them. Each id
    is written once (``ids``) and each part as a compressed bitset over them (read with :func:`part_ids`):
    listing the ids per part repeated each about 25 times on Fakeddit (a leave-one-subreddit-out task over 22
    subreddits), 38 MB for 50,000 rows where this needs about 1.5 MB (perf/settings_size.py).
    """
    from finefake.workspace import atomic_write_text

    items = DatasetItems.from_records(records, load_spec(dataset))
    n = len(items.ids)
    tasks = {}
    for name, definition in dataset_tasks(dataset).items():
        settings = build_task_settings(definition, items, assignment=assignment, assignment_source=split_name)
        entries = [
            {"name": s.name, "source": s.source, "target": s.target, "skipped": s.skipped}
            | {part: _bitset(getattr(s, part), n) for part in PARTS}
            for s in settings
        ]
        tasks[name] = {"spec_hash": definition.spec_hash(), "settings": entries}
    content = {
        "format": SETTINGS_FORMAT,
        "dataset": dataset,
        "split_file": split_name,
        "tasks": tasks,
        "ids": list(items.ids),
    }
    atomic_write_text(path, json.dumps(content, ensure_ascii=False, separators=(",", ":")) + "\n")
    return content
