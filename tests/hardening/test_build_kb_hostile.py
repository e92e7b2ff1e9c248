"""``knowledge build-kb`` on hostile dump lines: deep nesting, wrong shapes, over-long lines, repeated ids."""

from __future__ import annotations

import gzip
import json
import sqlite3
from pathlib import Path

from finefake.knowledge.kb import BuildKbConfig, build_kb, iter_dump_lines

DUMP = (
    Path(__file__).resolve().parents[1] / "knowledge" / "fixtures" / "real" / "wikidata-dump-sample.json.gz"
)


def _real_lines() -> list[bytes]:
    return [line for _, line in iter_dump_lines(gzip.open(DUMP, "rb"))]


def _dump(path: Path, lines: list[bytes]) -> Path:
    path.write_bytes(b"[\n" + b",\n".join(lines) + b"\n]\n")
    return path


def _count(out: Path, table: str) -> int:
    return sqlite3.connect(out / "index.sqlite").execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def test_bad_lines_are_skipped_and_counted_with_their_numbers(tmp_path):
    real = _real_lines()
    q42 = json.loads(next(line for line in real if b'"Q42"' in line[:200]))
    hostile = [
        b"[" * 50_000 + b"]" * 50_000,  # line 6 (lines 2-5 are real)
        json.dumps(q42 | {"id": "Q7", "labels": {"en": "a string"}}).encode(),  # 10
        json.dumps(q42 | {"id": "Q8", "aliases": ["x"]}).encode(),  # 8
        json.dumps(q42 | {"id": "Q9", "claims": {"P31": "Q5"}}).encode(),  # 12
        json.dumps(q42 | {"id": "Q10", "labels": [1]}).encode(),  # 10
        b'{"id": "Q11", "type": "item", "labels": {"en": {"value": "'
        + b"x" * 300_000
        + b'"}}}',  # 11: too long
        b"not json",  # 12
    ]
    dump = _dump(tmp_path / "d.json", real + hostile + [real[2]])  # the last one repeats an entity id
    report = build_kb(BuildKbConfig(dump=dump, out=tmp_path / "kb", max_line_bytes=200_000))
    assert report.finished and report.entities == 3
    assert report.skipped_bad == 7 and report.skipped_duplicate == 1
    assert [b.split(":")[0] for b in report.bad_lines] == [f"line {n}" for n in range(6, 13)]
    assert "nested too deep" in report.bad_lines[0] and "longer than 200000 bytes" in report.bad_lines[5]
    assert "labels.en" in report.bad_lines[1] and "aliases is a list" in report.bad_lines[2]
    assert _count(tmp_path / "kb", "entity") == 3
    surfaces_once = _count(tmp_path / "kb", "surface")
    again = build_kb(BuildKbConfig(dump=_dump(tmp_path / "e.json", real + real), out=tmp_path / "kb2"))
    assert again.skipped_duplicate == 4 and _count(tmp_path / "kb2", "surface") == surfaces_once


def test_a_gzip_bomb_without_newline_is_read_in_bounded_memory(tmp_path):
    import tracemalloc

    bomb = tmp_path / "bomb.json.gz"
    with gzip.open(bomb, "wb", compresslevel=9) as fh:
        fh.write(b"[\n")
        chunk = b"a" * (1 << 20)
        for _ in range(128):  # 128 MB of one line that never ends, 128 kB compressed
            fh.write(chunk)
    tracemalloc.start()
    try:
        report = build_kb(BuildKbConfig(dump=bomb, out=tmp_path / "kb", max_line_bytes=1 << 20))
        peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()
    assert report.finished and report.skipped_bad == 1
    assert report.bad_lines == ["line 2: longer than 1048576 bytes"]
    assert peak_mb < 16


def test_a_lone_surrogate_skips_its_line_only(tmp_path):
    dump = _dump(
        tmp_path / "s.json",
        [
            b'{"id": "Q5", "type": "item", "labels": {"en": {"value": "bad \\ud800"}}}',
            b'{"id": "Q6", "type": "item", "labels": {"en": {"value": "good"}}}',
        ],
    )
    report = build_kb(BuildKbConfig(dump=dump, out=tmp_path / "kb"))
    assert report.finished and report.entities == 1
    assert report.bad_lines == ["line 2: a lone surrogate in a string (not UTF-8 text)"]


def test_a_label_longer_than_wikidata_allows_skips_its_line(tmp_path):
    label = "z" * 5000
    dump = _dump(
        tmp_path / "l.json",
        [json.dumps({"id": "Q5", "type": "item", "labels": {"en": {"value": label}}}).encode()],
    )
    report = build_kb(BuildKbConfig(dump=dump, out=tmp_path / "kb"))
    assert report.entities == 0 and report.bad_lines == ["line 2: labels.en is longer than 1000 characters"]
