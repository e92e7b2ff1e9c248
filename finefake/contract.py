"""The label encodings and domain vocabularies of the data contract.

Encodings follow the official FineFake release so that its files load unchanged (DESIGN.md section 4). The
Snopes category -> topic and rating -> label tables are data (``finefake/data/*.yaml``), not code, so that
researchers can extend them without touching the package.
"""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

import yaml

#: Binary label names, index = encoded value (0 = fake, 1 = real).
LABEL_NAMES: tuple[str, ...] = ("fake", "real")
#: Fine-grained class names, index = encoded value.
FINE_GRAINED_NAMES: tuple[str, ...] = (
    "real",
    "text-image inconsistency",
    "content-knowledge inconsistency",
    "text-based fake",
    "image-based fake",
    "others",
)
TOPICS: tuple[str, ...] = ("politics", "entertainment", "business", "health", "society", "conflict")
PLATFORMS: tuple[str, ...] = (
    "snopes",
    "twitter",
    "reddit",
    "cnn",
    "apnews",
    "cdc",
    "nytimes",
    "washingtonpost",
)
PLATFORM_GROUPS: tuple[str, ...] = ("fact_check", "stream", "official")
PLATFORM_GROUP: dict[str, str] = {
    "snopes": "fact_check",
    "twitter": "stream",
    "reddit": "stream",
    "cnn": "official",
    "apnews": "official",
    "cdc": "official",
    "nytimes": "official",
    "washingtonpost": "official",
}
#: Platforms FineFake's own crawls add after the release's eight, declared in FineFake's dataset spec
#: (``finefake/data/datasets/finefake.yaml``, ``appended_platforms``) as imported datasets declare theirs. They
#: are appended, never interleaved: the eight keep the ClassLabel ids of the official release (snopes = 0 ...
#: washingtonpost = 7), so its files load unchanged, and a new platform only adds ids after them. Each
#: ClaimReview publisher with a parser of its own gets a name (politifact, afp, fullfact); every other
#: publisher's fact-check is ``factcheck`` (its site is kept in the item's metadata): a ClassLabel cannot grow
#: with every site a feed happens to name, or the same dataset would encode differently after each crawl.
APPENDED_PLATFORMS: tuple[str, ...] = ()
#: Platform -> group for the eight and the appended ones (``PLATFORM_GROUP`` stays the release's eight).
ALL_PLATFORM_GROUP: dict[str, str] = dict(PLATFORM_GROUP)
#: Spellings found in the official release and in the wild, mapped to the canonical platform name.
PLATFORM_ALIASES: dict[str, str] = {
    "washingtonpos": "washingtonpost",
    "washington post": "washingtonpost",
    "wapo": "washingtonpost",
    "ap": "apnews",
    "ap news": "apnews",
    "new york times": "nytimes",
    "nyt": "nytimes",
    "x": "twitter",
}


def normalize_platform(name: str) -> str:
    """Return the canonical platform name for ``name`` (case-insensitive, release spellings accepted).

    The release's eight only (release files are read through it); appended platforms are FineFake's crawls'.

    Raises:
        ValueError: if the name is not one of the eight platforms or a known alias.
    """
    key = str(name).strip().lower()
    key = PLATFORM_ALIASES.get(key, key)
    if key not in PLATFORM_GROUP:
        raise ValueError(f"unknown platform {name!r}; expected one of {', '.join(PLATFORMS)}")
    return key


def platform_group(platform: str) -> str:
    """The platform group (fact_check, stream, official) of a platform name (appended ones too) or alias."""
    key = str(platform).strip().lower()
    return ALL_PLATFORM_GROUP.get(key) or PLATFORM_GROUP[normalize_platform(platform)]


def normalize_topic(name: str) -> str:
    """Return the canonical topic name (case-insensitive); raise ValueError for an unknown one."""
    key = str(name).strip().lower()
    if key not in TOPICS:
        raise ValueError(f"unknown topic {name!r}; expected one of {', '.join(TOPICS)}")
    return key


@cache
def _table(name: str) -> dict[str, Any]:
    with resources.files("finefake.data").joinpath(name).open("r", encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _norm_key(text: str) -> str:
    return " ".join(str(text).lower().replace("’", "'").replace("&amp;", "&").split())


@cache
def _category_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for topic, categories in _table("snopes_categories.yaml")["topics"].items():
        for category in categories:
            index[_norm_key(category)] = normalize_topic(topic)
    return index


def topic_for_categories(categories: list[str]) -> str | None:
    """Map Snopes categories to a topic with the paper's Table 2 (first category that maps wins)."""
    index = _category_index()
    for category in categories:
        topic = index.get(_norm_key(category))
        if topic is not None:
            return topic
    return None


def rating_verdict(rating: str | None) -> str | None:
    """What the ratings table says of a rating: "fake", "real", "excluded", "unmapped", or None when empty."""
    if not rating or not str(rating).strip():
        return None
    return _rating_index().get(_norm_key(rating), "unmapped")


@cache
def _rating_index() -> dict[str, str]:
    """Normalised rating -> verdict, built once (the first label naming a rating wins, then "excluded")."""
    table = _table("snopes_ratings.yaml")
    index: dict[str, str] = {}
    for rating in table.get("excluded") or []:
        index[_norm_key(rating)] = "excluded"
    for label_name, ratings in reversed(list(table["labels"].items())):
        for rating in ratings:
            index[_norm_key(rating)] = label_name
    return index


def label_for_rating(rating: str | None) -> int | None:
    """Map a Snopes rating ("False", "Mostly True", ...) to the binary label, or None when it has no verdict."""
    if not rating:
        return None
    table = _table("snopes_ratings.yaml")
    key = _norm_key(rating)
    for label_name, ratings in table["labels"].items():
        if key in {_norm_key(r) for r in ratings}:
            return LABEL_NAMES.index(label_name)
    return None


def _appended_platforms() -> dict[str, str]:
    """``appended_platforms`` of FineFake's dataset spec (name -> group), checked against the contract."""
    with (
        resources.files("finefake.data")
        .joinpath("datasets", "finefake.yaml")
        .open("r", encoding="utf-8") as fh
    ):
        declared = (yaml.safe_load(fh) or {}).get("appended_platforms") or {}
    for name, group in declared.items():
        if name in PLATFORM_GROUP or group not in PLATFORM_GROUPS or name != str(name).strip().lower():
            raise ValueError(
                f"finefake.yaml: appended platform {name!r} ({group!r}) breaks the data contract"
            )
    return {str(k): str(v) for k, v in declared.items()}


ALL_PLATFORM_GROUP.update(_appended_platforms())
APPENDED_PLATFORMS = tuple(p for p in ALL_PLATFORM_GROUP if p not in PLATFORM_GROUP)
#: The platform ClassLabel's names: the release's eight (ids 0-7, unchanged), then the appended ones.
ALL_PLATFORMS: tuple[str, ...] = PLATFORMS + APPENDED_PLATFORMS
