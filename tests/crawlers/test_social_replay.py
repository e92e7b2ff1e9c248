"""Reddit and Twitter API responses are archived as WARC (no secrets) and replayed to the same raw items offline."""

from __future__ import annotations

import base64
import gzip
import socket
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crawlers import api_data, sites
from crawlers.conftest import fast_http
from finefake.cli import app
from finefake.crawlers.archive import ArchivingAdapter, NotArchived, WarcArchive
from finefake.crawlers.reddit import RedditConfig, crawl_reddit
from finefake.crawlers.twitter import TwitterConfig, crawl_twitter
from finefake.workspace import Workspace

SECRETS = (
    api_data.SECRET_ID,
    api_data.SECRET_KEY,
    api_data.BEARER,
    base64.b64encode(f"{api_data.SECRET_ID}:{api_data.SECRET_KEY}".encode()).decode(),
    "fake-access-token",  # the OAuth token the server hands out
)
CREDENTIALS = ("REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET", "REDDIT_USER_AGENT", "TWITTER_BEARER_TOKEN")


@pytest.fixture
def credentials(monkeypatch):
    monkeypatch.setenv("REDDIT_CLIENT_ID", api_data.SECRET_ID)
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", api_data.SECRET_KEY)
    monkeypatch.setenv("REDDIT_USER_AGENT", "finefake-tests")
    monkeypatch.setenv("TWITTER_BEARER_TOKEN", api_data.BEARER)


class _Offline:
    """Networking disabled: every outgoing connection attempt is refused and counted."""

    def __init__(self, monkeypatch):
        self.attempts: list[object] = []
        self.monkeypatch = monkeypatch
        for env in CREDENTIALS:  # a replay needs no credentials either
            monkeypatch.delenv(env, raising=False)

    def refuse(self, *args, **kwargs):
        self.attempts.append(args[1:] or args)
        raise OSError("network disabled in this test")

    def __enter__(self) -> _Offline:
        self.monkeypatch.setattr(socket.socket, "connect", self.refuse)
        self.monkeypatch.setattr(socket.socket, "connect_ex", self.refuse)
        self.monkeypatch.setattr(socket, "create_connection", self.refuse)
        return self

    def __exit__(self, *exc) -> None:
        self.monkeypatch.undo()


def _items(ws: Workspace, stage: str) -> list[dict]:
    items = list(ws.read(stage, "raw_item"))
    assert len(items) == len({i["id"] for i in items})
    return sorted(items, key=lambda i: i["id"])


def _images(ws: Workspace) -> set[str]:
    return {p.name for p in (ws.root / "images").rglob("*") if p.is_file()}


def _serve_reddit(httpserver) -> str:
    base = httpserver.url_for("").rstrip("/")
    api_data.serve_reddit(httpserver, base)
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    for i, name in enumerate(("/i/abc123.png", "/gallery/m2.png", "/gallery/m1.png")):
        httpserver.expect_request(name).respond_with_data(sites.png(900 + i), content_type="image/png")
    return base


def _serve_twitter(httpserver) -> str:
    base = httpserver.url_for("").rstrip("/")
    api_data.serve_twitter(httpserver, base, replies_allowed=True)
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    for tid in ("100", "555", "556", "557"):
        httpserver.expect_request(f"/media/{tid}.png").respond_with_data(
            sites.png(int(tid)), content_type="image/png"
        )
    return base


def _warc_text(ws: Workspace, stage: str) -> str:
    files = sorted((ws.root / stage / "warc").glob("*.warc.gz"))
    assert files
    return "".join(gzip.decompress(f.read_bytes()).decode("utf-8", "replace") for f in files)


def test_reddit_replays_the_same_items_offline(tmp_path, credentials, httpserver, monkeypatch):
    base = _serve_reddit(httpserver)
    live = Workspace(tmp_path / "live")
    ids = ("abc123", "gal456", "gone99")
    config = dict(ids=ids, replace_more_limit=None, oauth_url=base, reddit_url=base)
    live_report = crawl_reddit(live, RedditConfig(**config, http=fast_http()))
    expected = _items(live, "crawl/reddit")
    assert [i["id"] for i in expected] == ["reddit:abc123", "reddit:gal456"]
    assert len(expected[0]["comments"]) == 4  # the "load more" POST was made, and archived

    archive = str(live.root / "crawl/reddit/warc")
    time.sleep(1.05)  # a replay stamping its own clock would now give a different fetched_at
    replayed = Workspace(tmp_path / "replayed")
    httpserver.clear_log()
    with _Offline(monkeypatch) as offline:
        report = crawl_reddit(replayed, RedditConfig(**config, replay=archive, http=fast_http()))
    assert offline.attempts == [] and httpserver.log == []
    assert _items(replayed, "crawl/reddit") == expected  # identical, fetched_at and image hashes included
    assert _images(replayed) == _images(live)
    assert report.failures == live_report.failures  # the archived 404 replays as the same failure
    assert report.failures[0]["error"].startswith("reddit_NotFound")


def test_twitter_replays_under_the_real_api_host(tmp_path, credentials, httpserver, monkeypatch):
    base = _serve_twitter(httpserver)
    live = Workspace(tmp_path / "live")
    config = dict(ids=("100", "404"), query="senator rally has:images", search_pages=2)
    live_report = crawl_twitter(live, TwitterConfig(**config, api_base=base, http=fast_http()))
    expected = _items(live, "crawl/twitter")
    assert [i["id"] for i in expected] == ["twitter:100", "twitter:555", "twitter:556", "twitter:557"]
    assert expected[0]["comments"][0]["id"] == "9001"
    # archived under the URLs tweepy asked for, not the local server it was sent to
    index = WarcArchive([live.root / "crawl/twitter/warc"])._index
    assert any(key.startswith("https://api.twitter.com/2/tweets?") for key in index)

    replayed = Workspace(tmp_path / "replayed")
    httpserver.clear_log()
    with _Offline(monkeypatch) as offline:
        report = crawl_twitter(
            replayed, TwitterConfig(**config, replay=str(live.root / "crawl/twitter/warc"), http=fast_http())
        )
    assert offline.attempts == [] and httpserver.log == []
    assert _items(replayed, "crawl/twitter") == expected
    assert _images(replayed) == _images(live)
    assert report.failures == live_report.failures
    assert {"id": "404", "error": "Not Found Error: Could not find tweet with ids: [404]."} in report.failures


def test_archives_hold_no_credentials_or_tokens(tmp_path, credentials, httpserver):
    base = _serve_reddit(httpserver)
    _serve_twitter(httpserver)
    ws = Workspace(tmp_path / "ws")
    crawl_reddit(ws, RedditConfig(ids=("abc123",), oauth_url=base, reddit_url=base, http=fast_http()))
    crawl_twitter(ws, TwitterConfig(ids=("100",), api_base=base, http=fast_http()))
    # the servers did see the credentials, so their absence from the archives is the scrubbing's doing
    token = [r for r, _ in httpserver.log if r.path == "/api/v1/access_token"]
    assert token and token[0].authorization.username == api_data.SECRET_ID
    assert any(r.headers.get("Authorization") == f"Bearer {api_data.BEARER}" for r, _ in httpserver.log)
    for stage in ("crawl/reddit", "crawl/twitter"):
        raw = b"".join(f.read_bytes() for f in (ws.root / stage / "warc").glob("*.warc.gz"))
        text = _warc_text(ws, stage)
        assert "WARC-Type: request" in text and "WARC-Type: response" in text
        for secret in (*SECRETS, "Authorization:", "authorization:"):
            assert secret not in text, (stage, secret)
            assert secret.encode() not in raw, (stage, secret)
    assert "/api/v1/access_token" in _warc_text(ws, "crawl/reddit")
    assert '"access_token": "REDACTED"' in _warc_text(ws, "crawl/reddit")


def test_unarchived_request_is_a_recorded_failure_not_a_network_call(
    tmp_path, credentials, httpserver, monkeypatch
):
    base = _serve_reddit(httpserver)
    live = Workspace(tmp_path / "live")
    crawl_reddit(live, RedditConfig(ids=("abc123",), oauth_url=base, reddit_url=base, http=fast_http()))
    replayed = Workspace(tmp_path / "replayed")
    config = RedditConfig(
        ids=("abc123", "zzz999"),
        oauth_url=base,
        reddit_url=base,
        replay=str(live.root / "crawl/reddit/warc"),
        http=fast_http(),
    )
    with _Offline(monkeypatch) as offline:
        report = crawl_reddit(replayed, config)
    assert offline.attempts == []
    assert [i["id"] for i in _items(replayed, "crawl/reddit")] == ["reddit:abc123"]
    (failure,) = report.failures
    assert failure["url"] == "reddit:zzz999" and "not_in_archive: GET " in failure["error"]
    assert "/comments/zzz999/" in failure["error"]


def test_adapter_replay_refuses_without_archive_and_serves_archived_failures(tmp_path):
    import requests

    with pytest.raises(ValueError):
        ArchivingAdapter(None, replay=True)
    archive = WarcArchive(write_dir=tmp_path / "warc", prefix="t")
    archive.add_failure("https://api.example.org/x", "ConnectionError: boom", "2024-01-02T03:04:05Z")
    archive.add_response(
        "https://api.example.org/y", 200, "OK", {"Content-Type": "application/json"}, b'{"a": 1}',
        "2024-01-02T03:04:06Z",
    )  # fmt: skip
    archive.close()
    session = requests.Session()
    adapter = ArchivingAdapter(WarcArchive([tmp_path / "warc"]), replay=True)
    session.mount("https://", adapter)
    with pytest.raises(NotArchived, match="archived_failure: ConnectionError: boom"):
        session.get("https://api.example.org/x")
    with pytest.raises(NotArchived, match="not_in_archive"):
        session.post("https://api.example.org/y", data={"b": "2"})  # same URL, but a POST with a body
    response = session.get("https://api.example.org/y")
    assert response.json() == {"a": 1} and adapter.last_fetched_at == "2024-01-02T03:04:06Z"


def test_cli_replays_twitter_without_a_token(tmp_path, credentials, httpserver, monkeypatch):
    base = _serve_twitter(httpserver)
    live = Workspace(tmp_path / "live")
    crawl_twitter(live, TwitterConfig(ids=("100",), replies=False, api_base=base, http=fast_http()))
    other = tmp_path / "other"
    with _Offline(monkeypatch) as offline:
        args = ["-w", str(other), "crawl", "twitter", "--id", "100", "--no-replies"]
        result = CliRunner().invoke(app, [*args, "--replay", str(Path(live.root) / "crawl/twitter/warc")])
    assert result.exit_code == 0, result.output
    assert offline.attempts == []
    assert _items(Workspace(other), "crawl/twitter") == _items(live, "crawl/twitter")
