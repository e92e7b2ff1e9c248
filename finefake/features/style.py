"""Style cues of a text: the writing-style view M3FEND (Zhu et al., 2022) reads beside semantics and emotion.

M3FEND's style features are hand-crafted counts (punctuation, casing, length, readability, sentiment); the
paper's exact list is for Chinese and English Weibo/Twitter text. We compute the same families for English
news text, each scaled to a comparable range (ratios in [0, 1], lengths as log counts):

``exclamation``, ``question``, ``quote`` (per character), ``upper_ratio`` (upper-case letters among
letters), ``all_caps_words`` (share of words of 2+ letters written in capitals), ``log_chars``,
``log_words``, ``mean_word_length``, ``mean_sentence_words``, ``flesch`` (Flesch reading ease / 100, with
a vowel-group syllable count), ``sentiment`` (positive minus negative emotion-lexicon share, from the
``finefake.stats.emotion`` lexicon).
"""

from __future__ import annotations

import math
import re

import numpy as np

from finefake.stats.emotion import LEXICON, tokens

STYLE_NAMES: tuple[str, ...] = (
    "exclamation",
    "question",
    "quote",
    "upper_ratio",
    "all_caps_words",
    "log_chars",
    "log_words",
    "mean_word_length",
    "mean_sentence_words",
    "flesch",
    "sentiment",
)
_WORDS = re.compile(r"[A-Za-z][A-Za-z'-]*")
_SENTENCES = re.compile(r"[.!?]+(?:\s|$)|\n+")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")
_POSITIVE = LEXICON["joy"] | LEXICON["trust"]
_NEGATIVE = LEXICON["anger"] | LEXICON["disgust"] | LEXICON["fear"] | LEXICON["sadness"]


def _syllables(word: str) -> int:
    groups = len(_VOWEL_GROUPS.findall(word.lower()))
    if word.lower().endswith("e") and groups > 1:
        groups -= 1
    return max(groups, 1)


def style_cues(text: str) -> np.ndarray:
    """The ``STYLE_NAMES`` cues of ``text`` as a float32 vector (zeros for an empty text)."""
    text = text or ""
    chars = max(len(text), 1)
    words = _WORDS.findall(text)
    letters = [c for c in text if c.isalpha()]
    sentences = max(len([s for s in _SENTENCES.split(text) if s.strip()]), 1)
    n_words = max(len(words), 1)
    syllables = sum(_syllables(w) for w in words)
    flesch = 206.835 - 1.015 * (len(words) / sentences) - 84.6 * (syllables / n_words) if words else 0.0
    lower = tokens(text)
    positive = sum(w in _POSITIVE for w in lower)
    negative = sum(w in _NEGATIVE for w in lower)
    values = [
        text.count("!") / chars,
        text.count("?") / chars,
        (text.count('"') + text.count("\u201c") + text.count("\u201d")) / chars,
        sum(c.isupper() for c in letters) / max(len(letters), 1),
        sum(len(w) > 1 and w.isupper() for w in words) / n_words,
        math.log1p(len(text)),
        math.log1p(len(words)),
        sum(map(len, words)) / n_words,
        len(words) / sentences,
        flesch / 100.0,
        (positive - negative) / max(len(lower), 1),
    ]
    return np.asarray(values, dtype=np.float32)
