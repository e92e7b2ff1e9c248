"""The crawl loop shared by every source: schedule tasks over hosts, run handlers, commit items and state.

Workers (threads) fetch and parse; the main thread alone writes shards and the frontier. Task state changes
(done, failed, discovered tasks) accumulate in one open SQLite transaction while the items they produced are
buffered; a commit flushes the items as one complete shard and only then commits the transaction. A kill
rolls the frontier back to the last commit, whose items are all on disk; tasks done after it run again on
restart (their pages come from the WARC archive, not the network) and ids already on disk are skipped, so the
output has neither gaps nor duplicates.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from finefake.console import make_progress
from finefake.crawlers.frontier import Frontier, Task
from finefake.crawlers.http import Fetcher
from finefake.images import ImageRejected
from finefake.workspace import Workspace

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What a handler made of one task: items, follow-up tasks, or why it failed / was skipped."""

    items: list[dict[str, Any]] = field(default_factory=list)
    new_tasks: list[Task] = field(default_factory=list)
    error: str | None = None
    skipped: str | None = None
    stop_following: bool = False


Handler = Callable[[Task], Outcome]


@dataclass
class CrawlReport:
    """What one crawl run did (also written into the stage manifest)."""

    stage: str
    items_written: int = 0
    items_total: int = 0
    tasks: dict[str, int] = field(default_factory=dict)
    failures: list[dict[str, str]] = field(default_factory=list)
    failure_reasons: dict[str, int] = field(default_factory=dict)
    image_errors: dict[str, int] = field(default_factory=dict)
    ratings: dict[str, int] = field(default_factory=dict)  # fact-check crawls: items per rating as published
    network_requests: int = 0
    archive: str | None = None
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "failures"} | {"failures": self.failures[:200]}


def store_images(
    ws: Workspace, fetcher: Fetcher, images: list[dict[str, Any]], max_images: int
) -> list[dict]:
    """Fetch and store images (content-addressed); each raw_image records its path or its error."""
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for image in images:
        url = image.get("url")
        if not url or url in seen:
            continue
        seen.add(url)
        if len(out) >= max_images:
            break
        record: dict[str, Any] = {
            "url": url,
            "alt": image.get("alt"),
            "path": None,
            "sha256": None,
            "width": None,
            "height": None,
            "error": None,
        }
        fetched = fetcher.fetch(url, expect="image")
        if not fetched.ok:
            record["error"] = fetched.error
        else:
            try:
                stored = ws.images.put(fetched.body, url=url, max_bytes=fetcher.config.max_image_bytes)
                record.update(
                    path=stored["path"],
                    sha256=stored["sha256"],
                    width=stored["width"],
                    height=stored["height"],
                )
            except ImageRejected as exc:
                record["error"] = f"image_{exc.reason}"
        out.append(record)
    return out


def _safe(handler: Handler, task: Task) -> Outcome:
    try:
        return handler(task)
    except Exception as exc:  # a parser bug on one page must not stop the crawl; it is recorded
        log.exception("handler failed on %s", task.url)
        return Outcome(error=f"handler_error:{type(exc).__name__}:{str(exc)[:200]}")


def run_tasks(
    ws: Workspace,
    stage: str,
    frontier: Frontier,
    fetcher: Fetcher,
    handler: Handler,
    *,
    limit: int | None = None,
    workers: int = 8,
    per_host: int = 2,
    commit_every: int = 50,
    commit_seconds: float = 2.0,
    description: str = "crawl",
) -> CrawlReport:
    """Run every pending task of ``frontier`` through ``handler``, writing raw_items to ``stage``."""
    t0 = time.perf_counter()
    report = CrawlReport(stage)
    have = ws.ids(stage) if ws.has_records(stage) else set()
    failures: Counter[str] = Counter()
    image_errors: Counter[str] = Counter()
    writer = ws.writer(stage, "raw_item", mode="append", shard_size=10**9)
    done_buffer: list[str] = []
    last_commit = time.monotonic()
    inflight: dict[Future, Task] = {}
    per_host_inflight: Counter[str] = Counter()
    stopping = limit is not None and len(have) >= limit

    def commit() -> None:
        nonlocal last_commit
        writer.flush()
        frontier.commit()
        done_buffer.clear()
        last_commit = time.monotonic()

    def refill(pool: ThreadPoolExecutor) -> None:
        busy = {t.url for t in inflight.values()}
        for host in frontier.pending_hosts():
            room = min(per_host - per_host_inflight[host], workers * 2 - len(inflight))
            if room <= 0:
                continue
            for task in frontier.pending(host, room + per_host_inflight[host]):
                if task.url in busy or per_host_inflight[host] >= per_host:
                    continue
                inflight[pool.submit(_safe, handler, task)] = task
                per_host_inflight[host] += 1

    with make_progress() as progress, ThreadPoolExecutor(max_workers=workers) as pool:
        bar = progress.add_task(description, total=limit)
        try:
            while True:
                if not stopping:
                    refill(pool)
                if not inflight:
                    break
                finished, _ = wait(list(inflight), timeout=1.0, return_when=FIRST_COMPLETED)
                for future in finished:
                    task = inflight.pop(future)
                    per_host_inflight[task.host] -= 1
                    outcome = future.result()
                    if outcome.new_tasks:
                        frontier.add(outcome.new_tasks)
                    if outcome.error is not None:
                        failures[outcome.error.split(":")[0]] += 1
                        frontier.mark_failed(task.url, outcome.error)
                        continue
                    if outcome.skipped is not None:
                        frontier.mark_skipped(task.url, outcome.skipped)
                        continue
                    complete = True
                    for item in outcome.items:
                        if item["id"] in have:
                            continue
                        if limit is not None and len(have) >= limit:
                            complete, stopping = False, True
                            break
                        for image in item.get("images", []):
                            if image.get("error"):
                                image_errors[image["error"].split(":")[0]] += 1
                        writer.write(item)
                        have.add(item["id"])
                        report.items_written += 1
                        progress.advance(bar)
                    if complete:
                        frontier.mark_done([task.url])
                        done_buffer.append(task.url)
                    if limit is not None and len(have) >= limit:
                        stopping = True
                if len(done_buffer) >= commit_every or time.monotonic() - last_commit > commit_seconds:
                    commit()
        finally:  # also on interruption: keep what is complete, the rest resumes
            commit()
            writer.close()
    report.items_total = len(have)
    report.tasks = frontier.counts()
    report.failures = frontier.failures()
    report.failure_reasons = dict(failures)
    report.image_errors = dict(image_errors)
    report.network_requests = fetcher.network_requests
    report.seconds = round(time.perf_counter() - t0, 3)
    return report
