"""The features stage's per-batch function and worker factory: one chunk of inputs through one encoder.

A chunk (texts, or the first image path of each item) is one batch of the engine driver
(``finefake.engines``): :class:`EncodeChunk` maps it with an encoder it holds, :class:`EncoderFactory` builds
that worker where it runs from the registry (name + options, never a pickled model), and :class:`Encoding` is
where one ``compute_features`` call's encoders run: its chunks go through the engine's mapper and come back in
order, to be written by ``finefake.features.chunks.fill_chunked`` into the same memory-mapped cache with the
same ``progress.json`` on both engines (a killed Ray run resumes chunk by chunk exactly like a killed local
run, and either engine may finish what the other started).

On a Ray cluster with GPUs every chunk is a one-GPU task (torch encoders are moved to ``cuda`` unless a device
was given; onnxruntime stays on CPU), otherwise a one-CPU task. Numbers: the same encoder and weights give the
same features up to float rounding; Ray's one-CPU tasks run torch with one thread (``OMP_NUM_THREADS=1``), so
sums may be reduced in another order; the tests allow ``atol=1e-5`` on unit-norm vectors, far below anything a
detector can see.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from finefake.console import advance
from finefake.engines import LocalMapper, Mapper
from finefake.errors import FinefakeError
from finefake.features.cache import FeatureCache
from finefake.features.registry import Encoder, encoder_spec, get_encoder
from finefake.images import ImageRejected, open_rgb
from finefake.workspace import Workspace

#: Encodes ``inputs[start:stop]`` for each range (local or on Ray) and yields the outputs in order.
Remote = Callable[[list[Any], list[tuple[int, int]]], Iterator[dict[str, Any]]]

MODALITIES = ("text", "text_full", "image")


def encoder_options(name: str, options: dict[str, Any], cache: FeatureCache, modality: str) -> dict[str, Any]:
    """The options an encoder is built with: the given ones, and the workspace's model cache when it has one."""
    spec = encoder_spec(name)
    if spec.modality != modality:
        raise FinefakeError(f"encoder {name!r} encodes {spec.modality}, not {modality}")
    options = dict(options)
    if "cache_dir" in inspect.signature(spec.factory).parameters:
        options.setdefault("cache_dir", str(cache.models_dir()))
    return options


def make_encoder(name: str, options: dict[str, Any], cache: FeatureCache, modality: str) -> Encoder:
    return get_encoder(name, **encoder_options(name, options, cache, modality))


def _load_images(ws: Workspace, paths: list[str | None]) -> tuple[list[int], list[Any], list[str | None]]:
    """Decoded images of a batch (each item's first image path) and, per item, why it has none (None when it
    has one)."""
    rows, images, reasons = [], [], []
    for row, path in enumerate(paths):
        reason = None
        if path is None:
            reason = "no_image"
        else:
            try:
                images.append(open_rgb(ws.images.path(path)))
                rows.append(row)
            except FileNotFoundError:
                reason = "image_missing"
            except ImageRejected as exc:
                reason = f"image_rejected:{exc.reason}"
        reasons.append(reason)
    return rows, images, reasons


def encode_image_batch(
    ws: Workspace, encoder: Encoder, items: list[str | None], batch_size: int
) -> tuple[np.ndarray, np.ndarray, list[str | None]]:
    """Features of the images at ``items`` (paths in the image store, None for none): values, mask and the
    reason per item without one. Decodes batch k+1 in a helper thread while batch k runs through the model
    (both release the GIL)."""
    starts = list(range(0, len(items), batch_size))
    values = np.zeros((len(items), encoder.dim), dtype=np.float32)
    mask = np.zeros(len(items), dtype=bool)
    reasons: list[str | None] = []
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(_load_images, ws, items[0:batch_size]) if starts else None
        for k in range(len(starts)):
            rows, images, batch_reasons = pending.result()
            if k + 1 < len(starts):
                nxt = starts[k + 1]
                pending = pool.submit(_load_images, ws, items[nxt : nxt + batch_size])
            reasons.extend(batch_reasons)
            if images:
                positions = np.asarray(rows) + starts[k]
                values[positions] = encoder.encode(images, batch_size=batch_size)
                mask[positions] = True
            advance(len(batch_reasons))  # the open progress bar (if any) moves per batch
    return values, mask, reasons


def full_arrays(out: Any) -> dict[str, np.ndarray]:
    """The cached arrays of one ``encode_full`` pass (the same dtypes wherever the pass ran)."""
    return {
        "pooled": out.pooled.astype(np.float32),
        "text_tokens": out.tokens.astype(np.float16),
        "text_tokens_mask": out.token_mask.astype(bool),
        "token_ids": out.token_ids.astype(np.int32),
        "sentences": out.sentence_vectors.astype(np.float32),
        "sentence_mask": out.sentence_mask.astype(bool),
    }


class EncodeChunk:
    """The per-batch function: one chunk of texts (``text``: pooled vectors; ``text_full``: the token states'
    pass, :func:`full_arrays`) or of image paths (``image``: values, mask and the reason
    per row without an image, None when it has one) through the encoder it holds."""

    def __init__(
        self, encoder: Encoder, modality: str, workspace: Path | str | None, batch_size: int, max_tokens: int
    ):
        if modality not in MODALITIES:
            raise ValueError(f"unknown modality {modality!r}")
        self.encoder, self.modality = encoder, modality
        self.ws = Workspace(workspace) if workspace is not None else None  # the image store of ``image``
        self.batch_size, self.max_tokens = batch_size, max_tokens

    def __call__(self, inputs: list[Any]) -> dict[str, Any]:
        if self.modality == "text":
            return {"values": self.encoder.encode(inputs, batch_size=self.batch_size).astype(np.float32)}
        if self.modality == "text_full":
            out = self.encoder.encode_full(inputs, batch_size=self.batch_size, max_tokens=self.max_tokens)
            return full_arrays(out)
        values, mask, reasons = encode_image_batch(self.ws, self.encoder, inputs, self.batch_size)
        return {"values": values, "mask": mask, "reason": reasons}


@dataclass(frozen=True)
class EncoderFactory:
    """The worker factory on Ray: builds the encoder by name where it runs and wraps it in an EncodeChunk."""

    name: str
    options: dict[str, Any]
    modality: str
    workspace: str
    batch_size: int
    max_tokens: int

    def __call__(self) -> EncodeChunk:
        encoder = get_encoder(self.name, **self.options)
        return EncodeChunk(encoder, self.modality, self.workspace, self.batch_size, self.max_tokens)


def encoder_placement(
    factory: Any, options: dict[str, Any], cluster: dict[str, float]
) -> tuple[dict[str, float], dict[str, Any]]:
    """Ray resources of one chunk's task and the encoder options its worker uses (``cuda`` on GPU tasks)."""
    options = dict(options)
    if int(cluster.get("GPU", 0)):
        params = inspect.signature(factory).parameters
        backend = options.get("backend", params["backend"].default if "backend" in params else None)
        if "device" in params and "device" not in options and backend != "onnx":  # onnxruntime: CPU only
            options["device"] = "cuda"
        return {"num_gpus": 1}, options
    return {"num_cpus": 1}, options


@dataclass
class Encoding:
    """Where one ``compute_features`` call's encoders run: the engine's ``mapper``. ``by_name``: build each
    encoder where the chunks run from its registry name and options (Ray); otherwise the chunks are mapped by
    the encoder object this process holds (the local engine, or one a caller passed in)."""

    ws: Workspace | None
    cache: FeatureCache | None
    batch_size: int
    max_tokens: int = 128
    mapper: Mapper = field(default_factory=LocalMapper)
    by_name: bool = False

    def remote(self, encoder: Encoder, name: str, options: dict[str, Any], modality: str) -> Remote:
        """How ``encoder`` (built from ``name`` and ``options``) encodes chunks of ``modality`` here."""

        def run(inputs: list[Any], ranges: list[tuple[int, int]]) -> Iterator[dict[str, Any]]:
            return self.encode(encoder, name, options, modality, inputs, ranges)

        return run

    def encode(
        self,
        encoder: Encoder,
        name: str,
        options: dict[str, Any],
        modality: str,
        inputs: list[Any],
        ranges: list[tuple[int, int]],
    ) -> Iterator[dict[str, Any]]:
        """The outputs of ``inputs[start:stop]`` for each range (contiguous, in order), one dict per range;
        on Ray the mapper starts only when the first chunk is asked for."""
        chunks = (inputs[start:stop] for start, stop in ranges)
        label = f"{modality} features ({name})"
        if not self.by_name:
            root = self.ws.root if self.ws is not None else None
            worker = EncodeChunk(encoder, modality, root, self.batch_size, self.max_tokens)
            yield from self.mapper.map(lambda: worker, chunks, label=label, progress=False)
            return
        if not ranges:
            return
        assert self.ws is not None and self.cache is not None, "encoding by name needs the workspace"
        built = encoder_options(name, options, self.cache, "text" if modality == "text_full" else modality)
        placement, built = encoder_placement(encoder_spec(name).factory, built, self.mapper.resources())
        factory = EncoderFactory(name, built, modality, str(self.ws.root), self.batch_size, self.max_tokens)
        yield from self.mapper.map(factory, chunks, options=placement, label=label, progress=False)


def local_encoding(
    ws: Workspace | None, encoder: Encoder, modality: str, batch_size: int, max_tokens: int = 128
) -> Remote:
    """``encoder`` mapping chunks in this process (for callers that pass no encoding of their own)."""
    return Encoding(ws, None, batch_size, max_tokens).remote(encoder, encoder.name, {}, modality)
