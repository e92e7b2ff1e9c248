"""Encoders as Ray Data actor pools: ``features --engine ray``.

Each actor builds its encoder once from the registry (name + options, never a pickled model) and encodes the
batches Ray Data hands it (``map_batches`` with a callable class). On a cluster with GPUs there is one actor per
GPU (``num_gpus=1``; torch encoders are moved to ``cuda`` unless a device was given), otherwise one CPU actor
per cluster CPU. The driver reads the results back in order, re-cut at the pipeline's chunk boundaries, and
``finefake.features.chunks.fill_chunked`` writes them into the same memory-mapped cache with the same
``progress.json``: a killed Ray run resumes chunk by chunk exactly like a killed local run, and either engine may
finish what the other started.

Numbers: the same encoder and weights give the same features up to float rounding. Ray's CPU actors run torch
with one thread (``OMP_NUM_THREADS=1`` per one-CPU actor) and may cut the encoder batches elsewhere than the
local run (padding to the longest text of a batch), so sums are reduced in another order; the tests allow
``atol=1e-5`` on unit-norm vectors, far below anything a detector can see.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from finefake.engine import user_error


class _EncodeActor:
    """One encoder per actor; ``__call__`` encodes one batch of texts or of image paths."""

    def __init__(
        self,
        name: str,
        options: dict[str, Any],
        modality: str,
        workspace: str,
        batch_size: int,
        max_tokens: int,
        encode_images: Callable[..., tuple[np.ndarray, np.ndarray, list[str | None]]],
        full_arrays: Callable[[Any], dict[str, np.ndarray]],
    ):
        from finefake.features.registry import get_encoder
        from finefake.workspace import Workspace

        self.encoder = get_encoder(name, **options)
        self.modality, self.batch_size, self.max_tokens = modality, batch_size, max_tokens
        self.ws = Workspace(workspace)
        self.encode_images, self.full_arrays = encode_images, full_arrays

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        if self.modality == "text":
            texts = [str(t) for t in batch["input"]]
            values = self.encoder.encode(texts, batch_size=self.batch_size).astype(np.float32)
            return {"row": batch["row"], "values": values}
        if self.modality == "text_full":
            texts = [str(t) for t in batch["input"]]
            out = self.encoder.encode_full(texts, batch_size=self.batch_size, max_tokens=self.max_tokens)
            return {"row": batch["row"], **self.full_arrays(out)}
        paths = [str(p) if p else None for p in batch["input"]]
        values, mask, reasons = self.encode_images(self.ws, self.encoder, paths, self.batch_size)
        reason = np.asarray([r or "" for r in reasons], object)
        return {"row": batch["row"], "values": values, "mask": mask, "reason": reason}


class RayEncoding:
    """The Ray side of one ``compute_features`` call: where its encoders run.

    The stage hands in what its actors run besides the encoder (``encode_images``:
    ``finefake.features.pipeline.encode_image_batch``; ``full_arrays``: ``finefake.features.inputs.full_arrays``),
    so this adapter imports no stage module and the stage is the only one that knows it."""

    def __init__(
        self,
        ray: Any,
        workspace: Path | str,
        encode_images: Callable[..., tuple[np.ndarray, np.ndarray, list[str | None]]],
        full_arrays: Callable[[Any], dict[str, np.ndarray]],
    ):
        self.ray, self.workspace = ray, str(workspace)
        self.encode_images, self.full_arrays = encode_images, full_arrays
        resources = ray.cluster_resources()
        self.gpus = int(resources.get("GPU", 0))
        self.cpus = max(1, int(resources.get("CPU", 1)))

    def actor_options(self, factory: Any, options: dict[str, Any], units: int) -> tuple[dict, dict[str, Any]]:
        """Ray resources of the pool and the encoder options its actors use (``cuda`` on GPU actors)."""
        options = dict(options)
        if self.gpus:
            params = inspect.signature(factory).parameters
            backend = options.get("backend", params["backend"].default if "backend" in params else None)
            if "device" in params and "device" not in options and backend != "onnx":  # onnxruntime: CPU only
                options["device"] = "cuda"
            return {"num_gpus": 1, "size": max(1, min(self.gpus, units))}, options
        return {"num_cpus": 1, "size": max(1, min(self.cpus, units))}, options

    def encode(
        self,
        name: str,
        options: dict[str, Any],
        modality: str,
        inputs: list[Any],
        ranges: list[tuple[int, int]],
        batch_size: int,
        max_tokens: int = 128,
    ) -> Iterator[dict[str, np.ndarray]]:
        """The encoder outputs of ``inputs[start:stop]`` for each range (contiguous, in order), one dict per
        range: ``values`` (for images also ``mask`` and the per-row ``reason``, None when it has an image; for
        ``text_full`` the arrays of ``finefake.features.inputs.full_arrays``)."""
        from finefake.features.registry import encoder_spec

        if not ranges:
            return
        first, last = ranges[0][0], ranges[-1][1]
        rows = [{"row": i, "input": inputs[i] if inputs[i] is not None else ""} for i in range(first, last)]
        pool, options = self.actor_options(encoder_spec(name).factory, options, -(-len(rows) // batch_size))
        data = self.ray.data
        size = pool.pop("size")
        context = data.DataContext.get_current()
        with _ordered_and_quiet(context):
            dataset = data.from_items(rows, override_num_blocks=len(ranges)).map_batches(
                _EncodeActor,
                fn_constructor_kwargs={
                    "name": name,
                    "options": options,
                    "modality": modality,
                    "workspace": self.workspace,
                    "batch_size": batch_size,
                    "max_tokens": max_tokens,
                    "encode_images": self.encode_images,
                    "full_arrays": self.full_arrays,
                },
                batch_size=batch_size,
                batch_format="numpy",
                compute=data.ActorPoolStrategy(size=size),
                **pool,
            )
            stream = dataset.iter_batches(batch_size=ranges[0][1] - ranges[0][0], batch_format="numpy")
            for (start, stop), batch in zip(ranges, _user_errors(stream), strict=True):
                if list(batch["row"]) != list(range(start, stop)):
                    raise RuntimeError(f"Ray returned rows out of order for chunk {start}:{stop}")
                if modality == "text_full":
                    yield {k: np.asarray(v) for k, v in batch.items() if k != "row"}
                    continue
                out = {"values": np.asarray(batch["values"], np.float32)}
                if modality == "image":
                    out["mask"] = np.asarray(batch["mask"], bool)
                    out["reason"] = [r if r else None for r in batch["reason"]]
                yield out


def _user_errors(stream: Iterator[Any]) -> Iterator[Any]:
    """``stream``, with a user's mistake raised in an actor (unreadable weights) given back as itself."""
    try:
        yield from stream
    except Exception as exc:
        mistake = user_error(exc)
        if mistake is None:
            raise
        raise mistake from None


@contextmanager
def _ordered_and_quiet(context: Any) -> Iterator[None]:
    """For the block: Ray Data yields results in input order (chunks are written in order) and leaves the
    terminal to finefake's own progress bars (no execution logs or progress lines of its own)."""
    saved = (context.execution_options.preserve_order, context.print_on_execution_start)
    logger = logging.getLogger("ray.data")
    level = logger.level
    context.execution_options.preserve_order, context.print_on_execution_start = True, False
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        context.execution_options.preserve_order, context.print_on_execution_start = saved
        logger.setLevel(level)
