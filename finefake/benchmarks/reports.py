"""Benchmark reports: results JSON, Markdown and LaTeX tables shaped like the paper's, and plots.

Classification tasks give a table shaped like the FineFake paper's Table 4 (one row per model; accuracy and
macro precision/recall/F1), domain adaptation a table shaped like Table 5 (one row per model; accuracy and
weighted F1 for each source -> target setting). Cells are mean +- std over model seeds on one split (sample
std, ddof=1; 0 for one seed); with several re-splits (``--split-seeds K``) a second +- gives the std over
splits, and the caption says which variance is shown. Plots: bars with error bars for every task, plus a
source x target heatmap of mean accuracy for the domain-adaptation tasks.

A degenerate run (all test items predicted as one class) is flagged with a dagger in every table and plot and
never bolded: a constant predictor can score high on a skewed test set and must not read as the best model.
Every table and plot also shows the majority reference -- the score of predicting the test set's most
frequent class (for adaptation: the target prior) -- computed from the test labels for reporting only. Bold
marks the best model of a column only where it beats that reference: the best of a set of models that all
score below "always say the majority class" has learned nothing worth highlighting.

A cell whose every seed gives the same score (a model whose fit has no randomness, e.g. logistic regression)
is marked with a double dagger instead of "± 0.00": its seeds do not vary it, which says nothing about
stability. Every figure is written as PNG (for the report) and as SVG and PDF beside it (for papers), each
model in the same colour in every figure (``model_colour``).

The cells, marks and notes are in :mod:`finefake.benchmarks.cells`, the figures in
:mod:`finefake.benchmarks.plots`; this module writes each task's results JSON, tables and figures.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from finefake.benchmarks.cells import (
    DEGENERATE_MARK,
    FLAT_MARK,
    METRIC_HEADERS,
    REFERENCE_ROW,
    Cell,
    _cell_from,
    _fmt,
    beats_reference,
    majority_reference,
    summarise,
    table_notes,
    variance_note,
)
from finefake.benchmarks.plots import plot_bars, plot_heatmaps
from finefake.benchmarks.splits import BenchSplit
from finefake.benchmarks.tasks import TASKS, Setting, TaskSpec, get_task
from finefake.benchmarks.temporal import RANDOM_SETTING
from finefake.workspace import atomic_write_json, atomic_write_text, utcnow


def render_tables(
    caption: str,
    models: Sequence[str],
    groups: Sequence[str],
    metrics: Sequence[str],
    cell: Callable[[str, str, str], Cell | None],
    reference: Callable[[str, str], float | None] | None = None,
) -> tuple[str, str]:
    """Markdown and LaTeX tables: rows = models, columns = groups (settings or tasks) x metrics, in percent.

    The best mean of a column is bold, among non-degenerate cells only, and only where it beats the
    majority reference; degenerate cells carry a dagger. ``reference`` gives the majority-class score of a
    (group, metric), shown as a last row, never bold.
    """
    columns = [(g, m) for g in groups for m in metrics]
    best: dict[tuple[str, str], float] = {}
    for g, m in columns:
        means = [
            c.mean for c in (cell(model, g, m) for model in models) if c is not None and not c.degenerate
        ]
        if means:
            best[(g, m)] = max(means)

    def is_best(model: str, g: str, m: str) -> bool:
        c = cell(model, g, m)
        return (
            c is not None
            and len(models) > 1
            and bool(np.isclose(c.mean, best.get((g, m), np.nan)))
            and beats_reference(c, reference(g, m) if reference else None)
        )

    cells = [c for model in models for g, m in columns if (c := cell(model, g, m)) is not None]
    note = variance_note(cells)

    def ref(g: str, m: str, latex: bool) -> str:
        value = reference(g, m) if reference else None
        return ("--" if latex else "n/a") if value is None else f"{100 * value:.2f}"

    single = len(groups) == 1
    header = ["Model"] + [METRIC_HEADERS[m] if single else f"{g} {METRIC_HEADERS[m]}" for g, m in columns]
    md = [f"**{caption}** (percent, {note})", "", "| " + " | ".join(header) + " |"]
    md.append("|" + "|".join([" --- "] + [" ---: "] * len(columns)) + "|")
    for model in models:
        md.append(
            "| "
            + " | ".join([model] + [_fmt(cell(model, g, m), is_best(model, g, m), False) for g, m in columns])
            + " |"
        )
    if reference:
        md.append("| " + " | ".join([f"*{REFERENCE_ROW}*"] + [ref(g, m, False) for g, m in columns]) + " |")
    footnotes = table_notes(cells, reference is not None, len(models) > 1, "weighted_f1" in metrics)
    if footnotes:
        md += ["", " ".join(footnotes)]

    def tex_escape(text: str) -> str:
        for a, b in (("\\", "\\textbackslash{}"), ("&", "\\&"), ("%", "\\%"), ("_", "\\_"), ("#", "\\#")):
            text = text.replace(a, b)
        return text.replace("->", "$\\rightarrow$").replace("@", "\\,@\\,")

    tex_note = note.replace("±", "$\\pm$")
    tex_footnotes = (
        tex_escape(" ".join(footnotes))
        .replace(DEGENERATE_MARK, "$^\\dagger$")
        .replace(FLAT_MARK, "$^\\ddagger$")
        .replace("Bold:", "\\textbf{Bold}:")
    )
    tex = [
        "\\begin{table}[t]",
        "\\centering",
        f"\\caption{{{tex_escape(caption)} (\\%, {tex_note}). {tex_footnotes}}}",
        "\\begin{tabular}{l" + "c" * len(columns) + "}",
        "\\toprule",
    ]
    if not single:
        tex.append(
            " & ".join(
                ["Model"] + [f"\\multicolumn{{{len(metrics)}}}{{c}}{{{tex_escape(g)}}}" for g in groups]
            )
            + " \\\\"
        )
        tex.append(
            "".join(
                f"\\cmidrule(lr){{{2 + i * len(metrics)}-{1 + (i + 1) * len(metrics)}}}"
                for i in range(len(groups))
            )
        )
    tex.append(
        " & ".join(["" if not single else "Model"] + [METRIC_HEADERS[m] for _, m in columns]) + " \\\\"
    )
    tex.append("\\midrule")
    for model in models:
        cells = [_fmt(cell(model, g, m), is_best(model, g, m), True) for g, m in columns]
        tex.append(" & ".join([tex_escape(model)] + cells) + " \\\\")
    if reference:
        tex.append("\\midrule")
        reference_cells = [ref(g, m, True) for g, m in columns]
        tex.append(" & ".join([f"\\textit{{{REFERENCE_ROW}}}"] + reference_cells) + " \\\\")
    tex += ["\\bottomrule", "\\end{tabular}", "\\end{table}"]
    return "\n".join(md) + "\n", "\n".join(tex) + "\n"


def write_task_reports(
    out: Path,
    task: TaskSpec,
    settings: Sequence[Setting],
    models: Sequence[str],
    runs: dict[tuple[str, str], list[dict[str, Any]]],
    splits: Sequence[BenchSplit] = (),
    dataset: str = "finefake",
    measured_on: dict[str, Any] | None = None,
    left_out: Sequence[str] = (),
) -> Path:
    """Aggregate ``runs`` ((model, setting name) -> run results) of ``task`` into results.json, table.md,
    table.tex and plots; returns the JSON path. ``left_out`` names run files in the folder that the tables do
    not show (and why): the tables say so.

    The papers' published numbers for the same dataset, task and settings follow the table as "paper" rows,
    those measured on what the run is measured on (``measured_on``: modalities, subset, label mapping; see
    ``finefake.benchmarks.published.select_published``); the others are listed with what differs.
    """
    from finefake.benchmarks.published import describe_measured_on, paper_markdown, select_published

    folder = Path(out) / task.name
    summaries: dict[tuple[str, str], dict[str, Any]] = {}
    references: dict[str, dict[str, float]] = {}
    for model in models:
        for setting in settings:
            found = runs.get((model, setting.name))
            if setting.skipped or not found:
                continue
            summaries[(model, setting.name)] = summarise(task, found)
            support = [c["support"] for c in found[0]["metrics"]["per_class"]]
            references.setdefault(setting.name, majority_reference(task, support))
    active = [s for s in settings if not s.skipped]
    groups = [s.name for s in active]

    def cell(model: str, group: str, metric: str) -> Cell | None:
        return _cell_from(summaries.get((model, group)), metric)

    def reference(group: str, metric: str) -> float | None:
        return references.get(group, {}).get(metric)

    table = "Table 4" if not task.is_da else "Table 5"
    caption = f"{task.name}: {task.description}"
    md, tex = render_tables(caption, models, groups, task.metrics, cell, reference)
    if task.kind == "temporal":  # the settings cut by date; a split file plays no part
        split_text = f'cut by publication date (the cut dates are in the setting\'s name); "{RANDOM_SETTING}" is a seeded 6:2:2 split of the same items'
    else:
        split_text = "; ".join(_describe_split(s) for s in splits)
    if split_text:
        md += f"\nSplit: {split_text}\n"
    skipped = [s for s in settings if s.skipped]
    if skipped:
        md += "\nSkipped settings: " + "; ".join(f"{s.name} ({s.skipped})" for s in skipped) + "\n"
    if measured_on is not None:
        md += f"\nMeasured on: {describe_measured_on(measured_on)}\n"
    if left_out:
        md += "\nNot shown: " + "; ".join(left_out) + ".\n"
    md += paper_markdown(dataset, task.name, groups, measured_on)
    atomic_write_text(folder / "table.md", md)
    atomic_write_text(folder / "table.tex", tex)
    plots = []
    if groups and summaries:
        plots.append(
            plot_bars(folder / "bars.png", caption, models, groups, task.metrics, cell, reference).name
        )
        if task.is_da:
            plots.append(
                plot_heatmaps(folder / "heatmap.png", caption, models, active, summaries, references).name
            )
    results = {
        "dataset": dataset,
        "task": task.name,
        "description": task.description,
        "shaped_like": f"FineFake paper {table}",
        "kind": task.kind,
        "left_out": list(left_out),
        "metrics": list(task.metrics),
        "class_names": list(task.class_names),
        "models": list(models),
        "splits": [s.describe() for s in splits],
        "variance": variance_note([c for c in (cell(m, g, "accuracy") for m in models for g in groups) if c]),
        "settings": [
            {
                "name": s.name,
                "source": s.source,
                "target": s.target,
                "sizes": {"train": len(s.train), "validation": len(s.validation), "test": len(s.test)},
                "skipped": s.skipped,
                "majority_reference": references.get(s.name),
                **s.details,
            }
            for s in settings
        ],
        "results": [
            {"model": model, "setting": setting, **summary} for (model, setting), summary in summaries.items()
        ],
        "plots": plots,
        "measured_on": measured_on,
        "published": [p.as_dict() for p in select_published(dataset, task.name, groups, measured_on)],
        "written": utcnow(),
    }
    return atomic_write_json(folder / "results.json", results)


def _describe_split(split: BenchSplit) -> str:
    if split.kind == "official":
        return f"official split {split.path} (sha256 {(split.sha256 or '')[:12]})"
    return f"re-split with seed {split.seed}"


def write_overview(out: Path, task_names: Sequence[str]) -> Path | None:
    """The classification tasks side by side (Table 4 shape: binary, binary-kg, fine-grained column groups)."""
    loaded = {}
    for name in task_names:
        path = Path(out) / name / "results.json"
        if get_task(name).kind == "classification" and path.exists():
            loaded[name] = json.loads(path.read_text(encoding="utf-8"))
    if not loaded:
        return None
    models = list(dict.fromkeys(m for r in loaded.values() for m in r["models"]))
    index = {(name, row["model"]): row for name, r in loaded.items() for row in r["results"]}
    refs = {name: (r["settings"][0].get("majority_reference") or {}) for name, r in loaded.items()}

    def cell(model: str, group: str, metric: str) -> Cell | None:
        return _cell_from(index.get((group, model)), metric)

    def reference(group: str, metric: str) -> float | None:
        return refs.get(group, {}).get(metric)

    metrics = TASKS["binary"].metrics
    md, tex = render_tables(
        "Classification (FineFake Table 4 layout)", models, list(loaded), metrics, cell, reference
    )
    atomic_write_text(Path(out) / "classification.md", md)
    atomic_write_text(Path(out) / "classification.tex", tex)
    return Path(out) / "classification.md"
