"""A deterministic crawl (issue 31): the same web gives the same stage whatever order fetches finish in."""

from __future__ import annotations

import json
import time
import zlib

import pytest

from crawlers.conftest import fast_http
from finefake.crawlers.frontier import Frontier, Task
from finefake.crawlers.http import Fetcher
from finefake.crawlers.runner import SHUFFLE_ENV, Outcome, compact_stage, item_rank, run_tasks
from finefake.ids import item_id

ARTICLE = "http://www.cdc.gov/media/releases/2024/flu.html"


class CitedTwice:
    """One article cited directly by one fact-check and through an archive link by another (and a few other
    pages): both tasks make the same item; ``slow`` says which task finishes last."""

    def __init__(self, slow: str) -> None:
        self.slow = slow

    def __call__(self, task: Task) -> Outcome:
        if task.url == self.slow:
            time.sleep(0.05)
        url = task.context.get("original_url") or task.url
        return Outcome(items=[{
            "id": item_id("cdc", url=url), "platform": "cdc", "url": url, "title": "t", "text": "x",
            "authors": [], "published": None, "images": [], "comments": [],
            "fact_check": task.context.get("fact_check"), "topic": task.context.get("topic"),
            "fetched_at": f"2024-01-01T00:00:0{zlib.crc32(task.url.encode()) % 10}Z",
            "metadata": {"snopes_id": task.context.get("snopes_id")} if task.context.get("snopes_id") else {},
        }])  # fmt: skip


def _tasks() -> list[Task]:
    archived = f"http://web.archive.org/web/20240101000000/{ARTICLE}"
    return [
        Task(ARTICLE, "article", {"snopes_id": "snopes:bbb", "topic": "politics"}),
        Task(
            archived, "article", {"snopes_id": "snopes:aaa", "topic": "health", "original_url": ARTICLE}
        ),  # fmt: skip
        *[Task(f"http://www.cdc.gov/other/{i}.html", "article") for i in range(12)],
    ]


def _crawl(ws, slow: str, shuffle: str | None, monkeypatch) -> list[dict]:
    if shuffle is None:
        monkeypatch.delenv(SHUFFLE_ENV, raising=False)
    else:
        monkeypatch.setenv(SHUFFLE_ENV, shuffle)
    frontier = Frontier(ws.root / "state.sqlite")
    frontier.add(_tasks() if slow == "direct" else _tasks()[::-1])
    frontier.commit()
    handler = CitedTwice(ARTICLE if slow == "direct" else _tasks()[1].url)
    run_tasks(ws, "crawl/news", frontier, Fetcher(fast_http()), handler, workers=4, per_host=4)
    compact_stage(ws, "crawl/news")
    return list(ws.read("crawl/news", "raw_item"))


@pytest.mark.parametrize(
    "slow, shuffle", [("direct", None), ("archived", None), ("direct", "3"), ("archived", "7")]
)
def test_cited_twice_keeps_the_smallest_fact_check_whatever_finishes_first(
    tmp_path, slow, shuffle, monkeypatch
):
    from finefake.workspace import Workspace

    records = _crawl(Workspace(tmp_path / "ws"), slow, shuffle, monkeypatch)
    ids = [r["id"] for r in records]
    assert ids == sorted(ids) and len(ids) == len(set(ids)) == 13  # id order, one copy per item
    article = next(r for r in records if r["url"] == ARTICLE)
    assert article["metadata"]["snopes_id"] == "snopes:aaa" and article["topic"] == "health"


def test_same_stage_bytes_with_and_without_shuffle(tmp_path, monkeypatch):
    from finefake.workspace import Workspace

    runs = []
    for n, shuffle in enumerate((None, "1", "2")):
        ws = Workspace(tmp_path / f"ws{n}")
        _crawl(ws, "direct" if n % 2 else "archived", shuffle, monkeypatch)
        runs.append([p.read_bytes() for p in ws.shards("crawl/news")])
    assert runs[0] == runs[1] == runs[2]


def test_item_rank_prefers_a_fact_check_then_the_smallest_id():
    base = {"id": "cdc:1", "text": "x", "metadata": {}}
    with_a = base | {"metadata": {"snopes_id": "snopes:a"}}
    with_b = base | {"metadata": {"snopes_id": "snopes:b"}}
    assert sorted([base, with_b, with_a], key=item_rank) == [with_a, with_b, base]
    # fetched_at (timing) never decides
    assert item_rank(base | {"fetched_at": "1"}) == item_rank(base | {"fetched_at": "2"})


def test_compact_stage_sorts_and_dedups_without_loading_records(tmp_path):
    from finefake.workspace import Workspace

    ws = Workspace(tmp_path / "ws")
    with ws.writer("crawl/x", None) as writer:
        writer.write({"id": "b", "metadata": {}})
        writer.write({"id": "a", "metadata": {}})
    with ws.writer("crawl/x", None) as writer:
        writer.write({"id": "b", "metadata": {"snopes_id": "snopes:1"}})
    assert compact_stage(ws, "crawl/x") == 2
    assert [json.dumps(r, sort_keys=True) for r in ws.read("crawl/x")] == [
        '{"id": "a", "metadata": {}}',
        '{"id": "b", "metadata": {"snopes_id": "snopes:1"}}',
    ]
