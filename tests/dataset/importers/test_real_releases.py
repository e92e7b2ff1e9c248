"""The importers on samples of the real release files (tests/dataset/fixtures/real, rows copied byte for byte).

Each test names the defect it guards against (issue 28): the MediaEval editions mixed into one "split", event
names cut at the first "_", FakeNewsNet rows with long tweet-id fields dropped, modalities not said.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

from finefake.cli import app
from finefake.dataset.importers import common
from finefake.dataset.importers.fakeddit import FakedditConfig, import_fakeddit
from finefake.dataset.importers.fakenewsnet import FakeNewsNetConfig, import_fakenewsnet
from finefake.dataset.importers.liar import LiarConfig, import_liar
from finefake.dataset.importers.mediaeval import MediaEvalConfig, import_mediaeval
from finefake.errors import FinefakeError
from finefake.records import validate
from finefake.workspace import Workspace

REAL = Path(__file__).parents[1] / "fixtures" / "real"
MEDIAEVAL = REAL / "mediaeval"


def _records(ws: Workspace) -> dict[str, dict]:
    return {r["id"]: validate("record", r) for r in ws.read("records")}


def test_mediaeval_corpus_folder_imports_one_edition_with_its_official_split(tmp_path):
    ws = Workspace(tmp_path / "ws")
    report = import_mediaeval(ws, MediaEvalConfig(MEDIAEVAL))
    records = _records(ws)
    # the 2015 edition only: its devset is train, its testset test; no 2016 row dropped as "duplicate id"
    assert {r["metadata"]["edition"] for r in records.values()} == {"2015"}
    assert report.splits == {"train": 60, "test": 29} and report.written == report.rows == 89
    assert not any("duplicate id" in p.reason for p in report.problems)
    assert report.notes and "2015 and 2016" in report.notes[0] and "--edition 2016" in report.notes[0]
    assert report.conditions["subset"] == "MediaEval 2015, all tweets"
    by_file = Counter(Path(f).parts[-3] for f in report.files)
    assert by_file == {"mediaeval2015": 2}


def test_mediaeval_both_editions_labelled_are_never_mixed(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(MEDIAEVAL, corpus)
    (corpus / "mediaeval2016" / "testset" / "posts.txt").unlink()  # only labelled files: once mixed silently
    ws = Workspace(tmp_path / "ws")
    report = import_mediaeval(ws, MediaEvalConfig(corpus))
    assert {r["metadata"]["edition"] for r in ws.read("records")} == {"2015"}
    assert report.splits == {"train": 60, "test": 29} and not report.problems


def test_mediaeval_2016_edition_skips_the_unlabelled_test_copy(tmp_path):
    ws = Workspace(tmp_path / "ws")
    report = import_mediaeval(ws, MediaEvalConfig(MEDIAEVAL, edition="2016"))
    assert report.splits == {"train": 26, "test": 88} and report.rows == 114
    assert sorted(Path(f).name for f in report.files) == ["posts.txt", "posts_groundtruth.txt"]
    assert not report.problems
    with pytest.raises(FinefakeError, match="no MediaEval 2016 files"):
        import_mediaeval(
            Workspace(tmp_path / "w2"), MediaEvalConfig(MEDIAEVAL / "mediaeval2015", edition="2016")
        )


def test_mediaeval_events_keep_their_whole_names(tmp_path):
    ws = Workspace(tmp_path / "ws")
    import_mediaeval(ws, MediaEvalConfig(MEDIAEVAL / "mediaeval2016"))
    events = {r["domains"]["event"] for r in ws.read("records")}
    assert {"american_soldier_quran", "not_afraid", "woman_14_children", "attacks_paris"} <= events
    assert not {"american", "not", "woman", "attacks"} & events
    assert "sandy" in events  # the 2016 devset's old events


def test_mediaeval_humor_dropped_like_the_papers(tmp_path):
    keep, drop = Workspace(tmp_path / "keep"), Workspace(tmp_path / "drop")
    kept = import_mediaeval(keep, MediaEvalConfig(MEDIAEVAL / "mediaeval2015"))
    dropped = import_mediaeval(drop, MediaEvalConfig(MEDIAEVAL / "mediaeval2015", humor="drop"))
    humor = sum(r["labels"]["veracity"] == 2 for r in keep.read("records"))
    assert humor == 11 and dropped.written == kept.written - humor
    assert dropped.excluded == {"humor tweet (--humor drop)": humor} and not dropped.problems
    assert dropped.conditions == {
        "edition": "2015",
        "subset": "MediaEval 2015 without humor tweets",
        "label_mapping": "fake/real",
    }


def test_fakenewsnet_reads_rows_with_long_tweet_id_fields(tmp_path):
    ws = Workspace(tmp_path / "ws")
    report = import_fakenewsnet(ws, FakeNewsNetConfig(REAL / "fakenewsnet"))
    # politifact 32 fake, 30 real; gossipcop 15 fake, 15 real
    assert (report.rows, report.written, report.skipped) == (92, 92, 0)
    assert not any("unreadable" in p.reason for p in report.problems)
    sources = Counter((r["domains"]["source"], r["topic"], r["label"]) for r in ws.read("records"))
    assert sources == {
        ("politifact", "politics", 0): 32,
        ("politifact", "politics", 1): 30,
        ("gossipcop", "entertainment", 0): 15,
        ("gossipcop", "entertainment", 1): 15,
    }
    longest = max(ws.read("records"), key=lambda r: len(r["metadata"]["tweet_ids"]))
    assert longest["id"] == "fakenewsnet:politifact14548" and len(longest["metadata"]["tweet_ids"]) > 20_000
    import csv

    assert csv.field_size_limit() == 131_072  # the process-wide limit is put back


def test_csv_field_cap_still_holds(tmp_path, monkeypatch):
    path = tmp_path / "politifact_fake.csv"
    path.write_text(
        f'id,news_url,title,tweet_ids\np1,a.com/x,T,{"1" * 5000}\np2,a.com/y,T2,"1\t2"\n', encoding="utf-8"
    )
    monkeypatch.setattr(common, "MAX_CSV_FIELD_CHARS", 1000)
    report = import_fakenewsnet(Workspace(tmp_path / "ws"), FakeNewsNetConfig(path))
    assert report.written == 1 and [p.line for p in report.problems] == [2]
    assert report.problems[0].reason.startswith("unreadable row")


def test_liar_release_sample_official_split(tmp_path):
    ws = Workspace(tmp_path / "ws")
    report = import_liar(ws, LiarConfig(REAL / "liar"))
    assert report.splits == {"train": 25, "validation": 25, "test": 25} and not report.skipped
    assert report.modalities == {"text": 75}


def test_import_summary_says_modalities(tmp_path):
    runner = CliRunner()
    corpus = tmp_path / "fnn"
    shutil.copytree(REAL / "fakenewsnet", corpus)
    result = runner.invoke(app, ["-w", str(tmp_path / "ws"), "import", "fakenewsnet", str(corpus)])
    assert result.exit_code == 0, result.output
    assert "imported 92 of 92 fakenewsnet rows" in result.output
    assert (
        "text 0 of 92, title only 92, image 0 of 92 -> benchmarks on titles only, no images" in result.output
    )
    result = runner.invoke(app, ["-w", str(tmp_path / "w2"), "import", "mediaeval", str(MEDIAEVAL)])
    assert result.exit_code == 0, result.output
    assert (
        "image 0 of 89" in result.output
        and "note: the path holds the 2015 and 2016 editions" in result.output
    )
    saved = json.loads((tmp_path / "w2" / "records" / "import_report.json").read_text())
    assert saved["modalities"] == {"text": 89} and saved["conditions"]["edition"] == "2015"
    assert "--edition" in runner.invoke(app, ["import", "mediaeval", "--help"]).output


def test_fakeddit_rows_whose_quoted_title_runs_over_a_line_break(tmp_path):
    ws = Workspace(tmp_path / "ws")
    report = import_fakeddit(ws, FakedditConfig(REAL / "fakeddit"))
    assert (report.rows, report.written, report.skipped) == (96, 96, 0)
    assert report.splits == {"train": 33, "validation": 32, "test": 31}  # the release's three files
    repaired = sorted((p.file, p.line) for p in report.problems if p.reason.startswith("quoted field"))
    assert repaired == [
        ("multimodal_test_public.tsv", 32),
        ("multimodal_train.tsv", 32),
        ("multimodal_train.tsv", 34),
        ("multimodal_train.tsv", 36),
        ("multimodal_validate.tsv", 32),
        ("multimodal_validate.tsv", 34),
    ]
    record = _records(ws)["fakeddit:s7w91"]  # a title over three lines
    assert record["title"].endswith("two weeks before \nconception. Difficulty: Not the Onion")
    assert record["labels"] == {"two_way": 1, "three_way": 0, "six_way": 0}
    assert report.modalities == {"title": 96}  # the text is the title; no image folder given


def test_a_stray_quote_does_not_swallow_the_next_rows(tmp_path):
    header = (REAL / "fakeddit" / "multimodal_train.tsv").read_text(encoding="utf-8").splitlines()[0]
    good = (REAL / "fakeddit" / "multimodal_train.tsv").read_text(encoding="utf-8").splitlines()[1:4]
    broken = "\t".join(["u", "t", "1.0", "i.redd.it", "True", "zz1", "", "", "1", "2", "pics", '"open'])
    path = tmp_path / "multimodal_train.tsv"
    path.write_text("\n".join([header, broken, *good]) + "\n", encoding="utf-8")
    report = import_fakeddit(Workspace(tmp_path / "ws"), FakedditConfig(path))
    assert report.written == 3 and [p.line for p in report.problems] == [2]
