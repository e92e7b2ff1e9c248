"""The LLM response cache: one SQLite file, keyed by content, so a rerun costs no model calls.

A key hashes what determines a response (what was asked -- label probabilities or a generation --, the
template name and version, the model's identity, the rendered prompt with the item's content, the decoding
settings); the value is the response as JSON (probabilities as exact floats, or the generated text) with the
tokens it cost. Same key, same response, whichever order items arrive in; a new template version or another
model is a new key, never a stale answer.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SCHEMA = "CREATE TABLE IF NOT EXISTS responses (key TEXT PRIMARY KEY, value TEXT NOT NULL)"


def response_key(*parts: Any) -> str:
    """A content key of ``parts`` (JSON-serialisable: strings, numbers, lists of chat messages)."""
    payload = json.dumps(parts, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


class ResponseCache:
    """Responses by key in ``path`` (SQLite; created on first use). Thread-safe within one process, and
    several processes may share the file (SQLite's own locking; writes are single statements)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self._lock = threading.Lock()
        self._conn: sqlite3.Connection | None = None

    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(self.path, timeout=30.0, check_same_thread=False)
            self._conn.execute(SCHEMA)
            self._conn.commit()
        return self._conn

    def get_many(self, keys: Iterable[str]) -> dict[str, Any]:
        """The cached values of those ``keys`` that are present."""
        keys = list(dict.fromkeys(keys))
        out: dict[str, Any] = {}
        with self._lock:
            db = self._db()
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                for key, value in db.execute(
                    f"SELECT key, value FROM responses WHERE key IN ({marks})", chunk
                ):
                    out[key] = json.loads(value)
        return out

    def put_many(self, values: dict[str, Any]) -> None:
        if not values:
            return
        rows = [(k, json.dumps(v, ensure_ascii=False)) for k, v in values.items()]
        with self._lock:
            db = self._db()
            db.executemany("INSERT OR REPLACE INTO responses (key, value) VALUES (?, ?)", rows)
            db.commit()

    def __len__(self) -> int:
        with self._lock:
            return int(self._db().execute("SELECT COUNT(*) FROM responses").fetchone()[0])

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                self._conn.close()
                self._conn = None
