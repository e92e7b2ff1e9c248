"""Issue 11: on the synthetic planted-shift data the domain-aware detectors (EANN, MDFEND, M3FEND, CANMD) hold
the non-adaptive floor (logistic regression) and never collapse to one predicted class.

Everything runs through the harness's own ``run_one`` (``make_batches`` -> declared inputs -> fit on the
source, unlabeled target handed to the adaptive models, scored on the target), on ``write_synthetic`` records
whose token-level inputs come from the cheap deterministic stand-in encoder of ``tinydata`` (hashed words,
fixed random word vectors; the project's own emotion lexicon and style cues).

The check, fixed before any result was seen:

* per setting and model: macro F1 on the target over ``SEEDS``; the model's mean must be at least logreg's
  mean minus ``K`` x the seed noise, where the seed noise is ``sqrt(std_model^2 + std_logreg^2)`` (sample std
  over the seeds; logreg's lbfgs fit is seed-invariant, so its std is 0) with an absolute floor of
  ``NOISE_FLOOR``: K = 2, floor = 0.02 macro F1;
* every seed of every model predicts both classes (each target has both).

What it runs on, and why (cost: each fit of MDFEND / M3FEND costs epochs x source rows x tokens x experts;
the whole grid of 18 settings x 4 models x 3 seeds took minutes per model):

* 4,000 records with short texts (6-20 words plus cues and mentions, ``SyntheticConfig(min_words=6,
  max_words=20)``): the planted cues are the same as in the default 40-110-word texts, but the token
  models' sequences are 32 tokens instead of 128. With the long texts and 20 epochs the token CNNs of MDFEND
  and M3FEND did not learn the cue from a few hundred source rows at all (they memorised them).
* one setting per adaptation task, each with a fact-check source (the mostly-fake, smallest sources, where
  the previous 800-item attempt collapsed) and, of its targets, the one whose class balance lies farthest
  from the source's: topic-da ``FC: P+B+H+S -> entertainment``, platform-da ``FC -> OF``, dual-da
  ``conflict@FC -> politics@OF``.
* paper defaults everywhere except the epoch caps of MDFEND and M3FEND (``HPARAMS``: 20 instead of 50, their
  early stopping unchanged); EANN (100 epochs, the best validation accuracy kept) and CANMD (5 + 5
  epochs) run as published.
"""

from __future__ import annotations

import numpy as np
import pytest

from finefake.benchmarks.runner import run_one
from finefake.benchmarks.splits import BenchSplit
from finefake.benchmarks.tasks import ItemTable, build_settings, get_task
from finefake.dataset.synthetic import SyntheticConfig, write_synthetic
from finefake.workspace import Workspace

from .tinydata import attach_token_inputs, featurize

N_ITEMS = 4000
TEXT = SyntheticConfig(min_words=6, max_words=20)
MAX_TOKENS = 32
SETTINGS = {
    "topic-da": "FC: P+B+H+S -> entertainment",
    "platform-da": "FC -> OF",
    "dual-da": "conflict@FC -> politics@OF",
}
MODELS = ("eann", "mdfend", "m3fend", "canmd")
SEEDS = (0, 1, 2)
HPARAMS = {"mdfend": {"epochs": 20}, "m3fend": {"epochs": 20}}
K, NOISE_FLOOR = 2.0, 0.02


@pytest.fixture(scope="module")
def shift_runs(tmp_path_factory) -> dict[str, dict[str, dict[str, list]]]:
    """``runs[setting][model]``: the seeds' target macro F1 (``f1``) and predicted classes (``classes``),
    plus ``true`` (the target's classes) per setting."""
    ws = Workspace(tmp_path_factory.mktemp("shift") / "ws")
    write_synthetic(ws, N_ITEMS, seed=0, config=TEXT)
    records = list(ws.read("records"))
    features = featurize(records, ws, d_text=1024)  # 1024 buckets: the cue words do not collide
    attach_token_inputs(features, records, max_tokens=MAX_TOKENS)
    items = ItemTable.from_records(records).aligned_to(features)
    runs: dict[str, dict[str, dict[str, list]]] = {}
    for task_name, setting_name in SETTINGS.items():
        task = get_task(task_name)
        settings = build_settings(task_name, items, split=BenchSplit.resplit(0))
        setting = next(s for s in settings if s.name == setting_name)
        assert setting.skipped is None, setting.skipped
        key = f"{task_name} {setting_name}"
        runs[key] = {"true": {"classes": sorted(set(items.label[setting.test].tolist()))}}
        for model in ("logreg", *MODELS):
            row: dict[str, list] = {"f1": [], "classes": [], "seconds": []}
            for seed in SEEDS:
                result = run_one(task, setting, model, seed, features, items, HPARAMS.get(model))
                predicted = np.asarray(result["metrics"]["confusion_matrix"]).sum(axis=0)
                row["f1"].append(result["metrics"]["macro_f1"])
                row["classes"].append(int((predicted > 0).sum()))
                row["seconds"].append(result["fit_seconds"])
            runs[key][model] = row
    return runs


def seed_noise(a: list[float], b: list[float]) -> float:
    """The seeds' noise of a difference of two means: both sample stds combined, at least ``NOISE_FLOOR``."""
    return max(float(np.hypot(np.std(a, ddof=1), np.std(b, ddof=1))), NOISE_FLOOR)


def table(runs: dict[str, dict[str, dict[str, list]]]) -> str:
    """setting | logreg F1 mean±std | each model's F1 mean±std and its fewest predicted classes over seeds;
    then each model's fit seconds summed over settings and seeds."""
    lines = [" | ".join(["setting", "logreg", *MODELS])]
    for key, row in runs.items():
        cells = [key]
        for model in ("logreg", *MODELS):
            f1 = row[model]["f1"]
            cells.append(f"{np.mean(f1):.3f}±{np.std(f1, ddof=1):.3f} ({min(row[model]['classes'])} cl)")
        lines.append(" | ".join(cells))
    seconds = {m: sum(sum(row[m]["seconds"]) for row in runs.values()) for m in ("logreg", *MODELS)}
    lines.append("fit seconds: " + ", ".join(f"{m} {s:.0f}" for m, s in seconds.items()))
    return "\n".join(lines)


_DUAL = "dual-da conflict@FC -> politics@OF"
_SMALL_DUAL = "107 source rows (25 real, 12 validating) and topic + platform shift"
#: (setting, model) pairs found below the floor on the first run of this check (issue 11's findings; the
#: numbers are in the table the test prints). Strict: a fix that lifts one fails here until its mark goes.
SHORTFALLS: dict[tuple[str, str], str] = {
    ("topic-da FC: P+B+H+S -> entertainment", "mdfend"): "MDFEND, not adaptive: 0.89 vs logreg 1.00",
    ("platform-da FC -> OF", "eann"): "EANN 0.83 vs logreg 0.91 under the 0.23 -> 0.81 label shift",
    (
        "platform-da FC -> OF",
        "mdfend",
    ): "MDFEND 0.63: keeps the source's fake majority on a real-majority target",
    (_DUAL, "eann"): f"EANN 0.53 vs logreg 0.86: {_SMALL_DUAL}",
    (_DUAL, "mdfend"): f"MDFEND 0.23: {_SMALL_DUAL}",
    (_DUAL, "m3fend"): f"M3FEND 0.35: {_SMALL_DUAL}",
    (_DUAL, "canmd"): f"CANMD 0.33: {_SMALL_DUAL}; BBSE on 12 rows sees no shift",
}


def cases() -> list:
    out = []
    for task_name, setting_name in SETTINGS.items():
        key = f"{task_name} {setting_name}"
        for model in MODELS:
            reason = SHORTFALLS.get((key, model))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            out.append(pytest.param(key, model, marks=marks, id=f"{task_name}-{model}"))
    return out


@pytest.mark.slow
@pytest.mark.parametrize(("key", "model"), cases())
def test_holds_the_logreg_floor_and_predicts_both_classes(shift_runs, key, model):
    report = f"target macro F1 over seeds {SEEDS} (fewest predicted classes):\n{table(shift_runs)}"
    print(report)
    row = shift_runs[key]
    n_true = len(row["true"]["classes"])
    assert n_true == 2, f"{key}: the target has one class"
    assert min(row[model]["classes"]) == n_true, f"{model} predicts one class on {key}\n{report}"
    ours, floor = row[model]["f1"], row["logreg"]["f1"]
    bound = np.mean(floor) - K * seed_noise(ours, floor)
    assert np.mean(ours) >= bound, (
        f"{model} on {key}: mean F1 {np.mean(ours):.3f} < logreg's {np.mean(floor):.3f} - {K} x noise "
        f"= {bound:.3f}\n{report}"
    )
