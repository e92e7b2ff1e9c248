"""Wayback fallback for dead source links, against a local origin and a local Wayback Machine.

The availability answers are the real ones (fixtures/real/wayback, sources in fixtures/real/README.md) and the
archived capture is a real saved Reuters page; the origin answers 404, or a parking page, as dead sites do.
"""

from __future__ import annotations

import gzip
from pathlib import Path
from urllib.parse import urlsplit

from werkzeug.wrappers import Request, Response

from crawlers.conftest import fast_http
from finefake.crawlers.news import NewsConfig, crawl_news

REAL = Path(__file__).parent / "fixtures" / "real"
CLOSEST = (REAL / "wayback" / "availability_closest.json").read_text(encoding="utf-8")
NONE = (REAL / "wayback" / "availability_none.json").read_text(encoding="utf-8")
REUTERS = gzip.decompress((REAL / "news" / "reuters.com.parasite.html.gz").read_bytes())
PARKED = (
    b"<html><head><title>example-news.com</title></head><body><h1>example-news.com</h1>"
    b"<p>This domain is for sale! Buy this domain today.</p></body></html>"
)


def _setup(workspace, origin, archive, *, answer: str, origin_body: bytes | None = None):
    dead = origin.url_for("/2020/01/19/parasite-sag-awards").rstrip("/")
    if origin_body is None:
        origin.expect_request("/2020/01/19/parasite-sag-awards").respond_with_data("gone", status=404)
    else:
        origin.expect_request("/2020/01/19/parasite-sag-awards").respond_with_data(
            origin_body, content_type="text/html"
        )
    origin.expect_request("/robots.txt").respond_with_data("", status=404)
    asked: list[dict] = []

    def available(request: Request) -> Response:
        asked.append(dict(request.args))
        return Response(answer, content_type="application/json")

    archive.expect_request("/wayback/available").respond_with_handler(available)
    archive.expect_request(f"/web/20250831112539id_/{dead}").respond_with_data(
        REUTERS, content_type="text/html"
    )
    archive.expect_request("/robots.txt").respond_with_data("", status=404)
    record = {
        "id": "claimreview:0123456789abcdef",
        "links": [dead],
        "review_date": "2020-01-20T00:00:00Z",
        "fact_check": {
            "url": "https://factcheck.example/x",
            "claim": "c",
            "rating": "False",
            "categories": [],
            "label": 0,
        },
    }
    workspace.write_records("crawl/claimreview", None, [record])
    base = archive.url_for("").rstrip("/")
    config = NewsConfig(
        from_snopes=False,
        host_platforms={urlsplit(dead).hostname: "cnn"},
        max_images=0,
        wayback_api=f"{base}/wayback/available",
        wayback_web=base,
        http=fast_http(allowed_private_hosts=(f"{urlsplit(dead).hostname}:{urlsplit(dead).port}",)),
    )
    return dead, asked, config


def test_dead_link_is_read_from_the_closest_capture(workspace, news_server, httpserver):
    dead, asked, config = _setup(workspace, news_server, httpserver, answer=CLOSEST)
    report = crawl_news(workspace, config)
    (item,) = workspace.read("crawl/news", "raw_item")
    assert (
        item["url"] == dead
        and item["title"] == "'Parasite' scores historic upset at SAG awards, boosting Oscar chances"
    )
    assert (
        item["metadata"]["archived_from"]
        == f"{httpserver.url_for('').rstrip('/')}/web/20250831112539id_/{dead}"
    )
    assert item["metadata"]["archived_at"] == "2025-08-31T00:00:00Z"
    assert item["fact_check"]["label"] == 0 and item["metadata"]["via"] == "claimreview"
    assert asked == [{"url": dead, "timestamp": "20200120"}]  # the capture closest to the fact-check's date
    assert report.failure_reasons == {}


def test_dead_link_without_capture_is_a_failure(workspace, news_server, httpserver):
    _dead, _asked, config = _setup(workspace, news_server, httpserver, answer=NONE)
    report = crawl_news(workspace, config)
    assert list(workspace.read("crawl/news", "raw_item")) == []
    assert report.failure_reasons == {"dead_not_archived": 1}


def test_parked_domain_counts_as_dead(workspace, news_server, httpserver):
    dead, asked, config = _setup(workspace, news_server, httpserver, answer=CLOSEST, origin_body=PARKED)
    crawl_news(workspace, config)
    (item,) = workspace.read("crawl/news", "raw_item")
    assert item["metadata"]["archived_from"].endswith(f"id_/{dead}") and len(asked) == 1
