"""Which parameters and inputs of a fitted TorchModel receive a gradient from one training loss (ablation
tests: a removed part must receive none)."""

from __future__ import annotations

from typing import Any

import torch

from finefake.baselines.base import Batch
from finefake.baselines.training import Feeder, StepContext, TorchModel


def loss_gradients(model: TorchModel, batch: Batch) -> tuple[dict[str, Any], dict[str, Any]]:
    """Gradients of ``model``'s training loss on ``batch`` (one mini-batch, training mode): ``(by parameter
    name, by input array name)``; ``None`` where nothing flowed."""
    net = model.net_
    net.train()
    net.zero_grad(set_to_none=True)
    feed = Feeder(batch, "cpu")
    x = feed.take(torch.arange(len(batch)))
    for tensor in x.values():
        if tensor.is_floating_point():
            tensor.requires_grad_(True)
    ctx = StepContext(0, 1, 0, 1, y=feed.y, generator=torch.Generator().manual_seed(0))
    model.on_epoch_start(net, ctx)
    loss = model.loss(net, model.forward(net, x), x, ctx)
    loss = loss[0] if isinstance(loss, tuple) else loss
    loss.backward()
    net.eval()
    params = {name: p.grad for name, p in net.named_parameters()}
    inputs = {name: t.grad for name, t in x.items() if t.is_floating_point()}
    return params, inputs


def flows(grads: dict[str, Any], prefix: str) -> bool:
    """True when some parameter (or input) named ``prefix...`` got a non-zero gradient."""
    hits = [g for name, g in grads.items() if name.startswith(prefix)]
    assert hits, f"nothing named {prefix!r}"
    return any(g is not None and bool(torch.any(g != 0)) for g in hits)


def starved(grads: dict[str, Any], prefix: str) -> bool:
    """True when no parameter (or input) named ``prefix...`` got a non-zero gradient, including when the part
    was not built at all."""
    return all(g is None or not bool(torch.any(g != 0)) for n, g in grads.items() if n.startswith(prefix))
