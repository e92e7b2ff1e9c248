"""``import fakenewsnet --crawl`` at outlets that are none of FineFake's eight platforms.

FakeNewsNet's URLs point at hundreds of outlets. Here three local hosts stand in for them: two serve real saved
article pages (The Guardian, The Verge, South China Morning Post; sources in
tests/crawlers/fixtures/real/README.md), one link is dead and a local Wayback Machine answers with the real
recorded availability answer and a real saved Reuters page as the capture.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest
from crawlers.conftest import fast_http
from pytest_httpserver import HTTPServer

from finefake.crawlers import news
from finefake.dataset.importers.fakenewsnet import (
    CrawlConfig,
    FakeNewsNetConfig,
    crawl_articles,
    import_fakenewsnet,
)
from finefake.records import validate
from finefake.workspace import Workspace

REAL = Path(__file__).parents[2] / "crawlers" / "fixtures" / "real"
PAGES = {
    "/education/2020/jan/20/academics": "theguardian.com.academics",
    "/2019/7/3/ios-13-beta-3": "theverge.com.ios13",
}
SCMP = "/comment/opinion/article/tsai-playbook"
DEAD = "/2020/01/19/parasite-sag-awards"
CAPTURE = "20250831112539"  # the timestamp of availability_closest.json


def _page(name: str) -> bytes:
    return gzip.decompress((REAL / "news" / f"{name}.html.gz").read_bytes())


@pytest.fixture
def other_host():
    """A second outlet, on 127.0.0.1 (``httpserver`` listens on localhost: another host to the crawler)."""
    server = HTTPServer(host="127.0.0.1")
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def wayback():
    server = HTTPServer(host="127.0.0.1")
    server.start()
    yield server
    server.clear()
    server.stop()


def _setup(tmp_path: Path, httpserver: HTTPServer, other_host: HTTPServer, wayback: HTTPServer):
    first, second = httpserver.url_for("").rstrip("/"), other_host.url_for("").rstrip("/")
    for server in (httpserver, other_host, wayback):
        server.expect_request("/robots.txt").respond_with_data("", status=404)
    for path, name in PAGES.items():
        httpserver.expect_request(path).respond_with_data(
            _page(name), content_type="text/html; charset=utf-8"
        )
    other_host.expect_request(SCMP).respond_with_data(_page("scmp.com.playbook"), content_type="text/html")
    other_host.expect_request(DEAD).respond_with_data("gone", status=404)
    closest = (REAL / "wayback" / "availability_closest.json").read_text(encoding="utf-8")
    wayback.expect_request("/wayback/available").respond_with_data(closest, content_type="application/json")
    wayback.expect_request(f"/web/{CAPTURE}id_/{second}{DEAD}").respond_with_data(
        _page("reuters.com.parasite"), content_type="text/html"
    )
    folder = tmp_path / "fnn"
    folder.mkdir()
    (folder / "gossipcop_real.csv").write_text(
        "id,news_url,title,tweet_ids\n"
        f"gossipcop-1,{first}/education/2020/jan/20/academics,UK academics,\n"
        f"gossipcop-2,{first}/2019/7/3/ios-13-beta-3,iOS 13,\n"
        f"gossipcop-3,{second}{SCMP},Tsai,\n"
        f"gossipcop-4,{second}{DEAD},Parasite,\n",
        encoding="utf-8",
    )
    ws = Workspace(tmp_path / "ws")
    import_fakenewsnet(ws, FakeNewsNetConfig(folder))
    hosts = tuple(u.split("//")[1] for u in (first, second, wayback.url_for("").rstrip("/")))
    config = CrawlConfig(
        http=fast_http(allowed_private_hosts=hosts),
        tweets=False,
        max_images=0,  # the pages' images live on the outlets' real CDNs
        wayback_api=wayback.url_for("/wayback/available"),
        wayback_web=wayback.url_for("").rstrip("/"),
    )
    return ws, config, first, second


def _article_requests(*servers: HTTPServer) -> list[str]:
    return sorted(r.path for server in servers for r, _ in server.log if r.path != "/robots.txt")


def test_articles_at_any_news_host_are_crawled(tmp_path, httpserver, other_host, wayback):
    ws, config, first, second = _setup(tmp_path, httpserver, other_host, wayback)
    summary = crawl_articles(ws, config)
    records = {r["id"]: r for r in ws.read("records", "record")}
    guardian, verge = records["fakenewsnet:gossipcop-1"], records["fakenewsnet:gossipcop-2"]
    assert guardian["authors"] == ["Richard Adams"] and guardian["published"] == "2020-01-20T06:05:18Z"
    assert (
        "second-class citizens" in guardian["text"] and guardian["title"] == "UK academics"
    )  # the release's
    assert verge["authors"] == ["Jon Porter"] and "FaceTime" in verge["text"]
    assert records["fakenewsnet:gossipcop-3"]["authors"] == ["Alice Wu"]
    archived = records["fakenewsnet:gossipcop-4"]
    assert archived["authors"] == ["Jill Serjeant"] and "Parasite" in archived["text"]
    assert archived["metadata"]["archived_from"] == f"{config.wayback_web}/web/{CAPTURE}id_/{second}{DEAD}"
    assert summary.articles_filled == 4 and not summary.not_crawled
    # the record keeps FakeNewsNet's own source as platform, the outlet as its host domain
    host = first.split("//")[1].split(":")[0]
    assert (guardian["platform"], guardian["domains"]) == ("gossipcop", {"source": "gossipcop", "host": host})
    items = list(ws.read("crawl/news", "raw_item"))  # validated on read: the extended raw_item contract
    assert {(i["platform"], i["dataset"]) for i in items} == {("web", "fakenewsnet")}
    assert {i["id"] for i in items} == {r["metadata"]["article_id"] for r in records.values()}


def test_finefake_raw_items_stay_strict():
    item = {
        "id": "web:0123456789abcdef",
        "platform": "web",
        "url": "https://outlet.example/a",
        "title": "t",
        "text": "x",
        "authors": [],
        "published": None,
        "images": [],
        "comments": [],
        "fact_check": None,
        "fetched_at": "2024-01-01T00:00:00Z",
        "metadata": {},
    }
    with pytest.raises(Exception, match="platform"):
        validate("raw_item", item)  # FineFake's own crawls name one of the eight platforms
    validate("raw_item", item | {"dataset": "fakenewsnet"})
    with pytest.raises(Exception, match="platform"):
        validate("raw_item", item | {"dataset": "finefake"})


def test_interrupted_crawl_resumes_without_refetching(tmp_path, httpserver, other_host, wayback, monkeypatch):
    ws, config, _first, _second = _setup(tmp_path, httpserver, other_host, wayback)
    parse = news.parse_article

    def interrupted(html: str, url: str):
        if url.endswith("ios-13-beta-3"):
            raise KeyboardInterrupt  # Ctrl-C while the crawl runs
        return parse(html, url)

    monkeypatch.setattr(news, "parse_article", interrupted)
    with pytest.raises(KeyboardInterrupt):
        crawl_articles(ws, config)
    assert all(r["text"] == "" for r in ws.read("records"))  # the records are untouched, nothing lost
    fetched = _article_requests(httpserver, other_host, wayback)
    monkeypatch.setattr(news, "parse_article", parse)
    summary = crawl_articles(ws, config)
    assert summary.articles_filled == 4
    # every page came from the web once: what the first run fetched is answered from its archive
    both = _article_requests(httpserver, other_host, wayback)
    assert len(both) == len(set(both)) and set(fetched) <= set(both)


def test_cli_import_with_crawl(tmp_path, httpserver):
    from typer.testing import CliRunner

    from finefake.cli import app

    base = httpserver.url_for("").rstrip("/")
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    for path, name in PAGES.items():
        httpserver.expect_request(path).respond_with_data(_page(name), content_type="text/html")
    folder = tmp_path / "fnn"
    folder.mkdir()
    rows = "".join(f"politifact{i},{base}{path},T{i},\n" for i, path in enumerate(PAGES))
    (folder / "politifact_real.csv").write_text("id,news_url,title,tweet_ids\n" + rows, encoding="utf-8")
    (tmp_path / "finefake.yaml").write_text("crawl:\n  http: {rate: 500, backoff: 0.01}\n", encoding="utf-8")
    args = ["-w", str(tmp_path / "ws"), "-c", str(tmp_path / "finefake.yaml"), "import", "fakenewsnet"]
    result = CliRunner().invoke(
        app, [*args, str(folder), "--crawl", "--no-tweets", "--allow-host", base.split("//")[1]]
    )
    assert result.exit_code == 0, result.output
    assert "imported 2 of 2 fakenewsnet rows" in result.output and "2 article(s) filled" in result.output
    assert "tweets skipped: not requested" in result.output
