"""Free-text fact-check ratings -> the rating table's verdicts (the rule every fact-check crawler labels with).

A ClaimReview's ``alternateName`` and a fact-check page's rating are free text ("False.", "This is misleading:
...", "<b>Mostly false</b>"); the YAML table is tried with the whole text first, then with its verdict phrase.
"""

from __future__ import annotations

import re

from finefake.contract import rating_verdict

_TAG = re.compile(r"<[^>]*>?")
_LEAD = re.compile(
    r"^(?:rating\s*:\s*|verdict\s*:\s*|(?:this|that|it)(?:'s|\s+is|\s+was)\s+|"
    r"(?:the |this |user'?s'? )?claim (?:is|was)\s+)",
    re.I,
)


def normalise_rating(text: str | None) -> str:
    """The verdict phrase of a free-text rating: tags dropped, first sentence, lead-in ("This is") removed."""
    plain = " ".join(_TAG.sub(" ", text or "").split())
    first = re.split(r"(?<=[a-z0-9\)])[.!;:](?:\s|$)| - | \u2013 ", plain, maxsplit=1, flags=re.I)[0]
    return _LEAD.sub("", first).strip(" .\"'“”") or plain


def verdict_of(rating: str | None) -> tuple[str | None, str | None]:
    """(table verdict, the phrase it was found under) for a free-text rating; the full text is tried first."""
    if not rating or not rating.strip():
        return None, None
    full = rating_verdict(rating)
    if full != "unmapped":
        return full, rating.strip()
    phrase = normalise_rating(rating)
    return rating_verdict(phrase), phrase
