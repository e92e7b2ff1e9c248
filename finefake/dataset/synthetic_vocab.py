"""The tables the synthetic generator draws from: platform and topic mixes, each topic's words, colours,
categories and ratings, the label cues and the annotators' names.

These are data, not logic: the planted signals of :mod:`finefake.dataset.synthetic` are made of them, and the
demo's mini-web writes its pages with the same words so its benchmark has the same signal. They are apart so
that the generator can be read without scrolling through its vocabulary.
"""

from __future__ import annotations

#: Share of items per platform (roughly the paper's platform mix) and P(real) per platform group.
PLATFORM_WEIGHTS: dict[str, float] = {
    "snopes": 0.22,
    "twitter": 0.16,
    "reddit": 0.16,
    "cnn": 0.10,
    "apnews": 0.10,
    "cdc": 0.06,
    "nytimes": 0.10,
    "washingtonpost": 0.10,
}


P_REAL_BY_GROUP: dict[str, float] = {"fact_check": 0.25, "stream": 0.45, "official": 0.80}


#: Fine-grained class shares among fake items (classes 1..5).
FAKE_CLASS_WEIGHTS: tuple[float, ...] = (0.18, 0.18, 0.30, 0.18, 0.16)


TOPIC_WEIGHTS: dict[str, float] = {
    "politics": 0.30,
    "entertainment": 0.14,
    "business": 0.12,
    "health": 0.16,
    "society": 0.16,
    "conflict": 0.12,
}


TOPIC_WORDS: dict[str, tuple[str, ...]] = {
    "politics": (
        "election",
        "senate",
        "vote",
        "campaign",
        "policy",
        "governor",
        "ballot",
        "congress",
        "bill",
        "candidate",
        "debate",
        "administration",
        "lawmakers",
        "poll",
        "veto",
        "party",
    ),
    "entertainment": (
        "movie",
        "concert",
        "celebrity",
        "album",
        "festival",
        "actor",
        "premiere",
        "show",
        "fans",
        "award",
        "singer",
        "series",
        "stage",
        "tour",
        "studio",
        "comedy",
    ),
    "business": (
        "market",
        "company",
        "shares",
        "profit",
        "lawsuit",
        "recall",
        "investors",
        "merger",
        "brand",
        "retail",
        "earnings",
        "contract",
        "startup",
        "fraud",
        "consumers",
        "prices",
    ),
    "health": (
        "vaccine",
        "virus",
        "hospital",
        "doctors",
        "patients",
        "study",
        "disease",
        "treatment",
        "clinic",
        "infection",
        "symptoms",
        "dose",
        "trial",
        "nurses",
        "outbreak",
        "medicine",
    ),
    "society": (
        "school",
        "students",
        "climate",
        "technology",
        "community",
        "history",
        "science",
        "family",
        "internet",
        "environment",
        "teachers",
        "weather",
        "language",
        "city",
        "food",
        "college",
    ),
    "conflict": (
        "attack",
        "police",
        "crime",
        "soldiers",
        "war",
        "shooting",
        "arrest",
        "border",
        "protest",
        "violence",
        "troops",
        "suspect",
        "explosion",
        "military",
        "riot",
        "victims",
    ),
}


COMMON_WORDS: tuple[str, ...] = (
    "the",
    "a",
    "in",
    "on",
    "of",
    "and",
    "to",
    "with",
    "after",
    "before",
    "this",
    "that",
    "was",
    "is",
    "reported",
    "said",
    "new",
    "people",
    "week",
    "year",
)


REAL_CUES: tuple[str, ...] = (
    "according",
    "officials",
    "confirmed",
    "statement",
    "spokesperson",
    "data",
    "records",
    "published",
    "agency",
    "documents",
)


FAKE_CUES_SHARED: tuple[str, ...] = (
    "shocking",
    "secret",
    "exposed",
    "miracle",
    "hoax",
    "banned",
    "truth",
    "unbelievable",
)


FAKE_CUES_TOPIC: dict[str, tuple[str, ...]] = {
    "politics": ("rigged", "deep-state", "treason", "coverup"),
    "entertainment": ("scandal", "leaked", "meltdown", "cursed"),
    "business": ("scam", "collapse", "giveaway", "rigged-market"),
    "health": ("cure", "toxic", "poison", "big-pharma"),
    "society": ("chemtrails", "mind-control", "banned-book", "staged"),
    "conflict": ("false-flag", "crisis-actors", "massacre-hidden", "invasion-secret"),
}


TOPIC_RGB: dict[str, tuple[int, int, int]] = {
    "politics": (40, 60, 170),
    "entertainment": (200, 60, 180),
    "business": (40, 150, 70),
    "health": (230, 230, 240),
    "society": (220, 170, 40),
    "conflict": (110, 90, 60),
}


#: The colour of text-image-inconsistent images: far from every topic colour, so the cue is topic-neutral.
MISMATCH_RGB: tuple[int, int, int] = (0, 225, 225)


#: Per-item spread of an image's base colour around its topic colour, and the brightness gradient's amplitude.
TOPIC_JITTER: float = 45.0


#: Share of an item's topical words, of its image colours and of its plain entities taken from another topic.
#: Topics overlap (every topic's vocabulary, colours and entities also occur, less often, in the others), so
#: a model trained on some topics has seen the directions the others vary in: the distributions still differ
#: (covariate shift), but the real encoders' features of a target topic fall where the source has data and a
#: source-only model transfers (issue 28: with disjoint topics, source-only logistic regression on MiniLM /
#: EfficientNet / TransE features beat the target's majority rate in 6 of 18 adaptation settings).
TOPIC_OVERLAP: float = 0.3


GRADIENT: float = 30.0


CATEGORY_FOR_TOPIC: dict[str, tuple[str, ...]] = {
    "politics": ("Politics", "Conspiracy Theories", "Questionable Quotes"),
    "entertainment": ("Humor", "Sports", "Social Media"),
    "business": ("Fraud & Scams", "Product Recalls", "Legal"),
    "health": ("Health", "Medical"),
    "society": ("Technology", "Science", "Education", "Fauxtography"),
    "conflict": ("Crime", "Controversy", "Horrors"),
}


RATING_FOR_LABEL: dict[int, tuple[str, ...]] = {
    0: ("False", "Mostly False", "Miscaptioned"),
    1: ("True", "Mostly True"),
}


ANNOTATORS: tuple[str, ...] = ("annotator_1", "annotator_2", "annotator_3", "annotator_4", "annotator_5")
