"""M3FEND: the shared detector checks, the memory written after every step, its KMeans init on train rows."""

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
from finefake.baselines.m3fend import M3fend

FAST = {
    "epochs": 6,
    "semantic_experts": 2,
    "emotion_experts": 2,
    "style_experts": 1,
    "lnn_dim": 4,
    "kernel_sizes": (1, 2),
    "filters": 8,
    "expert_hidden": 16,
    "gate_hidden": 16,
    "mlp_hidden": 16,
    "memory_slots": 3,
    "lr": 3e-3,
}


def make(**overrides) -> M3fend:
    return get_model("m3fend", **{**FAST, **overrides})


def test_probabilities_two_and_six_classes():
    check_probabilities(make)


def test_deterministic_under_a_seed():
    check_deterministic(make, adapt=True)


def test_beats_the_majority_floor_on_a_text_signal():
    check_beats_majority(make, "text")


def test_holds_the_logreg_floor_under_shift_without_collapsing():
    check_adaptation_floor(make)


class Recording(M3fend):
    """M3FEND that keeps a copy of the memory bank after every optimiser step."""

    def after_step(self, net, out, x, ctx):
        if not hasattr(self, "snapshots"):
            self.snapshots = [net.memory.clone()]
        super().after_step(net, out, x, ctx)
        self.snapshots.append(net.memory.clone())


def test_memory_is_written_after_every_optimiser_step():
    model = Recording(**{**FAST, "epochs": 2, "batch_size": 32})
    b = batches_for(model)
    model.fit(b["train"])  # no validation: the last epoch's network (and memory) is kept
    snaps = model.snapshots
    steps = 2 * -(-len(b["train"]) // 32)
    assert len(snaps) == steps + 1
    for before, after in zip(snaps[:-1], snaps[1:], strict=True):
        assert not torch.equal(before, after)  # every step moved some domain's memory
    assert torch.equal(model.net_.memory, snaps[-1])
    drift = (snaps[-1] - snaps[0]).abs().amax(dim=(1, 2))
    assert torch.all(drift > 0)  # every training domain was written


def test_selected_checkpoint_restores_its_memory():
    model = make(epochs=4)
    b = batches_for(model)
    model.fit(b["train"], b["validation"])
    assert "memory" in model.net_.state_dict()
    assert bool(model.net_.has_memory.all())


def test_memory_starts_from_kmeans_of_training_rows_only():
    model = make(domain="platform")
    full = batches_for(model)
    # the target holds only platforms 6 and 7, absent from training: they must get no memory
    train = full["train"].subset(np.flatnonzero(full["train"].domain_platform < 6))
    target = full["target"].subset(np.flatnonzero(full["target"].domain_platform >= 6))
    seen = []
    original = model.init_memory

    def spy(net, rows):
        seen.append(rows.ids)
        original(net, rows)

    model.init_memory = spy
    model.fit(train, full["validation"], target)
    assert seen and all(ids == train.ids for ids in seen)
    assert model.fit_info()["memory_init"] == {"rows": len(train), "domains": [0, 1, 2, 3, 4, 5]}
    has = model.net_.has_memory.tolist()
    assert has == [True] * 6 + [False] * 2
    assert float(model.net_.memory[6:].abs().sum()) == 0.0
    proba = model.predict_proba(target)  # unseen domains read the training domains' memories
    assert np.all(np.isfinite(proba))
    # ... and their own domain embedding is the mean of the trained ones, not an untrained row
    embedding = model.net_.domain_embedding
    assert embedding.trained.tolist() == has
    trained_mean = embedding.table.weight[:6].mean(dim=0)
    for unseen in (6, 7):
        torch.testing.assert_close(embedding(torch.tensor([unseen]))[0], trained_mean)
    torch.testing.assert_close(embedding(torch.tensor([2]))[0], embedding.table.weight[2])
