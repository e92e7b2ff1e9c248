"""COOLANT: cross-modal contrastive learning for multimodal fake news detection.

L. Wang, C. Zhang, H. Xu, Y. Xu, X. Xu and S. Wang, "Cross-modal Contrastive Learning for Multimodal Fake News
Detection", ACM Multimedia 2023. What is implemented, following the paper's section 3:

* modal-specific encoders: one fully connected layer over the (frozen) text and image encodings gives the
  unimodal embeddings ``e^t`` / ``e^v`` (3.1);
* cross-modal consistency learning (3.2.1, eq. 1): modality-specific MLPs project ``e^t`` / ``e^v`` into a
  shared space (``e_s``); a cosine embedding loss with margin 0.2 pulls together text and image of the same
  *real* news item and pushes apart shuffled pairs (each real item's text with another real item's image) --
  ``L_ITM``;
* image-text contrastive learning (3.2.2, eq. 2-4): in-batch InfoNCE in both directions over the normalised
  ``e^t`` / ``e^v`` with a learnable temperature initialised at 0.07 -- ``L_ITC``;
* soft targets (3.2.3-3.2.4, eq. 5-7): the similarity matrix of the shared embeddings, softmax-normalised with
  the same temperature, is the (detached) target of a second cross-entropy -- ``L_CL = L_ITC + 0.2 L_SEM``;
* cross-modal fusion (3.3, eq. 8-10): inter-modal attention ``softmax(m^v (m^t)^T / sqrt(d))`` (a d x d map
  per item) re-weights each aligned vector, and the outer product of the two results, flattened, is the
  correlation ``m^f``;
* cross-modal aggregation (3.4): SE attention over ``[m^v, m^t, m^f]`` (squeeze by global average pooling, two
  fully connected layers, sigmoid) gives ``a = (a_v, a_t, a_f)``; a VAE-style guidance module (diagonal Gaussian
  posteriors of ``m^v`` and ``m^t``) scores the ambiguity ``g_i`` of each item as the sigmoid of the mean of
  the two directed KL divergences, each divided by the KL divergence of the aggregated posteriors (eq. 11-13);
  ``L_AG = KL(a || [1-g, 1-g, g])`` (eq. 14);
* classifier on ``a_v m^v (+) a_t m^t (+) a_f m^f``; ``L_CA = L_CLS + 0.5 L_AG``; ``L = L_ITM + L_CL + L_CA``;
* Adam, learning rate 1e-3, batch 64, 50 epochs with early stopping.
* Ablations of Table 2 as keyword switches: ``consistency=False`` (w/o ITM: no consistency task, hard
  contrastive targets only), ``contrastive=False`` (w/o ITC: the consistency task alone aligns the
  embeddings), ``fusion=False`` (w/o CMF: ``m^f`` is the concatenation of ``m^v`` and ``m^t``),
  ``attention=False`` (w/o ATT: the three features concatenated unweighted; the guidance then has nothing to
  guide and is off too), ``guidance=False`` (w/o AGU: no ``L_AG``).

``similarity(batch)`` returns the cosine of each item's aligned text and image embeddings (the contrastive
space), for inspection and tests.

Deviations and choices (the paper leaves them open), and why:

* Encoders: the configured text and image views (offline MiniLM and EfficientNet-Lite0, joined when several),
  frozen and standardised with training-row statistics, instead of BERT and ResNet features; the paper's
  "regional features" become pooled vectors.
* "Real news" for the consistency pairs: class ``real_class`` (default: FineFake's encoding, 1 in the binary
  task and 0 in the fine-grained one). Labels come only from the training mini-batch. Matched pairs of fake
  items are neither positives nor negatives (the paper's wording could also make them negatives; the authors'
  public code builds pairs from real items only, which this follows).
* Widths (not in the paper): embeddings of 64, shared space of 64, latent posteriors of 8 dimensions, the
  flattened ``d x d`` correlation brought back to 64 by one fully connected layer so that the three SE
  channels have one length, classifier ``mlp([192, 64, 64, classes])``.
* The SE excitation has 3 channels, so both layers are 3 x 3 (no reduction). For ``L_AG`` the attention
  weights and the ambiguity scores are each normalised to sum to 1 (KL divergence is defined between
  distributions; neither vector is one as the paper writes them).
* "The distribution over the entire dataset" (eq. 11) is estimated per mini-batch: the aggregated posterior of
  each modality is the moment-matched Gaussian of the batch's posteriors. The guidance posteriors are trained
  by ``L_AG`` itself (no separate VAE reconstruction loss is given in the paper).
* The soft targets and the ITC logits both use cosine similarity (normalised embeddings).
* Items without an image take no part in ``L_ITM``, ``L_ITC``, ``L_SEM`` or ``L_AG`` (their image views are
  zeros, so there is no pair to align).
* Model selection and early stopping (``patience`` epochs, not given in the paper) on the labelled source
  validation split only; the public code kept the epoch with the best test accuracy.
* Classes: one output per class (the paper is binary).

Published results (Table 1, Twitter/MediaEval): accuracy 0.900; fake news precision 0.879, recall 0.922, F1
0.900; real news precision 0.923, recall 0.880, F1 0.901 (Weibo: accuracy 0.923, fake F1 0.925, real F1
0.920). Table 2 (Twitter, accuracy / fake F1 / real F1): w/o ITM 0.883 / 0.883 / 0.884, w/o ITC 0.871 / 0.864 /
0.878, w/o CMF 0.878 / 0.872 / 0.884, w/o ATT 0.875 / 0.862 / 0.886, w/o AGU 0.894 / 0.885 / 0.901.
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
from finefake.baselines.training import Feeder, InputSpec, StepContext, TorchModel, torch_threads
from finefake.baselines.views import ViewScaler, fit_view_stats, image_present, view_names


def diagonal_gaussian_kl(mu_p, var_p, mu_q, var_q) -> torch.Tensor:
    """KL(N(mu_p, var_p) || N(mu_q, var_q)) of diagonal Gaussians, summed over the last axis."""
    return 0.5 * (torch.log(var_q / var_p) + (var_p + (mu_p - mu_q) ** 2) / var_q - 1.0).sum(dim=-1)


class _Net(nn.Module):
    def __init__(self, model: Coolant, spec: InputSpec):
        super().__init__()
        self.p = model.get_params()
        self.text_names, self.image_names = model.text_names_, model.image_names_
        self.scaler = ViewScaler(model.view_stats_)
        d, ds, dz = model.embed_dim, model.shared_dim, model.latent_dim
        d_t = sum(spec.dim(n) for n in self.text_names)
        d_v = sum(spec.dim(n) for n in self.image_names)
        self.encode_text = nn.Linear(d_t, d)
        self.encode_image = nn.Linear(d_v, d)
        self.align_text = mlp([d, d, ds], last_activation=False)  # consistency learning: shared space
        self.align_image = mlp([d, d, ds], last_activation=False)
        self.log_temperature = nn.Parameter(torch.tensor(math.log(model.temperature)))
        self.correlation = nn.Sequential(nn.Linear(d * d, d), nn.ReLU())
        self.excite = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 3))
        self.posterior_text = mlp([d, d, 2 * dz], last_activation=False)
        self.posterior_image = mlp([d, d, 2 * dz], last_activation=False)
        d_f = d if model.fusion else 2 * d
        self.classifier = mlp([2 * d + d_f, *model.classifier_hidden, spec.n_classes], last_activation=False)

    def temperature(self) -> torch.Tensor:
        return self.log_temperature.exp().clamp(min=0.01, max=1.0)

    def embed(self, x: dict[str, torch.Tensor]) -> tuple[torch.Tensor, torch.Tensor]:
        views = self.scaler(x)
        e_t = self.encode_text(torch.cat([views[n] for n in self.text_names], dim=1))
        e_v = self.encode_image(torch.cat([views[n] for n in self.image_names], dim=1))
        return e_t, e_v

    def fuse(self, m_t: torch.Tensor, m_v: torch.Tensor) -> torch.Tensor:
        scale = math.sqrt(m_t.shape[1])
        t_to_v = torch.softmax(m_v.unsqueeze(2) * m_t.unsqueeze(1) / scale, dim=-1)  # (B, d, d)
        v_to_t = torch.softmax(m_t.unsqueeze(2) * m_v.unsqueeze(1) / scale, dim=-1)
        f_v = torch.bmm(t_to_v, m_v.unsqueeze(2)).squeeze(2)
        f_t = torch.bmm(v_to_t, m_t.unsqueeze(2)).squeeze(2)
        return self.correlation((f_v.unsqueeze(2) * f_t.unsqueeze(1)).flatten(1))

    def posterior(self, head: nn.Module, m: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mu, raw = head(m).chunk(2, dim=1)
        return mu, (F.softplus(raw) + 1e-4) ** 2

    def forward(self, x: dict[str, torch.Tensor]) -> dict[str, Any]:
        p = self.p
        e_t, e_v = self.embed(x)
        has_image = image_present(x, e_t)
        out: dict[str, Any] = {"e_t": e_t, "e_v": e_v, "has_image": has_image}
        m_t, m_v = e_t, e_v
        m_f = self.fuse(m_t, m_v) if p["fusion"] else torch.cat([m_v, m_t], dim=1)
        feats = [m_v, m_t, m_f]
        if p["attention"]:
            squeezed = torch.stack([f.mean(dim=1) for f in feats], dim=1)  # (B, 3)
            a = torch.sigmoid(self.excite(squeezed))
            out["attention"] = a
            feats = [a[:, k : k + 1] * f for k, f in enumerate(feats)]
        out["logits"] = self.classifier(torch.cat(feats, dim=1))
        return out

    def ambiguity(self, e_t: torch.Tensor, e_v: torch.Tensor) -> torch.Tensor:
        """g_i in (0, 1) per row (eq. 12-13), the aggregated posteriors estimated from these rows."""
        mu_v, var_v = self.posterior(self.posterior_image, e_v)
        mu_t, var_t = self.posterior(self.posterior_text, e_t)

        def aggregate(mu, var):
            mean = mu.mean(dim=0)
            return mean, ((var + mu**2).mean(dim=0) - mean**2).clamp_min(1e-6)

        agg_v, agg_t = aggregate(mu_v, var_v), aggregate(mu_t, var_t)
        v_to_t = diagonal_gaussian_kl(mu_v, var_v, mu_t, var_t) / diagonal_gaussian_kl(
            *agg_v, *agg_t
        ).clamp_min(1e-6)
        t_to_v = diagonal_gaussian_kl(mu_t, var_t, mu_v, var_v) / diagonal_gaussian_kl(
            *agg_t, *agg_v
        ).clamp_min(1e-6)
        return torch.sigmoid(0.5 * (v_to_t + t_to_v))


def soft_cross_entropy(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Mean over rows of ``-sum_j target_ij log softmax(logits)_ij``."""
    return -(target * F.log_softmax(logits, dim=1)).sum(dim=1).mean()


@register_model("coolant")
class Coolant(TorchModel):
    """COOLANT (Wang et al., ACM MM 2023): contrastively aligned text and image embeddings with soft targets from
    a consistency task, cross-modal fusion, and ambiguity-guided SE attention (see the module docstring)."""

    inputs = frozenset({"text_views", "image_views"})

    def __init__(
        self,
        *,
        embed_dim: int = 64,
        shared_dim: int = 64,
        latent_dim: int = 8,
        classifier_hidden: tuple[int, ...] = (64, 64),
        margin: float = 0.2,
        temperature: float = 0.07,
        soft_weight: float = 0.2,
        guidance_weight: float = 0.5,
        real_class: int | None = None,
        consistency: bool = True,
        contrastive: bool = True,
        fusion: bool = True,
        attention: bool = True,
        guidance: bool = True,
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
        self.embed_dim = embed_dim
        self.shared_dim = shared_dim
        self.latent_dim = latent_dim
        self.classifier_hidden = classifier_hidden
        self.margin = margin
        self.temperature = temperature
        self.soft_weight = soft_weight
        self.guidance_weight = guidance_weight
        self.real_class = real_class
        self.consistency = consistency
        self.contrastive = contrastive
        self.fusion = fusion
        self.attention = attention
        self.guidance = guidance
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
        present, info = train.arrays, train.info
        self.text_names_ = view_names(present, info, "text")
        self.image_names_ = view_names(present, info, "image")
        self.view_stats_ = fit_view_stats(train, self.text_names_ + self.image_names_)
        real = self.real_class
        self.real_class_ = (1 if train.n_classes == 2 else 0) if real is None else int(real)
        if not 0 <= self.real_class_ < train.n_classes:
            raise ValueError(
                f"real_class {self.real_class_} is not a class of a {train.n_classes}-class task"
            )
        self.info_["views"] = {"text": self.text_names_, "image": self.image_names_}
        self.info_["real_class"] = self.real_class_

    def build(self, spec: InputSpec) -> nn.Module:
        return _Net(self, spec)

    def loss(self, net, out, x: dict[str, Any], ctx: StepContext):
        logits = out["logits"]
        ce = F.cross_entropy(logits, ctx.y, reduction="none")
        ce = (ce * ctx.weights[ctx.y]).mean() if ctx.weights is not None else ce.mean()
        parts: dict[str, Any] = {"ce": ce}
        has_image = out["has_image"]
        e_t, e_v = out["e_t"][has_image], out["e_v"][has_image]
        zero = logits.sum() * 0.0
        total = ce
        if self.consistency:
            s_t, s_v = net.align_text(e_t), net.align_image(e_v)
            real = (ctx.y[has_image] == self.real_class_).nonzero().squeeze(1)
            if len(real) >= 2:
                # matched real pairs (target 1) and shuffled ones: each real text with the next real image
                shuffled = real.roll(1)
                cos_match = F.cosine_similarity(s_t[real], s_v[real], dim=1)
                cos_shuffled = F.cosine_similarity(s_t[real], s_v[shuffled], dim=1)
                itm = torch.cat([1 - cos_match, (cos_shuffled - self.margin).clamp_min(0)]).mean()
            else:
                itm = zero
            parts["itm"] = itm
            total = total + itm
        if self.contrastive and len(e_t) >= 2:
            tau = net.temperature()
            z_t, z_v = F.normalize(e_t, dim=1), F.normalize(e_v, dim=1)
            v_to_t = z_v @ z_t.T / tau
            target = torch.arange(len(z_t), device=z_t.device)
            itc = 0.5 * (F.cross_entropy(v_to_t, target) + F.cross_entropy(v_to_t.T, target))
            parts["itc"] = itc
            total = total + itc
            if self.consistency:
                with torch.no_grad():
                    soft = F.normalize(s_v, dim=1) @ F.normalize(s_t, dim=1).T / tau
                sem = 0.5 * (
                    soft_cross_entropy(v_to_t, torch.softmax(soft, dim=1))
                    + soft_cross_entropy(v_to_t.T, torch.softmax(soft.T, dim=1))
                )
                parts["sem"] = sem
                total = total + self.soft_weight * sem
        if self.attention and self.guidance and len(e_t) >= 2:
            g = net.ambiguity(e_t, e_v)
            scores = torch.stack([1 - g, 1 - g, g], dim=1)
            scores = scores / scores.sum(dim=1, keepdim=True)
            a = out["attention"][has_image]
            a = a / a.sum(dim=1, keepdim=True).clamp_min(1e-8)
            ag = (a * (torch.log(a.clamp_min(1e-8)) - torch.log(scores.clamp_min(1e-8)))).sum(dim=1).mean()
            parts["ag"] = ag
            total = total + self.guidance_weight * ag
        return total, parts

    def similarity(self, batch: Batch) -> np.ndarray:
        """Cosine of each item's aligned text and image embeddings (the contrastive space); NaN without image."""
        with torch_threads(self.num_threads), torch.no_grad():
            self.net_.eval()
            sims = []
            for x in Feeder(batch, self.device_).all_chunks(1024):
                e_t, e_v = self.net_.embed(x)
                s = F.cosine_similarity(e_t, e_v, dim=1)
                s = torch.where(image_present(x, e_t), s, torch.full_like(s, float("nan")))
                sims.append(s.cpu().numpy())
        return np.concatenate(sims) if sims else np.zeros(0)
