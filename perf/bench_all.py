"""Speed of ``finefake bench all --models kean,logreg --seeds 3`` on synthetic items with cached features.

Goal (issue 6): 17,000 items in under 10 minutes on 2 cores; also reports peak memory. Features: when
``finefake.features.pipeline.compute_features`` is unavailable (or ``--cheap``), a documented cheap featurizer
makes FeatureSets with the real encoders' widths (text 384 = MiniLM, image 1280 = EfficientNet-Lite0,
knowledge 100 = TransE) from hashed words / image colour statistics / hashed entity ids through fixed random
projections, so the benchmark's cost (which depends on widths and item counts, not on feature quality) is
realistic. The feature step is not timed: the goal is about the benchmark on cached features.

Figures are printed as ratios to references measured in the same run: the wall time against the 10-minute
goal, and against one KEAN training run on the binary task (so a reader can see how many "KEAN fits" the whole
benchmark costs).

    python perf/bench_all.py --items 17000 --seeds 3 --cores 0,1
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import numpy as np


def cheap_features(records, ws, seed: int = 0):
    from PIL import Image

    from finefake.features.featureset import FeatureSet

    rng = np.random.default_rng(seed)
    proj_text = rng.normal(size=(1024, 384)).astype(np.float32) / 32
    proj_image = rng.normal(size=(9, 1280)).astype(np.float32)
    proj_kg = rng.normal(size=(64, 100)).astype(np.float32) / 8
    n = len(records)
    words = np.zeros((n, 1024), dtype=np.float32)
    stats = np.zeros((n, 9), dtype=np.float32)
    ents = np.zeros((n, 64), dtype=np.float32)
    image_mask, kg_mask = np.zeros(n, bool), np.zeros(n, bool)
    for i, r in enumerate(records):
        for token in r["text"].lower().split():
            words[i, zlib.crc32(token.encode()) % 1024] += 1
        if r["images"]:
            with Image.open(ws.images.path(r["images"][0]["path"])) as im:
                px = np.asarray(im.convert("RGB").resize((16, 16)), dtype=np.float32) / 255
            stats[i] = np.concatenate(
                [px.mean((0, 1)), px.std((0, 1)), np.abs(np.diff(px, axis=0)).mean((0, 1))]
            )
            image_mask[i] = True
        for e in r["entities"]:
            ents[i, zlib.crc32(e["qid"].encode()) % 64] += 1
        kg_mask[i] = bool(r["entities"])
    text = np.tanh(np.log1p(words) @ proj_text)
    image = np.maximum(stats @ proj_image, 0) * image_mask[:, None]
    kg = (ents @ proj_kg) * kg_mask[:, None]
    meta = {"encoder": "perf-cheap-featurizer (hashed words / colour stats / entity ids, random projections)"}
    return FeatureSet([r["id"] for r in records], text, image, kg, image_mask, kg_mask, meta)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=17000)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--models", default="kean,logreg")
    parser.add_argument("--cores", default="0,1", help="CPU list for taskset (empty: no pinning)")
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument(
        "--cheap", action="store_true", help="use the cheap featurizer even if the pipeline exists"
    )
    args = parser.parse_args()

    from finefake.dataset.synthetic import write_synthetic
    from finefake.workspace import Workspace

    root = args.workdir or Path(tempfile.mkdtemp(prefix="finefake-perf-"))
    ws = Workspace(root / "ws")
    t0 = time.perf_counter()
    if not ws.has_records("records") or sum(1 for _ in ws.read("records")) != args.items:
        write_synthetic(ws, args.items, seed=0)
    print(f"synthetic records: {args.items} in {time.perf_counter() - t0:.1f}s", flush=True)
    t0 = time.perf_counter()
    features_dir = root / "features"
    source = "cheap featurizer"
    if not (features_dir / "features.npz").exists():
        features = None
        if not args.cheap:
            try:
                from finefake.features.pipeline import FeatureConfig, compute_features

                features, source = compute_features(ws, FeatureConfig()), "finefake.features.pipeline"
            except ImportError:
                features = None
        if features is None:
            features = cheap_features(list(ws.read("records")), ws)
        features.save(features_dir)
    print(f"features ({source}): {time.perf_counter() - t0:.1f}s", flush=True)

    env = {**os.environ, "OMP_NUM_THREADS": str(len(args.cores.split(",")) if args.cores else os.cpu_count())}
    pin = ["taskset", "-c", args.cores] if args.cores else []

    # Reference: one KEAN fit (paper defaults) on the binary task, same pinning, same run.
    reference = (
        "import time,sys; from finefake.features.featureset import FeatureSet; "
        "from finefake.workspace import Workspace; from finefake.benchmarks.tasks import ItemTable, build_settings, get_task; "
        "from finefake.benchmarks.runner import run_one; "
        f"f=FeatureSet.load({str(features_dir)!r}); i=ItemTable.from_records(Workspace({str(ws.root)!r}).read('records')).aligned_to(f); "
        "s=build_settings('binary', i)[0]; t=time.perf_counter(); run_one(get_task('binary'), s, 'kean', 0, f, i); "
        "print(time.perf_counter()-t)"
    )
    ref = subprocess.run(
        pin + [sys.executable, "-c", reference], env=env, capture_output=True, text=True, check=True
    )
    kean_fit = float(ref.stdout.strip().splitlines()[-1])

    out = root / "bench"
    cmd = pin + [str(Path(sys.executable).with_name("finefake"))]
    cmd += ["-w", str(ws.root), "bench", "all", "--models", args.models, "--seeds", str(args.seeds)]
    cmd += ["--features", str(features_dir), "--out", str(out)]
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    runs = len(list(out.glob("*/runs/*/*/seed-*.json")))
    print(
        f"bench all --models {args.models} --seeds {args.seeds} on {args.items} items, cores={args.cores or 'all'}"
    )
    print(f"  wall time          {wall:8.1f} s   ({runs} runs)")
    print(f"  ratio to 10-min goal   {wall / 600:6.3f}   (goal < 1)")
    print(f"  ratio to one KEAN binary fit ({kean_fit:.1f} s)   {wall / kean_fit:6.1f}")
    print(f"  peak memory (largest child process)   {peak_mb:8.0f} MiB")


if __name__ == "__main__":
    main()
