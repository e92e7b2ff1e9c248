"""Training cost of the issue-13 detectors (MMFND, COOLANT, CroMe) and their ``bench all`` grid, extrapolated.

Each model trains for one epoch on ``--rows`` synthetic training rows at the offline encoders' widths (one
text view of 384 = MiniLM, one image view of 1280 = EfficientNet-Lite0, 15% of items without an image; plus
the pooled text/image/knowledge arrays for the reference) and predicts a validation split of ``--rows // 5``
rows, in a fresh subprocess so that its peak memory is its own. The reference, measured in the same run, is one
KEAN epoch on the same rows (KEAN is the benchmark's existing torch model); every model's time is printed as a
ratio to it.

The grid (21 settings x ``--seeds`` seeds on ``--items`` items) is extrapolated from the per-row epoch cost:
the settings' training-row counts come from ``build_settings`` on an item table drawn from the synthetic
generator's topic, platform and label distributions (no records or images are generated), and the bound
assumes every setting runs the paper's full epoch count (early stopping can only shorten it). The harness
that feeds views to these models is built elsewhere, so ``bench all`` itself is not run here.

    OMP_NUM_THREADS=2 python perf/detectors_13.py --rows 10000 --threads 2
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import time

import numpy as np

MODELS = ("kean", "mmfnd", "coolant", "crome")


def grid_rows(items: int, seed: int = 0) -> list[tuple[str, int]]:
    """(setting, training rows) of every ``bench all`` setting on ``items`` synthetic-like items."""
    from finefake.benchmarks.tasks import TASK_NAMES, ItemTable, build_settings
    from finefake.dataset import synthetic as syn

    rng = random.Random(seed)
    platforms = [syn._pick(rng, syn.PLATFORM_WEIGHTS) for _ in range(items)]
    groups = [syn.PLATFORM_GROUP[p] for p in platforms]
    labels = [1 if rng.random() < syn.P_REAL_BY_GROUP[g] else 0 for g in groups]
    fine = [0 if y else 1 + rng.choices(range(5), weights=syn.FAKE_CLASS_WEIGHTS, k=1)[0] for y in labels]
    table = ItemTable(
        [f"i{i}" for i in range(items)],
        np.asarray(labels),
        np.asarray(fine),
        np.asarray([syn._pick(rng, syn.TOPIC_WEIGHTS) for _ in range(items)], dtype=object),
        np.asarray(groups, dtype=object),
        [None] * items,
    )
    out = []
    for task in TASK_NAMES:
        for s in build_settings(task, table):
            if not s.skipped:
                out.append((f"{task}/{s.name}", len(s.train)))
    return out


def one(name: str, rows: int, threads: int) -> dict[str, float]:
    """Fit ``name`` for one epoch on ``rows`` rows (and predict the validation rows); time and peak memory."""
    from finefake.baselines import get_model
    from finefake.baselines.base import Batch

    rng = np.random.default_rng(0)

    def cut(n: int) -> Batch:
        y = rng.integers(0, 2, n)
        text = (rng.normal(size=(n, 384)) + y[:, None] * 0.3).astype(np.float32)
        image_mask = rng.random(n) > 0.15
        image = (rng.normal(size=(n, 1280)) * image_mask[:, None]).astype(np.float32)
        kg = rng.normal(size=(n, 100)).astype(np.float32)
        info = {"knowledge": True, "text_views": ["minilm"], "image_views": ["effnet"], "shared_space": []}
        arrays = {
            "text": text,
            "image": image,
            "image_mask": image_mask,
            "kg": kg,
            "kg_mask": np.ones(n, bool),
            "text_view:minilm": text,
            "image_view:effnet": image,
        }
        return Batch([str(i) for i in range(n)], arrays, y, 2, info)

    train, val = cut(rows), cut(max(rows // 5, 2))
    model = get_model(name, epochs=1, patience=0, num_threads=threads, seed=0)
    train, val = train.restricted(model.inputs), val.restricted(model.inputs)
    start, cpu = time.perf_counter(), time.process_time()
    model.fit(train, val)
    fit_s, fit_cpu_s = time.perf_counter() - start, time.process_time() - cpu
    start = time.perf_counter()
    model.predict_proba(val)
    predict_s = time.perf_counter() - start
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"fit_s": fit_s, "fit_cpu_s": fit_cpu_s, "predict_s": predict_s, "peak_mib": peak_mib}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--items", type=int, default=17_000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--models", default=",".join(MODELS[1:]))
    parser.add_argument("--one", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.one, args.rows, args.threads)))
        return
    from finefake.baselines.registry import model_class

    settings = grid_rows(args.items)
    grid_train_rows = sum(n for _, n in settings)
    print(f"grid: {len(settings)} settings, {grid_train_rows} training rows per seed, {args.seeds} seeds")
    results = {}
    for name in ("kean", *args.models.split(",")):
        cmd = [
            sys.executable,
            __file__,
            "--one",
            name,
            "--rows",
            str(args.rows),
            "--threads",
            str(args.threads),
        ]
        results[name] = json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)
    reference = results["kean"]["fit_s"]
    load = os.getloadavg()[0]
    print(
        f"one epoch on {args.rows} rows, {args.threads} threads, load average {load:.1f}; KEAN {reference:.1f} s"
    )
    print(
        f"{'model':8} {'epoch s':>8} {'x KEAN':>7} {'cpu s':>7} {'peak MiB':>9} {'epochs':>6} "
        f"{'grid bound h':>13} {'10 min':>9}"
    )
    for name, r in results.items():
        epochs = model_class(name)().epochs
        # CPU seconds spread over the threads: the wall time on an otherwise idle machine (optimistic when the
        # threads do not scale), so a busy shared machine does not inflate the extrapolation
        per_row = r["fit_cpu_s"] / args.threads / args.rows
        bound_s = per_row * grid_train_rows * epochs * args.seeds
        fits_in_10_min = 600 / (per_row * grid_train_rows * args.seeds)
        print(
            f"{name:8} {r['fit_s']:8.1f} {r['fit_s'] / reference:7.2f} {r['fit_cpu_s']:7.1f} {r['peak_mib']:9.0f} "
            f"{epochs:6d} {bound_s / 3600:13.2f} {fits_in_10_min:6.1f} ep"
        )
    print(
        "grid bound: every setting runs all epochs, from CPU time / threads; "
        "'10 min': epochs per setting that fit in 10 minutes"
    )


if __name__ == "__main__":
    main()
