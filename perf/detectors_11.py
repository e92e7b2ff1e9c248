"""Training cost of the issue-11 detectors (SAFE, MVAE, EANN, MDFEND, M3FEND, CANMD) at the real input widths.

Each model is fitted for ONE epoch with its paper defaults (widths, experts, batch size) on ``--rows``
synthetic training rows shaped like the feature cache (text 384, image 1280, 128 token states of 384 as a
memory-mapped float16 file read through ``RowView``, word ids into a ``--vocab``-word vocabulary with 384-d
vectors, emotion 40, style 32, domain ids), plus a validation split of a tenth of that (the loop scores it
every epoch). Every model runs in its own subprocess so its peak memory (max RSS) is its own.

Printed per model: seconds per epoch at ``--rows`` and scaled linearly to 10,200 training rows (the per-row
cost dominates: mini-batch steps over a fixed width), the default epoch budget, and the estimate for the
issue's grid ``finefake bench all --seeds 3`` (21 settings x 3 seeds, at most ~10,200 training rows per
setting at 17,000 items, every run going its full epoch budget: an upper bound, early stopping cuts it),
as a ratio to the 10-minute goal. The reference measured in the same run: logistic regression (the
benchmark's non-adaptive floor) fitted on the same rows' pooled text, image and knowledge features; the
ratio is one epoch of the model against that whole fit, both at ``--rows``. A warm-up fit on 64 rows runs
first in each subprocess so that one-time costs (imports, first kernel calls) are not timed.

    OMP_NUM_THREADS=2 python perf/detectors_11.py --rows 300
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

MODELS = ("safe", "mvae", "eann", "mdfend", "m3fend", "canmd")
GRID_RUNS = 21 * 3
GRID_ROWS = 10_200  # training rows of the largest setting (6:2:2 of 17,000 items)
GOAL_S = 600.0
D_T, D_V, D_K, L, D_E, D_S = 384, 1280, 100, 128, 40, 32


def synthetic_batches(rows: int, vocab: int, folder: Path, seed: int = 0):
    """train / validation Batches with every input of the issue's models at the cache's widths."""
    from finefake.baselines.base import Batch, RowView

    rng = np.random.default_rng(seed)
    n = rows + rows // 10
    y = rng.integers(0, 2, n)
    tokens = np.lib.format.open_memmap(folder / "tokens.npy", mode="w+", dtype=np.float16, shape=(n, L, D_T))
    for start in range(0, n, 1000):
        stop = min(start + 1000, n)
        tokens[start:stop] = rng.normal(size=(stop - start, L, D_T)).astype(np.float16)
    tokens.flush()
    lengths = rng.integers(20, L + 1, n)
    mask = np.arange(L)[None, :] < lengths[:, None]
    arrays = {
        "text": rng.normal(size=(n, D_T)).astype(np.float32),
        "image": rng.normal(size=(n, D_V)).astype(np.float32),
        "image_mask": rng.random(n) > 0.1,
        "kg": rng.normal(size=(n, D_K)).astype(np.float32),
        "kg_mask": rng.random(n) > 0.1,
        "text_tokens_mask": mask,
        "word_ids": np.where(mask, rng.integers(2, vocab, (n, L)), 0),
        "word_mask": mask,
        "domain_topic": rng.integers(0, 6, n),
        "domain_platform": rng.integers(0, 8, n),
        "domain_group": rng.integers(0, 3, n),
        "domain_is_target": np.zeros(n, dtype=np.int64),
        "emotion": rng.random((n, D_E)).astype(np.float32),
        "style": rng.normal(size=(n, D_S)).astype(np.float32),
    }
    info = {
        "knowledge": True,
        "word_vectors": np.vstack([np.zeros((1, D_T)), rng.normal(size=(vocab - 1, D_T))]).astype(np.float32),
        "domains": {"topic": 6, "platform": 8, "platform_group": 3},
        "text_views": [],
        "image_views": [],
        "shared_space": [],
    }
    cut = {"train": np.arange(rows), "validation": np.arange(rows, n)}
    out = {}
    for split, r in cut.items():
        sub = {k: v[r] for k, v in arrays.items()}
        sub["text_tokens"] = RowView(tokens, r)
        out[split] = Batch([f"i{i}" for i in r], sub, y[r].astype(np.int64), 2, dict(info))
    return out


def measure(name: str, rows: int, vocab: int, threads: int) -> dict:
    """One epoch of ``name`` (or the logreg reference) in this process; seconds and peak RSS."""
    from finefake.baselines.registry import get_model, model_class

    with tempfile.TemporaryDirectory() as tmp:
        b = synthetic_batches(rows, vocab, Path(tmp))
        if name == "logreg":
            model = get_model("logreg")
        else:
            model = get_model(name, epochs=1, patience=0, num_threads=threads)
            if name == "canmd":  # one source epoch and one adaptation epoch (a target of validation rows)
                model = get_model(name, epochs=1, adapt_epochs=1, num_threads=threads)
        declared = {k: v.restricted(model_class(name).inputs) for k, v in b.items()}
        target = declared["validation"].unlabeled() if name == "canmd" else None
        warm = declared["train"].subset(np.arange(min(64, rows)))  # first-call costs (imports, kernels) out
        model.fit(warm, declared["validation"].subset(np.arange(8)), None if target is None else target)
        start, cpu_start = time.perf_counter(), time.process_time()
        model.fit(declared["train"], declared["validation"], target)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    epochs = getattr(model_class(name)(), "epochs", 1)
    if name == "canmd":
        epochs = model_class(name)().epochs + model_class(name)().adapt_epochs
        seconds, cpu = seconds / 2, cpu / 2  # per epoch
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"model": name, "seconds": seconds, "cpu": cpu, "default_epochs": epochs, "peak_mb": peak_mb}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=300, help="training rows to time one epoch on")
    parser.add_argument("--vocab", type=int, default=15000, help="vocabulary size for word_ids")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--one", help=argparse.SUPPRESS)  # child mode: measure one model, print JSON
    args = parser.parse_args()
    if args.one:
        print(json.dumps(measure(args.one, args.rows, args.vocab, args.threads)))
        return
    env = {**os.environ, "OMP_NUM_THREADS": str(args.threads)}

    def run(name: str) -> dict:
        cmd = [sys.executable, __file__, "--one", name, "--rows", str(args.rows), "--vocab", str(args.vocab)]
        cmd += ["--threads", str(args.threads)]
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
        return json.loads(out.strip().splitlines()[-1])

    ref = run("logreg")["seconds"]
    print(f"{args.rows} training rows, {args.threads} threads; reference: logreg fit {ref:.2f} s")
    print("grid = 63 runs x default epochs x one epoch at 10,200 rows (upper bound: no early stopping);")
    print("'cpu' = process CPU seconds / threads: the wall time the same work takes on an idle machine")
    head = ["model", "s/epoch", "x logreg", "s/ep@10.2k", "cpu@10.2k", "epochs", "grid h", "cpu h", "x goal"]
    print(
        ("{:8} {:>8} {:>9} {:>11} {:>10} {:>6} {:>7} {:>7} {:>7} {:>8}").format(*head, "peak MB"), flush=True
    )
    scale = GRID_ROWS / args.rows
    for name in args.models.split(","):
        r = run(name)  # one row per model as soon as it is measured
        wall, cpu = r["seconds"] * scale, r["cpu"] / args.threads * scale
        grid, grid_cpu = wall * r["default_epochs"] * GRID_RUNS, cpu * r["default_epochs"] * GRID_RUNS
        print(
            f"{r['model']:8} {r['seconds']:8.2f} {r['seconds'] / ref:9.1f} {wall:11.1f} {cpu:10.1f} "
            f"{r['default_epochs']:6d} {grid / 3600:7.1f} {grid_cpu / 3600:7.1f} {grid_cpu / GOAL_S:7.1f} "
            f"{r['peak_mb']:8.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
