"""Model inputs beyond the pooled vectors: computed from one text pass, cached, handed out per setting."""

from __future__ import annotations

import numpy as np
import pytest

from finefake.baselines.base import RowView
from finefake.benchmarks import batches as batches_module
from finefake.benchmarks.batches import build_vocabulary, setting_batches
from finefake.errors import FinefakeError
from finefake.features.knowledge import TransEConfig
from finefake.features.pipeline import FeatureConfig, compute_features
from finefake.features.style import STYLE_NAMES, style_cues

FAST = FeatureConfig(transe=TransEConfig(dim=16, epochs=5), max_tokens=32)
ALL = ("text_tokens", "word_ids", "sentences", "entities", "emotion", "style", "text_views", "image_views")


@pytest.fixture(scope="module")
def inputs_ws(tmp_path_factory):
    """Its own 40 synthetic records (the shared feature workspace must stay uncached for other tests)."""
    from finefake.dataset.synthetic import write_synthetic
    from finefake.workspace import Workspace

    ws = Workspace(tmp_path_factory.mktemp("inputs") / "ws")
    write_synthetic(ws, 40, seed=4)
    return ws


@pytest.fixture(scope="module")
def rich(inputs_ws, minilm, lite0):
    return compute_features(inputs_ws, FAST, text_encoder=minilm, image_encoder=lite0, inputs=ALL)


def test_every_input_is_attached_with_its_shape(rich, inputs_ws):
    n = len(rich)
    x = rich.inputs
    assert x["text_tokens"].shape == (n, 32, 384) and x["text_tokens"].dtype == np.float16
    assert isinstance(x["text_tokens"], np.memmap)
    assert x["text_tokens_mask"][:, 0].all() and x["token_ids"].shape == (n, 32)
    assert x["sentences"].shape[0] == n and x["sentence_mask"][:, 0].all()
    assert x["entity_transe"].shape == (n, 8, 16) and x["entity_desc"].shape == (n, 8, 384)
    records = list(inputs_ws.read("records"))
    counts = np.array([min(len(r["entities"]), 8) for r in records])
    np.testing.assert_array_equal(x["entity_mask"].sum(1), counts)
    rho = x["entity_rho"]
    assert np.all(np.diff(np.where(x["entity_mask"], rho, -1), axis=1) <= 1e-6)  # sorted by rho
    assert x["emotion"].shape == (n, 8) and x["style"].shape == (n, len(STYLE_NAMES))
    assert set(rich.meta["inputs"]["text_views"]) == {"minilm"}
    assert rich.meta["inputs"]["shared_space"] == []
    assert rich.tables["embedding_table"].shape[1] == 384


def test_pooled_text_comes_from_the_same_pass(rich, inputs_ws, minilm):
    records = list(inputs_ws.read("records"))
    expected = minilm.encode([f"{r['title']}\n{r['text']}".strip() for r in records[:3]])
    np.testing.assert_allclose(rich.text[:3], expected, atol=1e-4)


def test_a_second_call_reads_the_cache(rich, inputs_ws, minilm, lite0, monkeypatch):
    monkeypatch.setattr(minilm, "encode_full", lambda *a, **k: pytest.fail("token states recomputed"))
    again = compute_features(inputs_ws, FAST, text_encoder=minilm, image_encoder=lite0, inputs=ALL)
    np.testing.assert_array_equal(np.asarray(again.inputs["text_tokens"][:2]), rich.inputs["text_tokens"][:2])


def test_unknown_input_is_a_clear_error(inputs_ws, minilm, lite0):
    with pytest.raises(FinefakeError, match="unknown model inputs"):
        compute_features(inputs_ws, FAST, text_encoder=minilm, image_encoder=lite0, inputs=["txet"])


def test_vocabulary_sees_training_rows_only():
    token_ids = np.array([[5, 6, 7], [5, 9, 0], [42, 5, 0]])
    mask = token_ids > 0
    table = np.arange(50 * 2, dtype=np.float32).reshape(50, 2)
    lookup, vectors = build_vocabulary(token_ids, mask, np.array([0, 1]), table)
    assert lookup[42] == 1  # only in a non-training row: unknown
    assert lookup[5] >= 2 and len(vectors) == 2 + 4  # 5, 6, 7, 9
    np.testing.assert_array_equal(vectors[lookup[9]], table[9])


def test_setting_batches_hand_out_exactly_the_declared_inputs(rich, monkeypatch):
    monkeypatch.setattr(batches_module, "LAZY_BYTES", 1)  # treat the token states as big
    n = len(rich)
    rows = {"train": np.arange(0, 24), "validation": np.arange(24, 32), "test": np.arange(32, n)}
    labels = np.arange(n) % 2
    domains = {
        "topic": np.array(["politics"] * n),
        "platform": np.array(["snopes"] * n),
        "platform_group": np.array(["fact_check"] * n),
    }
    out = setting_batches(
        rich, rows, labels, 2, {"text_tokens", "word_ids", "domain"}, domains=domains, adaptation=True
    )
    train, test = out["train"], out["test"]
    assert isinstance(train.text_tokens, RowView)
    assert set(train.arrays) == {
        "text_tokens", "text_tokens_mask", "word_ids", "word_mask",
        "domain_topic", "domain_platform", "domain_group", "domain_is_target",
    }  # fmt: skip
    assert test.domain_is_target.all() and not train.domain_is_target.any()
    assert train.info["word_vectors"].shape[0] == train.word_ids.max() + 1 or train.word_ids.max() < len(
        train.info["word_vectors"]
    )
    with pytest.raises(AttributeError):
        train.kg  # noqa: B018
    no_kg = setting_batches(rich, rows, labels, 2, {"kg", "entities"}, use_knowledge=False)["train"]
    assert not no_kg.kg_mask.any() and not no_kg.entity_mask.any() and not no_kg.has_knowledge


def test_style_cues_are_finite_and_react_to_shouting():
    calm = style_cues("The council met on Tuesday. It approved the budget.")
    loud = style_cues("SHOCKING!!! They LIED to you!!! Share before it is DELETED!")
    assert np.isfinite(calm).all() and calm.shape == (len(STYLE_NAMES),)
    assert loud[STYLE_NAMES.index("exclamation")] > calm[STYLE_NAMES.index("exclamation")]
    assert loud[STYLE_NAMES.index("all_caps_words")] > 0.2
    assert np.all(style_cues("") == style_cues(""))


class _Interrupting:
    """Wraps an encoder: raises after ``limit`` encode calls (a kill mid-modality), counts calls."""

    def __init__(self, encoder, limit):
        self.inner, self.limit, self.calls = encoder, limit, 0
        self.name, self.modality, self.version = encoder.name, encoder.modality, encoder.version

    @property
    def dim(self):
        return self.inner.dim

    def encode(self, inputs, *, batch_size=64):
        self.calls += 1
        if self.calls > self.limit:
            raise KeyboardInterrupt("killed")
        return self.inner.encode(inputs, batch_size=batch_size)


def test_a_killed_features_run_continues_from_its_last_chunk(tmp_path, minilm, lite0, monkeypatch):
    from finefake.dataset.synthetic import write_synthetic
    from finefake.features import pipeline
    from finefake.workspace import Workspace

    ws = Workspace(tmp_path / "ws")
    write_synthetic(ws, 40, seed=5)
    monkeypatch.setattr(pipeline, "TEXT_CHUNK", 8)
    killed = _Interrupting(minilm, limit=3)
    with pytest.raises(KeyboardInterrupt):
        compute_features(ws, FAST, text_encoder=killed, image_encoder=lite0)
    assert list((ws.stage_dir("features") / "partial").glob("text-*/values.npy"))
    resumed = _Interrupting(minilm, limit=99)
    features = compute_features(ws, FAST, text_encoder=resumed, image_encoder=lite0)
    assert resumed.calls == 2  # 5 chunks of 8: 3 were kept, 2 remained
    records = list(ws.read("records"))
    expected = minilm.encode([f"{records[-1]['title']}\n{records[-1]['text']}".strip()])
    np.testing.assert_allclose(features.text[-1], expected[0], atol=1e-4)
    assert not list((ws.stage_dir("features") / "partial").glob("text-*"))
