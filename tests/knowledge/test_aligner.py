"""The align-knowledge stage end to end: records, thresholds, cache, resume, review queue and decisions."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from finefake.cli import app
from finefake.knowledge import review as rq
from finefake.knowledge.aligner import AlignConfig, align, apply_reviews
from finefake.knowledge.linking.base import Candidate
from finefake.knowledge.linking.local import LocalLinker
from finefake.records import validate

TEXTS = [
    "Apple shares rose after the technology company reported record iPhone sales, Tim Cook told investors.",
    "Washington said nothing on Tuesday about the plan.",
    "Barack Obama met Angela Merkel in Berlin to discuss NATO.",
    "Measles cases rose sharply, the CDC said, urging parents to vaccinate children.",
]


class FixedRhoLinker(LocalLinker):
    """The real local linker (NER, candidates, offsets), with rho forced per mention to probe the thresholds."""

    def __init__(self, base: LocalLinker, rhos: dict[str, float]):
        self.__dict__.update(base.__dict__)
        self.rhos = rhos

    def link_many(self, texts):
        out = super().link_many(texts)
        return [
            [Candidate(**{**c.__dict__, "rho": self.rhos.get(c.mention, c.rho)}) for c in cands]
            for cands in out
        ]


def _entities(ws):
    return {r["id"]: r["entities"] for r in ws.read("aligned", "aligned_item")}


def test_align_writes_valid_records_with_triples(make_ws, local_linker):
    ws = make_ws(TEXTS)
    report = align(ws, AlignConfig(), linker=local_linker)
    records = list(ws.read("aligned", "aligned_item"))
    assert len(records) == 4 and report.items_aligned == 4
    apple = records[0]
    assert {e["qid"] for e in apple["entities"]} >= {"Q312", "Q265852"}
    e = next(e for e in apple["entities"] if e["qid"] == "Q312")
    assert apple["text"][e["start"] : e["end"]] == e["mention"] == "Apple"
    assert e["source"] == "auto" and e["reviewer"] is None and e["label"] == "Apple Inc."
    assert {
        "head": "Q312",
        "property": "P159",
        "property_label": "headquarters location",
        "tail": "Q189471",
        "tail_label": "Cupertino",
    } in apple["relation_triples"]
    assert any(t["subject"] == "Q312" and t["datatype"] == "time" for t in apple["attribute_triples"])
    # "Washington" without context is ambiguous: queued, not kept
    assert not any(e["mention"] == "Washington" for e in records[1]["entities"])
    assert any(p["mention"] == "Washington" for p in rq.ReviewQueue(ws).pending())
    assert ws.load_manifest("aligned")["status"] == "completed"


@pytest.mark.parametrize("linker_kind", ["local", "tagme"])
def test_rho_boundaries_in_the_stage(make_ws, local_linker, cassette, tmp_path, linker_kind):
    if linker_kind == "local":
        ws = make_ws(["Barack Obama met Angela Merkel, Emmanuel Macron and Narendra Modi in Berlin."])
        linker = FixedRhoLinker(
            local_linker,
            {
                "Barack Obama": 0.2999,
                "Angela Merkel": 0.3,
                "Emmanuel Macron": 0.4999,
                "Narendra Modi": 0.5,
                "Berlin": 0.1,
            },
        )
        expect = {"kept": {"Narendra Modi"}, "queued": {"Angela Merkel", "Emmanuel Macron"}}
        ctx = None
    else:
        from finefake.knowledge.linking.tagme import TagMeClient, TagMeLinker
        from finefake.knowledge.mediawiki import MediaWikiClient
        from finefake.knowledge.store import LocalStore
        from finefake.knowledge.triples import KnowledgeFetcher

        ws = make_ws(["Apple said on Monday that Washington and the CDC fought the flu."])
        fetcher = KnowledgeFetcher(LocalStore(), tmp_path / "c")
        linker = TagMeLinker(TagMeClient("t", sleep=lambda s: None), MediaWikiClient(), fetcher.info)
        expect = {"kept": {"Apple"}, "queued": {"Washington", "CDC"}}  # 0.5 kept; "0.3", 0.4999 queued
        ctx = cassette("tagme_linking.yaml")
    if ctx:
        with ctx:
            report = align(ws, AlignConfig(linker=linker_kind), linker=linker)
    else:
        report = align(ws, AlignConfig(), linker=linker)
    (record,) = ws.read("aligned", "aligned_item")
    assert {e["mention"] for e in record["entities"]} == expect["kept"]
    assert {p["mention"] for p in rq.ReviewQueue(ws).pending()} == expect["queued"]
    if linker_kind == "local":
        assert report.entities_dropped == 2  # Obama at 0.2999, Berlin at 0.1
    # tagme: "flu" at 0.2999 is dropped before its page is even mapped (the cassette holds no such request)


def test_resume_cache_and_no_second_queries(make_ws, local_linker):
    ws = make_ws(TEXTS * 3)  # 12 items, repeated entities
    first = align(ws, AlignConfig(chunk_size=5, limit=7), linker=local_linker)
    assert first.items_aligned == 7 and len(ws.shards("aligned")) == 2
    second = align(ws, AlignConfig(chunk_size=5), linker=local_linker)
    assert second.items_already_done == 7 and second.items_aligned == 5
    assert len(ws.ids("aligned")) == 12
    third = align(ws, AlignConfig(restart=True), linker=local_linker)
    assert third.items_aligned == 12 and third.sparql_queries == 0, "every entity comes from the disk cache"
    assert first.sparql_queries == 1, "entities of a chunk are fetched in one VALUES batch (new ones only)"


def test_review_decisions_apply_and_are_never_requeued(make_ws, local_linker, tmp_path):
    ws = make_ws(TEXTS + ["Jordan scored 40 points last night."])
    align(ws, AlignConfig(), linker=local_linker)
    pending = rq.ReviewQueue(ws).pending()
    assert len(pending) >= 2
    accept, reject = pending[0], pending[1]
    decisions = tmp_path / "decisions.jsonl"
    decisions.write_text(
        json.dumps({"key": accept["key"], "decision": "accept"})
        + "\n"
        + json.dumps(
            {"item_id": reject["item_id"], "qid": reject["qid"], "decision": "reject", "reviewer": "bob"}
        )
        + "\n"
    )
    assert rq.record_decisions_file(ws, decisions, reviewer="alice") == 2
    counts = apply_reviews(ws)
    assert counts["added"] == 1
    ents = _entities(ws)[accept["item_id"]]
    added = next(e for e in ents if e["qid"] == accept["qid"] and e["start"] == accept["start"])
    assert added["source"] == "reviewed" and added["reviewer"] == "alice" and added["reviewed_at"]
    rec = next(r for r in ws.read("aligned", "aligned_item") if r["id"] == accept["item_id"])
    validate("aligned_item", rec)
    assert apply_reviews(ws)["added"] == 0, "idempotent"
    # a fresh run over the same items: decisions are applied, nothing decided is queued again
    lines_before = rq.ReviewQueue(ws).queue_path.read_text().count("\n")
    align(ws, AlignConfig(restart=True), linker=local_linker)
    assert rq.ReviewQueue(ws).queue_path.read_text().count("\n") == lines_before
    assert any(e["source"] == "reviewed" for e in _entities(ws)[accept["item_id"]])
    assert not any(
        e["qid"] == reject["qid"] and e["start"] == reject["start"] for e in _entities(ws)[reject["item_id"]]
    )


def test_bad_decisions_name_the_row(make_ws, local_linker, tmp_path):
    ws = make_ws(TEXTS)
    align(ws, AlignConfig(), linker=local_linker)
    key = rq.ReviewQueue(ws).pending()[0]["key"]
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"key": key, "decision": "maybe", "reviewer": "x"}]))
    with pytest.raises(Exception, match="decision #1.*accept or reject"):
        rq.record_decisions_file(ws, bad)
    bad.write_text(json.dumps([{"key": "nope|0|1|Q1", "decision": "accept", "reviewer": "x"}]))
    with pytest.raises(Exception, match="not in the review queue"):
        rq.record_decisions_file(ws, bad)


def test_label_studio_round_trip(make_ws, local_linker, tmp_path):
    ws = make_ws(TEXTS)
    align(ws, AlignConfig(), linker=local_linker)
    n = rq.export_label_studio(ws, tmp_path / "tasks.json")
    tasks = json.loads((tmp_path / "tasks.json").read_text())
    assert n == len(tasks) >= 1 and (tmp_path / "label_config.xml").exists()
    assert "[[" in tasks[0]["data"]["text"]
    export = [
        {
            "id": i + 1,
            "data": t["data"],
            "annotations": [
                {
                    "id": 10 + i,
                    "completed_by": {"id": 3, "email": "rev@example.org"},
                    "was_cancelled": False,
                    "created_at": "2024-05-02T10:00:00.000000Z",
                    "updated_at": "2024-05-02T10:00:00.000000Z",
                    "result": [
                        {
                            "from_name": "decision",
                            "to_name": "text",
                            "type": "choices",
                            "value": {"choices": ["reject"]},
                        }
                    ],
                }
            ],
        }
        for i, t in enumerate(tasks)
    ]
    (tmp_path / "export.json").write_text(json.dumps(export))
    assert rq.import_label_studio(ws, tmp_path / "export.json") == n
    decisions = rq.ReviewQueue(ws).decisions()
    assert all(d["decision"] == "reject" and d["reviewer"] == "rev@example.org" for d in decisions.values())
    assert rq.ReviewQueue(ws).pending() == []


def test_interactive_review_is_resumable(make_ws, local_linker):
    ws = make_ws(TEXTS + ["Jordan scored 40 points last night."])
    align(ws, AlignConfig(), linker=local_linker)
    total = len(rq.ReviewQueue(ws).pending())
    shown: list[str] = []
    answers = iter(["x", "a", "q"])
    counts = rq.review_interactive(ws, "carol", ask=lambda q: next(answers), show=shown.append)
    assert counts["accept"] == 1 and counts["pending"] == total - 1
    assert any("[reverse]" in s for s in shown)
    answers = iter(["r"] * total)
    counts = rq.review_interactive(ws, "carol", ask=lambda q: next(answers), show=shown.append)
    assert counts["reject"] == total - 1 and counts["pending"] == 0


@pytest.mark.slow
def test_cli_align_and_review(make_ws, tmp_path):
    ws = make_ws(TEXTS)
    runner = CliRunner()
    result = runner.invoke(app, ["-w", str(ws.root), "align-knowledge"])
    assert result.exit_code == 0, result.output
    assert len(list(ws.read("aligned", "aligned_item"))) == 4
    pending = rq.ReviewQueue(ws).pending()
    path = tmp_path / "d.json"
    path.write_text(json.dumps([{"key": p["key"], "decision": "accept"} for p in pending]))
    result = runner.invoke(
        app, ["-w", str(ws.root), "review", "--decisions", str(path), "--reviewer", "dana"]
    )
    assert result.exit_code == 0, result.output
    assert rq.ReviewQueue(ws).pending() == []
    reviewed = [e for ents in _entities(ws).values() for e in ents if e["source"] == "reviewed"]
    assert len(reviewed) == len(pending) and all(e["reviewer"] == "dana" for e in reviewed)
