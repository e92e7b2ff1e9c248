"""Emotion tendency of texts: an offline lexicon scorer, or a transformers emotion model from a local folder.

The paper (FineFake, section 4) compares the emotions of real and fake news per domain. The NRC lexicon cannot
ship with the package, so :data:`LEXICON` is our own small lexicon over Plutchik's eight basic emotions: common
English words (and a few inflections) chosen for how news and rumours express each emotion. It is coarse by
design: good enough to show a tendency (fake items lean to fear, anger and surprise), not to label one text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

EMOTIONS: tuple[str, ...] = (
    "anger",
    "anticipation",
    "disgust",
    "fear",
    "joy",
    "sadness",
    "surprise",
    "trust",
)

LEXICON: dict[str, frozenset[str]] = {
    "anger": frozenset(
        {
            "angry",
            "anger",
            "outrage",
            "outraged",
            "furious",
            "rage",
            "hate",
            "hatred",
            "attack",
            "attacked",
            "riot",
            "violence",
            "violent",
            "fight",
            "fury",
            "betrayal",
            "treason",
            "rigged",
            "scandal",
            "protest",
            "hostile",
            "revenge",
            "assault",
            "meltdown",
            "blame",
        }
    ),
    "anticipation": frozenset(
        {
            "expect",
            "expected",
            "plan",
            "plans",
            "planned",
            "soon",
            "upcoming",
            "will",
            "future",
            "prepare",
            "await",
            "awaited",
            "campaign",
            "election",
            "vote",
            "poll",
            "forecast",
            "launch",
            "premiere",
            "tour",
            "trial",
            "candidate",
            "schedule",
        }
    ),
    "disgust": frozenset(
        {
            "disgusting",
            "disgust",
            "gross",
            "toxic",
            "poison",
            "poisoned",
            "filthy",
            "corrupt",
            "corruption",
            "fraud",
            "scam",
            "vile",
            "rotten",
            "contaminated",
            "sick",
            "nasty",
            "abuse",
            "cheat",
            "cheating",
        }
    ),
    "fear": frozenset(
        {
            "fear",
            "afraid",
            "scared",
            "panic",
            "threat",
            "threats",
            "danger",
            "dangerous",
            "risk",
            "deadly",
            "virus",
            "outbreak",
            "disease",
            "infection",
            "war",
            "explosion",
            "crisis",
            "terror",
            "terrorist",
            "shooting",
            "warned",
            "warning",
            "invasion",
            "massacre",
            "collapse",
            "emergency",
            "victims",
        }
    ),
    "joy": frozenset(
        {
            "happy",
            "joy",
            "celebrate",
            "celebrated",
            "celebration",
            "win",
            "won",
            "winner",
            "award",
            "love",
            "fans",
            "festival",
            "concert",
            "success",
            "successful",
            "cure",
            "miracle",
            "delight",
            "proud",
            "hope",
            "comedy",
            "party",
        }
    ),
    "sadness": frozenset(
        {
            "sad",
            "grief",
            "mourn",
            "mourning",
            "loss",
            "lost",
            "died",
            "death",
            "dead",
            "tragedy",
            "tragic",
            "victim",
            "victims",
            "suffering",
            "pain",
            "lonely",
            "cancer",
            "funeral",
            "despair",
            "hospital",
        }
    ),
    "surprise": frozenset(
        {
            "shocking",
            "shock",
            "shocked",
            "unbelievable",
            "unexpected",
            "surprise",
            "surprising",
            "sudden",
            "suddenly",
            "secret",
            "exposed",
            "revealed",
            "leaked",
            "bizarre",
            "incredible",
            "stunning",
            "hoax",
            "banned",
            "truth",
        }
    ),
    "trust": frozenset(
        {
            "according",
            "officials",
            "official",
            "confirmed",
            "statement",
            "spokesperson",
            "data",
            "records",
            "published",
            "agency",
            "documents",
            "study",
            "doctors",
            "experts",
            "report",
            "reported",
            "evidence",
            "verified",
            "court",
            "science",
            "teachers",
        }
    ),
}
_WORD = re.compile(r"[a-z][a-z'-]*")


def tokens(text: str) -> list[str]:
    """Lower-cased word tokens (letters, apostrophes and hyphens)."""
    return _WORD.findall((text or "").lower())


def lexicon_scores(text: str) -> dict[str, float]:
    """Per emotion, the share of the text's tokens that the lexicon lists for it (0 for an empty text)."""
    words = tokens(text)
    if not words:
        return dict.fromkeys(EMOTIONS, 0.0)
    return {e: sum(w in LEXICON[e] for w in words) / len(words) for e in EMOTIONS}


class TransformersEmotionScorer:
    """A text-classification emotion model loaded from a local folder (no download): mean class probabilities.

    Args:
        model_dir: a folder holding a Hugging Face sequence-classification model and its tokenizer.
        batch_size: texts per forward pass.
    """

    def __init__(self, model_dir: str | Path, *, batch_size: int = 16, max_length: int = 256):
        path = Path(model_dir)
        if not (path / "config.json").is_file():
            from finefake.errors import FinefakeError

            raise FinefakeError(f"{path} is not a local transformers model folder (no config.json)")
        from transformers import AutoModelForSequenceClassification, AutoTokenizer

        self.tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
        self.model = AutoModelForSequenceClassification.from_pretrained(
            str(path), local_files_only=True
        ).eval()
        self.labels = [self.model.config.id2label[i].lower() for i in range(self.model.config.num_labels)]
        self.batch_size, self.max_length = batch_size, max_length

    def scores(self, texts: Iterable[str]) -> list[dict[str, float]]:
        import torch

        texts = list(texts)
        out: list[dict[str, float]] = []
        with torch.inference_mode():
            for start in range(0, len(texts), self.batch_size):
                batch = self.tokenizer(
                    texts[start : start + self.batch_size],
                    truncation=True,
                    padding=True,
                    max_length=self.max_length,
                    return_tensors="pt",
                )
                probs = self.model(**batch).logits.softmax(-1).tolist()
                out += [dict(zip(self.labels, row, strict=True)) for row in probs]
        return out
