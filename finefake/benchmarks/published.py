"""The papers' published numbers, to print beside ours when dataset, task and setting match.

The values are data (``finefake/data/published_results.yaml``), copied from: FineFake (Zhou et al., 2024)
Tables 4 and 5, MMFND's Table 1 (Twitter) and COOLANT's Table 1 (Twitter, Wang et al., 2023). A number we
measure and a number a paper reports are never mixed in one cell: reports show the papers' values as separate
"paper" rows, with their source, in the paper's own metrics.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

METRIC_LABELS: dict[str, str] = {
    "accuracy": "Acc",
    "macro_precision": "Prec",
    "macro_recall": "Rec",
    "macro_f1": "F1",
    "weighted_f1": "wF1",
    "precision_fake": "Prec fake",
    "recall_fake": "Rec fake",
    "f1_fake": "F1 fake",
    "precision_real": "Prec real",
    "recall_real": "Rec real",
    "f1_real": "F1 real",
}


@dataclass(frozen=True)
class PaperRow:
    """One model's published numbers on one (dataset, task, setting), with where they come from."""

    source: str
    dataset: str
    task: str
    setting: str
    model: str
    metrics: dict[str, float]


@cache
def published_rows() -> tuple[PaperRow, ...]:
    """Every published row of the table file."""
    text = resources.files("finefake.data").joinpath("published_results.yaml").read_text(encoding="utf-8")
    rows = []
    for table in yaml.safe_load(text)["tables"]:
        metrics = list(table["metrics"])
        for setting, models in table["settings"].items():
            for model, values in models.items():
                if len(values) != len(metrics):
                    raise ValueError(
                        f"published_results.yaml: {table['source']} {setting} {model}: bad length"
                    )
                rows.append(
                    PaperRow(
                        table["source"],
                        table["dataset"],
                        table["task"],
                        str(setting),
                        str(model),
                        dict(zip(metrics, map(float, values), strict=True)),
                    )
                )
    return tuple(rows)


def paper_rows(dataset: str, task: str, setting: str | None = None) -> list[PaperRow]:
    """The published rows of a (dataset, task), optionally of one setting."""
    return [
        r
        for r in published_rows()
        if r.dataset == dataset and r.task == task and (setting is None or r.setting == setting)
    ]


def paper_row(dataset: str, task: str, model: str, setting: str) -> list[PaperRow]:
    """The "paper" row(s) of one model (case-insensitive name), one per paper that reports it."""
    key = model.lower()
    return [r for r in paper_rows(dataset, task, setting) if r.model.lower() == key]


def paper_markdown(dataset: str, task: str, settings: Sequence[str]) -> str:
    """A Markdown block of the published rows for these settings ('' when no paper reports them).

    One table per paper source and setting, in that paper's metrics (percent, as our tables).
    """
    blocks = []
    for setting in settings:
        by_source: dict[str, list[PaperRow]] = {}
        for row in paper_rows(dataset, task, setting):
            by_source.setdefault(row.source, []).append(row)
        for source, rows in by_source.items():
            metrics = list(rows[0].metrics)
            head = ["Model (paper)"] + [METRIC_LABELS.get(m, m) for m in metrics]
            lines = [f"*paper: {source}, setting {setting}*", "", "| " + " | ".join(head) + " |"]
            lines.append("|" + "|".join([" --- "] + [" ---: "] * len(metrics)) + "|")
            for row in rows:
                cells = [f"{100 * row.metrics[m]:.1f}" for m in metrics]
                lines.append("| " + " | ".join([f"paper: {row.model}", *cells]) + " |")
            blocks.append("\n".join(lines))
    return ("\n**Published numbers (not measured here)**\n\n" + "\n\n".join(blocks) + "\n") if blocks else ""
