"""The drop under a shift: each shifted setting (cross-dataset, temporal) beside its in-domain reference.

Cross-dataset and temporal tasks carry two kinds of settings: the shifted one names its in-domain reference
in ``compare_with`` (``finefake.benchmarks.cross``, ``finefake.benchmarks.temporal``), and both test on
comparable items. Here each model's mean metric on both is put side by side with the difference, into the
task's ``results.json`` (``shift_comparison``) and under its Markdown table, and the report shows the same
rows, so the drop is read, not computed by the reader.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from finefake.workspace import atomic_write_json, atomic_write_text

#: What the comparison shows of the shifted setting's details.
DETAIL_KEYS = (
    "label_mapping",
    "inputs",
    "test_items",
    "train_split",
    "cut_dates",
    "periods",
    "undated",
    "cut_by",
)


def _mean(row: dict[str, Any] | None, metric: str) -> float | None:
    value = ((row or {}).get("metrics") or {}).get(metric)
    if isinstance(value, dict):
        value = value.get("mean")
    return float(value) if isinstance(value, (int, float)) else None


def shift_comparison(results: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per (shifted setting, model): in-domain and shifted means per metric and the drop
    (in-domain minus shifted; positive = worse under the shift). Degenerate runs are marked."""
    rows = {(r["model"], r["setting"]): r for r in results.get("results", [])}
    out = []
    for setting in results.get("settings", []):
        reference = setting.get("compare_with")
        if not reference or setting.get("skipped"):
            continue
        for model in results.get("models", []):
            shifted, home = rows.get((model, setting["name"])), rows.get((model, reference))
            if shifted is None or home is None:
                continue
            metrics = {}
            for metric in results.get("metrics", []):
                a, b = _mean(home, metric), _mean(shifted, metric)
                if a is not None and b is not None:
                    metrics[metric] = {"in_domain": a, "shifted": b, "drop": a - b}
            out.append(
                {
                    "setting": setting["name"],
                    "in_domain_setting": reference,
                    "shift": setting.get("shift"),
                    "model": model,
                    "metrics": metrics,
                    "degenerate": bool(shifted.get("degenerate_runs") or home.get("degenerate_runs")),
                    **{k: setting[k] for k in DETAIL_KEYS if k in setting},
                }
            )
    return out


def comparison_markdown(rows: list[dict[str, Any]], metrics: list[str]) -> str:
    """The rows as a Markdown table (percent; † = a degenerate run on either side)."""
    if not rows:
        return ""
    head = (
        "| model | setting | " + " | ".join(f"{m} in-domain | {m} shifted | {m} drop" for m in metrics) + " |"
    )
    lines = ["", "Drop under the shift (in-domain minus shifted, points; † = a degenerate run):", "", head]
    lines.append("|" + "---|" * (2 + 3 * len(metrics)))
    for row in rows:
        cells = []
        for m in metrics:
            v = row["metrics"].get(m)
            cells += (
                [f"{100 * v['in_domain']:.2f}", f"{100 * v['shifted']:.2f}", f"{100 * v['drop']:+.2f}"]
                if v
                else ["n/a"] * 3
            )
        mark = " †" if row["degenerate"] else ""
        lines.append(f"| {row['model']}{mark} | {row['setting']} | " + " | ".join(cells) + " |")
    notes = {json.dumps(row["label_mapping"], sort_keys=True) for row in rows if "label_mapping" in row}
    for note in sorted(notes):
        lines.append("")
        lines.append("Label mapping: " + "; ".join(json.loads(note).values()))
    return "\n".join(lines) + "\n"


def add_shift_comparison(results_path: Path) -> list[dict[str, Any]]:
    """Add ``shift_comparison`` to a task's ``results.json`` and its rows under ``table.md`` (no-op for a
    task without shifted settings)."""
    results = json.loads(Path(results_path).read_text(encoding="utf-8"))
    rows = shift_comparison(results)
    if not rows:
        return rows
    results["shift_comparison"] = rows
    atomic_write_json(results_path, results)
    table = Path(results_path).parent / "table.md"
    if table.is_file():
        text = table.read_text(encoding="utf-8")
        atomic_write_text(table, text + comparison_markdown(rows, [m for m in results["metrics"][:2]]))
    return rows
