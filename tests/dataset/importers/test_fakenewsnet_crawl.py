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
        "politifact3,,Blog post without a URL,\n",
        encoding="utf-8",
    )
    ws = Workspace(tmp_path / "ws")
    import_fakenewsnet(ws, FakeNewsNetConfig(folder))
    config = CrawlConfig(
        http=fast_http(allowed_private_hosts=(host,)),
        host_platforms={host: "cnn"},
        api_base=base,
        wayback_api=f"{base}/wayback/available",  # not served: the dead link has no capture
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
    gone = records["fakenewsnet:politifact2"]["metadata"]["crawl"]  # the crawler's Wayback fallback tried too
    assert gone.startswith("article not fetched: ") and "http_404" in gone
    assert records["fakenewsnet:politifact3"]["text"] == ""  # nothing to crawl
    assert summary.articles_filled == 1 and summary.tweets_attached == 2
    assert summary.not_crawled == {"article_failed": 1, "no_url": 1}
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
        'id,news_url,title,tweet_ids\ngossipcop-1,,T,"1\t2"\n', encoding="utf-8"
    )
    ws = Workspace(tmp_path / "ws")
    import_fakenewsnet(ws, FakeNewsNetConfig(folder))
    summary = crawl_articles(ws, CrawlConfig())
    assert summary.tweets_skipped == "TWITTER_BEARER_TOKEN is not set" and summary.articles_filled == 0


def test_fakeddit_fetches_images_politely_and_resumably(tmp_path, httpserver):
    from finefake.dataset.importers.fakeddit import FakedditConfig, import_fakeddit
    from tests.dataset.importers import formats

    base = httpserver.url_for("").rstrip("/")
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/a1.jpg").respond_with_data(sites.png(3), content_type="image/png")
    httpserver.expect_request("/a2.jpg").respond_with_data("not an image", content_type="image/png")
    header = formats.FAKEDDIT_HEADER
    rows = [
        formats._fakeddit_row(i, p, "pics", f"T {p}", ("1", "0", "0"))
        for i, p in enumerate(("a1", "a2", "a3"))
    ]
    rows = [r.replace("https://i.imgur.com", base) for r in rows]
    (tmp_path / "multimodal_train.tsv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    ws = Workspace(tmp_path / "ws")
    config = FakedditConfig(
        tmp_path / "multimodal_train.tsv",
        fetch_images=True,
        http=fast_http(allowed_private_hosts=(base.split("//")[1],)),
    )
    report = import_fakeddit(ws, config)
    records = {r["id"]: r for r in ws.read("records")}
    assert records["fakeddit:a1"]["images"][0]["url"] == f"{base}/a1.jpg"
    assert records["fakeddit:a2"]["images"] == [] and records["fakeddit:a3"]["images"] == []
    reasons = {p.line: p.reason for p in report.problems}
    assert "image_undecodable" in reasons[3] and "http_500" in reasons[4]  # no handler for a3: server error
    before = len(httpserver.log)
    import_fakeddit(ws, config)  # rerun: answered from the archive of the first run
    assert [r.path for r, _ in httpserver.log[before:]] == ["/a3.jpg"] * (len(httpserver.log) - before)
