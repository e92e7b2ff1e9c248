"""Agreement reports: JSON (machine-readable), Markdown and HTML (readable), and heatmaps of pairwise kappas."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

from finefake.workspace import atomic_write_json, atomic_write_text


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def heatmap(summary: dict[str, Any], title: str, path: str | Path) -> Path:
    """A heatmap of one scope's pairwise Cohen kappas (PNG, with SVG and PDF beside it).

    The colour scale is viridis (readable with every common colour-vision deficiency and in grey) stretched
    over the range of the kappas shown, so 0.48 and 0.83 look different; the diagonal (an annotator with
    themself, always 1) is masked grey, and undefined pairs are blank and marked n/a.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from finefake.stats.figures import save_figure

    names = summary["annotators"]
    values = np.array(
        [[np.nan if v is None else v for v in row] for row in summary["cohen_pairwise"]], dtype=float
    )
    off = values.copy()
    np.fill_diagonal(off, np.nan)
    finite = off[np.isfinite(off)]
    low, high = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 1.0)
    if high - low < 0.05:
        low, high = low - 0.025, high + 0.025
    size = max(3.5, 0.8 * len(names) + 2)
    fig, ax = plt.subplots(figsize=(size + 1, size), layout="constrained")
    cmap = plt.get_cmap("viridis").with_extremes(bad="#e0e0e0")
    image = ax.imshow(np.ma.masked_invalid(off), vmin=low, vmax=high, cmap=cmap)
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
    ax.set_yticks(range(len(names)), names)
    for i in range(len(names)):
        for j in range(len(names)):
            value = summary["cohen_pairwise"][i][j]
            if i == j:
                ax.text(j, i, "—", ha="center", va="center", fontsize=9, color="#555555")
                continue
            # viridis is dark at its low end: white numbers there, black on the light upper half
            light = value is not None and (value - low) / (high - low) > 0.55
            colour = "black" if light or value is None else "white"
            ax.text(j, i, _fmt(value), ha="center", va="center", fontsize=9, color=colour)
    ax.set_title(title)
    fig.colorbar(image, ax=ax, label="Cohen's kappa (range of the pairs shown)", shrink=0.8)
    return save_figure(fig, Path(path), dpi=150)


def _rows(report: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (kind, scope, summary)
        for kind, scopes in report["labels"].items()
        for scope, summary in scopes.items()
    ]


def markdown(report: dict[str, Any], images: dict[str, str]) -> str:
    """The report as Markdown: one table of all scopes, the pairwise matrices, notes."""
    lines = [
        "# Inter-annotator agreement",
        "",
        f"{report['n_items']} items, annotators: {', '.join(report['annotators']) or '(none)'}",
        "",
        "| labels | scope | items | Cohen mean | Fleiss kappa | Krippendorff alpha | % agreement |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for kind, scope, s in _rows(report):
        lines.append(
            f"| {kind} | {scope} | {s['n_items']} | {_fmt(s['cohen_mean'])} | {_fmt(s['fleiss_kappa'])} "
            f"| {_fmt(s['krippendorff_alpha'])} | {_fmt(s['percent_agreement'])} |"
        )
    for kind, scopes in report["labels"].items():
        overall = scopes["overall"]
        names = overall["annotators"]
        lines += ["", f"## Pairwise Cohen's kappa, {kind} labels (overall)", ""]
        if kind in images:
            lines += [f"![pairwise kappa, {kind}]({images[kind]})", ""]
        lines += ["| | " + " | ".join(names) + " |", "| --- |" + " ---: |" * len(names)]
        for name, row in zip(names, overall["cohen_pairwise"], strict=True):
            lines.append(f"| {name} | " + " | ".join(_fmt(v) for v in row) + " |")
    notes = [(kind, scope, note) for kind, scope, s in _rows(report) for note in s["notes"]]
    if notes:
        lines += ["", "## Notes (why some values are n/a)", ""]
        lines += [f"- {kind} / {scope}: {note}" for kind, scope, note in notes]
    return "\n".join(lines) + "\n"


def html_page(report: dict[str, Any], images: dict[str, str]) -> str:
    """The report as a standalone HTML page (images referenced next to it)."""
    esc = html.escape
    rows = "".join(
        f"<tr><td>{esc(kind)}</td><td>{esc(scope)}</td><td>{s['n_items']}</td><td>{_fmt(s['cohen_mean'])}</td>"
        f"<td>{_fmt(s['fleiss_kappa'])}</td><td>{_fmt(s['krippendorff_alpha'])}</td>"
        f"<td>{_fmt(s['percent_agreement'])}</td></tr>"
        for kind, scope, s in _rows(report)
    )
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'><title>Inter-annotator agreement</title>",
        "<style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}"
        "td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}td:nth-child(-n+2){text-align:left}</style>",
        "</head><body><h1>Inter-annotator agreement</h1>",
        f"<p>{report['n_items']} items; annotators: {esc(', '.join(report['annotators']) or '(none)')}</p>",
        "<table><tr><th>labels</th><th>scope</th><th>items</th><th>Cohen mean</th><th>Fleiss kappa</th>"
        f"<th>Krippendorff alpha</th><th>% agreement</th></tr>{rows}</table>",
    ]
    for kind, src in images.items():
        parts.append(
            f"<h2>Pairwise Cohen's kappa, {esc(kind)} labels</h2><img src='{esc(src)}' alt='{esc(kind)}'>"
        )
    notes = [(kind, scope, note) for kind, scope, s in _rows(report) for note in s["notes"]]
    if notes:
        parts.append(
            "<h2>Notes</h2><ul>"
            + "".join(f"<li>{esc(kind)} / {esc(scope)}: {esc(note)}</li>" for kind, scope, note in notes)
            + "</ul>"
        )
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"


def write_reports(report: dict[str, Any], out_dir: str | Path) -> dict[str, Path]:
    """Write agreement.json, agreement.md, agreement.html and one heatmap PNG per label kind."""
    out = Path(out_dir)
    images: dict[str, str] = {}
    paths: dict[str, Path] = {}
    for kind, scopes in report["labels"].items():
        overall = scopes["overall"]
        if overall["annotators"]:
            name = f"kappa_heatmap_{kind}.png"
            paths[f"heatmap_{kind}"] = heatmap(overall, f"Pairwise Cohen's kappa ({kind})", out / name)
            images[kind] = name
    paths["json"] = atomic_write_json(out / "agreement.json", report)
    paths["markdown"] = atomic_write_text(out / "agreement.md", markdown(report, images))
    paths["html"] = atomic_write_text(out / "agreement.html", html_page(report, images))
    return paths
