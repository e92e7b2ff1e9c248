"""The LLM client interface every backend follows, with the response cache and the usage counts in one place.

Detectors never parse free text for their answer: ``choice_probs`` asks for the probability of each label's
answer token at the first position of the reply (logits of a local model; ``top_logprobs`` of a server) and
renormalises over the labels, as evaluation harnesses score multiple-choice questions. ``generate`` is for the
rationales and the restyled test items (greedy decoding, so a response is a function of its prompt).

Both calls go through the ``ResponseCache``: a cached prompt costs no call, and ``usage`` says how many calls,
items and tokens a run spent (recorded in the run's ``fit_info``).

Prompts that miss the cache are answered in batches of similar length (sorted by rendered length, then by
key): with left padding every prompt in a batch costs as much as the longest, so mixing a 100-token and a
400-token prompt wastes most of a forward pass. The order depends on the prompts only, never on the order
the items arrive in. The decoding settings (``GENERATION``, ``max_tokens``) are part of a generation's cache
key, so changing them never returns a stale reply.
"""

from __future__ import annotations

import os
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from finefake.llm.cache import ResponseCache, response_key

Messages = list[dict[str, str]]
#: Probability given to a label whose answer token is absent from a server's top log-probabilities.
ABSENT_LOGPROB = -30.0
#: How every generation decodes (part of its cache key): greedy, so a reply is a function of its prompt.
GENERATION: dict[str, Any] = {"decoding": "greedy", "temperature": 0}


@dataclass
class Usage:
    """What a client spent: backend calls (requests or forward passes), items answered by the model or by
    the cache, and tokens (prompt and completion; cached answers cost none)."""

    calls: int = 0
    computed: int = 0
    cached: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    retries: int = 0
    unmatched: int = 0  # label-probability answers where no label token was among the returned tokens

    def add(self, **counts: int) -> None:
        for name, value in counts.items():
            setattr(self, name, getattr(self, name) + int(value))

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def default_cache_path() -> Path:
    """The response cache shared by every run of this user (``$FINEFAKE_LLM_CACHE`` overrides it)."""
    explicit = os.environ.get("FINEFAKE_LLM_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "finefake" / "llm" / "responses.sqlite"


def normalise_token(token: str) -> str:
    """A token as an answer label: without the tokenizer's space marks and surrounding punctuation, lower case."""
    return token.replace("\u0120", " ").replace("\u2581", " ").strip().strip(".:)(\"'*").lower()


def choice_logprobs(candidates: dict[str, float], choices: Sequence[str]) -> tuple[np.ndarray, bool]:
    """Per choice, the log of the summed probability of the candidate tokens that spell it (exact match after
    ``normalise_token``); ``(logprobs, matched)`` with ``matched`` False when no candidate spelled any choice."""
    wanted = [normalise_token(c) for c in choices]
    mass = np.zeros(len(choices), dtype=np.float64)
    for token, logprob in candidates.items():
        norm = normalise_token(token)
        for i, w in enumerate(wanted):
            if norm and norm == w:
                mass[i] += float(np.exp(logprob))
    matched = bool(mass.sum() > 0)
    with np.errstate(divide="ignore"):
        out = np.where(mass > 0, np.log(np.maximum(mass, 1e-300)), ABSENT_LOGPROB)
    return out, matched


def prompt_length(messages: Messages) -> int:
    """A prompt's length in characters (a tokenizer-free proxy of its token count, for batching)."""
    return sum(len(str(m.get("content", ""))) for m in messages)


def softmax_rows(logits: np.ndarray) -> np.ndarray:
    z = logits - logits.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


class LLMClient(ABC):
    """A language model behind a cache. Backends implement ``_choice_logprobs`` and ``_generate`` on one
    batch; this class cuts batches, skips cached prompts and counts usage."""

    #: Identifies the weights (and backend): part of every cache key.
    model_id: str = ""
    #: Prompts per backend call (a forward pass of a local model; requests in flight for a server).
    batch_size: int = 8
    #: Prompts per generation call; None = ``batch_size`` (a local model decodes a wider batch at almost the
    #: cost of a narrow one, since each step reads all the weights whatever the batch).
    generate_batch_size: int | None = None
    #: True when the model reads images (a vision model behind a server, declared by ``--llm-vision``); the
    #: local backend is text-only.
    vision: bool = False

    def __init__(self, cache: ResponseCache | None = None):
        self.cache = cache if cache is not None else ResponseCache(default_cache_path())
        self.usage = Usage()
        self._usage_lock = threading.Lock()

    # -- what a backend writes ------------------------------------------------------------------------
    @abstractmethod
    def _choice_logprobs(
        self, prompts: list[Messages], choices: Sequence[str]
    ) -> list[tuple[np.ndarray, bool]]:
        """Per prompt, the log-probability of each choice's answer token at the reply's first position."""

    @abstractmethod
    def _generate(self, prompts: list[Messages], max_tokens: int) -> list[str]:
        """Per prompt, the greedy reply of at most ``max_tokens`` tokens."""

    def count(self, **counts: int) -> None:
        with self._usage_lock:
            self.usage.add(**counts)

    # -- the cached calls -----------------------------------------------------------------------------
    def _cached(
        self,
        kind: str,
        tag: str,
        prompts: Sequence[Messages],
        extra: Any,
        compute: Callable[[list[Messages]], list[Any]],
        progress: Callable[[int], None] | None = None,
        batch_size: int | None = None,
    ) -> list[Any]:
        keys = [response_key(kind, tag, self.model_id, extra, p) for p in prompts]
        found = self.cache.get_many(keys)
        first: dict[str, int] = {}
        for i, k in enumerate(keys):
            if k not in found:
                first.setdefault(k, i)
        # similar lengths share a batch (little padding); ties broken by key, so arrival order never matters
        missing = sorted(first, key=lambda k: (prompt_length(prompts[first[k]]), k))
        self.count(cached=len(prompts) - sum(1 for k in keys if k not in found))
        if progress is not None and len(found):
            progress(len(prompts) - len([k for k in keys if k not in found]))
        step = int(batch_size or self.batch_size)
        for start in range(0, len(missing), step):
            chunk = missing[start : start + step]
            values = compute([prompts[first[k]] for k in chunk])
            fresh = dict(zip(chunk, values, strict=True))
            self.cache.put_many(fresh)  # written batch by batch: an interrupted run keeps what it paid for
            found.update(fresh)
            self.count(computed=len(chunk))
            if progress is not None:
                progress(sum(1 for k in keys if k in fresh))
        return [found[k] for k in keys]

    def choice_probs(
        self,
        prompts: Sequence[Messages],
        choices: Sequence[str],
        *,
        tag: str,
        progress: Callable[[int], None] | None = None,
    ) -> np.ndarray:
        """``(len(prompts), len(choices))`` probabilities of the answer labels, rows summing to 1.

        ``tag`` names the prompt template and its version (part of the cache key)."""
        if not prompts:
            return np.zeros((0, len(choices)))

        def compute(batch: list[Messages]) -> list[dict[str, Any]]:
            out = []
            for logprobs, matched in self._choice_logprobs(batch, choices):
                if not matched:
                    self.count(unmatched=1)
                out.append({"logprobs": [float(v) for v in logprobs], "matched": matched})
            return out

        values = self._cached("choices", tag, prompts, list(choices), compute, progress)
        return softmax_rows(np.asarray([v["logprobs"] for v in values], dtype=np.float64))

    def generate(
        self,
        prompts: Sequence[Messages],
        *,
        max_tokens: int,
        tag: str,
        progress: Callable[[int], None] | None = None,
    ) -> list[str]:
        """Greedy replies (at most ``max_tokens`` tokens each), from the cache where present."""
        if not prompts:
            return []
        return self._cached(
            "generate", tag, prompts, {**GENERATION, "max_tokens": int(max_tokens)},
            lambda batch: list(self._generate(batch, max_tokens)), progress,
            self.generate_batch_size or self.batch_size,
        )  # fmt: skip

    def describe(self) -> dict[str, Any]:
        """What a run record says about the model (never a key or secret)."""
        return {"model": self.model_id, "vision": self.vision}


@dataclass(frozen=True)
class LLMSettings:
    """How a detector reaches its model: ``backend`` "local" (a folder, default SmolLM2-135M-Instruct) or
    "server" (``endpoint`` + ``model``; the key from the environment variable ``api_key_env``). ``vision``:
    the served model reads images (only a server; the local default is text-only)."""

    backend: str = "local"
    model: str = ""
    endpoint: str = ""
    api_key_env: str = "FINEFAKE_LLM_API_KEY"
    concurrency: int = 4
    batch_size: int = 8
    vision: bool = False
