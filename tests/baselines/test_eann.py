"""EANN: the shared detector checks, and the gradient reversal on the event-discriminator path."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from baselines.detector_checks import (
    batches_for,
    check_adaptation_floor,
    check_beats_majority,
    check_deterministic,
    check_probabilities,
)
from finefake.baselines import get_model
from finefake.baselines.eann import Eann
from finefake.baselines.training import Feeder, InputSpec

FAST = {"epochs": 8, "batch_size": 32, "filters": 8, "hidden": 16, "dropout": 0.2, "lr": 3e-3}


def make(**overrides) -> Eann:
    return get_model("eann", **{**FAST, **overrides})


def test_probabilities_two_and_six_classes():
    check_probabilities(make)


def test_deterministic_under_a_seed():
    check_deterministic(make)
    check_deterministic(lambda **kw: make(target_events=True, **kw), adapt=True)


@pytest.mark.parametrize("signal", ["text", "image"])
def test_beats_the_majority_floor_on_a_planted_signal(signal):
    check_beats_majority(make, signal)


@pytest.mark.parametrize("target_events", [False, True])
def test_holds_the_logreg_floor_under_shift_without_collapsing(target_events):
    check_adaptation_floor(lambda **kw: make(target_events=target_events, **kw))


def test_reversal_flips_the_event_gradient_reaching_the_features_only():
    model = make(grl_lambda=0.7)
    b = batches_for(model)
    model.spec_ = InputSpec.from_batch(b["train"])
    net = model.new_network()
    net.eval()  # no dropout: the two passes below see the same features
    x = Feeder(b["train"], "cpu").take(torch.arange(40))
    events = x["domain_topic"]
    feature_params = list(net.text_fc.parameters()) + list(net.image_fc.parameters())
    disc_params = list(net.discriminator.parameters())

    def grads(reversed_path: bool):
        h = net.features(x)
        logits = net.event_logits(h) if reversed_path else net.discriminator(h)
        loss = F.cross_entropy(logits, events)
        return torch.autograd.grad(loss, feature_params + disc_params)

    through_reversal, plain = grads(True), grads(False)
    n = len(feature_params)
    for g_rev, g in zip(through_reversal[:n], plain[:n], strict=True):
        assert g.abs().sum() > 0
        torch.testing.assert_close(g_rev, -0.7 * g)  # the feature extractor climbs the event loss
    for g_rev, g in zip(through_reversal[n:], plain[n:], strict=True):
        torch.testing.assert_close(g_rev, g)  # the discriminator itself still descends it


def test_target_events_feed_the_discriminator_target_domains():
    model = make(target_events=True, epochs=2)
    b = batches_for(model)
    model.fit(b["train"], b["validation"], b["target"])
    history = model.fit_info()["training"]["history"]
    assert all(np.isfinite(h["event"]) for h in history)
    assert model.streams_target and not make().streams_target
