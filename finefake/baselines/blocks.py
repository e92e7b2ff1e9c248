"""Building blocks that several published detectors share, written once.

* ``GradientReversal`` / ``grad_reverse``: identity forward, gradient multiplied by ``-lambda`` backward
  (Ganin & Lempitsky, 2015) -- EANN's event discriminator, KEAN's and KDCN's adversaries.
* ``mk_mmd`` / ``class_conditional_mmd``: multi-kernel maximum mean discrepancy with Gaussian kernels
  (Long et al., 2015) -- CANMD's contrastive adaptation.
* ``TextCNN``: 1-d convolutions of several widths over a token sequence, max-pooled over time (Kim, 2014) --
  SAFE, EANN, MDFEND and M3FEND experts.
* ``AttentionPooling``: a learned masked softmax pooling of a sequence (MDFEND's gate input, KAN).
* ``DomainEmbedding``: a learned vector per domain id, where an id no training row had reads as the mean of the
  trained ones (MDFEND's and M3FEND's domain embeddings, in adaptation settings whose target domain is unseen).
* ``MoEGate``: a softmax gate over experts from a domain embedding and a pooled text (MDFEND, M3FEND, MMFND's
  PLE).
* ``mlp``: Linear -> (BatchNorm) -> ReLU -> Dropout stacks.
* ``PLELayer``: one extraction layer of Progressive Layered Extraction (Tang et al., 2020): task-specific and
  shared expert groups, one softmax gate per task over its own and the shared experts (MMFND).


* ``MaskedTransformerEncoder`` (with optional sinusoidal positions) and ``masked_attention``: Transformer
  encoding and multi-head cross-attention over masked sequences where a row may have no present position
  (an item without entities gives zeros, not NaNs) -- KAN.

All take and return torch tensors; masks are boolean with True = present. torch is imported here (this module
is only imported by torch detectors, never by the CLI at start-up).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn


class _Reverse(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x: torch.Tensor, lam: float) -> torch.Tensor:
        ctx.lam = lam
        return x.view_as(x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        return -ctx.lam * grad, None


def grad_reverse(x: torch.Tensor, lam: float = 1.0) -> torch.Tensor:
    """``x`` unchanged in the forward pass; the gradient flowing back is multiplied by ``-lam``."""
    return _Reverse.apply(x, lam)


class GradientReversal(nn.Module):
    """``grad_reverse`` as a module; ``lam`` may be changed during training (e.g. a schedule)."""

    def __init__(self, lam: float = 1.0):
        super().__init__()
        self.lam = lam

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return grad_reverse(x, self.lam)


class BatchNorm1d(nn.BatchNorm1d):
    """``nn.BatchNorm1d`` that normalises a single-row training batch with its running statistics instead of
    failing (a last mini-batch of one row happens whenever ``n % batch_size == 1``)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training and x.shape[0] == 1:
            return F.batch_norm(
                x, self.running_mean, self.running_var, self.weight, self.bias, False, 0.0, self.eps
            )
        return super().forward(x)


def mlp(
    dims: Sequence[int], *, dropout: float = 0.0, batch_norm: bool = False, last_activation: bool = True
) -> nn.Sequential:
    """Linear layers ``dims[0] -> dims[1] -> ...``, each followed by (BatchNorm,) ReLU and Dropout.

    ``last_activation=False`` leaves the last Linear bare (a classifier head).
    """
    layers: list[nn.Module] = []
    for i, (d_in, d_out) in enumerate(zip(dims[:-1], dims[1:], strict=True)):
        layers.append(nn.Linear(d_in, d_out))
        if i < len(dims) - 2 or last_activation:
            if batch_norm:
                layers.append(BatchNorm1d(d_out))
            layers.append(nn.ReLU())
            if dropout:
                layers.append(nn.Dropout(dropout))
    return nn.Sequential(*layers)


class TextCNN(nn.Module):
    """Kim-style CNN: for each width ``k``, ``filters`` convolutions over the sequence, max-pooled over time.

    Input ``(B, L, D)`` with an optional mask ``(B, L)``; output ``(B, len(widths) * filters)``. Padded positions
    are excluded from the max (a sequence shorter than a width is zero-padded so every width has an output).
    """

    def __init__(self, d_in: int, widths: Sequence[int], filters: int, activation: str = "relu"):
        super().__init__()
        self.widths = tuple(widths)
        self.convs = nn.ModuleList(nn.Conv1d(d_in, filters, k) for k in self.widths)
        self.activation = activation
        self.out_dim = len(self.widths) * filters

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        if mask is not None:
            x = x * mask.unsqueeze(-1).to(x.dtype)
        h = x.transpose(1, 2)  # (B, D, L)
        longest = max(self.widths)
        if h.shape[2] < longest:
            h = F.pad(h, (0, longest - h.shape[2]))
        outs = []
        for conv in self.convs:
            c = conv(h)  # (B, F, L - k + 1)
            c = torch.relu(c) if self.activation == "relu" else c
            if mask is not None:
                # a window counts when its first position is a real token
                valid = F.pad(mask, (0, max(0, longest - mask.shape[1])))[:, : c.shape[2]]
                valid = valid | ~valid.any(dim=1, keepdim=True)  # an empty row keeps every window
                c = c.masked_fill(~valid.unsqueeze(1), float("-inf"))
            outs.append(c.max(dim=2).values)
        return torch.cat(outs, dim=1)


class AttentionPooling(nn.Module):
    """Masked softmax attention pooling: ``sum_i softmax(w . tanh(W x_i)) x_i`` over the present positions."""

    def __init__(self, d_in: int, d_hidden: int | None = None):
        super().__init__()
        d_hidden = d_hidden or d_in
        self.score = nn.Sequential(nn.Linear(d_in, d_hidden), nn.Tanh(), nn.Linear(d_hidden, 1))

    def forward(self, x: torch.Tensor, mask: torch.Tensor | None = None) -> torch.Tensor:
        scores = self.score(x).squeeze(-1)  # (B, L)
        if mask is not None:
            empty = ~mask.any(dim=1, keepdim=True)
            scores = scores.masked_fill(~(mask | empty), float("-inf"))
        weights = torch.softmax(scores, dim=1)
        return torch.bmm(weights.unsqueeze(1), x).squeeze(1)


def masked_mean(x: torch.Tensor, mask: torch.Tensor | None, dim: int = 1) -> torch.Tensor:
    """Mean over ``dim`` of the present positions (zeros for a row with none)."""
    if mask is None:
        return x.mean(dim=dim)
    m = mask.to(x.dtype).unsqueeze(-1)
    return (x * m).sum(dim=dim) / m.sum(dim=dim).clamp_min(1.0)


def masked_max(x: torch.Tensor, mask: torch.Tensor, dim: int = 1) -> torch.Tensor:
    """Max over ``dim`` (a sequence of vectors) of the present positions (zeros for a row with none)."""
    top = x.masked_fill(~mask.unsqueeze(-1), float("-inf")).max(dim=dim).values
    return torch.where(mask.any(dim, keepdim=True), top, torch.zeros_like(top))


class DomainEmbedding(nn.Module):
    """One learned vector per domain id; an id that no training row had reads as the mean of the trained ones.

    Why: in a domain-adaptation setting the target's domain (a topic or platform held out of the source) has
    no training rows, so a plain ``nn.Embedding`` row for it stays at its random initialisation, an input the
    network downstream (a domain gate) never saw: on the planted-shift data (real encoders) it sent M3FEND's
    gate to an expert mixture no training row had, and one seed's predictions to one class. The mean of
    the trained domains is the embedding of "a domain like the training ones", the same stance the word
    vocabulary takes with its unknown id. ``mark_trained`` is called with the training rows' ids before
    training (the ids of the validation and target rows never count); the flags are a buffer, so a
    checkpoint carries them. Before any id is marked, every row is its own vector (a plain embedding).
    """

    def __init__(self, n_domains: int, dim: int):
        super().__init__()
        self.table = nn.Embedding(n_domains, dim)
        self.register_buffer("trained", torch.zeros(n_domains, dtype=torch.bool))

    def mark_trained(self, ids: Any) -> None:
        """Flag the domain ids that training rows carry."""
        ids = torch.as_tensor(np.unique(np.asarray(ids)), dtype=torch.long, device=self.trained.device)
        self.trained[ids] = True

    @property
    def weight(self) -> torch.Tensor:
        """The effective table ``(n_domains, dim)``: trained rows as learned, the others their mean."""
        table = self.table.weight
        if not bool(self.trained.any()) or bool(self.trained.all()):
            return table
        mean = table[self.trained].mean(dim=0, keepdim=True)
        return torch.where(self.trained.unsqueeze(1), table, mean)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.weight[ids]


class MoEGate(nn.Module):
    """Softmax weights over ``n_experts`` from ``[domain embedding ; pooled input]`` (MDFEND's domain gate).

    ``hidden`` is the gate MLP's width; the domain embedding has ``d_domain`` dimensions. Without a domain
    (``n_domains=0``) the gate reads the pooled input alone.
    """

    def __init__(self, d_input: int, n_experts: int, n_domains: int, d_domain: int, hidden: int):
        super().__init__()
        self.domain = DomainEmbedding(n_domains, d_domain) if n_domains else None
        d_in = d_input + (d_domain if n_domains else 0)
        self.net = nn.Sequential(nn.Linear(d_in, hidden), nn.ReLU(), nn.Linear(hidden, n_experts))

    def forward(self, pooled: torch.Tensor, domain: torch.Tensor | None = None) -> torch.Tensor:
        parts = [pooled]
        if self.domain is not None:
            if domain is None:
                raise ValueError("this gate needs domain ids")
            parts.insert(0, self.domain(domain))
        return torch.softmax(self.net(torch.cat(parts, dim=1)), dim=1)


def mix_experts(gate: torch.Tensor, experts: Sequence[torch.Tensor]) -> torch.Tensor:
    """``sum_k gate[:, k] * experts[k]`` for expert outputs of one shape ``(B, D)``."""
    stacked = torch.stack(list(experts), dim=1)  # (B, K, D)
    return (gate.unsqueeze(-1) * stacked).sum(dim=1)


def gaussian_kernels(
    x: torch.Tensor, y: torch.Tensor, n_kernels: int = 5, multiplier: float = 2.0
) -> torch.Tensor:
    """Sum of ``n_kernels`` Gaussian kernels on ``[x; y]`` with bandwidths around the mean squared distance.

    The bandwidths are ``base * multiplier ** (k - n_kernels // 2)``, ``base`` the mean pairwise squared
    distance (detached), as in the DAN/JAN family of multi-kernel MMD.
    """
    z = torch.cat([x, y], dim=0)
    d2 = torch.cdist(z, z).pow(2)
    n = z.shape[0]
    base = d2.detach().sum() / max(n * n - n, 1)
    base = base.clamp_min(1e-8)
    return sum(torch.exp(-d2 / (base * multiplier ** (k - n_kernels // 2))) for k in range(n_kernels))


def mk_mmd(x: torch.Tensor, y: torch.Tensor, n_kernels: int = 5, multiplier: float = 2.0) -> torch.Tensor:
    """Biased multi-kernel MMD^2 between samples ``x`` (n, d) and ``y`` (m, d); 0 when either is empty."""
    if len(x) == 0 or len(y) == 0:
        return x.sum() * 0.0 + y.sum() * 0.0
    k = gaussian_kernels(x, y, n_kernels, multiplier)
    n = len(x)
    return k[:n, :n].mean() + k[n:, n:].mean() - 2 * k[:n, n:].mean()


def class_conditional_mmd(
    source: torch.Tensor,
    source_y: torch.Tensor,
    target: torch.Tensor,
    target_y: torch.Tensor,
    n_classes: int,
    *,
    contrastive: bool = True,
) -> torch.Tensor:
    """Mean MMD between source and (pseudo-labelled) target features of the same class; with ``contrastive``,
    minus the mean MMD between different classes (CANMD's contrastive discrepancy)."""
    same, different = [], []
    for c in range(n_classes):
        s = source[source_y == c]
        for c2 in range(n_classes):
            t = target[target_y == c2]
            if len(s) < 2 or len(t) < 2:
                continue
            (same if c == c2 else different).append(mk_mmd(s, t))
    zero = source.sum() * 0.0
    loss = torch.stack(same).mean() if same else zero
    if contrastive and different:
        loss = loss - torch.stack(different).mean()
    return loss


class PLELayer(nn.Module):
    """One Progressive Layered Extraction layer (Tang et al., RecSys 2020), its customised gate control.

    ``n_tasks`` task-specific groups and one shared group of ``n_experts`` experts each (an expert is
    ``mlp([d_in, hidden, d_out])``); task ``k``'s output mixes its own and the shared experts with a softmax
    gate read from the input. ``forward(x, tasks)`` computes only the asked tasks, so the experts and gates of a
    task that is not asked for take no part in the graph.
    """

    def __init__(
        self, d_in: int, d_out: int, *, n_tasks: int, n_experts: int, hidden: int, dropout: float = 0.0
    ):
        super().__init__()

        def expert() -> nn.Module:
            return mlp([d_in, hidden, d_out], dropout=dropout)

        self.task_experts = nn.ModuleList(
            nn.ModuleList(expert() for _ in range(n_experts)) for _ in range(n_tasks)
        )
        self.shared_experts = nn.ModuleList(expert() for _ in range(n_experts))
        self.gates = nn.ModuleList(nn.Linear(d_in, 2 * n_experts) for _ in range(n_tasks))
        self.out_dim = d_out

    def forward(self, x: torch.Tensor, tasks: Sequence[int] | None = None) -> list[torch.Tensor]:
        tasks = range(len(self.gates)) if tasks is None else tasks
        shared = [e(x) for e in self.shared_experts]
        outs = []
        for k in tasks:
            experts = [e(x) for e in self.task_experts[k]] + shared
            outs.append(mix_experts(torch.softmax(self.gates[k](x), dim=1), experts))
        return outs


def bbse_refusal(
    target_pred: np.ndarray, n_classes: int, source_pred: np.ndarray | None = None
) -> str | None:
    """Why BBSE cannot be estimated from these predictions (``None``: it can).

    A predictor that gives one class to every target item says nothing about the target prior: ``q_h`` is a
    unit vector whatever the target holds, and inverting ``C_h`` turns it into weights such as [1.73, 0]
    (up-weighting a class for no reason). One that gives one class to every held-out source item has a
    rank-1 ``C_h``: there is no confusion matrix to invert.
    """
    target_counts = np.bincount(np.asarray(target_pred, dtype=np.int64), minlength=n_classes)
    if np.count_nonzero(target_counts) <= 1:
        return (
            f"the predictor gives class {int(target_counts.argmax())} to every target item, so BBSE cannot "
            "estimate the target prior"
        )
    if source_pred is not None:
        source_counts = np.bincount(np.asarray(source_pred, dtype=np.int64), minlength=n_classes)
        if np.count_nonzero(source_counts) <= 1:
            return (
                f"the predictor gives class {int(source_counts.argmax())} to every held-out source item, so "
                "its confusion matrix cannot be inverted"
            )
    return None


def bbse_weights(
    source_true: np.ndarray,
    source_pred: np.ndarray,
    target_pred: np.ndarray,
    n_classes: int,
    *,
    max_condition: float = 1e3,
    ridge: float = 1e-2,
    shrinkage: float = 1.0,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Black-box shift estimation: importance weights ``w[y] = p_target(y) / p_source(y)``.

    ``source_true`` / ``source_pred``: labels and predictions of labelled source items the predictor did not
    train on (out-of-fold predictions over the training set, or a held-out split); ``target_pred``: the
    predictor's labels for the unlabeled target items (predictions of several fold models may simply be
    concatenated). ``C_h[i, j] = P_source(pred = i, y = j)``, ``q_h[i] = P_target(pred = i)``;
    ``w = C_h^-1 q_h``, clipped at 0. The solve is pulled towards ``w = 1`` (no shift) by a ridge term whose
    strength is ``shrinkage * (1/n_source + 1/n_target)``, the sampling variance of the moment estimates (as
    in RLLS, Azizzadenesheli et al. 2019), plus ``ridge`` when ``C_h`` is ill-conditioned; both are relative
    to the scale of ``C_h``. ``shrinkage=0`` on a well-conditioned ``C_h`` is plain BBSE. Classes absent from
    the source labels get weight 1 (nothing to estimate from). Returns the weights and diagnostics.

    Degenerate inputs (``bbse_refusal``: one predicted class on the target, or on the held-out source) are
    refused: the weights are all 1 (no correction) and the diagnostics carry ``refused``, the reason.
    This is the one BBSE of the package (KEAN and CANMD both call it).
    """
    source_true = np.asarray(source_true, dtype=np.int64)
    source_pred = np.asarray(source_pred, dtype=np.int64)
    target_pred = np.asarray(target_pred, dtype=np.int64)
    refused = bbse_refusal(target_pred, n_classes, source_pred)
    if refused is not None:
        return np.ones(n_classes, dtype=np.float64), {
            "refused": refused,
            "n_source": int(len(source_true)),
            "n_target": int(len(target_pred)),
        }
    c = np.zeros((n_classes, n_classes), dtype=np.float64)
    np.add.at(c, (source_pred, source_true), 1.0)
    c /= max(len(source_true), 1)
    q = np.bincount(target_pred, minlength=n_classes).astype(np.float64) / max(len(target_pred), 1)
    present = np.bincount(source_true, minlength=n_classes) > 0
    sub = c[np.ix_(present, present)]
    q_sub = q[present]
    condition = float(np.linalg.cond(sub)) if sub.size else float("inf")
    ill_conditioned = not np.isfinite(condition) or condition > max_condition
    variance = 1.0 / max(len(source_true), 1) + 1.0 / max(len(target_pred), 1)
    strength = shrinkage * variance + (ridge if ill_conditioned else 0.0)
    if strength > 0:
        # The floor keeps the ridge positive when C_h is all zeros (nothing predicted right).
        lam = strength * max(float(np.trace(sub.T @ sub)) / max(len(sub), 1), 1e-8)
        eye = np.eye(len(sub))
        w_sub = np.linalg.solve(sub.T @ sub + lam * eye, sub.T @ q_sub + lam * np.ones(len(sub)))
    else:
        w_sub = np.linalg.solve(sub, q_sub)
    weights = np.ones(n_classes, dtype=np.float64)
    weights[present] = np.clip(w_sub, 0.0, None)
    if not np.any(weights[present] > 0):  # degenerate estimate: fall back to no correction
        weights[:] = 1.0
    info = {
        "condition_number": condition,
        "ill_conditioned": bool(ill_conditioned),
        "regularisation": round(float(strength), 6),
        "n_source": int(len(source_true)),
        "n_target": int(len(target_pred)),
        "q_target": q.round(6).tolist(),
    }
    return weights, info


def sinusoidal_positions(length: int, d_model: int) -> torch.Tensor:
    """The fixed sine/cosine position table of Vaswani et al. (2017), shape ``(length, d_model)``."""
    position = torch.arange(length, dtype=torch.float32).unsqueeze(1)
    rate = torch.exp(
        torch.arange(0, d_model, 2, dtype=torch.float32) * (-torch.log(torch.tensor(1e4)) / d_model)
    )
    table = torch.zeros(length, d_model)
    table[:, 0::2] = torch.sin(position * rate)
    table[:, 1::2] = torch.cos(position * rate[: d_model // 2])
    return table


class MaskedTransformerEncoder(nn.Module):
    """A stack of post-norm Transformer encoder layers over ``(B, L, D)`` with a presence mask ``(B, L)``.

    torch's encoder turns a row whose positions are all padding into NaNs; such rows (an item with no entity,
    a task without knowledge) come out as zeros here, and padded positions are zeros too. ``positional`` adds
    the sinusoidal position table (sequences whose order means something, such as words) to the input scaled
    by ``sqrt(d_model)``, as Vaswani et al. (2017) scale their embeddings: every entry of the table has
    magnitude up to 1 (row norm ``sqrt(d_model / 2)``), so unscaled inputs of small entries (projected
    static word vectors: row norm ~0.5 against ~7 for the table at width 100) were drowned by the positions.
    """

    def __init__(
        self,
        d_model: int,
        n_heads: int,
        n_layers: int = 1,
        *,
        d_ff: int | None = None,
        dropout: float = 0.1,
        positional: bool = False,
        max_len: int = 512,
    ):
        super().__init__()
        layer = nn.TransformerEncoderLayer(
            d_model, n_heads, d_ff or 4 * d_model, dropout, batch_first=True, norm_first=False
        )
        self.layers = nn.TransformerEncoder(layer, n_layers, enable_nested_tensor=False)
        self.register_buffer(
            "positions", sinusoidal_positions(max_len, d_model) if positional else None, persistent=False
        )

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        if self.positions is not None:
            x = x * math.sqrt(x.shape[-1]) + self.positions[: x.shape[1]]
        empty = ~mask.any(dim=1, keepdim=True)
        h = self.layers(x, src_key_padding_mask=~(mask | empty))
        return h * (mask & ~empty).unsqueeze(-1).to(h.dtype)


def masked_attention(
    attention: nn.MultiheadAttention,
    query: torch.Tensor,
    keys: torch.Tensor,
    values: torch.Tensor,
    mask: torch.Tensor,
) -> torch.Tensor:
    """``attention`` (batch-first) of ``query`` ``(B, Q, D)`` over the present keys/values ``(B, K, D)``.

    A row with no present key gets zeros instead of NaNs (nothing to attend to).
    """
    empty = ~mask.any(dim=1, keepdim=True)
    out, _ = attention(query, keys, values, key_padding_mask=~(mask | empty), need_weights=False)
    return out * (~empty).unsqueeze(-1).to(out.dtype)
