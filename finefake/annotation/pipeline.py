"""The annotation stage functions the CLI calls: push, write task files, export, agreement, consensus.

Workspace layout they use (besides the stage records)::

    annotations/exports/<annotator>.json    raw Label Studio JSON exports pulled from the server (re-readable
                                            offline with ``export --from-files``)
    annotations/export_report.json          problems found by the last export
    annotations/adjudications.json          imported adjudicated decisions (latest per item wins)
    annotations/agreement/                  agreement.json / .md / .html + kappa heatmaps
    records/discussion.json                 items left for discussion by the last consensus run
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from finefake.annotation.agreement import agreement_report
from finefake.annotation.client import DEFAULT_PREFIX, LabelStudioServer, project_title
from finefake.annotation.consensus import ConsensusResult, read_adjudications, run_consensus
from finefake.annotation.files import (
    TaskCheck,
    check_annotator_name,
    parse_export,
    read_export_folder,
    task_item_ids,
    write_export_file,
    write_task_files,
)
from finefake.annotation.merge import ExportReport, merge_annotations
from finefake.annotation.report import write_reports
from finefake.annotation.tasks import build_task
from finefake.console import counting, track
from finefake.errors import FinefakeError
from finefake.records import validate
from finefake.workspace import Workspace, atomic_write_json

ALIGNED, ANNOTATIONS, RECORDS = "aligned", "annotations", "records"


def _aligned(ws: Workspace, limit: int | None = None) -> list[dict[str, Any]]:
    if not ws.has_records(ALIGNED):
        raise FinefakeError(f"no aligned items in {ws.root / ALIGNED}: run `finefake align-knowledge` first")
    items = []
    for item in ws.read(ALIGNED, "aligned_item"):
        items.append(item)
        if limit is not None and len(items) >= limit:
            break
    return items


@dataclass
class PushConfig:
    annotators: list[str]
    project_prefix: str = DEFAULT_PREFIX
    image_base_url: str | None = None
    batch_size: int = 500
    limit: int | None = None


def push(ws: Workspace, server: LabelStudioServer, config: PushConfig) -> dict[str, Any]:
    """Create/update one project per annotator and import the aligned items as tasks (idempotent)."""
    annotators = [check_annotator_name(a) for a in config.annotators]
    items = _aligned(ws, config.limit)
    tasks = [build_task(item, image_base_url=config.image_base_url) for item in items]
    with (
        ws.run(ANNOTATIONS + "/push", inputs=[ALIGNED], config=asdict(config)) as run,
        counting(
            f"pushing {len(tasks)} tasks x {len(annotators)} projects", len(tasks) * len(annotators)
        ) as bar,
    ):
        existing = server.projects_by_title()
        projects: dict[str, Any] = {}
        for number, annotator in enumerate(annotators, 1):
            title = project_title(config.project_prefix, annotator)
            project_id = server.ensure_project(title, existing=existing)
            # moves per imported batch; tasks already there (updated, unchanged) count when the project is done
            result = server.push_tasks(project_id, tasks, batch_size=config.batch_size, on_batch=bar.advance)
            bar.reach(number * len(tasks))
            projects[annotator] = asdict(result) | {"title": title}
            run.counts["imported"] += result.imported
            run.counts["updated"] += result.updated
            run.counts["unchanged"] += result.unchanged
        run.counts["items"] = len(items)
        run.extra["projects"] = projects
    return {"items": len(items), "projects": projects}


def write_tasks(
    ws: Workspace,
    out_dir: str | Path,
    annotators: list[str],
    *,
    image_base_url: str | None = None,
    limit: int | None = None,
) -> list[Path]:
    """Offline push: task files for N annotators plus the labeling config and guidelines."""
    return write_task_files(_aligned(ws, limit), out_dir, annotators, image_base_url=image_base_url)


@dataclass
class ExportConfig:
    expected_annotators: int | None = None
    conflict_policy: str = "fine_grained"
    check_items: bool = True


def _finish_export(
    ws: Workspace,
    raw: dict[str, list],
    task_items: dict[str, set[str]],
    source: str,
    config: ExportConfig,
    inputs: list[str],
    checks: TaskCheck | None = None,
) -> ExportReport:
    known = None
    if config.check_items and ws.has_records(ALIGNED):
        known = {item["id"] for item in ws.read(ALIGNED)}
    with ws.run(ANNOTATIONS, inputs=inputs, config=asdict(config) | {"source": source}) as run:
        records, report = merge_annotations(
            raw,
            source=source,
            expected_annotators=config.expected_annotators,
            known_items=known,
            task_items=task_items,
            conflict_policy=config.conflict_policy,
        )
        if checks is not None:
            report.tasks, report.unusable_summary = checks.as_dict(), checks.summary()
            run.extra["tasks"] = report.tasks
            if not records:  # nothing usable: say why and keep the earlier annotations
                why = report.unusable_summary or f"{checks.tasks} task(s), none with a usable annotation"
                raise FinefakeError(f"no usable annotation in {', '.join(inputs)}: {why}")
        ws.write_records(ANNOTATIONS, "annotation", records, mode="replace")
        atomic_write_json(ws.stage_dir(ANNOTATIONS) / "export_report.json", report.as_dict())
        run.counts.update({"annotations": report.records, "items": report.items, **report.problem_counts()})
    return report


def export_from_server(
    ws: Workspace,
    server: LabelStudioServer,
    *,
    project_prefix: str = DEFAULT_PREFIX,
    annotators: list[str] | None = None,
    config: ExportConfig | None = None,
) -> ExportReport:
    """Pull every annotator project's JSON export, keep the raw files, and write annotation records."""
    config = config or ExportConfig()
    projects = server.annotator_projects(project_prefix, annotators)
    folder = ws.stage_dir(ANNOTATIONS) / "exports"
    raw: dict[str, list] = {}
    task_items: dict[str, set[str]] = {}
    checks = TaskCheck()
    for annotator, project_id in track(list(projects.items()), "exporting projects"):
        export = server.export_json(project_id)
        write_export_file(folder, annotator, export)
        raw[annotator] = parse_export(export, annotator, project_title(project_prefix, annotator), checks)
        task_items[annotator] = task_item_ids(export)
    if config.expected_annotators is None:
        config.expected_annotators = len(projects)
    return _finish_export(ws, raw, task_items, "label_studio", config, [f"label_studio:{server.url}"], checks)


def export_from_files(
    ws: Workspace, folder: str | Path, *, config: ExportConfig | None = None
) -> ExportReport:
    """Read a folder of ``<annotator>.json`` Label Studio exports (JSON or JSON-MIN) and write annotation records."""
    config = config or ExportConfig()
    checks = TaskCheck()
    raw, task_items = read_export_folder(folder, checks)
    return _finish_export(ws, raw, task_items, "file", config, [str(folder)], checks)


def _annotations(ws: Workspace) -> list[dict[str, Any]]:
    """Annotation records, with a cheap check of the fields used here instead of a full schema validation.

    The export validated every record against the schema when it wrote them; re-validating 100,000 records
    with jsonschema on every read would dominate the run time of agreement and consensus.
    """
    rows = []
    for row in ws.read(ANNOTATIONS):
        if (
            not isinstance(row.get("item_id"), str)
            or not isinstance(row.get("annotator"), str)
            or row.get("label") not in (0, 1)
            or row.get("fine_grained_label") not in range(6)
        ):
            validate("annotation", row)  # raises a RecordError naming the item and field
        rows.append(row)
    return rows


def _item_meta(ws: Workspace) -> dict[str, dict[str, Any]]:
    if not ws.has_records(ALIGNED):
        return {}
    return {
        i["id"]: {"platform_group": i.get("platform_group"), "topic": i.get("topic")}
        for i in ws.read(ALIGNED)
    }


def agreement(ws: Workspace, out_dir: str | Path | None = None) -> tuple[dict[str, Any], dict[str, Path]]:
    """Compute the agreement report from the annotation records and write JSON, Markdown, HTML and heatmaps."""
    if not ws.has_records(ANNOTATIONS):
        raise FinefakeError(
            f"no annotations in {ws.root / ANNOTATIONS}: run `finefake annotate export` first"
        )
    out = Path(out_dir) if out_dir else ws.stage_dir(ANNOTATIONS) / "agreement"
    with ws.run(ANNOTATIONS + "/agreement", inputs=[ANNOTATIONS]) as run:
        report = agreement_report(_annotations(ws), _item_meta(ws))
        paths = write_reports(report, out)
        run.counts["items"] = report["n_items"]
    return report, paths


def adjudications_path(ws: Workspace) -> Path:
    return ws.stage_dir(ANNOTATIONS) / "adjudications.json"


def load_adjudications(ws: Workspace) -> list[dict[str, Any]]:
    path = adjudications_path(ws)
    return read_adjudications(path) if path.exists() else []


def import_adjudications(ws: Workspace, path: str | Path) -> int:
    """Validate a file of adjudicated decisions and merge it into the workspace (newer decisions win)."""
    incoming = read_adjudications(path)
    merged = {a["item_id"]: a for a in load_adjudications(ws)}
    merged.update({a["item_id"]: a for a in incoming})
    atomic_write_json(adjudications_path(ws), sorted(merged.values(), key=lambda a: a["item_id"]))
    return len(incoming)


def consensus(ws: Workspace, *, min_agreement: float = 0.6) -> ConsensusResult:
    """Decide every annotated aligned item; write ``records`` and ``records/discussion.json``."""
    if not ws.has_records(ANNOTATIONS):
        raise FinefakeError(
            f"no annotations in {ws.root / ANNOTATIONS}: run `finefake annotate export` first"
        )
    items = _aligned(ws)
    with ws.run(RECORDS, inputs=[ALIGNED, ANNOTATIONS], config={"min_agreement": min_agreement}) as run:
        result = run_consensus(
            items,
            _annotations(ws),
            min_agreement=min_agreement,
            adjudications=load_adjudications(ws),
        )
        ws.write_records(RECORDS, "record", result.records, mode="replace")
        atomic_write_json(ws.stage_dir(RECORDS) / "discussion.json", result.discussion)
        run.counts.update(result.counts)
        run.counts["records"] = len(result.records)
        run.extra["unannotated"] = result.unannotated[:1000]
        run.extra["orphan_annotations"] = result.orphan_annotations[:1000]
    return result


def dumps(obj: Any) -> str:
    return json.dumps(obj, indent=2, default=str)
