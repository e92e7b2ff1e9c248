"""The offline backend: task files for import and Label Studio export files (JSON and JSON-MIN).

Export folder layout (what :func:`read_export_folder` reads; the server backend writes the same)::

    <folder>/<annotator>.json     one Label Studio export per annotator project, JSON or JSON-MIN
                                  (detected from the content); the file stem is the annotator's name

Files whose name starts with ``.`` or ends with ``.tasks.json`` are ignored. Tasks are matched on the
``item_id`` field of the task data (written by :func:`write_task_files`), never on Label Studio task ids,
which differ between projects.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from finefake.annotation.label_config import (
    LabelValueError,
    choices_from_min_row,
    choices_from_result,
    guidelines_html,
    guidelines_markdown,
    labeling_config,
)
from finefake.annotation.tasks import build_task
from finefake.errors import FinefakeError
from finefake.workspace import atomic_write_json, atomic_write_text

ANNOTATOR_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]{0,99}$")
MAX_EXPORT_BYTES = 1 << 30


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


def parse_json_export(
    tasks: list[dict[str, Any]], annotator: str, project: str | None
) -> list[RawAnnotation]:
    """Annotations of a Label Studio JSON export (a list of tasks, each with ``annotations``)."""
    out: list[RawAnnotation] = []
    for task in tasks:
        data = task.get("data") or {}
        item_id = data.get("item_id")
        for ann in task.get("annotations") or []:
            choices, error = _choices(choices_from_result, ann.get("result") or [])
            out.append(
                RawAnnotation(
                    item_id=item_id,
                    annotator=annotator,
                    project=project,
                    binary=choices["binary"],
                    fine_grained=choices["fine_grained"],
                    created_at=ann.get("created_at"),
                    updated_at=ann.get("updated_at"),
                    lead_time=_lead_time(ann.get("lead_time")),
                    annotation_id=_text(ann.get("id")),
                    completed_by=_text(ann.get("completed_by")),
                    cancelled=bool(ann.get("was_cancelled")),
                    error=error,
                )
            )
    return out


def parse_json_min_export(
    rows: list[dict[str, Any]], annotator: str, project: str | None
) -> list[RawAnnotation]:
    """Annotations of a JSON-MIN export (one flat row per annotation; unannotated tasks have no annotation_id)."""
    out: list[RawAnnotation] = []
    for row in rows:
        if row.get("annotation_id") is None and row.get("binary") is None and row.get("fine_grained") is None:
            continue
        choices, error = _choices(choices_from_min_row, row)
        out.append(
            RawAnnotation(
                item_id=row.get("item_id"),
                annotator=annotator,
                project=project,
                binary=choices["binary"],
                fine_grained=choices["fine_grained"],
                created_at=row.get("created_at"),
                updated_at=row.get("updated_at"),
                lead_time=_lead_time(row.get("lead_time")),
                annotation_id=_text(row.get("annotation_id")),
                completed_by=_text(row.get("annotator")),
                error=error,
            )
        )
    return out


def task_item_ids(export: list[dict[str, Any]]) -> set[str]:
    """Item ids of every task in an export (annotated or not), for the coverage report."""
    ids = set()
    for row in export:
        data = row.get("data") if isinstance(row.get("data"), dict) else row
        if isinstance(data.get("item_id"), str):
            ids.add(data["item_id"])
    return ids


def parse_export(export: Any, annotator: str, project: str | None) -> list[RawAnnotation]:
    """Parse an export in either format; the format is told by the rows (JSON rows have ``data``)."""
    if not isinstance(export, list):
        raise FinefakeError(
            f"{project}: a Label Studio export is a JSON list of tasks, got {type(export).__name__}"
        )
    if not export:
        return []
    first = export[0]
    if not isinstance(first, dict):
        raise FinefakeError(f"{project}: export rows must be objects")
    if "data" in first or "annotations" in first:
        return parse_json_export(export, annotator, project)
    return parse_json_min_export(export, annotator, project)


def read_export_file(path: str | Path, annotator: str | None = None) -> tuple[list[RawAnnotation], set[str]]:
    """Read one export file: its annotations and the item ids of all its tasks."""
    path = Path(path)
    annotator = check_annotator_name(annotator or path.stem)
    if path.stat().st_size > MAX_EXPORT_BYTES:
        raise FinefakeError(f"{path}: export larger than {MAX_EXPORT_BYTES} bytes")
    try:
        export = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FinefakeError(f"{path}: not a JSON export ({exc})") from exc
    return parse_export(export, annotator, path.name), task_item_ids(
        export if isinstance(export, list) else []
    )


def export_files(folder: str | Path) -> list[Path]:
    """The export files of a folder, in name order (see the module docstring for the layout)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise FinefakeError(f"export folder {folder} does not exist")
    files = [
        p
        for p in sorted(folder.glob("*.json"))
        if not p.name.startswith(".") and not p.name.endswith(".tasks.json")
    ]
    if not files:
        raise FinefakeError(f"no Label Studio export files (<annotator>.json) in {folder}")
    return files


def read_export_folder(folder: str | Path) -> tuple[dict[str, list[RawAnnotation]], dict[str, set[str]]]:
    """Every annotator's annotations and task item ids from a folder of ``<annotator>.json`` exports."""
    annotations: dict[str, list[RawAnnotation]] = {}
    tasks: dict[str, set[str]] = {}
    for path in export_files(folder):
        annotator = check_annotator_name(path.stem)
        annotations[annotator], tasks[annotator] = read_export_file(path, annotator)
    return annotations, tasks


def write_export_file(folder: str | Path, annotator: str, export: list[dict[str, Any]]) -> Path:
    """Save one annotator's export in the folder layout above (used by the server backend)."""
    return atomic_write_json(Path(folder) / f"{check_annotator_name(annotator)}.json", export)
