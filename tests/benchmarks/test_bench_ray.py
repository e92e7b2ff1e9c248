"""``bench --engine ray``: the same planned runs, the same run files and numbers as the local engine, and a Ray
run killed half-way completes on restart with the same numbers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from finefake.benchmarks.runner import BenchConfig, RunResources, run_benchmark
from finefake.benchmarks.splits import official_split
from finefake.benchmarks.tasks import ItemTable
from finefake.engine import EngineConfig

from .tinydata import featurize

pytest.importorskip("ray")

RAY = EngineConfig(engine="ray")
MODELS = ["logreg", "kean"]  # one seed-invariant model (shared fits) and one seeded torch model
HPARAMS = {"kean": {"epochs": 2}}


@pytest.fixture(scope="module")
def data(synthetic_workspace):
    records = list(synthetic_workspace.read("records"))
    return featurize(records, synthetic_workspace), ItemTable.from_records(records)


def _runs(out: Path) -> dict[str, dict]:
    """Every run file under ``out`` by its relative path: what the numbers are and where they come from."""
    runs = {}
    for path in sorted(out.glob("*/runs/**/seed-*.json")):
        result = json.loads(path.read_text())
        runs[str(path.relative_to(out))] = {
            k: result.get(k) for k in ("metrics", "run_key", "shared_key", "features", "reused_from_seed")
        }
    return runs


def test_ray_runs_equal_local_runs(ray_cluster, data, synthetic_workspace, tmp_path):
    features, items = data
    split = official_split(synthetic_workspace.root)

    def config(out: Path) -> BenchConfig:
        return BenchConfig(["binary"], MODELS, seeds=[0, 1], out=out, splits=[split], hparams=HPARAMS)

    run_benchmark(features, items, config(tmp_path / "local"))
    run_benchmark(features, items, config(tmp_path / "ray"), engine=RAY, resources=RunResources(cpus=1))
    local_runs, ray_runs = _runs(tmp_path / "local"), _runs(tmp_path / "ray")
    assert len(local_runs) == 2 * 2 and local_runs.keys() == ray_runs.keys()  # models x seeds
    assert ray_runs == local_runs  # metrics, keys and seed-invariant reuse identical, file by file


@pytest.mark.long  # kill and resume on Ray: run by .ci/run with the science checks
@pytest.mark.slow
def test_killed_ray_bench_resumes_to_the_same_numbers(ray_cluster, data, synthetic_workspace, tmp_path):
    """Kill a real ``finefake bench --engine ray`` process when its first run file appears, start it again:
    it trains only what is missing and the run files equal a local run's."""
    features, items = data
    saved = features.save(tmp_path / "features")
    address = ray_cluster.get_runtime_context().gcs_address
    out = tmp_path / "ray"
    command = [
        sys.executable,
        "-c",
        "from finefake.cli import main; main()",
        "-w",
        str(synthetic_workspace.root),
        "bench",
        "topic-da",
        "--models",
        "kean",
        "--seeds",
        "2",
        "--epochs",
        "3",
        "--features",
        str(saved),
        "--out",
        str(out),
        "--engine",
        "ray",
        "--ray-address",
        address,
    ]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 120
    while not list(out.glob("*/runs/**/seed-*.json")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    first = _runs(out)
    assert first, proc.stdout.read().decode()[-2000:]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    resumed = _runs(out)
    assert len(first) < len(resumed)  # killed half-way: the restart had work left
    assert {k: resumed[k] for k in first} == first  # finished files were kept, not redone

    local = tmp_path / "local"
    config = BenchConfig(
        ["topic-da"],
        ["kean"],
        seeds=[0, 1],
        out=local,
        splits=[official_split(synthetic_workspace.root)],
        hparams={"kean": {"epochs": 3}},
    )
    run_benchmark(features, items, config)
    assert resumed == _runs(local)


def test_runs_reserve_the_cpus_their_model_declares():
    from types import SimpleNamespace

    from finefake.benchmarks.trainer import declared_cpus

    assert declared_cpus(SimpleNamespace(model="kean", hparams={"num_threads": 3})) == 3.0
    assert declared_cpus(SimpleNamespace(model="kean", hparams={})) == 1.0  # 0 = torch's default: one CPU
    assert declared_cpus(SimpleNamespace(model="logreg", hparams={})) == 1.0
