"""``align-knowledge --engine ray``: linker actors give the local engine's records, triples and review queue,
each entity is fetched once for the whole run, and a killed Ray run resumes after its last shard."""

from __future__ import annotations

import pytest

from finefake.engine import EngineConfig
from finefake.errors import FinefakeError
from finefake.knowledge import review as rq
from finefake.knowledge.aligner import AlignConfig, align

from .test_aligner import TEXTS

pytest.importorskip("ray")

RAY = EngineConfig(engine="ray")
MORE = [
    "Angela Merkel said Berlin would host NATO talks; Apple and the CDC sent delegates.",
    "Tim Cook visited Washington as Apple opened an office.",
]
CORPUS = (TEXTS + MORE) * 3  # the same entities again and again: each must still be fetched once


def _records(ws) -> list[dict]:
    return list(ws.read("aligned", "aligned_item"))


def _queue(ws) -> list[dict]:
    return [{k: v for k, v in e.items() if k != "queued_at"} for e in rq.ReviewQueue(ws).entries().values()]


@pytest.fixture(scope="module")
def local(tmp_path_factory):
    """The local engine's output on CORPUS (chunks of 2 items)."""
    from finefake.workspace import Workspace

    from .conftest import news_item

    ws = Workspace(tmp_path_factory.mktemp("local") / "ws")
    ws.write_records("clean", "news_item", [news_item(i, t) for i, t in enumerate(CORPUS)])
    report = align(ws, AlignConfig(chunk_size=2))
    return ws, report


def test_ray_alignment_equals_local(ray_cluster, make_ws, local):
    local_ws, local_report = local
    ws = make_ws(CORPUS)
    report = align(ws, AlignConfig(chunk_size=2), engine=RAY)
    assert _records(ws) == _records(local_ws)  # same items, entities, relation and attribute triples, order
    assert _queue(ws) == _queue(local_ws) and _queue(ws)
    assert report.entities_kept == local_report.entities_kept > 0
    assert report.relation_triples == local_report.relation_triples > 0
    # the shared cache: one batched query per chunk with new entities, never one per worker or per item
    assert report.sparql_queries == local_report.sparql_queries <= len(CORPUS) // 2
    assert len(ws.shards("aligned")) == len(local_ws.shards("aligned"))


def test_rate_bound_linkers_stay_local(make_ws):
    with pytest.raises(FinefakeError, match="--engine local"):  # refused before any Ray starts
        align(make_ws(TEXTS), AlignConfig(linker="tagme"), engine=RAY)


def test_cli_engine_options_and_config(make_ws, tmp_path, capsys):
    """The options and the config's ``engine:`` section reach the stage: a rate-bound linker is refused before
    any Ray starts, and ``--ray-address`` alone is a one-line error (exit status 2)."""
    from finefake.cli import run

    ws = make_ws(TEXTS)
    assert run(["-w", str(ws.root), "align-knowledge", "--engine", "ray", "--linker", "tagme"]) == 2
    assert "use --engine local" in capsys.readouterr().err
    config = tmp_path / "config.yaml"
    config.write_text("engine: {engine: ray}\nalign: {linker: wikidata}\n")
    assert run(["-w", str(ws.root), "--config", str(config), "align-knowledge"]) == 2
    assert "wikidata is bound by its API's rate" in capsys.readouterr().err
    assert run(["-w", str(ws.root), "align-knowledge", "--ray-address", "auto"]) == 2
    assert "--ray-address needs --engine ray" in capsys.readouterr().err


def test_a_mistake_on_an_actor_comes_back_as_one_line(ray_cluster, make_ws, tmp_path):
    """A ``--kb`` folder without its index fails where the linker is built (the actors): the driver gets the
    FinefakeError itself, not Ray's wrapped traceback."""
    from finefake.knowledge.store import default_subset_path

    (tmp_path / "kb").mkdir()
    config = AlignConfig(kb_path=str(tmp_path / "kb"), store_path=str(default_subset_path()))
    with pytest.raises(FinefakeError, match="^knowledge index not found"):
        align(make_ws(TEXTS), config, engine=RAY)


@pytest.mark.long  # kill and resume on Ray: run by .ci/run with the science checks
@pytest.mark.slow
def test_killed_ray_alignment_resumes_to_the_same_records(ray_cluster, make_ws, tmp_path):
    """Kill a real ``finefake align-knowledge --engine ray`` process when its first shard appears, start it
    again: it links only the items left and the records and queue equal a local run's."""
    import os
    import signal
    import subprocess
    import sys
    import time

    corpus = CORPUS * 12  # 216 items, one shard each: the kill lands half-way
    local_ws = make_ws(corpus, name="local")
    align(local_ws, AlignConfig(chunk_size=1))
    ws = make_ws(corpus, name="ray")
    config = tmp_path / "config.yaml"
    config.write_text("align: {chunk_size: 1}\n")
    address = ray_cluster.get_runtime_context().gcs_address
    command = [sys.executable, "-c", "from finefake.cli import main; main()", "-w", str(ws.root)]
    command += ["--config", str(config), "align-knowledge", "--engine", "ray", "--ray-address", address]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while not ws.shards("aligned") and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_before = len(_records(ws))
    assert 0 < done_before < len(corpus), proc.stdout.read().decode()[-2000:]
    again = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0, again.stdout[-2000:] + again.stderr[-2000:]
    assert f"({done_before} already done)" in again.stdout + again.stderr
    assert sorted(_records(ws), key=lambda r: r["id"]) == sorted(_records(local_ws), key=lambda r: r["id"])
    assert _queue(ws) == _queue(local_ws)
