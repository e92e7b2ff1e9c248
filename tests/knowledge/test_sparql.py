"""Query text, id validation and result parsing; the same query on the local store and on a recorded Wikidata
answer (cassette shaped like query.wikidata.org's SPARQL JSON)."""

from __future__ import annotations

import pytest

from finefake.errors import FinefakeError
from finefake.knowledge.sparql import (
    InvalidEntityId,
    entity_info_query,
    one_hop_query,
    parse_entity_info,
    parse_one_hop,
    validate_qid,
)
from finefake.knowledge.store import LocalStore, shipped_entities
from finefake.knowledge.triples import KnowledgeFetcher
from finefake.knowledge.wikidata import WikidataError, WikidataSparql

INJECTIONS = ["Q1} . ?s ?p ?o . {", "Q0", "Q01", "P31", "q42", "Q42 ", "wd:Q42", "", None, 42, "Q4\n2"]


@pytest.mark.parametrize("bad", INJECTIONS)
def test_bad_ids_are_rejected(bad):
    with pytest.raises(InvalidEntityId):
        validate_qid(bad)
    with pytest.raises(InvalidEntityId):
        one_hop_query(["Q42", bad])
    with pytest.raises(InvalidEntityId):
        entity_info_query([bad])


class SpyBackend:
    name = "spy"

    def __init__(self):
        self.queries: list[str] = []
        self.queries_issued = 0

    def select(self, query):
        self.queries.append(query)
        self.queries_issued += 1
        return {"head": {"vars": []}, "results": {"bindings": []}}


def test_injection_never_reaches_a_backend(tmp_path):
    spy = SpyBackend()
    fetcher = KnowledgeFetcher(spy, tmp_path)
    with pytest.raises(InvalidEntityId):
        fetcher.triples(["Q42", "Q1} . ?s ?p ?o . {"])
    with pytest.raises(InvalidEntityId):
        fetcher.info(["Q1} . ?s ?p ?o . {"])
    assert spy.queries == []
    fetcher.triples(["Q42"])
    assert len(spy.queries) == 1 and "wd:Q42 }" in spy.queries[0]


def test_local_store_split_for_apple():
    triples = parse_one_hop(LocalStore().select(one_hop_query(["Q312"])))["Q312"]
    rel = {(t["property"], t["tail"]) for t in triples.relations}
    att = {(t["property"], t["value"], t["datatype"]) for t in triples.attributes}
    assert ("P159", "Q189471") in rel and ("P112", "Q19837") in rel
    assert next(t for t in triples.relations if t["property"] == "P159")["tail_label"] == "Cupertino"
    assert ("P571", "1976-04-01T00:00:00Z", "time") in att
    assert ("P249", "AAPL", "string") in att
    assert ("P1448", "Apple Inc.", "monolingualtext") in att
    assert ("P856", "https://www.apple.com/", "url") in att
    assert not any(p in ("P646", "P2002") for p, *_ in att), "external ids are dropped by default"
    with_ext = parse_one_hop(
        LocalStore().select(one_hop_query(["Q312"], include_external_ids=True)), include_external_ids=True
    )["Q312"]
    assert {"P646", "P2002"} <= {t["property"] for t in with_ext.attributes}


def test_quantity_and_coordinates_datatypes():
    parsed = parse_one_hop(LocalStore().select(one_hop_query(["Q61", "Q925"])))
    dc = {t["property"]: t for t in parsed["Q61"].attributes}
    assert dc["P1082"]["datatype"] == "quantity" and float(dc["P1082"]["value"]) == 689545
    assert dc["P625"]["datatype"] == "other"
    hg = {t["property"]: t for t in parsed["Q925"].attributes}
    assert hg["P246"] == {
        "subject": "Q925",
        "property": "P246",
        "property_label": "element symbol",
        "value": "Hg",
        "datatype": "string",
    }


def test_hub_cap_is_deterministic():
    answer = LocalStore().select(one_hop_query(["Q30"]))
    full = parse_one_hop(answer, max_per_entity=None)["Q30"]
    capped = parse_one_hop(answer, max_per_entity=5)["Q30"]
    assert len(full.relations) + len(full.attributes) > 5 and capped.truncated
    assert len(capped.relations) + len(capped.attributes) == 5
    reversed_answer = {"head": answer["head"], "results": {"bindings": answer["results"]["bindings"][::-1]}}
    assert parse_one_hop(reversed_answer, max_per_entity=5)["Q30"] == capped


def test_same_query_same_split_on_local_store_and_recorded_wikidata(cassette):
    query = one_hop_query(["Q312"])
    local = parse_one_hop(LocalStore().select(query))["Q312"]
    with cassette("wikidata_one_hop.yaml"):
        remote_answer = WikidataSparql().select(query)
    remote = parse_one_hop(remote_answer)["Q312"]
    assert remote.relations == local.relations
    assert remote.attributes == local.attributes
    assert (
        len(remote_answer["results"]["bindings"])
        == len(LocalStore().select(query)["results"]["bindings"]) + 1
    )


def test_wikidata_429_then_success_honours_retry_after(cassette):
    waits: list[float] = []
    client = WikidataSparql(sleep=waits.append)
    with cassette("wikidata_429_then_ok.yaml"):
        answer = client.select(one_hop_query(["Q312"]))
    assert waits == [7.0]
    assert client.queries_issued == 2
    assert "Q312" in parse_one_hop(answer)


def test_wikidata_html_page_is_an_error(cassette):
    with cassette("wikidata_html_error.yaml"), pytest.raises(WikidataError, match="HTML page"):
        WikidataSparql(sleep=lambda s: None).select(one_hop_query(["Q312"]))


def test_wikidata_client_sends_user_agent_post_and_timeout():
    sw = WikidataSparql()._wrapper(one_hop_query(["Q1"]))
    assert sw.method == "POST" and sw.timeout == 60 and sw.agent.startswith("finefake/")


def test_non_sparql_json_is_rejected():
    with pytest.raises(FinefakeError):
        parse_one_hop({"error": "nope"})
    with pytest.raises(FinefakeError):
        parse_entity_info({"head": {}, "results": {}})


def test_entity_info_and_shipped_entities():
    info = parse_entity_info(LocalStore().select(entity_info_query(["Q89", "Q312"])))
    assert info["Q89"] == {"label": "apple", "description": "fruit of the apple tree"}
    ents = {e["qid"]: e for e in shipped_entities()}
    assert len(ents) >= 300
    assert ents["Q61"]["label"] == "Washington, D.C." and "Washington" in ents["Q61"]["aliases"]
    assert {"Q312", "Q89", "Q61", "Q1223", "Q23", "Q3884", "Q3783"} <= set(ents)
    assert "Q5" not in ents, "generic classes are not offered to text writers"
    assert all(set(e) == {"qid", "label", "aliases", "description"} for e in ents.values())


def test_every_statement_property_is_declared():
    store = LocalStore()
    answer = store.select("""SELECT DISTINCT ?p WHERE { ?s ?p ?o .
      FILTER(STRSTARTS(STR(?p), "http://www.wikidata.org/prop/direct/"))
      FILTER NOT EXISTS { ?prop <http://wikiba.se/ontology#directClaim> ?p } }""")
    assert answer["results"]["bindings"] == []
