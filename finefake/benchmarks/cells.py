"""The numbers of a benchmark table: a result cell (mean ± std over model seeds and over splits), the summary
of a model's runs, the majority reference, and the marks and notes that say how to read them.

Every view of the results (the Markdown and LaTeX tables, the figures, the terminal tables, the HTML report)
reads its cells through these, so a dagger or a bold means the same everywhere. They are apart from
:mod:`finefake.benchmarks.reports` (which writes the files) so that the views can share them without
importing each other.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import numpy as np

from finefake.benchmarks.metrics import classification_report
from finefake.benchmarks.tasks import TaskSpec

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


def _cell_from(summary: dict[str, Any] | None, metric: str) -> Cell | None:
    if not summary:
        return None
    stats = summary["metrics"][metric]
    return Cell(
        stats["mean"], stats["std"], stats["n"], summary.get("degenerate_runs", 0) > 0, stats.get("std_split")
    )
