"""A local server speaking the OpenAI chat-completions API (the shapes vLLM, llama.cpp's server and Ollama
return), with logprobs, errors and 429 + Retry-After, for the ``ServerClient`` tests and perf/llm_speed.py.

It answers deterministically from the prompt: the label probabilities favour "fake" when the last user
message contains the word "shocking", else "real"; a generation echoes the first words of the news. A
message's content may be a string or a list of content parts (``text`` and ``image_url``, as vision models
take them); an image part without a ``url`` is refused with 400, as the API does.
"""

from __future__ import annotations

import json
import math
import threading
import time
from typing import Any

from werkzeug.wrappers import Request, Response


def text_of(content: Any) -> str:
    """A message's text: the string, or its text parts joined."""
    if isinstance(content, str):
        return content
    return " ".join(p.get("text", "") for p in content if p.get("type") == "text")


def bad_parts(messages: list[dict[str, Any]]) -> bool:
    for m in messages:
        if isinstance(m["content"], list):
            for part in m["content"]:
                if part.get("type") == "image_url" and not (part.get("image_url") or {}).get("url"):
                    return True
    return False


def completion(messages: list[dict[str, Any]], max_tokens: int, logprobs: bool, model: str) -> dict[str, Any]:
    last = text_of(messages[-1]["content"])
    fake = "shocking" in last.lower()
    if logprobs:
        p = 0.9 if fake else 0.2
        top = [
            {"token": "fake", "logprob": math.log(p)},
            {"token": " Real", "logprob": math.log((1 - p) * 0.5)},
            {"token": "real", "logprob": math.log((1 - p) * 0.4)},
            {"token": "The", "logprob": math.log((1 - p) * 0.1)},
        ]
        first = max(top, key=lambda t: t["logprob"])
        content = first["token"]
        lp = {"content": [{**first, "top_logprobs": top}]}
    else:
        words = last.split("News:", 1)[-1].split()[: max(1, max_tokens // 2)]
        content = "This news seems fake. " if fake else "This news looks real. "
        content += " ".join(words)
        lp = None
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content},
                "logprobs": lp,
                "finish_reason": "length",
            }
        ],
        "usage": {
            "prompt_tokens": sum(len(text_of(m["content"]).split()) for m in messages),
            "completion_tokens": max_tokens,
            "total_tokens": 0,
        },
    }


class ChatHandler:
    """The request handler; ``script`` lists responses to give first (status, headers) before answering,
    ``latency`` delays every answer; ``seen`` records the requests (headers included, for the key test)."""

    def __init__(self, latency: float = 0.0):
        self.latency = latency
        self.script: list[tuple[int, dict[str, str]]] = []
        self.seen: list[dict[str, Any]] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        with self._lock:
            self.seen.append({"json": request.get_json(silent=True), "headers": dict(request.headers)})
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            scripted = self.script.pop(0) if self.script else None
        try:
            if self.latency:
                time.sleep(self.latency)
            if scripted is not None:
                status, headers = scripted
                body = {"error": {"message": f"scripted {status}", "type": "test"}}
                return Response(
                    json.dumps(body), status=status, headers=headers, content_type="application/json"
                )
            data = request.get_json()
            if not isinstance(data, dict) or "messages" not in data or bad_parts(data["messages"]):
                body = {
                    "error": {
                        "message": "messages is required, image parts need a url",
                        "type": "invalid_request_error",
                    }
                }
                return Response(json.dumps(body), status=400, content_type="application/json")
            out = completion(
                data["messages"], int(data.get("max_tokens") or 16), bool(data.get("logprobs")), data["model"]
            )
            return Response(json.dumps(out), content_type="application/json")
        finally:
            with self._lock:
                self.in_flight -= 1
