"""The model API every baseline follows, and the ``Batch`` the benchmark harness hands to models.

Modelled on scikit-learn estimators: hyper-parameters are explicit keyword arguments of ``__init__`` whose
defaults are the paper's, the constructor only stores them, ``fit`` learns and returns ``self``. A model never
sees a FeatureSet, a record or a target label: the harness cuts Batches (inputs + labels for training data,
inputs only for unlabeled target data), so a model cannot peek at what it must not use.
"""

from __future__ import annotations

import inspect
from abc import ABC, abstractmethod
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np

from finefake.features.featureset import FeatureSet

#: Every input a model can declare, and the names of the Batch arrays it brings. ``text_views`` and
#: ``image_views`` bring one array per configured view, named ``text_view:<name>`` / ``image_view:<name>``.
INPUTS: dict[str, tuple[str, ...]] = {
    "text": ("text",),
    "image": ("image", "image_mask"),
    "kg": ("kg", "kg_mask"),
    "text_tokens": ("text_tokens", "text_tokens_mask"),
    "word_ids": ("word_ids", "word_mask"),
    "sentences": ("sentences", "sentence_mask"),
    "entities": (
        "entity_transe",
        "entity_context",
        "entity_desc",
        "entity_rho",
        "entity_pos",
        "entity_mask",
    ),
    "domain": ("domain_topic", "domain_platform", "domain_group", "domain_is_target"),
    "emotion": ("emotion",),
    "style": ("style",),
    "text_views": (),
    "image_views": ("image_mask",),
    # LLM-era detectors (issue 30): the item's text as a string and its first image's path in the image store
    # ("" for none; read only with --llm-vision), and ARG's LLM rationales (token states of the two
    # perspectives' rationales and the LLM's judgement in each: 0 fake, 1 real, 2 other)
    "content": ("content", "content_image"),
    "rationales": (
        "rationale_td_tokens",
        "rationale_td_mask",
        "rationale_cs_tokens",
        "rationale_cs_mask",
        "rationale_judgement",
    ),
}
VIEW_PREFIXES = {"text_views": "text_view:", "image_views": "image_view:"}
_FIELD_INPUT: dict[str, str] = {}
for _key, _names in INPUTS.items():
    for _name in _names:
        _FIELD_INPUT.setdefault(_name, _key)  # image_mask belongs to "image" first


def input_of(array_name: str) -> str | None:
    """The declared input an array belongs to (``None`` for an unknown name)."""
    for key, prefix in VIEW_PREFIXES.items():
        if array_name.startswith(prefix):
            return key
    return _FIELD_INPUT.get(array_name)


def wanted(array_name: str, inputs: frozenset[str] | set[str]) -> bool:
    """Whether a model that declared ``inputs`` gets the array ``array_name``."""
    owner = input_of(array_name)
    return owner in inputs or any(array_name in INPUTS[i] for i in inputs if i in INPUTS)


class RowView:
    """Rows ``rows`` of a (memory-mapped) array, read only when indexed.

    Token states of 17,000 items are gigabytes: a Batch holds a RowView of the memory-mapped file and the
    training loop gathers one mini-batch at a time, so they are never all in memory. Reads go in ascending row
    order (sequential disk access) and are put back in the asked order.
    """

    def __init__(self, base: np.ndarray, rows: np.ndarray):
        self.base = base
        self.rows = np.asarray(rows, dtype=np.int64)

    @property
    def shape(self) -> tuple[int, ...]:
        return (len(self.rows), *self.base.shape[1:])

    @property
    def dtype(self) -> np.dtype:
        return self.base.dtype

    @property
    def ndim(self) -> int:
        return self.base.ndim

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index: np.ndarray | list[int] | slice) -> np.ndarray:
        wanted = self.rows[index]
        order = np.argsort(wanted, kind="stable")
        out = np.empty((len(wanted), *self.base.shape[1:]), dtype=self.base.dtype)
        out[order] = self.base[wanted[order]]
        return out

    def take(self, rows: np.ndarray | list[int]) -> RowView:
        return RowView(self.base, self.rows[np.asarray(rows, dtype=np.int64)])

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        out = self[np.arange(len(self.rows))]
        return out if dtype is None else out.astype(dtype)


def take_rows(array: Any, rows: np.ndarray) -> Any:
    """``array[rows]`` for arrays, a narrower view for RowViews (still nothing read)."""
    return array.take(rows) if isinstance(array, RowView) else array[rows]


@dataclass
class Batch:
    """Model inputs for a set of items, with labels when the harness allows the model to see them.

    ``arrays`` maps array names (see ``INPUTS``) to row-aligned arrays (or ``RowView``s of memory-mapped
    ones); the harness puts in only the inputs the model declared, so an undeclared input is absent and
    reading it raises. Rows without an image (or without entities) hold zeros and a False mask entry.
    ``info`` carries what is shared by all rows of a setting: ``knowledge`` (does the task give knowledge?
    without it, knowledge inputs are all masked), ``word_vectors`` (the vocabulary's pretrained vectors,
    row 0 = padding, row 1 = unknown), ``domains`` (number of ids per domain kind), ``text_views`` /
    ``image_views`` (view names) and ``shared_space`` (pairs of text and image views that share one space).
    """

    ids: list[str]
    arrays: dict[str, Any]
    y: np.ndarray | None
    n_classes: int
    info: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.ids)
        for name, array in self.arrays.items():
            if array.shape[0] != n:
                raise ValueError(f"Batch.{name} has {array.shape[0]} rows for {n} ids")
        if self.y is not None and len(self.y) != n:
            raise ValueError(f"Batch.y has {len(self.y)} rows for {n} ids")
        if self.y is not None and len(self.y) and (self.y.min() < 0 or self.y.max() >= self.n_classes):
            raise ValueError(
                f"Batch labels must lie in [0, {self.n_classes}), got {self.y.min()}..{self.y.max()}"
            )

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("ids", "arrays", "y", "n_classes", "info"):
            raise AttributeError(name)
        arrays = self.__dict__.get("arrays", {})
        if name in arrays:
            return arrays[name]
        owner = input_of(name)
        if owner is not None:
            raise AttributeError(
                f"this Batch has no {name!r}: the model did not declare the input {owner!r} in its `inputs`"
            )
        raise AttributeError(name)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def has_knowledge(self) -> bool:
        """True when the task gives knowledge (else knowledge inputs, if declared, are all masked)."""
        return bool(self.info.get("knowledge", "kg" in self.arrays))

    @property
    def inputs(self) -> frozenset[str]:
        """The declared inputs present in this Batch."""
        return frozenset(i for i in map(input_of, self.arrays) if i is not None)

    @classmethod
    def of(
        cls,
        ids: list[str],
        *,
        y: np.ndarray | None = None,
        n_classes: int = 2,
        info: dict[str, Any] | None = None,
        **arrays: Any,
    ) -> Batch:
        """A Batch from keyword arrays (tests, notebooks); ``None`` arrays are left out."""
        return cls(
            list(ids),
            {k: v for k, v in arrays.items() if v is not None},
            None if y is None else np.asarray(y, dtype=np.int64),
            n_classes,
            dict(info or {}),
        )

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
        """Cut the rows ``rows`` of the pooled text, image and knowledge features (``y``: their labels).

        Without knowledge (``use_knowledge=False``) the knowledge arrays are zeros with an all-False mask.
        The harness builds richer Batches with ``finefake.benchmarks.inputs``.
        """
        rows = np.asarray(rows, dtype=np.int64)
        kg, kg_mask = features.kg[rows], features.kg_mask[rows].astype(bool)
        if not use_knowledge:
            kg, kg_mask = np.zeros_like(kg), np.zeros_like(kg_mask)
        return cls(
            [features.ids[i] for i in rows],
            {
                "text": features.text[rows],
                "image": features.image[rows],
                "image_mask": features.image_mask[rows].astype(bool),
                "kg": kg,
                "kg_mask": kg_mask,
            },
            None if y is None else np.asarray(y, dtype=np.int64),
            n_classes,
            {"knowledge": bool(use_knowledge)},
        )

    def unlabeled(self) -> Batch:
        """The same inputs with the labels removed (what a model may see of target data)."""
        return replace(self, y=None)

    def subset(self, rows: np.ndarray | list[int]) -> Batch:
        rows = np.asarray(rows, dtype=np.int64)
        return Batch(
            [self.ids[i] for i in rows],
            {name: take_rows(array, rows) for name, array in self.arrays.items()},
            None if self.y is None else self.y[rows],
            self.n_classes,
            self.info,
        )

    def restricted(self, inputs: frozenset[str] | set[str]) -> Batch:
        """Only the arrays of ``inputs`` (what the harness hands a model that declared them)."""
        keep = {name: a for name, a in self.arrays.items() if wanted(name, inputs)}
        return replace(self, arrays=keep)


class Model(ABC):
    """A fake-news detector: ``fit`` on labelled Batches, ``predict_proba`` on any Batch.

    Subclasses take every hyper-parameter as an explicit keyword argument (always including ``seed``) and
    store it under the same attribute name; the same seed and data must give the same predictions.
    """

    name: ClassVar[str] = ""
    #: The inputs the model reads (keys of ``INPUTS``); the harness computes and hands it exactly these.
    inputs: ClassVar[frozenset[str]] = frozenset({"text", "image", "kg"})
    #: True when the model uses ``target_unlabeled`` in ``fit`` (domain adaptation).
    uses_target: ClassVar[bool] = False
    #: True when ``seed`` cannot change what ``fit`` learns (a deterministic solver): the runner then trains
    #: once per setting and reuses that result for the other seeds (its std over seeds is 0 by construction,
    #: and each reused run file says which seed it was trained with).
    seed_invariant: ClassVar[bool] = False

    @abstractmethod
    def fit(self, train: Batch, val: Batch | None = None, target_unlabeled: Batch | None = None) -> Model:
        """Learn from ``train`` (labels), ``val`` (labelled held-out source data) and ``target_unlabeled``
        (inputs of the test domain, no labels). Returns ``self``.

        ``val`` serves model selection and early stopping, and may serve a calibration that needs labelled
        source data the current network did not train on (CANMD's per-epoch BBSE label-shift estimate); its
        rows are never trained on. Nothing of the target's labels reaches a model."""

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
    """All inputs of ``batch`` side by side (text, image, image mask, and knowledge + mask when the task
    gives knowledge)."""
    parts = [batch.text, batch.image, batch.image_mask[:, None].astype(np.float32)]
    if batch.has_knowledge:
        parts += [batch.kg, batch.kg_mask[:, None].astype(np.float32)]
    return np.concatenate([np.asarray(p, dtype=np.float32) for p in parts], axis=1)
