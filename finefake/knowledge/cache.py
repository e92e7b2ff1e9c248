"""An append-only on-disk cache of JSON values, one JSON line per key, kept in the workspace.

Why lines and not a database: appends are atomic enough for a single writer (a torn last line from a killed run
is skipped on load and dropped before the next append), the file is readable by anything, and the whole cache
of a dataset (a few thousand entities) loads in milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from finefake.workspace import append_jsonl, read_jsonl, warn_bad_line


class JsonLinesCache:
    """``key -> JSON value`` persisted as ``{"k": key, "v": value}`` lines; later lines win."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._data: dict[str, Any] = {}
        if self.path.exists():
            for entry in read_jsonl(self.path, on_bad=warn_bad_line):
                if "k" in entry:
                    self._data[str(entry["k"])] = entry.get("v")

    def __contains__(self, key: str) -> bool:
        return key in self._data

    def __len__(self) -> int:
        return len(self._data)

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def get(self, key: str, default: Any = None) -> Any:
        return self._data.get(key, default)

    def put_many(self, items: Iterable[tuple[str, Any]]) -> None:
        """Store several values with one append + fsync."""
        rows = []
        for key, value in items:
            self._data[key] = value
            rows.append({"k": key, "v": value})
        append_jsonl(self.path, rows)

    def put(self, key: str, value: Any) -> None:
        self.put_many([(key, value)])
