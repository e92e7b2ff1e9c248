"""CompareNet: compare the news to the knowledge base through a heterogeneous document graph.

L. Hu, T. Yang, L. Zhang, W. Zhong, D. Tang, C. Shi, N. Duan and M. Zhou, "Compare to The Knowledge: Graph
Neural Fake News Detection with External Knowledge", ACL-IJCNLP 2021 (FineFake calls it CompNet).

Checked against the paper's official code (github.com/BUPT-GAMMA/CompareNet_FakeNewsDetection: ``main.py``
defaults, ``models/classifier.py``, ``models/model.py``, ``data_loader.py``).

What is implemented:

* one graph per document with three node types: its sentences, its linked entities and its topics;
  edges: sentence-sentence (every pair of the document's sentences), sentence-topic (the document's topics,
  both ways), sentence -> entity (the entity reads the sentence that holds its mention; the sentence does not
  read the entity: the official loader zeroes the entity-to-sentence block, which makes the graph directed),
  plus self-loops;
* node features, projected to the input width ``hidden`` (100, the official ``hidden_dim``): sentence
  vectors; for an entity its knowledge-base representation ``E_kb``, a gate ``a = sigmoid(W [desc; transe])``
  mixing the encoding of its Wikidata description with its TransE vector (``E_kb = a * desc + (1 - a) *
  transe``); for a topic, the LDA topic's word distribution applied to the pretrained word vectors (an
  embedding of the topic's words);
* topics: an LDA (scikit-learn ``LatentDirichletAllocation``) fitted on the TRAINING rows only, in
  ``on_fit_start``; each document is joined to its ``top_topics`` most probable topics;
* one heterogeneous graph attention layer (HGAT, Hu et al. 2019, as the paper describes it): type-level
  attention (which neighbour type matters to a node) and node-level attention (which neighbour, weighted
  by its type's attention), one projection per neighbour type to the node width ``node_dim`` (32, the
  official ``node_emb_dim``);
* document representation: the max over the sentence nodes after the graph layer (the official
  ``--pooling max``);
* entity comparison: for each entity, its contextual representation from the graph ``E_g`` against its
  knowledge-base representation projected to the node width, ``E_kb'``:
  ``ReLU(W [E_g; E_kb'; E_g - E_kb'; E_g * E_kb'])``, max-pooled over the document's entities;
* classifier: one linear layer on ``[document; comparison]`` (the official code sums a sentence classifier
  and an entity classifier, which is the same linear map); Adam lr 1e-3, weight decay 1e-6, dropout 0.5,
  batch 32, 15 epochs (the official defaults).
* Ablation switch: ``use_knowledge=False`` drops entity nodes and the comparison (the paper's variant without
  entities). Without knowledge (the task masks every entity, FineFake Table 4's first column) the graph holds
  sentences and topics and the comparison block is zeros.

Deviations, and why:

* The released code switches both attention levels off (``HGAT.para_init`` sets ``attention`` and
  ``lower_attention`` to False, leaving one graph convolution per neighbour type, summed); the paper and the
  issue describe the attention, which is what is built here.
* Comparison features: the released ``MatchingTransform`` uses ``[E_g - E_kb, E_g * E_kb]`` (its ``SIMPLE``
  switch); the paper's four-part form is used here.
* Entity gate: the released code learns one gate vector per knowledge-base entity (``gate_theta[entity]``);
  here the gate is computed from the entity's description and TransE vectors, so that entities first seen
  at test time get a gate too.
* There is no raw text in a Batch, so the LDA reads the ``word_ids`` input: a bag of words over the
  per-setting vocabulary (built from training rows; padding 0 and unknown 1 are left out). Topic inference
  for a document (``LDA.transform``) is memoised per distinct word sequence, so each item is inferred once.
  The number of topics (50) and topics per document (2) could not be checked: the released code reads
  pre-computed graphs and its topic table has 100 rows.
* Sentences: the paper encodes each sentence with an LSTM over word embeddings; here the ``sentences``
  input gives one text-encoder vector per sentence (up to 16), projected to ``hidden``.
* Topics per sentence: the paper assigns topics to sentences; only document-level words exist here, so each
  of the document's topics is joined to every sentence.
* Entity-sentence edges: the mention's sentence is not known, only its relative start in the text
  (``entity_pos``); the entity is joined to sentence ``floor(pos * n_sentences)``.
* Entity descriptions: the paper encodes them with an LSTM; here the text-encoder vector of the entity's
  Wikidata label and description (``entity_desc``).
* Model selection and early stopping on the labelled source validation split (the shared loop); the
  official loader likewise carves its dev split (20%) out of the training file.

FineFake's published numbers for CompNet (Table 4 of the FineFake paper; accuracy / precision / recall / F1):
without knowledge 0.780 / 0.779 / 0.767 / 0.772; knowledge-enhanced 0.791 / 0.794 / 0.779 / 0.786;
fine-grained (6 classes) 0.656 / 0.605 / 0.483 / 0.522.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from finefake.baselines.base import Batch
from finefake.baselines.registry import register_model
from finefake.baselines.training import InputSpec, TorchModel

SENTENCE, ENTITY, TOPIC = 0, 1, 2


def bag_of_words(word_ids: Any, mask: Any, vocabulary: int):
    """Sparse document-term counts ``(N, vocabulary)`` of the present, known words (ids >= 2)."""
    from scipy.sparse import csr_matrix

    ids = np.asarray(word_ids, dtype=np.int64)
    keep = np.asarray(mask, dtype=bool) & (ids >= 2) & (ids < vocabulary)
    rows = np.broadcast_to(np.arange(len(ids))[:, None], ids.shape)[keep]
    counts = csr_matrix((np.ones(len(rows)), (rows, ids[keep])), shape=(len(ids), vocabulary))
    counts.sum_duplicates()
    return counts


def fit_topics(word_ids: Any, mask: Any, vocabulary: int, *, n_topics: int, max_iter: int, seed: int):
    """An LDA over the bags of words of ``word_ids`` (the caller passes training rows only)."""
    from sklearn.decomposition import LatentDirichletAllocation

    lda = LatentDirichletAllocation(
        n_components=n_topics, learning_method="batch", max_iter=max_iter, random_state=seed
    )
    return lda.fit(bag_of_words(word_ids, mask, vocabulary))


@register_model("comparenet")
class CompareNet(TorchModel):
    """CompareNet (Hu et al., ACL 2021); see the module docstring for the deviations."""

    inputs = frozenset({"sentences", "entities", "word_ids"})

    def __init__(
        self,
        *,
        hidden: int = 100,
        node_dim: int = 32,
        n_topics: int = 50,
        top_topics: int = 2,
        lda_max_iter: int = 10,
        dropout: float = 0.5,
        use_knowledge: bool = True,
        epochs: int = 15,
        batch_size: int = 32,
        lr: float = 1e-3,
        weight_decay: float = 1e-6,
        patience: int = 5,
        select_metric: str = "accuracy",
        num_threads: int = 0,
        device: str = "cpu",
        seed: int = 0,
    ):
        self.hidden = hidden
        self.node_dim = node_dim
        self.n_topics = n_topics
        self.top_topics = top_topics
        self.lda_max_iter = lda_max_iter
        self.dropout = dropout
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

    # -- topics ---------------------------------------------------------------------------------------
    def on_fit_start(self, train: Batch, val: Batch | None, target: Batch | None) -> None:
        if train.info.get("word_vectors") is None:
            raise ValueError("CompareNet needs the vocabulary's word vectors (Batch.info['word_vectors'])")
        vectors = np.asarray(train.info["word_vectors"], dtype=np.float32)
        self.vocabulary_ = len(vectors)
        self.lda_ = fit_topics(
            train.word_ids,
            train.word_mask,
            self.vocabulary_,
            n_topics=self.n_topics,
            max_iter=self.lda_max_iter,
            seed=self.seed,
        )
        words = self.lda_.components_ / self.lda_.components_.sum(axis=1, keepdims=True)
        self.topic_vectors_ = (words @ vectors).astype(np.float32)  # (T, D_w)
        self.topic_cache_: dict[bytes, tuple[np.ndarray, bool]] = {}
        self.lda_info_ = {"documents": len(train), "topics": self.n_topics, "vocabulary": self.vocabulary_}

    def document_topics(self, word_ids: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The ``top_topics`` most probable topics of each document ``(N, P)`` and whether it has any (N,)
        (a document without known words has no topic node)."""
        ids = np.where(mask, word_ids, 0)
        keys = [row.tobytes() for row in ids]
        todo = sorted({i for i, key in enumerate(keys) if key not in self.topic_cache_})
        if todo:
            counts = bag_of_words(ids[todo], mask[todo], self.vocabulary_)
            theta = self.lda_.transform(counts)
            top = np.argsort(-theta, axis=1, kind="stable")[:, : self.top_topics]
            has_words = np.asarray(counts.sum(axis=1)).ravel() > 0
            for row, i in enumerate(todo):
                self.topic_cache_[keys[i]] = (top[row], bool(has_words[row]))
        topics = np.stack([self.topic_cache_[k][0] for k in keys])
        present = np.array([self.topic_cache_[k][1] for k in keys])
        return topics, present

    def forward(self, net, x: dict[str, Any]):
        import torch

        topics, present = self.document_topics(x["word_ids"].cpu().numpy(), x["word_mask"].cpu().numpy())
        device = x["word_ids"].device
        return net(x, torch.from_numpy(topics).to(device), torch.from_numpy(present).to(device))

    def fit_info(self) -> dict[str, Any]:
        return {**self.info_, "lda": self.lda_info_}

    # -- network --------------------------------------------------------------------------------------
    def build(self, spec: InputSpec):
        import torch
        from torch import nn

        from finefake.baselines.blocks import masked_max

        d, d_n, dropout, knowledge = self.hidden, self.node_dim, self.dropout, self.use_knowledge
        topic_vectors = torch.from_numpy(self.topic_vectors_)
        d_t, d_k = spec.dim("sentences"), spec.dim("entity_transe")
        n_types = 3

        class HeterogeneousAttention(nn.Module):
            """One HGAT layer over dense per-document graphs (type-level, then node-level attention)."""

            def __init__(self) -> None:
                super().__init__()
                self.type_score = nn.Parameter(torch.empty(n_types, 2 * d).uniform_(-0.1, 0.1))
                self.node_score = nn.Linear(2 * d, 1, bias=False)
                self.project = nn.ModuleList(nn.Linear(d, d_n, bias=False) for _ in range(n_types))

            def forward(self, h, node_type, adjacency):
                one_hot = nn.functional.one_hot(node_type, n_types).to(h.dtype)  # (N, 3)
                a = adjacency.to(h.dtype)
                # type-level attention: each node against the mean of its neighbours of each type
                per_type = []
                for t in range(n_types):
                    a_t = a * one_hot[:, t]
                    h_t = a_t @ h / a_t.sum(-1, keepdim=True).clamp_min(1.0)
                    pair = torch.cat([h, h_t], dim=-1)
                    score = torch.sigmoid(pair @ self.type_score[t])
                    per_type.append(score.masked_fill(a_t.sum(-1) == 0, float("-inf")))
                alpha = torch.nan_to_num(torch.softmax(torch.stack(per_type, -1), dim=-1))  # (B, N, 3)
                # node-level attention, scaled by the neighbour's type weight
                w = self.node_score.weight.view(2, d)
                s_self, s_other = h @ w[0], h @ w[1]  # (B, N)
                type_weight = alpha @ one_hot.t()  # (B, N, N): alpha[v, type(v')]
                raw = nn.functional.leaky_relu(
                    type_weight * (s_self.unsqueeze(2) + s_other.unsqueeze(1)), 0.2
                )
                beta = torch.nan_to_num(torch.softmax(raw.masked_fill(~adjacency, float("-inf")), dim=-1))
                messages = sum(one_hot[:, t].unsqueeze(-1) * self.project[t](h) for t in range(n_types))
                return torch.relu(beta @ messages)

        class CompareNetNet(nn.Module):
            def __init__(self) -> None:
                super().__init__()
                self.sentence = nn.Linear(d_t, d)
                self.register_buffer("topic_vectors", topic_vectors)
                self.topic = nn.Linear(topic_vectors.shape[1], d)
                if knowledge:
                    self.description = nn.Linear(spec.dim("entity_desc"), d)
                    self.transe = nn.Linear(d_k, d)
                    self.gate = nn.Linear(2 * d, d)
                    self.kb_project = nn.Linear(d, d_n)
                    self.compare = nn.Linear(4 * d_n, d_n)
                self.graph = HeterogeneousAttention()
                self.drop = nn.Dropout(dropout)
                self.head = nn.Linear(2 * d_n if knowledge else d_n, spec.n_classes)

            def forward(self, x: dict[str, Any], topics, topic_present):
                s_mask = x["sentence_mask"]
                n_sent = s_mask.shape[1]
                nodes = [self.sentence(x["sentences"])]
                types = [torch.full((n_sent,), SENTENCE)]
                masks = [s_mask]
                if knowledge:
                    e_mask = x["entity_mask"]
                    desc, transe = self.description(x["entity_desc"]), self.transe(x["entity_transe"])
                    gate = torch.sigmoid(self.gate(torch.cat([desc, transe], dim=-1)))
                    e_kb = gate * desc + (1 - gate) * transe
                    nodes.append(e_kb)
                    types.append(torch.full((e_mask.shape[1],), ENTITY))
                    masks.append(e_mask)
                n_top = topics.shape[1]
                nodes.append(self.topic(self.topic_vectors[topics]))
                types.append(torch.full((n_top,), TOPIC))
                masks.append(topic_present.unsqueeze(1).expand(-1, n_top))
                h = self.drop(torch.cat(nodes, dim=1))
                node_type = torch.cat(types).to(h.device)
                present = torch.cat(masks, dim=1)
                adjacency = self.edges(x, node_type, present, n_sent)
                out = self.graph(h, node_type, adjacency)
                parts = [masked_max(out[:, :n_sent], s_mask)]
                if knowledge:
                    e_g = out[:, n_sent : n_sent + e_mask.shape[1]]
                    kb = self.kb_project(self.drop(e_kb))
                    c = torch.relu(self.compare(self.drop(torch.cat([e_g, kb, e_g - kb, e_g * kb], dim=-1))))
                    parts.append(masked_max(c, e_mask))
                return self.head(self.drop(torch.cat(parts, dim=1)))

            @staticmethod
            def edges(x, node_type, present, n_sent):
                """Boolean adjacency (B, N, N) of each document's graph, with self-loops."""
                batch, n = present.shape
                sentence = node_type == SENTENCE
                adjacency = torch.zeros(batch, n, n, dtype=torch.bool, device=present.device)
                both = present.unsqueeze(2) & present.unsqueeze(1)
                ss = sentence.unsqueeze(1) & sentence.unsqueeze(0)
                st = (sentence.unsqueeze(1) & (node_type == TOPIC).unsqueeze(0)) | (
                    (node_type == TOPIC).unsqueeze(1) & sentence.unsqueeze(0)
                )
                adjacency |= (ss | st).unsqueeze(0) & both
                if knowledge:
                    e_mask = x["entity_mask"]
                    count = x["sentence_mask"].sum(1, keepdim=True).clamp_min(1)
                    which = (x["entity_pos"].clamp(0, 1) * count).long().clamp_max(count - 1)  # (B, K)
                    link = nn.functional.one_hot(which, n_sent).bool() & e_mask.unsqueeze(-1)  # (B, K, S)
                    link = link & x["sentence_mask"].unsqueeze(1)
                    entities = slice(n_sent, n_sent + e_mask.shape[1])
                    adjacency[:, entities, :n_sent] |= link  # directed: sentences do not read entities
                return adjacency | torch.diag_embed(present)

        return CompareNetNet()
