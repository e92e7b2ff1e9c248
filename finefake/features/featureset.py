"""The feature matrices that the benchmark harness and every baseline consume.

A FeatureSet is the only thing that crosses from ``features`` to ``benchmarks``: row ``i`` of every array
belongs to ``ids[i]``. Items without an image or without knowledge have a defined input (zeros) and a False
mask entry, never NaN, so a model can tell "no image" from "a black image".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np


@dataclass
class FeatureSet:
    ids: list[str]
    text: np.ndarray  # (N, D_text) float32
    image: np.ndarray  # (N, D_image) float32, zeros where image_mask is False
    kg: np.ndarray  # (N, D_kg) float32, zeros where kg_mask is False
    image_mask: np.ndarray  # (N,) bool
    kg_mask: np.ndarray  # (N,) bool
    meta: dict[str, Any] = field(default_factory=dict)  # encoder names, versions, dataset fingerprint
    #: Further row-aligned model inputs (token states, sentences, entities, ...; see
    #: ``finefake.features.inputs``), often memory-mapped; and the non-row tables they refer to (the word
    #: embedding table). Empty unless a model asked for them.
    inputs: dict[str, np.ndarray] = field(default_factory=dict)
    tables: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.ids)
        for name in ("text", "image", "kg", "image_mask", "kg_mask"):
            array = getattr(self, name)
            if array.shape[0] != n:
                raise ValueError(f"FeatureSet.{name} has {array.shape[0]} rows for {n} ids")
        for name, array in self.inputs.items():
            if array.shape[0] != n:
                raise ValueError(f"FeatureSet input {name} has {array.shape[0]} rows for {n} ids")
        for name in ("text", "image", "kg"):
            if not np.isfinite(getattr(self, name)).all():
                raise ValueError(f"FeatureSet.{name} holds NaN or inf")

    def __len__(self) -> int:
        return len(self.ids)

    def index(self) -> dict[str, int]:
        """Row number of each id."""
        return {item_id: i for i, item_id in enumerate(self.ids)}

    def subset(self, rows: np.ndarray | list[int]) -> FeatureSet:
        rows = np.asarray(rows, dtype=np.int64)
        return FeatureSet(
            [self.ids[i] for i in rows],
            self.text[rows],
            self.image[rows],
            self.kg[rows],
            self.image_mask[rows],
            self.kg_mask[rows],
            dict(self.meta),
            {name: array[rows] for name, array in self.inputs.items()},
            dict(self.tables),
        )

    def save(self, folder: str | Path) -> Path:
        """Write ``features.npz`` + ``meta.json`` (atomically) into ``folder``."""
        from finefake.workspace import atomic_write_bytes, atomic_write_json

        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        import io

        buffer = io.BytesIO()
        np.savez(
            buffer,
            text=self.text,
            image=self.image,
            kg=self.kg,
            image_mask=self.image_mask,
            kg_mask=self.kg_mask,
            ids=np.asarray(self.ids, dtype=object).astype(str),
        )
        atomic_write_bytes(folder / "features.npz", buffer.getvalue())
        atomic_write_json(folder / "meta.json", self.meta)
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> FeatureSet:
        folder = Path(folder)
        with np.load(folder / "features.npz", allow_pickle=False) as data:
            arrays = {k: data[k] for k in data.files}
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        return cls(
            [str(i) for i in arrays["ids"]],
            arrays["text"].astype(np.float32),
            arrays["image"].astype(np.float32),
            arrays["kg"].astype(np.float32),
            arrays["image_mask"].astype(bool),
            arrays["kg_mask"].astype(bool),
            meta,
        )
