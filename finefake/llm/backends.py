"""One client per model setting: the local model or an OpenAI-compatible server, built once per process.

Kept apart from :mod:`finefake.llm.client` (the interface both backends implement) so that the backends import
the interface and only this module imports the backends.
"""

from __future__ import annotations

import threading

from finefake.errors import FinefakeError
from finefake.llm.client import LLMClient, LLMSettings

_CLIENTS: dict[LLMSettings, LLMClient] = {}
TEXT_ONLY = (
    "the local LLM backend (default SmolLM2-135M-Instruct) is text-only: --llm-vision needs --llm-endpoint "
    "and --llm-model of a vision model behind an OpenAI-compatible server"
)
_CLIENTS_LOCK = threading.Lock()


def get_client(settings: LLMSettings) -> LLMClient:
    """The client for ``settings``, built once per process (a local model is loaded once, not per run)."""
    with _CLIENTS_LOCK:
        client = _CLIENTS.get(settings)
        if client is None:
            if settings.backend == "local":
                from finefake.llm.local import LocalClient

                if settings.vision:
                    raise FinefakeError(TEXT_ONLY)
                client = LocalClient(settings.model or None, batch_size=settings.batch_size)
            elif settings.backend == "server":
                from finefake.llm.server import ServerClient

                if not settings.endpoint or not settings.model:
                    raise FinefakeError("the server backend needs --llm-endpoint URL and --llm-model NAME")
                client = ServerClient(
                    settings.endpoint,
                    settings.model,
                    api_key_env=settings.api_key_env,
                    concurrency=settings.concurrency,
                    vision=settings.vision,
                )
            else:
                raise FinefakeError(f"unknown LLM backend {settings.backend!r}; use local or server")
            _CLIENTS[settings] = client
        return client
