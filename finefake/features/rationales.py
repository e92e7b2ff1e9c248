"""The ``rationales`` model input (ARG, ARG-D): the LLM's two rationales per item, encoded by the frozen text
encoder into token states, and the LLM's judgement in each.

Cached twice: the LLM's replies in the response cache (``finefake.llm.cache``; a rerun costs no model call)
and the encoded arrays under ``<workspace>/features/inputs/rationales-<key>`` (chunk by chunk, resumable),
keyed by the items' texts, the model, the templates' versions and the encoder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from finefake.features.cache import FeatureCache, cache_key
from finefake.features.chunks import fill_chunked

if TYPE_CHECKING:
    from finefake.features.config import FeatureConfig, FeatureInput
    from finefake.features.registry import Encoder

RATIONALE_CHUNK = 64


def rationale_inputs(
    cache: FeatureCache,
    encoder: Encoder,
    items: list[FeatureInput],
    text_print: str,
    config: FeatureConfig,
) -> tuple[dict[str, np.ndarray], str]:
    """The five ``rationales`` arrays (see ``finefake.baselines.base.INPUTS``) and their content key."""
    from finefake.errors import FinefakeError
    from finefake.llm.backends import get_client
    from finefake.llm.client import GENERATION, LLMSettings
    from finefake.llm.prompts import load_template
    from finefake.llm.rationales import PERSPECTIVES, RATIONALE_CHARS, generate_rationales, judgements

    if not hasattr(encoder, "encode_full"):
        raise FinefakeError(f"text encoder {encoder.name!r} gives no token states; ARG needs minilm or bert")
    settings = getattr(config, "llm", None) or LLMSettings()
    client = get_client(settings)
    # the template versions and each one's token cap, with the decoding settings: any change is a new key
    tags = [f"{t.tag}:{t.max_tokens}" for t in (load_template(f"arg-{p}") for p in PERSPECTIVES)]
    max_chars = RATIONALE_CHARS
    key = cache_key(
        text_print, client.model_id, *tags, encoder.name, encoder.version, f"tokens{config.max_tokens}",
        f"chars{max_chars}", *(f"{k}={v}" for k, v in sorted(GENERATION.items())),
    )  # fmt: skip
    folder = cache.root / "inputs" / f"rationales-{key}"

    def compute(start: int, stop: int) -> dict[str, np.ndarray]:
        rationales = generate_rationales(client, [i.text for i in items[start:stop]], max_chars=max_chars)
        arrays = {"rationale_judgement": judgements(rationales)}
        for perspective in PERSPECTIVES:
            out = encoder.encode_full(
                rationales[perspective], batch_size=config.batch_size, max_tokens=config.max_tokens
            )
            arrays[f"rationale_{perspective}_tokens"] = out.tokens.astype(np.float16)
            arrays[f"rationale_{perspective}_mask"] = out.token_mask.astype(bool)
        return arrays

    label = f"LLM rationales ({client.model_id})"
    return fill_chunked(folder, len(items), RATIONALE_CHUNK, compute, label), key
