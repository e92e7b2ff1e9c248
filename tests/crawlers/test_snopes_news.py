"""Snopes and news crawlers against a local mini-web: layouts, JSON-LD or not, lazy images, archive links."""

from __future__ import annotations

from collections import Counter

from crawlers.conftest import build_news_site, build_snopes_site, fast_http
from finefake.crawlers.news import NewsConfig, crawl_news, parse_sitemap, platform_for
from finefake.crawlers.snopes import SnopesConfig, crawl_snopes, unwrap_archive
from finefake.records import validate


def _by_path(ws, stage):
    return {item["url"].split("/", 3)[3].rstrip("/"): item for item in ws.read(stage, "raw_item")}


def test_snopes_layouts_and_failures(workspace, httpserver, news_server):
    news = build_news_site(news_server)
    base = build_snopes_site(httpserver, news)
    report = crawl_snopes(workspace, SnopesConfig(base_url=base, http=fast_http()))
    items = _by_path(workspace, "crawl/snopes")
    assert set(items) == {"fact-check/modern-1", "fact-check/modern-2", "fact-check/old-3", "legacy-4.asp"}

    modern = items["fact-check/modern-1"]
    assert modern["metadata"]["layout"] == "2022+jsonld"
    assert modern["fact_check"]["rating"] == "Miscaptioned" and modern["fact_check"]["label"] == 0
    assert modern["fact_check"]["claim"].startswith("A photograph shows senator number 1")
    assert modern["fact_check"]["categories"] == ["Fauxtography"] and modern["topic"] == "society"
    assert modern["authors"] == ["Dan Evon"] and modern["published"] == "2023-03-11T12:00:00Z"
    urls = [img["url"] for img in modern["images"]]
    assert urls == [
        f"{base}/img/lead-1.png",
        f"{base}/img/body-1.png",
        f"{base}/img/big-1.png",
        "http://169.254.169.254/latest/x.png",
        "http://127.0.0.1:9/x.png",
    ]  # lazy + srcset, no pixel
    stored = [img for img in modern["images"] if img["path"]]
    assert len(stored) == 3 and all((workspace.root / img["path"]).exists() for img in stored)
    assert all(img["width"] == 64 and len(img["sha256"]) == 64 for img in stored)
    assert [img["error"] for img in modern["images"][3:]] == ["private_address", "private_address"]
    links = modern["links"]
    assert f"{news}/2023/03/01/politics/rally-1" in links and "https://archive.ph/AbCdE" in links
    assert "https://twitter.com/someone/status/1001" in links  # from the ClaimReview appearance
    assert not any("facebook.com/sharer" in u or u.startswith(base) for u in links)
    sources = {s["url"]: s["archive_of"] for s in modern["metadata"]["sources"]}
    assert sources[
        "https://web.archive.org/web/20230301000000/https://www.cnn.com/2023/03/01/politics/rally"
    ] == ("https://www.cnn.com/2023/03/01/politics/rally")

    old = items["fact-check/old-3"]
    assert old["metadata"]["layout"] == "2017"
    assert (old["fact_check"]["rating"], old["fact_check"]["label"], old["topic"]) == ("False", 0, "politics")
    assert old["authors"] == ["David Mikkelson"] and old["published"].startswith("2019-06-12")
    assert old["images"][0]["url"].endswith("/img/noscript-3.png") and old["images"][0]["path"]

    legacy = items["legacy-4.asp"]
    assert legacy["metadata"]["layout"] == "legacy" and legacy["title"] == "Flu shot rumor 4"
    assert legacy["fact_check"]["claim"] == "The flu shot number 4 contains microchips."
    assert legacy["fact_check"]["rating"] == "False" and legacy["topic"] == "health"
    assert legacy["images"][0]["error"] == "image_undecodable" and legacy["images"][0]["path"] is None

    failed = {f["url"].split("/", 3)[3]: f["error"] for f in report.failures}
    assert failed["fact-check/malformed/"].startswith("parse_error")
    assert failed["fact-check/empty/"] == "empty_body"
    assert failed["fact-check/pdf/"] == "bad_content_type:application/pdf"
    assert failed["fact-check/blocked/"] == "robots_disallowed"
    assert not any("/fact-check/blocked/" in r.path for r, _ in httpserver.log)
    for item in items.values():
        validate("raw_item", item)
    # every page, image and robots.txt was requested exactly once (robots first)
    paths = [r.path for r, _ in httpserver.log]
    assert paths[0] == "/robots.txt" and len(paths) == len(set(paths)), Counter(paths).most_common(3)


def test_snopes_limit_and_since(workspace, httpserver, news_server):
    base = build_snopes_site(httpserver, build_news_site(news_server))
    report = crawl_snopes(workspace, SnopesConfig(base_url=base, limit=2, http=fast_http()))
    assert report.items_written == 2 and len(list(workspace.read("crawl/snopes"))) == 2
    other = type(workspace)(workspace.root.parent / "ws2")
    crawl_snopes(other, SnopesConfig(base_url=base, since="2020-01-01", http=fast_http()))
    assert {i["url"].split("/", 3)[3].rstrip("/") for i in other.read("crawl/snopes")} == {
        "fact-check/modern-1",
        "fact-check/modern-2",
    }


def test_news_from_snopes_links(workspace, httpserver, news_server):
    news = build_news_site(news_server)
    base = build_snopes_site(httpserver, news)
    crawl_snopes(workspace, SnopesConfig(base_url=base, http=fast_http()))
    host = news.split("//")[1]
    config = NewsConfig(
        host_platforms={host: "cnn", "10.0.0.5": "cnn"}, http=fast_http(allowed_private_hosts=(host,))
    )
    report = crawl_news(workspace, config)
    items = {i["url"]: i for i in workspace.read("crawl/news", "raw_item")}
    assert set(items) == {f"{news}/2023/03/01/politics/rally-1", f"{news}/2023/03/01/politics/rally-2"}
    one, two = items[f"{news}/2023/03/01/politics/rally-1"], items[f"{news}/2023/03/01/politics/rally-2"]
    assert one["platform"] == "cnn" and one["metadata"]["jsonld"] is True
    assert one["title"] == "Rally report 1" and one["authors"] == ["Ann Writer"]
    assert one["published"] == "2023-03-01T10:00:00-05:00" and "Paragraph 2 of article 1" in one["text"]
    assert two["metadata"]["jsonld"] is False  # OpenGraph / meta fallback
    assert two["title"] == "Rally report 2" and two["authors"] == ["Jane Reporter"]  # its h1, not og:title
    assert two["published"] == "2023-03-02T08:00:00Z"
    assert one["fact_check"]["url"] == f"{base}/fact-check/modern-1/" and one["topic"] == "society"
    assert one["images"][0]["path"] and one["images"][0]["url"] == f"{news}/media/1.png"
    errors = {f["url"]: f["error"] for f in report.failures}
    assert errors["http://10.0.0.5/news/1"] == "private_address"
    # the archive.org copy of a CNN page is attempted (network is off here, so it fails and is recorded)
    assert any("web.archive.org" in u for u in errors)


def test_sitemaps_and_platforms():
    xml = b"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"
      xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">
      <url><loc>https://apnews.com/article/a</loc><news:news><news:publication_date>2023-01-02</news:publication_date>
      </news:news></url><url><loc>https://apnews.com/article/b</loc><lastmod>2019-01-01</lastmod></url></urlset>"""
    children, articles = parse_sitemap(xml, "https://apnews.com/sitemap.xml")
    assert children == [] and articles == [
        ("https://apnews.com/article/a", "2023-01-02T00:00:00Z"),
        ("https://apnews.com/article/b", "2019-01-01T00:00:00Z"),
    ]
    index = b"<sitemapindex><sitemap><loc>/news.xml</loc></sitemap></sitemapindex>"
    assert parse_sitemap(index, "https://cdc.gov/s.xml")[0] == ["https://cdc.gov/news.xml"]
    rss = (
        b"<rss><channel><item><link>https://www.cnn.com/x</link><pubDate>Tue, 10 Jan 2023 10:00:00 GMT</pubDate>"
        b"</item></channel></rss>"
    )
    assert parse_sitemap(rss, "https://cnn.com/rss")[1] == [("https://www.cnn.com/x", "2023-01-10T10:00:00Z")]
    bomb = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]><urlset><url><loc>&b;</loc></url></urlset>'
    assert parse_sitemap(bomb, "https://cnn.com/s.xml")[1] in ([], [("https://cnn.com/s.xml", None)])
    assert platform_for("https://edition.cnn.com/2023/x") == "cnn"
    assert platform_for("https://www.washingtonpost.com/a") == "washingtonpost"
    assert platform_for("https://web.archive.org/web/2020/https://www.cdc.gov/flu/") == "cdc"
    assert platform_for("https://example.org/a") is None
    assert (
        unwrap_archive("https://web.archive.org/web/2020id_/http://nytimes.com/a") == "http://nytimes.com/a"
    )
    assert unwrap_archive("https://archive.ph/AbCdE") is None


def test_articles_without_fact_check_take_their_topic_from_the_section():
    from finefake.crawlers.news import section_topic

    assert section_topic("Politics") == "politics"
    assert section_topic(["Opinion", "Health"]) == "health"
    assert section_topic("Society") == "society" and section_topic("Conflict") == "conflict"
    assert section_topic("Opinion") is None and section_topic(None) is None
