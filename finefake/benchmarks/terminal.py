"""Benchmark results for the terminal: tables that fit an 80-column terminal.

The Markdown and LaTeX tables keep the paper's wide layout (one column per setting x metric). In a terminal
that layout breaks into fragments once a task has six adaptation settings, so here adaptation results are in
long form -- one row per model x setting with its source, target, accuracy, weighted F1 and the difference of
its accuracy from the majority reference -- and a classification task (one setting, even an imported
dataset's official split) is one row per model. The cells read exactly as in the Markdown tables; when they
would make the table wider than the terminal, the spaces around ± are dropped rather than wrapping rows. The
caption says what every mark in the table means.
"""

from __future__ import annotations

import io
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from finefake.benchmarks.cells import (
    DEGENERATE_MARK,
    FLAT_MARK,
    METRIC_HEADERS,
    REFERENCE_ROW,
    _cell_from,
    format_cell,
    table_notes,
    variance_caption,
)

#: The width the tables are made to fit when the caller does not say (a terminal's default).
DEFAULT_WIDTH = 80
DELTA_HEADER = "Δ ref"
DELTA_NOTE = f"{DELTA_HEADER}: accuracy minus the majority reference's, in points."


def _sides(setting: dict[str, Any]) -> tuple[str, str]:
    """Source and target as the tables name them (the two sides of the setting's name)."""
    source, _, target = str(setting["name"]).partition(" -> ")
    return (source, target) if target else (str(setting.get("source")), str(setting.get("target")))


def is_adaptation(results: dict[str, Any]) -> bool:
    """Whether a results.json is a domain-adaptation task (settings with a source and a target domain).

    Decided by the task's kind, not by the setting's name: an imported dataset's official split is named
    "official" and is still one classification setting.
    """
    if "kind" in results:
        return results["kind"] == "domain_adaptation"
    settings = [s for s in results["settings"] if not s.get("skipped")]
    return any(s.get("source", "all") != "all" or s.get("target", "all") != "all" for s in settings)


def _delta(summary: dict[str, Any] | None, reference: dict[str, float]) -> str:
    if not summary or "accuracy" not in reference:
        return "n/a"
    return f"{100 * (summary['metrics']['accuracy']['mean'] - reference['accuracy']):+.2f}"


def _aligned(text: str) -> str:
    """A cell without a mark, padded to line up with the marked cells of its right-aligned column."""
    return text if text.endswith((DEGENERATE_MARK, FLAT_MARK)) or text == "n/a" else text + "  "


def _compact(text: str) -> str:
    return text.replace(" ± ", "±")


def terminal_table(results: dict[str, Any], width: int = DEFAULT_WIDTH) -> Table:
    """One task's ``results.json`` as a rich Table at most ``width`` columns wide: one row per model
    (classification) or per model x setting (adaptation), the majority reference last, the number of seeds and
    the meaning of every mark in the caption."""
    metrics = list(results["metrics"])
    rows = {(r["model"], r["setting"]): r for r in results["results"]}
    settings = [s for s in results["settings"] if not s.get("skipped")]
    adaptation = is_adaptation(results)
    names = [*results["models"], REFERENCE_ROW]

    def row(model: str, setting: dict[str, Any]) -> tuple[list[str], str]:
        reference = setting.get("majority_reference") or {}
        if model == REFERENCE_ROW:
            return [_aligned(f"{100 * reference[m]:.2f}") if m in reference else "n/a" for m in metrics], ""
        summary = rows.get((model, setting["name"]))
        return [_aligned(format_cell(summary, m)) for m in metrics], _delta(summary, reference)

    cells_used = [c for r in results["results"] for m in metrics if (c := _cell_from(r, m)) is not None]
    notes = table_notes(cells_used, True, False, "weighted_f1" in metrics)
    if adaptation:
        notes.append(DELTA_NOTE)
    split = [s["name"] for s in settings if not adaptation and s["name"] != "all"]
    caption = variance_caption(results["results"], metrics) + (f"; split: {split[0]}" if split else "")
    caption += ". " + " ".join(notes)
    if results.get("left_out"):
        caption += " Not shown: " + "; ".join(results["left_out"]) + "."
    skipped = [s for s in results["settings"] if s.get("skipped")]
    if skipped:  # as table.md says it: a run with nothing to show says why (LIAR v1.0 has no dates)
        caption += " Skipped: " + "; ".join(f"{s['name']} ({s['skipped']})" for s in skipped) + "."
    headers = ["model", *(("source", "target") if adaptation else ()), *(METRIC_HEADERS[m] for m in metrics)]
    if adaptation:
        headers.append(DELTA_HEADER)

    def build(compact: bool, stacked: bool) -> Table:
        """``compact``: no spaces around ±. ``stacked`` (adaptation): the setting's name as a row of its
        own above its models' rows instead of source and target columns."""
        table = Table(
            # Text that wraps at words even on a soft-wrapping console (the CLI's: rows must not be broken)
            title=Text(
                f"{results['task']}: {results['description']} (percent)", no_wrap=False, overflow="fold"
            ),
            caption=Text(caption, no_wrap=False, overflow="fold"),
            title_justify="left",
            caption_justify="left",
            box=box.SIMPLE_HEAD,  # no vertical rules: the numbers keep the width
            pad_edge=False,
            padding=(0, 1, 0, 0),
            collapse_padding=True,
        )
        shown = [h for k, h in enumerate(headers) if not (stacked and k in (1, 2))]
        for k, header in enumerate(shown):
            if k == 0:
                table.add_column(header, min_width=min(max(map(len, names)), 24), overflow="fold")
            elif adaptation and not stacked and k in (1, 2):
                table.add_column(header, overflow="fold")
            else:
                table.add_column(header, justify="right", no_wrap=True)

        def add(model: str, setting: dict[str, Any]) -> None:
            cells, delta = row(model, setting)
            sides = list(_sides(setting)) if adaptation and not stacked else []
            values = [*sides, *cells, *([delta] if adaptation else [])]
            table.add_row(model, *[_compact(c) if compact else c for c in values])

        if not adaptation:
            for model in names:
                add(model, settings[0] if settings else {"name": "all"})
        elif stacked:  # one block per setting: its name, then every model and the reference
            for k, setting in enumerate(settings):
                table.add_row(f"[bold]{setting['name']}[/]", *[""] * (len(shown) - 1))
                for model in names:
                    add(model, setting)
                if k + 1 < len(settings):
                    table.add_section()
        else:  # one block per model, as the paper's rows
            for k, model in enumerate(names):
                for setting in settings:
                    add(model, setting)
                if k + 1 < len(names):
                    table.add_section()
        return table

    for compact, stacked in ((False, False), (True, False), (True, True)):
        table = build(compact, stacked and adaptation)
        if _natural_width(table) <= width:
            break
    return table


def _natural_width(table: Table) -> int:
    """How wide ``table`` renders when nothing constrains it."""
    console = Console(width=1000, file=io.StringIO(), color_system=None)
    return console.measure(table).maximum
