"""Plain files written and read safely: atomic writes, JSONL files whose bad lines are named, appends that
repair a torn tail, and the one timestamp format.

Every stage writes through these (via :mod:`finefake.workspace`, which re-exports them), and so do the
tools that write outside a workspace (the knowledge base, reviews, logs). They are apart from the workspace
because they know nothing of stages, shards or manifests: one file at a time.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from finefake.errors import FinefakeError

log = logging.getLogger(__name__)

_ITEM_ID = re.compile(r'"(?:id|item_id)"\s*:\s*"((?:[^"\\]|\\.){1,200})"')
_UMASK = os.umask(0)
os.umask(_UMASK)


def utcnow() -> str:
    """The current UTC time as ISO 8601 (the format of every timestamp in records and manifests)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temporary file in the same folder and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp creates 0600; published files get the usual permissions
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj: Any) -> Path:
    return atomic_write_text(path, json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n")


class BadLine(FinefakeError, ValueError):
    """A line of a JSONL file that cannot be read; names the file, the line and the item when one shows."""

    def __init__(self, path: str | Path, lineno: int, reason: str, item_id: str | None = None):
        self.path, self.lineno, self.reason, self.item_id = Path(path), lineno, reason, item_id
        item = f" (item {item_id})" if item_id else ""
        super().__init__(f"{path}:{lineno}{item}: {reason}")


def _parse_line(path: str | Path, lineno: int, raw: bytes) -> dict[str, Any]:
    try:
        row = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__
        if isinstance(exc, UnicodeDecodeError):
            reason = "not UTF-8"
        match = _ITEM_ID.search(raw[:100_000].decode("utf-8", errors="replace"))
        raise BadLine(path, lineno, f"not valid JSON ({reason})", match.group(1) if match else None) from exc
    if not isinstance(row, dict):
        raise BadLine(path, lineno, f"not a JSON object (a {type(row).__name__})")
    return row


def read_jsonl(
    path: str | Path, *, on_bad: Callable[[BadLine], None] | None = None
) -> Iterator[dict[str, Any]]:
    """Read one JSONL file of objects.

    A bad line (torn, not JSON, not UTF-8, not an object) raises :class:`BadLine` (a FinefakeError naming the
    file, the line and the item id when it can be read), unless ``on_bad`` is given: then it is reported to
    ``on_bad`` and reading goes on (append-mode logs, where one torn line must not hide the lines after it).
    """
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                yield _parse_line(path, lineno, raw)
            except BadLine as exc:
                if on_bad is None:
                    raise
                on_bad(exc)


def warn_bad_line(error: BadLine) -> None:
    """The usual ``on_bad`` of :func:`read_jsonl` for append-mode logs: a warning, then read on."""
    log.warning("%s; line skipped", error)


def repair_jsonl_tail(path: str | Path) -> bool:
    """Make ``path`` end with a complete line before anything is appended to it; True when it was repaired.

    A run killed mid-append leaves a partial last line; appending straight after it would glue the next
    record onto the torn one and lose both. A last line that is a whole JSON object only lacks its newline,
    which is added; anything else is dropped with a warning.
    """
    path = Path(path)
    if not path.exists():
        return False
    with open(path, "rb+") as fh:
        size = fh.seek(0, os.SEEK_END)
        if size == 0:
            return False
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return False
        cut, end = 0, size
        while end > 0:
            start = max(0, end - 65536)
            fh.seek(start)
            newline = fh.read(end - start).rfind(b"\n")
            if newline >= 0:
                cut = start + newline + 1
                break
            end = start
        fh.seek(cut)
        try:
            _parse_line(path, 0, fh.read())
            complete = True
        except BadLine:
            complete = False
        if complete:
            fh.seek(size)
            fh.write(b"\n")
        else:
            log.warning(
                "%s: dropped a torn last line (%d bytes) left by an interrupted write", path, size - cut
            )
            fh.truncate(cut)
        fh.flush()
        os.fsync(fh.fileno())
    return True


def append_jsonl(path: str | Path, rows: Iterable[dict[str, Any]]) -> int:
    """Append rows as JSON lines with one write + fsync, after repairing a torn tail; returns the count."""
    lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in rows]
    if not lines:
        return 0
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    repair_jsonl_tail(path)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return len(lines)
