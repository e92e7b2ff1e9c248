"""Reddit on a recorded thread: r/funny 3hahrw ("Ba Dum Tsss", 543 comments), as praw's own cassette holds it.

A local server answers praw's requests with the recorded bodies (the first ``/comments/3hahrw/`` answer, then
``/api/morechildren/`` and "continue this thread" answers, matched on the comment ids asked for), so the
expansion of the whole tree runs on Reddit's real answers. Source: fixtures/real/README.md.
"""

from __future__ import annotations

import gzip
import json
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.wrappers import Request, Response

from crawlers.conftest import fast_http
from finefake.crawlers.reddit import RedditConfig, crawl_reddit

CASSETTE = Path(__file__).parent / "fixtures" / "real" / "reddit" / "praw_3hahrw_replace_all.json.gz"


def _recorded() -> dict[str, str]:
    """Recorded answers by request: "thread", "more:<sorted children>", "continue:<comment id>"."""
    out: dict[str, str] = {}
    for i in json.loads(gzip.decompress(CASSETTE.read_bytes()))["interactions"]:
        path = urlsplit(i["uri"]).path
        if path == "/comments/3hahrw/":
            out["thread"] = i["response"]
        elif path == "/api/morechildren/":
            children = parse_qs(i["body"])["children"][0].split(",")
            out["more:" + ",".join(sorted(children))] = i["response"]
        elif path.startswith("/comments/3hahrw/_/"):
            out["continue:" + path.rsplit("/", 1)[1]] = i["response"]
    return out


@pytest.fixture
def reddit_server(httpserver, monkeypatch):
    monkeypatch.setenv("REDDIT_CLIENT_ID", "id")
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", "secret")
    monkeypatch.setenv("REDDIT_USER_AGENT", "finefake-tests")
    recorded = _recorded()
    calls: list[str] = []

    def answer(request: Request) -> Response:
        path = request.path
        if path == "/api/v1/access_token":
            key = "token"
            body = json.dumps({"access_token": "t", "token_type": "bearer", "expires_in": 3600, "scope": "*"})
        elif path.startswith("/comments/3hahrw/_/"):
            key = "continue:" + path.rstrip("/").rsplit("/", 1)[1]
            body = recorded[key]
        elif path.startswith("/comments/3hahrw"):
            key, body = "thread", recorded["thread"]
        elif path == "/api/morechildren/":
            children = (request.form.get("children") or request.args.get("children") or "").split(",")
            key = "more:" + ",".join(sorted(children))
            body = recorded[key]
        else:
            return Response("not recorded", status=404)
        calls.append(key)
        return Response(body, content_type="application/json")

    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request(re.compile(r"^/(?!robots).*")).respond_with_handler(answer)
    base = httpserver.url_for("").rstrip("/")
    return base, calls


def _crawl(workspace, base: str, **config):
    config = RedditConfig(
        ids=("3hahrw",),
        from_snopes=False,
        max_images=0,
        oauth_url=base,
        reddit_url=base,
        http=fast_http(),
        **config,
    )
    crawl_reddit(workspace, config)
    (post,) = workspace.read("crawl/reddit", "raw_item")
    return post, workspace.load_manifest("crawl/reddit")["counts"]


def test_whole_thread_by_default(workspace, reddit_server):
    base, calls = reddit_server
    post, counts = _crawl(workspace, base)
    assert post["title"] == "Ba Dum Tsss" and post["authors"] == ["your_local_librarian"]
    assert post["published"] == "2015-08-17T07:44:40Z"
    # the first answer holds 476 comments and 18 stubs for 61 more (87.7% of the 543 the thread reports)
    ids = [c["id"] for c in post["comments"]]
    assert len(ids) == len(set(ids)) and len(ids) > 476
    meta = post["metadata"]["comments"]
    assert meta["kept"] == len(ids) and meta["reported"] == 543 and meta["stubs_left"] == 0
    assert meta["missing"] == 543 - len(ids)
    assert (
        sum(k.startswith("more:") for k in calls) == 12 and sum(k.startswith("continue:") for k in calls) == 6
    )
    assert counts["comments_missing"] == meta["missing"]


def test_comment_limit_caps_and_reports_the_rest(workspace, reddit_server):
    base, _ = reddit_server
    post, counts = _crawl(workspace, base, comment_limit=100)
    assert len(post["comments"]) == 100
    meta = post["metadata"]["comments"]
    assert meta == {
        "kept": 100,
        "reported": 543,
        "missing": 443,
        "stubs_left": meta["stubs_left"],
        "limit": 100,
    }
    assert counts["comments_missing"] == 443 and counts["threads_incomplete"] == 1
