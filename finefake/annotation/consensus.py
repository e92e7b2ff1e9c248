"""Consensus: majority vote -> final labels, a discussion list for ties and low agreement, adjudication wins.

The vote keeps the binary and fine-grained labels consistent (binary real <=> fine-grained 0):

1. the binary label is decided first by strict majority of the annotators (a tie goes to discussion);
2. if it is real, the fine-grained label is 0; if fake, it is the plurality among the fake classes (1-5)
   chosen by the annotators who voted fake (a tie between fake classes goes to discussion);
3. the item's agreement is the share of its annotators whose fine-grained label equals the final one; below
   ``min_agreement`` the item goes to discussion.

An adjudicated decision (imported from a file) replaces the vote for its item, whatever the vote said.
Items in discussion get no final record until they are adjudicated.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finefake.annotation.label_config import LabelValueError, binary_code, fine_grained_code
from finefake.contract import FINE_GRAINED_NAMES
from finefake.errors import FinefakeError
from finefake.records import project
from finefake.workspace import read_jsonl


@dataclass
class ConsensusResult:
    """Final records, the discussion list, and what happened to every item."""

    records: list[dict[str, Any]] = field(default_factory=list)
    discussion: list[dict[str, Any]] = field(default_factory=list)
    unannotated: list[str] = field(default_factory=list)
    orphan_annotations: list[str] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)


@dataclass(frozen=True)
class Vote:
    """The outcome of the vote on one item (labels are None when it goes to discussion)."""

    label: int | None
    fine_grained_label: int | None
    agreement: float | None
    reason: str | None
    decided_by: tuple[str, ...] = ()


def vote(annotations: list[dict[str, Any]], min_agreement: float = 0.6) -> Vote:
    """Majority vote over one item's annotations (see the module docstring for the rule)."""
    n = len(annotations)
    if n == 0:
        return Vote(None, None, None, "no annotations")
    fake = sum(1 for a in annotations if a["fine_grained_label"] != 0)
    real = n - fake
    if fake == real:
        return Vote(None, None, 0.5, f"binary tie ({fake} fake vs {real} real)")
    if real > fake:
        label, fine = 1, 0
    else:
        classes = Counter(a["fine_grained_label"] for a in annotations if a["fine_grained_label"] != 0)
        ranked = classes.most_common()
        if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
            tied = sorted(c for c, k in ranked if k == ranked[0][1])
            names = " vs ".join(FINE_GRAINED_NAMES[c] for c in tied)
            return Vote(0, None, ranked[0][1] / n, f"fine-grained tie ({names})")
        label, fine = 0, ranked[0][0]
    agreeing = tuple(sorted(a["annotator"] for a in annotations if a["fine_grained_label"] == fine))
    agreement = len(agreeing) / n
    if agreement + 1e-9 < min_agreement:
        return Vote(
            label, fine, agreement, f"low agreement ({agreement:.2f} < {min_agreement:.2f})", agreeing
        )
    return Vote(label, fine, agreement, None, agreeing)


def _code(value: Any, coder: Any, what: str, where: str) -> int:
    if isinstance(value, bool):
        raise FinefakeError(f"{where}: {what} must be a class code or name, got {value!r}")
    if isinstance(value, int):
        names = FINE_GRAINED_NAMES if what == "fine_grained_label" else ("fake", "real")
        if not 0 <= value < len(names):
            raise FinefakeError(f"{where}: {what} {value} is out of range")
        return value
    try:
        return coder(str(value))
    except LabelValueError as exc:
        raise FinefakeError(f"{where}: {exc}") from exc


def parse_adjudication(row: Any, where: str) -> dict[str, Any]:
    """Check one adjudicated decision and return it normalised.

    Accepted fields: ``item_id`` (required), ``fine_grained_label`` (code or class name, required), ``label``
    (optional; must agree with the fine-grained label), ``adjudicator`` (a name) or ``decided_by`` (a list of
    names) (one of them required), ``note`` (optional).
    """
    if not isinstance(row, dict):
        raise FinefakeError(f"{where}: an adjudication must be an object")
    item_id = row.get("item_id")
    if not isinstance(item_id, str) or not item_id:
        raise FinefakeError(f"{where}: field 'item_id' is required")
    where = f"{where} (item {item_id})"
    if row.get("fine_grained_label") is None:
        raise FinefakeError(f"{where}: field 'fine_grained_label' is required")
    fine = _code(row["fine_grained_label"], fine_grained_code, "fine_grained_label", where)
    label = 1 if fine == 0 else 0
    if row.get("label") is not None and _code(row["label"], binary_code, "label", where) != label:
        raise FinefakeError(
            f"{where}: label {row['label']!r} contradicts fine_grained_label "
            f"{FINE_GRAINED_NAMES[fine]!r} (real <=> class 0)"
        )
    decided_by = row.get("decided_by") or ([row["adjudicator"]] if row.get("adjudicator") else [])
    if not decided_by or not all(isinstance(d, str) and d for d in decided_by):
        raise FinefakeError(f"{where}: name who decided in 'adjudicator' or 'decided_by'")
    return {
        "item_id": item_id,
        "label": label,
        "fine_grained_label": fine,
        "decided_by": list(decided_by),
        "note": row.get("note"),
    }


def read_adjudications(path: str | Path) -> list[dict[str, Any]]:
    """Read adjudicated decisions from a JSON list or a JSONL file (one decision per object)."""
    path = Path(path)
    if not path.is_file():
        raise FinefakeError(f"adjudication file {path} does not exist")
    try:
        if path.suffix == ".jsonl":
            rows = list(read_jsonl(path))
        else:
            rows = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise FinefakeError(f"{path}: not valid JSON ({exc})") from exc
    if not isinstance(rows, list):
        raise FinefakeError(f"{path}: expected a JSON list of decisions")
    return [parse_adjudication(row, f"{path}[{i}]") for i, row in enumerate(rows)]


def build_record(
    item: dict[str, Any],
    annotations: list[dict[str, Any]],
    label: int,
    fine: int,
    decision: dict[str, Any],
) -> dict[str, Any]:
    """A final ``record``: the aligned item, its annotations, the labels and who decided them how.

    Not validated here: the workspace writer validates every record on the way to disk (once is enough).
    """
    record = project("aligned_item", item)
    record["annotations"] = [
        {"annotator": a["annotator"], "label": a["label"], "fine_grained_label": a["fine_grained_label"]}
        for a in sorted(annotations, key=lambda a: a["annotator"])
    ]
    record.update(label=label, fine_grained_label=fine, decision=decision, knowledge_embedding=None)
    return record


def run_consensus(
    items: Iterable[dict[str, Any]],
    annotations: Iterable[dict[str, Any]],
    *,
    min_agreement: float = 0.6,
    adjudications: Iterable[dict[str, Any]] = (),
) -> ConsensusResult:
    """Join aligned items with their annotations and decide every item (see the module docstring)."""
    if not 0.0 <= min_agreement <= 1.0:
        raise FinefakeError(f"min_agreement must be in [0, 1], got {min_agreement}")
    by_item: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for ann in annotations:
        by_item[ann["item_id"]].append(ann)
    adjudicated = {a["item_id"]: a for a in adjudications}
    result = ConsensusResult()
    seen: set[str] = set()
    for item in items:
        item_id = item["id"]
        seen.add(item_id)
        anns = by_item.get(item_id, [])
        if item_id in adjudicated:
            adj = adjudicated[item_id]
            agreement = (
                sum(a["fine_grained_label"] == adj["fine_grained_label"] for a in anns) / len(anns)
                if anns
                else None
            )
            decision = {"method": "adjudicated", "decided_by": adj["decided_by"], "agreement": agreement}
            result.records.append(build_record(item, anns, adj["label"], adj["fine_grained_label"], decision))
            result.counts["adjudicated"] += 1
            continue
        if not anns:
            result.unannotated.append(item_id)
            result.counts["unannotated"] += 1
            continue
        outcome = vote(anns, min_agreement)
        if outcome.reason is None:
            decision = {
                "method": "majority",
                "decided_by": list(outcome.decided_by),
                "agreement": round(outcome.agreement or 0.0, 6),
            }
            result.records.append(
                build_record(item, anns, outcome.label, outcome.fine_grained_label, decision)
            )
            result.counts["majority"] += 1
            continue
        result.counts["discussion"] += 1
        result.discussion.append(
            {
                "item_id": item_id,
                "reason": outcome.reason,
                "title": item.get("title"),
                "fact_check_rating": (item.get("fact_check") or {}).get("rating"),
                "votes": [
                    {
                        "annotator": a["annotator"],
                        "label": a["label"],
                        "fine_grained_label": a["fine_grained_label"],
                        "fine_grained_name": FINE_GRAINED_NAMES[a["fine_grained_label"]],
                    }
                    for a in sorted(anns, key=lambda a: a["annotator"])
                ],
                "majority_label": outcome.label,
                "majority_fine_grained_label": outcome.fine_grained_label,
                "agreement": outcome.agreement,
            }
        )
    result.orphan_annotations = sorted(set(by_item) - seen)
    result.counts["orphan_annotation_items"] = len(result.orphan_annotations)
    unknown_adjudications = sorted(set(adjudicated) - seen)
    if unknown_adjudications:
        result.counts["unknown_adjudications"] = len(unknown_adjudications)
    return result
