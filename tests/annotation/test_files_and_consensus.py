"""Offline backend (task files, JSON / JSON-MIN exports), export validation, label config, consensus."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from finefake.annotation.consensus import parse_adjudication, run_consensus, vote
from finefake.annotation.files import read_export_folder, write_task_files
from finefake.annotation.label_config import guidelines_html, guidelines_markdown, labeling_config
from finefake.annotation.merge import merge_annotations
from finefake.annotation.tasks import build_task
from finefake.contract import FINE_GRAINED_NAMES
from finefake.errors import FinefakeError
from finefake.records import validate

from .helpers import aligned_item, aligned_items, json_export, json_min_export, simulate


def test_label_config_has_two_required_single_choices_in_finefake_order():
    root = ET.fromstring(labeling_config())
    choices = {c.get("name"): c for c in root.iter("Choices")}
    assert set(choices) == {"binary", "fine_grained"}
    assert all(c.get("required") == "true" and c.get("choice").startswith("single") for c in choices.values())
    assert [c.get("value") for c in choices["fine_grained"]] == list(FINE_GRAINED_NAMES)
    assert [c.get("value") for c in choices["binary"]] == ["fake", "real"]
    fields = {el.get("value") for el in root.iter() if (el.get("value") or "").startswith("$")}
    assert {
        "$image",
        "$title",
        "$text",
        "$fact_check_claim",
        "$fact_check_rating",
        "$fact_check_link",
    } <= fields
    for name in FINE_GRAINED_NAMES:
        assert f"**{name}**" in guidelines_markdown() and f"<b>{name}</b>" in guidelines_html()


def test_task_prediction_and_untrusted_link():
    task = build_task(aligned_item(1, rating="False"))
    assert task["predictions"][0]["result"][0]["value"]["choices"] == ["fake"]
    assert len(task["predictions"][0]["result"]) == 1  # a rating does not say why an item is fake
    real = build_task(aligned_item(2, rating="Mostly True"))["predictions"][0]["result"]
    assert [r["value"]["choices"][0] for r in real] == ["real", "real"]
    assert "predictions" not in build_task(aligned_item(3, rating="Unproven"))
    evil = aligned_item(4)
    evil["fact_check"]["url"] = 'javascript:alert("x")'
    assert "<a" not in build_task(evil)["data"]["fact_check_link"]


def _write_exports(folder, items, labels, fmt):
    folder.mkdir(parents=True, exist_ok=True)
    for user, (name, per_item) in enumerate(labels.items(), 1):
        export = (
            json_export(items, per_item, user=user)
            if fmt == "json"
            else json_min_export(items, per_item, user=user)
        )
        (folder / f"{name}.json").write_text(json.dumps(export))


def test_json_and_json_min_exports_give_the_same_records(tmp_path):
    items = aligned_items(30)
    labels = simulate(items, ["ann-a", "ann-b", "ann-c"], seed=1)
    del labels["ann-c"][items[5]["id"]]
    records = {}
    for fmt in ("json", "min"):
        _write_exports(tmp_path / fmt, items, labels, fmt)
        raw, tasks = read_export_folder(tmp_path / fmt)
        records[fmt], report = merge_annotations(
            raw, source="file", known_items={i["id"] for i in items}, task_items=tasks
        )
        assert report.under_annotated == [{"item_id": items[5]["id"], "annotators": 2, "missing": ["ann-c"]}]
    strip = [{k: v for k, v in r.items() if k != "project"} for r in records["json"]]
    assert strip == [{k: v for k, v in r.items() if k != "project"} for r in records["min"]]
    for record in records["json"]:
        validate("annotation", record)
    assert len(strip) == 89 and {r["annotator"] for r in strip} == {"ann-a", "ann-b", "ann-c"}


def test_problems_are_reported_not_dropped_silently(tmp_path):
    items = aligned_items(6)
    ids = [i["id"] for i in items]
    labels = {ids[0]: 3, ids[1]: 0, ids[2]: 1}
    bad = [
        {"from_name": "binary", "to_name": "text", "type": "choices", "value": {"choices": ["fake"]}},
        {"from_name": "fine_grained", "to_name": "text", "type": "choices", "value": {"choices": ["satire"]}},
    ]
    conflict = [
        {"from_name": "binary", "to_name": "text", "type": "choices", "value": {"choices": ["real"]}},
        {"from_name": "fine_grained", "to_name": "text", "type": "choices", "value": {"choices": ["others"]}},
    ]
    incomplete = [
        {"from_name": "binary", "to_name": "text", "type": "choices", "value": {"choices": ["real"]}}
    ]
    export = json_export(items, labels, extra={ids[0]: [conflict], ids[3]: [bad], ids[4]: [incomplete]})
    export.append(
        {
            "id": 99,
            "data": {"item_id": "snopes:unknown"},
            "annotations": [{"id": 990, "result": conflict, "was_cancelled": False}],
        }
    )
    export[5]["annotations"].append({"id": 77, "result": [], "was_cancelled": True})
    (tmp_path / "ann.json").write_text(json.dumps(export))
    raw, tasks = read_export_folder(tmp_path)
    records, report = merge_annotations(
        raw, source="file", known_items=set(ids), task_items=tasks, expected_annotators=1
    )
    assert [d["item_id"] for d in report.duplicates] == [ids[0]]
    assert report.conflicts[0]["item_id"] == ids[0] and "label set to 0" in report.conflicts[0]["resolution"]
    assert "satire" in report.unknown_labels[0]["reason"]
    assert report.incomplete[0]["missing"] == ["fine_grained"]
    assert report.unknown_items[0]["item_id"] == "snopes:unknown"
    assert len(report.cancelled) == 1
    kept = {r["item_id"]: (r["label"], r["fine_grained_label"]) for r in records}
    assert kept == {ids[0]: (0, 5), ids[1]: (1, 0), ids[2]: (0, 1)}
    assert {u["item_id"] for u in report.under_annotated} == {ids[3], ids[4], ids[5]}
    dropped, report = merge_annotations(raw, source="file", conflict_policy="drop")
    assert ids[0] not in {r["item_id"] for r in dropped}


def test_task_files_round_trip(tmp_path):
    items = aligned_items(4)
    paths = write_task_files(items, tmp_path, ["a1", "a2"])
    assert [p.name for p in paths] == ["a1.tasks.json", "a2.tasks.json"]
    tasks = json.loads(paths[0].read_text())
    assert [t["data"]["item_id"] for t in tasks] == [i["id"] for i in items]
    assert (tmp_path / "labeling_config.xml").exists() and (tmp_path / "guidelines.html").exists()
    with pytest.raises(FinefakeError, match="invalid annotator name"):
        write_task_files(items, tmp_path, ["../evil"])


def _anns(*fines):
    return [
        {"annotator": f"a{i}", "label": 1 if f == 0 else 0, "fine_grained_label": f}
        for i, f in enumerate(fines)
    ]


def test_vote_rules():
    assert vote(_anns(3, 3, 3, 1, 0)).fine_grained_label == 3
    real = vote(_anns(0, 0, 0, 1, 2))
    assert (real.label, real.fine_grained_label, real.agreement) == (1, 0, 0.6)
    assert "binary tie" in vote(_anns(0, 0, 1, 2)).reason
    fine_tie = vote(_anns(1, 1, 2, 2, 0))
    assert "fine-grained tie" in fine_tie.reason and fine_tie.label == 0
    low = vote(_anns(1, 1, 2, 3, 0))  # fake wins 4-1, class 1 has only 2/5
    assert "low agreement" in low.reason
    assert vote(_anns(1, 1, 2, 3, 0), min_agreement=0.4).reason is None


def test_consensus_adjudication_wins_and_records_are_valid():
    items = aligned_items(3)
    ids = [i["id"] for i in items]
    anns = [dict(a, item_id=ids[0]) for a in _anns(3, 3, 3, 0, 0)]
    anns += [dict(a, item_id=ids[1]) for a in _anns(1, 1, 2, 2, 0)]
    result = run_consensus(items, anns)
    assert [r["id"] for r in result.records] == [ids[0]] and result.unannotated == [ids[2]]
    assert result.records[0]["decision"] == {
        "method": "majority",
        "decided_by": ["a0", "a1", "a2"],
        "agreement": 0.6,
    }
    assert result.discussion[0]["item_id"] == ids[1]
    adjudicated = [
        parse_adjudication(
            {"item_id": ids[1], "fine_grained_label": "image-based fake", "adjudicator": "lead"}, "t"
        ),
        parse_adjudication(
            {"item_id": ids[0], "fine_grained_label": 0, "label": "real", "decided_by": ["lead", "a3"]}, "t"
        ),
    ]
    result = run_consensus(items, anns, adjudications=adjudicated)
    by_id = {r["id"]: validate("record", r) for r in result.records}
    assert (by_id[ids[1]]["label"], by_id[ids[1]]["fine_grained_label"]) == (0, 4)
    assert by_id[ids[0]]["decision"] == {
        "method": "adjudicated",
        "decided_by": ["lead", "a3"],
        "agreement": 0.4,
    }
    assert by_id[ids[0]]["label"] == 1 and not result.discussion
    with pytest.raises(FinefakeError, match="contradicts"):
        parse_adjudication({"item_id": ids[0], "fine_grained_label": 2, "label": 1, "adjudicator": "x"}, "t")
    with pytest.raises(FinefakeError, match="adjudicator"):
        parse_adjudication({"item_id": ids[0], "fine_grained_label": 2}, "t")
