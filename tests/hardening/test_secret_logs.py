"""At -vv no credential reaches the terminal: tweepy's headers, prawcore's token form, urllib3's URLs."""

from __future__ import annotations

import logging

import pytest
import requests
import tweepy
from requests.adapters import BaseAdapter

from finefake.console import setup_logging
from finefake.logs import REDACTED, redact

TOKEN = "AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid%2BULvsea4JtiGRiSDSJSI%3DEUifiRBkKG5E2XzMDjRfl76ZC9Ub0wnz4XsNiRVBChTYbJcE3F"


class CannedTwitter(BaseAdapter):
    """Answers every request with a tweet, offline."""

    def send(self, request, **kwargs):
        response = requests.Response()
        response.status_code, response.reason, response.url = 200, "OK", request.url
        response._content = b'{"data": {"id": "1", "text": "hello", "edit_history_tweet_ids": ["1"]}}'
        response.headers["content-type"] = "application/json"
        response.request = request
        return response

    def close(self):
        pass


@pytest.fixture
def debug_logging(monkeypatch):
    monkeypatch.setenv("TWITTER_BEARER_TOKEN", TOKEN)
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", "reddit-client-secret-value")
    setup_logging(2)
    yield
    setup_logging(0)


def test_tweepy_debug_log_shows_no_bearer_token(debug_logging, capsys):
    client = tweepy.Client(bearer_token=TOKEN)
    client.session.mount("https://", CannedTwitter())
    client.get_tweet(1)
    err = capsys.readouterr().err
    assert "Making API request" in err  # the debug lines are there ...
    assert TOKEN not in err and TOKEN[:20] not in err  # ... without the token
    assert REDACTED in err


def test_every_logger_every_level_is_redacted(debug_logging, capsys):
    logging.getLogger("prawcore").debug("Data: %s", {"grant_type": "password", "password": "hunter2hunter2"})
    logging.getLogger("urllib3.connectionpool").debug('"GET /tag?gcube-token=abcd-1234-efgh&text=x" 200')
    logging.getLogger("some.library").error("sent client_secret=%s", "reddit-client-secret-value")
    logging.getLogger().warning("Authorization: Basic dXNlcjpwYXNzd29yZA==")
    err = capsys.readouterr().err
    for secret in ("hunter2hunter2", "abcd-1234-efgh", "reddit-client-secret-value", "dXNlcjpwYXNzd29yZA"):
        assert secret not in err
    assert err.count(REDACTED) == 4


@pytest.mark.parametrize(
    "text",
    [
        '{"access_token": "tok-123456", "refresh_token": "ref-123456"}',
        "Headers: {'Authorization': 'OAuth oauth_consumer_key=\"k\", oauth_signature=\"sig\"'}",
        "url?client_id=abc&client_secret=sec-123456",
        "Bearer abcdef123456",
    ],
)
def test_credential_shaped_values_are_redacted(text):
    out = redact(text)
    assert REDACTED in out
    assert not any(s in out for s in ("tok-123456", "ref-123456", "sig", "sec-123456", "abcdef123456"))
    assert redact("token_type: bearer; 3 tokens counted") == "token_type: bearer; 3 tokens counted"
