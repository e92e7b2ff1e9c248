"""The model API every baseline follows, and the ``Batch`` the benchmark harness hands to models.

Modelled on scikit-learn estimators: hyper-parameters are explicit keyword arguments of ``__init__`` whose
defaults are the paper's, the constructor only stores them, ``fit`` learns and returns ``self``. A model never
sees a FeatureSet, a record or a target label: the harness cuts Batches (inputs + labels for training data,
inputs only for unlabeled target data), so a model cannot peek at what it must not use.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from typing import Any, ClassVar

import numpy as np

from finefake.features.featureset import FeatureSet


@dataclass
class Batch:
    """Model inputs for a set of items, with labels when the harness allows the model to see them.

    ``kg`` and ``kg_mask`` are None when the task runs without knowledge (binary), so a model cannot use it
    by accident. Rows without an image (or without entities) hold zeros and a False mask entry.
    """

    ids: list[str]
    text: np.ndarray
    image: np.ndarray
    image_mask: np.ndarray
    kg: np.ndarray | None
    kg_mask: np.ndarray | None
    y: np.ndarray | None
    n_classes: int

    def __post_init__(self) -> None:
        n = len(self.ids)
        for name in ("text", "image", "image_mask", "kg", "kg_mask", "y"):
            array = getattr(self, name)
            if array is not None and array.shape[0] != n:
                raise ValueError(f"Batch.{name} has {array.shape[0]} rows for {n} ids")
        if self.y is not None and len(self.y) and (self.y.min() < 0 or self.y.max() >= self.n_classes):
            raise ValueError(
                f"Batch labels must lie in [0, {self.n_classes}), got {self.y.min()}..{self.y.max()}"
            )

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def has_knowledge(self) -> bool:
        return self.kg is not None

    @classmethod
    def from_features(
        cls,
        features: FeatureSet,
        rows: np.ndarray | list[int],
        *,
        y: np.ndarray | None,
        n_classes: int,
        use_knowledge: bool = True,
    ) -> Batch:
        """Cut the rows ``rows`` of ``features``; ``y`` are their labels (None for unlabeled data)."""
        rows = np.asarray(rows, dtype=np.int64)
        return cls(
            ids=[features.ids[i] for i in rows],
            text=features.text[rows],
            image=features.image[rows],
            image_mask=features.image_mask[rows].astype(bool),
            kg=features.kg[rows] if use_knowledge else None,
            kg_mask=features.kg_mask[rows].astype(bool) if use_knowledge else None,
            y=None if y is None else np.asarray(y, dtype=np.int64),
            n_classes=n_classes,
        )

    def unlabeled(self) -> Batch:
        """The same inputs with the labels removed (what a model may see of target data)."""
        return replace(self, y=None)

    def subset(self, rows: np.ndarray | list[int]) -> Batch:
        rows = np.asarray(rows, dtype=np.int64)

        def cut(a: np.ndarray | None) -> np.ndarray | None:
            return None if a is None else a[rows]

        return Batch(
            [self.ids[i] for i in rows],
            self.text[rows],
            self.image[rows],
            self.image_mask[rows],
            cut(self.kg),
            cut(self.kg_mask),
            cut(self.y),
            self.n_classes,
        )


class Model(ABC):
    """A fake-news detector: ``fit`` on labelled Batches, ``predict_proba`` on any Batch.

    Subclasses take every hyper-parameter as an explicit keyword argument (always including ``seed``) and
    store it under the same attribute name; the same seed and data must give the same predictions.
    """

    name: ClassVar[str] = ""
    #: True when the model uses ``target_unlabeled`` in ``fit`` (domain adaptation).
    uses_target: ClassVar[bool] = False
    #: True when ``seed`` cannot change what ``fit`` learns (a deterministic solver): the runner then trains
    #: once per setting and reuses that result for the other seeds (its std over seeds is 0 by construction,
    #: and each reused run file says which seed it was trained with).
    seed_invariant: ClassVar[bool] = False

    @abstractmethod
    def fit(self, train: Batch, val: Batch | None = None, target_unlabeled: Batch | None = None) -> Model:
        """Learn from ``train`` (labels), ``val`` (labelled held-out source data, for model selection only) and
        ``target_unlabeled`` (inputs of the test domain, no labels). Returns ``self``."""

    @abstractmethod
    def predict_proba(self, batch: Batch) -> np.ndarray:
        """Class probabilities, shape (len(batch), batch.n_classes), rows summing to 1."""

    def predict(self, batch: Batch) -> np.ndarray:
        return np.asarray(self.predict_proba(batch)).argmax(axis=1)

    def get_params(self) -> dict[str, Any]:
        """The constructor's keyword arguments and their current values (recorded with every result)."""
        signature = inspect.signature(type(self).__init__)
        return {p: getattr(self, p) for p in signature.parameters if p != "self"}

    def fit_info(self) -> dict[str, Any]:
        """What ``fit`` decided that a reader of the results should know (epochs, weights); JSON-ready."""
        return {}


def check_labelled(batch: Batch, what: str) -> np.ndarray:
    """The labels of ``batch`` or a ValueError naming which batch lacks them."""
    if batch.y is None:
        raise ValueError(f"{what} batch has no labels")
    if len(batch) == 0:
        raise ValueError(f"{what} batch is empty")
    return batch.y


def tabular_inputs(batch: Batch) -> np.ndarray:
    """All inputs of ``batch`` side by side (text, image, image mask, and knowledge + mask when present)."""
    parts = [batch.text, batch.image, batch.image_mask[:, None].astype(np.float32)]
    if batch.kg is not None and batch.kg_mask is not None:
        parts += [batch.kg, batch.kg_mask[:, None].astype(np.float32)]
    return np.concatenate([np.asarray(p, dtype=np.float32) for p in parts], axis=1)
