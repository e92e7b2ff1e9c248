"""The shared contract every registered model must pass (like scikit-learn's check_estimator).

Models are built with small-but-real hyper-parameters here (few epochs) to keep the suite fast; the library
defaults stay the paper's.
"""

from __future__ import annotations

import numpy as np
import pytest
from benchmarks.tinydata import gaussian_shift_features

from finefake.baselines import get_model, list_models
from finefake.baselines.base import Batch
from finefake.baselines.registry import model_class
from finefake.benchmarks.metrics import classification_report

FAST = {"kean": {"epochs": 12}}
# These checks cut Batches from pooled FeatureSets (text, image, kg); models declaring richer inputs (KAN,
# KDCN, CompareNet: words, sentences, entities) run the same checks on allinputs Batches in their own tests.
MODELS = [m for m in list_models() if model_class(m).inputs <= {"text", "image", "kg"}]


def build(name: str, seed: int = 0, **extra):
    return get_model(name, seed=seed, **{**FAST.get(name, {}), **extra})


def test_registry_lists_the_issue_baselines():
    assert {"majority", "logreg", "kean"} <= set(MODELS)


@pytest.mark.parametrize("name", MODELS)
def test_valid_probabilities_for_two_and_six_classes(name, binary_batches, fine_batches):
    for batches, k in ((binary_batches, 2), (fine_batches, 6)):
        model = build(name).fit(batches["train"], batches["validation"])
        proba = model.predict_proba(batches["test"])
        assert proba.shape == (len(batches["test"]), k)
        assert np.all(np.isfinite(proba)) and np.all(proba >= 0)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
        assert set(model.predict(batches["test"])) <= set(range(k))


@pytest.mark.parametrize("name", MODELS)
def test_deterministic_under_a_seed(name, binary_batches):
    b = binary_batches
    first = (
        build(name, seed=3).fit(b["train"], b["validation"], b["test"].unlabeled()).predict_proba(b["test"])
    )
    again = (
        build(name, seed=3).fit(b["train"], b["validation"], b["test"].unlabeled()).predict_proba(b["test"])
    )
    np.testing.assert_array_equal(first, again)


@pytest.mark.parametrize("name", MODELS)
def test_items_without_image_or_entities(name, binary_batches):
    b = binary_batches["train"]
    bare = Batch(
        b.ids,
        b.text,
        np.zeros_like(b.image),
        np.zeros(len(b), dtype=bool),
        np.zeros_like(b.kg),
        np.zeros(len(b), dtype=bool),
        b.y,
        2,
    )
    half = np.arange(len(b)) % 2 == 0  # mix: half the items lack both image and knowledge
    mixed = Batch(
        b.ids,
        b.text,
        np.where(half[:, None], bare.image, b.image),
        b.image_mask & ~half,
        np.where(half[:, None], bare.kg, b.kg),
        b.kg_mask & ~half,
        b.y,
        2,
    )
    for train in (bare, mixed):
        proba = build(name).fit(train).predict_proba(bare)
        assert np.all(np.isfinite(proba)) and proba.shape == (len(b), 2)
    # and a task without knowledge at all (binary): kg is None
    no_kg = Batch(b.ids, b.text, b.image, b.image_mask, None, None, b.y, 2)
    assert np.all(np.isfinite(build(name).fit(no_kg).predict_proba(no_kg)))


@pytest.mark.parametrize("name", MODELS)
def test_beats_the_majority_floor_on_a_planted_signal(name, binary_batches):
    b = binary_batches
    test_y = b["test"].y
    floor = build("majority").fit(b["train"])
    floor_report = classification_report(test_y, floor.predict(b["test"]), 2)
    report = classification_report(test_y, build(name).fit(b["train"], b["validation"]).predict(b["test"]), 2)
    if name == "majority":  # the floor itself: exactly the majority class share
        majority = np.bincount(b["train"].y).argmax()
        assert report["accuracy"] == pytest.approx(np.mean(test_y == majority))
    else:
        assert report["macro_f1"] >= floor_report["macro_f1"] + 0.25
        assert report["accuracy"] >= floor_report["accuracy"] + 0.1


def _da_batches(seed: int):
    features, y, domain = gaussian_shift_features(seed=seed)
    source, target = np.flatnonzero(domain == 0), np.flatnonzero(domain == 1)
    train, val = source[: int(0.8 * len(source))], source[int(0.8 * len(source)) :]
    cut = lambda rows, labelled=True: Batch.from_features(  # noqa: E731
        features, rows, y=y[rows] if labelled else None, n_classes=2
    )
    return cut(train), cut(val), cut(target), cut(target, labelled=False)


def test_kean_reweighting_beats_no_reweighting_under_label_shift():
    gains = []
    for seed in range(2):
        train, val, test, target = _da_batches(seed)
        accuracy = {}
        for reweight in (True, False):
            model = build("kean", seed=seed, reweight=reweight).fit(train, val, target)
            accuracy[reweight] = float(np.mean(model.predict(test) == test.y))
            if reweight:
                w = model.fit_info()["bbse"]["weights"]
                # the target is ~90% class 1, the source 50% (true w = 0.2, 1.8; BBSE shrinks towards 1)
                assert w[1] > 1.2 and w[0] < 0.7
        gains.append(accuracy[True] - accuracy[False])
    assert np.mean(gains) > 0.04, gains
