"""Encoder views for the multimodal detectors (MMFND, COOLANT, CroMe): which arrays, which pair shares a space,
and their standardisation with training statistics.

A shared helper, not a detector: it serves MMFND (Ma et al., 2025), COOLANT (Wang et al., 2023) and CroMe
(Choi et al.); the stand-ins for their encoders are deviations listed in each detector's module docstring.

The papers join the outputs of several frozen encoders per modality (BERT + CLIP-text, ResNet + CLIP-image,
BERT + BLIP-2, ...). Here each configured encoder is one view, ``text_view:<name>`` / ``image_view:<name>``
(``Batch.info["text_views"]`` / ``["image_views"]`` give their order), and ``info["shared_space"]`` lists the
``[text view, image view]`` pairs that come from one aligned model (CLIP). A Batch without view arrays (one
cut with ``Batch.from_features``) offers its pooled ``text`` / ``image`` as the single view of each modality.

The offline encoders are not normalised alike (MiniLM vectors are unit length, EfficientNet-Lite0 pooled
activations are not), so every view is standardised with the mean and standard deviation of the *training*
rows (image views: of the training rows that have an image); rows without an image stay zeros.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from torch import nn

from finefake.baselines.base import VIEW_PREFIXES, Batch

TEXT, IMAGE = VIEW_PREFIXES["text_views"], VIEW_PREFIXES["image_views"]


def view_names(present: Any, info: dict[str, Any], modality: str) -> list[str]:
    """The array names of the ``modality`` ("text" | "image") views in ``present`` (names or a mapping).

    Views follow ``info["<modality>_views"]``'s order, then any other view array by name; without view arrays
    the pooled ``text`` / ``image`` array is the one view. A ValueError names the modality when none exists.
    """
    prefix = TEXT if modality == "text" else IMAGE
    names = set(present)
    ordered = [prefix + v for v in info.get(f"{modality}_views", []) if prefix + v in names]
    ordered += sorted(n for n in names if n.startswith(prefix) and n not in ordered)
    if not ordered and modality in names:
        ordered = [modality]
    if not ordered:
        raise ValueError(f"no {modality} input: the model needs {modality}_views (or the pooled {modality})")
    return ordered


def shared_pair(present: Any, info: dict[str, Any]) -> tuple[str, str] | None:
    """The first ``info["shared_space"]`` pair whose two view arrays are both in ``present`` (or None)."""
    names = set(present)
    for pair in info.get("shared_space", []) or []:
        text, image = TEXT + pair[0], IMAGE + pair[1]
        if text in names and image in names:
            return text, image
    return None


def fit_view_stats(batch: Batch, names: list[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per-dimension mean and standard deviation of each view over ``batch``'s rows (the training rows).

    Image views use only the rows that have an image (``image_mask``) when any has one.
    """
    has_image = np.asarray(batch.arrays["image_mask"], bool) if "image_mask" in batch.arrays else None
    stats = {}
    for name in names:
        x = np.asarray(batch.arrays[name], dtype=np.float64)
        if name == "image" or name.startswith(IMAGE):
            if has_image is not None and has_image.any():
                x = x[has_image]
        mean, std = x.mean(axis=0), x.std(axis=0)
        std[std < 1e-6] = 1.0
        stats[name] = (mean.astype(np.float32), std.astype(np.float32))
    return stats


class ViewScaler(nn.Module):
    """Standardises the named view arrays of a mini-batch with fixed (training) statistics.

    ``forward(x)`` returns ``{name: tensor}``; image views of rows without an image are zeros.
    """

    def __init__(self, stats: dict[str, tuple[np.ndarray, np.ndarray]]):
        super().__init__()
        self.names = list(stats)
        for i, name in enumerate(self.names):
            mean, std = stats[name]
            self.register_buffer(f"mean{i}", torch.from_numpy(np.asarray(mean, np.float32)))
            self.register_buffer(f"std{i}", torch.from_numpy(np.asarray(std, np.float32)))

    def forward(self, x: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        out = {}
        present = x.get("image_mask")
        for i, name in enumerate(self.names):
            z = (x[name] - getattr(self, f"mean{i}")) / getattr(self, f"std{i}")
            if present is not None and (name == "image" or name.startswith(IMAGE)):
                z = z * present.unsqueeze(1).to(z.dtype)
            out[name] = z
        return out


def image_present(x: dict[str, torch.Tensor], like: torch.Tensor) -> torch.Tensor:
    """A bool (B,) tensor: which rows have an image (all True when the batch has no ``image_mask``)."""
    mask = x.get("image_mask")
    if mask is None:
        return torch.ones(like.shape[0], dtype=torch.bool, device=like.device)
    return mask.bool()
