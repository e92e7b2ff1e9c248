"""The benchmark's figures: bars with error bars for every task, the source x target heatmaps of the
domain-adaptation tasks, their captions, and one colour per model in every figure.

They are apart from :mod:`finefake.benchmarks.reports` (results JSON and tables) because they are the only part
that needs matplotlib; each figure is written as PNG, SVG and PDF by :func:`finefake.stats.figures.save_figure`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from finefake.benchmarks.cells import DEGENERATE_MARK, METRIC_HEADERS, REFERENCE_ROW, Cell
from finefake.benchmarks.tasks import Setting
from finefake.stats.figures import save_figure

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
