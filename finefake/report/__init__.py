"""``finefake report``: one self-contained HTML page that shows everything a workspace holds.

It reads what the other stages wrote, in the formats they wrote it (nothing is recomputed, so the page shows
the same numbers as the files). The page answers first: a headline table of the best model of every task and
setting, its margin over the majority reference and over the runner-up, and its seeds. Then, in the pipeline's
and the paper's order: the dataset card (``dataset/README.md``, Table 3 and splits) and its Croissant file,
``annotations/agreement/agreement.md`` with the kappa heatmaps, ``stats/report.md`` with its figures, every
benchmark task (from ``bench/<task>/results.json``: one row per model, or one block per adaptation setting with
each model's difference from the reference; the papers' published numbers beside ours; the plots with
captions that say what they show), a searchable sample of the final records (text, lead image, entities
linked to Wikidata, triples, labels and each annotator's vote), and the provenance: every stage's
``manifest.json`` (versions, configuration pretty-printed and collapsed, counts, times), the seeds and splits
of the benchmark runs (each distinct split written once) and the feature fingerprints. Sections whose inputs
are missing are listed as not yet run. Tasks are rendered generically: a task this module does not know
appears after the paper's tasks, with the same table and figures.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finefake.contract import FINE_GRAINED_NAMES, LABEL_NAMES
from finefake.errors import FinefakeError
from finefake.report.html import esc, figure_html, figure_uri, inside, markdown_html, page, thumbnail_uri
from finefake.report.prompts import prompts_section
from finefake.report.shifts import shift_section
from finefake.workspace import Workspace, atomic_write_text, utcnow

#: Stages whose manifest.json is shown in the provenance table, in pipeline order.
PROVENANCE_STAGES = (
    "crawl/snopes",
    "crawl/news",
    "crawl/reddit",
    "crawl/twitter",
    "clean",
    "aligned",
    "annotations",
    "records",
    "dataset",
)


@dataclass
class ReportConfig:
    """How many records the sample shows and how long their texts may be."""

    sample: int = 24
    max_text_chars: int = 1200
    max_triples: int = 12


@dataclass
class ReportResult:
    """Where the page went and which sections had something to show."""

    path: Path
    sections: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _strip_front_matter(text: str) -> str:
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end != -1:
            return text[end + 5 :]
    return text


def dataset_section(ws: Workspace) -> str | None:
    """The dataset card without its YAML header (splits, labels, license, Table 3) and the Croissant file."""
    card = ws.root / "dataset" / "README.md"
    if not card.is_file():
        return None
    body = _strip_front_matter(card.read_text(encoding="utf-8"))
    parts = body.split("\n## ")
    body = "\n## ".join(
        p for p in parts if not p.startswith("Loading")
    )  # code for notebooks, not for the page
    html = markdown_html(body, card.parent)
    croissant = ws.root / "dataset" / "croissant.json"
    if croissant.is_file():
        html += f'<p class="muted">Croissant metadata: <code>{esc(croissant)}</code></p>'
    return html


def stats_section(ws: Workspace) -> str | None:
    report = ws.root / "stats" / "report.md"
    if not report.is_file():
        return None
    text = report.read_text(encoding="utf-8").split("\n", 1)[1]  # the page has its own heading
    parts = text.split("\n## ")
    text = "\n## ".join(p for p in parts if not p.startswith("Table 3"))  # shown with the dataset card
    return markdown_html(text, report.parent)


def agreement_section(ws: Workspace) -> str | None:
    report = ws.root / "annotations" / "agreement" / "agreement.md"
    if not report.is_file():
        return None
    text = report.read_text(encoding="utf-8").split("\n", 1)[1]
    return markdown_html(text, report.parent)


def _task_order(name: str) -> tuple[int, str]:
    """Tasks in the paper's order (Table 4's classification tasks, then Table 5's adaptation tasks), tasks
    this version does not know (imported datasets', new ones) after them by name."""
    from finefake.benchmarks.tasks import TASK_NAMES

    return (TASK_NAMES.index(name) if name in TASK_NAMES else len(TASK_NAMES), name)


def load_results(ws: Workspace) -> list[dict[str, Any]]:
    """Every task's results.json under ``bench/``, in the paper's task order."""
    loaded = []
    for path in sorted((ws.root / "bench").glob("*/results.json")):
        result = _read_json(path)
        if isinstance(result, dict) and isinstance(result.get("results"), list):
            result["_folder"] = path.parent
            loaded.append(result)
    return sorted(loaded, key=lambda r: _task_order(str(r.get("task", ""))))


def _summaries(result: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(str(r.get("model")), str(r.get("setting"))): r for r in result.get("results", [])}


def _active_settings(result: dict[str, Any]) -> list[dict[str, Any]]:
    return [s for s in result.get("settings", []) if not s.get("skipped")]


def _pct(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "n/a"
    return f"{100 * value:+.2f}" if signed else f"{100 * value:.2f}"


def _signed_cell(value: float | None) -> str:
    if value is None or abs(value) < 5e-5:  # n/a, or 0.00 at the precision shown
        return f"<td class=num>{esc(_pct(value, True))}</td>"
    return f'<td class="num {"pos" if value > 0 else "neg"}">{esc(_pct(value, True))}</td>'


def headline_rows(results: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per task and setting: the best non-degenerate model by mean accuracy, its margin over the majority
    reference and over the runner-up, and its seeds (the numbers of the summary at the top of the page)."""
    from finefake.benchmarks.reports import _cell_from

    rows = []
    for result in results:
        summaries = _summaries(result)
        for setting in _active_settings(result):
            ranked = sorted(
                (
                    (cell.mean, model, summary)
                    for (model, name), summary in summaries.items()
                    if name == setting["name"]
                    and (cell := _cell_from(summary, "accuracy")) is not None
                    and not cell.degenerate
                ),
                key=lambda t: (-t[0], t[1]),
            )
            reference = (setting.get("majority_reference") or {}).get("accuracy")
            best = ranked[0] if ranked else None
            rows.append(
                {
                    "task": result.get("task"),
                    "setting": setting["name"],
                    "model": best[1] if best else None,
                    "summary": best[2] if best else None,
                    "reference": reference,
                    "over_reference": None if not best or reference is None else best[0] - reference,
                    "runner_up": ranked[1][1] if len(ranked) > 1 else None,
                    "over_runner_up": best[0] - ranked[1][0] if len(ranked) > 1 else None,
                }
            )
    return rows


def summary_section(results: list[dict[str, Any]]) -> str | None:
    """The answer first: which detector wins each task and setting, by how much, over how many seeds."""
    from finefake.benchmarks.reports import FLAT_NOTE, format_cell

    rows = headline_rows(results)
    if not rows:
        return None
    body = []
    for row in rows:
        summary = row["summary"]
        beats = row["over_reference"] is not None and row["over_reference"] > 1e-9
        if summary is None:
            model = '<span class="muted">every run degenerate</span>'
        elif beats:
            model = f"<strong>{esc(row['model'])}</strong>"
        else:
            model = f'{esc(row["model"])} <span class="muted">(not above the reference)</span>'
        seeds = ", ".join(str(s) for s in (summary or {}).get("seeds", []))
        runner = (
            f"{esc(row['runner_up'])} ({esc(_pct(row['over_runner_up'], True))})"
            if row["runner_up"]
            else "n/a"
        )
        body.append(
            f"<tr><td>{esc(row['task'])}</td><td>{esc(row['setting'])}</td><td>{model}</td>"
            f"<td class=num>{esc(format_cell(summary, 'accuracy') if summary else 'n/a')}</td>"
            f"<td class=num>{esc(_pct(row['reference']))}</td>{_signed_cell(row['over_reference'])}"
            f"<td>{runner}</td><td>{esc(seeds or 'n/a')}</td></tr>"
        )
    return (
        '<p class="muted">Best model of each task and setting by mean test accuracy (percent), among runs that '
        "do not predict one class for everything. A winner is bold only when it beats the majority reference "
        "(always predicting the test set's most frequent class); the margins are in accuracy points. "
        f"{esc(FLAT_NOTE)}</p>"
        "<table><tr><th>task</th><th>setting</th><th>best model</th><th>Acc</th><th>majority ref.</th>"
        "<th>over ref.</th><th>runner-up (margin)</th><th>seeds</th></tr>" + "".join(body) + "</table>"
    )


def _results_table(result: dict[str, Any]) -> str:
    """One task's results as HTML: classification one row per model, adaptation one block per setting (its
    models and the reference); bold only the best model of a column that beats the reference; every mark
    explained under the table. Built from results.json, every name escaped (no Markdown)."""
    from finefake.benchmarks.reports import (
        METRIC_HEADERS,
        REFERENCE_ROW,
        _cell_from,
        _fmt,
        beats_reference,
        table_notes,
        variance_caption,
    )
    from finefake.benchmarks.terminal import DELTA_NOTE, is_adaptation

    metrics = [m for m in result.get("metrics", []) if m in METRIC_HEADERS]
    summaries = _summaries(result)
    models = [str(m) for m in result.get("models", [])]
    adaptation = is_adaptation(result)
    head = "".join(f"<th>{esc(METRIC_HEADERS[m])}</th>" for m in metrics)
    html = [f"<table><tr><th>model</th>{head}" + ("<th>Acc over ref.</th>" if adaptation else "") + "</tr>"]
    for setting in _active_settings(result):
        reference = setting.get("majority_reference") or {}
        if adaptation:
            html.append(
                f'<tr class="group"><td colspan="{len(metrics) + 2}">{esc(setting["name"])}</td></tr>'
            )
        best = {}
        for m in metrics:
            cells = [c for model in models if (c := _cell_from(summaries.get((model, setting["name"])), m))]
            eligible = [c.mean for c in cells if beats_reference(c, reference.get(m))]
            best[m] = max(eligible) if eligible and len(models) > 1 else None
        for model in models:
            summary = summaries.get((model, setting["name"]))
            if summary is None:
                continue
            cells = []
            for m in metrics:
                cell = _cell_from(summary, m)
                bold = cell is not None and best[m] is not None and abs(cell.mean - best[m]) < 1e-12
                cells.append(f'<td class="num{" best" if bold else ""}">{esc(_fmt(cell, False, False))}</td>')
            delta = None
            if adaptation and "accuracy" in reference:
                delta = summary["metrics"]["accuracy"]["mean"] - reference["accuracy"]
            html.append(
                f"<tr><td>{esc(model)}</td>{''.join(cells)}"
                + (_signed_cell(delta) if adaptation else "")
                + "</tr>"
            )
        ref_cells = "".join(f"<td class=num>{esc(_pct(reference.get(m)))}</td>" for m in metrics)
        html.append(
            f'<tr class="ref"><td>{esc(REFERENCE_ROW)}</td>{ref_cells}'
            + ("<td></td>" if adaptation else "")
            + "</tr>"
        )
    html.append("</table>")
    cells = [c for r in result.get("results", []) for m in metrics if (c := _cell_from(r, m)) is not None]
    notes = table_notes(cells, True, len(models) > 1, "weighted_f1" in metrics)
    if adaptation:
        notes.append(DELTA_NOTE.replace("Δ ref", "Acc over ref."))
    caption = f"Percent, {variance_caption(result.get('results', []), metrics)}. " + " ".join(notes)
    html.append(f'<p class="muted">{esc(caption)}</p>')
    skipped = [s for s in result.get("settings", []) if s.get("skipped")]
    if skipped:
        html.append(
            '<p class="muted">Not run: '
            + esc("; ".join(f"{s.get('name')} ({s.get('skipped')})" for s in skipped))
            + ".</p>"
        )
    if result.get("left_out"):
        html.append('<p class="muted">Not shown: ' + esc("; ".join(map(str, result["left_out"]))) + ".</p>")
    return "".join(html)


def published_html(result: dict[str, Any]) -> str:
    """The papers' numbers for this dataset and task: one table per paper, settings x models (each cell the
    paper's metrics in its order), never mixed with ours."""
    from finefake.benchmarks.published import METRIC_LABELS, describe_measured_on, select_published

    settings = [s["name"] for s in _active_settings(result)]
    by_source: dict[str, list[Any]] = {}
    apart: dict[str, list[Any]] = {}
    found = select_published(
        str(result.get("dataset", "finefake")),
        str(result.get("task", "")),
        settings,
        result.get("measured_on"),
    )
    for published in found:  # only rows measured on what this run is measured on are tabled beside ours
        (by_source if published.comparable else apart).setdefault(published.row.source, []).append(published)
    by_source = {source: [p.row for p in rows] for source, rows in by_source.items()}
    html = []
    for source, rows in by_source.items():
        metrics = list(rows[0].metrics)
        names = " / ".join(METRIC_LABELS.get(m, m) for m in metrics)
        models = list(dict.fromkeys(r.model for r in rows))
        values = {(r.setting, r.model): r.metrics for r in rows}
        if len(settings) == 1:  # one setting: models as rows, metrics as columns (Table 4's shape)
            head = "".join(f"<th>{esc(METRIC_LABELS.get(m, m))}</th>" for m in metrics)
            body = "".join(
                f"<tr><td>{esc(model)}</td>"
                + "".join(
                    f"<td class=num>{100 * values[(settings[0], model)][m]:.1f}</td>"
                    if m in values.get((settings[0], model), {})
                    else "<td class=num>n/a</td>"
                    for m in metrics
                )
                + "</tr>"
                for model in models
            )
            table = f"<table><tr><th>model (paper)</th>{head}</tr>{body}</table>"
        else:
            head = "".join(f"<th>{esc(model)}</th>" for model in models)
            body = "".join(
                f"<tr><td>{esc(setting)}</td>"
                + "".join(
                    "<td class=num>"
                    + esc(" / ".join(f"{100 * v:.1f}" for v in values[(setting, model)].values()))
                    + "</td>"
                    if (setting, model) in values
                    else "<td class=num>n/a</td>"
                    for model in models
                )
                + "</tr>"
                for setting in settings
                if any((setting, model) in values for model in models)
            )
            table = f"<table><tr><th>setting</th>{head}</tr>{body}</table>"
        html.append(
            f"<p><strong>Published</strong> (not measured here): {esc(source)}"
            + (
                f"; measured on {esc(describe_measured_on(rows[0].measured_on))}"
                if rows[0].measured_on
                else ""
            )
            + "; percent, "
            f"{esc(names)}{'' if len(settings) == 1 else ' in each cell'}.</p>{table}" + _paper_notes(rows)
        )
    for source, rows in apart.items():
        models = ", ".join(dict.fromkeys(p.row.model for p in rows))
        differs = "; ".join(dict.fromkeys(m for p in rows for m in p.mismatches))
        html.append(
            f'<p class="muted"><strong>Not comparable</strong>, so not tabled: {esc(source)} ({esc(models)}): '
            f"{esc(differs)}.</p>"
        )
    return "".join(html)


def _paper_notes(rows: list[Any]) -> str:
    """What a published row says beyond its numbers (any further field of ``PaperRow``, e.g. the inputs a
    model used or whether its numbers are comparable with ours), once per model; '' when there is none."""
    import dataclasses

    known = {
        "source",
        "dataset",
        "task",
        "setting",
        "model",
        "metrics",
        "measured_on",
    }  # measured_on: heading
    notes: dict[str, str] = {}
    for row in rows:
        extra = {
            f.name: getattr(row, f.name)
            for f in dataclasses.fields(row)
            if f.name not in known and getattr(row, f.name) not in (None, "", [], {})
        }
        if extra and row.model not in notes:
            notes[row.model] = "; ".join(f"{k.replace('_', ' ')}: {v}" for k, v in extra.items())
    if not notes:
        return ""
    return '<ul class="muted">' + "".join(f"<li>{esc(m)}: {esc(n)}</li>" for m, n in notes.items()) + "</ul>"


def _figure_caption(name: str, result: dict[str, Any]) -> str:
    """What a benchmark figure shows, in words (the figure's title says the task)."""
    from finefake.benchmarks.reports import _cell_from, bars_caption

    metrics = [str(m) for m in result.get("metrics", [])]
    task = str(result.get("task"))
    if name.startswith("heatmap"):
        return (
            f"{task}: mean test accuracy of each model per source (rows) x target (columns) setting, one panel "
            "per model and a last panel with the majority reference; grey 'not run' cells are pairs no setting "
            "trains and tests on; † marks a run that predicts one class for every test item."
        )
    cells = [c for r in result.get("results", []) for m in metrics if (c := _cell_from(r, m)) is not None]
    return (
        f"{task}: mean {', '.join(metrics)} of each model (percent; one colour per model, the same in every "
        f"figure), the majority reference as a dashed black line; {bars_caption(cells)}; hatched bars with † "
        "predict one class for every test item."
    )


def bench_section(ws: Workspace) -> tuple[str | None, list[dict[str, Any]]]:
    """Every task in the paper's order: our results table, the papers' numbers beside it, the figures with
    captions that say what they show. Built from results.json (the tables' Markdown is not re-read)."""
    results = load_results(ws)
    parts = []
    for result in results:
        folder: Path = result["_folder"]
        html = f'<h3 id="task-{esc(folder.name)}">{esc(result.get("task", folder.name))}</h3>'
        html += f'<p class="muted">{esc(result.get("description", ""))}</p>'
        html += _results_table(result) + published_html(result)
        for name in result.get("plots", []):
            path = folder / str(name)
            uri = figure_uri(path) if inside(path, folder) else None
            if uri:
                extra = [s for s in ("svg", "pdf") if path.with_suffix(f".{s}").is_file()]
                caption = _figure_caption(str(name), result) + (
                    f" Also as {' and '.join(x.upper() for x in extra)} in {folder.name}/." if extra else ""
                )
                html += figure_html(uri, f"{result.get('task')} {name}", caption)
        parts.append(html)
    return ("".join(parts) or None), results


def _manifest_rows(ws: Workspace) -> list[str]:
    rows = []
    stages = list(PROVENANCE_STAGES) + [
        str(p.parent.relative_to(ws.root)) for p in sorted(ws.root.glob("annotations/*/manifest.json"))
    ]
    for stage in stages:
        manifest = _read_json(ws.root / stage / "manifest.json")
        if not isinstance(manifest, dict):
            continue
        counts = ", ".join(f"{k} {v}" for k, v in (manifest.get("counts") or {}).items())
        config = manifest.get("config") or {}
        shown = (
            f'<details class="config"><summary>{len(config)} setting{"s" if len(config) != 1 else ""}</summary>'
            f"<pre>{esc(json.dumps(config, sort_keys=True, indent=2, default=str))}</pre></details>"
            if config
            else '<span class="muted">none</span>'
        )
        rows.append(
            f"<tr><td>{esc(stage)}</td><td>{esc(manifest.get('status'))}</td>"
            f"<td>{esc(manifest.get('finefake_version'))}</td><td>{esc(manifest.get('ended'))}</td>"
            f"<td>{esc(counts)}</td><td>{shown}</td></tr>"
        )
    return rows


def provenance_section(ws: Workspace, results: list[dict[str, Any]]) -> str:
    """Versions, times, configurations and counts of every stage; seeds and fingerprints of the benchmark."""
    from finefake import __version__

    rows = _manifest_rows(ws)
    html = f"<p>Report written {esc(utcnow())} by finefake {esc(__version__)} from <code>{esc(ws.root)}</code>.</p>"
    if rows:
        html += (
            "<table><tr><th>stage</th><th>status</th><th>finefake</th><th>finished</th><th>counts</th>"
            "<th>configuration</th></tr>" + "".join(rows) + "</table>"
        )
    bench_rows = []
    splits_seen: dict[str, int] = {}
    for result in results:
        split = json.dumps(result.get("splits") or [], sort_keys=True, indent=2, default=str)
        split_no = splits_seen.setdefault(split, len(splits_seen) + 1)
        by_model: dict[tuple[str, str], list[str]] = {}  # (model, seeds) -> settings: repeated values once
        for row in result.get("results", []):
            seeds = ", ".join(str(s) for s in row.get("seeds", []))
            by_model.setdefault((str(row.get("model")), seeds), []).append(str(row.get("setting")))
        n_settings = len(_active_settings(result))
        for (model, seeds), settings in by_model.items():
            where = "every setting" if len(settings) == n_settings else "; ".join(settings)
            bench_rows.append(
                f"<tr><td>{esc(result.get('task'))}</td><td>{esc(model)}</td><td>{esc(seeds)}</td>"
                f"<td>{esc(where)}</td><td>split {split_no}</td></tr>"
            )
    if bench_rows:
        split_list = "".join(
            f'<details class="config"><summary>split {n}</summary><pre>{esc(text)}</pre></details>'
            for text, n in splits_seen.items()
        )
        html += (
            "<h3>Benchmark runs</h3><table><tr><th>task</th><th>model</th><th>seeds</th><th>settings</th>"
            "<th>split</th></tr>" + "".join(bench_rows) + "</table>" + split_list
        )
    feature_rows = []
    for meta_path in sorted(ws.root.glob("features/sets/*/meta.json")):
        meta = _read_json(meta_path)
        if isinstance(meta, dict):
            versions = {k: v for k, v in meta.items() if "version" in k or "fingerprint" in k}
            feature_rows.append(
                f"<tr><td><code>{esc(meta_path.parent.name)}</code></td>"
                f"<td>{esc(meta.get('text_encoder'))}, {esc(meta.get('image_encoder'))}, "
                f'{esc(meta.get("knowledge"))}</td><td><details class="config"><summary>{len(versions)} values'
                f"</summary><pre>{esc(json.dumps(versions, indent=2, default=str))}</pre></details></td></tr>"
            )
    if feature_rows:
        html += (
            "<h3>Feature sets</h3><table><tr><th>set</th><th>encoders</th><th>versions and fingerprints</th></tr>"
            + "".join(feature_rows)
            + "</table>"
        )
    return html


def _sample(ws: Workspace, n: int) -> list[dict[str, Any]]:
    """``n`` records, spread over the fine-grained classes, in an order fixed by their ids (reproducible)."""
    if not ws.has_records("records"):
        return []
    by_class: dict[Any, list[tuple[str, dict[str, Any]]]] = {}
    for record in ws.read("records"):
        key = hashlib.sha256(str(record.get("id")).encode()).hexdigest()
        by_class.setdefault(record.get("fine_grained_label"), []).append((key, record))
    queues = [
        sorted(rows, key=lambda r: r[0]) for _, rows in sorted(by_class.items(), key=lambda kv: str(kv[0]))
    ]
    chosen: list[dict[str, Any]] = []
    while len(chosen) < n and any(queues):
        for queue in queues:
            if queue and len(chosen) < n:
                chosen.append(queue.pop(0)[1])
    return chosen


def _name(names: tuple[str, ...], value: Any) -> str:
    return names[value] if isinstance(value, int) and 0 <= value < len(names) else str(value)


def _number(value: Any) -> Any:
    return f"{value:.2f}" if isinstance(value, float) else value


def _wikidata(qid: Any, text: Any) -> str:
    qid = str(qid or "")
    if qid.startswith("Q") and qid[1:].isdigit():
        return f'<a href="https://www.wikidata.org/wiki/{qid}">{esc(text or qid)}</a> <span class="muted">{qid}</span>'
    return esc(text or qid)


def item_title(record: dict[str, Any], limit: int = 100) -> str:
    """A readable title: the record's own, or (a post without one, or titled by its id) its text's start."""
    title = " ".join(str(record.get("title") or "").split())
    item_id = str(record.get("id") or "")
    if not title or title == item_id or title.isdigit() or item_id.endswith(":" + title):
        title = " ".join(str(record.get("text") or "").split()) or item_id
    return title if len(title) <= limit else title[: limit - 1].rsplit(" ", 1)[0] + " …"


def item_html(ws: Workspace, record: dict[str, Any], config: ReportConfig) -> str:
    """One record: labels, lead image, text, entities, triples and the annotators' votes (all escaped)."""
    label = _name(LABEL_NAMES, record.get("label"))
    fine = _name(FINE_GRAINED_NAMES, record.get("fine_grained_label"))
    image = ""
    for entry in record.get("images") or []:
        path = (ws.root / str(entry.get("path", ""))).resolve()
        if ws.root in path.parents:
            uri = thumbnail_uri(path)
            if uri:
                image = (
                    f'<figure class="lead"><img src="{uri}" alt="lead image of {esc(record.get("id"))}">'
                    "<figcaption>lead image</figcaption></figure>"
                )
                break
    url = str(record.get("url") or "")
    link = f'<a href="{esc(url)}">{esc(url)}</a>' if url.startswith(("http://", "https://")) else esc(url)
    text = str(record.get("text") or "")
    if len(text) > config.max_text_chars:
        text = text[: config.max_text_chars] + " …"
    unique: dict[tuple[str, str], dict[str, Any]] = {}  # the same mention of the same entity once
    for e in record.get("entities") or []:
        unique.setdefault((str(e.get("mention")), str(e.get("qid"))), e)
    entities = "".join(
        f"<li>{esc(e.get('mention'))} → {_wikidata(e.get('qid'), e.get('label'))}"
        f' <span class="muted">rho {esc(_number(e.get("rho")))}, {esc(e.get("source"))}</span></li>'
        for e in unique.values()
    )
    labels = {e.get("qid"): e.get("label") for e in record.get("entities") or []}
    triples = record.get("relation_triples") or []
    triple_rows = "".join(
        f"<tr><td>{_wikidata(t.get('head'), labels.get(t.get('head')))}</td>"
        f"<td>{esc(t.get('property_label') or t.get('property'))}</td>"
        f"<td>{_wikidata(t.get('tail'), t.get('tail_label'))}</td></tr>"
        for t in triples[: config.max_triples]
    )
    more = (
        f'<p class="muted">and {len(triples) - config.max_triples} more</p>'
        if len(triples) > config.max_triples
        else ""
    )
    votes = "".join(
        f"<tr><td>{esc(a.get('annotator'))}</td><td>{esc(_name(LABEL_NAMES, a.get('label')))}</td>"
        f"<td>{esc(_name(FINE_GRAINED_NAMES, a.get('fine_grained_label')))}</td></tr>"
        for a in record.get("annotations") or []
    )
    fine_tag = "" if fine == label else f'<span class="tag">{esc(fine)}</span>'
    return (
        f'<details class="item" data-label="{esc(label)}"><summary><span class="tag {esc(label)}">'
        f'{esc(label)}</span>{fine_tag}<span class="tag">{esc(record.get("topic"))}</span>'
        f'<span class="tag">{esc(record.get("platform"))}</span>{esc(item_title(record))}'
        f'</summary>{image}<p class="muted">{esc(record.get("id"))} · {link}</p>'
        f'<div class="text">{esc(text)}</div>'
        + (f"<h4>Entities</h4><ul>{entities}</ul>" if entities else "")
        + (
            f"<h4>Relation triples</h4><table><tr><th>head</th><th>property</th><th>tail</th></tr>{triple_rows}</table>{more}"
            if triple_rows
            else ""
        )
        + (
            f"<h4>Annotators' votes</h4><table><tr><th>annotator</th><th>binary</th><th>fine-grained</th></tr>{votes}</table>"
            if votes
            else ""
        )
        + '<div style="clear:both"></div></details>'
    )


def sample_section(ws: Workspace, config: ReportConfig) -> str | None:
    records = _sample(ws, config.sample)
    if not records:
        return None
    labels = sorted({_name(LABEL_NAMES, r.get("label")) for r in records})
    options = "".join(f'<option value="{esc(v)}">{esc(v)}</option>' for v in labels)
    intro = (
        f'<p class="muted">{len(records)} records of stage <code>records</code>, spread over the fine-grained '
        "classes (click one to open it; type to filter by any word of its labels, title, text or entities).</p>"
        '<div class="filters"><input type="search" id="item-filter" placeholder="filter the items" '
        'aria-label="filter the items"><select id="item-label" aria-label="binary label">'
        f'<option value="">all labels</option>{options}</select><span id="item-count" class="muted"></span></div>'
    )
    return intro + "".join(item_html(ws, r, config) for r in records)


def write_report(ws: Workspace, out: Path | None = None, config: ReportConfig | None = None) -> ReportResult:
    """Write ``report.html`` (default ``<workspace>/report/report.html``) from whatever the workspace holds.

    Raises:
        FinefakeError: when the workspace holds none of the outputs the page shows.
    """
    config = config or ReportConfig()
    bench_html, results = bench_section(ws)
    # The answer first, then the pipeline's (and the paper's) order: the dataset and how it was annotated,
    # its statistics, the benchmark, the items themselves.
    candidates = [
        ("summary", "Summary", summary_section(results), "finefake bench all"),
        ("dataset", "Dataset", dataset_section(ws), "finefake package"),
        ("agreement", "Annotation agreement", agreement_section(ws), "finefake annotate agreement"),
        ("stats", "Statistics", stats_section(ws), "finefake stats"),
        ("bench", "Benchmarks", bench_html, "finefake bench all"),
        ("sample", "Sample of items", sample_section(ws, config), "finefake synthesize / annotate consensus"),
    ]
    shifts = shift_section(results)  # issue 28: only where cross-dataset / temporal tasks were run
    if shifts:
        candidates.insert(5, ("shifts", "Cross-dataset and temporal shifts", shifts, "finefake bench cross"))
    if prompts := prompts_section(results):  # issue 30: the prompt templates of runs that used an LLM
        candidates.insert(5, ("prompts", "Prompt templates", prompts, "finefake bench --models llm-zero"))
    present = [(a, t, h) for a, t, h, _ in candidates if h]
    missing = [f"{t} (run `{verb}`)" for a, t, h, verb in candidates if not h and a != "summary"]
    if not present:
        raise FinefakeError(
            f"nothing to report in {ws.root}: no dataset card, statistics, agreement, benchmark or records yet"
        )
    provenance = provenance_section(ws, results)
    if missing:
        provenance += '<p class="muted">Not in this workspace yet: ' + esc("; ".join(missing)) + ".</p>"
    sections = present + [("provenance", "Provenance", provenance)]
    path = Path(out) if out is not None else ws.stage_dir("report") / "report.html"
    html = page("finefake report", f"workspace {ws.root}", sections)
    atomic_write_text(path, html)
    return ReportResult(path.resolve(), [a for a, _, _ in present], missing)
