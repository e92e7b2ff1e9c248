"""A crawl killed while a large response was archived leaves a short last WARC record: never replayed as whole."""

from __future__ import annotations

import random

from crawlers import sites
from crawlers.conftest import fast_http
from warcio.archiveiterator import ArchiveIterator

from finefake.crawlers.archive import WarcArchive
from finefake.crawlers.http import Fetcher
from finefake.crawlers.news import NewsConfig, crawl_news


def _response_offsets(path) -> dict[str, int]:
    with open(path, "rb") as fh:
        iterator = ArchiveIterator(fh)
        return {
            r.rec_headers.get_header("WARC-Target-URI"): iterator.get_record_offset()
            for r in iterator
            if r.rec_type == "response"
        }


def _serve_big_article(httpserver) -> str:
    rng = random.Random(0)
    noise = " ".join("".join(rng.choice("abcdefghij") for _ in range(8)) for _ in range(4000))
    page = sites.news_article(1, jsonld=True, image="").replace("</article>", f"<p>{noise}</p></article>")
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/2023/03/01/politics/big").respond_with_data(page, content_type="text/html")
    return httpserver.url_for("/2023/03/01/politics/big")


def test_torn_record_is_skipped_reported_on_replay_and_refetched(workspace, httpserver):
    url = _serve_big_article(httpserver)
    config = NewsConfig(
        from_snopes=False,
        urls=(url,),
        host_platforms={f"localhost:{httpserver.port}": "cnn"},
        http=fast_http(),
    )
    crawl_news(workspace, config)
    [warc] = list((workspace.root / "crawl/news/warc").iterdir())
    offsets = _response_offsets(warc)
    size = warc.stat().st_size
    cut = offsets[url] + (size - offsets[url]) // 2  # kill -9 halfway through writing the big record
    with open(warc, "rb+") as fh:
        fh.truncate(cut)

    archive = WarcArchive([warc])
    assert archive.lookup(url) is None
    assert [d["url"] for d in archive.damaged] == [url] and "truncated" in archive.damaged[0]["problem"]

    replay_ws = type(workspace)(workspace.root.parent / "replay")
    report = crawl_news(replay_ws, NewsConfig(**{**config.__dict__, "replay": str(warc)}))
    assert report.failure_reasons["damaged_archive_record"] == 1
    assert report.items_written == 0  # no item with truncated text
    assert replay_ws.load_manifest("crawl/news")["archive_damaged"][0]["url"] == url

    # a resumed live run refetches it whole (the archive of the run is read back as in open_crawl)
    before = len(httpserver.log)
    fetcher = Fetcher(fast_http(), archive=WarcArchive([warc]), allow_hosts=(f"localhost:{httpserver.port}",))
    fetched = fetcher.fetch(url)
    assert fetched.ok and not fetched.from_archive and len(httpserver.log) > before
    assert fetched.body.endswith(b"</html>")
