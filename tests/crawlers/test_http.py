"""The shared HTTP layer: politeness, retries, safety limits; each bad case is a recorded failure."""

from __future__ import annotations

import gzip
import io
import time

import pytest
from PIL import Image
from werkzeug.wrappers import Response

from crawlers.conftest import fast_http
from finefake.crawlers.archive import WarcArchive
from finefake.crawlers.http import Fetcher, address_error, retry_after_seconds
from finefake.crawlers.runner import store_images


def fetcher(**overrides) -> Fetcher:
    return Fetcher(fast_http(**overrides), allow_hosts=("localhost",))


@pytest.fixture(autouse=True)
def no_robots(httpserver):
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)


def test_retry_after_is_waited_out(httpserver):
    calls = []

    def handler(request):
        calls.append(time.monotonic())
        if len(calls) == 1:
            return Response("slow down", status=429, headers={"Retry-After": "1"})
        return Response("<html><body>ok</body></html>", content_type="text/html")

    httpserver.expect_request("/page").respond_with_handler(handler)
    result = fetcher().fetch(httpserver.url_for("/page"))
    assert result.ok and result.status == 200 and len(calls) == 2
    assert calls[1] - calls[0] >= 0.95
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


def test_5xx_retried_then_failed(httpserver):
    httpserver.expect_request("/down").respond_with_data("oops", status=503)
    result = fetcher(retries=2).fetch(httpserver.url_for("/down"))
    assert result.error == "http_503"
    assert sum(1 for r, _ in httpserver.log if r.path == "/down") == 3


def test_redirects_loops_and_private_hops(httpserver):
    httpserver.expect_request("/a").respond_with_data("", status=302, headers={"Location": "/b"})
    httpserver.expect_request("/b").respond_with_data("", status=301, headers={"Location": "/a"})
    httpserver.expect_request("/ok").respond_with_data("", status=302, headers={"Location": "/final"})
    httpserver.expect_request("/final").respond_with_data("<p>done</p>", content_type="text/html")
    httpserver.expect_request("/evil").respond_with_data(
        "", status=302, headers={"Location": "http://169.254.169.254/latest/meta-data"}
    )
    f = fetcher()
    assert f.fetch(httpserver.url_for("/a")).error == "redirect_loop"
    ok = f.fetch(httpserver.url_for("/ok"))
    assert ok.ok and ok.body == b"<p>done</p>" and ok.url == httpserver.url_for("/ok")
    assert f.fetch(httpserver.url_for("/evil")).error == "private_address"


def test_private_addresses_refused_by_default():
    for url in (
        "http://127.0.0.1/x",
        "http://10.1.2.3/x",
        "http://169.254.169.254/x",
        "http://[::1]/x",
        "http://192.168.0.1/",
        "http://localhost:8080/",
    ):
        assert address_error(url) == "private_address", url
    assert address_error("ftp://example.org/x") == "unsupported_scheme"
    assert address_error("file:///etc/passwd") == "unsupported_scheme"
    assert address_error("http://127.0.0.1:5000/x", frozenset({"127.0.0.1:5000"})) is None
    assert address_error("http://127.0.0.1:5001/x", frozenset({"127.0.0.1:5000"})) == "private_address"
    assert address_error("http://8.8.8.8/x") is None
    result = Fetcher(fast_http()).fetch("http://10.0.0.1/admin")
    assert result.error == "private_address"


def test_size_caps_content_types_and_gzip_bomb(httpserver):
    httpserver.expect_request("/big").respond_with_data(b"x" * 50_000, content_type="text/html")
    bomb = gzip.compress(b"<html>" + b" " * 20_000_000)
    httpserver.expect_request("/bomb").respond_with_data(
        bomb, content_type="text/html", headers={"Content-Encoding": "gzip"}
    )
    httpserver.expect_request("/json").respond_with_data("{}", content_type="application/json")
    f = fetcher(max_bytes=10_000)
    assert f.fetch(httpserver.url_for("/big")).error == "too_large"
    assert len(bomb) < 10_000 * 5 and f.fetch(httpserver.url_for("/bomb")).error == "too_large"
    assert f.fetch(httpserver.url_for("/json")).error == "bad_content_type:application/json"
    assert f.fetch(httpserver.url_for("/json"), expect="json").ok


def test_robots_disallow_and_crawl_delay(httpserver):
    httpserver.clear()
    httpserver.expect_request("/robots.txt").respond_with_data(
        "User-agent: *\nCrawl-delay: 0.3\nDisallow: /private\n", content_type="text/plain"
    )
    httpserver.expect_request("/p1").respond_with_data("<p>1</p>", content_type="text/html")
    httpserver.expect_request("/p2").respond_with_data("<p>2</p>", content_type="text/html")
    f = fetcher()
    assert f.fetch(httpserver.url_for("/private/x")).error == "robots_disallowed"
    t0 = time.monotonic()
    assert f.fetch(httpserver.url_for("/p1")).ok and f.fetch(httpserver.url_for("/p2")).ok
    assert time.monotonic() - t0 >= 0.28  # the second request waits out the crawl delay
    assert not any(r.path.startswith("/private") for r, _ in httpserver.log)


def test_images_bombs_and_junk_recorded(workspace, httpserver):
    buf = io.BytesIO()
    Image.new("L", (12_000, 12_000)).save(buf, "PNG")  # 144 Mpx, compresses to a few hundred KB
    httpserver.expect_request("/bomb.png").respond_with_data(buf.getvalue(), content_type="image/png")
    httpserver.expect_request("/html.png").respond_with_data("<html>", content_type="text/html")
    small = io.BytesIO()
    Image.new("RGB", (20, 10), "red").save(small, "JPEG")
    httpserver.expect_request("/ok.jpg").respond_with_data(small.getvalue(), content_type="image/jpeg")
    images = [{"url": httpserver.url_for(p)} for p in ("/bomb.png", "/html.png", "/ok.jpg", "/ok.jpg")]
    out = store_images(workspace, fetcher(), images + [{"url": "http://10.0.0.9/a.png"}], max_images=10)
    assert [i["error"] for i in out] == [
        "image_decompression_bomb",
        "bad_content_type:text/html",
        None,
        "private_address",
    ]
    assert out[2]["width"] == 20 and (workspace.root / out[2]["path"]).exists()


def test_archive_reuse_and_replay(tmp_path, httpserver):
    httpserver.expect_request("/p").respond_with_data("<p>archived</p>", content_type="text/html")
    live = Fetcher(fast_http(), archive=WarcArchive(write_dir=tmp_path / "warc"), allow_hosts=("localhost",))
    first = live.fetch(httpserver.url_for("/p"))
    assert live.fetch("http://10.0.0.1/x").error == "private_address"
    live.close()
    replay = Fetcher(fast_http(), archive=WarcArchive([tmp_path / "warc"]), replay=True)
    again = replay.fetch(httpserver.url_for("/p"))
    assert again.body == first.body and again.fetched_at == first.fetched_at and again.from_archive
    assert replay.fetch("http://10.0.0.1/x").error == "private_address"
    assert replay.fetch(httpserver.url_for("/never")).error == "not_in_archive"
    assert replay.network_requests == 0
    # a truncated archive (killed writer) still yields every complete record
    path = next((tmp_path / "warc").iterdir())
    path.write_bytes(path.read_bytes() + b"\x1f\x8b\x08\x00garbage")
    assert WarcArchive([path]).lookup(httpserver.url_for("/p")).body == b"<p>archived</p>"
