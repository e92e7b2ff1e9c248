"""The OpenAI-compatible server client against a local server: logprobs, batching, retries, errors, the key."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from finefake.errors import FinefakeError
from finefake.llm.cache import ResponseCache
from finefake.llm.server import ServerClient, retry_after_seconds

from .openai_server import ChatHandler

pytestmark = pytest.mark.slow

CHOICES = ("fake", "real")


@pytest.fixture
def chat(httpserver):
    handler = ChatHandler()
    httpserver.expect_request("/v1/chat/completions", method="POST").respond_with_handler(handler)
    return handler


def client(httpserver, tmp_path, **kwargs) -> ServerClient:
    c = ServerClient(
        httpserver.url_for("/v1"), "test-model", cache=ResponseCache(tmp_path / "c.sqlite"), **kwargs
    )
    return c


def prompts(*texts: str) -> list[list[dict[str, str]]]:
    return [[{"role": "user", "content": f"News: {t}"}] for t in texts]


def test_label_probabilities_from_top_logprobs_and_the_cache(httpserver, chat, tmp_path):
    c = client(httpserver, tmp_path, concurrency=3)
    texts = [f"shocking claim {i}" if i % 2 else f"council meets {i}" for i in range(7)]
    proba = c.choice_probs(prompts(*texts), CHOICES, tag="t@v1")
    np.testing.assert_allclose(proba.sum(1), 1.0)
    # "fake" 0.9 vs " Real" + "real" (0.05 + 0.04): the casing and space variants of a label are summed
    np.testing.assert_allclose(proba[1], [0.9 / 0.99, 0.09 / 0.99])
    np.testing.assert_allclose(proba[0], [0.2 / 0.92, 0.72 / 0.92])
    assert c.usage.calls == 7 and c.usage.computed == 7 and c.usage.prompt_tokens > 0
    sent = chat.seen[0]["json"]
    assert sent["logprobs"] is True and sent["top_logprobs"] == 20 and sent["max_tokens"] == 1
    assert sent["temperature"] == 0 and sent["model"] == "test-model"
    again = client(httpserver, tmp_path).choice_probs(prompts(*texts), CHOICES, tag="t@v1")
    np.testing.assert_array_equal(again, proba)  # the same numbers from the cache, no call
    assert len(chat.seen) == 7
    client(httpserver, tmp_path).choice_probs(
        prompts(*texts[:2]), CHOICES, tag="t@v2"
    )  # new version: new key
    assert len(chat.seen) == 9


def test_requests_in_flight_are_bounded_and_order_is_kept(tmp_path):
    from pytest_httpserver import HTTPServer

    handler = ChatHandler(latency=0.05)
    server = HTTPServer(host="127.0.0.1", threaded=True)  # serves requests in parallel, like vLLM
    server.expect_request("/v1/chat/completions").respond_with_handler(handler)
    server.start()
    try:
        c = client(server, tmp_path, concurrency=4)
        texts = [f"item {i} shocking" if i % 3 == 0 else f"item {i}" for i in range(16)]
        out = c.generate(prompts(*texts), max_tokens=8, tag="g@v1")
    finally:
        server.stop()
    assert 1 < handler.max_in_flight <= 4
    assert [o.split(". ", 1)[1].split()[:2] for o in out] == [t.split()[:2] for t in texts]


def test_429_with_retry_after_is_honoured_but_capped(httpserver, chat, tmp_path):
    waits: list[float] = []
    c = client(httpserver, tmp_path, backoff=0.5, max_wait=5.0, concurrency=1)
    c.sleep = waits.append
    chat.script = [(429, {"Retry-After": "2"}), (429, {"Retry-After": "3600"}), (503, {})]
    proba = c.choice_probs(prompts("x"), CHOICES, tag="t@v1")
    assert proba.shape == (1, 2)
    assert waits == [2.0, 5.0, 2.0]  # asked 2 s; asked an hour, capped at 5 s; 503: backoff 0.5 * 2**2
    assert c.usage.retries == 3


def test_retries_give_up_with_a_one_line_error(httpserver, chat, tmp_path):
    c = client(httpserver, tmp_path, max_retries=2, concurrency=1)
    c.sleep = lambda s: None
    chat.script = [(500, {})] * 3
    with pytest.raises(FinefakeError, match=r"failed after 3 attempts \(HTTP 500\)"):
        c.choice_probs(prompts("x"), CHOICES, tag="t@v1")


def test_a_client_error_is_not_retried_and_names_the_server_message(httpserver, chat, tmp_path):
    c = client(httpserver, tmp_path)
    chat.script = [(401, {})]
    with pytest.raises(FinefakeError, match="HTTP 401: scripted 401"):
        c.choice_probs(prompts("x"), CHOICES, tag="t@v1")
    assert len(chat.seen) == 1


def test_a_server_without_logprobs_is_a_clear_error(httpserver, tmp_path):
    body = {"choices": [{"message": {"role": "assistant", "content": "fake"}}], "usage": {}}
    httpserver.expect_request("/v1/chat/completions").respond_with_json(body)
    with pytest.raises(FinefakeError, match="returned no logprobs"):
        client(httpserver, tmp_path).choice_probs(prompts("x"), CHOICES, tag="t@v1")


def test_the_key_comes_from_the_environment_and_is_never_logged(
    httpserver, chat, tmp_path, monkeypatch, caplog
):
    secret = "sk-test-secret-123456"
    monkeypatch.setenv("FINEFAKE_LLM_API_KEY", secret)
    c = client(httpserver, tmp_path, concurrency=1)
    c.sleep = lambda s: None
    chat.script = [(429, {"Retry-After": "0"}), (400, {})]
    with caplog.at_level(logging.DEBUG), pytest.raises(FinefakeError) as error:
        c.choice_probs(prompts("x"), CHOICES, tag="t@v1")
    assert chat.seen[0]["headers"]["Authorization"] == f"Bearer {secret}"
    assert secret not in str(error.value) and secret not in caplog.text
    assert secret not in str(c.describe()) and secret not in repr(c.usage)


def test_retry_after_parses_seconds_and_http_dates():
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == pytest.approx(10.0)
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_an_oversized_reply_is_refused(httpserver, tmp_path):
    httpserver.expect_request("/v1/chat/completions").respond_with_data("x" * 5000)
    c = client(httpserver, tmp_path, max_bytes=1000)
    with pytest.raises(FinefakeError, match="exceeded 1000 bytes"):
        c.choice_probs(prompts("x"), CHOICES, tag="t@v1")
