"""The crawl loop: each task handled once per run, limits respected, a later run completes without duplicates."""

from __future__ import annotations

import threading
import time
from collections import Counter

from crawlers.conftest import fast_http
from finefake.crawlers.frontier import Frontier, Task
from finefake.crawlers.http import Fetcher
from finefake.crawlers.runner import Outcome, run_tasks
from finefake.ids import item_id


class CountingHandler:
    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.lock = threading.Lock()

    def __call__(self, task: Task) -> Outcome:
        with self.lock:
            self.calls[task.url] += 1
        time.sleep(0.002)
        if task.url.endswith("/boom"):
            raise RuntimeError("parser bug")
        url = task.url
        return Outcome(items=[{
            "id": item_id("cnn", url=url), "platform": "cnn", "url": url, "title": "t", "text": "x",
            "authors": [], "published": None, "images": [], "comments": [], "fact_check": None,
            "fetched_at": "2024-01-01T00:00:00Z", "metadata": {},
        }])  # fmt: skip


def _frontier(ws, n: int) -> Frontier:
    frontier = Frontier(ws.root / "state.sqlite")
    frontier.add(Task(f"http://h{i % 3}.example/{i}", "page") for i in range(n))
    frontier.add([Task("http://h0.example/boom", "page")])
    frontier.commit()
    return frontier


def test_each_task_once_and_handler_errors_recorded(workspace):
    handler = CountingHandler()
    report = run_tasks(workspace, "crawl/news", _frontier(workspace, 60), Fetcher(fast_http()), handler,
                       commit_every=1000, commit_seconds=60)  # fmt: skip
    assert set(handler.calls.values()) == {1} and len(handler.calls) == 61
    assert report.items_written == 60 and report.tasks == {"done": 60, "failed": 1}
    assert report.failures[0]["error"].startswith("handler_error:RuntimeError:parser bug")


def test_limit_then_resume_without_duplicates(workspace):
    frontier = _frontier(workspace, 30)
    first = run_tasks(workspace, "crawl/news", frontier, Fetcher(fast_http()), CountingHandler(), limit=7)
    assert first.items_written == 7 and first.items_total == 7
    second = run_tasks(workspace, "crawl/news", frontier, Fetcher(fast_http()), CountingHandler())
    ids = [r["id"] for r in workspace.read("crawl/news", "raw_item")]
    assert second.items_written == 23 and len(ids) == len(set(ids)) == 30
