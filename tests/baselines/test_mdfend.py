"""MDFEND: the shared detector checks, and the domain gate actually reading the domain."""

from __future__ import annotations

import numpy as np
import torch

from baselines.detector_checks import (
    batches_for,
    check_adaptation_floor,
    check_beats_majority,
    check_deterministic,
    check_probabilities,
)
from finefake.baselines import get_model
from finefake.baselines.mdfend import Mdfend

FAST = {"epochs": 6, "filters": 8, "gate_hidden": 16, "mlp_hidden": 16, "kernel_sizes": (1, 2, 3), "lr": 3e-3}


def make(**overrides) -> Mdfend:
    return get_model("mdfend", **{**FAST, **overrides})


def test_probabilities_two_and_six_classes():
    check_probabilities(make)


def test_deterministic_under_a_seed():
    check_deterministic(make)


def test_beats_the_majority_floor_on_a_text_signal():
    check_beats_majority(make, "text")


def test_holds_the_logreg_floor_under_shift_without_collapsing():
    check_adaptation_floor(make)


def test_gate_weights_depend_on_the_domain():
    model = make(domain="platform", epochs=2)
    b = batches_for(model)
    model.fit(b["train"], b["validation"])
    x = {
        "text_tokens": torch.from_numpy(np.asarray(b["test"].text_tokens, dtype=np.float32)[:4]),
        "text_tokens_mask": torch.from_numpy(b["test"].text_tokens_mask[:4]),
    }
    with torch.no_grad():
        gates = [
            model.forward(model.net_, {**x, "domain_platform": torch.full((4,), d)})["gate"] for d in (0, 5)
        ]
    assert torch.allclose(gates[0].sum(1), torch.ones(4))
    assert not torch.allclose(gates[0], gates[1])
    assert model.fit_info()["training"]["selected_on"] == "source validation macro_f1"


def test_an_unseen_target_domain_gates_like_the_mean_trained_domain():
    """A target platform no training row has must not feed the gate its random initial embedding."""
    model = make(domain="platform", epochs=2)
    full = batches_for(model)
    train = full["train"].subset(np.flatnonzero(full["train"].domain_platform < 6))
    target = full["target"].subset(np.flatnonzero(full["target"].domain_platform >= 6))
    model.fit(train, full["validation"], target)
    domain = model.net_.gate.domain
    assert domain.trained.tolist() == [True] * 6 + [False] * 2  # validation and target ids never count
    mean = domain.table.weight[:6].mean(dim=0)
    assert not torch.allclose(domain.table.weight[6], mean)  # the raw row is still its initialisation
    torch.testing.assert_close(domain(torch.tensor([6, 7])), mean.expand(2, -1))
    torch.testing.assert_close(domain(torch.tensor([3]))[0], domain.table.weight[3])
    x = {
        "text_tokens": torch.from_numpy(np.asarray(target.text_tokens, dtype=np.float32)[:4]),
        "text_tokens_mask": torch.from_numpy(target.text_tokens_mask[:4]),
    }
    with torch.no_grad():
        gates = [
            model.forward(model.net_, {**x, "domain_platform": torch.full((4,), d)})["gate"] for d in (6, 7)
        ]
    torch.testing.assert_close(gates[0], gates[1])  # both unseen platforms read the same embedding
