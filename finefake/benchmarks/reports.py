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
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from finefake.benchmarks.metrics import classification_report
from finefake.benchmarks.splits import BenchSplit
from finefake.benchmarks.tasks import TASKS, Setting, TaskSpec, get_task
from finefake.stats.figures import save_figure
from finefake.workspace import atomic_write_json, atomic_write_text, utcnow

METRIC_HEADERS: dict[str, str] = {
    "accuracy": "Acc",
    "macro_precision": "Prec",
    "macro_recall": "Rec",
    "macro_f1": "F1",
    "weighted_f1": "wF1",
}
DEGENERATE_MARK = "†"
FLAT_MARK = "‡"
REFERENCE_ROW = "majority (ref.)"
DEGENERATE_NOTE = (
    f"{DEGENERATE_MARK} at least one run predicts a single class for every test item (never bold)."
)
FLAT_NOTE = (
    f"{FLAT_MARK} the same score with every seed: the seeds do not vary this model, no spread to show."
)
BOLD_NOTE = "Bold: the best model of a column, only where it beats the majority reference."
REFERENCE_NOTE = f"{REFERENCE_ROW}: always predicting the test set's most frequent class."

#: One colour per model in every figure (colour-blind-safe Okabe-Ito and Tol colours); models not listed
#: get one of ``_SPARE_COLOURS`` by a hash of their name, so a model's colour never depends on the run.
MODEL_COLOURS: dict[str, str] = {
    "logreg": "#0072B2",
    "kean": "#D55E00",
    "mdfend": "#009E73",
    "m3fend": "#CC79A7",
    "eann": "#E69F00",
    "safe": "#56B4E9",
    "mvae": "#882255",
    "comparenet": "#117733",
    "kan": "#999933",
    "kdcn": "#44AA99",
    "canmd": "#AA4499",
    "coolant": "#332288",
    "crome": "#DDCC77",
    "mmfnd": "#88CCEE",
    "majority": "#7f7f7f",
}
_SPARE_COLOURS = ("#F0E442", "#661100", "#6699CC", "#AA4466", "#4477AA", "#228833", "#CCBB44", "#EE6677")


def model_colour(model: str) -> str:
    """The colour of ``model`` in every figure of every run."""
    import hashlib

    if model in MODEL_COLOURS:
        return MODEL_COLOURS[model]
    return _SPARE_COLOURS[int(hashlib.sha256(model.encode()).hexdigest(), 16) % len(_SPARE_COLOURS)]


class Cell(NamedTuple):
    """One table cell: mean and std over model seeds, number of runs, whether any run is degenerate, and
    the std over re-splits (None with one split)."""

    mean: float
    std: float
    n: int
    degenerate: bool = False
    std_split: float | None = None

    @property
    def flat(self) -> bool:
        """Several seeds, one score: the seeds do not vary this model."""
        return self.n > 1 and self.std < 1e-9 and not self.std_split  # float noise of equal values


def _sd(values: Sequence[float]) -> float:
    return float(np.std(values, ddof=1)) if len(values) > 1 else 0.0


def _stats(values: Sequence[float], groups: Sequence[str] | None = None) -> dict[str, Any]:
    """Mean over all runs; ``std`` over model seeds (the mean of the within-split stds when ``groups`` names
    several splits), plus ``std_split``, the std of the per-split means, in that case."""
    array = np.asarray(values, dtype=np.float64)
    stats = {"mean": float(array.mean()), "std": _sd(array), "n": int(len(array))}
    by_split: dict[str, list[float]] = {}
    for value, group in zip(array.tolist(), groups or ["-"] * len(array), strict=True):
        by_split.setdefault(group, []).append(value)
    if len(by_split) > 1:
        stats["std"] = float(np.mean([_sd(v) for v in by_split.values()]))
        stats["std_split"] = _sd([float(np.mean(v)) for v in by_split.values()])
    stats["values"] = array.round(6).tolist()
    return stats


def predicted_counts(run: dict[str, Any]) -> list[int]:
    """How many test items a run predicted as each class (column sums of its confusion matrix)."""
    return np.asarray(run["metrics"]["confusion_matrix"]).sum(axis=0).astype(int).tolist()


def is_degenerate(run: dict[str, Any]) -> bool:
    """True when a run predicted every test item as the same class."""
    return sum(1 for c in predicted_counts(run) if c > 0) <= 1


def majority_reference(task: TaskSpec, support: Sequence[int]) -> dict[str, float]:
    """The task metrics of predicting the most frequent test class for every item (the target prior)."""
    y_true = np.repeat(np.arange(len(support)), support)
    y_pred = np.full(len(y_true), int(np.argmax(support)))
    report = classification_report(y_true, y_pred, task.n_classes, task.class_names)
    return {m: report[m] for m in task.metrics}


def summarise(task: TaskSpec, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean/std of every task metric, degenerate runs, per-class scores and the confusion matrix summed."""
    groups = [r.get("split_tag", "-") for r in runs]
    metrics = task.metrics + ("weighted_f1",) + (() if "macro_f1" in task.metrics else ("macro_f1",))
    summary: dict[str, Any] = {
        "seeds": [r["seed"] for r in runs],
        "splits": list(dict.fromkeys(groups)),
        "metrics": {m: _stats([r["metrics"][m] for r in runs], groups) for m in dict.fromkeys(metrics)},
        "predicted_counts": [predicted_counts(r) for r in runs],
        "degenerate_runs": sum(is_degenerate(r) for r in runs),
    }
    summary["per_class"] = [
        {
            "class": name,
            "f1": float(np.mean([r["metrics"]["per_class"][i]["f1"] for r in runs])),
            "precision": float(np.mean([r["metrics"]["per_class"][i]["precision"] for r in runs])),
            "recall": float(np.mean([r["metrics"]["per_class"][i]["recall"] for r in runs])),
            "support": runs[0]["metrics"]["per_class"][i]["support"],
        }
        for i, name in enumerate(task.class_names)
    ]
    summary["confusion_matrix_sum"] = np.sum(
        [r["metrics"]["confusion_matrix"] for r in runs], axis=0
    ).tolist()
    summary["fit_seconds"] = _stats([r["fit_seconds"] for r in runs])
    return summary


def _fmt(cell: Cell | None, bold: bool, latex: bool) -> str:
    """A cell in percent: mean ± std when several runs back it, the mean alone for a single run."""
    if cell is None:
        return "--" if latex else "n/a"
    pm = " $\\pm$ " if latex else " ± "
    text = f"{100 * cell.mean:.2f}"
    if cell.n > 1 and not cell.flat:
        text += f"{pm}{100 * cell.std:.2f}"
    if cell.std_split is not None:
        text += f"{pm}{100 * cell.std_split:.2f}"
    if bold:
        text = f"\\textbf{{{text}}}" if latex else f"**{text}**"
    if cell.degenerate:
        text += "$^\\dagger$" if latex else f" {DEGENERATE_MARK}"
    if cell.flat:
        text += "$^\\ddagger$" if latex else f" {FLAT_MARK}"
    return text


def _count(values: Sequence[int], noun: str) -> str:
    low, high = min(values), max(values)
    return f"{low} {noun}s" if low == high else f"{low}-{high} {noun}s"


def variance_note(cells: Sequence[Cell]) -> str:
    """What a cell shows, with the number of runs behind it: the reader must know n to read a ± (or its
    absence: with one run per cell there is no spread to show)."""
    runs = [c.n for c in cells] or [0]
    if any(c.std_split is not None for c in cells):
        return f"mean ± std over model seeds ± std over splits, {_count(runs, 'run')} per cell"
    if max(runs) <= 1:
        return "one seed: single runs, no std"
    return f"mean ± std over {_count(runs, 'model seed')} on one split"


def format_cell(summary: dict[str, Any] | None, metric: str) -> str:
    """One result cell as the Markdown tables write it (without bold): for the terminal tables."""
    return _fmt(_cell_from(summary, metric), False, False)


def beats_reference(cell: Cell | None, reference: float | None) -> bool:
    """True when a non-degenerate cell scores above the majority reference (the condition for bold)."""
    if cell is None or cell.degenerate:
        return False
    return reference is None or (cell.mean > reference and not bool(np.isclose(cell.mean, reference)))


def table_notes(cells: Sequence[Cell], reference: bool, bold: bool, weighted: bool = False) -> list[str]:
    """The footnotes a table needs: every mark it uses, what bold means, what the reference is."""
    notes = []
    if weighted:
        notes.append("wF1 = weighted F1.")
    if bold:
        notes.append(BOLD_NOTE)
    if any(c.degenerate for c in cells):
        notes.append(DEGENERATE_NOTE)
    if any(c.flat for c in cells):
        notes.append(FLAT_NOTE)
    if reference:
        notes.append(REFERENCE_NOTE)
    return notes


def variance_caption(results: Sequence[dict[str, Any]], metrics: Sequence[str]) -> str:
    """``variance_note`` of the rows of a results.json."""
    cells = [c for row in results for m in metrics if (c := _cell_from(row, m)) is not None]
    return variance_note(cells)


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


def _cell_from(summary: dict[str, Any] | None, metric: str) -> Cell | None:
    if not summary:
        return None
    stats = summary["metrics"][metric]
    return Cell(
        stats["mean"], stats["std"], stats["n"], summary.get("degenerate_runs", 0) > 0, stats.get("std_split")
    )


def _wrapped(title: str, width_inches: float) -> str:
    """The title broken into lines that fit the figure (about nine characters per inch at the default size)."""
    import textwrap

    return textwrap.fill(title, width=max(30, int(9 * width_inches)))


def plot_bars(
    path: Path,
    title: str,
    models: Sequence[str],
    groups: Sequence[str],
    metrics: Sequence[str],
    cell,
    reference: Callable[[str, str], float | None] | None = None,
) -> Path:
    """One panel per metric of the task, bars with the std over seeds as error bars (none -- no caps either --
    for a single run or for a model whose seeds all give one score, which the caption says).

    Classification (one group): the models are the x axis of each panel. Adaptation: one group of bars per
    setting, one bar per model. Degenerate bars are hatched and marked with a dagger; the majority reference of
    each group is a dashed black line across its bars. The title is wrapped to the figure's width.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    single = len(groups) == 1
    colours = {m: model_colour(m) for m in models}
    if single:
        width_in = max(6.0, 1.0 + len(metrics) * (0.55 * len(models) + 1.2))
        fig, axes = plt.subplots(
            1, len(metrics), figsize=(width_in, 3.8), squeeze=False, layout="constrained"
        )
    else:
        width_in = max(7.0, 2.0 + 0.45 * len(groups) * max(1, len(models)))
        fig, axes = plt.subplots(
            len(metrics), 1, figsize=(width_in, 2.9 * len(metrics) + 1.2), squeeze=False, layout="constrained"
        )
    flagged = False
    for ax, metric in zip(axes.flat, metrics, strict=True):
        if single:
            cells = [cell(model, groups[0], metric) for model in models]
            x = np.arange(len(models))
            series = [(x, cells, [colours[m] for m in models], None)]
        else:
            x = np.arange(len(groups))
            bar_width = 0.8 / max(len(models), 1)
            series = [
                (x + (k - (len(models) - 1) / 2) * bar_width, [cell(model, g, metric) for g in groups],
                 colours[model], model)
                for k, model in enumerate(models)
            ]  # fmt: skip
        for positions, cells, colour, label in series:
            means = [c.mean * 100 if c else np.nan for c in cells]
            errors = [c.std * 100 if c and c.n > 1 and not c.flat else np.nan for c in cells]
            width = 0.7 if single else 0.8 / max(len(models), 1)
            spread = any(np.isfinite(errors))
            bars = ax.bar(
                positions, means, width, yerr=errors if spread else None, capsize=3 if spread else 0,
                color=colour, label=label, edgecolor="white", linewidth=0.5,
            )  # fmt: skip
            for bar, c, pos, mean in zip(bars, cells, positions, means, strict=True):
                if c is not None and c.degenerate:
                    flagged = True
                    bar.set_hatch("//")
                    bar.set_alpha(0.5)
                    ax.text(pos, min(mean + 2, 95), DEGENERATE_MARK, ha="center", va="bottom")
        if reference:
            spans = (
                [(-0.5, len(models) - 0.5)] if single else [(i - 0.45, i + 0.45) for i in range(len(groups))]
            )
            for (lo, hi), g in zip(spans, groups, strict=True):
                value = reference(g, metric)
                if value is not None:
                    ax.hlines(100 * value, lo, hi, colors="black", linestyles="--", linewidth=1.2,
                              label=REFERENCE_ROW if g == groups[0] else None)  # fmt: skip
        if single:
            ax.set_xticks(
                x, models, rotation=30 if len(models) > 3 else 0, ha="right" if len(models) > 3 else "center"
            )
        else:
            ax.set_xticks(
                x, groups, rotation=20 if len(groups) > 3 else 0, ha="right" if len(groups) > 3 else "center"
            )
        ax.set_ylabel(f"{METRIC_HEADERS[metric]} (%)")
        ax.set_ylim(0, 100)
        if single:
            ax.set_title(METRIC_HEADERS[metric])
    handles, labels = axes.flat[-1 if single else 0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="outside lower center", ncols=min(len(labels), 5), fontsize="small")
    note = f"   {DEGENERATE_MARK} hatched: a run predicts one class" if flagged else ""
    every = [c for m in metrics for model in models for g in groups if (c := cell(model, g, m)) is not None]
    caption = bars_caption(every) + note
    fig.suptitle(_wrapped(f"{title} ({caption})", width_in), fontsize="medium")
    return save_figure(fig, path, dpi=150)


def bars_caption(cells: Sequence[Cell]) -> str:
    """What the error bars of a bar chart show (or why there are none)."""
    if not cells or max(c.n for c in cells) <= 1:
        return "one seed: no error bars"
    if all(c.flat for c in cells):
        return "no error bars: every seed gives the same score (the seeds do not vary these models)"
    if any(c.flat for c in cells):
        return "error bars: std over seeds; none where every seed gives the same score"
    return "error bars: std over seeds"


def _heatmap_axes(settings: Sequence[Setting]) -> tuple[list[str], list[str], dict[str, tuple[int, int]]]:
    """Row and column names as the tables name them (the two sides of each setting's name), the columns in the
    rows' order when both name the same groups, and each setting's (row, column)."""
    sides = {}
    for s in settings:
        source, _, target = s.name.partition(" -> ")
        sides[s.name] = (source, target) if target else (s.source, s.target)
    rows = list(dict.fromkeys(a for a, _ in sides.values()))
    cols = list(dict.fromkeys(b for _, b in sides.values()))
    order = [_group_of(r) for r in rows]
    if {_group_of(c) for c in cols} == set(order):
        cols.sort(key=lambda c: order.index(_group_of(c)))
    return rows, cols, {name: (rows.index(a), cols.index(b)) for name, (a, b) in sides.items()}


def _group_of(side: str) -> str:
    """'politics@FC' -> 'FC': the platform group a side of a setting name refers to."""
    return side.split("@")[-1]


def plot_heatmaps(
    path: Path,
    title: str,
    models: Sequence[str],
    settings: Sequence[Setting],
    summaries,
    references: dict[str, dict[str, float]] | None = None,
) -> Path:
    """One source x target heatmap of mean accuracy per model (degenerate cells marked with a dagger), and a
    last panel with the majority reference (the target prior) of each setting when ``references`` is given.

    Rows and columns carry the tables' names, in the same order; a cell no setting trains and tests on (the
    diagonal, source = target) is grey, hatched and marked "not run" rather than left blank. The colour bar
    sits under the panels, so the title is centred over them.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    rows, cols, position = _heatmap_axes(settings)
    panels = list(models) + ([REFERENCE_ROW] if references else [])
    width_in = 2.4 + (1.1 * len(cols) + 0.9) * len(panels)
    fig, axes = plt.subplots(
        1, len(panels), figsize=(width_in, 2.4 + 0.8 * len(rows)), squeeze=False, layout="constrained"
    )
    image = None
    for k, (ax, model) in enumerate(zip(axes.flat, panels, strict=True)):
        grid = np.full((len(rows), len(cols)), np.nan)
        flagged = np.zeros(grid.shape, dtype=bool)
        for s in settings:
            at = position[s.name]
            if model == REFERENCE_ROW and references and s.name in references:
                grid[at] = 100 * references[s.name]["accuracy"]
            summary = summaries.get((model, s.name))
            if summary:
                grid[at] = 100 * summary["metrics"]["accuracy"]["mean"]
                flagged[at] = summary.get("degenerate_runs", 0) > 0
        image = ax.imshow(grid, vmin=0, vmax=100, cmap="viridis")
        for (i, j), value in np.ndenumerate(grid):
            if np.isfinite(value):
                mark = f" {DEGENERATE_MARK}" if flagged[i, j] else ""
                colour = "white" if value < 60 else "black"
                ax.text(j, i, f"{value:.1f}{mark}", ha="center", va="center", color=colour)
            else:
                ax.add_patch(
                    Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="#d9d9d9", hatch="//", edgecolor="white")
                )
                ax.text(j, i, "not run", ha="center", va="center", color="#444444", fontsize="small")
        ax.set_xticks(range(len(cols)), cols, rotation=30, ha="right")
        # Source names only on the first panel: they would overlap the panel to the left otherwise.
        ax.set_yticks(range(len(rows)), rows if k == 0 else [""] * len(rows))
        ax.set_xlabel("target")
        if k == 0:
            ax.set_ylabel("source")
        ax.set_title(model)
    fig.colorbar(image, ax=list(axes.flat), shrink=0.6, aspect=40, label="Acc (%)", location="bottom")
    fig.suptitle(_wrapped(title, width_in))
    return save_figure(fig, path, dpi=150)


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
