"""MDFEND: Multi-domain Fake News Detection with a domain gate over a mixture of CNN experts.

Q. Nan, J. Cao, Y. Zhu, Y. Wang and J. Li, "MDFEND: Multi-domain Fake News Detection", CIKM 2021. A FineFake
baseline (multi-domain method; FineFake paper, section 6.1).

What is implemented, following the paper and its official code:

* the contextual token states of the text encoder (``text_tokens``, frozen, as the paper's frozen BERT);
* five CNN experts over the tokens, each with kernels {1, 2, 3, 5, 10} x 64 filters, max-pooled over time
  (320-d per expert; no activation before the pooling, as in the official ``cnn_extractor``);
* the domain gate: a learned embedding of the item's domain (``d_domain`` = the token width, as the paper's
  domain embedding has BERT's width) concatenated with an attention-pooled text vector -> 384 -> ReLU -> 5,
  softmax; the experts' outputs are mixed with these weights;
* the classifier: 320 -> 384 (BatchNorm, ReLU, dropout 0.2) -> classes;
* Adam, lr 5e-4, weight decay 5e-5, batch 64, at most 50 epochs, the checkpoint selected on the source
  validation macro F1, early stopping after 3 epochs without improvement.

Deviations, and why:

* Domains: Weibo21's nine news domains become one of FineFake's domain kinds, picked by ``domain`` (topic by
  default, ``platform`` or ``platform_group`` as options). In an adaptation setting the target items' domain
  (a held-out topic or platform) has no training rows; its embedding row would stay at its random
  initialisation, an input the gate never saw. It reads the mean of the trained domains' embeddings instead
  (``blocks.DomainEmbedding``; the flags come from the training rows only). Weibo21's test items all belong
  to training domains, so the paper never meets the case.
* Classes: the paper's single sigmoid output becomes a softmax over ``n_classes`` so the same network serves
  the fine-grained task (two logits for the binary task are equivalent to one sigmoid).
* Encoder: the offline token states are MiniLM's (384-d, 128 wordpieces) instead of BERT-base's (768-d,
  170 tokens); the widths that follow the encoder (domain embedding) follow it.
* Attention pooling: the shared ``AttentionPooling`` block (a tanh hidden layer before the score) instead of
  the official single linear score.
* Early stopping counts epochs without a lower source-validation cross-entropy (the shared loop's rule); the
  official code counts epochs without a better validation metric. Selection is on macro F1 as in the paper.
* A one-row last mini-batch passes the BatchNorm with its running statistics (``blocks.BatchNorm1d``).

The FineFake paper's numbers for MDFEND (its Tables 4 and 5; CLIP/BERT features, their own splits):

* Table 4, binary without knowledge: accuracy 0.787, precision 0.784, recall 0.781, F1 0.783.
  Fine-grained (6 classes): accuracy 0.661, precision 0.676, recall 0.460, F1 0.484.
* Table 5 (accuracy / weighted F1), by source group:
  Stream -> topic DA: entertainment 0.920 / 0.919, conflict 0.697 / 0.695; platform DA: official
  0.782 / 0.727, fact-check 0.615 / 0.609; dual DA: official 0.802 / 0.789, fact-check 0.697 / 0.681.
  Official -> topic DA: entertainment 0.948 / 0.927, conflict 0.847 / 0.783; platform DA: stream
  0.679 / 0.686, fact-check 0.477 / 0.479; dual DA: stream 0.349 / 0.378, fact-check 0.334 / 0.169.
  Fact-Check -> topic DA: entertainment 0.661 / 0.647, conflict 0.634 / 0.628; platform DA: stream
  0.703 / 0.710, official 0.784 / 0.715; dual DA: stream 0.685 / 0.671, official 0.737 / 0.711.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from finefake.baselines.base import Batch
from finefake.baselines.domains import check_domain_kind, domain_array, domain_count
from finefake.baselines.registry import register_model
from finefake.baselines.training import InputSpec, TorchModel


@register_model("mdfend")
class Mdfend(TorchModel):
    """MDFEND (Nan et al., CIKM 2021); see the module docstring for the deviations."""

    inputs = frozenset({"text_tokens", "domain"})

    def __init__(
        self,
        *,
        domain: str = "topic",
        n_experts: int = 5,
        kernel_sizes: tuple[int, ...] = (1, 2, 3, 5, 10),
        filters: int = 64,
        gate_hidden: int = 384,
        mlp_hidden: int = 384,
        dropout: float = 0.2,
        epochs: int = 50,
        batch_size: int = 64,
        lr: float = 5e-4,
        weight_decay: float = 5e-5,
        patience: int = 3,
        select_metric: str = "macro_f1",
        num_threads: int = 0,
        device: str = "cpu",
        seed: int = 0,
    ):
        self.domain = domain
        self.n_experts = n_experts
        self.kernel_sizes = kernel_sizes
        self.filters = filters
        self.gate_hidden = gate_hidden
        self.mlp_hidden = mlp_hidden
        self.dropout = dropout
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

        from finefake.baselines.blocks import (
            AttentionPooling,
            MoEGate,
            TextCNN,
            mix_experts,
            mlp,
        )

        check_domain_kind(self.domain)
        d = spec.dim("text_tokens")
        field = domain_array(self.domain)
        n_domains = domain_count(spec.info, self.domain)
        widths, filters, n_experts = tuple(self.kernel_sizes), self.filters, self.n_experts
        hidden, gate_hidden, dropout = self.mlp_hidden, self.gate_hidden, self.dropout

        class MdfendNet(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.experts = nn.ModuleList(
                    TextCNN(d, widths, filters, activation="none") for _ in range(n_experts)
                )
                self.pool = AttentionPooling(d)
                self.gate = MoEGate(d, n_experts, n_domains, d, gate_hidden)
                self.classifier = mlp(
                    [len(widths) * filters, hidden, spec.n_classes],
                    dropout=dropout,
                    batch_norm=True,
                    last_activation=False,
                )

            def forward(self, x: dict[str, Any]) -> dict[str, torch.Tensor]:
                tokens, mask = x["text_tokens"], x["text_tokens_mask"]
                gate = self.gate(self.pool(tokens, mask), x[field])
                mixed = mix_experts(gate, [expert(tokens, mask) for expert in self.experts])
                return {"logits": self.classifier(mixed), "gate": gate}

        return MdfendNet()

    def on_fit_start(self, train: Batch, val: Batch | None, target: Batch | None) -> None:
        self._trained_domains = np.unique(train.arrays[domain_array(self.domain)])

    def new_network(self):
        net = super().new_network()
        net.gate.domain.mark_trained(getattr(self, "_trained_domains", []))  # training rows only
        return net
