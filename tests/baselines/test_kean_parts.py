"""KEAN's BBSE weight estimate and its ablation switches."""

from __future__ import annotations

import numpy as np
import pytest

from finefake.baselines import get_model
from finefake.baselines.blocks import bbse_refusal, bbse_weights


def test_bbse_recovers_a_known_label_shift():
    rng = np.random.default_rng(0)
    # a classifier that is right 80% of the time; source prior 50/50, target prior 90/10
    val_true = rng.integers(0, 2, 4000)
    val_pred = np.where(rng.random(4000) < 0.8, val_true, 1 - val_true)
    target_true = (rng.random(4000) < 0.1).astype(int)
    target_pred = np.where(rng.random(4000) < 0.8, target_true, 1 - target_true)
    w, info = bbse_weights(val_true, val_pred, target_pred, 2, shrinkage=0.0)
    np.testing.assert_allclose(w, [1.8, 0.2], atol=0.12)
    assert not info["ill_conditioned"] and info["regularisation"] == 0
    # the shrinkage is the estimate's sampling variance: strong on 16 source items, negligible on 4000
    shrunk, small = bbse_weights(val_true[:16], val_pred[:16], target_pred, 2)
    plain, _ = bbse_weights(val_true[:16], val_pred[:16], target_pred, 2, shrinkage=0.0)
    assert abs(shrunk - 1).max() < abs(plain - 1).max()
    full, large = bbse_weights(val_true, val_pred, target_pred, 2)
    assert small["regularisation"] > 10 * large["regularisation"]
    np.testing.assert_allclose(full, w, atol=0.02)


def test_bbse_is_regularised_and_clipped_when_the_confusion_matrix_is_singular():
    val_true = np.array([0, 0, 1, 1, 2, 2])
    val_pred = np.array([0, 0, 0, 0, 1, 1])  # never predicts class 2: C_h is singular
    w, info = bbse_weights(val_true, val_pred, np.array([0, 1] * 5), 6)
    assert info["ill_conditioned"] and np.all(np.isfinite(w)) and np.all(w >= 0)
    assert w[3:].tolist() == [1.0, 1.0, 1.0]  # classes absent from held-out source keep weight 1
    w, _ = bbse_weights(np.array([0, 0, 1]), np.array([1, 1, 0]), np.array([0, 1]), 2)  # nothing right
    assert np.all(np.isfinite(w))


@pytest.mark.parametrize(
    ("source_pred", "target_pred", "reason"),
    [
        ([0, 1, 0, 1, 1, 0, 1, 0], [1] * 8, "every target item"),  # the constant first stage KEAN refuses
        ([0, 1, 0, 1, 1, 0, 1, 0], [0] * 8, "every target item"),
        ([1] * 8, [0, 1, 1, 1, 0, 1, 1, 1], "every held-out source item"),  # a constant source predictor
    ],
)
def test_bbse_refuses_degenerate_predictions(source_pred, target_pred, reason):
    """Unguarded, these inputs gave weights [0, 2.23], [2.23, 0] and [0.78, 0.78] (CANMD called it so): the
    shared guard returns no correction and says why."""
    source_true = np.array([0, 1, 0, 1, 0, 0, 1, 1])
    w, info = bbse_weights(source_true, np.array(source_pred), np.array(target_pred), 2)
    assert w.tolist() == [1.0, 1.0] and reason in info["refused"]
    assert bbse_refusal(np.array(target_pred), 2, np.array(source_pred)) == info["refused"]
    assert bbse_refusal(np.array([0, 1]), 2, np.array([1, 0])) is None


def test_paper_defaults_and_ablation_switches():
    params = get_model("kean").get_params()
    assert params["lr"] == 1e-3 and params["weight_decay"] == 5e-4 and params["batch_size"] == 32
    assert params["adv_weight"] == 0.8 and params["recon_weight"] == 0.2
    assert params["use_knowledge"] and params["adversarial"] and params["reweight"]


def test_in_domain_runs_without_discriminator_and_reweighting(binary_batches):
    b = binary_batches
    model = get_model("kean", epochs=2).fit(b["train"], b["validation"])
    info = model.fit_info()
    assert not info["domain_adaptation"] and "bbse" not in info
    assert all(epoch["adv"] == 0 for epoch in info["first_run"]["history"])
    adapted = get_model("kean", epochs=2, use_knowledge=False, reweight=False).fit(
        b["train"], b["validation"], b["test"].unlabeled()
    )
    assert adapted.fit_info()["domain_adaptation"] and "bbse" not in adapted.fit_info()
    assert all(
        epoch["adv"] > 0 and epoch["recon"] == 0 for epoch in adapted.fit_info()["first_run"]["history"]
    )
    no_adv = get_model("kean", epochs=2, adversarial=False).fit(
        b["train"], b["validation"], b["test"].unlabeled()
    )
    assert "bbse" in no_adv.fit_info() and all(
        e["adv"] == 0 for e in no_adv.fit_info()["second_run"]["history"]
    )
