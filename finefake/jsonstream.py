"""Untrusted JSON read as a stream: one element at a time, with nesting depth, string length and size capped.

:func:`build_value` turns the low-level events of :mod:`ijson` (``basic_parse``: no path prefixes, which grow
with the depth and make prefix-based readers quadratic in the nesting) into one value, refusing to build one
nested deeper than ``max_depth``, holding a string or key longer than ``max_chars``, or more than
``max_nodes`` values in all: it consumes the rest of that value and returns a :class:`Rejected` naming why.
:func:`array_elements` yields the elements of a top-level JSON array that way, so memory stays flat in the
number of elements. Used for ClaimReview feeds and Label Studio exports.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from finefake.errors import FinefakeError


@dataclass(frozen=True)
class Rejected:
    """An element that was not built, and why (``too_deep``, ``string_too_long``, ``too_many_values``)."""

    reason: str


_SCALARS = frozenset({"null", "boolean", "integer", "double", "number", "string"})
_KINDS = {"start_map": "an object", "start_array": "an array", "string": "a string", "null": "null"}


def kind_of(event: str) -> str:
    """What a value starting with ``event`` is, in words ("an array")."""
    return _KINDS.get(event, "a number" if event in ("integer", "double", "number") else "a boolean")


def skip_value(first: str, events: Iterator[tuple[str, Any]]) -> None:
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


def build_value(
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


def json_error_text(exc: Exception) -> str:
    """The first line of an ijson error (they span several lines with a caret under the bad byte)."""
    text = exc.args[0] if exc.args else str(exc)
    if isinstance(text, bytes):  # the C backend's messages come as bytes
        text = text.decode("utf-8", errors="replace")
    return " ".join(str(text).split("\n", 1)[0].split())[:200]


def array_elements(
    stream: IO[bytes], name: str, *, max_depth: int, max_chars: int, max_nodes: int
) -> Iterator[Any]:
    """Each element of a file whose top level is a JSON array (a value or a :class:`Rejected`), streamed.

    A top level that is not an array, or a file that is not JSON, is a one-line FinefakeError naming ``name``.
    """
    import ijson

    events = ijson.basic_parse(stream, use_float=True)
    try:
        first = next(events, None)
        if first is None:
            raise FinefakeError(f"{name} is empty")
        if first[0] != "start_array":
            raise FinefakeError(f"{name}: the top level is {kind_of(first[0])}, not a list")
        for event, value in events:
            if event == "end_array":
                return
            yield build_value(event, value, events, max_depth, max_chars, max_nodes)
    except (ijson.JSONError, ValueError) as exc:
        raise FinefakeError(f"{name} is not valid JSON: {json_error_text(exc)}") from exc
