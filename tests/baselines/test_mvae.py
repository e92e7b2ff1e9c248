"""MVAE: the shared detector checks, and the autoencoder actually reconstructing its inputs."""

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
from finefake.baselines.mvae import Mvae
from finefake.baselines.training import InputSpec, StepContext

FAST = {"epochs": 8, "batch_size": 32, "lstm_hidden": 8, "image_hidden": 32, "lr": 3e-3}


def make(**overrides) -> Mvae:
    return get_model("mvae", **{**FAST, **overrides})


def test_probabilities_two_and_six_classes():
    check_probabilities(make)


def test_deterministic_under_a_seed():
    check_deterministic(make)


def test_beats_the_majority_floor_on_a_planted_signal():
    check_beats_majority(lambda **kw: make(epochs=20, patience=0, **kw), "image")


@pytest.mark.parametrize("data_seed", range(5))
def test_the_official_objective_learns_a_planted_text_signal(data_seed):
    """Three class-specific words among random ones, 144 training items: with the official code's scaling
    (KL and word cross-entropy averaged, sampling noise 0.01) MVAE learns them on every data seed; the
    paper-literal sums (this module's earlier objective) predicted one class on 4 of these 5 seeds."""
    model = make(seed=0)
    b = batches_for(model, signal="text", seed=data_seed)
    pred = model.fit(b["train"], b["validation"]).predict(b["test"])
    floor = float(np.mean(b["test"].y == np.bincount(b["train"].y).argmax()))
    assert len(set(pred.tolist())) == 2 and np.mean(pred == b["test"].y) >= floor + 0.25


def test_loss_terms_are_scaled_as_the_official_code_scales_them():
    """KL averaged over the latent dimensions and the word cross-entropy over the present steps
    (``objective="official"``); summed per item with ``objective="paper"``; the L2 terms only when asked."""
    torch.manual_seed(0)
    b, k, steps, vocab = 4, 6, 5, 7
    out = {
        "logits": torch.randn(b, 2),
        "mu": torch.randn(b, k),
        "logvar": torch.randn(b, k),
        "word_logits": torch.randn(b, steps, vocab),
        "image_recon": torch.randn(b, 3),
    }
    mask = torch.tensor([[1, 1, 1, 0, 0]] * 2 + [[1, 1, 1, 1, 1]] * 2, dtype=torch.bool)
    x = {
        "word_ids": torch.randint(0, vocab, (b, steps)),
        "word_mask": mask,
        "image": torch.randn(b, 3),
        "image_mask": torch.ones(b, dtype=torch.bool),
    }
    ctx = StepContext(0, 1, y=torch.tensor([0, 1, 0, 1]))
    net = Mvae().build(InputSpec.from_batch(batches_for(Mvae(), n=40)["train"]))
    per_dim = -0.5 * (1 + out["logvar"] - out["mu"] ** 2 - out["logvar"].exp())
    per_word = torch.nn.functional.cross_entropy(
        out["word_logits"].transpose(1, 2), x["word_ids"], reduction="none"
    )
    official = Mvae().loss(net, out, x, ctx)[1]
    assert torch.isclose(official["kl"], per_dim.mean())
    assert torch.isclose(official["recon_text"], per_word[mask].mean())
    assert official["l2"] == 0
    paper = Mvae(objective="paper").loss(net, out, x, ctx)[1]
    assert torch.isclose(paper["kl"], per_dim.sum(dim=1).mean())
    assert torch.isclose(paper["recon_text"], per_word[mask].sum() / b)
    regularised = Mvae(reg_lambda=0.05, fnd_lambda=0.3).loss(net, out, x, ctx)[1]
    autoencoder, detector = net.l2_groups()
    expected = 0.05 * sum(w.pow(2).sum() for w in autoencoder) + 0.3 * sum(w.pow(2).sum() for w in detector)
    assert len(detector) == 2 and torch.isclose(regularised["l2"], expected)


@pytest.mark.parametrize(("signal", "part"), [("text", "recon_text"), ("image", "recon_image")])
def test_reconstruction_losses_fall(signal, part):
    """Each decoder learns its modality where the modality has structure to learn (random words or random
    image vectors cannot be reconstructed beyond their marginals)."""
    model = make(epochs=12)
    b = batches_for(model, seed=5, signal=signal)
    model.fit(b["train"])  # no validation: every epoch's losses are in the history
    history = model.fit_info()["training"]["history"]
    first, last = history[0][part], history[-1][part]
    assert last < 0.93 * first, (part, first, last)
    assert all(np.isfinite(h["kl"]) for h in history)


def test_decode_len_caps_the_reconstructed_positions():
    model = make(epochs=1, decode_len=3)
    b = batches_for(model)
    model.fit(b["train"])
    assert np.isfinite(model.fit_info()["training"]["history"][0]["recon_text"])
