"""Test data for the benchmark and baseline tests: a tiny deterministic featurizer and planted-shift sets.

The featurizer is not a stand-in for the real encoders (the harness never computes features): it turns
synthetic records into small FeatureSets that still carry the generator's planted signals — hashed bag of
words for the text cues, colour statistics and row-to-row contrast for the image cues (topic colour, stripes),
hashed entity ids for the knowledge cues.
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
from PIL import Image

from finefake.features.featureset import FeatureSet
from finefake.workspace import Workspace

D_TEXT, D_KG = 64, 16


def _bucket(token: str, size: int) -> int:
    return zlib.crc32(token.encode("utf-8")) % size


def featurize(
    records: list[dict[str, Any]],
    ws: Workspace,
    d_text: int = D_TEXT,
    d_kg: int = D_KG,
    with_title: bool = False,
) -> FeatureSet:
    """``d_text`` / ``d_kg`` hash buckets for words / entities. The small defaults collide: a word or entity
    of one topic shares a bucket with another topic's, a cross-topic link the data does not have; adaptation
    checks use large ones (1024 / 256). ``with_title`` hashes the title's words too, as the real pipeline
    encodes ``title + text`` (imports of real releases: FakeNewsNet's CSVs have titles only)."""
    n = len(records)
    text = np.zeros((n, d_text), dtype=np.float32)
    image = np.zeros((n, 9), dtype=np.float32)
    kg = np.zeros((n, d_kg), dtype=np.float32)
    image_mask = np.zeros(n, dtype=bool)
    kg_mask = np.zeros(n, dtype=bool)
    for i, record in enumerate(records):
        words = f"{record.get('title') or ''} {record['text']}" if with_title else record["text"]
        for token in words.lower().split():
            text[i, _bucket(token, d_text)] += 1.0
        text[i] = np.log1p(text[i])
        if record["images"]:
            with Image.open(ws.images.path(record["images"][0]["path"])) as im:
                pixels = np.asarray(im.convert("RGB").resize((16, 16)), dtype=np.float32) / 255.0
            rows = np.abs(np.diff(pixels, axis=0)).mean(axis=(0, 1))
            image[i] = np.concatenate([pixels.mean(axis=(0, 1)), pixels.std(axis=(0, 1)), rows])
            image_mask[i] = True
        if record["entities"]:
            for entity in record["entities"]:
                kg[i, _bucket(entity["qid"], d_kg)] += 1.0
            kg[i] /= len(record["entities"])
            kg_mask[i] = True
    return FeatureSet(
        [r["id"] for r in records], text, image, kg, image_mask, kg_mask, {"encoder": "tiny-test"}
    )


def gaussian_shift_features(
    n_source: int = 500, n_target: int = 500, p_source: float = 0.5, p_target: float = 0.9, seed: int = 0
) -> tuple[FeatureSet, np.ndarray, np.ndarray]:
    """Planted label shift: same class-conditional inputs in both domains, P(y=1) 0.5 -> 0.9.

    Classes overlap (class means 1.6 apart in text space), so the decision threshold should move with the
    prior: a model that corrects for label shift gains about 10 points of target accuracy.
    Returns the features, labels and a domain flag (0 source, 1 target).
    """
    rng = np.random.default_rng(seed)
    y = np.concatenate([rng.random(n_source) < p_source, rng.random(n_target) < p_target]).astype(np.int64)
    domain = np.concatenate([np.zeros(n_source, dtype=np.int64), np.ones(n_target, dtype=np.int64)])
    n = len(y)
    text = rng.normal(size=(n, 4)).astype(np.float32) + np.where(y[:, None] == 1, 0.4, -0.4).astype(
        np.float32
    )
    image = rng.normal(size=(n, 3)).astype(np.float32)
    kg = rng.normal(size=(n, 3)).astype(np.float32)
    image_mask = rng.random(n) > 0.1
    kg_mask = rng.random(n) > 0.2
    image[~image_mask] = 0
    kg[~kg_mask] = 0
    ids = [f"item-{i}" for i in range(n)]
    return FeatureSet(ids, text, image, kg, image_mask, kg_mask, {"encoder": "gaussian"}), y, domain


def attach_token_inputs(
    features: FeatureSet,
    records: list[dict[str, Any]],
    *,
    d_token: int = 32,
    max_tokens: int = 128,
    vocab: int = 4096,
    seed: int = 0,
    pooled_text: bool = False,
) -> FeatureSet:
    """``features`` with the token-level inputs filled in the way ``finefake.features.inputs`` fills them:
    ``text_tokens`` (+ mask), ``token_ids`` with ``tables["embedding_table"]`` (what the harness turns into
    ``word_ids``), ``emotion`` and ``style``. No model download, a fraction of a second per thousand items.

    The stand-in encoder hashes each word (``finefake.stats.emotion.tokens``) into ``vocab`` ids and gives
    every id a fixed random unit-variance ``d_token``-wide vector (``seed``): the static embedding table, and also
    the token states (static: no context mixing, so the planted cue words are exactly as visible as in the text).
    ``max_tokens`` keeps the first words as the real encoder keeps the first wordpieces; the synthetic texts
    have at most ~125 words, so 128 keeps every cue. Emotion and style are the project's own cheap
    extractors (``lexicon_scores``, ``style_cues``), exactly what ``finefake features --inputs`` computes.

    ``pooled_text`` replaces ``features.text`` by the L2-normalised mean of each row's token states, the
    relation the real text encoder's pooled vector has to its token states (MiniLM's masked mean pooling), so
    that a model reading ``text`` and one reading ``text_tokens`` see the same words through the same vectors.
    """
    from finefake.features.style import style_cues
    from finefake.stats.emotion import EMOTIONS, lexicon_scores, tokens

    by_id = {r["id"]: r for r in records}
    texts = [by_id[i]["text"] for i in features.ids]
    table = np.random.default_rng(seed).normal(size=(vocab, d_token)).astype(np.float32)
    n = len(texts)
    ids = np.zeros((n, max_tokens), dtype=np.int32)
    mask = np.zeros((n, max_tokens), dtype=bool)
    for i, text in enumerate(texts):
        words = tokens(text)[:max_tokens]
        ids[i, : len(words)] = [_bucket(w, vocab) for w in words]
        mask[i, : len(words)] = True
    states = (table[ids] * mask[..., None]).astype(np.float16)
    emotion = np.asarray([[row[e] for e in EMOTIONS] for row in map(lexicon_scores, texts)], np.float32)
    features.inputs.update(
        text_tokens=states,
        text_tokens_mask=mask,
        token_ids=ids,
        emotion=emotion,
        style=np.stack([style_cues(t) for t in texts]),
    )
    features.tables["embedding_table"] = table
    if pooled_text:
        pooled = states.astype(np.float32).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
        pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        features.text = pooled
    return features
