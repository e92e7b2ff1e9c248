"""Benchmark reports: results JSON, Markdown and LaTeX tables shaped like the paper's, and plots.

Classification tasks give a table shaped like the FineFake paper's Table 4 (one row per model; accuracy and
macro precision/recall/F1), domain adaptation a table shaped like Table 5 (one row per model; accuracy and
weighted F1 for each source -> target setting). Cells are mean +- std over seeds (sample std, ddof=1; 0 for
one seed); the best mean of each column is bold. Plots: bars with error bars for every task, plus a
source x target heatmap of mean accuracy for the domain-adaptation tasks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

from finefake.benchmarks.tasks import TASKS, Setting, TaskSpec, get_task
from finefake.workspace import atomic_write_json, atomic_write_text, utcnow

METRIC_HEADERS: dict[str, str] = {
    "accuracy": "Acc",
    "macro_precision": "Prec",
    "macro_recall": "Rec",
    "macro_f1": "F1",
    "weighted_f1": "F1",
}


class Cell(NamedTuple):
    """One table cell: mean and std over seeds and the number of runs behind them."""

    mean: float
    std: float
    n: int


def load_runs(out: Path, task: str, model: str, setting: Setting) -> list[dict[str, Any]]:
    """The finished run files of one (task, model, setting), ordered by seed."""
    folder = Path(out) / task / "runs" / model / setting.slug
    runs = [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("seed-*.json"))]
    return sorted(runs, key=lambda r: r["seed"])


def _stats(values: Sequence[float]) -> dict[str, Any]:
    array = np.asarray(values, dtype=np.float64)
    std = float(array.std(ddof=1)) if len(array) > 1 else 0.0
    return {"mean": float(array.mean()), "std": std, "n": int(len(array)), "values": array.round(6).tolist()}


def summarise(task: TaskSpec, runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean/std of every task metric, mean per-class scores and the confusion matrix summed over seeds."""
    summary: dict[str, Any] = {
        "seeds": [r["seed"] for r in runs],
        "metrics": {m: _stats([r["metrics"][m] for r in runs]) for m in task.metrics + ("weighted_f1",)},
    }
    if "macro_f1" not in task.metrics:
        summary["metrics"]["macro_f1"] = _stats([r["metrics"]["macro_f1"] for r in runs])
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
    if cell.n > 1:
        text += f"{pm}{100 * cell.std:.2f}"
    if bold:
        return f"\\textbf{{{text}}}" if latex else f"**{text}**"
    return text


def _count(values: Sequence[int], noun: str) -> str:
    low, high = min(values), max(values)
    return f"{low} {noun}s" if low == high else f"{low}-{high} {noun}s"


def variance_note(cells: Sequence[Cell]) -> str:
    """What a cell shows, with the number of seeds behind it: the reader must know n to read a ± (or its
    absence: with one run per cell there is no spread to show)."""
    runs = [c.n for c in cells] or [0]
    if max(runs) <= 1:
        return "one seed: single runs, no std"
    return f"mean ± std over {_count(runs, 'seed')}"


def format_cell(summary: dict[str, Any] | None, metric: str) -> str:
    """One result cell as the Markdown tables write it (without bold), for the terminal tables."""
    return _fmt(_cell_from(summary, metric), False, False)


def variance_caption(results: Sequence[dict[str, Any]], metrics: Sequence[str]) -> str:
    """``variance_note`` of the rows of a results.json."""
    return variance_note([c for row in results for m in metrics if (c := _cell_from(row, m)) is not None])


def render_tables(
    caption: str,
    models: Sequence[str],
    groups: Sequence[str],
    metrics: Sequence[str],
    cell: Callable[[str, str, str], Cell],
) -> tuple[str, str]:
    """Markdown and LaTeX tables: rows = models, columns = groups (settings or tasks) x metrics, in percent."""
    columns = [(g, m) for g in groups for m in metrics]
    best: dict[tuple[str, str], float] = {}
    for g, m in columns:
        means = [c[0] for c in (cell(model, g, m) for model in models) if c is not None]
        if means:
            best[(g, m)] = max(means)

    def is_best(model: str, g: str, m: str) -> bool:
        c = cell(model, g, m)
        return c is not None and len(models) > 1 and np.isclose(c[0], best.get((g, m), np.nan))

    note = variance_note([c for model in models for g, m in columns if (c := cell(model, g, m)) is not None])
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

    def tex_escape(text: str) -> str:
        for a, b in (("\\", "\\textbackslash{}"), ("&", "\\&"), ("%", "\\%"), ("_", "\\_"), ("#", "\\#")):
            text = text.replace(a, b)
        return text.replace("->", "$\\rightarrow$").replace("@", "\\,@\\,")

    tex_note = note.replace("±", "$\\pm$")
    tex = [
        "\\begin{table}[t]",
        "\\centering",
        f"\\caption{{{tex_escape(caption)} (\\%, {tex_note}).}}",
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
    tex += ["\\bottomrule", "\\end{tabular}", "\\end{table}"]
    return "\n".join(md) + "\n", "\n".join(tex) + "\n"


def _cell_from(summary: dict[str, Any] | None, metric: str) -> Cell | None:
    if not summary:
        return None
    stats = summary["metrics"][metric]
    return Cell(stats["mean"], stats["std"], stats["n"])


def _wrapped(title: str, width_inches: float) -> str:
    """The title broken into lines that fit the figure (about nine characters per inch at the default size)."""
    import textwrap

    return textwrap.fill(title, width=max(30, int(9 * width_inches)))


def plot_bars(
    path: Path, title: str, models: Sequence[str], groups: Sequence[str], metrics: Sequence[str], cell
) -> Path:
    """One panel per metric of the task, bars with the std over seeds as error bars (none for a single run).

    Classification (one group): the models are the x axis of each panel, so no lone "all" tick. Adaptation:
    one group of bars per setting, one bar per model, the panels stacked. The title is wrapped to the figure.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    single = len(groups) == 1
    colours = {m: plt.get_cmap("tab10")(i % 10) for i, m in enumerate(models)}
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
    bar_width = 0.7 if single else 0.8 / max(len(models), 1)
    for ax, metric in zip(axes.flat, metrics, strict=True):
        if single:
            x = np.arange(len(models))
            series = [(x, [cell(m, groups[0], metric) for m in models], [colours[m] for m in models], None)]
            ticks = list(models)
        else:
            x = np.arange(len(groups))
            series = [
                (x + (k - (len(models) - 1) / 2) * bar_width, [cell(model, g, metric) for g in groups],
                 colours[model], model)
                for k, model in enumerate(models)
            ]  # fmt: skip
            ticks = list(groups)
        for positions, cells, colour, label in series:
            means = [c.mean * 100 if c else np.nan for c in cells]
            errors = [c.std * 100 if c and c.n > 1 else 0.0 for c in cells]
            ax.bar(positions, means, bar_width, yerr=errors, capsize=3, color=colour, label=label)
        rotate = len(ticks) > 3
        ax.set_xticks(x, ticks, rotation=20 if rotate else 0, ha="right" if rotate else "center")
        ax.set_ylabel(f"{METRIC_HEADERS[metric]} (%)")
        ax.set_ylim(0, 100)
        if single:
            ax.set_title(METRIC_HEADERS[metric])
    if not single:
        fig.legend(
            *axes.flat[0].get_legend_handles_labels(), loc="outside lower center", ncols=min(len(models), 5)
        )
    runs = [c.n for m in metrics for model in models for g in groups if (c := cell(model, g, m)) is not None]
    caption = "error bars: std over seeds" if runs and max(runs) > 1 else "one seed: no error bars"
    fig.suptitle(_wrapped(title, width_in) + f"\n({caption})", fontsize="medium")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _group_of(side: str) -> str:
    """'politics@FC' -> 'FC': the platform group a side of a setting name refers to."""
    return side.split("@")[-1]


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


def plot_heatmaps(
    path: Path, title: str, models: Sequence[str], settings: Sequence[Setting], summaries
) -> Path:
    """One source x target heatmap of mean accuracy per model.

    Rows and columns carry the tables' names, in the same order; a diagonal cell (source = target, which no
    setting trains and tests on) is grey and marked "same" rather than left blank.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    rows, cols, position = _heatmap_axes(settings)
    width_in = 2.4 + (1.1 * len(cols) + 0.9) * len(models)
    fig, axes = plt.subplots(1, len(models), figsize=(width_in, 1.6 + 0.8 * len(rows)), squeeze=False)
    image = None
    for k, (ax, model) in enumerate(zip(axes.flat, models, strict=True)):
        grid = np.full((len(rows), len(cols)), np.nan)
        for s in settings:
            summary = summaries.get((model, s.name))
            if summary:
                grid[position[s.name]] = 100 * summary["metrics"]["accuracy"]["mean"]
        image = ax.imshow(grid, vmin=0, vmax=100, cmap="viridis")
        for (i, j), value in np.ndenumerate(grid):
            if np.isfinite(value):
                colour = "white" if value < 60 else "black"
                ax.text(j, i, f"{value:.1f}", ha="center", va="center", color=colour)
            elif _group_of(rows[i]) == _group_of(cols[j]):
                ax.add_patch(
                    Rectangle((j - 0.5, i - 0.5), 1, 1, facecolor="#d9d9d9", hatch="//", edgecolor="white")
                )
                ax.text(j, i, "same", ha="center", va="center", color="#444444", fontsize="small")
        ax.set_xticks(range(len(cols)), cols, rotation=30, ha="right")
        # Source names only on the first panel: they would overlap the panel to the left otherwise.
        ax.set_yticks(range(len(rows)), rows if k == 0 else [""] * len(rows))
        ax.set_xlabel("target")
        if k == 0:
            ax.set_ylabel("source")
        ax.set_title(model)
    fig.colorbar(image, ax=list(axes.flat), shrink=0.8, label="Acc (%)")
    title = _wrapped(title, width_in)
    fig.suptitle(title, y=1.02 + 0.04 * title.count("\n"))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def write_task_reports(out: Path, task: TaskSpec, settings: Sequence[Setting], models: Sequence[str]) -> Path:
    """Aggregate the run files of ``task`` into results.json, table.md, table.tex and plots; returns the JSON."""
    folder = Path(out) / task.name
    summaries: dict[tuple[str, str], dict[str, Any]] = {}
    for model in models:
        for setting in settings:
            if setting.skipped:
                continue
            runs = load_runs(out, task.name, model, setting)
            if runs:
                summaries[(model, setting.name)] = summarise(task, runs)
    active = [s for s in settings if not s.skipped]
    groups = [s.name for s in active]

    def cell(model: str, group: str, metric: str) -> Cell:
        return _cell_from(summaries.get((model, group)), metric)

    table = "Table 4" if not task.is_da else "Table 5"
    caption = f"{task.name}: {task.description}"
    md, tex = render_tables(caption, models, groups, task.metrics, cell)
    skipped = [s for s in settings if s.skipped]
    if skipped:
        md += "\nSkipped settings: " + "; ".join(f"{s.name} ({s.skipped})" for s in skipped) + "\n"
    atomic_write_text(folder / "table.md", md)
    atomic_write_text(folder / "table.tex", tex)
    plots = []
    if groups and summaries:
        plots.append(plot_bars(folder / "bars.png", caption, models, groups, task.metrics, cell).name)
        if task.is_da:
            plots.append(plot_heatmaps(folder / "heatmap.png", caption, models, active, summaries).name)
    results = {
        "task": task.name,
        "description": task.description,
        "shaped_like": f"FineFake paper {table}",
        "metrics": list(task.metrics),
        "class_names": list(task.class_names),
        "models": list(models),
        "settings": [
            {
                "name": s.name,
                "source": s.source,
                "target": s.target,
                "sizes": {"train": len(s.train), "validation": len(s.validation), "test": len(s.test)},
                "skipped": s.skipped,
                **s.details,
            }
            for s in settings
        ],
        "results": [
            {"model": model, "setting": setting, **summary} for (model, setting), summary in summaries.items()
        ],
        "plots": plots,
        "written": utcnow(),
    }
    return atomic_write_json(folder / "results.json", results)


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

    def cell(model: str, group: str, metric: str) -> Cell:
        return _cell_from(index.get((group, model)), metric)

    metrics = TASKS["binary"].metrics
    md, tex = render_tables("Classification (FineFake Table 4 layout)", models, list(loaded), metrics, cell)
    atomic_write_text(Path(out) / "classification.md", md)
    atomic_write_text(Path(out) / "classification.tex", tex)
    return Path(out) / "classification.md"
