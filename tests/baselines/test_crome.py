"""CroMe: valid probabilities, determinism, the proxy-anchor schedule and every Table II ablation switch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from baselines.allinputs import input_batches
from baselines.gradcheck import flows, loss_gradients, starved
from finefake.baselines import get_model
from finefake.baselines.crome import Crome, proxy_anchor_loss
from finefake.baselines.training import StepContext


def tensors(batch):
    x = {k: torch.as_tensor(np.asarray(v, dtype=np.float32)) for k, v in batch.arrays.items()}
    x["image_mask"] = torch.as_tensor(batch.image_mask)
    return x


FAST = {"epochs": 4, "hidden": 32, "heads": 2, "batch_size": 32, "metric_every": 1}


def batches(signal="text", n_classes=2, shared=True, seed=0):
    b = input_batches(n=200, n_classes=n_classes, signal=signal, seed=seed)
    out = {k: v.restricted(Crome.inputs) for k, v in b.items()}
    if not shared:
        for v in out.values():
            v.info = {**v.info, "shared_space": []}
    return out


@pytest.mark.parametrize("n_classes", [2, 6])
def test_valid_probabilities(n_classes):
    b = batches(n_classes=n_classes)
    model = get_model("crome", **FAST).fit(b["train"], b["validation"])
    proba = model.predict_proba(b["test"])
    assert proba.shape == (len(b["test"]), n_classes)
    assert np.all(np.isfinite(proba)) and np.all(proba >= 0)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    proxies = model.fit_info()["proxies"]  # static proxies are training items, one per class
    assert len(proxies) == n_classes and set(proxies) <= set(b["train"].ids)
    assert [b["train"].y[b["train"].ids.index(p)] for p in proxies] == list(range(n_classes))


def test_deterministic_under_a_seed():
    b = batches()
    first = Crome(seed=5, **FAST).fit(b["train"], b["validation"]).predict_proba(b["test"])
    again = Crome(seed=5, **FAST).fit(b["train"], b["validation"]).predict_proba(b["test"])
    np.testing.assert_array_equal(first, again)


@pytest.mark.parametrize("signal", ["text", "image"])
def test_beats_the_majority_floor(signal):
    b = batches(signal=signal)
    model = Crome(**{**FAST, "epochs": 8}).fit(b["train"], b["validation"])
    floor = max(np.mean(b["test"].y == c) for c in range(2))
    assert np.mean(model.predict(b["test"]) == b["test"].y) > floor + 0.2


def test_stand_ins_with_and_without_a_shared_pair():
    b = batches(shared=True)
    info = Crome(**{**FAST, "epochs": 1}).fit(b["train"], b["validation"]).fit_info()
    assert info["encodings"] == {
        "Z_i1": ["image_view:effnet"],
        "Z_i2": ["image_view:clip"],
        "Z_t1": ["text_view:minilm"],
        "Z_t2": ["text_view:clip"],
        "Z_b": ["text_view:clip", "image_view:clip"],
    }
    b = batches(shared=False)
    info = Crome(**{**FAST, "epochs": 1}).fit(b["train"], b["validation"]).fit_info()
    assert info["encodings"]["Z_t2"] == ["text_view:minilm"] and info["encodings"]["Z_i2"] == [
        "image_view:effnet"
    ]


def test_metric_learning_takes_turns_every_few_epochs():
    b = batches()
    model = Crome(**{**FAST, "epochs": 7, "metric_every": 3, "patience": 0}).fit(b["train"], b["validation"])
    schedule = model.fit_info()["metric_schedule"]
    assert [s["encoding"] for s in schedule] == ["Z_i1", "Z_i2", "Z_t1"]
    assert [s["epochs"] for s in schedule] == [[1, 3], [4, 6], [7, 7]]
    history = model.fit_info()["training"]["history"]
    assert "metric_i1" in history[2] and "metric_i2" in history[3] and "metric_t1" in history[6]
    assert Crome().get_params()["metric_every"] == 5  # the paper's frequency is the default


def test_proxy_anchor_loss_rewards_clustering_by_class():
    y = torch.tensor([0, 0, 1, 1])
    proxies = torch.tensor([[1.0, 0.0], [0.0, 1.0]])
    clustered = torch.tensor([[1.0, 0.1], [0.9, 0.0], [0.0, 1.0], [0.1, 0.8]])
    assert proxy_anchor_loss(clustered, y, proxies, 16, 0.1) < proxy_anchor_loss(
        clustered.flip(0), y, proxies, 16, 0.1
    )


def test_metric_loss_reaches_only_the_active_head():
    b = batches()
    model = Crome(**{**FAST, "epochs": 1}).fit(b["train"], b["validation"])
    net = model.net_.train()
    net.zero_grad(set_to_none=True)
    x = tensors(b["train"])
    out = net(x)
    metric = proxy_anchor_loss(
        out["encodings"]["t2"], torch.as_tensor(b["train"].y), net.proxies("t2"), 16, 0.1
    )
    metric.backward()
    grads = {n: p.grad for n, p in net.named_parameters()}
    assert flows(grads, "heads.t2")
    for other in ("heads.t1", "heads.i1", "heads.i2", "heads.b", "detector", "tri"):
        assert starved(grads, other), other


@pytest.fixture(scope="module")
def full_model():
    b = batches()
    full = Crome(**{**FAST, "epochs": 1}).fit(b["train"], b["validation"])
    return b, full, full.predict_proba(b["test"]), loss_gradients(full, b["train"])[0]


ABLATIONS = {
    "without_image": ({"image_encoders": False}, ["heads.i1", "heads.i2", "project.image"]),
    "without_text": ({"text_encoders": False}, ["heads.t1", "heads.t2", "project.text"]),
    "without_blip": ({"aligned_encoders": False}, ["heads.t2", "heads.i2", "heads.b", "c2", "similarity"]),
    "without_joint": ({"joint_encoder": False}, ["heads.b"]),
    "without_cm": ({"cross_modal": False}, ["correlation", "c2", "similarity_weights"]),
    "without_tt": ({"tri_transformer": False}, ["tri"]),
}


@pytest.mark.parametrize("name", sorted(ABLATIONS))
def test_ablation_changes_the_output_and_starves_the_removed_part(name, full_model):
    switch, removed = ABLATIONS[name]
    b, _, full_proba, full_grads = full_model
    ablated = Crome(**{**FAST, "epochs": 1}, **switch).fit(b["train"], b["validation"])
    assert not np.allclose(full_proba, ablated.predict_proba(b["test"]))
    grads, _ = loss_gradients(ablated, b["train"])
    for prefix in removed:
        assert flows(full_grads, prefix), prefix
        assert starved(grads, prefix), prefix


def test_without_metric_learning_the_loss_is_the_classification_loss(full_model):
    b, full, full_proba, _ = full_model
    ablated = Crome(**{**FAST, "epochs": 1}, metric_learning=False).fit(b["train"], b["validation"])
    assert not np.allclose(full_proba, ablated.predict_proba(b["test"]))
    assert "metric_schedule" not in ablated.fit_info()
    assert all(not k.startswith("metric") for k in ablated.fit_info()["training"]["history"][0])
    # the full model's loss adds the metric term; without metric learning the loss is the cross-entropy alone
    x, y = tensors(b["train"]), torch.as_tensor(b["train"].y)
    ctx = StepContext(0, 1, y=y, state={"metric_encoding": "i1"})
    full_out = full.net_.train()(x)
    full_loss, parts = full.loss(full.net_, full_out, x, ctx)
    assert float(parts["metric_i1"].detach()) > 0
    torch.testing.assert_close(full_loss, F.cross_entropy(full_out["logits"], y) + 0.1 * parts["metric_i1"])
    out = ablated.net_.train()(x)
    torch.testing.assert_close(ablated.loss(ablated.net_, out, x, ctx), F.cross_entropy(out["logits"], y))
