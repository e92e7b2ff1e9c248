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
from typing import Any

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
Cell = tuple[float, float, int] | None  # mean, std, number of seeds


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


def _fmt(cell: Cell, bold: bool, latex: bool) -> str:
    if cell is None:
        return "--" if latex else "n/a"
    mean, std, _ = cell
    text = f"{100 * mean:.2f} $\\pm$ {100 * std:.2f}" if latex else f"{100 * mean:.2f} ± {100 * std:.2f}"
    if bold:
        return f"\\textbf{{{text}}}" if latex else f"**{text}**"
    return text


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

    single = len(groups) == 1
    header = ["Model"] + [METRIC_HEADERS[m] if single else f"{g} {METRIC_HEADERS[m]}" for g, m in columns]
    md = [f"**{caption}** (percent, mean ± std over seeds)", "", "| " + " | ".join(header) + " |"]
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

    tex = [
        "\\begin{table}[t]",
        "\\centering",
        f"\\caption{{{tex_escape(caption)} (\\%, mean $\\pm$ std over seeds).}}",
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


def _cell_from(summary: dict[str, Any] | None, metric: str) -> Cell:
    if not summary:
        return None
    stats = summary["metrics"][metric]
    return stats["mean"], stats["std"], stats["n"]


def plot_bars(
    path: Path, title: str, models: Sequence[str], groups: Sequence[str], metric: str, cell
) -> Path:
    """Grouped bars (one bar per model in each group) with std error bars."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    width = 0.8 / max(len(models), 1)
    x = np.arange(len(groups))
    fig, ax = plt.subplots(figsize=(max(5.0, 1.2 * len(groups) * max(1, len(models)) * 0.6 + 2), 3.6))
    for k, model in enumerate(models):
        cells = [cell(model, g, metric) for g in groups]
        means = [c[0] * 100 if c else np.nan for c in cells]
        stds = [c[1] * 100 if c else 0.0 for c in cells]
        ax.bar(x + (k - (len(models) - 1) / 2) * width, means, width, yerr=stds, capsize=3, label=model)
    ax.set_xticks(
        x, groups, rotation=20 if len(groups) > 3 else 0, ha="right" if len(groups) > 3 else "center"
    )
    ax.set_ylabel(f"{METRIC_HEADERS[metric]} (%)")
    ax.set_ylim(0, 100)
    ax.set_title(title)
    ax.legend(fontsize="small", ncols=min(len(models), 4))
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def plot_heatmaps(
    path: Path, title: str, models: Sequence[str], settings: Sequence[Setting], summaries
) -> Path:
    """One source x target heatmap of mean accuracy per model."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sources = list(dict.fromkeys(s.source for s in settings))
    targets = list(dict.fromkeys(s.target for s in settings))
    fig, axes = plt.subplots(
        1,
        len(models),
        figsize=(2.2 + 1.1 * len(targets) * len(models) + len(models), 1.0 + 0.8 * len(sources)),
    )
    axes = np.atleast_1d(axes)
    for k, (ax, model) in enumerate(zip(axes, models, strict=True)):
        grid = np.full((len(sources), len(targets)), np.nan)
        for s in settings:
            summary = summaries.get((model, s.name))
            if summary:
                grid[sources.index(s.source), targets.index(s.target)] = (
                    100 * summary["metrics"]["accuracy"]["mean"]
                )
        image = ax.imshow(grid, vmin=0, vmax=100, cmap="viridis")
        for (i, j), value in np.ndenumerate(grid):
            if np.isfinite(value):
                ax.text(
                    j, i, f"{value:.1f}", ha="center", va="center", color="white" if value < 60 else "black"
                )
        ax.set_xticks(range(len(targets)), targets, rotation=30, ha="right")
        # Source names only on the first panel: they would overlap the panel to the left otherwise.
        ax.set_yticks(range(len(sources)), sources if k == 0 else [""] * len(sources))
        ax.set_xlabel("target")
        if k == 0:
            ax.set_ylabel("source")
        ax.set_title(model)
    fig.colorbar(image, ax=list(axes), shrink=0.8, label="Acc (%)")
    fig.suptitle(title, y=1.04)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def write_task_reports(
    out: Path, task: TaskSpec, settings: Sequence[Setting], models: Sequence[str], dataset: str = "finefake"
) -> Path:
    """Aggregate the run files of ``task`` into results.json, table.md, table.tex and plots; returns the JSON.

    The papers' published numbers for the same dataset, task and settings follow the table as "paper" rows.
    """
    from finefake.benchmarks.published import paper_markdown

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
    md += paper_markdown(dataset, task.name, groups)
    atomic_write_text(folder / "table.md", md)
    atomic_write_text(folder / "table.tex", tex)
    plots = []
    if groups and summaries:
        plots.append(plot_bars(folder / "bars.png", caption, models, groups, "accuracy", cell).name)
        if task.is_da:
            plots.append(plot_heatmaps(folder / "heatmap.png", caption, models, active, summaries).name)
    results = {
        "dataset": dataset,
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
