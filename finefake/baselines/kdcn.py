"""KDCN: the Knowledge-guided Dual-Consistency Network for multi-modal rumour detection.

M. Sun, X. Zhang, J. Ma, S. Xie, Y. Liu and P. S. Yu, "Inconsistent Matters: A Knowledge-guided Dual-consistency
Network for Multi-modal Rumor Detection", IEEE TKDE 2023. KDCN looks for two inconsistencies: between the
text and the image (cross-modal level) and between the post and background knowledge (content-knowledge
level).

Checked against the paper's official code (github.com/MengzSun/KDCN, ``model/models.py``: the default
``--model adversarial``, ``model/train.py``, ``model/loss.py``, ``model/configs.py``); where the code and the
issue's summary of the paper agree, both are followed.

What is implemented:

* cross-modal subnetwork: the pooled text and image vectors, each through its own feature layer
  (``Linear -> 200``, LeakyReLU), are projected by ONE shared projection into a common 40-d space
  (``s_t``, ``s_v``) and by one projection per modality into unique 40-d spaces (``u_t``, ``u_v``), all three
  without bias; the orthogonality penalty is the official one, on the projections' weights:
  ``||W_u_text W_shared^T||_F + ||W_u_image W_shared^T||_F`` (weight 1.5);
* the post's cross-modal parts: ``[s_t, s_t * s_v, s_v]`` (shared, with the element-wise product) and
  ``[u_t, u_t - u_v, u_v]`` (unique, with the difference: the cross-modal inconsistency);
* missing images: a post without an image gets a learned "no image" token in place of its image features
  (KDCN's special token), and a has-image adversary (``40 -> 20 -> 1``, LeakyReLU) reads the
  gradient-reversed shared image features (binary cross-entropy, weight 1.0) so that the shared space does
  not encode whether an image is there;
* content-knowledge subnetwork: every pair of the post's linked entities is scored by the cosine similarity
  of their TransE vectors and the top-5 pairs are kept; each entity of a pair goes through one shared
  ``Linear -> 40`` (LeakyReLU) and the pair is ``[e_i; e_j]`` (80-d); the query is ``[s_t; s_v]``; two
  single-head attentions read the pairs: the positive one re-weights its softmax attention by the pair's
  similarity, ``softmax(softmax(QK^T / sqrt(80)) * sim)``, the negative one the flipped attention,
  ``softmax(-softmax(-QK^T / sqrt(80)) * sim)``; each output through a linear map, dropout and one shared
  LayerNorm; ``[positive; negative] -> 120`` (LeakyReLU) is the knowledge part;
* classifier ``[shared 120, unique 120, knowledge 120] = 360 -> 180 -> LeakyReLU -> classes``;
  loss = cross-entropy + 1.5 orthogonality + 1.0 adversary;
* schedule: Adam lr 1e-3, batch 16, 50 epochs, early stopping patience 10 (the official ``train.py``
  defaults).
* Ablations: ``use_knowledge=False`` (no content-knowledge subnetwork), ``adversarial=False``.
* Without knowledge (the task masks every entity, FineFake Table 4's first column) there are no pairs and
  the knowledge block is zeros.

Deviations, and why:

* Encoders: the paper fine-tunes BERT (+ a BiLSTM) for text and a ResNet for images; here the frozen pooled
  vectors of the FeatureSet (offline MiniLM 384-d and EfficientNet-Lite0 1280-d) feed the feature layers.
* Knowledge: the official code reads, per post, 5 pre-computed entity pairs with 50-d TransE vectors and
  their similarities; here the pairs are formed among the item's own linked entities (FineFake's up to 8 per
  item) with our TransE vectors, and an item with fewer than two linked entities has no pair (masked out of
  both softmaxes; its knowledge part is the heads' bias only).
* The official classifier is a sigmoid unit with binary cross-entropy (two classes only); here a softmax
  over the task's classes with cross-entropy, so the six-class task runs too.
* The official loop divides the learning rate by 10 on a validation-loss plateau
  (ReduceLROnPlateau, patience 5) and early-stops on validation loss; the shared loop here keeps a constant
  learning rate, early-stops after ``patience`` epochs without a lower source-validation cross-entropy and
  keeps the checkpoint with the best source-validation accuracy (``select_metric``).
* Missing images: the official default variant feeds a blank white picture (``data/white.jpg``) to the
  ResNet for a post without an image (its "initial" variant a projection of the text); here a learned token
  stands in for the image features, the paper's special token.
* Model selection and early stopping on the labelled source validation split (the shared loop).

FineFake's published numbers for KDCN (Table 4 of the FineFake paper; accuracy / precision / recall / F1):
without knowledge 0.787 / 0.783 / 0.782 / 0.782; knowledge-enhanced 0.801 / 0.802 / 0.791 / 0.796;
fine-grained (6 classes) 0.668 / 0.555 / 0.486 / 0.499.
"""

from __future__ import annotations

from typing import Any

from finefake.baselines.registry import register_model
from finefake.baselines.training import InputSpec, StepContext, TorchModel, weighted_cross_entropy


def top_entity_pairs(transe, mask, k: int):
    """The ``k`` most similar pairs of present entities by TransE cosine.

    Returns ``(first, second, similarity, valid)``, each ``(B, k)``: the entity indices of each pair, their
    cosine similarity and whether the pair exists (an item with fewer present pairs has invalid slots).
    """
    import torch
    import torch.nn.functional as F

    n = transe.shape[1]
    i, j = torch.triu_indices(n, n, offset=1, device=transe.device)
    unit = F.normalize(transe, dim=-1)
    sim = (unit[:, i] * unit[:, j]).sum(-1)  # (B, P)
    present = mask[:, i] & mask[:, j]
    k = min(k, sim.shape[1])
    top = sim.masked_fill(~present, float("-inf")).topk(k, dim=1).indices
    return i[top], j[top], sim.gather(1, top), present.gather(1, top)


def orthogonality(unique, shared):
    """KDCN's orthogonality penalty on the projections: ``||W_unique W_shared^T||_F`` (0 when the unique
    space's directions are orthogonal to the shared space's)."""
    return (unique @ shared.t()).norm()


@register_model("kdcn")
class Kdcn(TorchModel):
    """KDCN (Sun et al., TKDE 2023); see the module docstring for the deviations."""

    inputs = frozenset({"text", "image", "entities"})

    def __init__(
        self,
        *,
        feature_dim: int = 200,
        space_dim: int = 40,
        knowledge_dim: int = 40,
        knowledge_out: int = 120,
        hidden: int = 180,
        top_pairs: int = 5,
        dropout: float = 0.5,
        orthogonal_weight: float = 1.5,
        adversary_weight: float = 1.0,
        use_knowledge: bool = True,
        adversarial: bool = True,
        epochs: int = 50,
        batch_size: int = 16,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        patience: int = 10,
        select_metric: str = "accuracy",
        num_threads: int = 0,
        device: str = "cpu",
        seed: int = 0,
    ):
        self.feature_dim = feature_dim
        self.space_dim = space_dim
        self.knowledge_dim = knowledge_dim
        self.knowledge_out = knowledge_out
        self.hidden = hidden
        self.top_pairs = top_pairs
        self.dropout = dropout
        self.orthogonal_weight = orthogonal_weight
        self.adversary_weight = adversary_weight
        self.use_knowledge = use_knowledge
        self.adversarial = adversarial
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
        from torch.nn import functional as F

        from finefake.baselines.blocks import grad_reverse

        d_f, d_s, d_kn, k = self.feature_dim, self.space_dim, self.knowledge_dim, self.top_pairs
        d_k, d_out = spec.dim("entity_transe"), self.knowledge_out
        knowledge, dropout, hidden = self.use_knowledge, self.dropout, self.hidden
        d_q = 2 * d_s  # the query is [s_t; s_v]; a key is [e_i; e_j] projected to 2 * d_kn
        if knowledge and d_q != 2 * d_kn:
            raise ValueError("KDCN's attention needs knowledge_dim == space_dim (both 40 in the paper)")

        class KnowledgeHead(nn.Module):
            """One similarity-scaled attention over the entity pairs (query, key, value and output maps)."""

            def __init__(self, negative: bool) -> None:
                super().__init__()
                self.negative = negative
                self.q, self.k, self.v = (nn.Linear(d_q, d_q) for _ in range(3))
                self.out = nn.Linear(d_q, d_q)

            def forward(self, query, pairs, sim, valid):
                scores = (self.q(query).unsqueeze(1) * self.k(pairs)).sum(-1) / d_q**0.5  # (B, k)
                blocked = ~valid
                if self.negative:  # attend to what the post disagrees with
                    attention = -torch.softmax((-scores).masked_fill(blocked, float("-inf")), dim=1)
                else:
                    attention = torch.softmax(scores.masked_fill(blocked, float("-inf")), dim=1)
                beta = torch.softmax((attention * sim).masked_fill(blocked, float("-inf")), dim=1)
                beta = torch.nan_to_num(beta) * valid  # an item without pairs reads nothing
                return self.out((beta.unsqueeze(-1) * self.v(pairs)).sum(1))

        class KdcnNet(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.text_feature = nn.Linear(spec.dim("text"), d_f)
                self.image_feature = nn.Linear(spec.dim("image"), d_f)
                self.no_image = nn.Parameter(torch.zeros(d_f))
                self.shared = nn.Linear(d_f, d_s, bias=False)
                self.unique_text = nn.Linear(d_f, d_s, bias=False)
                self.unique_image = nn.Linear(d_f, d_s, bias=False)
                self.has_image = nn.Sequential(
                    nn.Linear(d_s, d_s // 2), nn.LeakyReLU(), nn.Linear(d_s // 2, 1)
                )
                self.drop = nn.Dropout(dropout)
                width = 6 * d_s
                if knowledge:
                    self.entity = nn.Linear(d_k, d_kn)
                    self.positive, self.negative = KnowledgeHead(False), KnowledgeHead(True)
                    self.norm = nn.LayerNorm(d_q)
                    self.knowledge_out = nn.Linear(2 * d_q, d_out)
                    width += d_out
                self.classifier = nn.Sequential(
                    nn.Linear(width, hidden), nn.LeakyReLU(), nn.Linear(hidden, spec.n_classes)
                )

            def forward(self, x: dict[str, Any]) -> dict[str, Any]:
                f_t = F.leaky_relu(self.text_feature(x["text"]))
                has = x["image_mask"].unsqueeze(1)
                image = F.leaky_relu(self.image_feature(x["image"]))
                f_v = torch.where(has, image, self.no_image.expand(len(f_t), -1))
                s_t, s_v = self.shared(f_t), self.shared(f_v)
                u_t, u_v = self.unique_text(f_t), self.unique_image(f_v)
                parts = [s_t, s_t * s_v, s_v, u_t, u_t - u_v, u_v]
                if knowledge:
                    parts.append(
                        self.knowledge(torch.cat([s_t, s_v], dim=1), x["entity_transe"], x["entity_mask"])
                    )
                return {
                    "logits": self.classifier(torch.cat(parts, dim=1)),
                    "has_image": self.has_image(grad_reverse(s_v)).squeeze(1),
                }

            def knowledge(self, query, transe, mask):
                first, second, sim, valid = top_entity_pairs(transe, mask, k)
                rows = torch.arange(len(transe), device=transe.device).unsqueeze(1)
                pairs = torch.cat(
                    [
                        F.leaky_relu(self.entity(transe[rows, first])),
                        F.leaky_relu(self.entity(transe[rows, second])),
                    ],
                    dim=-1,
                )
                sim = sim.masked_fill(~valid, 0.0).clamp(-1.0, 1.0)
                heads = [
                    self.norm(self.drop(head(query, pairs, sim, valid)))
                    for head in (self.positive, self.negative)
                ]
                return F.leaky_relu(self.knowledge_out(torch.cat(heads, dim=1)))

        return KdcnNet()

    def loss(self, net, out, x: dict[str, Any], ctx: StepContext):
        import torch.nn.functional as F

        ce = weighted_cross_entropy(out["logits"], ctx.y, ctx.weights)
        shared = net.shared.weight
        orth = orthogonality(net.unique_text.weight, shared) + orthogonality(net.unique_image.weight, shared)
        total = ce + self.orthogonal_weight * orth
        parts = {"ce": ce, "orthogonality": orth}
        if self.adversarial:
            adversary = F.binary_cross_entropy_with_logits(out["has_image"], x["image_mask"].float())
            total = total + self.adversary_weight * adversary
            parts["has_image"] = adversary
        return total, parts
