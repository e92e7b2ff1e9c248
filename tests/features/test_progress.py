"""Feature computation moves its progress bar per encoder batch (with an estimate), not per chunk, and the
chunked cache is still written a whole chunk at a time."""

from __future__ import annotations

import json

import numpy as np
import pytest

from finefake import console
from finefake.features import pipeline
from finefake.features.config import FeatureInput


def _items(n: int) -> list[FeatureInput]:
    return [
        FeatureInput(f"i{k}", f"Item {k} says the vaccine is safe.", None, None, [], [], None, [])
        for k in range(n)
    ]


@pytest.mark.parametrize("cached", [True, False])
def test_text_features_advance_per_batch(minilm, tmp_path, monkeypatch, cached, progress_steps):
    monkeypatch.setattr(pipeline, "TEXT_CHUNK", 4)
    steps = progress_steps
    items = _items(10)
    part = pipeline.encode_texts(minilm, items, batch_size=2, folder=tmp_path / "t" if cached else None)
    assert part.values.shape == (10, minilm.dim)
    assert sum(steps) == 10
    assert steps == [2] * 5  # batches of 2 in chunks of 4, 4, 2: five steps where there used to be three
    reference = minilm.encode([i.text for i in items], batch_size=2)
    np.testing.assert_allclose(part.values, reference, rtol=1e-5, atol=1e-6)


def test_a_killed_text_pass_still_resumes_from_whole_chunks(minilm, tmp_path, monkeypatch, progress_steps):
    monkeypatch.setattr(pipeline, "TEXT_CHUNK", 4)
    items = _items(10)
    calls = {"n": 0}
    original = minilm.encode

    def dies_in_the_second_chunk(texts, *, batch_size=32):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return original(texts, batch_size=batch_size)

    monkeypatch.setattr(minilm, "encode", dies_in_the_second_chunk)
    folder = tmp_path / "t"
    with pytest.raises(KeyboardInterrupt):
        pipeline.encode_texts(minilm, items, batch_size=2, folder=folder)
    assert json.loads((folder / "progress.json").read_text())["rows"] == 4
    monkeypatch.setattr(minilm, "encode", original)
    steps = progress_steps
    steps.clear()  # count from here
    part = pipeline.encode_texts(minilm, items, batch_size=2, folder=folder)
    assert sum(steps) == 6 and part.values.shape == (10, minilm.dim)


def test_ticking_and_reach_count_each_unit_once(monkeypatch, progress_steps):
    steps = progress_steps
    with console.counting("work", 5) as bar:
        assert list(console.ticking(range(3), bar.advance)) == [0, 1, 2]
        console.advance(1)
        bar.reach(5)
        bar.reach(5)
    console.advance(7)  # no bar open: nothing
    assert steps == [1, 1, 1, 1, 1]


def test_token_states_advance_per_batch(minilm, tmp_path, monkeypatch, progress_steps):
    from finefake.features import inputs
    from finefake.features.cache import FeatureCache
    from finefake.features.config import FeatureConfig

    monkeypatch.setattr(inputs, "ENCODE_CHUNK", 4)
    steps = progress_steps
    config = FeatureConfig(max_tokens=16, batch_size=2)
    arrays, _table, _key = inputs.text_group(FeatureCache(tmp_path), minilm, _items(10), "print", config)
    assert arrays["text_tokens"].shape[:2] == (10, 16)
    assert steps == [2] * 5  # per batch of 2 in chunks of 4, 4, 2


def test_image_features_advance_per_batch(lite0, tmp_path, monkeypatch, progress_steps):
    from finefake.workspace import Workspace

    monkeypatch.setattr(pipeline, "IMAGE_CHUNK", 4)
    steps = progress_steps
    part = pipeline.encode_images(Workspace(tmp_path / "ws"), lite0, _items(10), 2, folder=tmp_path / "i")
    assert not part.mask.any()  # none of these items has an image: each batch still counts
    assert steps == [2] * 5
