"""``crawl claimreview --feed`` on hostile feeds: deep nesting, long strings, wrong types, wrong shapes.

The good record is the real Data Commons entry of ``tests/crawlers/fixtures/real/claimreview``; every hostile
record is that entry with one thing changed.
"""

from __future__ import annotations

import copy
import json
import sys
from pathlib import Path

import pytest

from finefake.cli import main
from finefake.crawlers.claimreview import ClaimReviewConfig, crawl_claimreview
from finefake.errors import FinefakeError
from finefake.workspace import Workspace

REAL = Path(__file__).resolve().parents[1] / "crawlers" / "fixtures" / "real" / "claimreview"
FEED = json.loads((REAL / "datacommons_feed_2019.json").read_text(encoding="utf-8"))
ELEMENT = FEED["dataFeedElement"][0]


def _element(url: str, **changes) -> dict:
    element = copy.deepcopy(ELEMENT)
    review = element["item"][0]
    review["url"] = url
    review.update(changes)
    return element


def _write(path: Path, elements: list, *, raw: bytes | None = None) -> Path:
    body = json.dumps({"@context": "http://schema.org", "dataFeedElement": elements}).encode()
    if raw is not None:  # splice a raw element in (deep nesting json.dumps cannot write)
        body = body[:-2] + b"," + raw + b"]}"
    path.write_bytes(body)
    return path


def _run(monkeypatch, capsys, ws: Workspace, feed: Path) -> tuple[int, str]:
    monkeypatch.setattr(
        sys, "argv", ["finefake", "-w", str(ws.root), "crawl", "claimreview", "--feed", str(feed)]
    )
    with pytest.raises(SystemExit) as info:
        main()
    out = capsys.readouterr()
    return info.value.code, " ".join((out.out + out.err).split())


def test_hostile_records_are_rejected_and_counted_and_good_ones_kept(tmp_path):
    ws = Workspace(tmp_path / "ws")
    deep = b'{"item": [{"claimReviewed": "x", "url": "https://e.org/deep", "extra": ' + b"[" * 20_000
    deep += b"]" * 20_000 + b"}]}"
    elements = [
        _element("https://e.org/good"),
        _element("https://e.org/long", claimReviewed="x" * 100_000),
        _element("https://e.org/t", name={"a": 1}),
        _element("https://e.org/l", inLanguage=["en"]),
        _element("https://e.org/r", author={"name": {"x": 1}}),
        _element("https://e.org/c", claimReviewed={"text": "a dict"}),
        _element("https://e.org/good2"),
    ]
    report = crawl_claimreview(ws, ClaimReviewConfig(feed=_write(tmp_path / "f.json", elements, raw=deep)))
    assert sorted(r["review_url"] for r in ws.read("crawl/claimreview")) == [
        "https://e.org/good",
        "https://e.org/good2",
    ]
    assert report.written == 2 and report.skipped_bad == 6
    assert report.rejected == {
        "string_too_long": 1,
        "too_deep": 1,
        "wrong_type:name": 1,
        "wrong_type:inLanguage": 1,
        "wrong_type:author.name": 1,
        "wrong_type:claimReviewed": 1,
    }
    assert ws.load_manifest("crawl/claimreview")["counts"]["rejected_too_deep"] == 1


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"[1, 2]", "the top level is an array"),
        (b'"a string"', "the top level is a string"),
        (b'{"dataFeedElement": {"item": []}}', "dataFeedElement is an object, not a list"),
        (b'{"dataFeedElement": "x"}', "dataFeedElement is a string, not a list"),
        (b'{"other": 1}', "has no dataFeedElement list"),
        (b'{"dataFeedElement": [{"item": [' + b"9" * 5000 + b"]}]}", "is not valid JSON"),
    ],
)
def test_a_feed_of_the_wrong_shape_is_one_line_and_keeps_the_stage(tmp_path, monkeypatch, capsys, body, said):
    ws = Workspace(tmp_path / "ws")
    good = _write(tmp_path / "good.json", [_element("https://e.org/good")])
    assert _run(monkeypatch, capsys, ws, good)[0] == 0
    bad = tmp_path / "bad.json"
    bad.write_bytes(body)
    code, output = _run(monkeypatch, capsys, ws, bad)
    assert code == 2 and said in output and output.startswith("error:") and "Traceback" not in output
    assert [r["review_url"] for r in ws.read("crawl/claimreview")] == ["https://e.org/good"]


def test_memory_is_flat_in_the_feed_size(tmp_path, monkeypatch):
    """Records go to the stage as they are read: 5x the records, not 5x the peak memory."""
    import tracemalloc

    real_writer = Workspace.writer
    monkeypatch.setattr(
        Workspace, "writer", lambda self, *a, **k: real_writer(self, *a, **k | {"shard_size": 25})
    )
    peaks = []
    for n in (150, 750):
        feed = _write(tmp_path / f"f{n}.json", [_element(f"https://e.org/{i}") for i in range(n)])
        ws = Workspace(tmp_path / f"ws{n}")
        tracemalloc.start()
        try:
            report = crawl_claimreview(ws, ClaimReviewConfig(feed=feed))
            peaks.append(tracemalloc.get_traced_memory()[1])
        finally:
            tracemalloc.stop()
        assert report.written == n
    assert peaks[1] < 1.5 * peaks[0], peaks


def test_a_broken_feed_keeps_the_previous_stage(tmp_path):
    ws = Workspace(tmp_path / "ws")
    crawl_claimreview(ws, ClaimReviewConfig(feed=_write(tmp_path / "a.json", [_element("https://e.org/a")])))
    elements = [_element(f"https://e.org/{i}") for i in range(7)]
    with pytest.raises(FinefakeError, match="not valid JSON"):
        crawl_claimreview(ws, ClaimReviewConfig(feed=_write(tmp_path / "f.json", elements, raw=b"{")))
    assert [r["review_url"] for r in ws.read("crawl/claimreview")] == ["https://e.org/a"]


def test_api_claims_of_the_wrong_types_are_rejected_and_counted(workspace, httpserver, monkeypatch):
    """The recorded claims:search answer, with a title, language, publisher name and claim of the wrong type."""
    monkeypatch.setenv("FACTCHECK_API_KEY", "k")
    claims = json.loads((REAL / "ai_debate_claims_search_2025.json").read_text(encoding="utf-8"))["claims"]
    claims[0]["claimReview"][0]["title"] = {"a": 1}
    claims[1]["claimReview"][0]["languageCode"] = ["en"]
    claims[2]["claimReview"][0]["publisher"] = {"name": {"x": 1}, "site": "apnews.com"}
    claims[3]["text"] = {"text": "a dict"}
    httpserver.expect_request("/claims:search").respond_with_json({"claims": claims})
    report = crawl_claimreview(
        workspace, ClaimReviewConfig(query="x", api_url=httpserver.url_for("/claims:search"), rate=0)
    )
    assert report.rejected == {
        "wrong_type:title": 1,
        "wrong_type:language": 1,
        "wrong_type:reviewer": 1,
        "wrong_type:text": 1,
    }
    assert (
        report.written
        == len(list(workspace.read("crawl/claimreview")))
        == sum(len(c["claimReview"]) for c in claims[4:]) - report.skipped_duplicate
    )


def test_a_huge_string_is_rejected_without_being_held(tmp_path):
    """The lexer never sees the 16 MB string (it would re-scan it once per read: quadratic), nor does memory."""
    import tracemalloc

    elements = [
        _element("https://e.org/good"),
        _element("https://e.org/huge", claimReviewed="\\" * (16 << 20)),
    ]
    feed = _write(tmp_path / "f.json", elements)
    ws = Workspace(tmp_path / "ws")
    tracemalloc.start()
    try:
        report = crawl_claimreview(ws, ClaimReviewConfig(feed=feed))
        peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    assert report.written == 1 and report.rejected == {"string_too_long": 1}
    assert peak_mb < 8, peak_mb


def test_a_huge_number_stops_the_feed_with_one_line(tmp_path):
    feed = _write(
        tmp_path / "f.json", [_element("https://e.org/good")], raw=b'{"n": ' + b"1" * 100_000 + b"}"
    )
    with pytest.raises(FinefakeError, match="not valid JSON: a number or bare word longer than 4096 bytes"):
        crawl_claimreview(Workspace(tmp_path / "ws"), ClaimReviewConfig(feed=feed))
