"""The crawl frontier and its state in SQLite: which URLs are pending, done or failed, and why.

A URL is marked done only after the items it produced are in a complete shard on disk, in one transaction
with the URLs it discovered, so a crawl killed at any moment restarts exactly where it stopped.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finefake.crawlers.http import host_key


@dataclass
class Task:
    """One unit of crawl work: a URL (or a platform id) of some kind, with what led to it."""

    url: str
    kind: str
    context: dict[str, Any] = field(default_factory=dict)
    depth: int = 0

    @property
    def host(self) -> str:
        return host_key(self.url) if "://" in self.url else self.kind


class Frontier:
    """SQLite-backed queue of tasks; only the crawl's main thread uses it."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(
            """
            CREATE TABLE IF NOT EXISTS tasks (
                seq INTEGER PRIMARY KEY AUTOINCREMENT,
                url TEXT NOT NULL UNIQUE,
                kind TEXT NOT NULL,
                host TEXT NOT NULL,
                depth INTEGER NOT NULL DEFAULT 0,
                context TEXT NOT NULL DEFAULT '{}',
                status TEXT NOT NULL DEFAULT 'pending',
                error TEXT
            );
            CREATE INDEX IF NOT EXISTS tasks_pending ON tasks(status, host, seq);
            """
        )
        self.db.commit()

    def add(self, tasks: Iterable[Task]) -> int:
        """Queue tasks not seen before (a URL is crawled once per frontier); returns how many were new."""
        before = self.db.total_changes
        self.db.executemany(
            "INSERT OR IGNORE INTO tasks(url, kind, host, depth, context) VALUES (?, ?, ?, ?, ?)",
            [(t.url, t.kind, t.host, t.depth, json.dumps(t.context, sort_keys=True)) for t in tasks],
        )
        return self.db.total_changes - before

    def pending_hosts(self) -> list[str]:
        return [r[0] for r in self.db.execute("SELECT DISTINCT host FROM tasks WHERE status='pending'")]

    def pending(self, host: str, limit: int) -> list[Task]:
        rows = self.db.execute(
            "SELECT url, kind, context, depth FROM tasks WHERE status='pending' AND host=? ORDER BY seq LIMIT ?",
            (host, limit),
        )
        return [Task(url, kind, json.loads(ctx), depth) for url, kind, ctx, depth in rows]

    def mark_done(self, urls: Iterable[str]) -> None:
        self.db.executemany("UPDATE tasks SET status='done', error=NULL WHERE url=?", [(u,) for u in urls])

    def mark_failed(self, url: str, error: str) -> None:
        self.db.execute("UPDATE tasks SET status='failed', error=? WHERE url=?", (error[:500], url))

    def mark_skipped(self, url: str, reason: str) -> None:
        self.db.execute("UPDATE tasks SET status='skipped', error=? WHERE url=?", (reason[:500], url))

    def commit(self) -> None:
        self.db.commit()

    def counts(self) -> dict[str, int]:
        return dict(self.db.execute("SELECT status, COUNT(*) FROM tasks GROUP BY status").fetchall())

    def failures(self, limit: int = 1000) -> list[dict[str, str]]:
        rows = self.db.execute(
            "SELECT url, kind, error FROM tasks WHERE status='failed' ORDER BY seq LIMIT ?", (limit,)
        )
        return [{"url": u, "kind": k, "error": e} for u, k, e in rows]

    def status_of(self, url: str) -> str | None:
        row = self.db.execute("SELECT status FROM tasks WHERE url=?", (url,)).fetchone()
        return row[0] if row else None

    def close(self) -> None:
        self.db.commit()
        self.db.close()
