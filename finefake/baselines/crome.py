"""CroMe: cross-modal Tri-Transformer and metric learning.

E. Choi, J. Ahn, X. Piao and J.-K. Kim, "CroMe: Multimodal Fake News Detection using Cross-Modal
Tri-Transformer and Metric Learning" (IEEE Access; the text carries no date, its funding is grant
RS-2024-00466496, so 2024 or later). No code has been published; this follows the paper's section III.
Every deviation (the encoders' stand-ins, the ambiguous points and what we chose, model selection) is listed
below. What is implemented:

* five encodings (III-B), each a trainable head over a frozen encoder's output: ``Z_t1`` (BERT), ``Z_t2``
  (BLIP-2 text), ``Z_i1`` (MAE), ``Z_i2`` (BLIP-2 image), ``Z_b`` (BLIP-2 image-text); ``Z_t = [Z_t1; Z_t2]``
  and ``Z_i = [Z_i1; Z_i2]``;
* metric learning (III-C, eq. 1): the proxy-anchor loss with static proxies -- one training item per class is
  the class's proxy -- cosine similarity, ``alpha = 16``, margin ``delta = 0.1``, weight ``beta = 0.1`` in
  ``L_total = L_CE + beta L(X)`` (eq. 8); the modalities take turns, 5 epochs each, in the order
  ``Z_i1, Z_i2, Z_t1, Z_t2, Z_b``, and a modality's metric loss reaches only its own head (the others are
  "fixed" for it);
* cross-modal fusion (III-D1): ``C_1`` joins the two softmax-normalised scaled dot-product maps of the
  unimodal pair (``Z_t1``, ``Z_i1``; eq. 2-4); ``C_2`` is the learnably weighted sum (plus a bias) of the
  cosine similarities ``S_ti``, ``S_tb``, ``S_ib`` of the BLIP-2 encodings (eq. 5) through linear layers with
  batch normalisation and ReLU; ``[C_1; C_2]`` through a fully connected layer with batch normalisation, ReLU
  and dropout is the correlation ``Z_c``;
* Tri-Transformer (III-D2, eq. 6): ``Z_t`` and ``Z_i`` through projection networks and ``Z_c`` are three
  streams, each with its own multi-head attention and MLP; the three outputs are concatenated;
* detector (III-E): three fully connected layers with batch normalisation and ReLU, cross-entropy (eq. 7);
* Adam, learning rate 1e-3, batch 64, 50 epochs (one Adam over all parameters: the paper's five Adam
  optimisers, one per encoding, with one learning rate, make the same per-parameter updates).
* Ablations of Table II as keyword switches: ``image_encoders=False`` (without image: no ``Z_i1``, ``Z_i2``),
  ``text_encoders=False`` (without text: no ``Z_t1``, ``Z_t2``), ``aligned_encoders=False`` (without BLIP2-OPT:
  no ``Z_t2``, ``Z_i2``, ``Z_b``), ``joint_encoder=False`` (without BLIP2-OPT img,txt: no ``Z_b``),
  ``cross_modal=False`` (without CM: no ``Z_c``), ``metric_learning=False`` (without MT),
  ``tri_transformer=False`` (without TT: the three streams concatenated straight into the detector).

Stand-ins for the paper's encoders (offline there is no BERT, MAE or BLIP-2; ``fit_info()["encodings"]`` names
what each encoding read):

* ``Z_t1`` / ``Z_i1``: the first configured text / image view that is not part of a shared-space pair (offline:
  MiniLM and EfficientNet-Lite0);
* ``Z_t2`` / ``Z_i2``: the shared-space (CLIP) pair when one is configured -- the closest available stand-in for
  BLIP-2's aligned text and image encodings; without one, the same views as ``Z_t1`` / ``Z_i1`` through their own
  heads;
* ``Z_b``: no joint image-text encoder is available, so its head reads the ``Z_t2`` and ``Z_i2`` views side by
  side. All views are standardised with training-row statistics (``finefake.baselines.views``).

Every point where the paper is ambiguous, and what is chosen here:

1. Static proxies: "selecting a data point from each class as a proxy" does not say which point or how often.
   Here one training item per class is drawn once per fit (seeded, preferring items with an image); its
   encoding is recomputed by the current head at every step, so the proxy moves with the head but stays the
   same item.
2. "An iterative frequency of 5 epochs per modality": read as a round-robin -- epochs 1-5 train the metric loss
   of ``Z_i1``, 6-10 ``Z_i2``, ..., 21-25 ``Z_b``, then again from ``Z_i1`` (the order of the paper's list).
   ``fit_info()["metric_schedule"]`` records it.
3. "Fixing the parameters of other modalities": the metric loss of the active modality is computed from that
   modality's head only, so it updates nothing else; the classification loss trains everything every step.
4. Similarity in eq. 1 (``s(x, p)``): cosine similarity, as in the proxy-anchor paper (Kim et al., 2020).
   ``P+`` is the set of proxies with at least one positive in the mini-batch, ``P`` all proxies.
5. Eq. 2-4 on vectors: ``t i^T`` of two d-vectors is a d x d map; each row is softmax-normalised and max-pooled
   to a d-vector (the reading of the cross-modal fusion of CAFE, which the paper cites), so ``C_1`` has 2d
   entries. The paper does not say how the map becomes a vector.
6. ``C_2``: the three learnable weights ``w_i2, w_b, w_t2`` are matched one to one with ``S_ib, S_tb, S_ti``
   (any matching is the same model: the weights are free), the weighted sum plus bias is one scalar, and "linear
   layers, ReLU activations and batch normalisation" are ``1 -> 64 -> 64``.
7. How ``C_1`` and ``C_2`` "are combined into Z_c": concatenation, then one fully connected layer (width ``d``)
   with batch normalisation, ReLU and dropout 0.1.
8. Tri-Transformer: each stream is one vector, and "processes text, image, and correlation independently" with
   per-stream ``Q_*, K_*, V_*`` could mean self-attention within each stream, which over a single vector reduces
   to a linear map. Here each stream has its own attention parameters and its own query, and attends over the
   three stream vectors (the keys and values), followed by a residual connection, layer normalisation and a
   per-stream MLP (a post-norm transformer layer); 4 heads, one layer.
9. Widths, dropout, heads: not given. Encoding heads ``mlp([d_in, 128, 128])``, projections to 128, detector
   ``384 -> 128 -> 64 -> classes``, dropout 0.1. The width is kept at 128 because ``C_1``'s d x d maps cost
   ``O(d^2)`` per item (at 256 they were most of the step time on CPU).
10. Table II's check marks did not survive in the paper's text (the rows of module ticks are blank), so the row
    of each ablation cannot be matched to a variant beyond the last row, which is the full model.
11. "Experiments were performed five times": the harness's seeds play that role.

Other deviations: model selection and early stopping (``patience``, not in the paper) on the labelled source
validation split only; classes: one output per class (the paper is binary); an item without an image has zero
image views (the paper's items always have one).

Published results (Table I): Politifact accuracy 0.933; fake news precision 0.987, recall 0.925, F1 0.955; real
news precision 0.793, recall 0.958, F1 0.868. Weibo accuracy 0.974 (fake F1 0.974, real F1 0.975); Weibo-21
accuracy 0.917 (fake F1 0.930, real F1 0.899). Table II, Politifact rows in the paper's order (accuracy /
fake F1 / real F1): 0.913 / 0.927 / 0.972, 0.865 / 0.891 / 0.968, 0.846 / 0.839 / 0.940, 0.923 / 0.933 /
0.976, 0.923 / 0.942 / 0.978, 0.913 / 0.915 / 0.972, 0.875 / 0.790 / 0.910, 0.865 / 0.877 / 0.967, and the full
model 0.933 / 0.955 / 0.868 (which row is which variant is not recoverable from the text, see 10).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from finefake.baselines.base import Batch
from finefake.baselines.blocks import mlp
from finefake.baselines.registry import register_model
from finefake.baselines.training import InputSpec, StepContext, TorchModel, weighted_cross_entropy
from finefake.baselines.views import ViewScaler, fit_view_stats, shared_pair, view_names

ENCODINGS = ("i1", "i2", "t1", "t2", "b")  # the paper's order, also the metric-learning round-robin


def proxy_anchor_loss(
    emb: torch.Tensor, y: torch.Tensor, proxies: torch.Tensor, alpha: float, delta: float
) -> torch.Tensor:
    """Proxy-anchor loss (Kim et al., CVPR 2020; CroMe eq. 1) of embeddings ``emb`` with labels ``y`` against
    one proxy per class (row ``c`` of ``proxies``), on cosine similarity."""
    sim = F.normalize(emb, dim=1) @ F.normalize(proxies, dim=1).T  # (B, C)
    positive = F.one_hot(y, proxies.shape[0]).bool()
    pos_exp = torch.where(positive, torch.exp(-alpha * (sim - delta)), torch.zeros_like(sim))
    neg_exp = torch.where(~positive, torch.exp(alpha * (sim + delta)), torch.zeros_like(sim))
    with_positives = positive.any(dim=0)
    pos_term = torch.log1p(pos_exp.sum(dim=0))[with_positives].sum() / with_positives.sum().clamp_min(1)
    neg_term = torch.log1p(neg_exp.sum(dim=0)).sum() / proxies.shape[0]
    return pos_term + neg_term


class _StreamLayer(nn.Module):
    """One Tri-Transformer stream: its own multi-head attention (query: its vector; keys and values: all stream
    vectors), residual + layer norm, its own MLP, residual + layer norm."""

    def __init__(self, d: int, heads: int, dropout: float):
        super().__init__()
        self.attention = nn.MultiheadAttention(d, heads, dropout=dropout, batch_first=True)
        self.norm1, self.norm2 = nn.LayerNorm(d), nn.LayerNorm(d)
        self.ffn = nn.Sequential(nn.Linear(d, 2 * d), nn.ReLU(), nn.Dropout(dropout), nn.Linear(2 * d, d))

    def forward(self, own: torch.Tensor, streams: torch.Tensor) -> torch.Tensor:
        attended, _ = self.attention(own.unsqueeze(1), streams, streams, need_weights=False)
        h = self.norm1(own + attended.squeeze(1))
        return self.norm2(h + self.ffn(h))


class _Net(nn.Module):
    def __init__(self, model: Crome, spec: InputSpec):
        super().__init__()
        self.p = model.get_params()
        self.sources: dict[str, list[str]] = model.sources_
        self.active: list[str] = model.active_
        d, dropout = model.hidden, model.dropout
        self.scaler = ViewScaler(model.view_stats_)
        self.heads = nn.ModuleDict(
            {
                z: mlp([sum(spec.dim(n) for n in self.sources[z]), d, d], last_activation=False)
                for z in self.active
            }
        )
        text = [z for z in ("t1", "t2") if z in self.active]
        image = [z for z in ("i1", "i2") if z in self.active]
        self.streams: dict[str, list[str]] = {k: v for k, v in (("text", text), ("image", image)) if v}
        self.project = nn.ModuleDict(
            {k: nn.Sequential(nn.Linear(d * len(v), d), nn.ReLU()) for k, v in self.streams.items()}
        )
        self.use_c1 = model.cross_modal and {"t1", "i1"} <= set(self.active)
        self.pairs = [
            (a, b) for a, b in (("t2", "i2"), ("t2", "b"), ("i2", "b")) if {a, b} <= set(self.active)
        ]
        self.use_c2 = model.cross_modal and bool(self.pairs)
        width_c = 0
        if self.use_c1:
            width_c += 2 * d
        if self.use_c2:
            self.similarity_weights = nn.Parameter(torch.ones(len(self.pairs)))
            self.similarity_bias = nn.Parameter(torch.zeros(1))
            self.c2 = mlp([1, 64, 64], batch_norm=True)
            width_c += 64
        self.has_correlation = width_c > 0
        if self.has_correlation:
            self.correlation = mlp([width_c, d], batch_norm=True, dropout=dropout)
        n_streams = len(self.streams) + int(self.has_correlation)
        if model.tri_transformer:
            self.tri = nn.ModuleList(_StreamLayer(d, model.heads, dropout) for _ in range(n_streams))
        self.detector = mlp([n_streams * d, d, 64, spec.n_classes], batch_norm=True, last_activation=False)
        for z, rows in model.proxy_inputs_.items():  # the static proxies' standardised-to-be inputs
            self.register_buffer(f"proxy_{z}", torch.from_numpy(rows))

    def encode(self, x: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        views = self.scaler(x)
        return {z: self.heads[z](torch.cat([views[n] for n in self.sources[z]], dim=1)) for z in self.active}

    def proxies(self, z: str) -> torch.Tensor:
        """The current encodings (through head ``z``) of the static proxy items, one row per class."""
        rows = getattr(self, f"proxy_{z}")
        scaled, start = [], 0
        for name in self.sources[z]:
            width = self.scaler_width(name)
            scaled.append(self.scale_one(name, rows[:, start : start + width]))
            start += width
        return self.heads[z](torch.cat(scaled, dim=1))

    def scaler_width(self, name: str) -> int:
        return getattr(self.scaler, f"mean{self.scaler.names.index(name)}").shape[0]

    def scale_one(self, name: str, x: torch.Tensor) -> torch.Tensor:
        i = self.scaler.names.index(name)
        return (x - getattr(self.scaler, f"mean{i}")) / getattr(self.scaler, f"std{i}")

    def inter_modal(self, t: torch.Tensor, i: torch.Tensor) -> torch.Tensor:
        scale = math.sqrt(t.shape[1])
        t_to_i = torch.softmax(t.unsqueeze(2) * i.unsqueeze(1) / scale, dim=-1).amax(dim=-1)
        i_to_t = torch.softmax(i.unsqueeze(2) * t.unsqueeze(1) / scale, dim=-1).amax(dim=-1)
        return torch.cat([t_to_i, i_to_t], dim=1)

    def forward(self, x: dict[str, torch.Tensor]) -> dict[str, Any]:
        z = self.encode(x)
        streams = [self.project[k](torch.cat([z[e] for e in v], dim=1)) for k, v in self.streams.items()]
        if self.has_correlation:
            parts = []
            if self.use_c1:
                parts.append(self.inter_modal(z["t1"], z["i1"]))
            if self.use_c2:
                sims = torch.stack([F.cosine_similarity(z[a], z[b], dim=1) for a, b in self.pairs], dim=1)
                combined = sims @ self.similarity_weights + self.similarity_bias
                parts.append(self.c2(combined.unsqueeze(1)))
            streams.append(self.correlation(torch.cat(parts, dim=1)))
        if self.p["tri_transformer"]:
            stacked = torch.stack(streams, dim=1)
            streams = [layer(s, stacked) for layer, s in zip(self.tri, streams, strict=True)]
        return {"logits": self.detector(torch.cat(streams, dim=1)), "encodings": z}


@register_model("crome")
class Crome(TorchModel):
    """CroMe (Choi et al.): five encodings with per-modality proxy-anchor metric learning, cross-modal fusion of
    dot-product maps and cosine similarities, and a Tri-Transformer (see the module docstring)."""

    inputs = frozenset({"text_views", "image_views"})

    def __init__(
        self,
        *,
        hidden: int = 128,
        heads: int = 4,
        dropout: float = 0.1,
        alpha: float = 16.0,
        delta: float = 0.1,
        beta: float = 0.1,
        metric_every: int = 5,
        image_encoders: bool = True,
        text_encoders: bool = True,
        aligned_encoders: bool = True,
        joint_encoder: bool = True,
        cross_modal: bool = True,
        metric_learning: bool = True,
        tri_transformer: bool = True,
        epochs: int = 50,
        batch_size: int = 64,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        patience: int = 10,
        select_metric: str = "accuracy",
        num_threads: int = 0,
        device: str = "cpu",
        seed: int = 0,
    ):
        self.hidden = hidden
        self.heads = heads
        self.dropout = dropout
        self.alpha = alpha
        self.delta = delta
        self.beta = beta
        self.metric_every = metric_every
        self.image_encoders = image_encoders
        self.text_encoders = text_encoders
        self.aligned_encoders = aligned_encoders
        self.joint_encoder = joint_encoder
        self.cross_modal = cross_modal
        self.metric_learning = metric_learning
        self.tri_transformer = tri_transformer
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.patience = patience
        self.select_metric = select_metric
        self.num_threads = num_threads
        self.device = device
        self.seed = seed

    def on_fit_start(self, train: Batch, val: Batch | None, target: Batch | None) -> None:
        if not (self.image_encoders or self.text_encoders):
            raise ValueError("CroMe needs the text or the image encoders (both are switched off)")
        present, info = train.arrays, train.info
        text, image = view_names(present, info, "text"), view_names(present, info, "image")
        pair = shared_pair(present, info)
        t1 = next((n for n in text if pair is None or n != pair[0]), text[0])
        i1 = next((n for n in image if pair is None or n != pair[1]), image[0])
        t2, i2 = pair if pair is not None else (t1, i1)
        sources = {"t1": [t1], "i1": [i1], "t2": [t2], "i2": [i2], "b": [t2, i2]}
        active = [
            z
            for z in ENCODINGS
            if not (z in ("i1", "i2") and not self.image_encoders)
            and not (z in ("t1", "t2") and not self.text_encoders)
            and not (z in ("t2", "i2", "b") and not self.aligned_encoders)
            and not (z == "b" and not self.joint_encoder)
        ]
        self.sources_ = {z: sources[z] for z in active}
        self.active_ = active
        names = sorted({n for z in active for n in sources[z]})
        self.view_stats_ = fit_view_stats(train, names)
        self.proxy_rows_ = self._pick_proxies(train)
        self.proxy_inputs_ = {
            z: np.concatenate(
                [np.asarray(train.arrays[n][self.proxy_rows_], dtype=np.float32) for n in self.sources_[z]],
                axis=1,
            )
            for z in active
        }
        self.info_["encodings"] = {f"Z_{z}": self.sources_[z] for z in active}
        if self.metric_learning:
            self.info_["metric_schedule"] = [
                {
                    "epochs": [s + 1, min(s + self.metric_every, self.epochs)],
                    "encoding": f"Z_{self._metric_for(s)}",
                }
                for s in range(0, self.epochs, self.metric_every)
            ]
            self.info_["proxies"] = [train.ids[r] for r in self.proxy_rows_]

    def _pick_proxies(self, train: Batch) -> np.ndarray:
        """One training row per class (seeded; rows with an image first), the classes' static proxies."""
        rng = np.random.default_rng(self.seed)
        y = np.asarray(train.y)
        has_image = np.asarray(train.arrays.get("image_mask", np.ones(len(y), bool)), bool)
        rows = []
        for c in range(train.n_classes):
            members = np.flatnonzero(y == c)
            if len(members) == 0:  # a class absent from training: any row (it then has no positives)
                members = np.arange(len(y))
            preferred = members[has_image[members]] if has_image[members].any() else members
            rows.append(int(rng.choice(preferred)))
        return np.asarray(rows, dtype=np.int64)

    def _metric_for(self, epoch: int) -> str:
        return self.active_[(epoch // max(self.metric_every, 1)) % len(self.active_)]

    def build(self, spec: InputSpec) -> nn.Module:
        return _Net(self, spec)

    def on_epoch_start(self, net, ctx: StepContext) -> None:
        ctx.state["metric_encoding"] = self._metric_for(ctx.epoch)

    def loss(self, net, out, x: dict[str, Any], ctx: StepContext):
        ce = weighted_cross_entropy(out["logits"], ctx.y, ctx.weights)
        if not self.metric_learning:
            return ce
        z = ctx.state.get("metric_encoding", self.active_[0])
        metric = proxy_anchor_loss(out["encodings"][z], ctx.y, net.proxies(z), self.alpha, self.delta)
        return ce + self.beta * metric, {"ce": ce, f"metric_{z}": metric}
