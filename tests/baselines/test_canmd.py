"""CANMD: the shared detector checks, label-shift calibration from unlabeled target data only, pseudo-labels."""

from __future__ import annotations

import numpy as np
import pytest

from baselines.allinputs import input_batches
from baselines.detector_checks import (
    check_adaptation_floor,
    check_beats_majority,
    check_deterministic,
    check_probabilities,
)
from finefake.baselines import get_model
from finefake.baselines.base import Batch
from finefake.baselines.canmd import Canmd, em_target_prior, select_pseudo_labels

FAST = {"hidden": 32, "epochs": 5, "adapt_epochs": 3, "batch_size": 32}


def make(**overrides) -> Canmd:
    return get_model("canmd", **{**FAST, **overrides})


def test_probabilities_two_and_six_classes():
    check_probabilities(make)
    check_probabilities(make, adapt=True)


def test_deterministic_under_a_seed():
    check_deterministic(make, adapt=True)


def test_beats_the_majority_floor_on_a_text_signal():
    check_beats_majority(make, "text")
    check_beats_majority(make, "text", adapt=True)


@pytest.mark.parametrize("label_shift", ["bbse", "em"])
def test_holds_the_logreg_floor_under_shift_without_collapsing(label_shift):
    check_adaptation_floor(lambda **kw: make(label_shift=label_shift, **kw))


def _label_shifted(seed: int = 0, share: float = 0.85) -> dict[str, Batch]:
    """Source balanced, target ~``share`` class 1 (a label shift), weak text signal so BBSE has work."""
    b = {k: v.restricted(Canmd.inputs) for k, v in input_batches(n=900, seed=seed, signal="text").items()}
    test = b["test"]
    ones, zeros = np.flatnonzero(test.y == 1), np.flatnonzero(test.y == 0)
    keep_zeros = zeros[: int(len(ones) * (1 - share) / share)]
    b["test"] = test.subset(np.sort(np.concatenate([ones, keep_zeros])))
    b["target"] = b["test"].unlabeled()
    return b


@pytest.mark.parametrize("label_shift", ["bbse", "em"])
def test_the_estimated_label_shift_follows_the_target(label_shift):
    b = _label_shifted()
    model = make(label_shift=label_shift).fit(b["train"], b["validation"], b["target"])
    log = model.fit_info()["pseudo_labels"]
    assert len(log) == FAST["adapt_epochs"] and log[0]["label_shift"] == label_shift
    w = log[0]["weights"]
    assert w[1] > 1.2 and w[0] < 0.8, w  # true w = (0.3, 1.7) for a balanced source
    assert all(entry["selected"] > 0 for entry in log)
    per_class = np.array(log[-1]["per_class"])
    assert per_class[1] > per_class[0]


def test_bbse_is_refused_for_a_degenerate_prediction_and_the_epoch_left_uncorrected():
    """The shared guarded BBSE (``blocks.bbse_weights``, as KEAN's): a target of one repeated item gets one
    predicted class, which says nothing about the target prior; the weights stay 1 and the log says why."""
    b = _label_shifted()
    one_item = b["target"].subset(np.zeros(len(b["target"]), dtype=np.int64))
    model = make(adapt_epochs=1).fit(b["train"], b["validation"], one_item)
    entry = model.fit_info()["pseudo_labels"][0]
    assert entry["weights"] == [1.0, 1.0]
    assert entry["label_shift"].startswith("none (BBSE refused: the predictor gives class")


def test_the_source_stage_trains_until_the_source_validation_loss_stops_falling():
    """The paper's 5 source epochs fine-tune a pretrained encoder; CANMD's from-scratch MLP trains until its
    source-validation loss has not fallen for ``patience`` epochs (at most ``epochs``); adaptation keeps 5."""
    b = input_batches(n=400, seed=2, signal="text")
    b = {k: v.restricted(Canmd.inputs) for k, v in b.items()}
    model = get_model("canmd", hidden=32).fit(b["train"], b["validation"], b["target"])
    assert (model.epochs, model.patience, model.adapt_epochs) == (50, 5, 5)
    source = model.fit_info()["source_stage"]
    losses = [h["val_loss"] for h in source["history"]]
    assert len(losses) > 5
    if source["stopped_early_at"] is not None:  # stopped exactly ``patience`` epochs after the lowest loss
        assert len(losses) - 1 - int(np.argmin(losses)) == model.patience
    else:
        assert len(losses) == model.epochs
    assert len(model.fit_info()["adaptation_stage"]["history"]) == 5
    assert model.patience == 5  # restored after the adaptation stage ran without early stopping


def test_target_labels_never_reach_training():
    b = _label_shifted()
    honest = make(seed=1).fit(b["train"], b["validation"], b["target"]).predict_proba(b["test"])
    poisoned_target = Batch(b["test"].ids, b["test"].arrays, 1 - b["test"].y, 2, b["test"].info)
    poisoned = make(seed=1).fit(b["train"], b["validation"], poisoned_target).predict_proba(b["test"])
    np.testing.assert_array_equal(honest, poisoned)


def test_em_recovers_a_known_prior():
    rng = np.random.default_rng(0)
    y = (rng.random(4000) < 0.8).astype(int)  # target prior (0.2, 0.8); source prior (0.5, 0.5)
    score = rng.normal(loc=np.where(y == 1, 1.0, -1.0), scale=1.0)
    p1 = 1 / (1 + np.exp(-2 * score))  # the calibrated source posterior of this Gaussian pair
    prior = em_target_prior(np.stack([1 - p1, p1], axis=1), np.array([0.5, 0.5]))
    assert prior[1] == pytest.approx(0.8, abs=0.03)


def test_pseudo_labels_fall_back_to_ranking_when_one_class_would_be_missing():
    corrected = np.array([[0.9, 0.1]] * 8 + [[0.55, 0.45]] * 2)
    labels, how = select_pseudo_labels(corrected, np.array([0.5, 0.5]), 0.6, 20.0)
    assert how == "ranked fall-back" and set(labels[labels >= 0].tolist()) == {0, 1}
    labels, how = select_pseudo_labels(
        np.array([[0.9, 0.1], [0.2, 0.8], [0.5, 0.5]]), np.array([0.5, 0.5]), 0.6, 20.0
    )
    assert how == "confidence" and labels.tolist() == [0, 1, -1]
