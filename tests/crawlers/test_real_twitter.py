"""Twitter API v2 on recorded responses (fixtures/real/twitter, sources in the README there).

A local server answers ``/2/tweets`` with those bodies, so tweepy's own parsing and the crawler's handling of
retweets, replies, quotes, edits, video variants and the ``errors`` array all run on real response shapes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from werkzeug.wrappers import Request, Response

from crawlers.conftest import fast_http
from finefake.crawlers.twitter import TwitterConfig, best_mp4, crawl_twitter

# 2020 responses predate edit_history_tweet_ids; tweepy warns about every such tweet.
pytestmark = pytest.mark.filterwarnings("ignore:Tweet data missing default edit_history_tweet_ids")
REAL = Path(__file__).parent / "fixtures" / "real" / "twitter"


def _load(name: str) -> dict:
    return json.loads((REAL / name).read_text(encoding="utf-8"))


@pytest.fixture
def token(monkeypatch):
    monkeypatch.setenv("TWITTER_BEARER_TOKEN", "test-token")


def _crawl(workspace, httpserver, body: dict, ids: tuple[str, ...]):
    seen: list[dict] = []

    def tweets(request: Request) -> Response:
        seen.append(dict(request.args))
        return Response(json.dumps(body), content_type="application/json")

    httpserver.expect_request("/2/tweets").respond_with_handler(tweets)
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    config = TwitterConfig(
        ids=ids,
        from_snopes=False,
        replies=False,
        max_images=0,
        api_base=httpserver.url_for("").rstrip("/"),
        http=fast_http(),
    )
    report = crawl_twitter(workspace, config)
    items = {i["id"]: i for i in workspace.read("crawl/twitter", "raw_item")}
    return items, report, seen


def test_retweet_keeps_the_originals_full_text(workspace, httpserver, token):
    items, _, seen = _crawl(workspace, httpserver, _load("docs_retweet_2020.json"), ("1229851574555508737",))
    assert "referenced_tweets.id" in seen[0]["expansions"].split(",")
    rt = items["twitter:1229851574555508737"]
    # written by hand from includes.tweets[0] of the recorded response
    assert rt["text"] == (
        "I built an Alexa Skill for Twitter using APL that allows you to view Tweets and Trends on the echo "
        "show!\n\nCheck it out here 👇\n\nhttps://t.co/l5J8wq748G"
    )
    meta = rt["metadata"]
    assert meta["retweet_of"] == "1229843515603144704" and meta["retweet_author"] == "suhemparack"
    assert meta["retweet_text"].startswith("RT @suhemparack: ") and meta["retweet_text"].endswith("her…")
    assert rt["authors"] == ["@TwitterDev"]


def test_replies_quotes_and_deleted_tweets_from_a_2020_lookup(workspace, httpserver, token):
    ids = ("20", "1274087695145332736", "1274034244700930049", "1276035881992740864", "1276230436478386177")
    items, report, _ = _crawl(workspace, httpserver, _load("postman_tweets_lookup_2020.json"), ids)
    reply = items["twitter:1274087695145332736"]["metadata"]
    assert reply["replied_to"] == "1274087694105075714" and reply["quoted"] is None
    assert reply["referenced_tweets"] == [{"type": "replied_to", "id": "1274087694105075714"}]
    quote = items["twitter:1276035881992740864"]["metadata"]
    assert quote["quoted"] == "1276027533973020673" and quote["replied_to"] is None
    # a retweet whose original was not expanded keeps its own (truncated) text and says so
    rt = items["twitter:1274034244700930049"]
    assert rt["text"].startswith("RT @Blackbirds: Juneteenth is a celebration.")
    assert rt["metadata"]["retweet_of"] == "1274014870707437570" and rt["metadata"]["retweet_truncated"]
    assert items["twitter:20"]["text"] == "just setting up my twttr"
    assert report.failures == [
        {
            "id": "1276230436478386177",
            "error": "Not Found Error: Could not find tweet with ids: [1276230436478386177].",
        }
    ]


def test_errors_about_users_are_not_unfetched_tweets(workspace, httpserver, token):
    body = _load("postman_tweets_lookup_2020.json")
    # the lookup's own tweet error plus, verbatim, the user errors of a recorded users lookup: the shape
    # the API gives for a mentioned account that is suspended or gone
    body["errors"] += _load("postman_users_not_found_2020.json")["errors"]
    items, report, _ = _crawl(workspace, httpserver, body, ("20", "1276230436478386177"))
    assert [f["id"] for f in report.failures] == ["1276230436478386177"]
    counts = workspace.load_manifest("crawl/twitter")["counts"]
    assert counts["tweets_unfetched"] == 1 and counts["expansion_errors"] == 3
    assert "twitter:20" in items


def test_edited_tweet_and_video_variants(workspace, httpserver, token):
    items, _, seen = _crawl(workspace, httpserver, _load("docs_edited_video_shape.json"), ("1234567890",))
    assert "edit_history_tweet_ids" in seen[0]["expansions"].split(",")
    assert "variants" in seen[0]["media.fields"].split(",")
    tweet = items["twitter:1234567890"]
    assert tweet["text"] == "Updated text (edited)"
    assert tweet["metadata"]["edit"] == {
        "history": ["1234567890", "1234567891"],
        "latest_id": "1234567891",
        "fetched_id": "1234567890",
        "original_text": "Original text",
    }
    (video,) = tweet["metadata"]["videos"]
    assert video["mp4"].endswith("/1280x720/hi.mp4") and video["type"] == "video"
    assert video["preview"].endswith("66P2dvbU4a02jYbV.jpg") and len(video["variants"]) == 3


def test_2020_video_without_variants_keeps_its_preview():
    media = {m["media_key"]: m for m in _load("postman_search_media_2020.json")["includes"]["media"]}
    video = media["7_1277795251919429636"]
    assert best_mp4(video.get("variants")) is None
    assert (
        best_mp4(
            [
                {"content_type": "application/x-mpegURL", "url": "a.m3u8"},
                {"content_type": "video/mp4", "url": "b"},
            ]
        )
        == "b"
    )
