"""The offline backend: task files for import and Label Studio export files (JSON, JSON-MIN and CSV).

Export folder layout (what :func:`read_export_folder` reads; the server backend writes the same)::

    <folder>/<annotator>.json     one Label Studio export per annotator project, JSON or JSON-MIN
                                  (detected from the content); the file stem is the annotator's name
    <folder>/<annotator>.csv      or its CSV export (comma or tab separated, one row per annotation)

Exports are untrusted input: they are read one task at a time with nesting and size capped
(:mod:`finefake.jsonstream`), and a malformed task (``data`` not an object, ``annotations`` or ``result`` not a
list, nested too deep) is rejected by name and counted in :class:`TaskCheck`, which also says why tasks gave
no usable annotation (no annotation, no ``item_id``, a label config without this project's choices).

Files whose name starts with ``.`` or ends with ``.tasks.json`` are ignored. Tasks are matched on the
``item_id`` field of the task data (written by :func:`write_task_files`), never on Label Studio task ids,
which differ between projects.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finefake.annotation.label_config import (
    BINARY_TAG,
    FINE_GRAINED_TAG,
    LabelValueError,
    choices_from_min_row,
    choices_from_result,
    guidelines_html,
    guidelines_markdown,
    labeling_config,
)
from finefake.annotation.tasks import build_task
from finefake.errors import FinefakeError
from finefake.jsonstream import Rejected, array_elements
from finefake.workspace import atomic_write_json, atomic_write_text

ANNOTATOR_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")
MAX_EXPORT_BYTES = 1 << 30
#: Caps on one exported task (a real one nests about 8 deep; its text may be a whole article).
MAX_TASK_DEPTH = 48
MAX_TASK_CHARS = 2_000_000
MAX_TASK_VALUES = 500_000
#: Why a task gave no usable annotation, in words (keys of :attr:`TaskCheck.unusable`).
UNUSABLE_REASONS = {
    "rejected": "malformed (rejected)",
    "no_annotation": "no annotation",
    "no_item_id": "no item_id in the task data",
    "label_config_mismatch": "label config mismatch",
    "incomplete": "only one of the two choices",
    "invalid_choice": "a choice that is not one value",
    "cancelled": "only cancelled annotations",
}


@dataclass
class TaskCheck:
    """What the export files held, task by task: how many gave a usable annotation, and why the others not
    (a task may have more than one reason: no ``item_id`` and a foreign label config).

    A usable annotation names its item (``item_id`` in the task data) and has both of this project's choices
    (``binary`` and ``fine_grained``). ``foreign_choices`` are the control names the exports used instead
    (a label config of another project); ``rejected`` names each malformed task.
    """

    tasks: int = 0
    usable: int = 0
    unusable: Counter = field(default_factory=Counter)
    foreign_choices: Counter = field(default_factory=Counter)
    rejected: list[str] = field(default_factory=list)

    def note(self, annotations: list[RawAnnotation], has_annotation: bool, item_id: Any) -> None:
        """Count one task from its parsed annotations."""
        self.tasks += 1
        ok = [a for a in annotations if not a.cancelled and not a.error and a.binary and a.fine_grained]
        named = isinstance(item_id, str) and bool(item_id)
        if ok and named:
            self.usable += 1
            return
        if not has_annotation:  # a task nobody annotated: nothing else to say about it
            self.unusable["no_annotation"] += 1
            return
        if not named:
            self.unusable["no_item_id"] += 1
        if all(a.cancelled for a in annotations):
            self.unusable["cancelled"] += 1
        elif any(a.error for a in annotations):
            self.unusable["invalid_choice"] += 1
        elif not any(a.binary or a.fine_grained for a in annotations):
            self.unusable["label_config_mismatch"] += 1
        elif not ok:
            self.unusable["incomplete"] += 1

    def reject(self, where: str, reason: str) -> None:
        self.tasks += 1
        self.unusable["rejected"] += 1
        if len(self.rejected) < 100:
            self.rejected.append(f"{where}: {reason}")

    def summary(self) -> str:
        """One line: how many tasks had no usable annotation, by reason (empty when all were usable)."""
        missing = self.tasks - self.usable
        if not missing:
            return ""
        parts = [
            f"{n} {UNUSABLE_REASONS[k]}" for k, n in sorted(self.unusable.items(), key=lambda kv: -kv[1])
        ]
        text = f"{missing} of {self.tasks} task(s) had no usable annotation: {', '.join(parts)}"
        if self.unusable.get("label_config_mismatch"):
            names = ", ".join(sorted(self.foreign_choices)[:5])
            used = f"the exports' choices are named {names}" if names else "no choice in the exports"
            text += f" ({used}; this project's label config names {BINARY_TAG} and {FINE_GRAINED_TAG})"
        if self.rejected:
            text += (
                "; rejected: " + "; ".join(self.rejected[:3]) + ("; ..." if len(self.rejected) > 3 else "")
            )
        return text

    def as_dict(self) -> dict[str, Any]:
        return {
            "tasks": self.tasks,
            "usable": self.usable,
            "unusable": dict(self.unusable),
            "foreign_choices": dict(self.foreign_choices),
            "rejected": self.rejected,
        }


@dataclass
class RawAnnotation:
    """One annotation as it comes out of Label Studio, before validation and label encoding."""

    item_id: str | None
    annotator: str
    project: str | None
    binary: str | None
    fine_grained: str | None
    created_at: str | None = None
    updated_at: str | None = None
    lead_time: float | None = None
    annotation_id: str | None = None
    completed_by: str | None = None
    cancelled: bool = False
    error: str | None = None  # a malformed result (e.g. two choices where one is allowed)


def check_annotator_name(name: str) -> str:
    """Annotator names become project titles and file names, so they are restricted to a safe alphabet."""
    if not ANNOTATOR_NAME.match(name or ""):
        raise FinefakeError(
            f"invalid annotator name {name!r}: use letters, digits and . _ @ + - (at most 100 characters)"
        )
    return name


def default_annotators(count: int) -> list[str]:
    """``annotator-1`` ... ``annotator-N``."""
    if count < 1:
        raise FinefakeError(f"need at least one annotator, got {count}")
    return [f"annotator-{i}" for i in range(1, count + 1)]


def write_task_files(
    items: Iterable[dict[str, Any]],
    out_dir: str | Path,
    annotators: list[str],
    *,
    image_base_url: str | None = None,
) -> list[Path]:
    """Write ``<annotator>.tasks.json`` (same tasks for everyone) plus the config and guidelines.

    Each annotator imports their file into their own project created with ``labeling_config.xml`` (and
    ``guidelines.html`` as instructions); their exports then go back into a folder as ``<annotator>.json``.
    """
    out = Path(out_dir)
    tasks = [build_task(item, image_base_url=image_base_url) for item in items]
    paths = []
    payload = json.dumps(tasks, ensure_ascii=False, indent=1) + "\n"
    for name in annotators:
        paths.append(atomic_write_text(out / f"{check_annotator_name(name)}.tasks.json", payload))
    atomic_write_text(out / "labeling_config.xml", labeling_config())
    atomic_write_text(out / "guidelines.md", guidelines_markdown())
    atomic_write_text(out / "guidelines.html", guidelines_html())
    return paths


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):  # newer exports give {"id": .., "email": ..}
        value = value.get("email") or value.get("id")
    return None if value is None else str(value)


def _lead_time(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def _choices(extract: Any, source: Any) -> tuple[dict[str, str | None], str | None]:
    try:
        return extract(source), None
    except LabelValueError as exc:
        return {"binary": None, "fine_grained": None}, str(exc)


def _type(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", type(None): "null"}.get(
        type(value), "a number"
    )


def _task_problem(task: Any) -> str | None:
    """Why a JSON-export task cannot be read (``annotations is a string, not a list``), or None."""
    if not isinstance(task, dict):
        return f"the task is {_type(task)}, not an object"
    if task.get("data") is not None and not isinstance(task["data"], dict):
        return f"data is {_type(task['data'])}, not an object"
    item_id = (task.get("data") or {}).get("item_id")
    if item_id is not None and not isinstance(item_id, str):
        return f"data.item_id is {_type(item_id)}, not a string"
    annotations = task.get("annotations")
    if annotations is not None and not isinstance(annotations, list):
        return f"annotations is {_type(annotations)}, not a list"
    for n, ann in enumerate(annotations or []):
        if not isinstance(ann, dict):
            return f"annotations[{n}] is {_type(ann)}, not an object"
        result = ann.get("result")
        if result is not None and not isinstance(result, list):
            return f"annotations[{n}].result is {_type(result)}, not a list"
        if any(not isinstance(entry, dict) for entry in result or []):
            return f"annotations[{n}].result holds something that is not an object"
    return None


def _task_name(task: Any, index: int, project: str | None) -> str:
    task_id = task.get("id") if isinstance(task, dict) else None
    label = f"task {task_id}" if isinstance(task_id, (int, str)) and len(str(task_id)) < 40 else "task"
    return f"{project or 'export'} {label} (#{index + 1})"


def parse_json_export(
    tasks: list[Any], annotator: str, project: str | None, checks: TaskCheck | None = None
) -> list[RawAnnotation]:
    """Annotations of a Label Studio JSON export (a list of tasks, each with ``annotations``).

    A malformed task is rejected and named in ``checks`` (when given); the others are read.
    """
    checks = checks if checks is not None else TaskCheck()
    out: list[RawAnnotation] = []
    for index, task in enumerate(tasks):
        problem = task.reason if isinstance(task, Rejected) else _task_problem(task)
        if problem is not None:
            checks.reject(_task_name(task, index, project), problem.replace("_", " "))
            continue
        data = task.get("data") or {}
        item_id = data.get("item_id")
        found: list[RawAnnotation] = []
        for ann in task.get("annotations") or []:
            result = ann.get("result") or []
            choices, error = _choices(choices_from_result, result)
            checks.foreign_choices.update(
                str(e.get("from_name"))[:60]
                for e in result
                if e.get("from_name") not in (BINARY_TAG, FINE_GRAINED_TAG) and e.get("from_name")
            )
            found.append(
                RawAnnotation(
                    item_id=item_id,
                    annotator=annotator,
                    project=project,
                    binary=choices["binary"],
                    fine_grained=choices["fine_grained"],
                    created_at=_text(ann.get("created_at")),
                    updated_at=_text(ann.get("updated_at")),
                    lead_time=_lead_time(ann.get("lead_time")),
                    annotation_id=_text(ann.get("id")),
                    completed_by=_text(ann.get("completed_by")),
                    cancelled=bool(ann.get("was_cancelled")),
                    error=error,
                )
            )
        checks.note(found, bool(found), item_id)
        out += found
    return out


#: Columns of a JSON-MIN row or CSV export that Label Studio adds itself (not control tags, not task data).
_MIN_COLUMNS = frozenset(
    {"id", "annotation_id", "annotator", "created_at", "updated_at", "lead_time", "agreement", "item_id"}
)


def parse_json_min_export(
    rows: list[Any], annotator: str, project: str | None, checks: TaskCheck | None = None
) -> list[RawAnnotation]:
    """Annotations of a JSON-MIN (or CSV) export: one flat row per annotation; unannotated tasks have no
    annotation_id. A row that is not an object is rejected and named in ``checks``."""
    checks = checks if checks is not None else TaskCheck()
    out: list[RawAnnotation] = []
    for index, row in enumerate(rows):
        problem = row.reason if isinstance(row, Rejected) else None
        if problem is None and not isinstance(row, dict):
            problem = f"the row is {_type(row)}, not an object"
        if problem is None and row.get("item_id") is not None and not isinstance(row["item_id"], str):
            problem = f"item_id is {_type(row['item_id'])}, not a string"
        if problem is not None:
            checks.reject(_task_name(row, index, project), problem.replace("_", " "))
            continue
        annotated = not _blank(row.get("annotation_id"))
        if not annotated and _blank(row.get(BINARY_TAG)) and _blank(row.get(FINE_GRAINED_TAG)):
            checks.note([], False, row.get("item_id"))
            continue
        choices, error = _choices(choices_from_min_row, row)
        raw = RawAnnotation(
            item_id=row.get("item_id") or None,
            annotator=annotator,
            project=project,
            binary=choices["binary"],
            fine_grained=choices["fine_grained"],
            created_at=_text(row.get("created_at")),
            updated_at=_text(row.get("updated_at")),
            lead_time=_lead_time(row.get("lead_time")),
            annotation_id=_text(row.get("annotation_id")),
            completed_by=_text(row.get("annotator")),
            error=error,
        )
        checks.note([raw], True, row.get("item_id"))
        out.append(raw)
    return out


def _blank(value: Any) -> bool:
    return value is None or value == "" or value == []


def task_item_ids(export: list[Any]) -> set[str]:
    """Item ids of every task in an export (annotated or not), for the coverage report."""
    ids = set()
    for row in export:
        if not isinstance(row, dict):
            continue
        data = row.get("data") if isinstance(row.get("data"), dict) else row
        if isinstance(data.get("item_id"), str):
            ids.add(data["item_id"])
    return ids


def parse_export(
    export: Any, annotator: str, project: str | None, checks: TaskCheck | None = None
) -> list[RawAnnotation]:
    """Parse an export in either format; the format is told by the rows (JSON rows have ``data``)."""
    if not isinstance(export, list):
        raise FinefakeError(
            f"{project}: a Label Studio export is a JSON list of tasks, got {type(export).__name__}"
        )
    if not export:
        return []
    if any(isinstance(t, dict) and ("data" in t or "annotations" in t) for t in export[:20]):
        return parse_json_export(export, annotator, project, checks)
    return parse_json_min_export(export, annotator, project, checks)


def _read_csv(path: Path) -> list[dict[str, Any]]:
    """The rows of a Label Studio CSV export (comma or tab separated, as the converter writes either)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FinefakeError(f"{path}: not a UTF-8 CSV export (byte {exc.start})") from exc
    header = text.split("\n", 1)[0]
    delimiter = "\t" if header.count("\t") > header.count(",") else ","
    previous = csv.field_size_limit(MAX_TASK_CHARS)  # process-wide: put back after this file
    try:
        return list(csv.DictReader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as exc:
        raise FinefakeError(f"{path}: not a CSV export ({exc})") from exc
    finally:
        csv.field_size_limit(previous)


def read_export_file(
    path: str | Path, annotator: str | None = None, checks: TaskCheck | None = None
) -> tuple[list[RawAnnotation], set[str]]:
    """Read one export file (JSON, JSON-MIN or CSV): its annotations and the item ids of all its tasks.

    Tasks are read one at a time with nesting and size capped; malformed ones are named in ``checks``.
    """
    path = Path(path)
    annotator = check_annotator_name(annotator or path.stem)
    if path.stat().st_size > MAX_EXPORT_BYTES:
        raise FinefakeError(f"{path}: export larger than {MAX_EXPORT_BYTES} bytes")
    if path.suffix.lower() == ".csv":
        export: list[Any] = _read_csv(path)
    else:
        with open(path, "rb") as fh:
            export = list(
                array_elements(
                    fh,
                    str(path),
                    max_depth=MAX_TASK_DEPTH,
                    max_chars=MAX_TASK_CHARS,
                    max_nodes=MAX_TASK_VALUES,
                )
            )
    return parse_export(export, annotator, path.name, checks), task_item_ids(export)


def export_files(folder: str | Path) -> list[Path]:
    """The export files of a folder, in name order (see the module docstring for the layout)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FinefakeError(f"export folder {folder} does not exist")
    files = [
        p
        for p in sorted([*folder.glob("*.json"), *folder.glob("*.csv")])
        if not p.name.startswith(".") and not p.name.endswith(".tasks.json")
    ]
    if not files:
        raise FinefakeError(f"no Label Studio export files (<annotator>.json or .csv) in {folder}")
    stems = Counter(p.stem for p in files)
    twice = sorted(s for s, n in stems.items() if n > 1)
    if twice:
        raise FinefakeError(f"{folder}: more than one export for annotator(s) {', '.join(twice)}")
    return files


def read_export_folder(
    folder: str | Path, checks: TaskCheck | None = None
) -> tuple[dict[str, list[RawAnnotation]], dict[str, set[str]]]:
    """Every annotator's annotations and task item ids from a folder of ``<annotator>.json`` exports."""
    annotations: dict[str, list[RawAnnotation]] = {}
    tasks: dict[str, set[str]] = {}
    for path in export_files(folder):
        annotator = check_annotator_name(path.stem)
        annotations[annotator], tasks[annotator] = read_export_file(path, annotator, checks)
    return annotations, tasks


def write_export_file(folder: str | Path, annotator: str, export: list[dict[str, Any]]) -> Path:
    """Save one annotator's export in the folder layout above (used by the server backend)."""
    return atomic_write_json(Path(folder) / f"{check_annotator_name(annotator)}.json", export)
