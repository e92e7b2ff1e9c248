"""Reading a ClaimReview data feed as untrusted input: streamed, depth- and length-capped, one element at a time.

A Data Commons feed (``{"dataFeedElement": [{"item": [ClaimReview, ...]}, ...]}``) is a download from a third
party and can be any size. :func:`feed_elements` walks the low-level events of :mod:`ijson` (no path prefixes:
a prefix grows with the depth, which makes prefix-based readers quadratic in the nesting) and builds one
``dataFeedElement`` at a time, so memory stays flat in the number of elements. An element nested deeper than
``max_depth``, holding a string (or key) longer than ``max_chars``, or more than ``max_nodes`` values in all is
not built: the reader skips to its end and yields a :class:`~finefake.jsonstream.Rejected` naming why, and the caller counts it.

The feed's own shape is checked where it is read: a top level that is not an object, or a ``dataFeedElement``
that is not a list, is a :class:`~finefake.errors.FinefakeError` with one line, before anything is kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from finefake.errors import FinefakeError
from finefake.jsonstream import CappedStrings, build_value, json_error_text, kind_of, skip_value

#: Nesting levels inside one feed element (a real ClaimReview element is about 5 deep).
MAX_DEPTH = 32
#: Characters in one string or key (a real claim or rating text is at most a few thousand).
MAX_CHARS = 20_000
#: Values (strings, numbers, objects, arrays) in one feed element.
MAX_NODES = 50_000


class FeedShapeError(FinefakeError):
    """The feed as a whole is not a ClaimReview data feed (wrong top level, ``dataFeedElement`` not a list)."""


def feed_elements(
    stream: IO[bytes],
    name: str | Path,
    *,
    max_depth: int = MAX_DEPTH,
    max_chars: int = MAX_CHARS,
    max_nodes: int = MAX_NODES,
) -> Iterator[Any]:
    """Each ``dataFeedElement`` entry of a feed (a dict, another JSON value, or :class:`~finefake.jsonstream.Rejected`), streamed.

    Raises :class:`FeedShapeError` when the feed is not an object with a ``dataFeedElement`` list, and
    :class:`~finefake.errors.FinefakeError` when it is not valid JSON (the message is one line, naming
    ``name``).
    """
    import ijson

    events = ijson.basic_parse(CappedStrings(stream, max_chars), use_float=True)
    try:
        first = next(events, None)
        if first is None:
            raise FeedShapeError(f"ClaimReview feed {name} is empty")
        if first[0] != "start_map":
            raise FeedShapeError(
                f"ClaimReview feed {name}: the top level is {kind_of(first[0])}, not an object with a "
                "dataFeedElement list"
            )
        found = False
        for event, value in events:
            if event == "end_map":
                break
            if event != "map_key":
                continue
            start, start_value = next(events)
            if value != "dataFeedElement":
                skip_value(start, events)
                continue
            if start != "start_array":
                raise FeedShapeError(
                    f"ClaimReview feed {name}: dataFeedElement is {kind_of(start)}, not a list"
                )
            found = True
            for event, value in events:
                if event == "end_array":
                    break
                yield build_value(event, value, events, max_depth, max_chars, max_nodes)
        if not found:
            raise FeedShapeError(f"ClaimReview feed {name} has no dataFeedElement list")
    except (ijson.JSONError, ValueError) as exc:
        raise FinefakeError(f"ClaimReview feed {name} is not valid JSON: {json_error_text(exc)}") from exc


#: Fields of a schema.org ClaimReview read as text, and the JSON types each may have (None: absent or null).
_TEXT_FIELDS = ("claimReviewed", "url", "name", "headline", "inLanguage", "datePublished")


def review_type_error(review: Any) -> str | None:
    """Why a schema.org ClaimReview has a field of the wrong JSON type (``title: an object``), or None.

    Only the fields a record is made of are checked; a wrong type there would otherwise be kept as is (an
    object as a title) or turned into its Python text (an object as a claim).
    """
    if not isinstance(review, dict):
        return f"review: {_type(review)}"
    for key in _TEXT_FIELDS:
        if review.get(key) is not None and not isinstance(review[key], str):
            return f"{key}: {_type(review[key])}"
    rating = review.get("reviewRating")
    if rating is not None:
        if not isinstance(rating, dict):
            return f"reviewRating: {_type(rating)}"
        for key in ("alternateName", "name"):
            if rating.get(key) is not None and not isinstance(rating[key], str):
                return f"reviewRating.{key}: {_type(rating[key])}"
    problem = _author_error(review.get("author"), "author")
    if problem:
        return problem
    item = review.get("itemReviewed")
    if item is not None:
        if not isinstance(item, dict):
            return f"itemReviewed: {_type(item)}"
        if item.get("datePublished") is not None and not isinstance(item["datePublished"], str):
            return f"itemReviewed.datePublished: {_type(item['datePublished'])}"
        return _author_error(item.get("author"), "itemReviewed.author")
    return None


def _author_error(value: Any, where: str) -> str | None:
    author = value[0] if isinstance(value, list) and value else value
    if author is None or isinstance(author, str):
        return None
    if not isinstance(author, dict):
        return f"{where}: {_type(author)}"
    for key in ("name", "url"):
        if author.get(key) is not None and not isinstance(author[key], str):
            return f"{where}.{key}: {_type(author[key])}"
    return None


def _type(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    return {dict: "an object", list: "an array", str: "a string", type(None): "null"}.get(
        type(value), "a number"
    )
