"""An OpenAI-compatible chat-completions server as the LLM: vLLM, llama.cpp's server, Ollama, TGI, hosted APIs.

``POST {endpoint}/chat/completions`` with ``temperature`` 0; label probabilities come from the first reply
token's ``top_logprobs`` (``max_tokens`` 1, ``logprobs`` true), generations from ``message.content``.
Polite and bounded:

* at most ``concurrency`` requests in flight (a thread pool; the results keep the prompts' order);
* retries on 429, 5xx and connection errors with capped exponential backoff; a ``Retry-After`` header
  (seconds or an HTTP date) is honoured but never waited beyond ``max_wait`` seconds; every request has a
  timeout, and a reply larger than ``max_bytes`` is refused;
* the key is read from the environment variable ``api_key_env`` (default ``FINEFAKE_LLM_API_KEY``; optional,
  local servers need none), sent only in the ``Authorization`` header, and never logged or put in an
  error message.
"""

from __future__ import annotations

import email.utils
import json
import logging
import os
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import requests

from finefake.errors import FinefakeError
from finefake.llm.cache import ResponseCache
from finefake.llm.client import LLMClient, Messages, choice_logprobs

log = logging.getLogger(__name__)
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
TOP_LOGPROBS = 20


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Seconds asked by a ``Retry-After`` header (delta-seconds or an HTTP date); None when absent/bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class ServerClient(LLMClient):
    """The chat-completions API at ``endpoint`` (e.g. ``http://localhost:8000/v1``) serving ``model``."""

    def __init__(
        self,
        endpoint: str,
        model: str,
        *,
        api_key_env: str = "FINEFAKE_LLM_API_KEY",
        concurrency: int = 4,
        timeout: float = 120.0,
        max_retries: int = 5,
        backoff: float = 1.0,
        max_wait: float = 60.0,
        max_bytes: int = 4 * 2**20,
        cache: ResponseCache | None = None,
        vision: bool = False,
    ):
        super().__init__(cache)
        if not endpoint.startswith(("http://", "https://")):
            raise FinefakeError(f"--llm-endpoint must be an http(s) URL, got {endpoint!r}")
        self.endpoint = endpoint.rstrip("/")
        self.model = model
        self.model_id = f"server:{model}"
        self.vision = bool(vision)  # the user declares a vision model; prompts may then carry images
        self.api_key_env = api_key_env
        self.concurrency = max(1, int(concurrency))
        self.batch_size = 4 * self.concurrency
        self.timeout, self.max_retries = float(timeout), int(max_retries)
        self.backoff, self.max_wait, self.max_bytes = float(backoff), float(max_wait), int(max_bytes)
        self._session = requests.Session()
        self.sleep = time.sleep  # tests replace it to check the waits without waiting

    def _headers(self) -> dict[str, str]:
        headers = {"Content-Type": "application/json"}
        key = os.environ.get(self.api_key_env)
        if key:
            headers["Authorization"] = f"Bearer {key}"
        return headers

    def _read(self, response: requests.Response) -> dict[str, Any]:
        body = bytearray()
        for chunk in response.iter_content(65536):
            body += chunk
            if len(body) > self.max_bytes:
                raise FinefakeError(f"{self.endpoint}: a reply exceeded {self.max_bytes} bytes; refused")
        try:
            data = json.loads(body.decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise FinefakeError(f"{self.endpoint}: the reply is not JSON ({exc})") from None
        if not isinstance(data, dict):
            raise FinefakeError(f"{self.endpoint}: the reply is not a JSON object")
        return data

    def post(self, payload: dict[str, Any]) -> dict[str, Any]:
        """One chat completion, retried on 429 / 5xx / connection errors with capped waits."""
        url = f"{self.endpoint}/chat/completions"
        for attempt in range(self.max_retries + 1):
            wait = min(self.backoff * 2**attempt, self.max_wait)
            try:
                response = self._session.post(
                    url, json=payload, headers=self._headers(), timeout=self.timeout, stream=True
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                reason = type(exc).__name__
            else:
                with response:
                    if response.status_code == 200:
                        return self._read(response)
                    reason = f"HTTP {response.status_code}"
                    if response.status_code not in RETRY_STATUS:
                        raise FinefakeError(f"{url} answered {reason}: {_error_message(response)}")
                    asked = retry_after_seconds(response.headers.get("Retry-After"))
                    if asked is not None:
                        wait = min(asked, self.max_wait)
            if attempt == self.max_retries:
                break
            self.count(retries=1)
            log.info("%s: %s, retry %d in %.1f s", url, reason, attempt + 1, wait)
            self.sleep(wait)
        raise FinefakeError(f"{url} failed after {self.max_retries + 1} attempts ({reason})")

    def _request(self, messages: Messages, max_tokens: int, logprobs: bool) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.model,
            "messages": messages,
            "max_tokens": int(max_tokens),
            "temperature": 0,
        }
        if logprobs:
            payload.update(logprobs=True, top_logprobs=TOP_LOGPROBS)
        data = self.post(payload)
        usage = data.get("usage") or {}
        self.count(
            calls=1,
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
        )
        choices = data.get("choices")
        if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
            raise FinefakeError(f"{self.endpoint}: the reply has no choices")
        return choices[0]

    def _map(self, fn, prompts: list[Messages]) -> list[Any]:
        if self.concurrency == 1 or len(prompts) == 1:
            return [fn(p) for p in prompts]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(prompts))) as pool:
            return list(pool.map(fn, prompts))

    def _choice_logprobs(
        self, prompts: list[Messages], choices: Sequence[str]
    ) -> list[tuple[np.ndarray, bool]]:
        def one(messages: Messages) -> tuple[np.ndarray, bool]:
            choice = self._request(messages, 1, logprobs=True)
            content = ((choice.get("logprobs") or {}).get("content")) or []
            if not content or not isinstance(content[0], dict):
                raise FinefakeError(
                    f"{self.endpoint} ({self.model}) returned no logprobs; llm-zero/llm-few need a server that "
                    "returns top_logprobs (vLLM, llama.cpp server, Ollama >= 0.12)"
                )
            first = content[0]
            candidates: dict[str, float] = {}
            for entry in [*(first.get("top_logprobs") or []), first]:  # each raw token counted once
                token, value = entry.get("token"), entry.get("logprob")
                if isinstance(token, str) and isinstance(value, (int, float)):
                    candidates.setdefault(token, float(value))
            return choice_logprobs(candidates, choices)

        return self._map(one, prompts)

    def _generate(self, prompts: list[Messages], max_tokens: int) -> list[str]:
        def one(messages: Messages) -> str:
            message = self._request(messages, max_tokens, logprobs=False).get("message") or {}
            content = message.get("content")
            return content.strip() if isinstance(content, str) else ""

        return self._map(one, prompts)


def _error_message(response: requests.Response) -> str:
    """The server's error message (OpenAI shape ``{"error": {"message": ...}}``), at most 300 characters."""
    try:
        body = response.raw.read(65536, decode_content=True)
        data = json.loads(body)
        message = data.get("error", {}).get("message") if isinstance(data, dict) else None
        text = str(message if message else data)
    except (ValueError, AttributeError, OSError):
        text = "no readable error message"
    return text[:300]
