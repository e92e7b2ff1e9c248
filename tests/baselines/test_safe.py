"""SAFE: the shared detector checks, and the similarity loss aligning "real" with matching modalities."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from baselines.detector_checks import (
    batches_for,
    check_beats_majority,
    check_deterministic,
    check_probabilities,
)
from finefake.baselines import get_model
from finefake.baselines.safe import Safe, real_class_of
from finefake.baselines.training import Feeder

FAST = {"epochs": 8, "batch_size": 32, "filters": 8, "hidden": 16, "dropout": 0.2, "lr": 3e-3}


def make(**overrides) -> Safe:
    return get_model("safe", **{**FAST, **overrides})


def test_probabilities_two_and_six_classes():
    check_probabilities(make)


def test_deterministic_under_a_seed():
    check_deterministic(make)


@pytest.mark.parametrize("signal", ["text", "image"])
def test_beats_the_majority_floor_on_a_planted_signal(signal):
    check_beats_majority(make, signal)


def test_real_class_follows_the_data_contract():
    assert real_class_of(2, -1) == 1 and real_class_of(6, -1) == 0 and real_class_of(6, 3) == 3
    with pytest.raises(ValueError, match="not a class"):
        real_class_of(2, 4)


def test_similarity_separates_real_from_fake_items():
    """Trained with the similarity loss alone, real items end with more similar text and image vectors
    than fake ones (the paper's "fake = mismatch" assumption), on held-out items."""
    model = make(cls_weight=0.0, sim_weight=1.0, epochs=30)
    b = batches_for(model, signal="text", seed=4)
    model.fit(b["train"])  # no validation split: the last epoch (selection would read the idle detector)
    x = Feeder(b["test"], "cpu").take(torch.arange(len(b["test"])))
    with torch.no_grad():
        out = model.forward(model.net_, x)
    sim, has = out["similarity"].numpy(), out["has_image"].numpy() > 0
    y = b["test"].y
    assert sim[(y == 1) & has].mean() > sim[(y == 0) & has].mean() + 0.1
    assert np.all(out["similarity"].numpy() >= 0) and np.all(out["similarity"].numpy() <= 1)
    # The projections end without an activation (official code): a fake item's pair can be scored as a
    # mismatch, s well below 0.5 (a ReLU kept the cosine >= 0, i.e. s >= 0.5 for every pair).
    assert sim[(y == 0) & has].mean() < 0.4, sim[(y == 0) & has].mean()
