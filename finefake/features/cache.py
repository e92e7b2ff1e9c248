"""The feature cache under the workspace's ``features/`` stage: computed once, found again by content.

Layout::

    features/text/<encoder>-<key>/part.npz + meta.json     one modality's matrix, mask and ids
    features/image/<encoder>-<key>/...
    features/kg/<method>-<key>/...
    features/sets/<key>/features.npz + meta.json            the assembled FeatureSet (FeatureSet.save)
    features/models/                                        exported ONNX graphs

Each part's key hashes (fingerprint of that modality's inputs, encoder name, encoder version), so changing
an image encoder re-encodes images only, and relabelling records re-encodes nothing. Writes are atomic.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from finefake.workspace import atomic_write_bytes, atomic_write_json


def cache_key(*parts: str) -> str:
    """A short stable hash of the given strings (order matters)."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8") + b"\0")
    return digest.hexdigest()[:20]


@dataclass
class Part:
    """One modality's features: row ``i`` belongs to ``ids[i]``."""

    ids: list[str]
    values: np.ndarray
    mask: np.ndarray
    meta: dict[str, Any]


class FeatureCache:
    def __init__(self, root: str | Path):
        self.root = Path(root)

    def part_dir(self, modality: str, name: str, key: str) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)
        return self.root / modality / f"{safe}-{key}"

    def load_part(self, modality: str, name: str, key: str, ids: list[str]) -> Part | None:
        """The cached part, or None when absent, unreadable or for other ids (then it is recomputed)."""
        folder = self.part_dir(modality, name, key)
        try:
            with np.load(folder / "part.npz", allow_pickle=False) as data:
                cached_ids = [str(i) for i in data["ids"]]
                values, mask = data["values"].astype(np.float32), data["mask"].astype(bool)
            meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError, KeyError):
            return None
        if cached_ids != ids or not np.isfinite(values).all():
            return None
        return Part(cached_ids, values, mask, meta)

    def save_part(self, modality: str, name: str, key: str, part: Part) -> Path:
        folder = self.part_dir(modality, name, key)
        buffer = io.BytesIO()
        np.savez(buffer, ids=np.asarray(part.ids, dtype=str), values=part.values, mask=part.mask)
        # meta.json is written last: a part without it is incomplete and load_part ignores it.
        atomic_write_bytes(folder / "part.npz", buffer.getvalue())
        atomic_write_json(folder / "meta.json", part.meta)
        return folder

    def set_dir(self, key: str) -> Path:
        return self.root / "sets" / key

    def models_dir(self) -> Path:
        return self.root / "models"
