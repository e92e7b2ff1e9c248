"""``import fakenewsnet --crawl``: articles through finefake's news crawler, tweets through its tweepy client."""

from __future__ import annotations

from crawlers import api_data, sites
from crawlers.conftest import fast_http

from finefake.dataset.importers.fakenewsnet import (
    CrawlConfig,
    FakeNewsNetConfig,
    crawl_articles,
    import_fakenewsnet,
)
from finefake.workspace import Workspace


def test_crawl_fills_articles_and_attaches_tweets(tmp_path, httpserver, monkeypatch):
    monkeypatch.setenv("TWITTER_BEARER_TOKEN", api_data.BEARER)
    base = httpserver.url_for("").rstrip("/")
    host = base.split("//")[1]
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/2018/story-1").respond_with_data(
        sites.news_article(1, jsonld=True, image=f"{base}/media/1.png"), content_type="text/html"
    )
    httpserver.expect_request("/gone").respond_with_data("missing", status=404)
    for name in ("1", "700", "701"):
        httpserver.expect_request(f"/media/{name}.png").respond_with_data(
            sites.png(int(name)), content_type="image/png"
        )
    api_data.serve_twitter(httpserver, base)
    folder = tmp_path / "fnn"
    folder.mkdir()
    (folder / "politifact_fake.csv").write_text(
        "id,news_url,title,tweet_ids\n"
        f'politifact1,{base}/2018/story-1,Story one,"700\t701\t404"\n'
        f"politifact2,{base}/gone,Gone story,\n"
        "politifact3,www.some-blog.example/post,Blog post,\n",
        encoding="utf-8",
    )
    ws = Workspace(tmp_path / "ws")
    import_fakenewsnet(ws, FakeNewsNetConfig(folder))
    config = CrawlConfig(
        http=fast_http(allowed_private_hosts=(host,)), host_platforms={host: "cnn"}, api_base=base
    )
    summary = crawl_articles(ws, config)
    records = {r["id"]: r for r in ws.read("records", "record")}
    one = records["fakenewsnet:politifact1"]
    assert "Paragraph 2 of article 1" in one["text"] and one["authors"] == ["Ann Writer"]
    assert one["images"][0]["sha256"] and one["metadata"]["crawl"] == "article fetched"
    assert [c["id"] for c in one["comments"]] == [
        "twitter:700",
        "twitter:701",
    ]  # 404 is reported, not attached
    assert one["comments"][0]["text"].startswith("Photo of the senator") and one["label"] == 0
    assert records["fakenewsnet:politifact2"]["metadata"]["crawl"].startswith("article not fetched: http_404")
    assert records["fakenewsnet:politifact3"]["text"] == ""  # a host the crawler has no platform for
    assert summary.articles_filled == 1 and summary.tweets_attached == 2
    assert summary.not_crawled == {"article_failed": 1, "host_not_a_news_platform": 1}
    # rerun: resumes from the frontiers and archives, asks the web for nothing new
    before = len(httpserver.log)
    crawl_articles(ws, config)
    assert len(httpserver.log) == before
    assert {r["id"]: r["text"] for r in ws.read("records")} == {k: v["text"] for k, v in records.items()}


def test_crawl_without_token_still_fetches_articles(tmp_path, monkeypatch):
    monkeypatch.delenv("TWITTER_BEARER_TOKEN", raising=False)
    folder = tmp_path / "fnn"
    folder.mkdir()
    (folder / "gossipcop_real.csv").write_text(
        'id,news_url,title,tweet_ids\ngossipcop-1,www.blog.example/x,T,"1\t2"\n', encoding="utf-8"
    )
    ws = Workspace(tmp_path / "ws")
    import_fakenewsnet(ws, FakeNewsNetConfig(folder))
    summary = crawl_articles(ws, CrawlConfig())
    assert summary.tweets_skipped == "TWITTER_BEARER_TOKEN is not set" and summary.articles_filled == 0
