"""``--linker wikidata`` against hostile answers: endless Retry-After, trickled bytes, huge bodies, extra hits."""

from __future__ import annotations

import json
import time

import pytest
from werkzeug.wrappers import Response

from finefake.knowledge.http import MAX_WAIT, ServiceError
from finefake.knowledge.linking.wikidata import WikidataSearch
from hardening.hostile import trickle_server

MAXLAG = json.dumps({"error": {"code": "maxlag", "info": "Waiting for a database server: 6 seconds lagged."}})


def _hit(i: int) -> dict:
    return {
        "id": f"Q{i + 1}",
        "label": "Paris",
        "description": "",
        "match": {"type": "label", "text": "Paris"},
    }


@pytest.mark.parametrize(
    "retry_after", ["100000", "inf", "1e400", "-inf", "nan", "Fri, 31 Dec 9999 23:59:59 GMT"]
)
def test_every_maxlag_wait_is_capped_like_the_429_path(httpserver, retry_after):
    waits: list[float] = []
    answers = iter(
        [Response("slow down", status=429, headers={"Retry-After": retry_after})]
        + [Response(MAXLAG, headers={"Retry-After": retry_after}, content_type="application/json")] * 5
    )
    httpserver.expect_request("/w/api.php").respond_with_handler(lambda request: next(answers))
    search = WikidataSearch(httpserver.url_for("/w/api.php"), rate=0, sleep=waits.append)
    with pytest.raises(ServiceError, match="maxlag"):
        search.search_many(["Paris"])
    assert len(waits) == 6 and all(0 <= w <= MAX_WAIT for w in waits), waits


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 400\r\n\r\n",  # body trickled
        b"HTTP/1.1 200 OK\r\n",  # headers trickled
    ],
)
def test_a_trickling_server_is_cut_off_at_the_request_deadline(head):
    with trickle_server(head, b"X-A: " + b"y" * 400, delay=0.05) as base:
        search = WikidataSearch(f"{base}/w/api.php", rate=0, sleep=lambda s: None, deadline=1.0)
        start = time.monotonic()
        with pytest.raises(ServiceError, match="no complete answer within 1s"):
            search.search_many(["Paris"])
    assert time.monotonic() - start < 3


def test_a_huge_answer_is_refused_and_extra_hits_are_dropped(httpserver):
    huge = json.dumps({"search": [_hit(i) for i in range(20_000)]})
    httpserver.expect_request("/big/api.php").respond_with_data(huge, content_type="application/json")
    search = WikidataSearch(httpserver.url_for("/big/api.php"), rate=0, max_bytes=100_000)
    with pytest.raises(ServiceError, match="larger than 100000 bytes"):
        search.search_many(["Paris"])
    httpserver.expect_request("/many/api.php").respond_with_data(huge, content_type="application/json")
    search = WikidataSearch(httpserver.url_for("/many/api.php"), rate=0, limit=7)
    assert [h.qid for h in search.search_many(["Paris"])["Paris"]] == [f"Q{i}" for i in range(1, 8)]
