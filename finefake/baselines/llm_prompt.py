"""``llm-zero`` and ``llm-few``: a prompted large language model as a detector, zero-shot and few-shot.

The evaluation follows how prompted LLMs are benchmarked on fake-news detection (Hu et al., "Bad Actor, Good
Advisor", AAAI 2024, section 2: GPT-3.5 zero-shot and few-shot, with and without chain of thought) and how
harnesses score multiple-choice answers (Gao et al. 2021, lm-evaluation-harness): the prompt (a versioned
data file, ``finefake/data/prompts/detect-binary.yaml`` / ``detect-fine.yaml``) asks for one answer word or
letter, and the class probabilities are the model's probabilities of the classes' answer tokens at the
reply's first position, renormalised over the classes -- never parsed from free text, so every item gets a
probability for every class and the numbers are reproducible.

* ``llm-zero``: the template with the item's text (title and body, cut at ``max_chars`` characters).
* ``llm-few``: the same after ``shots_per_class`` solved examples per class as earlier chat turns. The examples
  come from the setting's TRAINING rows only, chosen by a seeded rule on a stable key: per class, the rows
  sorted by ``sha256(f"{seed}:{item id}")``, the first ``shots_per_class`` taken, and all shots presented in
  that hash order (so the choice depends on the seed and the ids, never on row order, and never on
  validation, test or target labels).

The model is the offline default SmolLM2-135M-Instruct (``backend="local"``, ``llm_model`` = a folder or
GGUF file for another local model) or any OpenAI-compatible server (``backend="server"``, ``llm_endpoint``,
``llm_model``; the key from the environment variable ``api_key_env``). Responses are cached by (template
version, model, prompt), so a rerun costs no model calls; the calls, cached answers and tokens are in the
run's ``fit_info["llm"]``.

Published numbers: none quoted. Hu et al. 2024 (Table 2) report GPT-3.5-turbo zero-/few-shot macro F1 on
Weibo21 and GossipCop; those figures could not be confirmed from a citable text in this session (the
official repository's README has none and the paper's tables were not reachable through the reference
search), so the numbers recalled from memory were removed. The FineFake paper reports no LLM detector.

Deviations, and why:

* Model: the offline default is a 135M-parameter instruction model (Q4_1 weights de-quantised to float32),
  far weaker than GPT-3.5; it exists so the benchmark runs offline and in CI. Numbers that mean something
  need a real model behind ``--llm-endpoint``.
* Modality: text by default. With ``vision=True`` (``--llm-vision``; a vision model behind
  ``--llm-endpoint`` only -- the local default is text-only and refuses it) the item's first image from the
  workspace's image store is sent with the question (``finefake.llm.images``: longer side at most 512 px,
  re-encoded as JPEG/PNG, inline as a base64 data URL content part); items without a readable image are
  asked as text and counted (``fit_info["llm"]["images"]``), and ``fit_info["llm"]["modality"]`` says
  "text+image". The few-shot examples stay text-only (their images would multiply the request size).
* No chain of thought: Hu et al. also prompt with CoT and parse the answer; we read token probabilities
  only (parsing free text is what this design avoids).
* Six classes: FineFake's fine-grained task has no published LLM prompt; ours lists the six classes with
  letters (class names share first tokens, letters do not).
* ``fit`` trains nothing: the LLM is frozen; ``fit`` only chooses the shots (llm-few).
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from finefake.baselines.base import Batch, Model, check_labelled
from finefake.baselines.registry import register_model
from finefake.errors import FinefakeError
from finefake.llm.backends import get_client
from finefake.llm.client import LLMClient, LLMSettings, Messages
from finefake.llm.prompts import PromptTemplate, detection_template


def shot_order_key(seed: int, item_id: str) -> str:
    """The stable sort key of a candidate shot: a hash of the seed and the item id."""
    return hashlib.sha256(f"{seed}:{item_id}".encode()).hexdigest()


def choose_shots(ids: list[str], y: np.ndarray, n_classes: int, per_class: int, seed: int) -> list[int]:
    """Rows of the shots: per class the ``per_class`` rows with the smallest ``shot_order_key``, all shots in
    key order (deterministic in the seed and the ids; independent of row order)."""
    chosen: list[int] = []
    for c in range(n_classes):
        rows = [int(i) for i in np.flatnonzero(np.asarray(y) == c)]
        rows.sort(key=lambda i: shot_order_key(seed, ids[i]))
        chosen += rows[:per_class]
    return sorted(chosen, key=lambda i: shot_order_key(seed, ids[i]))


def cut(text: str, max_chars: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= max_chars else text[:max_chars].rsplit(" ", 1)[0] + " ..."


class PromptedLLM(Model):
    """Shared by ``llm-zero`` and ``llm-few``: render, ask for the answer tokens' probabilities, count usage."""

    inputs = frozenset({"content"})
    shots_per_class: int = 0

    def _settings(self) -> LLMSettings:
        return LLMSettings(
            backend=self.backend,
            model=self.llm_model,
            endpoint=self.llm_endpoint,
            api_key_env=self.api_key_env,
            concurrency=self.concurrency,
            batch_size=self.batch_size,
            vision=self.vision,
        )

    def client(self) -> LLMClient:
        return get_client(self._settings())

    def fit(self, train: Batch, val: Batch | None = None, target_unlabeled: Batch | None = None) -> Model:
        y = check_labelled(train, "train")
        self.n_classes_ = train.n_classes
        self.template_: PromptTemplate = detection_template(train.n_classes)
        rows = choose_shots(train.ids, y, train.n_classes, self.shots_per_class, self.seed)
        content = np.asarray(train.content)
        self.shots_ = [(cut(content[i], self.shot_chars), int(y[i])) for i in rows]
        self.shot_ids_ = [train.ids[i] for i in rows]
        self.usage_: dict[str, int] = {}
        if self.vision:
            self.images_ = {"with_image": 0, "without_image": 0}  # test items asked with / without an image
        return self

    def _prompts(self, batch: Batch) -> list[Messages]:
        """One chat per item; with ``vision`` the item's image joins its question (text when it has none)."""
        prompts = [
            self.template_.render(cut(t, self.max_chars), self.shots_) for t in np.asarray(batch.content)
        ]
        if not self.vision:
            return prompts
        from finefake.llm.images import image_data_url, with_image

        paths = batch.arrays.get("content_image")
        paths = np.asarray(paths) if paths is not None else np.full(len(prompts), "", dtype=object)
        counts = self.images_
        out = []
        for messages, path in zip(prompts, paths, strict=True):
            url = image_data_url(path, self.image_side) if path else None
            counts["with_image" if url else "without_image"] += 1
            out.append(with_image(messages, url) if url else messages)
        return out

    def predict_proba(self, batch: Batch) -> np.ndarray:
        from finefake.console import make_progress

        client = self.client()
        if self.vision and not client.vision:
            raise FinefakeError(f"{self.name}: {client.model_id} does not read images; drop --llm-vision")
        before = client.usage.as_dict()
        prompts = self._prompts(batch)
        with make_progress() as progress:
            task = progress.add_task(f"{self.name} ({client.model_id})", total=len(prompts))
            proba = client.choice_probs(
                prompts,
                self.template_.choices,
                tag=self.template_.tag,
                progress=lambda n: progress.advance(task, n),
            )
        after = client.usage.as_dict()
        for key, value in after.items():
            self.usage_[key] = self.usage_.get(key, 0) + value - before[key]
        self.model_id_ = client.model_id
        return proba.astype(np.float64)

    def fit_info(self) -> dict[str, Any]:
        return {
            "llm": {
                "model": getattr(self, "model_id_", None),
                "backend": self.backend,
                "modality": "text+image" if self.vision else "text",
                "images": getattr(self, "images_", None),
                "template": self.template_.tag if hasattr(self, "template_") else None,
                "shots": getattr(self, "shot_ids_", []),
                "usage": getattr(self, "usage_", {}),
            }
        }


def _store(model: PromptedLLM, values: dict[str, Any]) -> None:
    for key, value in values.items():
        setattr(model, key, value)


@register_model("llm-zero")
class LLMZero(PromptedLLM):
    """Zero-shot prompted LLM (see the module docstring; Hu et al. 2024 for the setting)."""

    seed_invariant = True

    def __init__(
        self,
        *,
        backend: str = "local",
        llm_model: str = "",
        llm_endpoint: str = "",
        api_key_env: str = "FINEFAKE_LLM_API_KEY",
        max_chars: int = 1000,
        shot_chars: int = 300,
        concurrency: int = 4,
        batch_size: int = 8,
        vision: bool = False,
        image_side: int = 512,
        seed: int = 0,
    ):
        _store(self, {k: v for k, v in locals().items() if k not in ("self", "__class__")})


@register_model("llm-few")
class LLMFew(PromptedLLM):
    """Few-shot prompted LLM: ``shots_per_class`` training examples per class (see the module docstring)."""

    def __init__(
        self,
        *,
        backend: str = "local",
        llm_model: str = "",
        llm_endpoint: str = "",
        api_key_env: str = "FINEFAKE_LLM_API_KEY",
        shots_per_class: int = 2,
        max_chars: int = 1000,
        shot_chars: int = 300,
        concurrency: int = 4,
        batch_size: int = 8,
        vision: bool = False,
        image_side: int = 512,
        seed: int = 0,
    ):
        _store(self, {k: v for k, v in locals().items() if k not in ("self", "__class__")})
