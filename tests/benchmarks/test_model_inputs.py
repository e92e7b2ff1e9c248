"""The harness side of declared inputs: every registered model, run by the harness, never sees target labels;
the vocabulary of ``word_ids`` comes from training rows only."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from finefake.baselines.registry import list_models, model_class
from finefake.benchmarks import runner
from finefake.benchmarks.runner import make_batches, run_one
from finefake.benchmarks.tasks import ItemTable, build_settings, get_task

from .tinydata import featurize

L, K, S, VOCAB, D = 12, 3, 4, 200, 16


def attach_inputs(features, records):
    """Small stand-ins for every extra input, row-aligned with ``features`` (the harness reads them as it
    reads the real ones): hashed words as token ids (the text's real words), entity arrays from the
    records' entities, and seeded noise for the rest."""
    rng = np.random.default_rng(0)
    n = len(features)
    token_ids = np.zeros((n, L), np.int32)
    for i, r in enumerate(records):
        words = r["text"].lower().split()[:L]
        token_ids[i, : len(words)] = [2 + zlib.crc32(w.encode()) % (VOCAB - 10) for w in words]
    mask = token_ids > 0
    features.inputs.update(
        {
            "token_ids": token_ids,
            "text_tokens_mask": mask,
            "text_tokens": (rng.normal(size=(n, L, D)) * mask[..., None]).astype(np.float16),
            "sentences": rng.normal(size=(n, S, D)).astype(np.float32),
            "sentence_mask": np.ones((n, S), bool),
            "entity_transe": rng.normal(size=(n, K, D)).astype(np.float32),
            "entity_context": rng.normal(size=(n, K, D)).astype(np.float32),
            "entity_desc": rng.normal(size=(n, K, D)).astype(np.float32),
            "entity_rho": rng.uniform(0.3, 1, (n, K)).astype(np.float32),
            "entity_pos": rng.uniform(0, 1, (n, K)).astype(np.float32),
            "entity_mask": np.array([[j < len(r["entities"]) for j in range(K)] for r in records]),
            "emotion": rng.random((n, 8)).astype(np.float32),
            "style": rng.normal(size=(n, 11)).astype(np.float32),
            "text_view:tiny": features.text,
            "image_view:tiny": features.image,
            # issue 30: the item texts (prompted LLMs) and ARG's rationales
            "content": np.asarray([r["title"] + "\n" + r["text"] for r in records], dtype=object),
            "rationale_td_tokens": (rng.normal(size=(n, L, D)) * mask[..., None]).astype(np.float16),
            "rationale_td_mask": mask,
            "rationale_cs_tokens": (rng.normal(size=(n, L, D)) * mask[..., None]).astype(np.float16),
            "rationale_cs_mask": mask,
            "rationale_judgement": rng.integers(0, 3, (n, 2)),
        }
    )
    features.tables["embedding_table"] = rng.normal(size=(VOCAB, D)).astype(np.float32)
    features.meta["inputs"] = {"keys": {"text_tokens": "test"}, "shared_space": []}
    return features


@pytest.fixture(scope="module")
def harness(synthetic_workspace):
    records = list(synthetic_workspace.read("records"))
    features = attach_inputs(featurize(records, synthetic_workspace), records)
    items = ItemTable.from_records(records).aligned_to(features)
    return records, features, items


def _setting(items, task="platform-da"):
    return next(s for s in build_settings(task, items) if not s.skipped and len(s.train) >= 20)


@pytest.mark.parametrize("name", list_models())
def test_poisoned_target_labels_change_no_prediction(name, harness, monkeypatch):
    from baselines.test_contract import FAST

    _, features, items = harness
    setting = _setting(items)
    task = get_task("platform-da")
    seen = []
    real = runner.get_model

    def spying(model_name, **kwargs):
        model = real(model_name, **kwargs)
        predict = model.predict_proba
        model.predict_proba = lambda batch: seen.append(predict(batch)) or seen[-1]
        return model

    monkeypatch.setattr(runner, "get_model", spying)
    run_one(task, setting, name, 0, features, items, FAST.get(name, {}))
    poisoned = ItemTable(**{**items.__dict__, "label": items.label.copy()})
    garbage = np.random.default_rng(1).integers(0, 2, len(setting.test))
    poisoned.label[setting.test] = garbage  # target labels replaced inside the harness
    run_one(task, setting, name, 0, features, poisoned, FAST.get(name, {}))
    np.testing.assert_array_equal(seen[0], seen[1])


def test_a_word_seen_only_in_target_items_maps_to_unknown(harness):
    records, features, items = harness
    setting = _setting(items)
    planted = VOCAB - 1  # outside the hashed words' range
    features.inputs["token_ids"] = features.inputs["token_ids"].copy()
    features.inputs["token_ids"][setting.test, 0] = planted  # only target rows carry this word
    features.inputs["token_ids"][np.setdiff1d(np.arange(len(items)), setting.test), 0] = 3
    train, val, test, target = make_batches(get_task("platform-da"), setting, features, items, {"word_ids"})
    assert (target.word_ids[:, 0] == 1).all()  # unknown
    assert (train.word_ids[:, 0] > 1).all()
    assert len(train.info["word_vectors"]) == train.word_ids.max() + 1 or train.word_ids.max() < len(
        train.info["word_vectors"]
    )
    assert set(train.arrays) == {"word_ids", "word_mask"}


def test_every_model_declares_known_inputs():
    from finefake.baselines.base import INPUTS

    for name in list_models():
        assert model_class(name).inputs <= set(INPUTS), name
