"""MMFND: multi-task network guided multimodal fusion.

J. Ma, L. Zhang, Y. Liu and W. Zhang, "Multi-Task Network Guided Multimodal Fusion for Fake News Detection",
ACML 2024, PMLR vol. 260 (2025). What is implemented, following the paper's section 3:

* feature extraction (eq. 1): the text vector ``t^s`` joins every configured text view (the paper: BERT and
  CLIP-text), the image vector ``v^s`` every image view (ResNet-101 and CLIP-image);
* one PLE per modality (Tang et al., 2020): an exclusive expert group for the unimodal sub-task, one for the
  cross-modal sub-task and a shared group, 3 experts each (the paper's best ``E``), one softmax gate per
  sub-task; the unimodal outputs are ``f^t`` / ``f^v`` and the cross-modal feature is ``f^m = f^m_t + f^m_v``
  (eq. 2);
* the cosine similarity of the aligned text-image pair (eq. 3), normalised by its running mean and standard
  deviation collected during training (eq. 5), through a sigmoid, scales ``f^m`` into ``f^cross`` (eq. 4, 6);
* SE-style modality attention: ``[f^t, f^v, f^cross]`` as an ``L x 3`` matrix, average and max pooling over
  ``L``, two 3 x 3 fully connected layers with GELU, sigmoid; ``m_Agg`` is the attention-weighted sum (eq. 7);
* classifier: two fully connected layers, 64 hidden units then one output per class; cross-entropy (eq. 8);
* learning rate 1e-4, weight decay 0.01, 100 epochs.
* Ablations of Table 2 as keyword switches: ``branches="multimodal" | "text" | "image"`` (the *-only variants:
  only that feature reaches the classifier), ``branches="unimodal"`` (w/o F: ``f^t`` and ``f^v`` only),
  ``attention=False, similarity_weighting=False`` (w/o A: the three features concatenated),
  ``similarity_weighting=False`` (w/o S), ``clip=False`` (w/o C: no shared-space views and no similarity),
  ``ple=False`` (w/o P: one MLP per unimodal feature and the cross-modal feature from the concatenated aligned
  pair, no experts). Without a shared-space pair (offline) there are no CLIP views to drop, so ``clip=False``
  removes only the learned stand-in similarity and computes what ``similarity_weighting=False`` computes.

The similarity, and where it comes from (``fit_info()["similarity"]``):

* with a shared-space pair configured (``info["shared_space"]``, e.g. CLIP text and image views), its cosine is
  used directly, as in the paper (CLIP is frozen there, so nothing here trains it);
* without one (the offline default: MiniLM text and EfficientNet-Lite0 image views live in unrelated spaces),
  two linear projections of ``t^s`` and ``v^s`` into a 64-d space stand in for the CLIP pair. They are trained
  only by a symmetric in-batch contrastive loss (matched text-image pairs against the other pairs of the
  mini-batch, temperature 0.07, weight ``align_weight``), the objective CLIP itself was trained with, and the
  similarity is detached where it scales ``f^m``, as a frozen CLIP similarity would be. This is a deviation:
  the paper has no such loss because CLIP arrives aligned.

The released code (diga7654321/MMFND, ``mynetwork_ple.py`` and ``train.py``) differs from the paper, and
this module follows the PAPER where they differ:

* similarity: the released code scales ``f^m`` by ``w cos(t_clip, v_clip) + b`` with a learned scalar ``w``
  and ``b``, no running-statistics normalisation and no sigmoid (the paper's eq. 5-6, followed here);
* cross-modal feature: the released code concatenates the two PLEs' shared outputs and maps them through an
  MLP (512 -> 256 -> 64, BatchNorm, ReLU); the paper sums them (eq. 2, followed here);
* unimodal inputs: the released code passes each modality's concatenated vectors (BERT's layer-attended [CLS]
  + CLIP text; ResNet-101 logits + CLIP image) through an MLP (-> 512 -> 256, BatchNorm, ReLU) before the PLE
  and maps every PLE output to 64-d through another two-layer MLP; here the PLE reads the standardised views;
* classifier: the released one has three linear layers (64 -> 64 -> 64 -> 2 with BatchNorm); the paper's
  (and this one) two;
* the released network also has three auxiliary heads (text, image, cross-modal) that its ``train.py`` never
  puts in the loss (it feeds the model's output tuple to one cross-entropy, which does not run as released);
  none here;
* schedule: the released ``train.py`` (Weibo) uses Adam, lr 5e-4, no weight decay, batch 16, 25 epochs and
  evaluates on the test split every epoch; the paper reports lr 1e-4, weight decay 0.01, 100 epochs
  (followed here, with selection on source validation, see below).

Other deviations, and why:

* Encoders are whatever views the harness configures (offline MiniLM and EfficientNet-Lite0), frozen; the paper
  fine-tuned ResNet-101 and used BERT with a learned layer attention. Each view is standardised with
  training-row statistics (``finefake.baselines.views``) because the offline encoders are scaled differently.
* Model selection: the paper "selected the iteration with the highest test accuracy" from 100 rounds. Here the
  loop selects on the labelled *source validation* split only (never on test), with early stopping after
  ``patience`` epochs without a lower validation loss (0: off).
* Not given in the paper and chosen here: the optimiser (AdamW, whose decoupled weight decay the 0.01
  matches), batch size 64, experts ``mlp([d_in, 256, 64])`` with dropout 0.2 (features of width 64, the
  classifier's input width), a linear gate per sub-task, running statistics with momentum 0.1, and the SE
  layers applied to the average- and the max-pooled vector with shared weights, summed before the sigmoid.
* Items without an image: their image views are zeros; their similarity is not measured, so ``f^cross`` gets
  the neutral weight sigmoid(0) = 0.5 and they take no part in the running statistics or the alignment loss.
* Classes: the paper is binary; the classifier has one output per class, so the fine-grained task works too.

Published results (the paper's Table 1, Twitter/MediaEval): accuracy 0.896; fake news precision 0.892, recall
0.912, F1 0.902; real news precision 0.901, recall 0.878, F1 0.889 (Weibo: accuracy 0.935, fake F1 0.935,
real F1 0.934). Table 2 (Twitter, accuracy / fake F1 / real F1): multimodal-only 0.839 / 0.848 / 0.829,
image-only 0.804 / 0.815 / 0.791, text-only 0.822 / 0.833 / 0.811, w/o C 0.846 / 0.855 / 0.836, w/o F 0.875 /
0.882 / 0.867, w/o A 0.882 / 0.888 / 0.874, w/o S 0.862 / 0.863 / 0.861, w/o P 0.838 / 0.847 / 0.828.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from finefake.baselines.base import Batch
from finefake.baselines.blocks import PLELayer, mlp
from finefake.baselines.registry import register_model
from finefake.baselines.training import InputSpec, StepContext, TorchModel, weighted_cross_entropy
from finefake.baselines.views import ViewScaler, fit_view_stats, image_present, shared_pair, view_names

BRANCHES = {
    "all": ("text", "image", "cross"),
    "unimodal": ("text", "image"),
    "text": ("text",),
    "image": ("image",),
    "multimodal": ("cross",),
}


class RunningNorm(nn.Module):
    """``(s - running mean) / running std`` of a scalar score; the statistics move during training only.

    In training the current mini-batch's (detached) mean and variance update the running values first (the
    first batch sets them), then the score is normalised with them, so a score is never compared with the
    other items of its batch alone.
    """

    def __init__(self, momentum: float = 0.1):
        super().__init__()
        self.momentum = momentum
        self.register_buffer("mean", torch.zeros(()))
        self.register_buffer("var", torch.ones(()))
        self.register_buffer("seen", torch.zeros((), dtype=torch.long))

    def forward(self, s: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
        if self.training and int(valid.sum()) > 1:
            with torch.no_grad():
                batch = s[valid]
                m = self.momentum if int(self.seen) else 1.0
                self.mean.mul_(1 - m).add_(m * batch.mean())
                self.var.mul_(1 - m).add_(m * batch.var())
                self.seen.add_(1)
        z = (s - self.mean) / torch.sqrt(self.var + 1e-5)
        return torch.where(valid, z, torch.zeros_like(z))


class _SE(nn.Module):
    """Modality attention over ``k`` features: squeeze by average and max pooling, excite with two k x k
    layers (GELU between, weights shared by both pooled vectors), sigmoid."""

    def __init__(self, k: int):
        super().__init__()
        self.fc = nn.Sequential(nn.Linear(k, k), nn.GELU(), nn.Linear(k, k))

    def forward(self, stacked: torch.Tensor) -> torch.Tensor:  # (B, k, L) -> (B, k)
        return torch.sigmoid(self.fc(stacked.mean(dim=2)) + self.fc(stacked.amax(dim=2)))


class _Net(nn.Module):
    def __init__(self, model: Mmfnd, spec: InputSpec):
        super().__init__()
        self.model = model.get_params()
        self.branches = BRANCHES[model.branches]
        self.text_names, self.image_names = model.text_names_, model.image_names_
        self.pair = model.pair_
        self.similarity = model.similarity_source_
        stats = model.view_stats_
        self.scaler = ViewScaler({n: stats[n] for n in self.text_names + self.image_names})
        d_t = sum(spec.dim(n) for n in self.text_names)
        d_v = sum(spec.dim(n) for n in self.image_names)
        width, hidden, dropout = model.feature_dim, model.expert_hidden, model.dropout
        self.cross_names = list(model.cross_names_)
        if model.ple:
            ple = {"n_tasks": 2, "n_experts": model.n_experts, "hidden": hidden, "dropout": dropout}
            self.ple_text = PLELayer(d_t, width, **ple)
            self.ple_image = PLELayer(d_v, width, **ple)
        else:  # w/o P: one MLP per unimodal feature, the cross-modal one from the concatenated aligned pair
            d_cross = sum(spec.dim(n) for n in self.cross_names)
            self.plain_text = mlp([d_t, hidden, width], dropout=dropout)
            self.plain_image = mlp([d_v, hidden, width], dropout=dropout)
            self.plain_cross = mlp([d_cross, hidden, width], dropout=dropout)
        if self.similarity == "learned_projection":
            self.project_text = nn.Linear(d_t, model.projection_dim)
            self.project_image = nn.Linear(d_v, model.projection_dim)
        self.norm = RunningNorm(model.similarity_momentum)
        k = len(self.branches)
        self.attention = _SE(k) if k > 1 else None
        d_head = width * (k if (k > 1 and not model.attention) else 1)
        self.classifier = mlp([d_head, model.classifier_hidden, spec.n_classes], last_activation=False)

    def forward(self, x: dict[str, torch.Tensor]) -> dict[str, Any]:
        p = self.model
        views = self.scaler(x)
        t_s = torch.cat([views[n] for n in self.text_names], dim=1)
        v_s = torch.cat([views[n] for n in self.image_names], dim=1)
        has_image = image_present(x, t_s)
        wanted = set(self.branches)
        need_cross = "cross" in wanted
        feats: dict[str, torch.Tensor] = {}
        if p["ple"]:
            # task 0 = unimodal representation, task 1 = cross-modal interaction; only what is used is computed
            tasks = [k for k, on in ((0, "text" in wanted), (1, need_cross)) if on]
            outs_t = dict(zip(tasks, self.ple_text(t_s, tasks), strict=True)) if tasks else {}
            tasks_v = [k for k, on in ((0, "image" in wanted), (1, need_cross)) if on]
            outs_v = dict(zip(tasks_v, self.ple_image(v_s, tasks_v), strict=True)) if tasks_v else {}
            if "text" in wanted:
                feats["text"] = outs_t[0]
            if "image" in wanted:
                feats["image"] = outs_v[0]
            if need_cross:
                feats["cross"] = outs_t[1] + outs_v[1]
        else:
            if "text" in wanted:
                feats["text"] = self.plain_text(t_s)
            if "image" in wanted:
                feats["image"] = self.plain_image(v_s)
            if need_cross:
                feats["cross"] = self.plain_cross(torch.cat([views[n] for n in self.cross_names], dim=1))
        out: dict[str, Any] = {}
        if need_cross and p["similarity_weighting"] and self.similarity != "off":
            if self.similarity == "shared_space":
                sim = F.cosine_similarity(x[self.pair[0]], x[self.pair[1]], dim=1, eps=1e-8)
            else:
                z_t = F.normalize(self.project_text(t_s), dim=1)
                z_v = F.normalize(self.project_image(v_s), dim=1)
                out["align"] = (z_t, z_v, has_image)
                sim = (z_t * z_v).sum(dim=1).detach()
            weight = torch.sigmoid(self.norm(sim, has_image))
            out["similarity"] = sim
            feats["cross"] = weight.unsqueeze(1) * feats["cross"]
        stacked = torch.stack([feats[b] for b in self.branches], dim=1)  # (B, k, L)
        if self.attention is None:
            h = stacked[:, 0]
        elif p["attention"]:
            att = self.attention(stacked)
            out["attention"] = att
            h = (att.unsqueeze(2) * stacked).sum(dim=1)
        else:
            h = stacked.flatten(1)
        out["logits"] = self.classifier(h)
        return out


def contrastive_alignment(z_t: torch.Tensor, z_v: torch.Tensor, temperature: float) -> torch.Tensor:
    """Symmetric in-batch InfoNCE of unit vectors: row i's text should pick row i's image and vice versa."""
    if len(z_t) < 2:
        return z_t.sum() * 0.0
    logits = z_t @ z_v.T / temperature
    target = torch.arange(len(z_t), device=z_t.device)
    return 0.5 * (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target))


@register_model("mmfnd")
class Mmfnd(TorchModel):
    """MMFND (Ma et al., ACML 2024): PLE-refined text, image and cross-modal features, the cross-modal one
    scaled by the normalised text-image similarity, fused by SE attention (see the module docstring)."""

    inputs = frozenset({"text_views", "image_views"})

    def __init__(
        self,
        *,
        n_experts: int = 3,
        feature_dim: int = 64,
        expert_hidden: int = 256,
        classifier_hidden: int = 64,
        dropout: float = 0.2,
        projection_dim: int = 64,
        align_weight: float = 1.0,
        align_temperature: float = 0.07,
        similarity_momentum: float = 0.1,
        branches: str = "all",
        attention: bool = True,
        similarity_weighting: bool = True,
        ple: bool = True,
        clip: bool = True,
        epochs: int = 100,
        batch_size: int = 64,
        lr: float = 1e-4,
        weight_decay: float = 0.01,
        optimizer: str = "adamw",
        patience: int = 10,
        select_metric: str = "accuracy",
        num_threads: int = 0,
        device: str = "cpu",
        seed: int = 0,
    ):
        self.n_experts = n_experts
        self.feature_dim = feature_dim
        self.expert_hidden = expert_hidden
        self.classifier_hidden = classifier_hidden
        self.dropout = dropout
        self.projection_dim = projection_dim
        self.align_weight = align_weight
        self.align_temperature = align_temperature
        self.similarity_momentum = similarity_momentum
        self.branches = branches
        self.attention = attention
        self.similarity_weighting = similarity_weighting
        self.ple = ple
        self.clip = clip
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.optimizer = optimizer
        self.patience = patience
        self.select_metric = select_metric
        self.num_threads = num_threads
        self.device = device
        self.seed = seed

    def on_fit_start(self, train: Batch, val: Batch | None, target: Batch | None) -> None:
        if self.branches not in BRANCHES:
            raise ValueError(f"branches must be one of {sorted(BRANCHES)}, got {self.branches!r}")
        present, info = train.arrays, train.info
        text, image = view_names(present, info, "text"), view_names(present, info, "image")
        pair = shared_pair(present, info)
        if not self.clip and pair is not None:  # w/o C: the shared-space (CLIP) views are left out
            text = [n for n in text if n != pair[0]] or text
            image = [n for n in image if n != pair[1]] or image
            if pair[0] in text or pair[1] in image:
                raise ValueError("clip=False needs a text and an image view besides the shared-space pair")
        self.text_names_, self.image_names_ = text, image
        self.pair_ = pair if self.clip else None
        # w/o P forms the cross-modal feature from the aligned (CLIP) pair, or from all views without one
        self.cross_names_ = list(self.pair_) if self.pair_ else text + image
        if not self.clip or not self.similarity_weighting or self.branches not in ("all", "multimodal"):
            self.similarity_source_ = "off"
        else:
            self.similarity_source_ = "shared_space" if self.pair_ else "learned_projection"
        self.view_stats_ = fit_view_stats(train, sorted(set(text + image + self.cross_names_)))
        self.info_["views"] = {"text": text, "image": image}
        if self.similarity_source_ == "shared_space":
            described = "cosine of the shared-space views " + " / ".join(self.pair_)
        elif self.similarity_source_ == "learned_projection":
            described = (
                "learned projections of the text and image views (no shared-space pair configured), "
                "trained by an in-batch contrastive alignment loss"
            )
        else:
            described = "not used (ablation)"
        self.info_["similarity"] = described

    def build(self, spec: InputSpec) -> nn.Module:
        return _Net(self, spec)

    def loss(self, net, out, x: dict[str, Any], ctx: StepContext):
        ce = weighted_cross_entropy(out["logits"], ctx.y, ctx.weights)
        if "align" not in out:
            return ce
        z_t, z_v, has_image = out["align"]
        align = contrastive_alignment(z_t[has_image], z_v[has_image], self.align_temperature)
        return ce + self.align_weight * align, {"ce": ce, "align": align}
