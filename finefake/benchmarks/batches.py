"""The Batches a model gets for one setting: exactly its declared inputs, labels only where allowed.

``setting_batches`` cuts the train / validation / test rows of a setting out of the FeatureSet (and its
attached inputs) and builds, for the model's declared inputs only:

* the pooled ``text``, ``image`` and ``kg`` arrays (knowledge all masked when the task runs without it);
* ``text_tokens`` (memory-mapped ``RowView``s: rows are read one mini-batch at a time), ``sentences``,
  ``entities``, ``emotion``, ``style`` and the encoder views from ``FeatureSet.inputs``;
* ``word_ids``: a vocabulary built from the setting's TRAINING rows only (0 = padding, 1 = unknown; a word
  seen only in validation, test or target rows maps to unknown), with the text encoder's input embedding
  rows as its pretrained vectors (``info["word_vectors"]``);
* ``domain``: topic, platform and platform-group ids of each row, and in adaptation settings a target flag
  (1 on the target rows). Class labels of target rows never enter a Batch.

The test Batch is labelled (the harness scores it); the model is handed ``test.unlabeled()`` to predict
and, in adaptation settings, the same unlabeled target inputs to adapt on.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import numpy as np

from finefake.baselines.base import INPUTS, Batch, RowView
from finefake.contract import PLATFORM_GROUPS, PLATFORMS, TOPICS
from finefake.errors import FinefakeError
from finefake.features.featureset import FeatureSet

#: Arrays above this many bytes stay on disk (memory-mapped) and are gathered per mini-batch.
LAZY_BYTES = 64 * 2**20
PAD, UNK = 0, 1
KNOWLEDGE_ARRAYS = ("kg", "entity_transe", "entity_context", "entity_desc", "entity_rho", "entity_pos")


def domain_codes(values: np.ndarray, known: tuple[str, ...]) -> tuple[np.ndarray, int]:
    """Integer ids of domain names: their place in ``known`` (the contract's list) when all are in it, else
    in the sorted distinct values (datasets whose domains are not FineFake's)."""
    names = known if set(values.tolist()) <= set(known) else tuple(sorted(set(values.tolist())))
    position = {name: i for i, name in enumerate(names)}
    return np.asarray([position[v] for v in values], dtype=np.int64), len(names)


def build_vocabulary(
    token_ids: np.ndarray, mask: np.ndarray, train_rows: np.ndarray, table: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """``(lookup, vectors)``: ``lookup[tokenizer id]`` -> vocabulary id (unknown for ids not in the training
    rows), and the vocabulary's vectors (row 0 padding and row 1 unknown are zeros)."""
    seen = np.unique(np.asarray(token_ids[train_rows])[np.asarray(mask[train_rows])])
    seen = seen[(seen >= 0) & (seen < len(table))]
    lookup = np.full(len(table), UNK, dtype=np.int64)
    lookup[seen] = np.arange(2, 2 + len(seen))
    vectors = np.zeros((2 + len(seen), table.shape[1]), dtype=np.float32)
    vectors[2:] = table[seen]
    return lookup, vectors


def _cut(array: np.ndarray, rows: np.ndarray) -> Any:
    if isinstance(array, np.memmap) and array.nbytes > LAZY_BYTES:
        return RowView(array, rows)
    return np.asarray(array[rows])


def setting_batches(
    features: FeatureSet,
    rows: dict[str, np.ndarray],
    labels: np.ndarray,
    n_classes: int,
    declared: Collection[str],
    *,
    domains: dict[str, np.ndarray] | None = None,
    use_knowledge: bool = True,
    adaptation: bool = False,
) -> dict[str, Batch]:
    """Labelled ``train`` / ``validation`` / ``test`` Batches of ``rows`` with exactly the ``declared`` inputs.

    ``domains`` maps "topic", "platform", "platform_group" to the row-aligned domain names (needed when
    ``domain`` is declared). In adaptation settings the test rows are the target (``domain_is_target`` = 1).
    """
    declared = frozenset(declared)
    unknown = declared - set(INPUTS)
    if unknown:
        raise FinefakeError(f"a model declares unknown inputs {sorted(unknown)}")
    info: dict[str, Any] = {"knowledge": bool(use_knowledge)}
    base: dict[str, np.ndarray] = {}
    if "text" in declared:
        base["text"] = features.text
    if "image" in declared or "image_views" in declared:
        base["image_mask"] = features.image_mask.astype(bool)
    if "image" in declared:
        base["image"] = features.image
    if "kg" in declared:
        base["kg"], base["kg_mask"] = features.kg, features.kg_mask.astype(bool)
    extra = features.inputs
    needs = {
        "text_tokens": ("text_tokens", "text_tokens_mask"),
        "sentences": ("sentences", "sentence_mask"),
        "entities": INPUTS["entities"],
        "emotion": ("emotion",),
        "style": ("style",),
        "content": ("content",),  # issue 30: prompted LLMs
        "rationales": INPUTS["rationales"],  # issue 30: ARG's LLM rationales
    }
    for name, arrays in needs.items():
        if name in declared:
            missing = [a for a in arrays if a not in extra]
            if missing:
                raise FinefakeError(
                    f"input {name!r} is not computed ({', '.join(missing)} missing): compute the features with "
                    f"this input (finefake features --inputs {name})"
                )
            base.update({a: extra[a] for a in arrays})
    if "content" in declared and "content_image" in extra:  # issue 30: image paths for --llm-vision
        base["content_image"] = extra["content_image"]
    for modality in ("text", "image"):
        if f"{modality}_views" in declared:
            views = sorted(k for k in extra if k.startswith(f"{modality}_view:"))
            if not views:
                raise FinefakeError(
                    f"input '{modality}_views' is not computed (finefake features --inputs ...)"
                )
            base.update({k: extra[k] for k in views})
            info[f"{modality}_views"] = [k.split(":", 1)[1] for k in views]
    if declared & {"text_views", "image_views"}:
        info["shared_space"] = list(features.meta.get("inputs", {}).get("shared_space", []))
    if "word_ids" in declared:
        if "token_ids" not in extra or "embedding_table" not in features.tables:
            raise FinefakeError("input 'word_ids' is not computed (finefake features --inputs word_ids)")
        lookup, vectors = build_vocabulary(
            extra["token_ids"], extra["text_tokens_mask"], rows["train"], features.tables["embedding_table"]
        )
        mask = np.asarray(extra["text_tokens_mask"])
        base["word_ids"] = np.where(mask, lookup[np.asarray(extra["token_ids"])], PAD)
        base["word_mask"] = mask
        info["word_vectors"] = vectors
    if "domain" in declared:
        if domains is None:
            raise FinefakeError("input 'domain' needs the items' domains")
        sizes = {}
        for kind, known, name in (
            ("topic", TOPICS, "domain_topic"),
            ("platform", PLATFORMS, "domain_platform"),
            ("platform_group", PLATFORM_GROUPS, "domain_group"),
        ):
            base[name], sizes[kind] = domain_codes(np.asarray(domains[kind]), known)
        info["domains"] = sizes
    out: dict[str, Batch] = {}
    for split, split_rows in rows.items():
        arrays = {k: _cut(v, split_rows) for k, v in base.items()}
        if not use_knowledge:
            for name in KNOWLEDGE_ARRAYS:
                if name in arrays:
                    arrays[name] = np.zeros(arrays[name].shape, dtype=np.float32)
            for name in ("kg_mask", "entity_mask"):
                if name in arrays:
                    arrays[name] = np.zeros(arrays[name].shape, dtype=bool)
        if "domain" in declared:
            flag = 1 if adaptation and split == "test" else 0
            arrays["domain_is_target"] = np.full(len(split_rows), flag, dtype=np.int64)
        out[split] = Batch(
            [features.ids[i] for i in split_rows],
            arrays,
            np.asarray(labels[split_rows], dtype=np.int64),
            n_classes,
            info,
        )
    return out
