"""The papers' published numbers, to print beside ours when dataset, task and setting match.

The values are data (``finefake/data/published_results.yaml``), copied from: FineFake (Zhou et al., 2024)
Tables 4 and 5, MMFND's Table 1 (Twitter), COOLANT's Table 1 (Twitter, Wang et al., 2023), LIAR's Table 2
(Wang, 2017) and FakeNewsNet's baseline table (PolitiFact accuracy, Shu et al., 2018), each value with where
it was confirmed (a YAML comment; values that could not be confirmed are left out). A number we measure and a number a paper reports are never mixed in one cell: reports show the
papers' values as separate "paper" rows, with their source, in the paper's own metrics.

Each table says what it was measured on (``measured_on``: modalities, subset, label mapping). A run states
the same of itself (``finefake.dataset.modalities.inputs_of``); :func:`select_published` decides, row by row,
whether the two are comparable, and a row that is not is listed with the differences instead of beside the
run's numbers (a text-only run on MediaEval with humor counted as fake is not comparable to COOLANT's
multimodal numbers on the 2015 edition without humor tweets).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
    measured_on: dict = field(default_factory=dict)


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
                        dict(table.get("measured_on") or {}),
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


def describe_measured_on(measured_on: Mapping) -> str:
    """``text+image; MediaEval 2015 without humor tweets; labels fake/real`` (what is known of it)."""
    parts = []
    if measured_on.get("modalities") is not None:
        parts.append("+".join(measured_on["modalities"]) or "no text or image")
    if measured_on.get("subset"):
        parts.append(str(measured_on["subset"]))
    if measured_on.get("label_mapping"):
        parts.append(f"labels {measured_on['label_mapping']}")
    return "; ".join(parts) or "not stated"


def mismatches(paper: Mapping, run: Mapping | None) -> list[str]:
    """How what a paper measured on differs from what a run is measured on ([] when comparable or unknown).

    A modality the paper used that most of the run's items lack is a mismatch (a paper on full text against
    a run on titles only, a multimodal paper against items without images); so is a different subset or
    label mapping where both state one.
    """
    if not run:
        return []
    out = []
    want, have = paper.get("modalities"), run.get("modalities")
    if want is not None and have is not None:
        missing = [m for m in want if m not in have]
        if missing:
            out.append(
                f"modalities: paper {'+'.join(want)}, this run {'+'.join(have) or 'none'} "
                f"(lacks {', '.join(missing)})"
            )
    for key, name in (("subset", "subset"), ("label_mapping", "labels")):
        if paper.get(key) and run.get(key) and paper[key] != run[key]:
            out.append(f"{name}: paper {paper[key]}, this run {run[key]}")
    return out


@dataclass(frozen=True)
class Published:
    """A published row and whether it is comparable with the run it would be shown beside."""

    row: PaperRow
    mismatches: tuple[str, ...]

    @property
    def comparable(self) -> bool:
        return not self.mismatches

    def as_dict(self) -> dict:
        return {
            "source": self.row.source,
            "setting": self.row.setting,
            "model": self.row.model,
            "measured_on": describe_measured_on(self.row.measured_on),
            "comparable": self.comparable,
            "mismatches": list(self.mismatches),
        }


def select_published(
    dataset: str, task: str, settings: Sequence[str], measured_on: Mapping | None = None
) -> list[Published]:
    """Every published row of these settings, each with its mismatches against ``measured_on`` (the run's
    :func:`finefake.dataset.modalities.inputs_of`; None: unknown, every row counts as comparable)."""
    return [
        Published(row, tuple(mismatches(row.measured_on, measured_on)))
        for setting in settings
        for row in paper_rows(dataset, task, setting)
    ]


def paper_markdown(
    dataset: str, task: str, settings: Sequence[str], measured_on: Mapping | None = None
) -> str:
    """A Markdown block of the published rows for these settings ('' when no paper reports them).

    One table per paper source and setting, in that paper's metrics (percent, as our tables), headed by what
    the paper measured on. Rows not comparable with ``measured_on`` are not tabled: one line per source
    names them and says what differs.
    """
    blocks, apart = [], []
    by_source: dict[tuple[str, str], list[Published]] = {}
    for published in select_published(dataset, task, settings, measured_on):
        by_source.setdefault((published.row.setting, published.row.source), []).append(published)
    for (setting, source), found in by_source.items():
        rows = [p.row for p in found if p.comparable]
        if len(rows) < len(found):
            models = ", ".join(p.row.model for p in found if not p.comparable)
            differs = "; ".join(dict.fromkeys(m for p in found for m in p.mismatches))
            apart.append(f"- {source}, setting {setting} ({models}): not comparable with this run: {differs}")
        if not rows:
            continue
        metrics = list(rows[0].metrics)
        head = ["Model (paper)"] + [METRIC_LABELS.get(m, m) for m in metrics]
        note = rows[0].measured_on.get("note")
        on = describe_measured_on(rows[0].measured_on) + (f"; {note}" if note else "")
        lines = [
            f"*paper: {source}, setting {setting}; measured on {on}*",
            "",
            "| " + " | ".join(head) + " |",
        ]
        lines.append("|" + "|".join([" --- "] + [" ---: "] * len(metrics)) + "|")
        for row in rows:
            cells = [f"{100 * row.metrics[m]:.1f}" for m in metrics]
            lines.append("| " + " | ".join([f"paper: {row.model}", *cells]) + " |")
        blocks.append("\n".join(lines))
    if apart:
        ours = describe_measured_on(measured_on or {})
        blocks.append(f"Published rows left out (this run: {ours}):\n\n" + "\n".join(apart))
    return ("\n**Published numbers (not measured here)**\n\n" + "\n\n".join(blocks) + "\n") if blocks else ""
