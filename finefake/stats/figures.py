"""Figures of the dataset analysis (matplotlib, Agg backend; one function per figure).

Every figure is written as PNG (embedded in the report) with an SVG and a PDF of the same name beside it
(``save_figure``), for papers. Real items are always blue and fake ones red (the fine-grained fake classes in
shades of red/orange), count labels sit inside the axes' margin and tick labels never overlap.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

_REAL, _FAKE = "#2b7bba", "#d7301f"
#: The fine-grained classes that are fake (every class but "real"): warm colours, ordered like the classes.
_FAKE_SHADES = ("#d7301f", "#fc8d59", "#b30000", "#e34a33", "#fdbb84", "#7f0000", "#ef6548", "#990000")
#: Vector formats written beside every PNG.
VECTOR_FORMATS = ("svg", "pdf")


def _plt():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig: Any, path: Path, *, dpi: int = 150, **options: Any) -> Path:
    """Write ``fig`` as ``path`` (PNG) and as SVG and PDF beside it; close it; return the PNG's path."""
    import matplotlib

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, **options)
    # Text stays text in the SVG (editable and searchable); the PDF embeds its fonts.
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "finefake", "pdf.fonttype": 42}):
        for suffix in VECTOR_FORMATS:
            metadata = {"Date": None} if suffix == "svg" else {"CreationDate": None}
            fig.savefig(path.with_suffix(f".{suffix}"), metadata=metadata, **options)
    _plt().close(fig)
    return path


def _save(fig: Any, path: Path, *, layout: bool = True) -> Path:
    if layout:
        fig.tight_layout()
    return save_figure(fig, path)


def _grid(n: int) -> tuple[int, int]:
    cols = 3 if n > 4 else max(1, n)
    return (n + cols - 1) // cols, cols


def top_words(top: dict[str, list[tuple[str, int, float]]], path: Path) -> Path:
    """Per domain, a horizontal bar chart of its most distinctive words (z-score; the count beside each bar)."""
    plt = _plt()
    rows, cols = _grid(len(top))
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.4 * rows), squeeze=False)
    for ax, (domain, words) in zip(axes.flat, top.items(), strict=False):
        names = [w[0] for w in words][::-1]
        scores = [w[2] for w in words][::-1]
        bars = ax.barh(names, scores, color="#4c72b0")
        for bar, (_, count, _) in zip(bars, words[::-1], strict=True):
            ax.annotate(
                f" {count}", (bar.get_width(), bar.get_y() + bar.get_height() / 2), va="center", fontsize=7
            )
        ax.set_title(domain)
        ax.set_xlabel("z-score vs other topics", fontsize=8)
        ax.margins(x=0.15)
        ax.tick_params(axis="y", labelsize=8)
    for ax in list(axes.flat)[len(top) :]:
        ax.axis("off")
    fig.suptitle("Words that distinguish each topic (count beside each bar)")
    return _save(fig, path)


def emotion(scores: dict[str, dict[str, dict[str, float]]], emotions: list[str], path: Path) -> Path:
    """Per domain, the mean emotion scores of real and of fake items side by side, on one shared scale."""
    import numpy as np

    plt = _plt()
    rows, cols = _grid(len(scores))
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.4 * rows + 0.4), squeeze=False, sharey=True)
    x = np.arange(len(emotions))
    for ax, (domain, by_label) in zip(axes.flat, scores.items(), strict=False):
        for offset, (name, colour) in ((-0.2, ("real", _REAL)), (0.2, ("fake", _FAKE))):
            values = [by_label.get(name, {}).get(e, 0.0) for e in emotions]
            ax.bar(x + offset, values, width=0.4, color=colour, label=name)
        ax.set_xticks(x, emotions, rotation=45, ha="right", fontsize=8)
        ax.set_title(domain)
    for row in axes:
        row[0].set_ylabel("mean emotion score")
    for ax in list(axes.flat)[len(scores) :]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.suptitle("Emotion tendency per domain: real vs fake")
    fig.tight_layout(rect=(0, 0, 1, 0.95))
    fig.legend(handles, labels, loc="upper right", ncol=2, frameon=False)
    return _save(fig, path, layout=False)


def proportions(counts: dict[str, int], title: str, path: Path, *, fake_classes: bool = False) -> Path:
    """A bar chart of shares (with counts on the bars). With ``fake_classes`` the bars are label classes:
    "real" in the real colour, every other class in a shade of the fake colour."""
    plt = _plt()
    total = sum(counts.values()) or 1
    fig, ax = plt.subplots(figsize=(7, 3.6))
    names = list(counts)
    shares = [counts[n] / total for n in names]
    fakes = iter(_FAKE_SHADES * 2)
    colours = [_REAL if n == "real" else next(fakes) if fake_classes else "#55a868" for n in names]
    bars = ax.bar(names, shares, color=colours)
    for bar, name in zip(bars, names, strict=True):
        ax.annotate(
            str(counts[name]),
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize=8,
        )
    ax.set_ylim(0, max(shares, default=0) * 1.15 or 1)  # room for the top bar's count inside the axes
    ax.set_ylabel("share of items")
    ax.set_title(title)
    rotate = len(names) > 4 or max(map(len, names), default=0) > 10
    ax.set_xticks(range(len(names)), names, rotation=35 if rotate else 0, ha="right" if rotate else "center")
    ax.tick_params(axis="x", labelsize=8)
    return _save(fig, path)


def entity_counts(dist: dict[str, dict[int, int]], path: Path) -> Path:
    """Distribution of the number of linked entities per item, real vs fake (shares within each label)."""
    import numpy as np

    plt = _plt()
    top = max((k for d in dist.values() for k in d), default=0)
    x = np.arange(top + 1)
    fig, ax = plt.subplots(figsize=(7, 3.6))
    for offset, (name, colour) in ((-0.2, ("real", _REAL)), (0.2, ("fake", _FAKE))):
        counts = dist.get(name, {})
        total = sum(counts.values()) or 1
        ax.bar(x + offset, [counts.get(int(k), 0) / total for k in x], width=0.4, color=colour, label=name)
    ax.set_xlabel("entities per item")
    ax.set_ylabel("share of items")
    ax.set_xticks(x)
    ax.legend()
    ax.set_title("Entity counts: real vs fake")
    return _save(fig, path)


def top_entities(entities: list[tuple[str, int]], path: Path) -> Path:
    """The most frequently linked entities."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(7, 0.3 * max(len(entities), 4) + 1))
    ax.barh([n for n, _ in entities][::-1], [c for _, c in entities][::-1], color="#8172b2")
    ax.set_xlabel("items mentioning the entity")
    ax.set_title("Most frequent entities")
    ax.tick_params(axis="y", labelsize=8)
    return _save(fig, path)
