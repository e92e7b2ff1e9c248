"""The report's shift section: cross-dataset and temporal tasks, each shifted setting beside its in-domain one.

Self-contained on purpose: it reads only the ``shift_comparison`` rows the benchmark wrote into each task's
``results.json`` (``finefake.benchmarks.drops``), so the rest of the report renders tasks as it likes.
"""

from __future__ import annotations

from typing import Any

from finefake.report.html import esc

SHOWN = ("accuracy", "macro_f1")


def shift_section(results: list[dict[str, Any]]) -> str | None:
    """One table per task with shifted settings: model, setting, in-domain and shifted accuracy and macro F1
    (percent) and the drop; the label mappings, inputs, test items and cut dates under it."""
    parts = []
    for result in results:
        rows = result.get("shift_comparison") or []
        if not rows:
            continue
        head = "".join(f"<th>{esc(m)} in-domain</th><th>{esc(m)} shifted</th><th>drop</th>" for m in SHOWN)
        body = []
        for row in rows:
            cells = []
            for metric in SHOWN:
                value = row.get("metrics", {}).get(metric)
                cells += (
                    [
                        f"{100 * value['in_domain']:.2f}",
                        f"{100 * value['shifted']:.2f}",
                        f"{100 * value['drop']:+.2f}",
                    ]
                    if value
                    else ["n/a"] * 3
                )
            mark = " †" if row.get("degenerate") else ""
            body.append(
                f"<tr><td>{esc(row['model'])}{mark}</td><td>{esc(row['setting'])}</td>"
                f"<td>{esc(row['in_domain_setting'])}</td>"
                + "".join(f"<td>{esc(c)}</td>" for c in cells)
                + "</tr>"
            )
        notes = []
        first = rows[0]
        for key, label in (("label_mapping", "labels"), ("inputs", "inputs"), ("test_items", "test items"),
                           ("cut_dates", "cut dates"), ("periods", "periods"), ("cut_by", "cut by")):  # fmt: skip
            if key in first:
                value = first[key]
                text = "; ".join(f"{k}: {v}" for k, v in value.items()) if isinstance(value, dict) else value
                notes.append(f"{label}: {text if not isinstance(text, list) else ', '.join(map(str, text))}")
        parts.append(
            f"<h3>{esc(result.get('task'))}</h3><table><tr><th>model</th><th>setting</th><th>in-domain setting</th>"
            f"{head}</tr>{''.join(body)}</table>" + "".join(f'<p class="muted">{esc(n)}</p>' for n in notes)
        )
    if not parts:
        return None
    intro = (
        "<p>Each shifted setting tests on the same items as its in-domain reference (cross-dataset: the test "
        "dataset's test split; temporal: the same dated items, cut at random). Drop = in-domain minus shifted, "
        "in points; † marks a degenerate run (one predicted class).</p>"
    )
    return intro + "".join(parts)
