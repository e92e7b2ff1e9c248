"""``compute_features``: records -> FeatureSet (text, first image, knowledge), cached and computed once.

The benchmark harness calls ``compute_features(ws, FeatureConfig())`` and gets the same FeatureSet back on
every later call without any model being loaded (the cache key needs only content hashes). Each modality is
cached on its own (see ``finefake.features.cache``), so swapping one encoder recomputes one part.

Inputs per record: text = ``title + "\\n" + text``; image = the first stored image, decoded with the
defensive ``finefake.images.open_rgb`` (a missing or rejected file gives zeros + ``image_mask`` False and is
counted in ``meta["dropped"]``); knowledge = entities + relation triples (see ``knowledge``).
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from finefake.console import track
from finefake.errors import RECORDS_HINT, FinefakeError
from finefake.features.cache import FeatureCache, Part, cache_key
from finefake.features.featureset import FeatureSet
from finefake.features.knowledge import TransEConfig, item_nodes, release_features, transe_features
from finefake.features.registry import Encoder, encoder_spec, get_encoder
from finefake.images import ImageRejected, open_rgb
from finefake.workspace import Workspace

KNOWLEDGE_METHODS = ("transe", "release")
TEXT_CHUNK = 256


@dataclass
class FeatureConfig:
    """What to compute; the defaults are the offline encoders (MiniLM, EfficientNet-Lite0 on ONNX, TransE)."""

    text_encoder: str = "minilm"
    image_encoder: str = "efficientnet-lite0"
    text_options: dict[str, Any] = field(default_factory=dict)  # e.g. {"model": "/path/to/bert"}
    image_options: dict[str, Any] = field(default_factory=dict)  # e.g. {"backend": "torch"}
    knowledge: str = "transe"  # "transe" (train on the dataset's triples) or "release" (knowledge_embedding)
    transe: TransEConfig = field(default_factory=TransEConfig)
    batch_size: int = 64
    stage: str = "records"
    force: bool = False  # recompute even when cached


@dataclass
class FeatureInput:
    """The slice of one record that feature extraction reads (kept small: 17k records fit easily)."""

    id: str
    text: str
    image: str | None
    image_sha: str | None
    nodes: list[str]
    triples: list[tuple[str, str, str]]
    knowledge_embedding: list[float] | None


def read_items(ws: Workspace, stage: str) -> list[FeatureInput]:
    """Read a stage's records in order; a missing id, a duplicate id or a non-string text names the item."""
    ws.require(stage, RECORDS_HINT)
    items: list[FeatureInput] = []
    seen: set[str] = set()
    for record in ws.read(stage):
        item_id = record.get("id")
        if not isinstance(item_id, str) or not item_id:
            raise FinefakeError(f"{stage}: a record has no id (record #{len(items)})")
        if item_id in seen:
            raise FinefakeError(f"{stage}: item {item_id} appears twice")
        seen.add(item_id)
        for name in ("title", "text"):
            if not isinstance(record.get(name), str):
                raise FinefakeError(f"item {item_id}: field {name!r} must be a string")
        images = record.get("images") or []
        first = images[0] if images else None
        try:
            nodes = item_nodes(record)
            triples = [(t["head"], t["property"], t["tail"]) for t in record.get("relation_triples") or []]
        except (KeyError, TypeError) as exc:
            raise FinefakeError(f"item {item_id}: malformed entities/relation_triples ({exc!r})") from exc
        items.append(
            FeatureInput(
                item_id,
                f"{record['title']}\n{record['text']}".strip(),
                first.get("path") if first else None,
                first.get("sha256") if first else None,
                nodes,
                triples,
                record.get("knowledge_embedding"),
            )
        )
    return items


def _fingerprint(rows: Any) -> str:
    digest = hashlib.sha256()
    for row in rows:
        digest.update(json.dumps(row, separators=(",", ":"), ensure_ascii=False).encode("utf-8") + b"\n")
    return digest.hexdigest()[:20]


def dataset_fingerprints(items: list[FeatureInput]) -> dict[str, str]:
    """One content hash per modality's inputs (ids included, so order and membership count)."""
    return {
        "text": _fingerprint((i.id, i.text) for i in items),
        "image": _fingerprint((i.id, i.image_sha or i.image) for i in items),
        "kg": _fingerprint((i.id, i.nodes, i.triples) for i in items),
        "kg_release": _fingerprint((i.id, i.knowledge_embedding) for i in items),
    }


def _make_encoder(name: str, options: dict[str, Any], cache: FeatureCache, modality: str) -> Encoder:
    spec = encoder_spec(name)
    if spec.modality != modality:
        raise FinefakeError(f"encoder {name!r} encodes {spec.modality}, not {modality}")
    options = dict(options)
    if "cache_dir" in inspect.signature(spec.factory).parameters:
        options.setdefault("cache_dir", cache.models_dir())
    return get_encoder(name, **options)


def encode_texts(encoder: Encoder, items: list[FeatureInput], batch_size: int) -> Part:
    """Text features in chunks (one progress step per chunk; the encoder batches within a chunk)."""
    chunks = range(0, len(items), TEXT_CHUNK)
    out = [
        encoder.encode([i.text for i in items[start : start + TEXT_CHUNK]], batch_size=batch_size)
        for start in track(chunks, f"text features ({encoder.name})")
    ]
    values = np.concatenate(out) if out else np.zeros((0, encoder.dim), np.float32)
    return Part([i.id for i in items], values.astype(np.float32), np.ones(len(items), bool), {})


def _load_images(
    ws: Workspace, batch: list[FeatureInput]
) -> tuple[list[int], list[Any], Counter[str], list[str]]:
    rows, images, dropped, ids = [], [], Counter(), []
    for row, item in enumerate(batch):
        if item.image is None:
            dropped["no_image"] += 1
            continue
        try:
            images.append(open_rgb(ws.images.path(item.image)))
            rows.append(row)
        except FileNotFoundError:
            dropped["image_missing"] += 1
            ids.append(item.id)
        except ImageRejected as exc:
            dropped[f"image_rejected:{exc.reason}"] += 1
            ids.append(item.id)
    return rows, images, dropped, ids


def encode_images(ws: Workspace, encoder: Encoder, items: list[FeatureInput], batch_size: int) -> Part:
    """Decode batch k+1 in a helper thread while batch k runs through the model (both release the GIL)."""
    starts = list(range(0, len(items), batch_size))
    values: np.ndarray | None = None
    mask = np.zeros(len(items), dtype=bool)
    dropped: Counter[str] = Counter()
    dropped_ids: list[str] = []
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(_load_images, ws, items[0:batch_size]) if starts else None
        for k in track(range(len(starts)), f"image features ({encoder.name})"):
            rows, images, batch_dropped, batch_ids = pending.result()
            if k + 1 < len(starts):
                nxt = starts[k + 1]
                pending = pool.submit(_load_images, ws, items[nxt : nxt + batch_size])
            dropped.update(batch_dropped)
            dropped_ids.extend(batch_ids)
            if not images:
                continue
            vectors = encoder.encode(images, batch_size=batch_size)
            if values is None:
                values = np.zeros((len(items), vectors.shape[1]), dtype=np.float32)
            positions = np.asarray(rows) + starts[k]
            values[positions] = vectors
            mask[positions] = True
    if values is None:
        values = np.zeros((len(items), encoder.dim), dtype=np.float32)
    meta = {"dropped": dict(dropped), "dropped_ids": dropped_ids[:100]}
    return Part([i.id for i in items], values, mask, meta)


def _knowledge(items: list[FeatureInput], config: FeatureConfig) -> Part:
    records = [
        {
            "id": i.id,
            "entities": [{"qid": q} for q in i.nodes],
            "relation_triples": [{"head": h, "property": p, "tail": t} for h, p, t in i.triples],
            "knowledge_embedding": i.knowledge_embedding,
        }
        for i in items
    ]
    if config.knowledge == "transe":
        kg, mask, info = transe_features(records, config.transe)
    else:
        kg, mask, info = release_features(records)
    return Part([i.id for i in items], kg, mask, {"graph": info, "no_knowledge": int((~mask).sum())})


def compute_features(
    ws: Workspace,
    config: FeatureConfig | None = None,
    *,
    text_encoder: Encoder | None = None,
    image_encoder: Encoder | None = None,
) -> FeatureSet:
    """The FeatureSet of the workspace's records, from the cache when it holds one for these inputs.

    ``text_encoder`` / ``image_encoder`` may pass already constructed encoders (tests, notebooks) instead of
    building ``config.text_encoder`` / ``config.image_encoder`` from the registry.
    """
    config = config or FeatureConfig()
    if config.knowledge not in KNOWLEDGE_METHODS:
        raise FinefakeError(f"knowledge must be one of {KNOWLEDGE_METHODS}, got {config.knowledge!r}")
    cache = FeatureCache(ws.stage_dir("features"))
    text_enc = text_encoder or _make_encoder(config.text_encoder, config.text_options, cache, "text")
    image_enc = image_encoder or _make_encoder(config.image_encoder, config.image_options, cache, "image")
    items = read_items(ws, config.stage)
    ids = [i.id for i in items]
    prints = dataset_fingerprints(items)
    kg_version = config.transe.version if config.knowledge == "transe" else "release-v1"
    kg_print = prints["kg"] if config.knowledge == "transe" else prints["kg_release"]
    keys = {
        "text": cache_key(prints["text"], text_enc.name, text_enc.version),
        "image": cache_key(prints["image"], image_enc.name, image_enc.version),
        "kg": cache_key(kg_print, config.knowledge, kg_version),
    }
    set_key = cache_key(keys["text"], keys["image"], keys["kg"])
    set_dir = cache.set_dir(set_key)
    run_config = asdict(config) | {"set_key": set_key}

    with ws.run("features", inputs=[config.stage], config=run_config) as run:
        run.counts["items"] = len(items)
        if not config.force and (set_dir / "meta.json").exists():
            try:
                features = FeatureSet.load(set_dir)
            except (OSError, ValueError, KeyError):
                features = None
            if features is not None and features.ids == ids:
                run.counts["cached_set"] = 1
                run.extra["features"] = str(set_dir)
                features.meta["cached"] = True
                return features

        parts: dict[str, Part] = {}
        names = {"text": text_enc.name, "image": image_enc.name, "kg": config.knowledge}
        for modality in ("text", "image", "kg"):
            part = None if config.force else cache.load_part(modality, names[modality], keys[modality], ids)
            if part is not None:
                run.counts[f"cached_{modality}"] = 1
            else:
                if modality == "text":
                    part = encode_texts(text_enc, items, config.batch_size)
                elif modality == "image":
                    part = encode_images(ws, image_enc, items, config.batch_size)
                else:
                    part = _knowledge(items, config)
                cache.save_part(modality, names[modality], keys[modality], part)
                run.counts[f"computed_{modality}"] = 1
            parts[modality] = part

        meta = {
            "set_key": set_key,
            "dataset_fingerprint": cache_key(*(prints[k] for k in sorted(prints))),
            "fingerprints": prints,
            "text_encoder": text_enc.name,
            "text_version": text_enc.version,
            "image_encoder": image_enc.name,
            "image_version": image_enc.version,
            "knowledge": config.knowledge,
            "knowledge_version": kg_version,
            "dims": {m: int(parts[m].values.shape[1]) for m in parts},
            "image_dropped": parts["image"].meta.get("dropped", {}),
            "image_dropped_ids": parts["image"].meta.get("dropped_ids", []),
            "knowledge_graph": parts["kg"].meta.get("graph", {}),
            "counts": {
                "items": len(items),
                "with_image": int(parts["image"].mask.sum()),
                "with_knowledge": int(parts["kg"].mask.sum()),
            },
        }
        features = FeatureSet(
            ids,
            parts["text"].values,
            parts["image"].values,
            parts["kg"].values,
            parts["image"].mask,
            parts["kg"].mask,
            meta,
        )
        features.save(set_dir)
        run.counts.update(
            {"with_image": meta["counts"]["with_image"], "with_knowledge": meta["counts"]["with_knowledge"]}
        )
        run.extra["features"] = str(set_dir)
        features.meta["cached"] = False
        return features
