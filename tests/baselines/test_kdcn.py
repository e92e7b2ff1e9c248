"""KDCN: the knowledge-guided dual-consistency network (Sun et al., 2023)."""

from __future__ import annotations

import numpy as np
import torch

from baselines.knowledge_checks import (
    check_deterministic,
    check_knowledge_is_used,
    check_probabilities,
    declared,
)
from finefake.baselines import get_model
from finefake.baselines.kdcn import Kdcn, orthogonality, top_entity_pairs


def small(**extra) -> Kdcn:
    return Kdcn(**{"feature_dim": 32, "epochs": 10, "batch_size": 32, "num_threads": 1, "seed": 1, **extra})


def test_registered_with_its_inputs():
    assert isinstance(get_model("kdcn"), Kdcn)
    assert Kdcn.inputs == {"text", "image", "entities"}


def test_probabilities_for_two_and_six_classes():
    check_probabilities(small)


def test_deterministic_under_a_seed():
    check_deterministic(small)


def test_knowledge_is_used():
    check_knowledge_is_used(small)


def test_learns_from_the_image_and_logs_its_losses():
    b = declared(Kdcn, n=300, signal="image")
    model = small().fit(b["train"], b["validation"])
    assert np.mean(model.predict(b["test"]) == b["test"].y) > 0.8
    first = model.fit_info()["training"]["history"][0]
    assert {"ce", "orthogonality", "has_image"} <= set(first)


def test_top_pairs_are_the_most_similar_present_entities():
    transe = torch.tensor([[[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [1.0, 0.01]]])
    mask = torch.tensor([[True, True, True, False]])  # entity 3 (most similar to 0) is absent
    first, second, sim, valid = top_entity_pairs(transe, mask, 5)
    assert (first[0, 0], second[0, 0]) == (0, 1)
    assert valid[0].tolist() == [True, True, True, False, False]
    assert sim[0, 0] > sim[0, 1] > sim[0, 2]
    _, _, _, none = top_entity_pairs(transe, torch.tensor([[True, False, False, False]]), 5)
    assert not none.any()


def test_orthogonality_penalty_is_zero_for_orthogonal_projections():
    # as in the official code, the penalty is on the projection weights (rows = output directions): a unique
    # space spanned by directions orthogonal to the shared space's costs nothing
    shared = torch.tensor([[1.0, 0.0, 0.0, 0.0], [0.0, 2.0, 0.0, 0.0]])
    unique = torch.tensor([[0.0, 0.0, 3.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
    assert float(orthogonality(unique, shared)) == 0.0
    assert float(orthogonality(shared, shared)) == float(torch.tensor([[1.0, 0.0], [0.0, 4.0]]).norm())


def test_orthogonality_is_trained_down():
    b = declared(Kdcn, n=200, signal="image")
    model = small(epochs=6).fit(b["train"], b["validation"])
    history = model.fit_info()["training"]["history"]
    assert history[-1]["orthogonality"] < history[0]["orthogonality"]


def test_posts_without_images_use_the_no_image_token():
    b = declared(Kdcn, n=120, signal="knowledge")
    for split in ("train", "validation", "test"):
        b[split].arrays["image_mask"][:] = False
        b[split].arrays["image"][:] = 0.0
    model = small(epochs=2).fit(b["train"], b["validation"])
    proba = model.predict_proba(b["test"])
    assert np.all(np.isfinite(proba))
    assert model.net_.no_image.abs().sum() > 0  # the token was learned
