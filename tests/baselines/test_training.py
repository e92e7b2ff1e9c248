"""The shared training loop and the declared-input Batch."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from baselines.allinputs import input_batches
from finefake.baselines.base import Batch, RowView
from finefake.baselines.blocks import TextCNN, grad_reverse, mk_mmd
from finefake.baselines.training import InputSpec, TorchModel


class TokenCNN(TorchModel):
    """A tiny detector over the token states (memory-mapped in the harness) and the pooled text."""

    inputs = frozenset({"text", "text_tokens"})

    def __init__(
        self,
        *,
        epochs=6,
        batch_size=32,
        lr=3e-3,
        weight_decay=0.0,
        patience=0,
        seed=0,
        select_metric="accuracy",
    ):
        self.epochs, self.batch_size, self.lr, self.weight_decay = epochs, batch_size, lr, weight_decay
        self.patience, self.seed, self.select_metric = patience, seed, select_metric

    def build(self, spec: InputSpec):
        d = spec.dim("text_tokens")

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.cnn = TextCNN(d, (1, 2), 8)
                self.head = nn.Linear(self.cnn.out_dim + spec.dim("text"), spec.n_classes)

            def forward(self, x):
                h = self.cnn(x["text_tokens"], x["text_tokens_mask"])
                return self.head(torch.cat([h, x["text"]], dim=1))

        return Net()


def _accuracy(model, batch):
    return float(np.mean(model.predict(batch) == batch.y))


def test_loop_learns_a_planted_signal_deterministically():
    b = input_batches(signal="text")
    declared = {k: v.restricted(TokenCNN.inputs) for k, v in b.items()}
    assert isinstance(declared["train"].text_tokens, RowView)
    first = TokenCNN(seed=1).fit(declared["train"], declared["validation"])
    again = TokenCNN(seed=1).fit(declared["train"], declared["validation"])
    np.testing.assert_array_equal(
        first.predict_proba(declared["test"]), again.predict_proba(declared["test"])
    )
    assert _accuracy(first, declared["test"]) > 0.9
    info = first.fit_info()["training"]
    assert info["selected_on"] == "source validation accuracy"
    assert 1 <= info["selected_epoch"] <= 6


def test_macro_f1_selection_and_early_stopping():
    b = {k: v.restricted(TokenCNN.inputs) for k, v in input_batches(signal="none").items()}
    model = TokenCNN(epochs=30, patience=2, select_metric="macro_f1").fit(b["train"], b["validation"])
    info = model.fit_info()["training"]
    assert info["stopped_early_at"] is not None and info["stopped_early_at"] < 30
    assert "val_macro_f1" in info["history"][0]


def test_undeclared_inputs_are_absent():
    b = input_batches()["train"].restricted(frozenset({"text"}))
    assert set(b.arrays) == {"text"}
    with pytest.raises(AttributeError, match="did not declare the input 'kg'"):
        b.kg  # noqa: B018
    assert b.inputs == frozenset({"text"})
    image = input_batches()["train"].restricted(frozenset({"image"}))
    assert set(image.arrays) == {"image", "image_mask"}


def test_row_view_gathers_only_the_asked_rows(tmp_path):
    base = np.lib.format.open_memmap(tmp_path / "t.npy", mode="w+", dtype=np.float16, shape=(50, 3, 2))
    base[:] = np.arange(50, dtype=np.float16)[:, None, None]
    view = RowView(base, np.array([40, 3, 17, 9]))
    np.testing.assert_array_equal(view[np.array([2, 0])][:, 0, 0], [17, 40])
    narrower = view.take([1, 3])
    assert narrower.shape == (2, 3, 2)
    np.testing.assert_array_equal(np.asarray(narrower)[:, 0, 0], [3, 9])
    batch = Batch.of(["a", "b", "c", "d"], text_tokens=view, y=[0, 1, 0, 1])
    assert isinstance(batch.subset([0, 1]).text_tokens, RowView)


def test_class_weights_move_the_decision():
    b = {k: v.restricted(TokenCNN.inputs) for k, v in input_batches(signal="none", seed=3).items()}
    model = TokenCNN(epochs=3)
    model.fit(b["train"], b["validation"])
    net, _ = model.train_network(b["train"], b["validation"], None, class_weights=np.array([0.05, 5.0]))
    model.net_ = net
    assert np.mean(model.predict(b["test"]) == 1) > 0.8


def test_gradient_reversal_flips_the_sign():
    x = torch.ones(3, requires_grad=True)
    (grad_reverse(x, 0.5) * 2).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), -1.0)


def test_mk_mmd_separates_shifted_samples():
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(64, 5, generator=g), torch.randn(64, 5, generator=g)
    assert mk_mmd(a, b) < mk_mmd(a, b + 2.0)
    assert float(mk_mmd(a, a)) == pytest.approx(0.0, abs=1e-6)
