"""Hostile or damaged workspace files: torn shards, bad labels, torn append logs, leftovers of killed runs."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from finefake.cli import main
from finefake.dataset.synthetic import write_synthetic
from finefake.knowledge.cache import JsonLinesCache
from finefake.knowledge.review import ReviewQueue
from finefake.records import RecordError
from finefake.workspace import BadLine, Workspace, atomic_write_text, read_jsonl


def _run_cli(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["finefake", *args])
    with pytest.raises(SystemExit) as exit_info:
        main()
    captured = capsys.readouterr()
    return exit_info.value.code, captured.out + captured.err


@pytest.fixture
def records_ws(tmp_path) -> Workspace:
    ws = Workspace(tmp_path / "ws")
    write_synthetic(ws, 12, seed=3)
    return ws


def _rewrite_line(ws: Workspace, stage: str, lineno: int, edit) -> tuple[str, str]:
    """Replace line ``lineno`` of the stage's first shard with ``edit(line)``; return (shard, item id)."""
    shard = ws.shards(stage)[0]
    lines = shard.read_text(encoding="utf-8").splitlines()
    item_id = json.loads(lines[lineno - 1])["id"]
    lines[lineno - 1] = edit(lines[lineno - 1])
    shard.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(shard), item_id


def test_truncated_shard_line_names_file_line_and_item(records_ws):
    shard, item_id = _rewrite_line(records_ws, "records", 3, lambda line: line[: len(line) // 2])
    with pytest.raises(BadLine) as info:
        list(records_ws.read("records"))
    assert (str(info.value.path), info.value.lineno, info.value.item_id) == (shard, 3, item_id)
    assert f"{shard}:3 (item {item_id}): not valid JSON" in str(info.value)


@pytest.mark.parametrize("garbage", [b"\xff\xfe not utf-8\n", b"[1, 2]\n", b"[" * 100000 + b"\n"])
def test_non_json_non_object_and_deep_lines_are_bad_lines(tmp_path, garbage):
    path = tmp_path / "x.jsonl"
    path.write_bytes(b'{"id": "a"}\n' + garbage)
    with pytest.raises(BadLine, match=r"x.jsonl:2"):
        list(read_jsonl(path))


@pytest.mark.parametrize("verb", [["package"], ["features"], ["bench", "binary", "--models", "majority"]])
def test_corrupt_shard_is_one_clear_line_and_exit_2(records_ws, monkeypatch, capsys, verb):
    shard, item_id = _rewrite_line(records_ws, "records", 5, lambda line: line[:40])
    code, output = _run_cli(monkeypatch, capsys, "-w", str(records_ws.root), *verb)
    assert code == 2
    assert "Traceback" not in output and "error:" in output
    assert f"part-00000.jsonl:5 (item {item_id})" in output.replace("\n", "")


def test_corrupt_crawl_shard_stops_clean_with_exit_2(tmp_path, monkeypatch, capsys):
    ws = Workspace(tmp_path / "ws")
    ws.write_records("crawl/snopes", None, [{"id": "snopes:1", "platform": "snopes"}])
    shard = ws.shards("crawl/snopes")[0]
    shard.write_text('{"id": "snopes:2", "platform": "sno\n', encoding="utf-8")
    code, output = _run_cli(monkeypatch, capsys, "-w", str(ws.root), "clean")
    assert code == 2 and "Traceback" not in output
    assert "part-00000.jsonl:1 (item snopes:2)" in output.replace("\n", "")


def test_out_of_range_label_is_refused_where_features_read_it(records_ws, monkeypatch, capsys):
    def label_7(line: str) -> str:
        record = json.loads(line)
        record["label"] = 7
        return json.dumps(record)

    _, item_id = _rewrite_line(records_ws, "records", 2, label_7)
    with pytest.raises(RecordError, match=rf"{item_id}.*'label': expected one of \[0, 1\], got 7"):
        list(records_ws.read("records"))
    code, output = _run_cli(monkeypatch, capsys, "-w", str(records_ws.root), "features")
    assert code == 2 and item_id in output and "label" in output and "Traceback" not in output


def test_torn_decision_line_is_dropped_and_later_decisions_count(workspace, caplog):
    queue = ReviewQueue(workspace)
    rows = [{"key": f"k{i}", "item_id": f"i{i}", "qid": "Q1", "start": 0} for i in range(3)]
    queue._append(queue.queue_path, rows)
    queue.record("k0", "accept", "ann")
    with open(queue.decisions_path, "ab") as fh:  # kill -9 in the middle of an append
        fh.write(b'{"key":"k1","decision":"acc')
    queue.record("k1", "reject", "ann")
    queue.record("k2", "accept", "ann")
    assert {k: d["decision"] for k, d in queue.decisions().items()} == {
        "k0": "accept",
        "k1": "reject",
        "k2": "accept",
    }
    assert "dropped a torn last line" in caplog.text
    # a bad line in the middle (an editor, a disk) is reported and read past
    text = queue.decisions_path.read_text(encoding="utf-8").splitlines()
    queue.decisions_path.write_text("\n".join([text[0], "{oops", *text[1:]]) + "\n", encoding="utf-8")
    assert set(queue.decisions()) == {"k0", "k1", "k2"}
    assert "decisions.jsonl:2: not valid JSON" in caplog.text


def test_torn_cache_line_does_not_swallow_the_next_entry(tmp_path):
    path = tmp_path / "cache.jsonl"
    JsonLinesCache(path).put("a", 1)
    with open(path, "ab") as fh:
        fh.write(b'{"k":"b","v":')
    JsonLinesCache(path).put("c", 3)
    assert dict(JsonLinesCache(path)._data) == {"a": 1, "c": 3}
    # a complete last line that only lost its newline is kept
    with open(path, "ab") as fh:
        fh.write(b'{"k":"d","v":4}')
    JsonLinesCache(path).put("e", 5)
    assert dict(JsonLinesCache(path)._data) == {"a": 1, "c": 3, "d": 4, "e": 5}


def _dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_next_run_of_a_stage_sweeps_leftovers_of_killed_runs(workspace):
    stage = workspace.stage_dir("dataset")
    dead, alive = _dead_pid(), os.getpid()
    (stage / ".build-1a2b3c4d" / "hf").mkdir(parents=True)
    (stage / ".data.123.abcd1234.tmp").mkdir()
    (stage / "data").mkdir()
    (stage / "data" / f".part-00000.jsonl.{dead}.k3j4h5g6.tmp").write_text("half")
    (stage / "keep.json").write_text("{}")
    images = workspace.images.dir
    images.mkdir(parents=True)
    (images / f".ab.png.{dead}.zzzzzzzz.tmp").write_bytes(b"x")
    (images / f".cd.png.{alive}.yyyyyyyy.tmp").write_bytes(b"x")  # a live writer's file stays
    (images / ".ef.png.xxxxxxxx.tmp").write_bytes(b"x")  # no owner, recent: another stage may be writing it
    with workspace.run("dataset") as run:
        pass
    left = sorted(p.name for p in stage.rglob("*")) + sorted(p.name for p in images.iterdir())
    assert left == [
        "data",
        "keep.json",
        "manifest.json",
        f".cd.png.{alive}.yyyyyyyy.tmp",
        ".ef.png.xxxxxxxx.tmp",
    ]
    assert len(run.extra["swept_leftovers"]) == 4
    assert workspace.load_manifest("dataset")["swept_leftovers"]


def test_atomic_writes_name_their_owner(tmp_path, monkeypatch):
    seen = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append(os.path.basename(src))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    atomic_write_text(tmp_path / "x.json", "{}")
    assert f".x.json.{os.getpid()}." in seen[0] and seen[0].endswith(".tmp")
