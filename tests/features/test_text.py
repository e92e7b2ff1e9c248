from __future__ import annotations

import numpy as np
import pytest

from finefake.features.registry import get_encoder


def _cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(a @ b / np.linalg.norm(a) / np.linalg.norm(b))


def test_minilm_gives_normalised_384d_vectors_that_track_meaning(minilm):
    texts = [
        "The senate passed the election bill after a long debate.",
        "Lawmakers in congress voted on the new campaign finance law.",
        "The bakery sells fresh croissants every morning.",
    ]
    vectors = minilm.encode(texts, batch_size=2)
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32 and minilm.dim == 384
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert _cos(vectors[0], vectors[1]) > _cos(vectors[0], vectors[2]) + 0.2
    np.testing.assert_allclose(minilm.encode(texts[:1]), vectors[:1], atol=1e-5)  # batch-independent


def test_bert_mean_pooling_ignores_padding(tiny_bert):
    encoder = get_encoder("bert", model=str(tiny_bert), max_length=64)
    short, long = "fake news", "a much longer sentence about an election and a vaccine and the senate"
    together = encoder.encode([short, long], batch_size=2)
    alone = encoder.encode([short])
    assert together.shape == (2, 24) and encoder.dim == 24
    np.testing.assert_allclose(together[0], alone[0], atol=1e-5)
    assert encoder.version.startswith("mean-") and str(tiny_bert) not in encoder.version


def test_clip_text_tower_loads_from_a_folder(tiny_clip):
    import torch
    from transformers import AutoTokenizer, CLIPModel

    encoder = get_encoder("clip-text", model=str(tiny_clip))
    texts = ["hello world", "a longer caption about a cat on a mat"]
    vectors = encoder.encode(texts, batch_size=1)
    assert vectors.shape == (2, 16) and encoder.dim == 16 and np.isfinite(vectors).all()
    model, tokenizer = CLIPModel.from_pretrained(tiny_clip).eval(), AutoTokenizer.from_pretrained(tiny_clip)
    with torch.no_grad():
        out = model.get_text_features(**tokenizer(texts[:1], return_tensors="pt"))
    expected = (out if hasattr(out, "shape") else out.pooler_output).numpy()
    np.testing.assert_allclose(vectors[:1], expected, atol=1e-5)


def test_a_model_that_is_a_file_is_rejected(tmp_path):
    from finefake.errors import FinefakeError

    weights = tmp_path / "model.safetensors"
    weights.write_bytes(b"x")
    with pytest.raises(FinefakeError, match="is a file"):
        get_encoder("clip-text", model=str(weights))
