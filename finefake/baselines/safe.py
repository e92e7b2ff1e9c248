"""SAFE: Similarity-Aware multi-modal Fake nEws detection.

X. Zhou, J. Wu and R. Zafarani, "SAFE: Similarity-Aware Multi-Modal Fake News Detection", PAKDD 2020. A
FineFake baseline (content-based method; FineFake paper, section 6.1).

What is implemented, following the paper:

* text branch: pretrained word vectors (``word_ids``) -> a text CNN with filter sizes {3, 4} x 128, max-pooled
  -> dropout 0.5 -> dense to 32 without activation (as the official code's ``dense`` layer, Jindi0/SAFE
  ``cnn.py``), so the cosine of the two projections spans [-1, 1] and the similarity ``s`` all of [0, 1]
  (with a ReLU there, as this module had it, ``s`` >= 0.5 for every pair: no item could read as a
  mismatch; on the synthetic binary task, 5 epochs, seeds 0-2, accuracy 0.660 with it, 0.685 without);
* visual branch: the image representation -> dropout 0.5 -> dense to 32, no activation (see deviations);
* the detector: the concatenated branch vectors -> classes (cross-entropy ``L_p``);
* the cross-modal similarity ``s = (cos(t, v) + 1) / 2`` in [0, 1] and its loss
  ``L_s = CE([1 - s, s], real?)``: a real item is pushed towards matching text and image, a fake one towards
  a mismatch (the paper's assumption that fake news shows a text-image mismatch);
* loss ``0.6 L_p + 0.4 L_s``; Adam, lr 5e-4, batch 64.

Deviations, and why:

* The visual branch: the paper captions each image with a pretrained Show-and-Tell model and reads the
  caption with the text CNN. No captioner is available offline, so the visual branch projects the frozen
  pooled image vector of the feature cache instead (a learned 32-d projection, like the text branch's last
  layer). The similarity is then between two learned projections rather than between two CNN readings of
  text; the loss that shapes it is the paper's.
* Items without an image (the paper's all have one) get a zero visual vector and no similarity loss (their
  ``L_s`` is masked out); the detector sees a has-image indicator.
* Classes: the similarity loss needs to know which class is "real": ``real_class`` (default: the data
  contract's, class 1 of the binary task and class 0 of the fine-grained task); every other class counts as
  fake. The detector is a softmax over all classes.
* Sizes: the official code's defaults are larger (256 filters per width, 200-d projections, ``cnn.py``);
  the sizes above are the ones this module has used since it was written, kept as keyword arguments.
* Words: the vocabulary's pretrained vectors are the text encoder's static input embeddings (the offline
  stand-in for the paper's word2vec), kept frozen.
* Schedule: the paper gives no epoch count; at most 100 epochs with the checkpoint selected on source
  validation accuracy and early stopping after ``patience`` epochs without a lower validation cross-entropy.

The FineFake paper's numbers for SAFE (its Table 4; CLIP/BERT features, their own splits; SAFE is not in
Table 5): binary without knowledge: accuracy 0.740, precision 0.751, recall 0.738, F1 0.744. Fine-grained
(6 classes): accuracy 0.605, precision 0.481, recall 0.385, F1 0.428.
"""

from __future__ import annotations

from typing import Any

from finefake.baselines.registry import register_model
from finefake.baselines.training import InputSpec, StepContext, TorchModel, weighted_cross_entropy


def real_class_of(n_classes: int, real_class: int) -> int:
    """The class that means "real": ``real_class`` when given (>= 0), else the data contract's (binary
    label 1 = real, fine-grained label 0 = real)."""
    if real_class >= 0:
        if real_class >= n_classes:
            raise ValueError(f"real_class {real_class} is not a class of a {n_classes}-class task")
        return real_class
    return 1 if n_classes == 2 else 0


@register_model("safe")
class Safe(TorchModel):
    """SAFE (Zhou et al., PAKDD 2020); see the module docstring for the deviations."""

    inputs = frozenset({"word_ids", "image"})

    def __init__(
        self,
        *,
        filter_sizes: tuple[int, ...] = (3, 4),
        filters: int = 128,
        hidden: int = 32,
        dropout: float = 0.5,
        cls_weight: float = 0.6,
        sim_weight: float = 0.4,
        real_class: int = -1,
        train_embeddings: bool = False,
        epochs: int = 100,
        batch_size: int = 64,
        lr: float = 5e-4,
        weight_decay: float = 0.0,
        patience: int = 5,
        select_metric: str = "accuracy",
        num_threads: int = 0,
        device: str = "cpu",
        seed: int = 0,
    ):
        self.filter_sizes = filter_sizes
        self.filters = filters
        self.hidden = hidden
        self.dropout = dropout
        self.cls_weight = cls_weight
        self.sim_weight = sim_weight
        self.real_class = real_class
        self.train_embeddings = train_embeddings
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.weight_decay = weight_decay
        self.patience = patience
        self.select_metric = select_metric
        self.num_threads = num_threads
        self.device = device
        self.seed = seed

    def build(self, spec: InputSpec):
        import torch
        from torch import nn

        from finefake.baselines.blocks import TextCNN

        self.real_ = real_class_of(spec.n_classes, self.real_class)
        vectors = torch.as_tensor(spec.info["word_vectors"], dtype=torch.float32)
        d_image, hidden, dropout = spec.dim("image"), self.hidden, self.dropout
        sizes, filters, frozen = tuple(self.filter_sizes), self.filters, not self.train_embeddings

        class SafeNet(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.embed = nn.Embedding.from_pretrained(vectors, freeze=frozen, padding_idx=0)
                self.cnn = TextCNN(vectors.shape[1], sizes, filters)
                # Dense projections without an activation, as in the official code: a ReLU would keep
                # the cosine >= 0, so the similarity could never fall below 0.5 (never read as a mismatch).
                self.text_fc = nn.Sequential(nn.Dropout(dropout), nn.Linear(self.cnn.out_dim, hidden))
                self.image_fc = nn.Sequential(nn.Dropout(dropout), nn.Linear(d_image, hidden))
                self.detector = nn.Linear(2 * hidden + 1, spec.n_classes)

            def forward(self, x: dict[str, Any]) -> dict[str, torch.Tensor]:
                text = self.text_fc(self.cnn(self.embed(x["word_ids"]), x["word_mask"]))
                has_image = x["image_mask"].to(torch.float32).unsqueeze(1)
                image = self.image_fc(x["image"]) * has_image
                cosine = nn.functional.cosine_similarity(text, image, dim=1, eps=1e-8)
                logits = self.detector(torch.cat([text, image, has_image], dim=1))
                return {"logits": logits, "similarity": (cosine + 1) / 2, "has_image": has_image.squeeze(1)}

        return SafeNet()

    def loss(self, net, out, x: dict[str, Any], ctx: StepContext):
        import torch

        cls = weighted_cross_entropy(out["logits"], ctx.y, ctx.weights)
        s = out["similarity"].clamp(1e-6, 1 - 1e-6)
        real = (ctx.y == self.real_).to(s.dtype)
        # CE([1 - s, s], real): a real item is pushed to a high similarity, a fake one to a low one
        per_item = -(real * torch.log(s) + (1 - real) * torch.log(1 - s))
        present = out["has_image"]
        sim = (per_item * present).sum() / present.sum().clamp_min(1.0)
        return self.cls_weight * cls + self.sim_weight * sim, {"cls": cls, "similarity": sim}
