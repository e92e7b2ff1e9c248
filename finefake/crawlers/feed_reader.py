"""Reading a ClaimReview data feed as untrusted input: streamed, depth- and length-capped, one element at a time.

A Data Commons feed (``{"dataFeedElement": [{"item": [ClaimReview, ...]}, ...]}``) is a download from a third
party and can be any size. :func:`feed_elements` walks the low-level events of :mod:`ijson` (no path prefixes:
a prefix grows with the depth, which makes prefix-based readers quadratic in the nesting) and builds one
``dataFeedElement`` at a time, so memory stays flat in the number of elements. An element nested deeper than
``max_depth``, holding a string (or key) longer than ``max_chars``, or more than ``max_nodes`` values in all is
not built: the reader skips to its end and yields a :class:`Rejected` naming why, and the caller counts it.

The feed's own shape is checked where it is read: a top level that is not an object, or a ``dataFeedElement``
that is not a list, is a :class:`~finefake.errors.FinefakeError` with one line, before anything is kept.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from finefake.errors import FinefakeError

#: Nesting levels inside one feed element (a real ClaimReview element is about 5 deep).
MAX_DEPTH = 32
#: Characters in one string or key (a real claim or rating text is at most a few thousand).
MAX_CHARS = 20_000
#: Values (strings, numbers, objects, arrays) in one feed element.
MAX_NODES = 50_000

_SCALARS = frozenset({"null", "boolean", "integer", "double", "number", "string"})
_KINDS = {"start_map": "an object", "start_array": "an array", "string": "a string", "null": "null"}


@dataclass(frozen=True)
class Rejected:
    """A feed element that was not built, and why (``too_deep``, ``string_too_long``, ``too_many_values``)."""

    reason: str


class FeedShapeError(FinefakeError):
    """The feed as a whole is not a ClaimReview data feed (wrong top level, ``dataFeedElement`` not a list)."""


def _kind(event: str) -> str:
    return _KINDS.get(event, "a number" if event in ("integer", "double", "number") else "a boolean")


def _skip(first: str, events: Iterator[tuple[str, Any]]) -> None:
    """Consume the rest of a value that started with ``first``, building nothing."""
    if first not in ("start_map", "start_array"):
        return
    depth = 1
    for event, _ in events:
        if event in ("start_map", "start_array"):
            depth += 1
        elif event in ("end_map", "end_array"):
            depth -= 1
            if depth == 0:
                return


def _build(
    first: str, value: Any, events: Iterator[tuple[str, Any]], max_depth: int, max_chars: int, max_nodes: int
) -> Any:
    """The value that starts with event ``first``, or a :class:`Rejected` (the value is consumed either way)."""
    if first in _SCALARS:
        if first == "string" and len(value) > max_chars:
            return Rejected("string_too_long")
        return value
    root: Any = {} if first == "start_map" else []
    stack: list[Any] = [root]
    keys: list[str | None] = [None]
    nodes = 1
    for event, value in events:
        top = stack[-1]
        if event == "map_key":
            if len(value) > max_chars:
                _skip_rest(len(stack), events)
                return Rejected("string_too_long")
            keys[-1] = value
            continue
        if event in ("end_map", "end_array"):
            stack.pop()
            keys.pop()
            if not stack:
                return root
            continue
        nodes += 1
        if nodes > max_nodes:
            _skip_rest(len(stack) + (event in ("start_map", "start_array")), events)
            return Rejected("too_many_values")
        if event in ("start_map", "start_array"):
            if len(stack) >= max_depth:
                _skip_rest(len(stack) + 1, events)
                return Rejected("too_deep")
            child: Any = {} if event == "start_map" else []
            if isinstance(top, dict):
                top[keys[-1]] = child
            else:
                top.append(child)
            stack.append(child)
            keys.append(None)
            continue
        if event == "string" and len(value) > max_chars:
            _skip_rest(len(stack), events)
            return Rejected("string_too_long")
        if isinstance(top, dict):
            top[keys[-1]] = value
        else:
            top.append(value)
    raise FinefakeError("the feed ends inside an element")


def _skip_rest(depth: int, events: Iterator[tuple[str, Any]]) -> None:
    """Consume events until ``depth`` open containers are closed."""
    for event, _ in events:
        if event in ("start_map", "start_array"):
            depth += 1
        elif event in ("end_map", "end_array"):
            depth -= 1
            if depth == 0:
                return


def feed_elements(
    stream: IO[bytes],
    name: str | Path,
    *,
    max_depth: int = MAX_DEPTH,
    max_chars: int = MAX_CHARS,
    max_nodes: int = MAX_NODES,
) -> Iterator[Any]:
    """Each ``dataFeedElement`` entry of a feed (a dict, another JSON value, or :class:`Rejected`), streamed.

    Raises :class:`FeedShapeError` when the feed is not an object with a ``dataFeedElement`` list, and
    :class:`~finefake.errors.FinefakeError` when it is not valid JSON (the message is one line, naming
    ``name``).
    """
    import ijson

    events = ijson.basic_parse(stream, use_float=True)
    try:
        first = next(events, None)
        if first is None:
            raise FeedShapeError(f"ClaimReview feed {name} is empty")
        if first[0] != "start_map":
            raise FeedShapeError(
                f"ClaimReview feed {name}: the top level is {_kind(first[0])}, not an object with a "
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
                _skip(start, events)
                continue
            if start != "start_array":
                raise FeedShapeError(
                    f"ClaimReview feed {name}: dataFeedElement is {_kind(start)}, not a list"
                )
            found = True
            for event, value in events:
                if event == "end_array":
                    break
                yield _build(event, value, events, max_depth, max_chars, max_nodes)
        if not found:
            raise FeedShapeError(f"ClaimReview feed {name} has no dataFeedElement list")
    except (ijson.JSONError, ValueError) as exc:
        detail = " ".join(str(exc).split("\n", 1)[0].split())[:200]
        raise FinefakeError(f"ClaimReview feed {name} is not valid JSON: {detail}") from exc


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
