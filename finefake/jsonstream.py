"""Untrusted JSON read as a stream: one element at a time, with nesting depth, string length and size capped.

:func:`build_value` turns the low-level events of :mod:`ijson` (``basic_parse``: no path prefixes, which grow
with the depth and make prefix-based readers quadratic in the nesting) into one value, refusing to build one
nested deeper than ``max_depth``, holding a string or key longer than ``max_chars``, or more than
``max_nodes`` values in all: it consumes the rest of that value and returns a :class:`Rejected` naming why.
:func:`array_elements` yields the elements of a top-level JSON array that way, so memory stays flat in the
number of elements. Used for ClaimReview feeds and Label Studio exports.

The C lexer under :mod:`ijson` re-scans a token from its start each time a read ends inside it, so a string of
N bytes costs O(N^2 / buffer) before any cap can see it (a 64 MB string took half a minute). :class:`CappedStrings`
sits between the file and the lexer: it holds each string's content until the string closes, and one longer
than its byte cap reaches the lexer as a fixed over-long marker (which :func:`build_value` then rejects), so
every token the lexer sees is short and reading stays linear. A bare token (a number) longer than
:data:`MAX_BARE_BYTES` stops the reading with one line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from finefake.errors import FinefakeError

#: The longest number (or other bare token) read: a real one has a few dozen characters.
MAX_BARE_BYTES = 4096
#: The most bytes one character can take in JSON text (a surrogate pair of \\u escapes).
_BYTES_PER_CHAR = 12
_STRING_BODY = re.compile(rb'(?:[^"\\]++|\\[\s\S])*+')
_LONG_BARE = re.compile(rb'[^\s{}\[\],:"]{%d,}' % (MAX_BARE_BYTES + 1))
_BARE_TAIL = re.compile(rb'[^\s{}\[\],:"]*\Z')
_BARE_HEAD = re.compile(rb'[^\s{}\[\],:"]*')


class TokenTooLong(ValueError):
    """A number or bare word longer than :data:`MAX_BARE_BYTES` (the reader stops: no value holds it)."""


class CappedStrings:
    """A binary stream over ``raw`` in which every JSON string longer than ``max_chars`` characters is replaced
    by ``max_chars + 1`` x's (see the module docstring); the lexer never sees a long token."""

    def __init__(self, raw: IO[bytes], max_chars: int):
        self.raw = raw
        self.max_bytes = max_chars * _BYTES_PER_CHAR  # no string of max_chars characters is cut
        self.marker = b"x" * (max_chars + 1)
        self.in_string = False
        self.backslash = False  # the last byte read was a backslash inside a string
        self.pending: list[bytes] = []
        self.pending_size = 0
        self.overflow = False
        self.bare_tail = 0

    def read(self, size: int = -1) -> bytes:
        if size == 0:  # ijson's probe of the stream type
            return b""
        while True:
            chunk = self.raw.read(size if size and size > 0 else 1 << 16)
            if not chunk:
                tail = b"".join(self.pending)  # an unterminated string: let the lexer report it
                self.pending, self.pending_size = [], 0
                return tail
            out = self._filter(chunk)
            if out:
                return out

    def _keep(self, piece: bytes) -> None:
        if self.overflow or not piece:
            return
        if self.pending_size + len(piece) > self.max_bytes:
            self.overflow, self.pending, self.pending_size = True, [], 0
            return
        self.pending.append(piece)
        self.pending_size += len(piece)

    def _bare(self, segment: bytes) -> None:
        """Check the text between strings for an over-long bare token (also across reads)."""
        if not segment:
            return
        head = _BARE_HEAD.match(segment).end()
        if self.bare_tail + head > MAX_BARE_BYTES or _LONG_BARE.search(segment):
            raise TokenTooLong(f"a number or bare word longer than {MAX_BARE_BYTES} bytes")
        tail = _BARE_TAIL.search(segment)
        run = tail.end() - tail.start() if tail else 0
        self.bare_tail = self.bare_tail + run if run == len(segment) else run

    def _filter(self, chunk: bytes) -> bytes:
        out: list[bytes] = []
        pos, n = 0, len(chunk)
        while pos < n:
            if not self.in_string:
                quote = chunk.find(b'"', pos)
                end = n if quote < 0 else quote
                self._bare(chunk[pos:end])
                if quote < 0:
                    out.append(chunk[pos:])
                    break
                out.append(chunk[pos : quote + 1])
                self.in_string, self.overflow, self.bare_tail = True, False, 0
                pos = quote + 1
                continue
            start = pos
            if self.backslash:  # this byte is escaped, whatever it is
                self.backslash = False
                pos += 1
            pos = _STRING_BODY.match(chunk, pos).end()
            if pos < n and chunk[pos] == 0x5C:  # a backslash as the last byte of the read
                self.backslash = True
                pos = n
            self._keep(chunk[start:pos])
            if pos < n:  # the closing quote
                out.append(self.marker if self.overflow else b"".join(self.pending))
                out.append(b'"')
                self.in_string, self.pending, self.pending_size = False, [], 0
                pos += 1
        return b"".join(out)


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

    events = ijson.basic_parse(CappedStrings(stream, max_chars), use_float=True)
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
