"""Benchmark results for the terminal: tables that fit the terminal's width.

The Markdown and LaTeX tables keep the paper's wide layout (one column per setting x metric). In a terminal
that layout breaks into fragments once a task has six adaptation settings, so here adaptation results are in
long form -- one row per model x setting with its source, target, accuracy and weighted F1 -- and rich fits the
columns to the console's width instead of wrapping rows. The cells read exactly as in the Markdown tables.
"""

from __future__ import annotations

from typing import Any

from rich import box
from rich.table import Table

from finefake.benchmarks.reports import METRIC_HEADERS, REFERENCE_ROW, format_cell, variance_caption


def _sides(setting: dict[str, Any]) -> tuple[str, str]:
    """Source and target as the tables name them (the two sides of the setting's name)."""
    source, _, target = str(setting["name"]).partition(" -> ")
    return (source, target) if target else (str(setting.get("source")), str(setting.get("target")))


def terminal_table(results: dict[str, Any]) -> Table:
    """One task's ``results.json`` as a rich Table: one row per model (classification) or per model x setting
    (adaptation), the majority reference last, the number of seeds in the caption."""
    metrics = list(results["metrics"])
    rows = {(r["model"], r["setting"]): r for r in results["results"]}
    settings = [s for s in results["settings"] if not s.get("skipped")]
    adaptation = any(s["name"] != "all" for s in settings)
    table = Table(
        title=f"{results['task']}: {results['description']} (percent)",
        caption=variance_caption(results["results"], metrics),
        title_justify="left",
        caption_justify="left",
        box=box.SIMPLE_HEAD,  # no vertical rules: the numbers keep the width
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )
    names = [*results["models"], REFERENCE_ROW]
    table.add_column("model", min_width=max(map(len, names)))
    if adaptation:
        table.add_column("source", overflow="fold")
        table.add_column("target", overflow="fold")
    for metric in metrics:
        table.add_column(METRIC_HEADERS[metric], justify="right", no_wrap=True)
    for model in names:
        for setting in settings:
            if model == REFERENCE_ROW:
                reference = setting.get("majority_reference") or {}
                cells = [f"{100 * reference[m]:.2f}" if m in reference else "n/a" for m in metrics]
            else:
                summary = rows.get((model, setting["name"]))
                cells = [format_cell(summary, m) for m in metrics]
            table.add_row(model, *(_sides(setting) if adaptation else ()), *cells)
        if adaptation and model != REFERENCE_ROW:
            table.add_section()
    return table
