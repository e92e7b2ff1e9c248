"""The benchmark tasks of the FineFake paper (DESIGN.md section 7) and the settings each one expands to.

A *task* names what is predicted and how it is evaluated; a *setting* is one train/validation/test cut of it
(classification tasks have one setting, domain-adaptation tasks one per source -> target pair):

* ``binary`` (no knowledge), ``binary-kg`` (with knowledge), ``fine-grained`` (6 classes, with knowledge):
  6:2:2 stratified train/validation/test; accuracy, macro precision/recall/F1.
* ``topic-da``: per platform group, source = politics + business + health + society, target = entertainment,
  and target = conflict, of the same group.
* ``platform-da``: politics only; source = one platform group, target = each other group.
* ``dual-da``: source = conflict of group A, target = politics of group B != A.

Domain adaptation predicts the binary label with knowledge; the whole target domain is the test set, and
models get the target *inputs* only (the harness's unlabeled target Batch), never its labels. Accuracy and
weighted F1. Which items train and validate comes from a ``BenchSplit`` (the official split by default; see
``finefake.benchmarks.splits``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from finefake.benchmarks.splits import BenchSplit, classification_split, source_split
from finefake.contract import FINE_GRAINED_NAMES, LABEL_NAMES, PLATFORM_GROUPS
from finefake.errors import FinefakeError
from finefake.features.featureset import FeatureSet

DA_SOURCE_TOPICS: tuple[str, ...] = ("politics", "business", "health", "society")
DA_TARGET_TOPICS: tuple[str, ...] = ("entertainment", "conflict")
#: Short names used in setting labels and table headers (paper style: P, B, H, S).
GROUP_SHORT: dict[str, str] = {"fact_check": "FC", "stream": "ST", "official": "OF"}


@dataclass(frozen=True)
class TaskSpec:
    name: str
    kind: str  # "classification" | "domain_adaptation"
    label_field: str
    class_names: tuple[str, ...]
    use_knowledge: bool
    metrics: tuple[str, ...]
    description: str

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def is_da(self) -> bool:
        return self.kind == "domain_adaptation"


CLASSIFICATION_METRICS = ("accuracy", "macro_precision", "macro_recall", "macro_f1")
DA_METRICS = ("accuracy", "weighted_f1")
TASKS: dict[str, TaskSpec] = {
    spec.name: spec
    for spec in (
        TaskSpec(
            "binary", "classification", "label", LABEL_NAMES, False, CLASSIFICATION_METRICS,
            "binary fake/real detection from text and image (no knowledge)",
        ),
        TaskSpec(
            "binary-kg", "classification", "label", LABEL_NAMES, True, CLASSIFICATION_METRICS,
            "binary fake/real detection from text, image and knowledge",
        ),
        TaskSpec(
            "fine-grained", "classification", "fine_grained_label", FINE_GRAINED_NAMES, True,
            CLASSIFICATION_METRICS, "six-class fine-grained detection from text, image and knowledge",
        ),
        TaskSpec(
            "topic-da", "domain_adaptation", "label", LABEL_NAMES, True, DA_METRICS,
            "topic adaptation: politics+business+health+society -> entertainment / conflict, per platform group",
        ),
        TaskSpec(
            "platform-da", "domain_adaptation", "label", LABEL_NAMES, True, DA_METRICS,
            "platform adaptation on politics: one platform group -> each other group",
        ),
        TaskSpec(
            "dual-da", "domain_adaptation", "label", LABEL_NAMES, True, DA_METRICS,
            "topic and platform adaptation: conflict of group A -> politics of group B",
        ),
    )
}  # fmt: skip
TASK_NAMES: tuple[str, ...] = tuple(TASKS)


def get_task(name: str) -> TaskSpec:
    try:
        return TASKS[name]
    except KeyError:
        raise FinefakeError(f"unknown task {name!r}; expected one of {', '.join(TASKS)}") from None


def feature_rows(ids: list[str], features: FeatureSet) -> np.ndarray:
    """For each FeatureSet row, the position of its item in ``ids``; a feature row without a record is an
    error (the features belong to another workspace or an older version of its records)."""
    position = {item_id: i for i, item_id in enumerate(ids)}
    missing = [i for i in features.ids if i not in position]
    if missing:
        raise FinefakeError(
            f"{len(missing)} feature rows have no record (first: {missing[0]}); "
            "recompute the features for this workspace"
        )
    return np.asarray([position[i] for i in features.ids], dtype=np.int64)


@dataclass
class ItemTable:
    """The per-item facts the harness needs (labels and domains), row-aligned with a FeatureSet."""

    ids: list[str]
    label: np.ndarray
    fine_grained_label: np.ndarray
    topic: np.ndarray
    platform_group: np.ndarray
    duplicate_cluster: list[str | None]
    #: The platform of each item (a re-split stratifies by (label, platform) like ``finefake package``).
    platform: np.ndarray | None = None
    #: Publication time of each item (ISO 8601 or None): what temporal tasks cut by.
    published: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_records(cls, records: Iterable[dict[str, Any]]) -> ItemTable:
        """Read the fields from ``record`` dicts; a missing or bad field raises naming the item and field."""
        keys = ("id", "label", "fine", "topic", "group", "cluster", "platform", "published")
        rows: dict[str, list[Any]] = {k: [] for k in keys}
        for record in records:
            item = record.get("id", "<no id>")
            for key in ("id", "label", "fine_grained_label", "topic", "platform_group"):
                if record.get(key) is None:
                    raise FinefakeError(
                        f"record {item}: field {key!r} is missing; benchmarks need labelled records"
                    )
            rows["id"].append(str(record["id"]))
            rows["label"].append(int(record["label"]))
            rows["fine"].append(int(record["fine_grained_label"]))
            rows["topic"].append(str(record["topic"]))
            rows["group"].append(str(record["platform_group"]))
            rows["cluster"].append(record.get("duplicate_cluster"))
            rows["platform"].append(str(record.get("platform")))
            rows["published"].append(record.get("published"))
        return cls(
            rows["id"],
            np.asarray(rows["label"], dtype=np.int64),
            np.asarray(rows["fine"], dtype=np.int64),
            np.asarray(rows["topic"], dtype=object),
            np.asarray(rows["group"], dtype=object),
            rows["cluster"],
            np.asarray(rows["platform"], dtype=object),
            np.asarray(rows["published"], dtype=object),
        )

    def aligned_to(self, features: FeatureSet) -> ItemTable:
        """This table reordered to the FeatureSet's rows; every feature row must have a record."""
        rows = feature_rows(self.ids, features)
        return ItemTable(
            list(features.ids),
            self.label[rows],
            self.fine_grained_label[rows],
            self.topic[rows],
            self.platform_group[rows],
            [self.duplicate_cluster[i] for i in rows],
            None if self.platform is None else self.platform[rows],
            None if self.published is None else self.published[rows],
        )

    def strata(self, task: TaskSpec) -> list[tuple[int, str]]:
        """What a re-split stratifies by: the task's label and the platform (as ``finefake package`` does)."""
        labels = self.labels_for(task).tolist()
        platforms = [None] * len(self) if self.platform is None else self.platform.tolist()
        return list(zip(labels, platforms, strict=True))

    def labels_for(self, task: TaskSpec) -> np.ndarray:
        return self.label if task.label_field == "label" else self.fine_grained_label


@dataclass
class Setting:
    """One train/validation/test cut of a task; row indices point into the aligned FeatureSet."""

    task: str
    name: str
    source: str
    target: str
    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray
    domain_adaptation: bool
    skipped: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        """The setting's file-system name."""
        keep = [c if c.isalnum() else "-" for c in self.name.lower()]
        return "-".join(p for p in "".join(keep).split("-") if p) or "all"


def _domain_setting(
    task: TaskSpec,
    items: ItemTable,
    name: str,
    source: str,
    target: str,
    source_rows: np.ndarray,
    target_rows: np.ndarray,
    split: BenchSplit,
    parts: np.ndarray | None,
) -> Setting:
    labels = items.labels_for(task)
    empty = np.zeros(0, dtype=np.int64)
    details = {"n_source": int(len(source_rows)), "n_target": int(len(target_rows))}
    reason = None
    if len(target_rows) == 0:
        reason = "no target items"
    elif len(np.unique(labels[source_rows])) < 2:
        reason = f"source has {len(source_rows)} items and fewer than 2 classes"
    if reason:
        return Setting(task.name, name, source, target, empty, empty, empty, True, reason, details)
    if parts is not None:
        train, val = (
            source_rows[parts[source_rows] == "train"],
            source_rows[parts[source_rows] == "validation"],
        )
    else:
        strata = items.strata(task)
        cut = source_split(
            [strata[i] for i in source_rows],
            [items.duplicate_cluster[i] for i in source_rows],
            seed=int(split.seed or 0),
            ids=[items.ids[i] for i in source_rows],
        )
        train, val = source_rows[cut["train"]], source_rows[cut["validation"]]
    if len(val) == 0 or len(np.unique(labels[train])) < 2:
        return Setting(
            task.name, name, source, target, empty, empty, empty, True, "source too small", details
        )
    return Setting(task.name, name, source, target, train, val, target_rows, True, None, details)


def build_settings(
    task_name: str, items: ItemTable, *, split: BenchSplit | None = None, split_seed: int = 0
) -> list[Setting]:
    """Every setting of ``task_name`` on ``items`` (settings without enough data carry ``skipped``).

    ``split`` says where the cut comes from (an official split file or a re-split); without it, a re-split
    with ``split_seed``.
    """
    task = get_task(task_name)
    split = split or BenchSplit.resplit(split_seed)
    labels = items.labels_for(task)
    parts = split.parts(items.ids) if split.kind == "official" else None
    if not task.is_da:
        if parts is not None:
            cut = {name: np.flatnonzero(parts == name) for name in ("train", "validation", "test")}
        else:
            cut = classification_split(
                items.strata(task), items.duplicate_cluster, seed=int(split.seed or 0), ids=items.ids
            )
        reason = None
        if min(len(cut[k]) for k in cut) == 0:
            reason = f"only {len(items)} items: a split is empty"
        elif len(np.unique(labels[cut["train"]])) < 2:
            reason = "training split has fewer than 2 classes"
        setting = Setting(
            task.name, "all", "all", "all", cut["train"], cut["validation"], cut["test"], False, reason
        )
        return [in_id_order(setting, items.ids)]
    topic, group = items.topic, items.platform_group
    settings: list[Setting] = []
    if task.name == "topic-da":
        for g in PLATFORM_GROUPS:
            source_rows = np.flatnonzero((group == g) & np.isin(topic, DA_SOURCE_TOPICS))
            for t in DA_TARGET_TOPICS:
                target_rows = np.flatnonzero((group == g) & (topic == t))
                name = f"{GROUP_SHORT[g]}: P+B+H+S -> {t}"
                settings.append(
                    _domain_setting(task, items, name, g, t, source_rows, target_rows, split, parts)
                )
    else:
        source_topic, target_topic = (
            ("politics", "politics") if task.name == "platform-da" else ("conflict", "politics")
        )
        for a in PLATFORM_GROUPS:
            source_rows = np.flatnonzero((group == a) & (topic == source_topic))
            for b in PLATFORM_GROUPS:
                if a == b:
                    continue
                target_rows = np.flatnonzero((group == b) & (topic == target_topic))
                if task.name == "platform-da":
                    name = f"{GROUP_SHORT[a]} -> {GROUP_SHORT[b]}"
                else:
                    name = f"{source_topic}@{GROUP_SHORT[a]} -> {target_topic}@{GROUP_SHORT[b]}"
                settings.append(
                    _domain_setting(task, items, name, a, b, source_rows, target_rows, split, parts)
                )
    return [in_id_order(s, items.ids) for s in settings]


def in_id_order(setting: Setting, ids: Sequence[str]) -> Setting:
    """``setting`` with each part's rows ordered by item id: models see their training items in an order
    fixed by content, not by where the items sit in the files (which once followed crawl timing)."""
    key = np.asarray(ids, dtype=object)

    def order(rows: np.ndarray) -> np.ndarray:
        return rows[np.argsort(key[rows], kind="stable")] if len(rows) else rows

    return replace(
        setting, train=order(setting.train), validation=order(setting.validation), test=order(setting.test)
    )
