"""MMFND: valid probabilities, determinism, the two similarity paths and every Table 2 ablation switch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from baselines.allinputs import input_batches
from baselines.gradcheck import flows, loss_gradients, starved
from finefake.baselines import get_model
from finefake.baselines.mmfnd import Mmfnd

FAST = {"epochs": 4, "expert_hidden": 32, "feature_dim": 16, "classifier_hidden": 16, "lr": 3e-3}


def batches(signal="text", n_classes=2, shared=True, seed=0):
    b = input_batches(n=200, n_classes=n_classes, signal=signal, seed=seed)
    out = {k: v.restricted(Mmfnd.inputs) for k, v in b.items()}
    if not shared:
        for v in out.values():
            v.info = {**v.info, "shared_space": []}
    return out


@pytest.mark.parametrize("n_classes", [2, 6])
def test_valid_probabilities(n_classes):
    b = batches(n_classes=n_classes)
    model = get_model("mmfnd", **FAST).fit(b["train"], b["validation"])
    proba = model.predict_proba(b["test"])
    assert proba.shape == (len(b["test"]), n_classes)
    assert np.all(np.isfinite(proba)) and np.all(proba >= 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)


def test_deterministic_under_a_seed():
    b = batches(shared=False)
    first = Mmfnd(seed=4, **FAST).fit(b["train"], b["validation"]).predict_proba(b["test"])
    again = Mmfnd(seed=4, **FAST).fit(b["train"], b["validation"]).predict_proba(b["test"])
    np.testing.assert_array_equal(first, again)


@pytest.mark.parametrize("signal", ["text", "image"])
def test_beats_the_majority_floor(signal):
    b = batches(signal=signal)
    model = Mmfnd(**{**FAST, "epochs": 8}).fit(b["train"], b["validation"])
    floor = max(np.mean(b["test"].y == c) for c in range(2))
    assert np.mean(model.predict(b["test"]) == b["test"].y) > floor + 0.2


def test_shared_space_pair_is_used_directly():
    b = batches(shared=True)
    model = Mmfnd(**FAST).fit(b["train"], b["validation"])
    assert "shared-space views text_view:clip / image_view:clip" in model.fit_info()["similarity"]
    assert not hasattr(model.net_, "project_text")  # nothing learned stands in for CLIP
    x = {k: torch.as_tensor(np.asarray(v, dtype=np.float32)) for k, v in b["test"].arrays.items()}
    x["image_mask"] = torch.as_tensor(b["test"].image_mask)
    with torch.no_grad():
        sim = model.net_.eval()(x)["similarity"].numpy()
    t, v = b["test"].arrays["text_view:clip"], b["test"].arrays["image_view:clip"]
    expected = (t * v).sum(1) / np.linalg.norm(t, axis=1) / np.linalg.norm(v, axis=1)
    np.testing.assert_allclose(sim, expected, atol=1e-5)


def test_learned_projection_without_a_shared_pair():
    b = batches(shared=False)
    model = Mmfnd(**{**FAST, "epochs": 6}).fit(b["train"], b["validation"])
    assert model.fit_info()["similarity"].startswith("learned projections")
    history = model.fit_info()["training"]["history"]
    assert history[-1]["align"] < history[0]["align"]  # the stand-in similarity is being trained
    grads, _ = loss_gradients(model, b["train"])
    assert flows(grads, "project_text") and flows(grads, "project_image")


def test_view_statistics_come_from_training_rows_only():
    b = batches()
    model = Mmfnd(**{**FAST, "epochs": 1}).fit(b["train"], b["validation"])
    other = batches()
    other["validation"].arrays["text_view:minilm"] = other["validation"].arrays["text_view:minilm"] + 100.0
    again = Mmfnd(**{**FAST, "epochs": 1}).fit(other["train"], other["validation"])
    for name, (mean, _) in model.view_stats_.items():
        np.testing.assert_array_equal(mean, again.view_stats_[name][0])
    expected = np.asarray(b["train"].arrays["text_view:minilm"]).mean(0)
    np.testing.assert_allclose(model.view_stats_["text_view:minilm"][0], expected, rtol=1e-5, atol=1e-6)


# switch -> (parameter prefixes that must get no gradient, unused); run without a shared-space pair
ABLATIONS = {
    "text_only": ({"branches": "text"}, ["ple_image", "ple_text.task_experts.1", "ple_text.gates.1"], False),
    "image_only": ({"branches": "image"}, ["ple_text", "ple_image.task_experts.1"], False),
    "multimodal_only": ({"branches": "multimodal"}, ["ple_text.task_experts.0", "ple_image.gates.0"], False),
    "without_fusion": ({"branches": "unimodal"}, ["ple_text.task_experts.1", "project_text"], False),
    "without_attention": (
        {"attention": False, "similarity_weighting": False},
        ["attention", "project_text", "project_image"],
        False,
    ),
    "without_similarity": ({"similarity_weighting": False}, ["project_text", "project_image"], False),
    "without_clip": ({"clip": False}, ["project_text", "project_image"], False),
    "without_ple": ({"ple": False}, ["ple_text", "ple_image"], False),
}


@pytest.fixture(scope="module")
def full_model():
    b = batches(shared=False)
    full = Mmfnd(**{**FAST, "epochs": 1}).fit(b["train"], b["validation"])
    return b, full, full.predict_proba(b["test"]), loss_gradients(full, b["train"])[0]


@pytest.mark.parametrize("name", sorted(ABLATIONS))
def test_ablation_changes_the_output_and_starves_the_removed_part(name, full_model):
    switch, removed, _ = ABLATIONS[name]
    b, full, full_proba, full_grads = full_model
    ablated = Mmfnd(**{**FAST, "epochs": 1}, **switch).fit(b["train"], b["validation"])
    assert not np.allclose(full_proba, ablated.predict_proba(b["test"]))
    grads, _ = loss_gradients(ablated, b["train"])
    for prefix in removed:
        assert flows(full_grads, prefix), prefix  # the full model does train it
        assert starved(grads, prefix), prefix


def test_without_clip_ignores_the_shared_space_views():
    b = batches(shared=True)
    model = Mmfnd(**{**FAST, "epochs": 1}, clip=False).fit(b["train"], b["validation"])
    assert model.fit_info()["views"] == {"text": ["text_view:minilm"], "image": ["image_view:effnet"]}
    _, inputs = loss_gradients(model, b["train"])
    assert inputs["text_view:clip"] is None and inputs["image_view:clip"] is None
    full = Mmfnd(**{**FAST, "epochs": 1}).fit(b["train"], b["validation"])
    _, full_inputs = loss_gradients(full, b["train"])
    assert full_inputs["text_view:clip"] is not None


def test_only_the_used_branch_modules_are_built(full_model):
    """``ple=True`` builds the PLEs and no ``plain_*`` MLPs; ``ple=False`` the MLPs and no PLEs."""
    b, full, _, _ = full_model
    names = {n.split(".")[0] for n, _ in full.net_.named_parameters()}
    assert {"ple_text", "ple_image"} <= names and not any(n.startswith("plain_") for n in names)
    plain = Mmfnd(**{**FAST, "epochs": 1}, ple=False).fit(b["train"], b["validation"])
    names = {n.split(".")[0] for n, _ in plain.net_.named_parameters()}
    assert {"plain_text", "plain_image", "plain_cross"} <= names and not any(
        n.startswith("ple_") for n in names
    )
