"""What ``finefake clean`` can be told (the ``clean:`` section of the config file), checked once.

Its own module so that the filters, the stage driver and both engines can share it without importing each
other.
"""

from __future__ import annotations

from dataclasses import dataclass

from finefake.contract import normalize_topic
from finefake.errors import FinefakeError


@dataclass
class CleanConfig:
    """Everything ``finefake clean`` can be told."""

    stages: tuple[str, ...] = ()
    language: str = "en"
    min_chars: int = 40
    min_image_side: int = 32
    placeholder_std: float = 4.0
    ngram: int = 3
    num_perm: int = 64
    text_threshold: float = 0.6
    max_words: int = 400
    image_distance: int = 4
    image_text_threshold: float = 0.3
    image_duplicates: bool = True
    max_image_candidates: int = 256
    near_duplicates: str = "drop"
    default_topic: str | None = None
    require_image: bool = True


def check_config(config: CleanConfig) -> None:
    if config.near_duplicates not in ("drop", "keep"):
        raise FinefakeError("near_duplicates must be 'drop' or 'keep'")
    if config.default_topic is not None:
        normalize_topic(config.default_topic)
