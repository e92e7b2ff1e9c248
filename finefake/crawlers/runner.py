"""The crawl loop shared by every source: schedule tasks over hosts, run handlers, commit items and state.

Workers (threads) fetch and parse; the main thread alone writes shards and the frontier. Task state changes
(done, failed, discovered tasks) accumulate in one open SQLite transaction while the items they produced are
buffered; a commit flushes the items as one complete shard and only then commits the transaction. A kill
rolls the frontier back to the last commit, whose items are all on disk; tasks done after it run again on
restart (their pages come from the WARC archive, not the network) and ids already on disk are skipped, so the
output has neither gaps nor duplicates.

The result does not depend on timing (issue 31). Two tasks can make the same item (a news article cited
directly by one fact-check and through web.archive.org by another, or also listed in a sitemap): which copy
is kept is a content rule (:func:`item_rank`: the one tied to the smallest fact-check id, then the smallest
content hash), not the first to finish, and :func:`compact_stage` then rewrites the stage in id order, so the
position of an item in the stage says nothing about when it was fetched. ``FINEFAKE_CRAWL_SHUFFLE=<seed>``
shuffles the order tasks are started and their results handled (and delays each task a little), so tests can
check that claim.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import random
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
from finefake.workspace import Workspace, record_line

#: Environment variable holding a seed: crawl tasks are then started and handled in a shuffled order.
SHUFFLE_ENV = "FINEFAKE_CRAWL_SHUFFLE"

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


def item_rank(item: dict[str, Any]) -> tuple[bool, str, str]:
    """Which of several copies of one item id a crawl keeps (smallest wins): a copy reached from a
    fact-check before one reached without (a sitemap), the smallest fact-check id first, then the smallest
    content hash (``fetched_at`` left out). Content only, so every run keeps the same copy."""
    meta = item.get("metadata") or {}
    source = meta.get("snopes_id") or meta.get("claimreview_id")
    body = record_line({k: v for k, v in item.items() if k != "fetched_at"})
    return (source is None, str(source or ""), hashlib.sha256(body.encode("utf-8")).hexdigest())


def compact_stage(ws: Workspace, stage: str) -> int:
    """Rewrite a crawl stage in item-id order with one record per id (the best by :func:`item_rank`).

    Memory holds an index (id, rank, shard, byte offset) per record, not the records: the rewrite reads each
    kept line again from its shard. Returns the number of records written.
    """
    shards = ws.shards(stage)
    if not shards:
        return 0
    best: dict[str, tuple[tuple[bool, str, str], int, int]] = {}
    for number, shard in enumerate(shards):
        offset = 0
        with shard.open("rb") as handle:
            for raw in handle:
                start, offset = offset, offset + len(raw)
                if not raw.strip():
                    continue
                item = json.loads(raw)
                key = (item_rank(item), number, start)
                if item["id"] not in best or key < best[item["id"]]:
                    best[item["id"]] = key
    handles = [shard.open("rb") for shard in shards]
    try:
        with ws.writer(stage, None, mode="replace") as writer:
            for item_id in sorted(best):
                _, number, start = best[item_id]
                handles[number].seek(start)
                writer.write(json.loads(handles[number].readline()))
    finally:
        for handle in handles:
            handle.close()
    return len(best)


def _shuffler() -> random.Random | None:
    value = os.environ.get(SHUFFLE_ENV, "").strip()
    return random.Random(int(value)) if value.lstrip("-").isdigit() else None


def _safe(handler: Handler, task: Task, delay: float = 0.0) -> Outcome:
    if delay:
        time.sleep(delay)
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
    shuffle = _shuffler()
    kept_rank: dict[str, tuple[bool, str, str]] = {}  # ids written by this run: the rank of the copy kept
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
        hosts = frontier.pending_hosts()
        if shuffle is not None:
            shuffle.shuffle(hosts)
        for host in hosts:
            room = min(per_host - per_host_inflight[host], workers * 2 - len(inflight))
            if room <= 0:
                continue
            candidates = frontier.pending(host, (room + per_host_inflight[host]) * (4 if shuffle else 1))
            if shuffle is not None:
                shuffle.shuffle(candidates)
            for task in candidates:
                if task.url in busy or per_host_inflight[host] >= per_host:
                    continue
                delay = shuffle.random() * 0.02 if shuffle is not None else 0.0
                inflight[pool.submit(_safe, handler, task, delay)] = task
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
                finished = sorted(finished, key=lambda f: inflight[f].url)
                if shuffle is not None:
                    shuffle.shuffle(finished)
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
                            # Another task made this item too: keep the copy the content rule prefers
                            # (compact_stage drops the other), never simply the first to finish.
                            rank = kept_rank.get(item["id"])
                            if rank is not None and item_rank(item) < rank:
                                writer.write(item)
                                kept_rank[item["id"]] = item_rank(item)
                            continue
                        if limit is not None and len(have) >= limit:
                            complete, stopping = False, True
                            break
                        for image in item.get("images", []):
                            if image.get("error"):
                                image_errors[image["error"].split(":")[0]] += 1
                        writer.write(item)
                        have.add(item["id"])
                        kept_rank[item["id"]] = item_rank(item)
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
