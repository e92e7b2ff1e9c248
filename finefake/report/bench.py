"""The benchmark part of ``finefake report``: the headline summary and each task's section.

Everything here reads ``bench/<task>/results.json`` and renders it (our results table, the papers' published
numbers beside it, the figures with their captions); it is apart from the page's assembly in
:mod:`finefake.report` because it is the largest part of the page and the only one that knows the
benchmark's result format.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from finefake.report.html import esc, figure_html, figure_uri, inside
from finefake.workspace import Workspace


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


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
    from finefake.benchmarks.cells import _cell_from

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
    from finefake.benchmarks.cells import FLAT_NOTE, format_cell

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
    from finefake.benchmarks.cells import (
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
    from finefake.benchmarks.cells import _cell_from
    from finefake.benchmarks.plots import bars_caption

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
