"""Knowledge features: TransE over the dataset's one-hop Wikidata triples, pooled per item.

FineFake (section 5, KEAN) embeds each item's knowledge sub-graph with TransE and feeds the mean of the
sub-graph's node vectors to MLP_kg. We do the same: TransE (Bordes et al., 2013: ``h + r ~ t``, margin ranking
loss against corrupted heads/tails, entity vectors renormalised to unit length) is trained on the union of
all items' relation triples; an item's sub-graph is its linked entities plus the heads and tails of its
triples; its vector is the mean of those nodes' embeddings. Items with no entity and no triple get zeros and
``kg_mask = False`` ("no knowledge"), never NaN.

PyKEEN was considered (the issue prefers it) but ``pip install --dry-run pykeen`` pulls optuna, SQLAlchemy,
alembic, torch-ppr and a dozen more packages, so this is a compact torch implementation instead.

``method="release"`` instead takes the precomputed ``knowledge_embedding`` kept from the official FineFake
release (items where it is null get the "no knowledge" input).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from finefake.errors import FinefakeError


@dataclass(frozen=True)
class TransEConfig:
    """TransE hyper-parameters (Bordes et al., 2013 defaults where they exist)."""

    dim: int = 100
    epochs: int = 100
    batch_size: int = 512
    lr: float = 0.01
    margin: float = 1.0
    norm: int = 1  # L1 distance, as in the paper's best setting
    seed: int = 0

    @property
    def version(self) -> str:
        return "transe-v1-" + "-".join(f"{k}{v}" for k, v in asdict(self).items())


def item_nodes(record: dict[str, Any]) -> list[str]:
    """The item's one-hop sub-graph nodes: linked entities and both ends of its relation triples (sorted)."""
    nodes = {e["qid"] for e in record.get("entities") or []}
    for triple in record.get("relation_triples") or []:
        nodes.add(triple["head"])
        nodes.add(triple["tail"])
    return sorted(nodes)


def collect_triples(records: Sequence[dict[str, Any]]) -> tuple[list[str], list[str], np.ndarray]:
    """Entity ids, relation ids and the de-duplicated ``(head, relation, tail)`` index triples of all items."""
    entities: dict[str, int] = {}
    relations: dict[str, int] = {}
    triples: set[tuple[int, int, int]] = set()
    for record in records:
        for node in item_nodes(record):
            entities.setdefault(node, len(entities))
        for t in record.get("relation_triples") or []:
            rel = relations.setdefault(t["property"], len(relations))
            triples.add((entities[t["head"]], rel, entities[t["tail"]]))
    array = np.array(sorted(triples), dtype=np.int64).reshape(-1, 3)
    return list(entities), list(relations), array


def train_transe(
    triples: np.ndarray, n_entities: int, n_relations: int, config: TransEConfig = TransEConfig()
) -> np.ndarray:
    """Train TransE and return the ``(n_entities, dim)`` float32 entity embeddings (deterministic in seed)."""
    import torch

    generator = torch.Generator().manual_seed(config.seed)
    bound = 6.0 / config.dim**0.5
    entity = torch.empty(n_entities, config.dim).uniform_(-bound, bound, generator=generator)
    entity = torch.nn.functional.normalize(entity, dim=1)
    if len(triples) == 0 or n_relations == 0:
        return entity.numpy().astype(np.float32)
    relation = torch.empty(n_relations, config.dim).uniform_(-bound, bound, generator=generator)
    relation = torch.nn.functional.normalize(relation, dim=1)
    entity, relation = torch.nn.Parameter(entity), torch.nn.Parameter(relation)
    optimiser = torch.optim.Adam([entity, relation], lr=config.lr)
    data = torch.from_numpy(triples)

    def distance(h: torch.Tensor, r: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        return (entity[h] + relation[r] - entity[t]).norm(p=config.norm, dim=1)

    for _ in range(config.epochs):
        order = torch.randperm(len(data), generator=generator)
        for start in range(0, len(data), config.batch_size):
            batch = data[order[start : start + config.batch_size]]
            h, r, t = batch[:, 0], batch[:, 1], batch[:, 2]
            random_entity = torch.randint(0, n_entities, (len(batch),), generator=generator)
            corrupt_head = torch.rand(len(batch), generator=generator) < 0.5
            h_neg = torch.where(corrupt_head, random_entity, h)
            t_neg = torch.where(corrupt_head, t, random_entity)
            loss = torch.relu(config.margin + distance(h, r, t) - distance(h_neg, r, t_neg)).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            with torch.no_grad():
                entity.data = torch.nn.functional.normalize(entity.data, dim=1)
    return entity.detach().numpy().astype(np.float32)


def transe_features(
    records: Sequence[dict[str, Any]], config: TransEConfig = TransEConfig()
) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """Per-item knowledge vectors (mean of sub-graph node embeddings), the mask, and a small report."""
    names, vectors, triples, n_relations = entity_table(records, config)
    index = {qid: i for i, qid in enumerate(names)}
    kg = np.zeros((len(records), config.dim), dtype=np.float32)
    mask = np.zeros(len(records), dtype=bool)
    for row, record in enumerate(records):
        nodes = [index[n] for n in item_nodes(record)]
        if nodes:
            kg[row] = vectors[nodes].mean(axis=0)
            mask[row] = True
    info = {"entities": len(names), "relations": n_relations, "triples": int(len(triples))}
    return kg, mask, info


def entity_table(
    records: Sequence[dict[str, Any]], config: TransEConfig = TransEConfig()
) -> tuple[list[str], np.ndarray, np.ndarray, int]:
    """TransE over all items' triples: entity ids, their ``(n, dim)`` vectors, the index triples and the
    number of relations (the per-entity view that ``transe_features`` pools per item)."""
    names, relations, triples = collect_triples(records)
    vectors = train_transe(triples, len(names), len(relations), config)
    return names, vectors, triples, len(relations)


def neighbour_means(vectors: np.ndarray, triples: np.ndarray) -> np.ndarray:
    """Each entity's context: the mean vector of its one-hop neighbours in the triple graph (either
    direction), zeros for an entity without neighbours (KAN's entity context)."""
    sums = np.zeros_like(vectors)
    counts = np.zeros(len(vectors), dtype=np.float32)
    if len(triples):
        heads, tails = triples[:, 0], triples[:, 2]
        np.add.at(sums, heads, vectors[tails])
        np.add.at(sums, tails, vectors[heads])
        np.add.at(counts, heads, 1.0)
        np.add.at(counts, tails, 1.0)
    return sums / np.maximum(counts, 1.0)[:, None]


def release_features(records: Sequence[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray, dict[str, Any]]:
    """The ``knowledge_embedding`` shipped with imported FineFake records; all must share one dimension."""
    dims = {len(r["knowledge_embedding"]) for r in records if r.get("knowledge_embedding")}
    if len(dims) > 1:
        raise FinefakeError(f"records carry knowledge_embedding of several dimensions: {sorted(dims)}")
    if not dims:
        raise FinefakeError("no record carries a knowledge_embedding; use the 'transe' knowledge method")
    dim = dims.pop()
    kg = np.zeros((len(records), dim), dtype=np.float32)
    mask = np.zeros(len(records), dtype=bool)
    for row, record in enumerate(records):
        value = record.get("knowledge_embedding")
        if value:
            vector = np.asarray(value, dtype=np.float32)
            if not np.isfinite(vector).all():
                raise FinefakeError(f"item {record['id']}: knowledge_embedding holds NaN or inf")
            kg[row], mask[row] = vector, True
    return kg, mask, {"dim": dim}
