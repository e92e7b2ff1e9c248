"""KAN: Knowledge-aware Attention Network for fake news detection.

Y. Dun, K. Tu, C. Chen, C. Hou and X. Yuan, "KAN: Knowledge-aware Attention Network for Fake News Detection",
AAAI 2021, pp. 81-89. No official code exists; this follows the paper's description.

What is implemented:

* news text: the item's words (``word_ids``) through pretrained word vectors, sinusoidal positions and a
  Transformer encoder; the news representation ``p`` is the masked mean of the encoder's outputs. The
  projected word vectors are multiplied by ``sqrt(hidden)`` before the positions are added, the Transformer's
  own embedding scaling (Vaswani et al., 2017; ``blocks.MaskedTransformerEncoder``). Without it the offline
  word vectors (rows of norm ~1.3, ~0.5 once projected to width 100) were drowned by the position table
  (rows of norm ~7): on the synthetic binary task (1,000 items, 600 training rows;
  ``perf/detectors_synthetic.py``) KAN's training loss stayed at ln 2 and its defaults stopped early at epoch 7 predicting the majority
  class (0.555). With the scaling the loss still sits at ln 2 for 5 epochs (so a 5-epoch cap scores 0.560),
  then falls: validation accuracy 0.705 at epoch 6, 1.0 from epoch 7, test accuracy 1.0 after the default
  20 epochs (logistic regression 0.850 on the same split). The default ``epochs`` = 20 is kept;
* knowledge: the linked entities' TransE vectors and their entity contexts (the mean TransE vector of each
  entity's one-hop neighbours), from the ``entities`` input; each sequence through its own Transformer
  encoder (``q'`` for entities, ``r'`` for contexts);
* N-E attention: multi-head attention with ``Q = p``, ``K = V = q'`` -> ``q``;
* N-E2C attention: multi-head attention with ``Q = p``, ``K = q'``, ``V = r'`` -> ``r`` (the weight of a
  context follows the importance of its entity);
* ``z = [p; q; r]`` -> fully connected layer -> class probabilities; cross-entropy.
* Ablation switch: ``use_knowledge=False`` drops ``q`` and ``r`` (the paper's text-only variant).
* Without knowledge (the task masks every entity, FineFake Table 4's first column), ``q`` and ``r`` are
  zeros and KAN is its text branch.

Deviations, and why:

* Word vectors: the paper uses word2vec vectors; offline the per-setting vocabulary's vectors are the text
  encoder's static input-embedding table (``info["word_vectors"]``, 384-d for MiniLM). They are kept frozen
  (``freeze_embeddings``) and projected to the model width ``hidden``; entity and context vectors (TransE,
  100-d here) are projected to the same width.
* Entities are those of the FineFake pipeline (spaCy NER + Wikidata linking, up to 8 per item ranked by
  rho), not TagMe's; the entity sequence carries no position encoding (it is a set ranked by confidence).
* Sizes and schedule: the paper publishes no code and its PDF could not be read offline. Checked against a
  public reading of the paper (the design notes of the kleedaisuki/Knowledge-aware-Attention-Network
  reproduction): one encoder layer, 4 heads and a 2048-wide feed-forward layer per encoder (followed here),
  and a cross-entropy loss "plus L2" whose weight is not given (here no weight decay). Not checked, and
  chosen: width 100 (the usual word2vec/TransE size), dropout 0.5, Adam lr 1e-3, batch 64, 20 epochs. All are
  keyword arguments.
* Model selection and early stopping on the labelled source validation split (the shared loop).

FineFake's published numbers for KAN (Table 4 of the FineFake paper; accuracy / precision / recall / F1):
without knowledge 0.779 / 0.767 / 0.772 / 0.769; knowledge-enhanced 0.789 / 0.787 / 0.776 / 0.781;
fine-grained (6 classes) 0.632 / 0.643 / 0.383 / 0.424.
"""

from __future__ import annotations

from typing import Any

from finefake.baselines.registry import register_model
from finefake.baselines.training import InputSpec, TorchModel


@register_model("kan")
class Kan(TorchModel):
    """KAN (Dun et al., AAAI 2021); see the module docstring for the deviations."""

    inputs = frozenset({"word_ids", "entities"})

    def __init__(
        self,
        *,
        hidden: int = 100,
        heads: int = 4,
        layers: int = 1,
        feedforward: int = 2048,
        dropout: float = 0.5,
        freeze_embeddings: bool = True,
        use_knowledge: bool = True,
        epochs: int = 20,
        batch_size: int = 64,
        lr: float = 1e-3,
        weight_decay: float = 0.0,
        patience: int = 5,
        select_metric: str = "accuracy",
        num_threads: int = 0,
        device: str = "cpu",
        seed: int = 0,
    ):
        self.hidden = hidden
        self.heads = heads
        self.layers = layers
        self.feedforward = feedforward
        self.dropout = dropout
        self.freeze_embeddings = freeze_embeddings
        self.use_knowledge = use_knowledge
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

        from finefake.baselines.blocks import MaskedTransformerEncoder, masked_attention, masked_mean

        if spec.info.get("word_vectors") is None:
            raise ValueError("KAN needs the vocabulary's word vectors (Batch.info['word_vectors'])")
        vectors = torch.as_tensor(spec.info["word_vectors"], dtype=torch.float32)
        d, heads, dropout, layers, d_ff = self.hidden, self.heads, self.dropout, self.layers, self.feedforward
        d_k = spec.dim("entity_transe")
        max_len = int(spec.shapes["word_ids"][0])
        knowledge, freeze = self.use_knowledge, self.freeze_embeddings

        class KanNet(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.words = nn.Embedding.from_pretrained(vectors, freeze=freeze, padding_idx=0)
                self.word_proj = nn.Linear(vectors.shape[1], d)
                self.text = MaskedTransformerEncoder(
                    d, heads, layers, d_ff=d_ff, dropout=dropout, positional=True, max_len=max_len
                )
                width = d
                if knowledge:
                    self.entity_proj = nn.Linear(d_k, d)
                    self.context_proj = nn.Linear(d_k, d)
                    self.entities = MaskedTransformerEncoder(d, heads, layers, d_ff=d_ff, dropout=dropout)
                    self.contexts = MaskedTransformerEncoder(d, heads, layers, d_ff=d_ff, dropout=dropout)
                    self.n_e = nn.MultiheadAttention(d, heads, dropout=dropout, batch_first=True)
                    self.n_e2c = nn.MultiheadAttention(d, heads, dropout=dropout, batch_first=True)
                    width = 3 * d
                self.drop = nn.Dropout(dropout)
                self.head = nn.Linear(width, spec.n_classes)

            def forward(self, x: dict[str, Any]):
                mask = x["word_mask"]
                words = self.word_proj(self.words(x["word_ids"]))
                p = masked_mean(self.text(words, mask), mask)
                parts = [p]
                if knowledge:
                    e_mask = x["entity_mask"]
                    q_ = self.entities(self.entity_proj(x["entity_transe"]), e_mask)
                    r_ = self.contexts(self.context_proj(x["entity_context"]), e_mask)
                    query = p.unsqueeze(1)
                    q = masked_attention(self.n_e, query, q_, q_, e_mask).squeeze(1)
                    r = masked_attention(self.n_e2c, query, q_, r_, e_mask).squeeze(1)
                    parts += [q, r]
                return self.head(self.drop(torch.cat(parts, dim=1)))

        return KanNet()
