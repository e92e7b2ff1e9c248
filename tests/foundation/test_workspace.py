import io
import json
import subprocess
import sys

import pytest
from PIL import Image

from finefake.images import ImageRejected, inspect_image
from finefake.records import RecordError
from finefake.workspace import atomic_write_text, read_jsonl


def _png(size=(8, 8), colour=(200, 10, 10)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def test_shards_roundtrip_and_append(workspace):
    with workspace.writer("demo", None, shard_size=3) as writer:
        writer.write_many({"id": f"x:{i}"} for i in range(7))
    assert [p.name for p in workspace.shards("demo")] == [
        "part-00000.jsonl",
        "part-00001.jsonl",
        "part-00002.jsonl",
    ]
    with workspace.writer("demo", None) as writer:
        writer.write({"id": "x:7"})
    assert [r["id"] for r in workspace.read("demo")] == [f"x:{i}" for i in range(8)]
    assert workspace.ids("demo") == {f"x:{i}" for i in range(8)}


def test_replace_mode_keeps_old_output_when_the_run_fails(workspace):
    workspace.write_records("demo", None, [{"id": "x:old"}])
    with pytest.raises(RuntimeError), workspace.writer("demo", None, mode="replace") as writer:
        writer.write({"id": "x:new"})
        raise RuntimeError("killed")
    assert [r["id"] for r in workspace.read("demo")] == ["x:old"]
    workspace.write_records("demo", None, [{"id": "x:new"}])
    assert [r["id"] for r in workspace.read("demo")] == ["x:new"]
    assert not [p for p in (workspace.root / "demo").iterdir() if p.name.endswith(".tmp")]


def test_writer_validates_against_the_schema(workspace):
    with pytest.raises(RecordError, match="invalid annotation 'snopes:1'"):
        workspace.write_records("annotations", "annotation", [{"item_id": "snopes:1"}])
    assert not workspace.has_records("annotations")


def test_killed_writer_leaves_only_complete_shards(tmp_path):
    """A process killed mid-write leaves complete shards only; the partial one is never visible."""
    script = f"""
import os
from finefake.workspace import Workspace
ws = Workspace({str(tmp_path / "ws")!r})
w = ws.writer("crawl", None, shard_size=5)
for i in range(12):
    w.write({{"id": f"x:{{i}}"}})
os._exit(9)  # killed before close(): records 10 and 11 were only buffered
"""
    subprocess.run([sys.executable, "-c", script], check=False)
    from finefake.workspace import Workspace

    ws = Workspace(tmp_path / "ws")
    assert [r["id"] for r in ws.read("crawl")] == [f"x:{i}" for i in range(10)]
    assert all(not p.name.startswith(".") for p in (tmp_path / "ws" / "crawl" / "data").iterdir())


def test_manifest_records_runs_and_failures(workspace):
    with workspace.run("clean", inputs=["crawl"], config={"min_words": 5}) as run:
        run.counts["kept"] += 3
    with pytest.raises(ValueError), workspace.run("clean", inputs=["crawl"]):
        raise ValueError("bad input")
    manifest = workspace.load_manifest("clean")
    assert manifest["status"] == "failed" and "bad input" in manifest["error"]
    assert manifest["history"][0]["counts"] == {"kept": 3} and manifest["history"][0]["status"] == "completed"
    assert manifest["finefake_version"] and manifest["started"] and manifest["ended"]


def test_image_store_is_content_addressed(workspace):
    data = _png()
    ref = workspace.images.put(data, url="https://x.org/a.png")
    assert ref["path"] == f"images/{ref['sha256']}.png" and (ref["width"], ref["height"]) == (8, 8)
    assert workspace.images.put(data)["path"] == ref["path"]
    assert workspace.images.path(ref["path"]).read_bytes() == data


@pytest.mark.parametrize(
    ("data", "reason"),
    [(b"", "empty"), (b"<html>not an image</html>", "undecodable"), (_png()[:40], "undecodable")],
)
def test_bad_images_are_rejected(data, reason):
    with pytest.raises(ImageRejected) as info:
        inspect_image(data)
    assert info.value.reason == reason


def test_decompression_bomb_is_refused_before_decoding():
    bomb = _png(size=(6000, 6000), colour=(0, 0, 0))  # compresses to a few KB, 36 MP once decoded
    assert len(bomb) < 200_000
    with pytest.raises(ImageRejected) as info:
        inspect_image(bomb, max_pixels=10_000_000)
    assert info.value.reason == "decompression_bomb"
    with pytest.raises(ImageRejected, match="too_large"):
        inspect_image(bomb, max_bytes=1000)


def test_read_jsonl_names_the_bad_line(tmp_path):
    path = atomic_write_text(tmp_path / "x.jsonl", json.dumps({"a": 1}) + "\n{oops\n")
    with pytest.raises(ValueError, match=r"x.jsonl:2: not valid JSON"):
        list(read_jsonl(path))


def test_atomic_writes_get_normal_permissions(tmp_path):
    path = atomic_write_text(tmp_path / "card.md", "hello")
    assert path.stat().st_mode & 0o044  # group/other readable under the usual umask
