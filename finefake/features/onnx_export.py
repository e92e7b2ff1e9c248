"""Export a frozen torch encoder to ONNX once, and run it with onnxruntime on the CPU.

The image and text encoders share this: the graph is written into a cache folder the caller names (the
pipeline uses the workspace's models folder), under a name that carries the weights' fingerprint, so it is
exported once per set of weights. The export goes to a temporary name and is renamed atomically, so two
processes exporting at once never leave a half-written graph behind.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

#: The opset both encoders export with (supported by the pinned onnxruntime, has LayerNormalization).
OPSET = 17


def default_cache_dir() -> Path:
    """Where exported ONNX graphs go when the caller names no folder (the pipeline uses the workspace)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "finefake" / "onnx"


def export_once(
    path: Path,
    build: Callable[[], tuple[Any, tuple[Any, ...]]],
    input_names: list[str],
    output_names: list[str],
    dynamic_axes: dict[str, dict[int, str]],
) -> Path:
    """Export the module of ``build() -> (eval-mode torch.nn.Module, sample inputs)`` unless ``path`` exists.

    ``build`` is only called when an export is needed, so a cached graph never costs a torch import or load.
    """
    if path.exists():
        return path
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            module, sample = build()
            torch.onnx.export(
                module,
                sample,
                tmp,
                input_names=input_names,
                output_names=output_names,
                dynamic_axes=dynamic_axes,
                opset_version=OPSET,
                dynamo=False,
            )
        os.chmod(tmp, 0o644)  # mkstemp makes it private; the graph is no secret
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
    return path


def cpu_session(path: Path, threads: int | None = None) -> Any:
    """An onnxruntime CPU session on ``path`` with full graph optimisation (``threads``: intra-op cap)."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    if threads:
        options.intra_op_num_threads = threads
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
