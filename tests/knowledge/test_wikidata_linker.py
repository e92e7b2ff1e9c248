"""``--linker wikidata`` against recorded ``wbsearchentities`` answers (tests/knowledge/fixtures/real/README.md).

A local server plays the Wikidata API: the real answers for "ABC" and "attila the hun", and the real empty
answer for anything else, so the client's paging, politeness and caching and the linker's scoring run on
Wikidata's own response shapes.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from werkzeug.wrappers import Request, Response

from finefake.knowledge.linking.base import Thresholds
from finefake.knowledge.linking.local import surface_key
from finefake.knowledge.linking.wikidata import WikidataLinker, WikidataSearch, candidates_of, parse_search

REAL = Path(__file__).parent / "fixtures" / "real"
ANSWERS = {
    "abc": (REAL / "wbsearchentities-abc.json").read_text(encoding="utf-8"),
    "attila the hun": (REAL / "wbsearchentities-attila-the-hun.json").read_text(encoding="utf-8"),
}
EMPTY = (REAL / "wbsearchentities-empty.json").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def nlp(local_linker):
    return local_linker.nlp


@pytest.fixture
def wikidata_api(httpserver):
    log: list[dict] = []

    def answer(request: Request) -> Response:
        log.append({"args": dict(request.args), "agent": request.headers.get("User-Agent", "")})
        body = ANSWERS.get(surface_key(request.args.get("search", "")), EMPTY)
        return Response(body, content_type="application/json; charset=utf-8")

    httpserver.expect_request("/w/api.php").respond_with_handler(answer)
    return httpserver.url_for("/w/api.php"), log


def _linker(api: str, cache: Path | None, nlp) -> WikidataLinker:
    return WikidataLinker(WikidataSearch(api, rate=0, cache_path=cache), nlp=nlp)


def test_ambiguous_names_resolved_by_context(wikidata_api, tmp_path, nlp):
    api, log = wikidata_api
    texts = [
        "ABC broadcast the interview on American television, the network said.",
        "In Australia, the ABC, the national public broadcaster funded by the state, aired the report.",
        "Attila the Hun was king of the Hunnic Empire and invaded Gaul.",
    ]
    us, au, hun = _linker(api, tmp_path / "wbsearch.jsonl", nlp).link_many(texts)
    best = {c.mention: c for c in us + au + hun}
    assert [c.qid for c in us if c.mention == "ABC"] == ["Q169889"]  # American Broadcasting Company
    assert [c.qid for c in au if c.mention == "ABC"] == ["Q781365"]  # Australian Broadcasting Corporation
    attila = best["Attila the Hun"]
    assert attila.qid == "Q36724" and attila.description == "King of the Hunnic Empire"
    for c in best.values():
        assert 0.0 <= c.rho < 1.0 and Thresholds().decide(c.rho) in ("keep", "queue", "drop")
    assert all(entry["args"]["action"] == "wbsearchentities" for entry in log)
    assert all(entry["args"]["maxlag"] == "5" and entry["agent"].startswith("finefake/") for entry in log)
    searched = [surface_key(entry["args"]["search"]) for entry in log]
    assert len(searched) == len(set(searched)), "each distinct mention is searched once"


def test_answers_are_cached_between_runs(wikidata_api, tmp_path, nlp):
    api, log = wikidata_api
    text = ["Attila the Hun was king of the Hunnic Empire."]
    first = _linker(api, tmp_path / "c.jsonl", nlp).link_many(text)
    asked = len(log)
    second = _linker(api, tmp_path / "c.jsonl", nlp).link_many(text)
    assert len(log) == asked and asked >= 1
    assert [c.qid for c in first[0]] == [c.qid for c in second[0]]


def test_candidates_are_exact_names_without_wikimedia_pages():
    hits = parse_search(json.loads(ANSWERS["attila the hun"]))
    assert [h.qid for h in hits] == ["Q36724", "Q17987270", "Q4818461", "Q4818464", "Q4818462"]
    kept = candidates_of("Attila the Hun", hits, 0.6)
    # the disambiguation page and "Attila the Hun in popular culture" are out; rank gives the prior
    assert [(h.qid, round(w, 3)) for h, w in kept] == [
        ("Q36724", 1.0),
        ("Q4818461", 0.333),
        ("Q4818464", 0.25),
    ]
    abc = candidates_of("ABC", parse_search(json.loads(ANSWERS["abc"])), 0.6)
    assert ("Q286874" not in {h.qid for h, _ in abc}) and abc[0][0].qid == "Q169889" and abc[0][1] == 0.6


def test_retry_after_and_maxlag_are_honoured(httpserver):
    waits: list[float] = []
    answers = iter(
        [
            Response("slow down", status=429, headers={"Retry-After": "7"}),
            Response(
                json.dumps(
                    {"error": {"code": "maxlag", "info": "Waiting for a database server: 6 seconds lagged."}}
                ),
                headers={"Retry-After": "3"},
                content_type="application/json",
            ),
            Response(EMPTY, content_type="application/json"),
        ]
    )
    httpserver.expect_request("/w/api.php").respond_with_handler(lambda request: next(answers))
    search = WikidataSearch(httpserver.url_for("/w/api.php"), rate=0, sleep=waits.append)
    assert search.search_many(["Nobody Atall"]) == {"Nobody Atall": []}
    assert waits == [7.0, 3.0] and search.calls == 2
