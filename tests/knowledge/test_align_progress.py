"""Aligning moves its progress bar per item as the linker takes the texts, not a chunk at a time."""

from __future__ import annotations

from finefake.knowledge.aligner import AlignConfig, align


def test_aligning_advances_per_item(make_ws, local_linker, monkeypatch, progress_steps):
    texts = [f"Barack Obama met Angela Merkel in Berlin on day {i}." for i in range(7)]
    ws = make_ws(texts)
    steps = progress_steps
    report = align(ws, AlignConfig(chunk_size=3), linker=local_linker)
    assert report.items_aligned == 7
    assert sum(steps) == 7
    assert steps == [1] * 7  # one step per item, where a chunk-sized step (3, 3, 1) used to be
