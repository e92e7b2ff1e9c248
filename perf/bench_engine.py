"""``finefake bench all`` with ``--engine ray`` against ``--engine local`` on the same grid, in the same run.

Goal (issue 18): on one machine the Ray engine costs at most 1.1x the local engine's wall time, so nothing is
lost by using the engine where it is not needed. Both runs are the real CLI in a subprocess on the same
synthetic records and the same cached features (perf/bench_all.py's cheap featurizer: the real encoders'
widths, so a training costs what it costs on real features), with the same thread count (``OMP_NUM_THREADS``,
default 1 per the house rule; Ray's tasks train with the driver's count). The Ray wall time includes starting
a local Ray for the run; that start-up is also measured on its own (start + shut down a local Ray, no work) and
the ratio is printed with and without it. The run files of both engines are compared metric by metric.

Ray starts its workers at nice 15 (so that its control plane stays responsive); on a machine shared with other
work that alone slows the Ray engine down against a local run at nice 0. The script therefore also runs the Ray
engine with ``RAY_worker_niceness=0``, the local run's priority: the like-for-like comparison on a shared
machine (on a dedicated one both give the same time).

    python perf/bench_engine.py --items 1000 --seeds 3 --models logreg,kean --epochs 5
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_all import cheap_features  # noqa: E402  (one featurizer for the perf scripts)


def _run(cmd: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(
            f"failed ({done.returncode}): {' '.join(cmd)}\n{done.stdout[-3000:]}{done.stderr[-3000:]}"
        )
    return wall


def _metrics(out: Path) -> dict[str, dict]:
    return {
        str(p.relative_to(out)): json.loads(p.read_text())["metrics"]
        for p in sorted(out.glob("*/runs/**/seed-*.json"))
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--models", default="logreg,kean")
    parser.add_argument(
        "--epochs", type=int, default=5, help="epochs of the torch models (small: a quick grid)"
    )
    parser.add_argument("--threads", default="1", help="OMP_NUM_THREADS of both runs")
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()

    from finefake.dataset.synthetic import write_synthetic
    from finefake.workspace import Workspace

    root = args.workdir or Path(tempfile.mkdtemp(prefix="finefake-perf-engine-"))
    ws = Workspace(root / "ws")
    if not ws.has_records("records"):
        write_synthetic(ws, args.items, seed=0)
    features_dir = root / "features"
    if not (features_dir / "features.npz").exists():
        cheap_features(list(ws.read("records")), ws).save(features_dir)
    env = {**os.environ, "OMP_NUM_THREADS": args.threads}
    finefake = [str(Path(sys.executable).with_name("finefake")), "-w", str(ws.root), "bench", "all"]
    grid = ["--models", args.models, "--seeds", str(args.seeds), "--epochs", str(args.epochs)]
    grid += ["--features", str(features_dir)]

    startup_code = (
        "import time; t=time.perf_counter(); from finefake.engine import EngineConfig, ray_session\n"
        "with ray_session(EngineConfig(engine='ray')): pass\n"
        "print(time.perf_counter()-t)"
    )
    t0 = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", startup_code], env=env, capture_output=True, text=True, check=True
    )
    startup = float(done.stdout.strip().splitlines()[-1])
    startup_process = time.perf_counter() - t0

    ray_args = ["--engine", "ray", "--cpus-per-run", "1"]
    local = _run([*finefake, *grid, "--out", str(root / "local")], env)
    ray = _run([*finefake, *grid, "--out", str(root / "ray"), *ray_args], env)
    ray0 = _run(
        [*finefake, *grid, "--out", str(root / "ray0"), *ray_args], {**env, "RAY_worker_niceness": "0"}
    )
    local_metrics = _metrics(root / "local")
    same = local_metrics == _metrics(root / "ray") == _metrics(root / "ray0")

    print(
        f"bench all --models {args.models} --seeds {args.seeds} --epochs {args.epochs} on {args.items} items, "
        f"OMP_NUM_THREADS={args.threads}, {os.cpu_count()} CPUs, {len(local_metrics)} run files"
    )
    rows = [
        ("local engine", local, ""),
        ("ray engine", ray, "local Ray started and stopped inside; workers at Ray's nice 15"),
        ("ray engine, workers nice 0", ray0, "RAY_worker_niceness=0: the local run's priority"),
    ]
    for name, wall, note in rows:
        print(f"  {name:28s} wall {wall:7.1f} s   {note}")
    print(
        f"  ray start-up alone           wall {startup:7.1f} s   (ray.init + shutdown; {startup_process:.1f} s with python)"
    )
    print(
        f"  ratio ray / local            {ray / local:6.3f}   (goal <= 1.1; without start-up {(ray - startup) / local:.3f})"
    )
    print(
        f"  ratio ray nice 0 / local     {ray0 / local:6.3f}   (without start-up {(ray0 - startup) / local:.3f})"
    )
    print(f"  run files identical (metrics, file by file, all three runs): {'yes' if same else 'NO'}")
    if not same:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
