"""The four importers on small files in their real formats, including the bad rows real releases have."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from finefake.cli import app
from finefake.dataset.importers.fakeddit import FakedditConfig, import_fakeddit
from finefake.dataset.importers.fakenewsnet import FakeNewsNetConfig, host_of, import_fakenewsnet
from finefake.dataset.importers.liar import LiarConfig, import_liar, subject_topics
from finefake.dataset.importers.mediaeval import MediaEvalConfig, event_of, import_mediaeval
from finefake.errors import FinefakeError
from finefake.records import validate
from finefake.workspace import Workspace
from tests.dataset.importers import formats


def _records(ws: Workspace) -> dict[str, dict]:
    return {r["id"]: validate("record", r) for r in ws.read("records")}


def _lines(report, action: str) -> list[int]:
    return sorted(p.line for p in report.problems if p.action == action)


def test_mediaeval_counts_labels_events_splits_and_bad_rows(tmp_path):
    planted = formats.mediaeval_2015(tmp_path / "corpus")
    ws = Workspace(tmp_path / "ws")
    report = import_mediaeval(ws, MediaEvalConfig(tmp_path / "corpus", images=tmp_path / "corpus" / "images"))
    records = _records(ws)
    assert (
        report.written == len(records) == 12
    )  # 9 dev rows kept (one repaired, one with empty text) + 3 test
    assert _lines(report, "skipped") == planted["skipped"]
    assert [p.line for p in report.problems if p.reason.startswith("shifted")] == [8, 10]
    assert "duplicate id mediaeval:100 (first at tweets.txt:2)" in {p.reason for p in report.problems}
    assert all(p.file == "tweets.txt" for p in report.problems)
    humor = records["mediaeval:103"]
    assert (humor["label"], humor["labels"]) == (0, {"binary": 0, "veracity": 2})  # humor counts as fake
    assert records["mediaeval:102"]["label"] == 1
    assert records["mediaeval:106"]["text"] == "sochi with a tab inside"  # stray tab repaired
    assert {r["domains"]["event"] for r in records.values()} == {
        "sandy", "boston", "sochi", "eclipse", "garissa", "nepal"
    }  # fmt: skip
    assert report.splits == {"train": 9, "test": 3}
    assert all(
        r["split"] == "test" for r in records.values() if r["domains"]["event"] in ("eclipse", "nepal")
    )
    # images: 3 of the referenced ids are present, one file is not an image, the rest are missing (counted)
    assert len(records["mediaeval:101"]["images"]) == 1 and records["mediaeval:100"]["images"]
    assert report.rejected_images == {"undecodable": 1} and records["mediaeval:102"]["images"] == []
    assert report.missing_images == 9
    assert records["mediaeval:100"]["published"] == "2012-10-29T22:34:01+00:00"
    saved = json.loads((ws.root / "records" / "import_report.json").read_text())
    assert (
        saved["written"] == 12 and {"file": "tweets.txt", "line": 10}.items() <= saved["problems"][2].items()
    )
    assert ws.load_manifest("records")["dataset"] == "mediaeval"
    split = json.loads((ws.root / "records" / "splits.json").read_text())
    assert {i for i, p in split.items() if p == "test"} == {"mediaeval:200", "mediaeval:201", "mediaeval:202"}
    assert "validation" in split.values() and set(split) == set(records)  # carved from the devset (train)


def test_mediaeval_2016_test_header_order_and_event_prefix(tmp_path):
    path = tmp_path / "testset" / "posts_groundtruth.txt"
    path.parent.mkdir()
    path.write_text(
        formats.MEDIAEVAL_2016_TEST_HEADER + "\n"
        f"300\tA post\t41\tuser\tsolar_eclipse_01\t{formats.STAMP}\tfake\n",
        encoding="utf-8",
    )
    ws = Workspace(tmp_path / "ws")
    import_mediaeval(ws, MediaEvalConfig(tmp_path))
    (record,) = ws.read("records")
    assert (record["split"], record["domains"], record["authors"]) == (
        "test",
        {"event": "solar_eclipse"},
        ["user"],
    )
    assert record["metadata"]["edition"] == "2016"
    assert event_of("sandyB_fake_4") == "sandy" and event_of("MA_real_1") == "ma"


def test_mediaeval_lone_file_needs_split(tmp_path):
    path = tmp_path / "corpus" / "tweets.txt"
    path.parent.mkdir()
    path.write_text(formats.MEDIAEVAL_2015_HEADER + "\n", encoding="utf-8")
    with pytest.raises(FinefakeError, match="--split"):
        import_mediaeval(Workspace(tmp_path / "ws"), MediaEvalConfig(path))


def test_liar_labels_binary_mapping_topics_and_bad_rows(tmp_path):
    planted = formats.liar(tmp_path / "liar")
    ws = Workspace(tmp_path / "ws")
    report = import_liar(ws, LiarConfig(tmp_path / "liar"))
    records = _records(ws)
    assert report.written == 10 and report.rows == 13
    assert (
        _lines(report, "skipped") == planted["skipped"] and _lines(report, "repaired") == planted["repaired"]
    )
    assert report.splits == {"train": 8, "validation": 1, "test": 1}
    first = records["liar:2635.json"]
    assert first["labels"] == {"six_way": 1, "binary": 0} and first["label"] == 0
    assert first["topic"] == "health" and first["domains"] == {"party": "republican"}
    assert first["metadata"]["speaker"] == "dwayne-bohac" and first["metadata"]["subjects"] == ["abortion"]
    assert first["metadata"]["credit_history"]["false"] == 1
    assert records["liar:10540.json"]["labels"] == {"six_way": 3, "binary": 1}
    assert records["liar:10540.json"]["topic"] == "business"  # energy: the first subject that maps
    assert records["liar:5602.json"]["topic"] is None and report.topics["None"] == 1
    assert records["liar:1123.json"]["labels"]["six_way"] == 0  # pants-fire
    split = json.loads((ws.root / "records" / "splits.json").read_text())
    assert split == {item: r["split"] for item, r in records.items()}  # LIAR's own split, unchanged


def test_liar_subject_table_maps_each_subject_once():
    table = subject_topics()
    assert table["abortion"] == "health" and table["elections"] == "politics" and len(table) > 100


def test_fakeddit_label_spaces_subreddits_splits_images(tmp_path):
    planted = formats.fakeddit(tmp_path / "fd")
    ws = Workspace(tmp_path / "ws")
    report = import_fakeddit(ws, FakedditConfig(tmp_path / "fd", images=tmp_path / "fd" / "public_image_set"))
    records = _records(ws)
    assert report.written == 8 and _lines(report, "skipped") == planted["skipped"]
    assert report.splits == {"train": 6, "validation": 1, "test": 1}
    cat = records["fakeddit:a1"]
    assert cat["labels"] == {"two_way": 0, "three_way": 2, "six_way": 5} and cat["label"] == 0
    assert cat["domains"] == {"subreddit": "photoshopbattles"} and len(cat["images"]) == 1
    assert records["fakeddit:a4"]["title"] == '"Quoted" title'  # pandas quoting undone
    assert records["fakeddit:a3"]["images"] == [] and report.missing_images == 5
    assert records["fakeddit:a1"]["published"].startswith("2019-02-28")


def test_fakenewsnet_labels_from_file_names_topics_and_bad_rows(tmp_path):
    formats.fakenewsnet(tmp_path / "fnn")
    ws = Workspace(tmp_path / "ws")
    report = import_fakenewsnet(ws, FakeNewsNetConfig(tmp_path / "fnn"))
    records = _records(ws)
    assert report.written == 6
    skipped = sorted((p.file, p.line) for p in report.problems if p.action == "skipped")
    assert skipped == [("gossipcop_fake.csv", 3), ("politifact_fake.csv", 4)]
    first = records["fakenewsnet:politifact15014"]
    assert (first["label"], first["topic"]) == (0, "politics")
    assert first["domains"] == {"source": "politifact", "host": "speedtalk.com"}  # the outlet, any host
    assert first["metadata"]["tweet_ids"] == ["937349434668498944", "937379378006282240"]
    assert first["url"].startswith("http://speedtalk.com/")
    assert host_of("https://web.archive.org/web/20171101000000/http://www.cnn.com/2017/x") == "cnn.com"
    assert host_of("http://[::1") is None and host_of("") is None
    gossip = records["fakenewsnet:gossipcop-882573"]
    assert (gossip["label"], gossip["topic"]) == (1, "entertainment")
    assert records["fakenewsnet:politifact12944"]["title"] == 'A title with a "quote"\nand a newline'
    assert any(p.line == 3 and p.action == "repaired" for p in report.problems)
    split = json.loads((ws.root / "records" / "splits.json").read_text())
    assert set(split) == set(records) and set(split.values()) <= {"train", "validation", "test"}


def test_fakenewsnet_rejects_unknown_file_name(tmp_path):
    path = tmp_path / "news.csv"
    path.write_text("id,news_url,title,tweet_ids\n", encoding="utf-8")
    with pytest.raises(FinefakeError, match="not a FakeNewsNet file name"):
        import_fakenewsnet(Workspace(tmp_path / "ws"), FakeNewsNetConfig(path))


def test_cli_import_reports_bad_rows_with_file_and_line(tmp_path):
    formats.liar(tmp_path / "liar")
    runner = CliRunner()
    result = runner.invoke(app, ["-w", str(tmp_path / "ws"), "import", "liar", str(tmp_path / "liar")])
    assert result.exit_code == 0, result.output
    assert "imported 10 of 13 liar rows" in result.output
    assert "train.tsv:8: shifted columns" in result.output and "train.tsv:10: duplicate id" in result.output
    for name in ("mediaeval", "fakenewsnet", "liar", "fakeddit"):
        assert runner.invoke(app, ["import", name, "--help"]).exit_code == 0
