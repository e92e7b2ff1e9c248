"""`finefake stats` numbers against counts computed independently from the records that were packaged."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from typer.testing import CliRunner

from finefake.cli import app
from finefake.contract import FINE_GRAINED_NAMES, PLATFORM_GROUPS, TOPICS
from finefake.dataset.package import PackageConfig, package
from finefake.dataset.synthetic import write_synthetic
from finefake.stats.emotion import EMOTIONS, LEXICON, lexicon_scores
from finefake.stats.report import StatsConfig, compute_stats, distinctive_words, load_package, write_stats
from finefake.workspace import Workspace


@pytest.fixture(scope="module")
def packaged(tmp_path_factory):
    ws = Workspace(tmp_path_factory.mktemp("stats") / "ws")
    write_synthetic(ws, 160, seed=3)
    package(ws, PackageConfig(seed=1))
    return ws, list(ws.read("records"))


def test_table3_and_proportions_equal_independent_counts(packaged):
    ws, records = packaged
    stats = compute_stats(load_package(ws.root / "dataset"))
    assert stats["items"] == len(records)
    for topic in TOPICS:
        mine = [r for r in records if r["topic"] == topic]
        row = next(r for r in stats["table3"]["topic"] if r["name"] == topic)
        assert row["total"] == len(mine)
        assert row["real"] == sum(r["label"] == 1 for r in mine)
        assert row["fake"] == sum(r["label"] == 0 for r in mine)
        if mine:
            words = sum(len(r["text"].split()) for r in mine) / len(mine)
            assert row["avg_words"] == pytest.approx(words, abs=0.006)
            ents = sum(len(r["entities"]) for r in mine) / len(mine)
            assert row["avg_entities"] == pytest.approx(ents, abs=0.006)
    for group in PLATFORM_GROUPS:
        row = next(r for r in stats["table3"]["platform_group"] if r["name"] == group)
        assert row["total"] == sum(r["platform_group"] == group for r in records)
    fine = Counter(FINE_GRAINED_NAMES[r["fine_grained_label"]] for r in records)
    assert stats["fine_grained"] == {n: fine.get(n, 0) for n in FINE_GRAINED_NAMES}
    assert stats["topics"] == {t: sum(r["topic"] == t for r in records) for t in TOPICS}
    for label, code in (("real", 1), ("fake", 0)):
        dist = Counter(len(r["entities"]) for r in records if r["label"] == code)
        assert stats["entity_counts"][label] == {str(k): v for k, v in sorted(dist.items())}
    mentions = Counter(q for r in records for q in {e["qid"] for e in r["entities"]})
    top = stats["top_entities"][0]
    assert top["items"] == max(mentions.values())
    assert mentions[top["qid"]] == top["items"]


def test_emotion_means_equal_lexicon_scores_averaged_by_hand(packaged):
    ws, records = packaged
    stats = compute_stats(load_package(ws.root / "dataset"))
    topic = "politics"
    for label, code in (("real", 1), ("fake", 0)):
        texts = [r["text"] for r in records if r["topic"] == topic and r["label"] == code]
        for emotion in EMOTIONS:
            mean = sum(lexicon_scores(t)[emotion] for t in texts) / len(texts)
            assert stats["emotion"]["mean"][topic][label][emotion] == pytest.approx(mean)
    # The planted fake cues ("shocking", "secret", "hoax", ...) make fake items lean to surprise.
    politics = stats["emotion"]["mean"]["politics"]
    assert politics["fake"]["surprise"] > politics["real"]["surprise"]


def test_lexicon_scorer_counts_shares():
    assert lexicon_scores("") == dict.fromkeys(EMOTIONS, 0.0)
    scores = lexicon_scores("Shocking secret! The officials confirmed it.")
    assert scores["surprise"] == pytest.approx(2 / 6)
    assert scores["trust"] == pytest.approx(2 / 6)
    assert all(words for words in LEXICON.values())


def test_top_words_are_distinctive_counted_and_never_stop_words(packaged):
    ws, records = packaged
    stats = compute_stats(load_package(ws.root / "dataset"), StatsConfig(top_words=3))
    word, count, z = stats["top_words"]["health"][0]
    expected = sum(
        r["text"].lower().replace(".", " ").split().count(word) for r in records if r["topic"] == "health"
    )
    assert count == expected and z > 0
    shown = {w for words in stats["top_words"].values() for w, *_ in words}
    assert not shown & {"the", "and", "with", "while", "because", "reported"}


def test_distinctive_words_prefer_domain_words_over_frequent_shared_ones():
    counts = {
        "health": Counter({"vaccine": 30, "common": 200, "rare": 1}),
        "politics": Counter({"senate": 30, "common": 200}),
    }
    top = distinctive_words(counts, top=2)
    assert [w for w, *_ in top["health"]] == ["vaccine"]  # "common" is everywhere, "rare" lacks evidence
    assert top["politics"][0][:2] == ("senate", 30) and top["politics"][0][2] > 5 * top["politics"][1][2]


def test_write_stats_files_and_cli(packaged, tmp_path):
    ws, records = packaged
    report = write_stats(ws.root / "dataset", tmp_path / "out")
    assert report.report.read_text().count("![") == 6
    for path in report.figures.values():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((tmp_path / "out" / "stats.json").read_text())["items"] == len(records)
    assert f"| **Total** | {len(records)} |" in (tmp_path / "out" / "table3.md").read_text()
    result = CliRunner().invoke(app, ["-w", str(ws.root), "stats"])
    assert result.exit_code == 0, result.output
    assert (ws.root / "stats" / "report.md").is_file()


def test_missing_dataset_is_a_readable_error(tmp_path):
    result = CliRunner().invoke(app, ["-w", str(tmp_path), "stats", str(tmp_path / "nope")])
    assert result.exit_code != 0
