from __future__ import annotations

import numpy as np
import pytest

from finefake.errors import FinefakeError
from finefake.features.knowledge import (
    TransEConfig,
    collect_triples,
    release_features,
    train_transe,
    transe_features,
)


def _record(item_id: str, qids: list[str], triples: list[tuple[str, str, str]]) -> dict:
    return {
        "id": item_id,
        "entities": [{"qid": q} for q in qids],
        "relation_triples": [{"head": h, "property": p, "tail": t} for h, p, t in triples],
    }


def _chain_records() -> list[dict]:
    """Two disjoint star graphs: Q1..Q5 linked by P1 to Q100, Q6..Q10 linked by P2 to Q200."""
    a = [(f"Q{i}", "P1", "Q100") for i in range(1, 6)]
    b = [(f"Q{i}", "P2", "Q200") for i in range(6, 11)]
    return [_record("a", ["Q1"], a), _record("b", ["Q6"], b), _record("empty", [], [])]


def test_transe_fits_the_triples_better_than_corruptions():
    names, relations, triples = collect_triples(_chain_records())
    assert len(triples) == 10 and set(relations) == {"P1", "P2"}
    config = TransEConfig(dim=16, epochs=200, batch_size=4, seed=1)
    emb = train_transe(triples, len(names), len(relations), config)
    assert emb.shape == (len(names), 16) and np.isfinite(emb).all()
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-5)
    # Relation vectors are not returned; h - t must be consistent within a relation.
    index = {n: i for i, n in enumerate(names)}
    diffs = np.array([emb[index[f"Q{i}"]] - emb[index["Q100"]] for i in range(1, 6)])
    others = np.array([emb[index[f"Q{i}"]] - emb[index["Q100"]] for i in range(6, 11)])
    assert diffs.std(axis=0).sum() < others.std(axis=0).sum()
    np.testing.assert_array_equal(emb, train_transe(triples, len(names), len(relations), config))


def test_items_without_knowledge_get_zeros_and_a_false_mask():
    kg, mask, info = transe_features(_chain_records(), TransEConfig(dim=8, epochs=5))
    assert kg.shape == (3, 8) and mask.tolist() == [True, True, False]
    assert not kg[2].any() and np.isfinite(kg).all() and info["triples"] == 10


def test_item_vector_is_the_mean_of_its_subgraph_nodes():
    records = _chain_records()
    names, relations, triples = collect_triples(records)
    config = TransEConfig(dim=8, epochs=3)
    emb = train_transe(triples, len(names), len(relations), config)
    kg, _, _ = transe_features(records, config)
    nodes = [names.index(q) for q in ["Q1", "Q2", "Q3", "Q4", "Q5", "Q100"]]
    np.testing.assert_allclose(kg[0], emb[nodes].mean(axis=0), atol=1e-6)


def test_release_embeddings_are_taken_as_they_are_and_checked():
    records = [{"id": "a", "knowledge_embedding": [1.0, 2.0]}, {"id": "b", "knowledge_embedding": None}]
    kg, mask, info = release_features(records)
    assert kg.tolist() == [[1.0, 2.0], [0.0, 0.0]] and mask.tolist() == [True, False] and info["dim"] == 2
    with pytest.raises(FinefakeError, match="several dimensions"):
        release_features(records + [{"id": "c", "knowledge_embedding": [1.0]}])
    with pytest.raises(FinefakeError, match="item c: knowledge_embedding holds NaN"):
        release_features(records + [{"id": "c", "knowledge_embedding": [1.0, float("nan")]}])
