"""ARG's LLM rationales (Hu et al., "Bad Actor, Good Advisor", AAAI 2024): per item, the LLM analyses the news
from two perspectives -- textual description (``arg-td``) and commonsense (``arg-cs``) -- and states a
judgement. Generated once per item (greedy, cached by template version, model and text) and read here.

Cost on a CPU: the offline default reads at most ``RATIONALE_CHARS`` characters of the news and writes at
most the template's ``max_tokens`` (32) tokens per rationale; two rationales per item are the bulk of an ARG
run's time (prefill of the prompt and greedy decoding), so both caps are documented deviations in
:mod:`finefake.baselines.arg` (the paper's GPT-3.5 rationales are several sentences long).

The prompts never contain a label: a rationale depends on the item's text only, so rationales of training,
validation, test and target items are made the same way and no label can leak through them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

import numpy as np

from finefake.llm.client import LLMClient
from finefake.llm.prompts import load_template

PERSPECTIVES: tuple[str, ...] = ("td", "cs")
#: Characters of the news (title and body) a rationale prompt shows (part of the rationales' cache key).
RATIONALE_CHARS = 500
#: The LLM's judgement in a rationale, in FineFake's binary class order plus "other".
JUDGEMENTS: tuple[str, ...] = ("fake", "real", "other")
_WORD = re.compile(
    r"(\bnot\s+|n't\s+)?\b(fake|false|fabricated|real|true|genuine|authentic)\b", re.IGNORECASE
)
_FAKE = {"fake", "false", "fabricated"}


def judgement(text: str) -> int:
    """The judgement a rationale states: its LAST verdict word (conclusions come last), 0 fake, 1 real,
    2 other when it states none (the official code's "other" class). A negated verdict ("not real",
    "isn't fake") counts as the opposite one."""
    words = _WORD.findall(text or "")
    if not words:
        return 2
    negated, word = words[-1]
    fake = word.lower() in _FAKE
    return int(fake) if negated else int(not fake)


def generate_rationales(
    client: LLMClient,
    texts: Sequence[str],
    *,
    max_chars: int = RATIONALE_CHARS,
    progress: Callable[[int], None] | None = None,
) -> dict[str, list[str]]:
    """Per perspective, one rationale per text (from the response cache where present)."""
    from finefake.baselines.llm_prompt import cut

    out: dict[str, list[str]] = {}
    for perspective in PERSPECTIVES:
        template = load_template(f"arg-{perspective}")
        prompts = [template.render(cut(t, max_chars)) for t in texts]
        out[perspective] = client.generate(
            prompts, max_tokens=template.max_tokens, tag=template.tag, progress=progress
        )
    return out


def judgements(rationales: dict[str, list[str]]) -> np.ndarray:
    """``(n, 2)`` judgements (td, cs) of the rationales."""
    return np.stack([[judgement(t) for t in rationales[p]] for p in PERSPECTIVES], axis=1).astype(np.int64)
