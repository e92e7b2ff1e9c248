"""Which modalities the items of a dataset actually have, said at import, bench and report time.

An import can hold far less than its release name suggests: FakeNewsNet's CSVs carry titles only until
``--crawl`` fetches the articles, MediaEval without ``--images`` is text only, Fakeddit's text is its title.
A number measured on such items is not comparable to a paper's number measured on full text and images, so
every step states the modalities, and published rows are matched against them
(:func:`finefake.benchmarks.published.select_published`).

Modalities of one record: ``text`` (a body that is not just the title), ``title`` (a title and no other
text), ``image`` (at least one stored image). A dataset *has* a modality when most of its items have it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

MODALITIES = ("text", "title", "image")


def record_modalities(record: Mapping[str, Any]) -> list[str]:
    """The modalities of one record (see the module docstring)."""
    text = (record.get("text") or "").strip()
    title = (record.get("title") or "").strip()
    found = []
    if text and text != title:
        found.append("text")
    elif title or text:
        found.append("title")
    if record.get("images"):
        found.append("image")
    return found


def count_modalities(records: Iterable[Mapping[str, Any]]) -> tuple[Counter, int]:
    """(items per modality, number of items)."""
    counts: Counter = Counter()
    total = 0
    for record in records:
        total += 1
        counts.update(record_modalities(record))
    return counts, total


def present(counts: Mapping[str, int], total: int) -> list[str]:
    """The modalities most items have (in :data:`MODALITIES` order)."""
    return [m for m in MODALITIES if total and counts.get(m, 0) * 2 > total]


def describe(counts: Mapping[str, int], total: int) -> str:
    """One line: the items with full text, with a title only, with an image; and what a benchmark uses."""
    text, title, image = (counts.get(m, 0) for m in MODALITIES)
    has = present(counts, total)
    if "text" in has:
        kind = "text"
    elif "title" in has:
        kind = "titles only"
    else:
        kind = "no text"
    kind += " and images" if "image" in has else ", no images" if not image else " (images on a minority)"
    return (
        f"modalities: text {text} of {total}, title only {title}, image {image} of {total} "
        f"-> benchmarks on {kind}"
    )


def inputs_of(records: Iterable[Mapping[str, Any]], conditions: Mapping[str, str] | None = None) -> dict:
    """What a benchmark run is measured on: modalities present (with counts) and the import's conditions
    (``subset``, ``label_mapping``, as the importer wrote them into ``records/import_report.json``)."""
    counts, total = count_modalities(records)
    return {
        "modalities": present(counts, total),
        "modality_counts": {m: counts.get(m, 0) for m in MODALITIES},
        "items": total,
        **dict(conditions or {}),
    }
