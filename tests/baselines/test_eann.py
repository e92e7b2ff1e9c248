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


def test_discriminator_tells_apart_only_the_events_of_its_training_rows():
    """A source of one event (platform and dual adaptation: all politics) leaves nothing to discriminate: the
    event loss is zero. With an output per dataset domain instead, the reversed gradient pushed the features
    toward events never seen, and on the planted-shift data the detector learnt nothing."""
    model = make(epochs=3)
    b = batches_for(model)
    one = {k: v.subset(np.arange(len(v))) for k, v in b.items()}
    for batch in one.values():
        batch.arrays["domain_topic"] = np.full(len(batch), 4, dtype=np.int64)
    model.fit(one["train"], one["validation"])
    assert all(h["event"] == 0.0 for h in model.fit_info()["training"]["history"])
    assert model.fit_info()["events"] == [4]
    two = make(epochs=1)
    two.fit(b["train"], b["validation"])
    assert two.fit_info()["events"] == sorted(set(b["train"].domain_topic.tolist()))
    assert two.net_.discriminator[-1].out_features == len(two.fit_info()["events"])
