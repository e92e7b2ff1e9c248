"""Local mini-webs for the crawler tests (pytest-httpserver on the loopback interface)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer

from crawlers import sites
from finefake.crawlers.http import HttpConfig


def fast_http(**overrides) -> HttpConfig:
    """Politeness scaled for tests: a high per-host rate and tiny backoffs."""
    values = {"rate": 500.0, "retries": 2, "backoff": 0.01, "timeout": 5.0, "max_retry_after": 5.0}
    return HttpConfig(**(values | overrides))


def write_feed(path: Path, review: dict, pages: list[tuple[str, str]]) -> Path:
    """A ClaimReview data feed at ``path``: one copy of the real ``review`` per (page URL, rating) pair."""
    elements = []
    for url, rating in pages:
        copy = json.loads(json.dumps(review))
        copy["url"] = url
        copy["reviewRating"] = {"@type": "Rating", "alternateName": rating}
        elements.append({"@type": "DataFeedItem", "item": [copy]})
    path.write_text(json.dumps({"@type": "DataFeed", "dataFeedElement": elements}))
    return path


@pytest.fixture
def news_server():
    server = HTTPServer(host="127.0.0.1")
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


def build_snopes_site(httpserver: HTTPServer, news_base: str) -> str:
    """Serve two listing pages, three layouts of fact-checks, broken pages and images; return the base URL."""
    base = httpserver.url_for("").rstrip("/")
    serve = httpserver.expect_request
    serve("/robots.txt").respond_with_data(
        "User-agent: *\nDisallow: /fact-check/blocked/\n", content_type="text/plain"
    )
    page1 = [f"{base}/fact-check/modern-1/", f"{base}/fact-check/modern-2/", f"{base}/fact-check/old-3/"]
    page2 = [
        f"{base}/legacy-4.asp",
        f"{base}/fact-check/malformed/",
        f"{base}/fact-check/empty/",
        f"{base}/fact-check/pdf/",
        f"{base}/fact-check/blocked/",
    ]
    serve("/fact-check/").respond_with_data(
        sites.listing(page1, f"{base}/fact-check/page/2/", ["March 12, 2023"] * 3), content_type="text/html"
    )
    serve("/fact-check/page/2/").respond_with_data(
        sites.listing(page2, None, ["2011-02-02"] * 5), content_type="text/html"
    )
    private = (
        '<a href="http://10.0.0.5/news/1">intranet</a><img src="http://169.254.169.254/latest/x.png">'
        '<img src="http://127.0.0.1:9/x.png">'
    )
    for n in (1, 2):
        html = sites.snopes_modern(
            base, n, cnn=f"{news_base}/2023/03/01/politics/rally-{n}", extra_links=private if n == 1 else ""
        )
        serve(f"/fact-check/modern-{n}/").respond_with_data(html, content_type="text/html; charset=utf-8")
        for name in (f"lead-{n}", f"body-{n}", f"big-{n}"):
            serve(f"/img/{name}.png").respond_with_data(
                sites.png(hash(name) % 1000), content_type="image/png"
            )
    serve("/fact-check/old-3/").respond_with_data(sites.snopes_2017(base, 3), content_type="text/html")
    serve("/img/noscript-3.png").respond_with_data(sites.png(33), content_type="image/png")
    serve("/legacy-4.asp").respond_with_data(sites.snopes_legacy(base, 4), content_type="text/html")
    serve("/img/legacy-4.png").respond_with_data(b"GIF89a-not-really-an-image", content_type="image/gif")
    serve("/fact-check/malformed/").respond_with_data(
        "<html><body><div><<<>>><p>no claim here</b>", content_type="text/html"
    )
    serve("/fact-check/empty/").respond_with_data("", content_type="text/html")
    serve("/fact-check/pdf/").respond_with_data(b"%PDF-1.4 ...", content_type="application/pdf")
    return base


def build_news_site(server: HTTPServer) -> str:
    base = server.url_for("").rstrip("/")
    server.expect_request("/robots.txt").respond_with_data("", status=404)
    for n in (1, 2):
        server.expect_request(f"/2023/03/01/politics/rally-{n}").respond_with_data(
            sites.news_article(n, jsonld=(n == 1), image=f"{base}/media/{n}.png"), content_type="text/html"
        )
        server.expect_request(f"/media/{n}.png").respond_with_data(
            sites.png(500 + n), content_type="image/png"
        )
    return base
