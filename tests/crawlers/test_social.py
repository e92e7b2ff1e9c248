"""Reddit (praw) and Twitter (tweepy API v2): cassettes on the real hosts, and a local server for the demo."""

from __future__ import annotations

from pathlib import Path

import pytest
import vcr

from crawlers import api_data, sites
from crawlers.conftest import fast_http
from finefake.crawlers.reddit import RedditConfig, crawl_reddit, submission_id
from finefake.crawlers.twitter import TwitterConfig, crawl_twitter, tweet_id
from finefake.errors import FinefakeError, MissingCredentials

CASSETTES = Path(__file__).parent / "cassettes"
replay = vcr.VCR(
    record_mode="none",
    match_on=["method", "scheme", "host", "path"],
    filter_headers=["authorization"],
    decode_compressed_response=True,
)


@pytest.fixture
def credentials(monkeypatch):
    monkeypatch.setenv("REDDIT_CLIENT_ID", api_data.SECRET_ID)
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", api_data.SECRET_KEY)
    monkeypatch.setenv("REDDIT_USER_AGENT", "finefake-tests")
    monkeypatch.setenv("TWITTER_BEARER_TOKEN", api_data.BEARER)


def _check_reddit(ws, image_base: str) -> None:
    items = {i["id"]: i for i in ws.read("crawl/reddit", "raw_item")}
    assert set(items) == {"reddit:abc123", "reddit:gal456"}
    post = items["reddit:abc123"]
    assert post["title"] == "Senator rally photo abc123" and post["text"] == "Is this real?"
    assert post["authors"] == ["poster"] and post["published"] == "2023-03-05T07:06:40Z"
    assert post["url"] == "https://www.reddit.com/r/pics/comments/abc123/senator/"
    assert post["metadata"]["score"] == 1234 and post["metadata"]["subreddit"] == "pics"
    assert [c["id"] for c in post["comments"]] == ["c1", "c3", "c4", "c2"]  # flattened, "more" replaced
    assert post["comments"][3]["parent_id"] == "t1_c1" and post["comments"][3]["author"] == "asker"
    assert post["images"][0]["url"] == f"{image_base}/i/abc123.png" and post["images"][0]["sha256"]
    gallery = items["reddit:gal456"]["images"]
    assert [g["url"] for g in gallery] == [
        f"{image_base}/gallery/m2.png",
        f"{image_base}/gallery/m1.png?a=1&b=2",
    ]
    assert all(g["path"] for g in gallery)


def test_reddit_from_cassette(workspace, credentials):
    config = RedditConfig(
        ids=("abc123", "https://www.reddit.com/r/pics/comments/gal456/title/", "t3_gone99"),
        replace_more_limit=None,
        http=fast_http(allowed_private_hosts=("i.redd.it",)),
    )
    with replay.use_cassette(str(CASSETTES / "reddit.yaml")) as cassette:
        report = crawl_reddit(workspace, config)
    assert cassette.all_played
    _check_reddit(workspace, "https://i.redd.it")
    assert report.failures == [
        {"url": "reddit:gone99", "kind": "submission", "error": "reddit_NotFound:received 404 HTTP response"}
    ]


def test_reddit_against_local_server(workspace, credentials, httpserver):
    base = httpserver.url_for("").rstrip("/")
    api_data.serve_reddit(httpserver, base)
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    for i, name in enumerate(("/i/abc123.png", "/gallery/m2.png", "/gallery/m1.png")):
        httpserver.expect_request(name).respond_with_data(sites.png(900 + i), content_type="image/png")
    config = RedditConfig(
        ids=("abc123", "gal456"), replace_more_limit=None, oauth_url=base, reddit_url=base, http=fast_http()
    )
    crawl_reddit(workspace, config)
    _check_reddit(workspace, base)
    token_requests = [r for r, _ in httpserver.log if r.path == "/api/v1/access_token"]
    assert token_requests and token_requests[0].authorization.username == api_data.SECRET_ID
    # resumable: a second run fetches nothing again and adds nothing
    before = len(httpserver.log)
    report = crawl_reddit(workspace, config)
    assert report.items_written == 0 and len(httpserver.log) == before


def test_reddit_replace_more_limit_zero_drops_stubs(workspace, credentials, httpserver):
    base = httpserver.url_for("").rstrip("/")
    api_data.serve_reddit(httpserver, base)
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    config = RedditConfig(
        ids=("abc123",), replace_more_limit=0, max_images=0, oauth_url=base, reddit_url=base, http=fast_http()
    )
    crawl_reddit(workspace, config)
    (post,) = workspace.read("crawl/reddit")
    assert [c["id"] for c in post["comments"]] == ["c1", "c3", "c2"]
    assert not any(r.path == "/api/morechildren/" for r, _ in httpserver.log)


def _check_tweets(ws, image_base: str) -> dict:
    items = {i["id"]: i for i in ws.read("crawl/twitter", "raw_item")}
    tweet = items["twitter:100"]
    assert tweet["text"].startswith("Photo of the senator") and tweet["authors"] == ["@someone"]
    assert tweet["url"] == "https://twitter.com/someone/status/100"
    assert tweet["published"] == "2023-03-05T12:00:00Z"
    assert tweet["images"][0]["url"] == f"{image_base}/media/100.png" and tweet["images"][0]["width"] == 64
    return items


def test_twitter_from_cassette_degrades_on_tier_errors(workspace, credentials):
    config = TwitterConfig(
        ids=("100", "https://x.com/someone/status/101", "404"),
        http=fast_http(allowed_private_hosts=("pbs.twimg.com",)),
    )
    with replay.use_cassette(str(CASSETTES / "twitter.yaml")) as cassette:
        report = crawl_twitter(workspace, config)
    assert cassette.play_count >= 5
    items = _check_tweets(workspace, "https://pbs.twimg.com")
    assert set(items) == {"twitter:100", "twitter:101"}
    assert items["twitter:100"]["comments"] == []
    assert items["twitter:100"]["metadata"]["replies"].startswith(
        "unavailable for this access tier (twitter_403"
    )
    assert {"id": "404", "error": "Not Found Error: Could not find tweet with ids: [404]."} in report.failures
    assert report.failure_reasons == {"replies_unavailable": 1}


def test_twitter_against_local_server(workspace, credentials, httpserver):
    base = httpserver.url_for("").rstrip("/")
    api_data.serve_twitter(httpserver, base, replies_allowed=True)
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    for tid in ("100", "555", "556", "557"):
        httpserver.expect_request(f"/media/{tid}.png").respond_with_data(
            sites.png(int(tid)), content_type="image/png"
        )
    config = TwitterConfig(
        ids=("100",), query="senator rally has:images", search_pages=2, api_base=base, http=fast_http()
    )
    crawl_twitter(workspace, config)
    items = _check_tweets(workspace, base)
    assert set(items) == {"twitter:100", "twitter:555", "twitter:556", "twitter:557"}
    assert items["twitter:100"]["comments"] == [
        {
            "id": "9001",
            "author": "replier",
            "text": "@someone that's old",
            "created": "2023-03-05T13:00:00Z",
            "parent_id": "100",
            "score": 2,
        }
    ]
    auth = {r.headers.get("Authorization") for r, _ in httpserver.log if r.path.startswith("/2/")}
    assert auth == {f"Bearer {api_data.BEARER}"}


def test_missing_credentials_are_clear(workspace, monkeypatch):
    for name in ("REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET", "REDDIT_USER_AGENT", "TWITTER_BEARER_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(MissingCredentials, match="REDDIT_CLIENT_ID, REDDIT_CLIENT_SECRET, REDDIT_USER_AGENT"):
        crawl_reddit(workspace, RedditConfig(ids=("abc123",)))
    with pytest.raises(FinefakeError, match="TWITTER_BEARER_TOKEN"):
        crawl_twitter(workspace, TwitterConfig(ids=("1",)))


def test_ids_from_urls_and_cassettes_hold_no_secrets():
    assert submission_id("https://redd.it/abc123") == "abc123"
    assert submission_id("https://old.reddit.com/r/x/comments/def456/slug/") == "def456"
    assert submission_id("https://www.reddit.com/r/x/") is None
    assert tweet_id("https://twitter.com/a/status/1234567890") == "1234567890"
    assert tweet_id("https://x.com/a/statuses/1234567890?s=20") == "1234567890"
    assert tweet_id("https://example.org/status/123456") is None
    for cassette in CASSETTES.glob("*.yaml"):
        text = cassette.read_text()
        for secret in (api_data.SECRET_ID, api_data.SECRET_KEY, api_data.BEARER, "Authorization", "Bearer "):
            assert secret not in text, (cassette.name, secret)


def test_social_items_keep_the_snopes_fact_check(workspace, credentials, httpserver, news_server):
    from crawlers.conftest import build_news_site, build_snopes_site
    from finefake.crawlers.snopes import SnopesConfig, crawl_snopes

    base = build_snopes_site(httpserver, build_news_site(news_server))
    crawl_snopes(workspace, SnopesConfig(base_url=base, http=fast_http()))
    api = news_server.url_for("").rstrip("/")
    api_data.serve_reddit(news_server, api)
    api_data.serve_twitter(news_server, api)
    for name in ("/i/abc1.png", "/i/abc2.png", "/media/1001.png", "/media/1002.png"):
        news_server.expect_request(name).respond_with_data(sites.png(len(name)), content_type="image/png")
    crawl_reddit(workspace, RedditConfig(oauth_url=api, reddit_url=api, http=fast_http()))
    crawl_twitter(workspace, TwitterConfig(api_base=api, replies=False, http=fast_http()))
    snopes = {i["url"]: i for i in workspace.read("crawl/snopes")}
    for stage, ids in (
        ("crawl/reddit", {"reddit:abc1", "reddit:abc2"}),
        ("crawl/twitter", {"twitter:1001", "twitter:1002"}),
    ):
        items = {i["id"]: i for i in workspace.read(stage, "raw_item")}
        assert set(items) == ids
        for item in items.values():
            n = item["id"][-1]
            source = snopes[f"{base}/fact-check/modern-{n}/"]
            assert item["fact_check"] == source["fact_check"] and item["topic"] == "society"
            assert item["metadata"]["snopes_id"] == source["id"] and item["images"][0]["path"]


def test_reddit_subreddit_listing(workspace, credentials, httpserver):
    base = httpserver.url_for("").rstrip("/")
    api_data.serve_reddit(httpserver, base)
    httpserver.expect_request("/r/pics/new").respond_with_json(api_data.reddit_listing(["abc123", "gal456"]))
    config = RedditConfig(subreddits=("pics",), listing_limit=2, max_images=0, oauth_url=base, reddit_url=base,
                          http=fast_http())  # fmt: skip
    report = crawl_reddit(workspace, config)
    assert {i["id"] for i in workspace.read("crawl/reddit")} == {"reddit:abc123", "reddit:gal456"}
    assert report.tasks == {"done": 3}
    new = [r for r, _ in httpserver.log if r.path == "/r/pics/new"]
    assert new and new[0].args["limit"] == "2"


def test_reddit_media_falls_back_to_the_preview():
    from types import SimpleNamespace

    from finefake.crawlers.reddit import media_of

    link_post = SimpleNamespace(
        url="https://example.org/story", post_hint="link",
        preview={"images": [{"source": {"url": "https://preview.redd.it/x.jpg?width=640&amp;s=1"}}]},
    )  # fmt: skip
    assert media_of(link_post) == [{"url": "https://preview.redd.it/x.jpg?width=640&s=1", "alt": None}]
    assert media_of(SimpleNamespace(url="https://i.imgur.com/a.JPG")) == [
        {"url": "https://i.imgur.com/a.JPG", "alt": None}
    ]
    assert media_of(SimpleNamespace(url="https://example.org/", is_self=True)) == []
