"""An append-only on-disk cache of JSON values, one JSON line per key, kept in the workspace.

Why lines and not a database: appends are atomic enough for a single writer (a torn last line from a killed run
is skipped on load), the file is readable by anything, and the whole cache of a dataset (a few thousand
entities) loads in milliseconds.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any


class JsonLinesCache:
    """``key -> JSON value`` persisted as ``{"k": key, "v": value}`` lines; later lines win."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._data: dict[str, Any] = {}
        if self.path.exists():
            with open(self.path, encoding="utf-8") as fh:
                for line in fh:
                    try:
                        entry = json.loads(line)
                    except json.JSONDecodeError:
                        continue  # a torn last line of a killed run
                    if isinstance(entry, dict) and "k" in entry:
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
        lines = []
        for key, value in items:
            self._data[key] = value
            lines.append(json.dumps({"k": key, "v": value}, ensure_ascii=False, separators=(",", ":")))
        if not lines:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write("\n".join(lines) + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    def put(self, key: str, value: Any) -> None:
        self.put_many([(key, value)])
