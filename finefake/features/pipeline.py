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
import json
import shutil
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from finefake.console import counting
from finefake.engine import EngineConfig
from finefake.engines import open_mapper
from finefake.errors import RECORDS_HINT, FinefakeError
from finefake.features.cache import FeatureCache, Part, cache_key
from finefake.features.chunks import chunk_ranges, fill_chunked
from finefake.features.config import FeatureConfig, FeatureInput
from finefake.features.encoding import Encoding, Remote, local_encoding, make_encoder
from finefake.features.featureset import FeatureSet
from finefake.features.knowledge import item_nodes, release_features, transe_features
from finefake.features.registry import Encoder
from finefake.workspace import Workspace, atomic_write_json

KNOWLEDGE_METHODS = ("transe", "release")
TEXT_CHUNK = 256
IMAGE_CHUNK = 512


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
            entities = [
                {k: e.get(k) for k in ("qid", "rho", "start", "label", "description")}
                for e in record.get("entities") or []
            ]
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
                entities,
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


def in_chunks(outs: Iterable[Any], ranges: list[tuple[int, int]], label: str) -> list[Any]:
    """The outputs of ``ranges`` (computed as they are taken) under a bar counting items: moved per batch by
    the encoder (``finefake.console.advance``), brought to each chunk's end as its output arrives."""
    done = []
    with counting(label, ranges[-1][1] if ranges else 0) as bar:
        for (_, stop), out in zip(ranges, outs, strict=True):
            done.append(out)
            bar.reach(stop)
    return done


def encode_texts(
    encoder: Encoder,
    items: list[FeatureInput],
    batch_size: int,
    folder: Path | None = None,
    remote: Remote | None = None,
) -> Part:
    """Text features in chunks (one progress step per chunk; the encoder batches within a chunk).

    With ``folder``, every finished chunk is written there at once (``finefake.features.chunks``): a killed
    run continues from the last chunk instead of starting over. The chunks are encoded through ``remote``
    (``finefake.features.encoding.Encoding.remote``: the engine's mapper; this process when None) and written
    here in order.
    """

    chunks = remote or local_encoding(None, encoder, "text", batch_size)

    def compute_many(ranges: list[tuple[int, int]]) -> Iterator[dict[str, np.ndarray]]:
        return ({"values": out["values"]} for out in chunks([i.text for i in items], ranges))

    label = f"text features ({encoder.name})"
    if folder is not None:
        arrays = fill_chunked(folder, len(items), TEXT_CHUNK, None, label, compute_many=compute_many)
        values = np.asarray(arrays.get("values"))
    else:
        ranges = chunk_ranges(0, len(items), TEXT_CHUNK)
        out = [o["values"] for o in in_chunks(compute_many(ranges), ranges, label)]
        values = np.concatenate(out) if out else None
    if values is None or values.ndim != 2:
        values = np.zeros((0, encoder.dim), np.float32)
    return Part([i.id for i in items], values.astype(np.float32), np.ones(len(items), bool), {})


def encode_images(
    ws: Workspace,
    encoder: Encoder,
    items: list[FeatureInput],
    batch_size: int,
    folder: Path | None = None,
    remote: Remote | None = None,
) -> Part:
    """Image features of the first image of each item; items without a usable image get zeros, mask False
    and a counted reason. With ``folder``, finished chunks are kept there so a killed run continues; with
    ``remote`` (the engine's mapper; this process when None), the chunks are encoded there and coded and
    written here in order."""
    chunk = max(batch_size, IMAGE_CHUNK - IMAGE_CHUNK % batch_size)
    codes: list[str] = []  # reason strings; row codes index into it (+1), 0 = has an image
    paths = [i.image for i in items]

    chunks = remote or local_encoding(ws, encoder, "image", batch_size)

    def compute_many(ranges: list[tuple[int, int]]) -> Iterator[dict[str, np.ndarray]]:
        return (coded(out["values"], out["mask"], out["reason"]) for out in chunks(paths, ranges))

    def coded(values: np.ndarray, mask: np.ndarray, reasons: list[str | None]) -> dict[str, np.ndarray]:
        for reason in reasons:
            if reason is not None and reason not in codes:
                codes.append(reason)
        if folder is not None:
            atomic_write_json(folder / "reasons.json", codes)
        code = np.asarray([0 if r is None else codes.index(r) + 1 for r in reasons], dtype=np.int16)
        return {"values": values, "mask": mask, "reason": code}

    label = f"image features ({encoder.name})"
    if folder is not None:
        if (folder / "reasons.json").exists():
            codes.extend(json.loads((folder / "reasons.json").read_text(encoding="utf-8")))
        arrays = fill_chunked(folder, len(items), chunk, None, label, compute_many=compute_many)
    else:
        ranges = chunk_ranges(0, len(items), chunk)
        outs = in_chunks(compute_many(ranges), ranges, label)
        arrays = (
            {k: np.concatenate([o[k] for o in outs]) for k in ("values", "mask", "reason")} if outs else {}
        )
    if not arrays:
        arrays = {
            "values": np.zeros((0, encoder.dim), np.float32),
            "mask": np.zeros(0, bool),
            "reason": np.zeros(0, np.int16),
        }
    reason = np.asarray(arrays["reason"])
    dropped = Counter(codes[c - 1] for c in reason.tolist() if c)
    dropped_ids = [items[i].id for i in np.flatnonzero(reason) if codes[reason[i] - 1] != "no_image"]
    meta = {"dropped": dict(dropped), "dropped_ids": dropped_ids[:100]}
    return Part(
        [i.id for i in items],
        np.asarray(arrays["values"], np.float32),
        np.asarray(arrays["mask"], bool),
        meta,
    )


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
    inputs: Collection[str] = (),
    engine: EngineConfig | None = None,
) -> FeatureSet:
    """The FeatureSet of the workspace's records, from the cache when it holds one for these inputs.

    ``text_encoder`` / ``image_encoder`` may pass already constructed encoders (tests, notebooks) instead of
    building ``config.text_encoder`` / ``config.image_encoder`` from the registry. ``inputs`` names further
    model inputs (``finefake.features.inputs``) to attach; the pooled text, image and knowledge arrays are
    always there. Every encoder's chunks go through the engine driver (``finefake.features.encoding``): with a
    Ray ``engine`` the pooled text and image features, the encoder views and the token states' pass are
    encoded by Ray workers into the same cache; Ray is started or joined only when something is left to
    encode.
    """
    config = config or FeatureConfig()
    on_ray = engine is not None and engine.is_ray
    if on_ray and (text_encoder is not None or image_encoder is not None):
        raise FinefakeError(
            "--engine ray builds every encoder on its workers from the configuration (by name)"
        )
    cache = FeatureCache(ws.stage_dir("features"))
    with open_mapper(engine) as mapper:
        encoding = Encoding(ws, cache, config.batch_size, config.max_tokens, mapper, by_name=on_ray)
        return _compute_features(ws, config, text_encoder, image_encoder, inputs, encoding)


def _compute_features(
    ws: Workspace,
    config: FeatureConfig,
    text_encoder: Encoder | None,
    image_encoder: Encoder | None,
    inputs: Collection[str],
    encoding: Encoding,
) -> FeatureSet:
    """``compute_features`` with ``encoding`` saying where the encoders run (every chunk goes through the
    engine driver's mapper: this process, or Ray)."""
    from finefake.features.inputs import TEXT_GROUP, validate_inputs

    validate_inputs(inputs)
    if config.knowledge not in KNOWLEDGE_METHODS:
        raise FinefakeError(f"knowledge must be one of {KNOWLEDGE_METHODS}, got {config.knowledge!r}")
    cache = FeatureCache(ws.stage_dir("features"))
    text_enc = text_encoder or make_encoder(config.text_encoder, config.text_options, cache, "text")
    image_enc = image_encoder or make_encoder(config.image_encoder, config.image_options, cache, "image")
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

    wanted = set(inputs)
    run_config["inputs"] = sorted(wanted)

    def finish(features: FeatureSet) -> FeatureSet:
        if not wanted - {"text", "image", "kg", "domain"}:
            return features
        from finefake.features.inputs import attach_inputs

        encoders = {"text": {text_enc.name: text_enc}, "image": {image_enc.name: image_enc}}
        view_parts = {"text": {text_enc.name: parts_of(features, "text")}, "image": {}}
        view_parts["image"][image_enc.name] = parts_of(features, "image")
        view_keys = {"text": {text_enc.name: keys["text"]}, "image": {image_enc.name: keys["image"]}}
        for modality, names in (("text", config.text_views), ("image", config.image_views)):
            if f"{modality}_views" not in wanted:
                continue
            for name in names:
                if name in encoders[modality]:
                    continue
                enc = make_encoder(name, config.view_options.get(name, {}), cache, modality)
                encoders[modality][name] = enc
                print_ = prints["text"] if modality == "text" else prints["image"]
                key = cache_key(print_, enc.name, enc.version)
                part = None if config.force else cache.load_part(modality, enc.name, key, ids)
                if part is None:
                    where = encoding.remote(enc, name, config.view_options.get(name, {}), modality)
                    part = (
                        encode_texts(enc, items, config.batch_size, None, where)
                        if modality == "text"
                        else encode_images(ws, enc, items, config.batch_size, None, where)
                    )
                    cache.save_part(modality, enc.name, key, part)
                view_parts[modality][name] = part
                view_keys[modality][name] = key
        return attach_inputs(
            ws,
            features,
            wanted,
            config,
            items=items,
            prints={**prints, "kg": kg_print},
            text_encoder=text_enc,
            view_encoders=encoders,
            view_parts=view_parts,
            view_keys=view_keys,
            text_remote=encoding.remote(text_enc, config.text_encoder, config.text_options, "text_full"),
        )

    def staging(modality: str) -> Path:
        """Where a modality's finished chunks wait until the whole part is saved (kept across kills)."""
        return cache.root / "partial" / f"{modality}-{keys[modality]}"

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
                return finish(features)

        parts: dict[str, Part] = {}
        names = {"text": text_enc.name, "image": image_enc.name, "kg": config.knowledge}
        for modality in ("text", "image", "kg"):
            part = None if config.force else cache.load_part(modality, names[modality], keys[modality], ids)
            if part is not None:
                run.counts[f"cached_{modality}"] = 1
            else:
                if modality == "text" and wanted & TEXT_GROUP and hasattr(text_enc, "encode_full"):
                    # the token states' pass gives the pooled vectors too: no second pass
                    from finefake.features.inputs import text_group

                    where = encoding.remote(text_enc, config.text_encoder, config.text_options, "text_full")
                    arrays, _, _ = text_group(cache, text_enc, items, prints["text"], config, where)
                    part = Part(ids, np.asarray(arrays["pooled"], np.float32), np.ones(len(ids), bool), {})
                elif modality == "text":
                    where = encoding.remote(text_enc, config.text_encoder, config.text_options, "text")
                    part = encode_texts(text_enc, items, config.batch_size, staging(modality), where)
                elif modality == "image":
                    where = encoding.remote(image_enc, config.image_encoder, config.image_options, "image")
                    part = encode_images(ws, image_enc, items, config.batch_size, staging(modality), where)
                else:
                    part = _knowledge(items, config)
                cache.save_part(modality, names[modality], keys[modality], part)
                shutil.rmtree(staging(modality), ignore_errors=True)
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
        return finish(features)


def parts_of(features: FeatureSet, modality: str) -> Part:
    """The pooled ``text`` or ``image`` arrays of a FeatureSet as a Part (the default view of that modality)."""
    values = features.text if modality == "text" else features.image
    mask = np.ones(len(features), bool) if modality == "text" else features.image_mask
    return Part(list(features.ids), values, mask, {})
