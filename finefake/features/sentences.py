"""A small rule-based sentence splitter for the ``sentences`` model input (document-graph models).

The encoder input is ``title + "\\n" + body``, so the title is always the first sentence. Rules, in order:

* a line break ends a sentence (the title, and paragraphs or list lines of the body);
* ``.``, ``!`` or ``?`` (repeated, optionally followed by closing quotes or brackets) and whitespace end a
  sentence when the next character is not a lower-case letter, so "e.g. this" or "U.S. officials" mostly stay
  whole, while "... in the U.S. Officials said" is split (a known, accepted miss of a rule-based splitter).

Spans are character offsets into the original text with the surrounding whitespace removed, so they line up
with the tokenizer's offset mapping. No model or download is involved, which keeps the input deterministic.
"""

from __future__ import annotations

import re

#: Most sentences kept per item; the rest are dropped (the ``sentences`` input has S <= 16).
MAX_SENTENCES = 16

_CLOSERS = "\"'\u201d\u2019)\\]"
_BOUNDARY = re.compile(rf"[^\S\n]*\n\s*|(?:(?<=[.!?])|(?<=[.!?][{_CLOSERS}]))\s+(?![a-z])")


def sentence_spans(text: str, limit: int = MAX_SENTENCES) -> list[tuple[int, int]]:
    """``(start, end)`` character spans of the first ``limit`` non-empty sentences of ``text``."""
    spans: list[tuple[int, int]] = []
    start = 0
    for match in (*_BOUNDARY.finditer(text), None):
        end = match.start() if match else len(text)
        piece = text[start:end]
        stripped = piece.strip()
        if stripped:
            left = start + len(piece) - len(piece.lstrip())
            spans.append((left, left + len(stripped)))
            if len(spans) == limit:
                break
        if match:
            start = match.end()
    return spans
