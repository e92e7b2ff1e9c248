"""Peak memory of ``bench binary --models kean`` at 17,000 items with every model input memory-mapped.

Issue 10's goal: under 3 GB. The items are synthetic (``finefake synthesize``); the pooled features come from
``perf/bench_all.py``'s cheap featurizer at the real encoders' widths, and every further input
(token states 128 x 384 float16, sentences 16 x 384, entities 8 x (100, 100, 384), token ids, emotion, style)
is written at its real size to ``.npy`` files and opened memory-mapped, exactly as
``finefake.features.inputs`` leaves them in the cache. The benchmark runs in a child process (one run:
binary, KEAN, one seed) whose peak resident memory is read from ``VmHWM`` (``getrusage`` would include the
parent's memory at fork time); the reference measured in the
same run is a child that only loads the FeatureSet and touches nothing (the floor of the process).

    python perf/bench_memory.py --items 17000 --workdir /tmp/bench-mem
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

CHILD = r"""
import sys, time
from pathlib import Path
import numpy as np
sys.path.insert(0, "perf")
from finefake.workspace import Workspace
from finefake.features.featureset import FeatureSet
from finefake.benchmarks.tasks import ItemTable
from finefake.benchmarks.runner import BenchConfig, run_benchmark
from finefake.benchmarks.splits import official_split

work, mode = Path(sys.argv[1]), sys.argv[2]
ws = Workspace(work / "ws")
features = FeatureSet.load(work / "features")
for path in sorted((work / "inputs").glob("*.npy")):
    features.inputs[path.stem] = np.load(path, mmap_mode="r")
features.tables["embedding_table"] = np.load(work / "embedding_table.npy", mmap_mode="r")
start = time.perf_counter()
if mode == "bench":
    items = ItemTable.from_records(ws.read("records"))
    config = BenchConfig(tasks=["binary"], models=["kean"], seeds=[0], out=work / f"bench-{time.time_ns()}",
                         splits=[official_split(ws.root)])
    run_benchmark(features, items, config)
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(f"{time.perf_counter() - start:.1f}", hwm // 1024)
"""


def build(work: Path, n: int) -> None:
    from bench_all import cheap_features

    from finefake.dataset.synthetic import write_synthetic
    from finefake.workspace import Workspace

    ws = Workspace(work / "ws")
    if not (work / "ws" / "records").exists():
        write_synthetic(ws, n, seed=1)
    records = list(ws.read("records"))
    if not (work / "features" / "meta.json").exists():
        cheap_features(records, ws).save(work / "features")
    rng = np.random.default_rng(0)
    shapes = {
        "text_tokens": ((128, 384), np.float16),
        "text_tokens_mask": ((128,), bool),
        "token_ids": ((128,), np.int32),
        "sentences": ((16, 384), np.float32),
        "sentence_mask": ((16,), bool),
        "entity_transe": ((8, 100), np.float32),
        "entity_context": ((8, 100), np.float32),
        "entity_desc": ((8, 384), np.float32),
        "entity_rho": ((8,), np.float32),
        "entity_pos": ((8,), np.float32),
        "entity_mask": ((8,), bool),
        "emotion": ((8,), np.float32),
        "style": ((11,), np.float32),
    }
    (work / "inputs").mkdir(parents=True, exist_ok=True)
    for name, (shape, dtype) in shapes.items():
        path = work / "inputs" / f"{name}.npy"
        if path.exists():
            continue
        array = np.lib.format.open_memmap(path, mode="w+", dtype=dtype, shape=(n, *shape))
        for start in range(0, n, 1000):
            stop = min(start + 1000, n)
            array[start:stop] = rng.normal(size=(stop - start, *shape)).astype(dtype)
        array.flush()
        del array
    np.save(work / "embedding_table.npy", rng.normal(size=(30522, 384)).astype(np.float32))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=17000)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/finefake-bench-memory"))
    args = parser.parse_args()
    started = time.perf_counter()
    build(args.workdir, args.items)
    size = sum(p.stat().st_size for p in (args.workdir / "inputs").glob("*.npy")) / 2**30
    print(
        f"{args.items} items; inputs on disk {size:.2f} GiB; built in {time.perf_counter() - started:.0f} s"
    )
    results = {}
    for mode in ("load", "bench"):
        out = subprocess.run(
            [sys.executable, "-c", CHILD, str(args.workdir), mode], capture_output=True, text=True, check=True
        ).stdout.split()
        results[mode] = (float(out[-2]), int(out[-1]))
        print(f"{mode:6s} wall {results[mode][0]:7.1f} s   peak RSS {results[mode][1]:6d} MiB")
    print(
        f"bench peak / load-only peak = {results['bench'][1] / results['load'][1]:.2f}; goal < 3072 MiB: "
        f"{'met' if results['bench'][1] < 3072 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
