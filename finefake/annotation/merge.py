"""Merge raw annotations across annotator projects by item id, validate them, and make ``annotation`` records.

Nothing is dropped silently: every annotation that does not become a record, and every fix applied, is listed
in the :class:`ExportReport` with its item, annotator and reason.

Binary/fine-grained conflicts (binary "real" with a fake class, or binary "fake" with class "real") are resolved
by ``conflict_policy``: ``"fine_grained"`` (default) keeps the annotation and takes the binary label from the
fine-grained class, the more deliberate of the two choices; ``"drop"`` excludes the annotation. Either way the
conflict is reported. Duplicate annotations by one annotator on one item keep the most recently updated one.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from finefake.annotation.files import RawAnnotation
from finefake.annotation.label_config import LabelValueError, binary_code, fine_grained_code
from finefake.errors import FinefakeError

CONFLICT_POLICIES = ("fine_grained", "drop")


@dataclass
class ExportReport:
    """What an export found: counts and one entry per problem (JSON-serialisable via :meth:`as_dict`)."""

    annotators: list[str]
    expected_annotators: int
    records: int = 0
    items: int = 0
    unknown_labels: list[dict[str, Any]] = field(default_factory=list)
    incomplete: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    cancelled: list[dict[str, Any]] = field(default_factory=list)
    unknown_items: list[dict[str, Any]] = field(default_factory=list)
    under_annotated: list[dict[str, Any]] = field(default_factory=list)
    shared_projects: list[dict[str, Any]] = field(default_factory=list)
    tasks: dict[str, Any] = field(default_factory=dict)
    """Task-level check of the exports (:class:`~finefake.annotation.files.TaskCheck`): usable, why not."""
    unusable_summary: str = ""

    def problem_counts(self) -> dict[str, int]:
        return {
            name: len(getattr(self, name))
            for name in (
                "unknown_labels",
                "incomplete",
                "duplicates",
                "conflicts",
                "cancelled",
                "unknown_items",
                "under_annotated",
                "shared_projects",
            )
        }

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"problem_counts": self.problem_counts()}


def _ref(raw: RawAnnotation) -> dict[str, Any]:
    return {
        "item_id": raw.item_id,
        "annotator": raw.annotator,
        "annotation_id": raw.annotation_id,
        "project": raw.project,
    }


def _stamp(raw: RawAnnotation) -> tuple[str, str]:
    return (raw.updated_at or raw.created_at or "", raw.annotation_id or "")


def merge_annotations(
    raw_by_annotator: dict[str, list[RawAnnotation]],
    *,
    source: str,
    expected_annotators: int | None = None,
    known_items: set[str] | None = None,
    task_items: dict[str, set[str]] | None = None,
    conflict_policy: str = "fine_grained",
) -> tuple[list[dict[str, Any]], ExportReport]:
    """Validate and encode annotations; returns (annotation records sorted by item and annotator, report).

    Args:
        raw_by_annotator: annotator name -> that annotator's raw annotations.
        source: the ``source`` of the records ("label_studio" or "file").
        expected_annotators: how many annotators each item should have (default: number of annotators).
        known_items: item ids of the aligned stage; annotations of other items are reported, not written.
        task_items: annotator -> item ids of the tasks in their project (to name who is missing per item).
        conflict_policy: how binary/fine-grained conflicts are resolved (see the module docstring).
    """
    if conflict_policy not in CONFLICT_POLICIES:
        raise FinefakeError(f"conflict policy must be one of {', '.join(CONFLICT_POLICIES)}")
    annotators = sorted(raw_by_annotator)
    expected = expected_annotators if expected_annotators is not None else len(annotators)
    report = ExportReport(annotators=annotators, expected_annotators=expected)
    kept: dict[tuple[str, str], RawAnnotation] = {}
    groups: dict[tuple[str, str], list[RawAnnotation]] = defaultdict(list)
    users: dict[str, set[str]] = defaultdict(set)

    for annotator in annotators:
        for raw in raw_by_annotator[annotator]:
            if raw.cancelled:
                report.cancelled.append(_ref(raw))
                continue
            if not raw.item_id:
                report.unknown_items.append(_ref(raw) | {"reason": "task data has no item_id"})
                continue
            if known_items is not None and raw.item_id not in known_items:
                report.unknown_items.append(_ref(raw) | {"reason": "item not in the aligned stage"})
                continue
            if raw.error:
                report.unknown_labels.append(_ref(raw) | {"reason": raw.error})
                continue
            if raw.binary is None or raw.fine_grained is None:
                missing = [
                    n for n, v in (("binary", raw.binary), ("fine_grained", raw.fine_grained)) if v is None
                ]
                report.incomplete.append(_ref(raw) | {"missing": missing})
                continue
            groups[(raw.item_id, annotator)].append(raw)
            if raw.completed_by:
                users[annotator].add(raw.completed_by)

    for (item_id, annotator), found in groups.items():
        found.sort(key=_stamp)
        if len(found) > 1:
            report.duplicates.append(
                {
                    "item_id": item_id,
                    "annotator": annotator,
                    "kept": found[-1].annotation_id,
                    "annotations": [
                        {
                            "annotation_id": r.annotation_id,
                            "binary": r.binary,
                            "fine_grained": r.fine_grained,
                            "updated_at": r.updated_at,
                        }
                        for r in found
                    ],
                }
            )
        kept[(item_id, annotator)] = found[-1]

    records: list[dict[str, Any]] = []
    for (item_id, annotator), raw in sorted(kept.items()):
        try:
            label, fine = binary_code(raw.binary or ""), fine_grained_code(raw.fine_grained or "")
        except LabelValueError as exc:
            report.unknown_labels.append(_ref(raw) | {"reason": str(exc)})
            continue
        if (label == 1) != (fine == 0):
            resolved = 1 if fine == 0 else 0
            report.conflicts.append(
                _ref(raw)
                | {
                    "binary": raw.binary,
                    "fine_grained": raw.fine_grained,
                    "resolution": f"label set to {resolved}"
                    if conflict_policy == "fine_grained"
                    else "dropped",
                }
            )
            if conflict_policy == "drop":
                continue
            label = resolved
        record = {
            "item_id": item_id,
            "annotator": annotator,
            "label": label,
            "fine_grained_label": fine,
            "source": source,
            "project": raw.project,
            "created_at": raw.created_at,
            "lead_time": raw.lead_time,
        }
        records.append(record)

    for annotator, who in sorted(users.items()):
        if len(who) > 1:
            report.shared_projects.append({"annotator": annotator, "users": sorted(who)})

    per_item: dict[str, set[str]] = defaultdict(set)
    for rec in records:
        per_item[rec["item_id"]].add(rec["annotator"])
    all_items = set(per_item)
    for ids in (task_items or {}).values():
        all_items |= ids if known_items is None else (ids & known_items)
    for item_id in sorted(all_items):
        have = per_item.get(item_id, set())
        if len(have) < expected:
            report.under_annotated.append(
                {"item_id": item_id, "annotators": len(have), "missing": sorted(set(annotators) - have)}
            )
    report.records, report.items = len(records), len(per_item)
    return records, report
