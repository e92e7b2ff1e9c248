"""The SSRF guard judges a URL as the HTTP client connects, at every entry point, and again at connect time.

The attack: ``http://127.0.0.1:PORT\\@allowed-host/`` passes a guard that parses with ``urlsplit`` (host:
allowed-host) while requests/urllib3 connect to the host before the backslash. Each test below runs an entry
point of the crawlers against a site whose pages carry such URLs, and checks that the "internal" server (a
second local server the crawl was not allowed to reach) never sees a request.
"""

from __future__ import annotations

import re
import socket

import pytest
from crawlers import sites
from crawlers.conftest import fast_http
from pytest_httpserver import HTTPServer

from finefake.crawlers.http import Fetcher, address_error
from finefake.crawlers.news import NewsConfig, crawl_news
from finefake.crawlers.snopes import SnopesConfig, crawl_snopes
from hardening.hostile import fake_dns, trickle_server

PUBLIC = "93.184.216.34"  # a public address; nothing is ever sent to it (every test refuses before)


@pytest.fixture
def internal():
    """The service an attacker wants to reach: any request reaching it is a guard failure."""
    server = HTTPServer(host="127.0.0.1")
    server.expect_request(re.compile(".*")).respond_with_data("secret", content_type="text/html")
    server.start()
    yield server
    server.clear()
    server.stop()


def _sneaky(internal: HTTPServer, host: str, path: str = "/") -> str:
    return f"http://127.0.0.1:{internal.port}\\@{host}{path}"


def _hits(internal: HTTPServer) -> list[str]:
    return [request.url for request, _ in internal.log]


@pytest.mark.parametrize(
    ("url", "error"),
    [
        ("http://127.0.0.1:9\\@example.org/", "ambiguous_url"),
        ("http://example.org\\@127.0.0.1/", "ambiguous_url"),
        ("http://user:pw@example.org/", "ambiguous_url"),
        ("http://example.org@127.0.0.1/", "ambiguous_url"),
        ("http://exa\tmple.org/", "ambiguous_url"),
        ("http://0x7f000001/", "private_address"),
        ("http://2130706433/", "private_address"),
        ("http://127.1/", "private_address"),
        ("http://[::ffff:127.0.0.1]/", "private_address"),
        ("gopher://example.org/", "unsupported_scheme"),
    ],
)
def test_urls_are_judged_as_the_client_connects(url, error):
    assert address_error(url, frozenset({"example.org"})) == error


def test_allowed_hosts_still_pass():
    assert address_error("http://127.0.0.1:5000/x", frozenset({"127.0.0.1:5000"})) is None
    assert address_error("http://127.0.0.1:5001/x", frozenset({"127.0.0.1:5000"})) == "private_address"


def test_redirect_to_a_sneaky_url_is_refused(internal):
    def redirect(base: str) -> bytes:  # a raw server: frameworks would percent-encode the backslash
        location = _sneaky(internal, base.removeprefix("http://"), "/x")
        return f"HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n".encode()

    with trickle_server(redirect, b"", delay=0) as base:
        result = Fetcher(fast_http(obey_robots=False), allow_hosts=(base.removeprefix("http://"),)).fetch(
            f"{base}/go"
        )
    assert result.error == "ambiguous_url" and _hits(internal) == []


@pytest.mark.parametrize("second", ["loopback", "failure"])
def test_connect_time_check_closes_dns_rebinding(monkeypatch, internal, second):
    """The URL check sees a public address; the connection would go to 127.0.0.1 (directly, or after a
    failed lookup that made a lax guard fall back to the client's own, unchecked, resolution)."""
    answers = iter([[PUBLIC], socket.gaierror("SERVFAIL") if second == "failure" else ["127.0.0.1"]])

    def resolve():
        answer = next(answers, ["127.0.0.1"])
        if isinstance(answer, Exception):
            raise answer
        return answer

    fake_dns(monkeypatch, {"rebind.example": resolve})
    fetcher = Fetcher(fast_http(obey_robots=False, retries=0))
    result = fetcher.fetch(f"http://rebind.example:{internal.port}/")
    assert result.error in ("private_address", "connection_error:ConnectionError") and _hits(internal) == []
    assert second == "failure" or result.error == "private_address"


def test_snopes_page_links_images_and_srcset(workspace, httpserver, internal):
    base = httpserver.url_for("").rstrip("/")
    site = f"localhost:{httpserver.port}"
    serve = httpserver.expect_request
    serve("/robots.txt").respond_with_data("", status=404)
    page_link = _sneaky(internal, site, "/fact-check/evil/")
    redirected = f"{base}/fact-check/moved/"
    serve("/fact-check/").respond_with_data(
        sites.listing([f"{base}/fact-check/modern-1/", page_link, redirected], None, ["2023-03-01"] * 3),
        content_type="text/html",
    )
    serve("/fact-check/moved/").respond_with_data(
        "", status=301, headers={"Location": _sneaky(internal, site, "/fact-check/modern-1/")}
    )
    image, srcset = _sneaky(internal, site, "/a.png"), _sneaky(internal, site, "/b.png")
    hostile = f'<img src="{image}" alt="a"><img srcset="{srcset} 2x" alt="b">'
    serve("/fact-check/modern-1/").respond_with_data(
        sites.snopes_modern(base, 1, cnn="https://www.cnn.com/x", extra_links=hostile),
        content_type="text/html",
    )
    serve("/img/lead-1.png").respond_with_data(sites.png(1), content_type="image/png")
    report = crawl_snopes(workspace, SnopesConfig(base_url=base, http=fast_http()))
    assert _hits(internal) == []
    [item] = list(workspace.read("crawl/snopes"))
    errors = {img["url"]: img["error"] for img in item["images"]}
    assert errors[image] == errors[srcset] == "ambiguous_url"
    assert report.failure_reasons.get("ambiguous_url") == 2  # the page link and the redirect


def test_news_links_and_archive_links_from_snopes(workspace, monkeypatch, internal):
    # with working DNS, a urlsplit-based guard passes these (their hosts look public)
    fake_dns(monkeypatch, {"www.cnn.com": [PUBLIC], "web.archive.org": [PUBLIC]})
    links = [
        _sneaky(internal, "www.cnn.com", "/2023/03/01/politics/a"),
        _sneaky(internal, "web.archive.org", "/web/2023/https://www.cnn.com/2023/03/01/politics/b"),
    ]
    item = {"id": "snopes:1", "links": links, "fact_check": None, "topic": "politics"}
    workspace.write_records("crawl/snopes", None, [item])
    report = crawl_news(workspace, NewsConfig(http=fast_http(obey_robots=False)))
    assert _hits(internal) == []
    assert report.failure_reasons == {"ambiguous_url": 2}
