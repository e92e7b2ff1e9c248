"""A crawl killed mid-way resumes to exactly the uninterrupted result; a WARC replay rebuilds the same items."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from werkzeug.wrappers import Response

from crawlers import sites
from crawlers.conftest import fast_http
from finefake.crawlers.archive import WarcArchive
from finefake.crawlers.frontier import Frontier
from finefake.crawlers.snopes import SnopesConfig, crawl_snopes
from finefake.workspace import Workspace

PAGES = 36
PER_LISTING = 6


def _serve(httpserver) -> str:
    base = httpserver.url_for("").rstrip("/")
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)

    def listing(request):
        page = int(re.search(r"(\d+)", request.path).group(1)) if "page" in request.path else 1
        links = [
            f"{base}/fact-check/modern-{n}/"
            for n in range((page - 1) * PER_LISTING + 1, page * PER_LISTING + 1)
        ]
        nxt = f"{base}/fact-check/page/{page + 1}/" if page * PER_LISTING < PAGES else None
        return Response(sites.listing(links, nxt, ["2023-03-01"] * len(links)), content_type="text/html")

    def fact_check(request):
        n = int(re.search(r"modern-(\d+)", request.path).group(1))
        return Response(
            sites.snopes_modern(base, n, cnn=f"https://www.cnn.com/x/{n}"), content_type="text/html"
        )

    def image(request):
        return Response(
            sites.png(len(request.path) * 7 + sum(map(ord, request.path))), content_type="image/png"
        )

    httpserver.expect_request(re.compile(r"^/fact-check/(page/\d+/)?$")).respond_with_handler(listing)
    httpserver.expect_request(re.compile(r"^/fact-check/modern-\d+/$")).respond_with_handler(fact_check)
    httpserver.expect_request(re.compile(r"^/img/.*")).respond_with_handler(image)
    return base


def _config(base: str, **kw) -> SnopesConfig:
    return SnopesConfig(base_url=base, commit_every=2, workers=4, http=fast_http(rate=60.0), **kw)


def _items(ws: Workspace) -> list[dict]:
    items = list(ws.read("crawl/snopes", "raw_item"))
    assert len(items) == len({i["id"] for i in items}), "duplicate items"
    return sorted(items, key=lambda i: i["id"])


def _strip(items: list[dict]) -> list[dict]:
    return [{k: v for k, v in i.items() if k != "fetched_at"} for i in items]


@pytest.mark.slow
def test_killed_crawl_resumes_exactly_and_replays(tmp_path, httpserver):
    base = _serve(httpserver)
    reference = Workspace(tmp_path / "reference")
    crawl_snopes(reference, _config(base))
    expected = _items(reference)
    assert len(expected) == PAGES

    killed = Workspace(tmp_path / "killed")
    script = (
        "import sys; from finefake.workspace import Workspace; from finefake.crawlers.snopes import *; "
        "from finefake.crawlers.http import HttpConfig; "
        f"crawl_snopes(Workspace({str(killed.root)!r}), SnopesConfig(base_url={base!r}, commit_every=2, "
        "workers=4, http=HttpConfig(rate=25.0, retries=2, backoff=0.01)))"
    )
    env = os.environ | {"PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    httpserver.clear_log()
    proc = subprocess.Popen([sys.executable, "-c", script], env=env)
    deadline = time.monotonic() + 60
    while len(killed.shards("crawl/snopes")) < 3 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    partial = list(killed.read("crawl/snopes"))
    assert 0 < len(partial) < PAGES, "the kill must land mid-crawl"
    frontier = Frontier(killed.root / "crawl/snopes/state/frontier.sqlite")
    done_at_kill = {u for (u,) in frontier.db.execute("SELECT url FROM tasks WHERE status='done'")}
    frontier.close()
    first_run_paths = {r.path for r, _ in httpserver.log}
    archived = {u.split(base)[1] for u in WarcArchive([killed.root / "crawl/snopes/warc"])._index}

    httpserver.clear_log()
    report = crawl_snopes(killed, _config(base))
    resumed = _items(killed)
    assert _strip(resumed) == _strip(expected)
    second_run = [r.path for r, _ in httpserver.log]
    for url in done_at_kill:
        assert url.split(base)[1] not in second_run, f"finished page {url} was fetched again"
    # pages fetched and archived but not yet committed came back from the archive, not the network (only a
    # response still in flight at the kill, never archived, may be fetched again)
    refetched = {p for p in second_run if p in first_run_paths}
    assert not refetched & archived, refetched & archived
    assert len(refetched) <= 4
    assert report.items_total == PAGES

    replayed = Workspace(tmp_path / "replayed")
    httpserver.clear_log()
    crawl_snopes(replayed, _config(base, replay=str(reference.root / "crawl/snopes/warc")))
    assert httpserver.log == []
    assert _items(replayed) == expected  # identical, fetched_at and image hashes included
    assert {p.name for p in (replayed.root / "images").iterdir()} == {
        p.name for p in (reference.root / "images").iterdir()
    }
