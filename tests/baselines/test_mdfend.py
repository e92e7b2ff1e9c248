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
