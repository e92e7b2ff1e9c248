"""Issue 11's planted-shift check on the REAL offline encoders, as a reproducible measurement.

The test (tests/benchmarks/test_domain_aware_shift.py) runs the check on a cheap stand-in encoder so that it
fits the suite; this script runs the same recipe through the same harness on what ``bench`` really feeds the
models: MiniLM token states and pooled vectors, EfficientNet-Lite0 images, TransE, the emotion lexicon and the
style extractor (all offline). Same data (4,000 ``write_synthetic`` records with 6-20-word texts, 32 tokens),
same three settings, seeds, paper-default hyper-parameters and rule (a model's mean target macro-F1 >= logreg's mean - 2 x
the seeds' noise, noise floor 0.02; every seed predicts both classes). About 20 minutes on 2 cores; prints each model's fit seconds.

    python perf/domain_shift.py [--workdir DIR]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from finefake.baselines.registry import required_inputs
from finefake.benchmarks.runner import run_one
from finefake.benchmarks.splits import BenchSplit
from finefake.benchmarks.tasks import ItemTable, build_settings, get_task
from finefake.dataset.synthetic import SyntheticConfig, write_synthetic
from finefake.features.pipeline import FeatureConfig, compute_features
from finefake.workspace import Workspace

MODELS = ("eann", "mdfend", "m3fend", "canmd")
SETTINGS = {
    "topic-da": "FC: P+B+H+S -> entertainment",
    "platform-da": "FC -> OF",
    "dual-da": "conflict@FC -> politics@OF",
}
SEEDS = (0, 1, 2)
K, NOISE_FLOOR = 2.0, 0.02


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        ws = Workspace(Path(tmp) / "ws")
        write_synthetic(ws, 4000, seed=0, config=SyntheticConfig(min_words=6, max_words=20))
        started = time.perf_counter()
        features = compute_features(ws, FeatureConfig(max_tokens=32), inputs=required_inputs(list(MODELS)))
        print(f"features (real offline encoders): {time.perf_counter() - started:.0f} s")
        items = ItemTable.from_records(list(ws.read("records"))).aligned_to(features)
        print("setting | model | target macro-F1 mean±std | fewest predicted classes | verdict | fit seconds")
        for task_name, name in SETTINGS.items():
            task = get_task(task_name)
            setting = next(
                s for s in build_settings(task_name, items, split=BenchSplit.resplit(0)) if s.name == name
            )
            scores: dict[str, list[float]] = {}
            for model in ("logreg", *MODELS):
                f1, classes, seconds = [], [], 0.0
                for seed in SEEDS:
                    result = run_one(task, setting, model, seed, features, items, None)
                    seconds += result["fit_seconds"]
                    f1.append(result["metrics"]["macro_f1"])
                    classes.append(
                        int((np.asarray(result["metrics"]["confusion_matrix"]).sum(axis=0) > 0).sum())
                    )
                scores[model] = f1
                verdict = ""
                if model != "logreg":
                    noise = max(
                        float(np.hypot(np.std(f1, ddof=1), np.std(scores["logreg"], ddof=1))), NOISE_FLOOR
                    )
                    holds = np.mean(f1) >= np.mean(scores["logreg"]) - K * noise
                    verdict = ("holds the floor" if holds else "BELOW the floor") + (
                        "" if min(classes) == 2 else ", COLLAPSED on a seed"
                    )
                print(
                    f"{task_name} {name} | {model} | {np.mean(f1):.3f}±{np.std(f1, ddof=1):.3f} | "
                    f"{min(classes)} | {verdict} | fit {seconds:.0f} s",
                    flush=True,
                )


if __name__ == "__main__":
    main()
