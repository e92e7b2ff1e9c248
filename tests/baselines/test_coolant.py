"""COOLANT: valid probabilities, determinism, the contrastive alignment on planted pairs, Table 2 ablations."""

from __future__ import annotations

import numpy as np
import pytest

from baselines.allinputs import input_batches
from baselines.gradcheck import flows, loss_gradients, starved
from finefake.baselines import get_model
from finefake.baselines.base import Batch
from finefake.baselines.coolant import Coolant

FAST = {"epochs": 4, "embed_dim": 16, "shared_dim": 16, "classifier_hidden": (16,), "batch_size": 32}


def batches(signal="text", n_classes=2, seed=0):
    b = input_batches(n=200, n_classes=n_classes, signal=signal, seed=seed)
    return {k: v.restricted(Coolant.inputs) for k, v in b.items()}


@pytest.mark.parametrize("n_classes", [2, 6])
def test_valid_probabilities(n_classes):
    b = batches(n_classes=n_classes)
    model = get_model("coolant", **FAST).fit(b["train"], b["validation"])
    proba = model.predict_proba(b["test"])
    assert proba.shape == (len(b["test"]), n_classes)
    assert np.all(np.isfinite(proba)) and np.all(proba >= 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    assert model.fit_info()["real_class"] == (1 if n_classes == 2 else 0)


def test_view_statistics_come_from_training_rows_only():
    b = batches()
    model = Coolant(**{**FAST, "epochs": 1}).fit(b["train"], b["validation"])
    has_image = b["train"].image_mask
    expected = np.asarray(b["train"].arrays["image_view:effnet"])[has_image].mean(0)
    np.testing.assert_allclose(model.view_stats_["image_view:effnet"][0], expected, rtol=1e-5, atol=1e-6)


def test_deterministic_under_a_seed():
    b = batches()
    first = Coolant(seed=2, **FAST).fit(b["train"], b["validation"]).predict_proba(b["test"])
    again = Coolant(seed=2, **FAST).fit(b["train"], b["validation"]).predict_proba(b["test"])
    np.testing.assert_array_equal(first, again)


@pytest.mark.parametrize("signal", ["text", "image"])
def test_beats_the_majority_floor(signal):
    b = batches(signal=signal)
    model = Coolant(**{**FAST, "epochs": 8}).fit(b["train"], b["validation"])
    floor = max(np.mean(b["test"].y == c) for c in range(2))
    assert np.mean(model.predict(b["test"]) == b["test"].y) > floor + 0.2


def planted_pairs(n: int, seed: int) -> Batch:
    """Text and image views that are two noisy linear images of one latent vector per item (a planted match)."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 6))
    mix = np.random.default_rng(99)  # the same two "encoders" for every split
    a, b = mix.normal(size=(6, 24)), mix.normal(size=(6, 20))
    text = (z @ a + 0.3 * rng.normal(size=(n, 24))).astype(np.float32)
    image = (z @ b + 0.3 * rng.normal(size=(n, 20))).astype(np.float32)
    info = {"text_views": ["t"], "image_views": ["v"], "shared_space": []}
    y = rng.integers(0, 2, n)
    return Batch.of(
        [f"i{i}" for i in range(n)], y=y, info=info,
        **{"text_view:t": text, "image_view:v": image, "image_mask": np.ones(n, dtype=bool)},
    )  # fmt: skip


def test_contrastive_loss_falls_and_separates_matched_from_shuffled_pairs():
    train, val, test = planted_pairs(320, 0), planted_pairs(80, 1), planted_pairs(200, 2)
    model = Coolant(**{**FAST, "epochs": 12, "patience": 0}).fit(train, val)
    history = model.fit_info()["training"]["history"]
    assert history[-1]["itc"] < 0.7 * history[0]["itc"]
    matched = model.similarity(test)
    shuffled_rows = np.roll(np.arange(len(test)), 1)
    shuffled = test.subset(np.arange(len(test)))
    shuffled.arrays = {**test.arrays, "image_view:v": test.arrays["image_view:v"][shuffled_rows]}
    other = model.similarity(shuffled)
    auc = np.mean(matched[:, None] > other[None, :])
    assert matched.mean() > other.mean() + 0.3 and auc > 0.9
    untrained = Coolant(**{**FAST, "epochs": 1, "lr": 1e-9}).fit(train, val)
    assert np.mean(untrained.similarity(test)[:, None] > untrained.similarity(shuffled)[None, :]) < auc


@pytest.fixture(scope="module")
def full_model():
    b = batches()
    full = Coolant(**{**FAST, "epochs": 1}).fit(b["train"], b["validation"])
    return b, full.predict_proba(b["test"]), loss_gradients(full, b["train"])[0]


ABLATIONS = {
    "without_itm": ({"consistency": False}, ["align_text", "align_image"]),
    "without_itc": ({"contrastive": False}, ["log_temperature"]),
    "without_cmf": ({"fusion": False}, ["correlation"]),
    "without_att": ({"attention": False}, ["excite", "posterior_text", "posterior_image"]),
    "without_agu": ({"guidance": False}, ["posterior_text", "posterior_image"]),
}


@pytest.mark.parametrize("name", sorted(ABLATIONS))
def test_ablation_changes_the_output_and_starves_the_removed_part(name, full_model):
    switch, removed = ABLATIONS[name]
    b, full_proba, full_grads = full_model
    ablated = Coolant(**{**FAST, "epochs": 1}, **switch).fit(b["train"], b["validation"])
    assert not np.allclose(full_proba, ablated.predict_proba(b["test"]))
    grads, _ = loss_gradients(ablated, b["train"])
    for prefix in removed:
        assert flows(full_grads, prefix), prefix
        assert starved(grads, prefix), prefix
