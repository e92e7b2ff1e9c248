"""Slow servers meet a total deadline per exchange; pages declaring their charset only in markup decode right."""

from __future__ import annotations

import time

import pytest
from crawlers.conftest import fast_http

from finefake.crawlers.http import Fetched, Fetcher, sniff_charset
from hardening.hostile import trickle_server

OK_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 400\r\n\r\n"


@pytest.mark.parametrize(
    ("head", "body"),
    [
        (OK_HEAD, b"<p>" + b"x" * 397),  # body trickled
        (b"HTTP/1.1 200 OK\r\n", b"X-Slow: " + b"y" * 400),  # headers trickled
    ],
)
def test_a_trickling_server_is_cut_off_at_the_deadline(head, body):
    with trickle_server(head, body, delay=0.05) as base:
        fetcher = Fetcher(fast_http(timeout=0.5, deadline=1.0, obey_robots=False), allow_hosts=("127.0.0.1",))
        start = time.monotonic()
        result = fetcher.fetch(f"{base}/page")
        elapsed = time.monotonic() - start
    assert result.error == "timeout"
    assert elapsed < 2.5  # one exchange, not one per retry, each well past the 0.5 s socket timeout


def test_a_fast_server_is_unaffected_by_the_deadline(httpserver):
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/p").respond_with_data("<p>fine</p>", content_type="text/html")
    result = Fetcher(fast_http(deadline=1.0), allow_hosts=("localhost",)).fetch(httpserver.url_for("/p"))
    assert result.ok and result.body == b"<p>fine</p>"


CAFE = "Café, naïve — “quoted”"


@pytest.mark.parametrize(
    ("body", "content_type", "charset"),
    [
        (
            f'<html><head><meta charset="windows-1252"><title>{CAFE}</title>'.encode("cp1252"),
            "text/html",
            "cp1252",
        ),
        (
            b'<html><head><meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">'
            + "Café".encode("latin-1"),
            "text/html",
            "cp1252",
        ),
        (f"<p>{CAFE}</p>".encode("utf-8-sig"), "text/html", "utf-8-sig"),
        ("<p>Café</p>".encode("utf-16"), "text/html", "utf-16"),
        (
            f'<?xml version="1.0" encoding="windows-1252"?><rss>{CAFE}</rss>'.encode("cp1252"),
            "text/xml",
            "cp1252",
        ),
        (b'<meta charset="bogus-charset"><p>x</p>', "text/html", "utf-8"),
        (b'<meta charset="utf-16"><p>x</p>', "text/html", "utf-8"),
        ('<meta charset="windows-1252"><p>Café</p>'.encode(), "text/html; charset=utf-8", "utf-8"),
    ],
)
def test_charset_from_bom_header_meta_or_xml_declaration(body, content_type, charset):
    assert sniff_charset(body, content_type) == charset
    fetched = Fetched("u", "u", headers={"content-type": content_type}, body=body)
    assert "\ufffd" not in fetched.text and ("Café" in fetched.text or "x" in fetched.text)


def test_meta_only_page_is_stored_without_mojibake(httpserver):
    page = f'<html><head><meta charset="windows-1252"></head><body><p>{CAFE}</p></body></html>'
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/p").respond_with_data(page.encode("cp1252"), content_type="text/html")
    fetched = Fetcher(fast_http(), allow_hosts=("localhost",)).fetch(httpserver.url_for("/p"))
    assert CAFE in fetched.text
