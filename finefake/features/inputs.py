"""The model inputs beyond the pooled vectors, computed only for models that declare them, and cached.

The published detectors read more than one text vector, one image vector and one knowledge vector: token
states (MDFEND, M3FEND), words (SAFE, MVAE, EANN), sentences (CompareNet), entities with their contexts and
descriptions (KAN, KDCN, CompareNet), emotion and style (M3FEND), several encoders per modality (MMFND, CroMe).
``attach_inputs`` fills ``FeatureSet.inputs`` / ``FeatureSet.tables`` with what was asked for (names as in
``finefake.baselines.base.INPUTS``), each group cached under ``<workspace>/features/inputs/`` by a content key:

* ``text_tokens``, ``word_ids``, ``sentences`` -- one pass of the text encoder (``encode_full``) gives the
  contextual token states (L wordpieces, title first, float16, memory-mapped), the tokenizer ids (the harness
  builds each setting's vocabulary from its training rows), the sentence vectors and the static input
  embedding table (the offline stand-in for word2vec/GloVe: the pretrained word vectors). Written chunk by
  chunk, so a killed run continues.
* ``entities`` -- per item up to K linked entities by rho: the TransE vector (the same TransE as the ``kg``
  features), the entity context (mean of its one-hop neighbours' TransE vectors), the text-encoder vector of
  "label: description", rho and the mention's relative position.
* ``emotion`` -- the emotion lexicon's eight scores (or a transformers emotion model from a local folder);
  ``style`` -- ``finefake.features.style`` cues.
* ``text_views`` / ``image_views`` -- the pooled vectors of every configured encoder per modality; a text view
  and an image view of one CLIP folder share one space (``tables`` is unchanged, ``FeatureSet.meta`` lists the
  views and the shared pairs).

``domain`` needs no features (the harness reads topics and platforms from the records).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from typing import TYPE_CHECKING, Any

import numpy as np

from finefake.console import track
from finefake.errors import FinefakeError
from finefake.features.cache import FeatureCache, cache_key
from finefake.features.chunks import fill_chunked, open_arrays
from finefake.features.encoding import local_encoding
from finefake.features.featureset import FeatureSet
from finefake.features.knowledge import entity_table, neighbour_means
from finefake.features.style import style_cues

if TYPE_CHECKING:
    from finefake.features.config import FeatureConfig, FeatureInput
    from finefake.features.registry import Encoder
    from finefake.workspace import Workspace

#: Inputs this module computes (the rest are the pooled FeatureSet arrays or come from records).
EXTRA_INPUTS: tuple[str, ...] = (
    "text_tokens",
    "word_ids",
    "sentences",
    "entities",
    "emotion",
    "style",
    "text_views",
    "image_views",
    "content",
    "rationales",
)
TEXT_GROUP = frozenset({"text_tokens", "word_ids", "sentences"})
#: Inputs that run a language model over every item (minutes to hours on a CPU): ``finefake features``
#: computes them only when they are named, and ``bench`` only for a model that declares them.
LLM_INPUTS = frozenset({"rationales"})
ENCODE_CHUNK = 256


def text_group(
    cache: FeatureCache,
    encoder: Encoder,
    items: list[FeatureInput],
    text_print: str,
    config: FeatureConfig,
    remote: Any = None,
) -> tuple[dict[str, np.ndarray], np.ndarray, str]:
    """Token states, token ids, sentences (and the pooled vectors of the same pass), memory-mapped; the
    encoder's input-embedding table; and the content key they are cached under. The pass runs through
    ``remote`` (``finefake.features.encoding.Remote``: the engine's mapper, this process by default) and is
    written here."""
    if not hasattr(encoder, "encode_full"):
        raise FinefakeError(
            f"text encoder {encoder.name!r} gives no token states; use minilm or bert for token-level models"
        )
    key = cache_key(text_print, encoder.name, encoder.version, f"tokens{config.max_tokens}")
    folder = cache.root / "inputs" / f"text-{encoder.name}-{key}"

    chunks = remote or local_encoding(None, encoder, "text_full", config.batch_size, config.max_tokens)

    def compute_many(ranges: list[tuple[int, int]]) -> Any:
        return chunks([i.text for i in items], ranges)

    label = f"token states ({encoder.name})"
    arrays = fill_chunked(folder, len(items), ENCODE_CHUNK, None, label, compute_many=compute_many)
    table_path = folder / "embedding_table.npy"
    if not table_path.exists():
        import io

        from finefake.workspace import atomic_write_bytes

        buffer = io.BytesIO()
        np.save(buffer, np.asarray(encoder.input_embeddings(), dtype=np.float32))
        atomic_write_bytes(table_path, buffer.getvalue())
    return arrays, np.load(table_path, mmap_mode="r"), key


def entity_inputs(
    cache: FeatureCache,
    encoder: Encoder,
    items: list[FeatureInput],
    kg_print: str,
    config: FeatureConfig,
) -> tuple[dict[str, np.ndarray], str]:
    """Per item the K highest-rho entities: TransE vector, neighbour context, description vector, rho,
    relative position and mask; and their content key."""
    k = config.max_entities
    entity_print = cache_key(*(json.dumps(i.entities, sort_keys=True, default=str) for i in items))
    key = cache_key(kg_print, entity_print, config.transe.version, encoder.name, encoder.version, f"k{k}")
    folder = cache.root / "inputs" / f"entities-{key}"
    done = open_arrays(folder)
    if done is not None:
        return done, key
    records = [
        {
            "id": i.id,
            "entities": [{"qid": q} for q in i.nodes],
            "relation_triples": [{"head": h, "property": p, "tail": t} for h, p, t in i.triples],
        }
        for i in items
    ]
    names, vectors, triples, _ = entity_table(records, config.transe)
    context = neighbour_means(vectors, triples)
    index = {qid: n for n, qid in enumerate(names)}
    chosen = [
        sorted(
            (e for e in i.entities if e.get("qid") in index),
            key=lambda e: (-(e.get("rho") or 0.0), e.get("start") or 0),
        )[:k]
        for i in items
    ]
    descriptions: dict[str, str] = {}
    for entities in chosen:
        for e in entities:
            label, description = e.get("label") or e["qid"], e.get("description") or ""
            descriptions.setdefault(e["qid"], f"{label}: {description}".strip(": "))
    qids = sorted(descriptions)
    desc_vectors = (
        np.concatenate(
            [
                encoder.encode(
                    [descriptions[q] for q in qids[s : s + ENCODE_CHUNK]], batch_size=config.batch_size
                )
                for s in track(range(0, len(qids), ENCODE_CHUNK), "entity descriptions")
            ]
        )
        if qids
        else np.zeros((0, encoder.dim), np.float32)
    )
    desc_index = {q: n for n, q in enumerate(qids)}
    n, d_kg, d_text = len(items), vectors.shape[1], desc_vectors.shape[1] if len(qids) else encoder.dim

    def compute(start: int, stop: int) -> dict[str, np.ndarray]:
        rows = stop - start
        out = {
            "entity_transe": np.zeros((rows, k, d_kg), np.float32),
            "entity_context": np.zeros((rows, k, d_kg), np.float32),
            "entity_desc": np.zeros((rows, k, d_text), np.float32),
            "entity_rho": np.zeros((rows, k), np.float32),
            "entity_pos": np.zeros((rows, k), np.float32),
            "entity_mask": np.zeros((rows, k), bool),
        }
        for r, (item, entities) in enumerate(zip(items[start:stop], chosen[start:stop], strict=True)):
            length = max(len(item.text), 1)
            for j, e in enumerate(entities):
                row = index[e["qid"]]
                out["entity_transe"][r, j] = vectors[row]
                out["entity_context"][r, j] = context[row]
                out["entity_desc"][r, j] = desc_vectors[desc_index[e["qid"]]]
                out["entity_rho"][r, j] = float(e.get("rho") or 0.0)
                out["entity_pos"][r, j] = min(max(float(e.get("start") or 0) / length, 0.0), 1.0)
                out["entity_mask"][r, j] = True
        return out

    return fill_chunked(folder, n, 4096, compute, "entity inputs", {"entities": len(names)}), key


def emotion_and_style(
    cache: FeatureCache,
    items: list[FeatureInput],
    text_print: str,
    wanted: Collection[str],
    config: FeatureConfig,
) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Emotion scores (lexicon, or the transformers model in ``config.emotion_model``) and style cues, with
    their content keys."""
    out: dict[str, np.ndarray] = {}
    keys: dict[str, str] = {}
    if "emotion" in wanted:
        from finefake.stats.emotion import EMOTIONS, lexicon_scores

        model = config.emotion_model
        key = keys["emotion"] = cache_key(text_print, "emotion", str(model or "lexicon-v1"))

        scorer: list[Any] = []  # built on the first chunk that needs it (the cache may hold them all)

        def emotions(start: int, stop: int) -> dict[str, np.ndarray]:
            texts = [i.text for i in items[start:stop]]
            if model:
                from finefake.stats.emotion import TransformersEmotionScorer

                if not scorer:
                    scorer.append(TransformersEmotionScorer(model))
                rows = scorer[0].scores(texts)
                labels = scorer[0].labels
                return {"emotion": np.asarray([[r[name] for name in labels] for r in rows], np.float32)}
            rows = [lexicon_scores(t) for t in texts]
            return {"emotion": np.asarray([[r[e] for e in EMOTIONS] for r in rows], np.float32)}

        out.update(
            fill_chunked(cache.root / "inputs" / f"emotion-{key}", len(items), 2048, emotions, "emotion")
        )
    if "style" in wanted:
        key = keys["style"] = cache_key(text_print, "style-v1")

        def styles(start: int, stop: int) -> dict[str, np.ndarray]:
            return {"style": np.stack([style_cues(i.text) for i in items[start:stop]])}

        out.update(
            fill_chunked(cache.root / "inputs" / f"style-{key}", len(items), 2048, styles, "style cues")
        )
    return out, keys


def shared_pairs(text_encoders: dict[str, Any], image_encoders: dict[str, Any]) -> list[list[str]]:
    """Pairs of (text view, image view) from one CLIP model folder: they embed into one space."""
    pairs = []
    for t_name, t_enc in text_encoders.items():
        for i_name, i_enc in image_encoders.items():
            if (
                getattr(t_enc, "name", "") == "clip-text"
                and getattr(i_enc, "name", "") == "clip-image"
                and getattr(t_enc, "path", None) == getattr(i_enc, "path", None)
            ):
                pairs.append([t_name, i_name])
    return pairs


def validate_inputs(wanted: Collection[str]) -> None:
    from finefake.baselines.base import INPUTS

    unknown = sorted(set(wanted) - set(INPUTS))
    if unknown:
        raise FinefakeError(f"unknown model inputs {unknown}; known: {', '.join(INPUTS)}")


def attach_inputs(
    ws: Workspace,
    features: FeatureSet,
    wanted: Collection[str],
    config: FeatureConfig,
    *,
    items: list[FeatureInput],
    prints: dict[str, str],
    text_encoder: Encoder,
    view_encoders: dict[str, dict[str, Encoder]],
    view_parts: dict[str, dict[str, Any]],
    view_keys: dict[str, dict[str, str]],
    text_remote: Any = None,
) -> FeatureSet:
    """``features`` with the requested extra inputs filled in (from the cache, or computed now; the token
    states' pass through ``text_remote`` when it is given)."""
    validate_inputs(wanted)
    wanted = set(wanted)
    cache = FeatureCache(ws.stage_dir("features"))
    inputs: dict[str, np.ndarray] = {}
    tables: dict[str, np.ndarray] = {}
    keys: dict[str, str] = {}
    meta: dict[str, Any] = {"keys": keys}
    if wanted & TEXT_GROUP:
        arrays, table, key = text_group(cache, text_encoder, items, prints["text"], config, text_remote)
        inputs.update({k: v for k, v in arrays.items() if k != "pooled"})
        tables["embedding_table"] = table
        meta["max_tokens"] = config.max_tokens
        keys.update(dict.fromkeys(wanted & TEXT_GROUP, key))
    if "entities" in wanted:
        arrays, keys["entities"] = entity_inputs(cache, text_encoder, items, prints["kg"], config)
        inputs.update(arrays)
        meta["max_entities"] = config.max_entities
    arrays, emotion_keys = emotion_and_style(cache, items, prints["text"], wanted, config)
    inputs.update(arrays)
    keys.update(emotion_keys)
    for modality in ("text", "image"):
        if f"{modality}_views" in wanted:
            for name, part in view_parts[modality].items():
                inputs[f"{modality}_view:{name}"] = part.values
            meta[f"{modality}_views"] = sorted(view_parts[modality])
            keys[f"{modality}_views"] = cache_key(
                *(view_keys[modality][n] for n in sorted(view_parts[modality]))
            )
    if wanted & {"text_views", "image_views"}:
        meta["shared_space"] = shared_pairs(view_encoders["text"], view_encoders["image"])
    if "content" in wanted:  # the text itself, for prompted LLMs (issue 30)
        inputs["content"] = np.asarray([i.text for i in items], dtype=object)
        inputs["content_image"] = np.asarray(
            [str(ws.root / i.image) if i.image else "" for i in items], dtype=object
        )
        keys["content"] = cache_key(prints["text"], prints["image"])
    if "rationales" in wanted:  # ARG's LLM rationales (issue 30)
        from finefake.features.rationales import rationale_inputs

        arrays, keys["rationales"] = rationale_inputs(cache, text_encoder, items, prints["text"], config)
        inputs.update(arrays)
    features.inputs.update(inputs)
    features.tables.update(tables)
    previous = features.meta.get("inputs", {})
    meta["keys"] = {**previous.get("keys", {}), **keys}
    features.meta["inputs"] = {**previous, **meta, "computed": sorted(wanted)}
    return features
