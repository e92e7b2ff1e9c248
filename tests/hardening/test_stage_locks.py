"""Two processes on one workspace: stage locks (one line naming the holder, or --wait) and shard numbers."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from finefake.knowledge.kb import BuildKbConfig, build_kb
from finefake.workspace import StageLocked, Workspace, folder_lock

ROOT = Path(__file__).resolve().parents[2]
DUMP = ROOT / "tests" / "knowledge" / "fixtures" / "real" / "wikidata-dump-sample.json.gz"

HOLDER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from finefake.workspace import folder_lock
    folder, ready, release = map(Path, sys.argv[1:4])
    with folder_lock(folder, "test holder"):
        ready.write_text("held")
        while not release.exists():
            time.sleep(0.05)
    """
)


def _hold(tmp_path: Path, folder: Path) -> tuple[subprocess.Popen, Path]:
    """Another process holding ``folder``'s lock until the returned release file is created."""
    ready, release = tmp_path / "ready", tmp_path / "release"
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(folder), str(ready), str(release)], cwd=ROOT, env=_env()
    )
    deadline = time.monotonic() + 30
    while not ready.exists():
        assert proc.poll() is None and time.monotonic() < deadline, "the holder did not start"
        time.sleep(0.05)
    return proc, release


def _env() -> dict[str, str]:
    return os.environ | {"PYTHONPATH": str(ROOT), "COLUMNS": "200"}


def _cli(*args: str) -> subprocess.Popen:
    code = "from finefake.cli import main; main()"
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def test_second_process_on_a_stage_stops_with_one_line_naming_the_holder_or_waits(tmp_path):
    ws = Workspace(tmp_path / "ws")
    holder, release = _hold(tmp_path, ws.stage_dir("records"))
    try:
        second = _cli("-w", str(ws.root), "synthesize", "-n", "5")
        output, _ = second.communicate(timeout=120)
        assert second.returncode == 2, output
        assert "Traceback" not in output and output.count("\n") == 1
        assert "stage records" in output and f"pid {holder.pid}" in output and "--wait" in output
        assert not ws.has_records("records")  # nothing written while the other process held the stage

        waiting = _cli("-w", str(ws.root), "synthesize", "-n", "5", "--wait")
        time.sleep(1.5)
        assert waiting.poll() is None  # still waiting for the holder
        release.write_text("go")
        output, _ = waiting.communicate(timeout=120)
        assert waiting.returncode == 0, output
    finally:
        release.write_text("go")
        holder.wait(30)
    assert len(list(ws.read("records"))) == 5
    assert not (ws.stage_dir("records") / ".lock").exists()  # released and removed


def test_the_lock_names_the_holder_in_process(tmp_path):
    folder = tmp_path / "stage"
    holder, release = _hold(tmp_path, folder)
    try:
        with pytest.raises(StageLocked, match=rf"pid {holder.pid} on .*, started 20"):
            with folder_lock(folder, "stage x"):
                pass
    finally:
        release.write_text("go")
        holder.wait(30)
    with folder_lock(folder, "stage x"), folder_lock(folder, "stage x"):  # free now; re-entrant in-process
        pass


def test_build_kb_on_a_busy_out_folder_is_refused(tmp_path):
    out = tmp_path / "kb"
    holder, release = _hold(tmp_path, out)
    try:
        with pytest.raises(StageLocked, match=r"knowledge base .*kb is in use .*--wait"):
            build_kb(BuildKbConfig(dump=DUMP, out=out))
    finally:
        release.write_text("go")
        holder.wait(30)
    assert not (out / "index.sqlite").exists()
    assert build_kb(BuildKbConfig(dump=DUMP, out=out)).entities == 3


def test_an_append_writer_never_overwrites_a_shard_it_did_not_create(tmp_path):
    ws = Workspace(tmp_path / "ws")
    first = ws.writer("crawl/news", None, mode="append", shard_size=2)
    second = ws.writer("crawl/news", None, mode="append", shard_size=2)  # both start when no shard exists
    first.write_many([{"id": "a:1"}, {"id": "a:2"}])
    second.write_many([{"id": "b:1"}, {"id": "b:2"}])
    first.write({"id": "a:3"})
    first.close()
    second.close()
    ids = sorted(r["id"] for r in ws.read("crawl/news"))
    assert ids == ["a:1", "a:2", "a:3", "b:1", "b:2"]
    assert [p.name for p in ws.shards("crawl/news")] == [
        "part-00000.jsonl",
        "part-00001.jsonl",
        "part-00002.jsonl",
    ]
