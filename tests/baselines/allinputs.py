"""Batches carrying every declared input (``finefake.baselines.base.INPUTS``) with a planted label signal.

For unit tests of detectors: small widths, exact shapes and dtypes of what the harness hands models
(float16 token states behind a ``RowView`` like the memory-mapped cache), masks with absent rows, a
per-setting vocabulary with padding (0) and unknown (1). ``signal`` picks which input carries the label:
"text" (the pooled text, tokens, words and sentences), "image", "knowledge" (only the knowledge inputs: kg
and entities) or "none".
"""

from __future__ import annotations

import numpy as np

from finefake.baselines.base import Batch, RowView

DIMS = {"text": 24, "image": 20, "kg": 12, "tokens": 10, "sentences": 4, "entities": 4, "vocab": 50}
VIEWS = {"text_view:minilm": 24, "text_view:clip": 16, "image_view:effnet": 20, "image_view:clip": 16}


def input_batches(
    *,
    n: int = 240,
    n_classes: int = 2,
    seed: int = 0,
    signal: str = "text",
    knowledge: bool = True,
    target_shift: float = 0.0,
) -> dict[str, Batch]:
    """``train`` / ``validation`` / ``test`` (labelled) and ``target`` (unlabeled test) Batches.

    ``target_shift`` adds a constant offset to the test rows' dense inputs (a covariate shift).
    """
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_classes, n)
    y[:n_classes] = np.arange(n_classes)  # every class present
    strength = 2.5
    centre = {k: rng.normal(size=(n_classes, d)).astype(np.float32) for k, d in DIMS.items()}

    def dense(key: str, shape: tuple[int, ...], carries: bool) -> np.ndarray:
        x = rng.normal(size=(n, *shape)).astype(np.float32)
        if carries:
            x += strength * centre[key][y].reshape(n, *([1] * (len(shape) - 1)), shape[-1])
        return x

    text_on, image_on, kg_on = signal == "text", signal == "image", signal == "knowledge"
    d_t, d_v, d_k = DIMS["text"], DIMS["image"], DIMS["kg"]
    L, S, K = DIMS["tokens"], DIMS["sentences"], DIMS["entities"]
    arrays: dict[str, np.ndarray] = {
        "text": dense("text", (d_t,), text_on),
        "image": dense("image", (d_v,), image_on),
        "image_mask": rng.random(n) > 0.15,
        "kg": dense("kg", (d_k,), kg_on),
        "kg_mask": rng.random(n) > 0.1,
        "text_tokens_mask": np.arange(L)[None, :] < rng.integers(2, L + 1, n)[:, None],
        "sentences": dense("text", (S, d_t), text_on),
        "sentence_mask": np.arange(S)[None, :] < rng.integers(1, S + 1, n)[:, None],
        "entity_transe": dense("kg", (K, d_k), kg_on),
        "entity_context": dense("kg", (K, d_k), kg_on),
        "entity_desc": dense("text", (K, d_t), False),
        "entity_rho": rng.uniform(0.3, 1.0, (n, K)).astype(np.float32),
        "entity_pos": rng.uniform(0.0, 1.0, (n, K)).astype(np.float32),
        "entity_mask": np.arange(K)[None, :] < rng.integers(0, K + 1, n)[:, None],
        "domain_topic": rng.integers(0, 6, n),
        "domain_platform": rng.integers(0, 8, n),
        "domain_group": rng.integers(0, 3, n),
        "domain_is_target": np.zeros(n, dtype=np.int64),
        "emotion": rng.random((n, 8)).astype(np.float32),
        "style": rng.normal(size=(n, 9)).astype(np.float32),
    }
    tokens = dense("text", (L, d_t), text_on).astype(np.float16)
    tokens *= arrays["text_tokens_mask"][..., None]
    # words: a class-specific word range when the text carries the signal
    words = rng.integers(2, DIMS["vocab"], (n, L))
    if text_on:
        words[:, :3] = 2 + (DIMS["vocab"] - 2) // n_classes * y[:, None] + rng.integers(0, 3, (n, 3))
    arrays["word_mask"] = arrays["text_tokens_mask"].copy()
    arrays["word_ids"] = np.where(arrays["word_mask"], words, 0)
    for name, d in VIEWS.items():
        carries = text_on if name.startswith("text") else image_on
        arrays[name] = dense("text" if name.startswith("text") else "image", (d,), False)
        if carries:
            arrays[name] += strength * centre["text" if name.startswith("text") else "image"][y][:, :d]
    arrays["image"] *= arrays["image_mask"][:, None]
    if not knowledge:
        for name in ("kg", "entity_transe", "entity_context", "entity_desc", "entity_rho", "entity_pos"):
            arrays[name] = np.zeros_like(arrays[name])
        arrays["kg_mask"] = np.zeros(n, dtype=bool)
        arrays["entity_mask"] = np.zeros_like(arrays["entity_mask"])
    info = {
        "knowledge": knowledge,
        "word_vectors": np.vstack([np.zeros((1, d_t)), rng.normal(size=(DIMS["vocab"] - 1, d_t))]).astype(
            np.float32
        ),
        "domains": {"topic": 6, "platform": 8, "platform_group": 3},
        "text_views": ["minilm", "clip"],
        "image_views": ["effnet", "clip"],
        "shared_space": [["clip", "clip"]],
    }
    ids = [f"item-{i}" for i in range(n)]
    rows = rng.permutation(n)
    cut = {"train": rows[: int(0.6 * n)], "validation": rows[int(0.6 * n) : int(0.8 * n)]}
    cut["test"] = rows[int(0.8 * n) :]
    if target_shift:
        for name in ("text", "image", "kg", "sentences"):
            arrays[name][cut["test"]] += target_shift
    arrays["domain_is_target"][cut["test"]] = 1
    # issue 30: the text as strings (prompted LLMs) and ARG's rationales (token states and the LLM's judgement),
    # drawn after every other input so that those stay as they were
    arrays["content"] = np.asarray(
        [f"Item {i}: a short news text about topic {y[i]}." for i in range(n)], dtype=object
    )
    for p in ("td", "cs"):
        arrays[f"rationale_{p}_mask"] = np.arange(L)[None, :] < rng.integers(1, L + 1, n)[:, None]
        states = dense("text", (L, d_t), text_on) * arrays[f"rationale_{p}_mask"][..., None]
        arrays[f"rationale_{p}_tokens"] = states.astype(np.float16)
    arrays["rationale_judgement"] = rng.integers(0, 3, (n, 2))
    out = {}
    for split, r in cut.items():
        sub = {k: v[r] for k, v in arrays.items()}
        sub["text_tokens"] = RowView(tokens, r)
        out[split] = Batch([ids[i] for i in r], sub, y[r].astype(np.int64), n_classes, dict(info))
    out["target"] = out["test"].unlabeled()
    return out
