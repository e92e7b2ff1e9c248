"""Accuracy of chosen detectors on the synthetic binary task, with the floors measured in the same run.

``finefake synthesize`` records (``--items``, seed 0) with their features from the real offline encoders
(``compute_features``: MiniLM, EfficientNet-Lite0, TransE, ...; a second run reads the workspace cache), the
binary task's "all" setting on the official split of the synthetic records, each model fitted with its
paper defaults except ``--epochs`` (a cap, as ``finefake bench --epochs``) over ``--seeds``. Printed per
model and seed: test accuracy, the predicted class counts, the selected epoch, seconds per epoch (fit
seconds / epochs run); then mean ± std over seeds next to the majority rate and logistic regression's
accuracy (the floors, same split). ``--set model.key=value`` overrides a hyper-parameter (repeatable);
``--history`` prints every epoch's losses and validation scores.

    OMP_NUM_THREADS=1 python perf/detectors_synthetic.py --workspace /tmp/ws --models mvae,safe --epochs 5
"""

from __future__ import annotations

import argparse
import ast
import time
from pathlib import Path

import numpy as np

from finefake.baselines.registry import required_inputs
from finefake.benchmarks.runner import run_one
from finefake.benchmarks.splits import official_split
from finefake.benchmarks.tasks import ItemTable, build_settings, get_task
from finefake.dataset.synthetic import write_synthetic
from finefake.features.pipeline import FeatureConfig, compute_features
from finefake.workspace import Workspace


def overrides(pairs: list[str]) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for pair in pairs:
        key, value = pair.split("=", 1)
        model, name = key.split(".", 1)
        try:
            parsed = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            parsed = value
        out.setdefault(model, {})[name] = parsed
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workspace", type=Path, required=True, help="created with --items records if empty")
    parser.add_argument("--items", type=int, default=1000)
    parser.add_argument("--models", default="mvae,safe")
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--set", action="append", default=[], metavar="MODEL.KEY=VALUE")
    parser.add_argument("--history", action="store_true")
    args = parser.parse_args()
    ws = Workspace(args.workspace)
    if not (args.workspace / "records").exists():
        write_synthetic(ws, args.items, seed=0)
    models = [m for m in args.models.split(",") if m]
    features = compute_features(ws, FeatureConfig(), inputs=required_inputs(["logreg", *models]))
    items = ItemTable.from_records(list(ws.read("records"))).aligned_to(features)
    task = get_task("binary")
    setting = next(
        s for s in build_settings("binary", items, split=official_split(ws.root)) if s.name == "all"
    )
    test_y = items.label[setting.test]
    majority = float(np.mean(test_y == np.bincount(items.label[setting.train]).argmax()))
    floor = run_one(task, setting, "logreg", 0, features, items)["metrics"]["accuracy"]
    print(
        f"binary 'all': {len(setting.train)} train, {len(setting.validation)} validation, {len(test_y)} test"
    )
    print(f"majority rate {majority:.3f} | logreg {floor:.3f}")
    extra = overrides(args.set)
    for model in models:
        hparams = {"epochs": args.epochs, "num_threads": args.threads, **extra.get(model, {})}
        accs, per_epoch = [], []
        for seed in range(args.seeds):
            started = time.perf_counter()
            result = run_one(task, setting, model, seed, features, items, hparams)
            wall = time.perf_counter() - started
            training = result["fit_info"].get("training") or result["fit_info"].get("source_stage") or {}
            history = training.get("history", [])
            predicted = np.asarray(result["metrics"]["confusion_matrix"]).sum(axis=0).tolist()
            accs.append(result["metrics"]["accuracy"])
            per_epoch.append(result["fit_seconds"] / max(len(history), 1))
            print(
                f"{model} seed {seed}: accuracy {accs[-1]:.3f}, predicted per class {predicted}, selected epoch "
                f"{training.get('selected_epoch')} of {len(history)}, {per_epoch[-1]:.1f} s/epoch ({wall:.0f} s)",
                flush=True,
            )
            if args.history:
                for h in history:
                    print("   ", h)
        print(
            f"{model}: accuracy {np.mean(accs):.3f} ± {np.std(accs, ddof=1) if len(accs) > 1 else 0:.3f} "
            f"(majority {majority:.3f}, logreg {floor:.3f}); {np.mean(per_epoch):.1f} s/epoch; params {hparams}",
            flush=True,
        )


if __name__ == "__main__":
    main()
