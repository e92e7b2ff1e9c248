"""clean --engine ray: the local engine's output byte for byte, resumable after a kill, a clear error without Ray."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clean.test_clean import encode, english, picture, planted, raw  # noqa: F401 (planted: a fixture)
from finefake.clean.config import CleanConfig
from finefake.clean.engines import clean
from finefake.clean.ray_engine import shard_plan
from finefake.engine import EngineConfig
from finefake.errors import FinefakeError

RAY = EngineConfig(engine="ray")


def output(ws) -> dict:
    """Everything clean writes that must not depend on the engine (the report's seconds aside)."""
    report = json.loads((ws.root / "clean/report.json").read_text())
    report.pop("seconds")
    return {
        "shards": {p.name: p.read_bytes() for p in ws.shards("clean")},
        "clusters": (ws.root / "clean/duplicate_clusters.json").read_text(),
        "report": report,
    }


def extra_cases(ws, rng: random.Random) -> None:
    """What the planted fixture lacks: a repeated id, an item without topic, a triple of exact copies across
    stages (ranking picks the fact-checked one), and a text-only item."""
    text, img = english(rng), encode(picture(rng))
    items = [raw(ws, "cnn", 300 + k, text, [img]) for k in range(2)]
    items[1]["id"] = items[0]["id"]  # repeated id: dropped after its first occurrence
    items.append(raw(ws, "cnn", 310, english(rng), [encode(picture(rng))], topic=None))
    copy = english(rng)
    items += [raw(ws, "nytimes", 320 + k, copy, [encode(picture(rng))]) for k in range(2)]
    fact_checked = raw(ws, "snopes", 330, copy, [encode(picture(rng))])
    fact_checked["fact_check"] = {
        "url": "https://www.snopes.com/fact-check/x/",
        "rating": "False",
        "claim": "A claim.",
        "categories": ["politics"],
    }
    items += [fact_checked, raw(ws, "cnn", 340, english(rng), [])]
    stock = encode(picture(rng))  # one photo, many stories: image candidates are capped per item
    items += [raw(ws, "apnews", 350 + k, english(rng), [stock, encode(picture(rng))]) for k in range(4)]
    ws.write_records("crawl/more", "raw_item", items)


@pytest.mark.parametrize(
    "config",
    [
        CleanConfig(),
        CleanConfig(near_duplicates="keep", require_image=False, default_topic="society"),
        CleanConfig(image_text_threshold=0.0, max_image_candidates=1, text_threshold=0.8),
    ],
    ids=["default", "keep-text-only", "images-capped"],
)
def test_ray_output_equals_local(workspace, planted, ray_cluster, config):  # noqa: F811
    extra_cases(workspace, random.Random(5))
    local = clean(workspace, config)
    expected = output(workspace)
    ray_report = clean(workspace, config, RAY)
    assert output(workspace) == expected
    assert ray_report.totals == local.totals and ray_report.image_rejections == local.image_rejections
    dropped = local.totals["dropped"]
    assert dropped["repeated_id"] == 1 and dropped["exact_duplicate"] >= 3
    stock = [
        c for c in json.loads(expected["clusters"]) if {m["platform"] for m in c["members"]} == {"apnews"}
    ]
    assert len(stock) == (1 if config.image_text_threshold == 0 else 0)
    if config.require_image:
        assert dropped["no_topic"] == 1 and dropped["text_only"] == 2
    else:
        assert "text_only" not in dropped and "no_topic" not in dropped
    assert not (workspace.root / "clean/ray-checkpoint").exists()


def test_output_shards_are_cut_where_one_writer_cuts_them():
    kept = [3, 0, 5, 1, 0, 7]
    lines = [(block, line) for block, n in enumerate(kept) for line in range(n)]
    plan = shard_plan(kept, 4)
    shards = [
        [(block, line) for block, start, stop in pieces for line in range(start, stop)] for pieces in plan
    ]
    assert shards == [lines[i : i + 4] for i in range(0, len(lines), 4)]
    assert shard_plan([0, 0], 4) == []


def test_ray_reports_bad_input_in_one_line(workspace, ray_cluster):
    workspace.write_records("crawl/news", None, [{"id": "cnn:1", "platform": "cnn", "url": "u", "text": 3}])
    with pytest.raises(FinefakeError, match="invalid raw_item 'cnn:1': field 'title'"):
        clean(workspace, CleanConfig(), RAY)
    assert not workspace.has_records("clean")


def test_engine_ray_without_ray_is_one_line(workspace, planted, monkeypatch):  # noqa: F811
    import builtins

    real_import = builtins.__import__

    def no_ray(name, *args, **kwargs):
        if name == "ray" or name.startswith("ray."):
            raise ImportError("No module named 'ray'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_ray)
    with pytest.raises(FinefakeError, match=r'--engine ray needs Ray: pip install "finefake\[ray\]"'):
        clean(workspace, CleanConfig(), RAY)


@pytest.mark.long  # kill and resume on Ray: run by .ci/run with the science checks
@pytest.mark.slow
def test_killed_ray_run_resumes_with_the_same_output(workspace, ray_cluster):
    rng = random.Random(11)
    texts = [english(rng, 60) for _ in range(20)]
    items = []
    for n in range(240):
        text = texts[n % 20] if n % 7 == 0 else english(rng, 60)
        items.append(raw(workspace, "cnn", n, text, [encode(picture(rng))]))
    with workspace.writer("crawl/news", "raw_item", shard_size=8) as writer:
        writer.write_many(items)
    clean(workspace, CleanConfig())
    expected = output(workspace)

    blocks = workspace.root / "clean/ray-checkpoint"
    address = ray_cluster.get_runtime_context().gcs_address
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(Path(__file__).parents[2]), *sys.path]))
    cli = "import sys; from finefake.cli import main; sys.argv[0] = 'finefake'; main()"
    command = [sys.executable, "-c", cli, "--workspace", str(workspace.root), "clean"]
    proc = subprocess.Popen(
        [*command, "--engine", "ray", "--ray-address", address],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and len(list(blocks.rglob("block-*"))) < 3:
        time.sleep(0.01)
    assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    finished = len(list(blocks.rglob("block-*")))
    assert 3 <= finished < 30, finished

    report = clean(workspace, CleanConfig(), RAY)
    assert output(workspace) == expected
    manifest = workspace.load_manifest("clean")
    assert manifest["status"] == "completed"
    assert manifest["reused_blocks"] >= finished
    assert report.totals["input"] == 240
