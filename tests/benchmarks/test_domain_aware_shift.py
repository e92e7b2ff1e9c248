"""Issue 11: on the synthetic planted-shift data the domain-aware detectors (EANN, MDFEND, M3FEND, CANMD) hold
the non-adaptive floor (logistic regression) and never collapse to one predicted class.

Everything runs through the harness's own ``run_one`` (``make_batches`` -> declared inputs -> fit on the
source, unlabeled target handed to the adaptive models, scored on the target), on ``write_synthetic`` records,
with two kinds of text inputs:

* ``standin``, for the token models (EANN, MDFEND, M3FEND): the cheap deterministic stand-in encoder of
  ``tinydata`` (hashed words, fixed random 32-d word vectors; the project's own emotion lexicon and style
  cues). As with the real text encoder, whose pooled vector is the masked mean of its token states, the
  pooled ``text`` logreg reads is the mean of the same token vectors (``pooled_text=True``). The real token
  pass and the token models' fits at its width would cost the suite minutes.
* ``real``, the offline MiniLM that ``finefake features`` runs, over the three settings' 1,471 rows: its
  pooled vectors for CANMD, which reads nothing else (one encoder pass costs seconds), with logreg on the
  same vectors as its floor; and its token states for the one case the stand-in cannot show (below).

The check, fixed before any result was seen:

* per setting and model: macro F1 on the target over ``SEEDS``; the model's mean must be at least logreg's
  mean minus ``K`` x the seed noise, where the seed noise is ``sqrt(std_model^2 + std_logreg^2)`` (sample std
  over the seeds; logreg's lbfgs fit is seed-invariant, so its std is 0) with an absolute floor of
  ``NOISE_FLOOR``: K = 2, floor = 0.02 macro F1;
* every seed of every model predicts both classes (each target has both).

What it runs on, and why:

* 4,000 records with short texts (6-20 words plus cues and mentions, ``SyntheticConfig(min_words=6,
  max_words=20)``): the planted cues are the same as in the default 40-110-word texts, but the token
  models' sequences are 32 tokens instead of 128, which keeps MDFEND's and M3FEND's CNN experts affordable.
* one setting per adaptation task, each with a fact-check source (the mostly-fake, smallest sources, where
  an earlier 800-item attempt collapsed) and, of its targets, the one whose class balance lies farthest
  from the source's: topic-da ``FC: P+B+H+S -> entertainment``, platform-da ``FC -> OF``, dual-da
  ``conflict@FC -> politics@OF``.
* every detector with its paper defaults, one torch thread per fit, the fits spread over two worker
  processes (``WORKERS``). Everything else (images, knowledge) comes from ``tinydata.featurize``.

How the check evolved (issue 11's closing notes have the tables): its first version gave logreg a 1,024-word
hashed bag of words while the token models read the stand-in's 32-d word vectors, and capped MDFEND and
M3FEND at 20 epochs. Run on the real offline encoders (``perf/domain_shift.py``), the same recipe showed that
floor to be far above what logreg reaches on the real pooled vectors (0.86 vs 0.42 on dual-da), so the pooled
``text`` now follows the real encoder's relation to its tokens, and CANMD, which reads only that vector, runs
on the real one; the epoch caps went because M3FEND was still learning at epoch 20 on the 107-row dual-da
source. All twelve cases hold the floor on the real encoders (``perf/domain_shift.py``). Three model defects it found are fixed in the models,
each with a regression test: EANN's discriminator over events absent from training, an untrained domain
embedding read for the unseen target domain (MDFEND, M3FEND: ``blocks.DomainEmbedding``), and CANMD's
5-epoch source stage that left its from-scratch MLP a constant predictor on a small source.
"""

from __future__ import annotations

import copy
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from typing import Any

import numpy as np
import pytest

from finefake.benchmarks.runner import run_one
from finefake.benchmarks.splits import BenchSplit
from finefake.benchmarks.tasks import ItemTable, build_settings, get_task
from finefake.dataset.synthetic import SyntheticConfig, write_synthetic
from finefake.workspace import Workspace

from .tinydata import attach_token_inputs, featurize

#: A science check (``pytest -m science``, run by ``.ci/run``): it trains 57 models (19 per seed). The default run keeps its
#: small version, ``test_domain_aware_shift_small.py`` (one setting, one seed, the same rule).
pytestmark = pytest.mark.science

N_ITEMS = 4000
TEXT = SyntheticConfig(min_words=6, max_words=20)
MAX_TOKENS = 32
SETTINGS = {
    "topic-da": "FC: P+B+H+S -> entertainment",
    "platform-da": "FC -> OF",
    "dual-da": "conflict@FC -> politics@OF",
}
_DUAL = "dual-da conflict@FC -> politics@OF"
#: (inputs, model) -> the settings it runs on. logreg runs wherever a model of the same inputs does.
CASES: dict[tuple[str, str], tuple[str, ...]] = {
    ("standin", "eann"): tuple(SETTINGS),
    ("standin", "mdfend"): tuple(SETTINGS),
    ("standin", "m3fend"): tuple(SETTINGS),
    ("real", "canmd"): tuple(SETTINGS),
    ("real", "mdfend"): ("dual-da",),
}
SEEDS = (0, 1, 2)
K, NOISE_FLOOR = 2.0, 0.02
WORKERS = 2
ONE_THREAD = {"num_threads": 1}  # deterministic per fit, and two fits share the two cores

#: (inputs, setting, model) the stand-in cannot show, with the reason; each is also a ``real`` case. Strict:
#: a change that lifts one fails here until its mark goes. (Issue 28's denser generator cues lifted the one
#: there was: MDFEND on the stand-in's dual-da setting, which memorised random word vectors, now holds the floor.)
SHORTFALLS: dict[tuple[str, str, str], str] = {}

#: A worker process's copy of the data: ``{"features": {inputs: FeatureSet}, "items", "settings"}``.
_DATA: dict[str, Any] = {}


def _load(data: dict[str, Any]) -> None:
    _DATA.update(data)


def _fit(job: tuple[str, str, str, int]) -> tuple[tuple[str, str, int], float, int, float]:
    """One (inputs, setting, model, seed) run in a worker: target macro F1, predicted classes, fit seconds."""
    inputs, key, model, seed = job
    task_name, setting = _DATA["settings"][key]
    features = _DATA["features"][inputs]
    hparams = None if model == "logreg" else ONE_THREAD
    result = run_one(get_task(task_name), setting, model, seed, features, _DATA["items"], hparams)
    predicted = np.asarray(result["metrics"]["confusion_matrix"]).sum(axis=0)
    f1, classes = result["metrics"]["macro_f1"], int((predicted > 0).sum())
    return (inputs, key, model), f1, classes, result["fit_seconds"]


def run_grid(data: dict[str, Any], jobs: list[tuple[str, str, str, int]]) -> list[tuple]:
    """``_fit`` over ``jobs`` in ``WORKERS`` spawned processes (each gets ``data`` once)."""
    context = multiprocessing.get_context("spawn")
    saved = {k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS")}
    os.environ.update(OMP_NUM_THREADS="1", MKL_NUM_THREADS="1")  # inherited by the spawned workers
    try:
        with ProcessPoolExecutor(WORKERS, mp_context=context, initializer=_load, initargs=(data,)) as pool:
            # The longest fits first, so that the two workers finish together.
            order = sorted(
                jobs, key=lambda j: (j[2] == "logreg", not j[1].startswith("topic"), j[2] != "m3fend")
            )
            return list(pool.map(_fit, order))
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def real_text_inputs(features, records: list[dict[str, Any]], rows: np.ndarray):
    """A copy of ``features`` whose ``text`` and token states are the offline MiniLM's for ``rows`` (the only
    rows the settings read; the others stay zero), from the text the feature pipeline reads."""
    from finefake.features.text import MiniLMEncoder

    texts = [f"{records[i]['title']}\n{records[i]['text']}".strip() for i in rows]
    encoded = MiniLMEncoder().encode_full(texts, max_tokens=MAX_TOKENS)
    n, d = len(records), encoded.pooled.shape[1]
    real = copy.copy(features)
    real.text = np.zeros((n, d), np.float32)
    real.text[rows] = encoded.pooled
    tokens = np.zeros((n, MAX_TOKENS, d), np.float16)
    mask = np.zeros((n, MAX_TOKENS), bool)
    tokens[rows], mask[rows] = encoded.tokens, encoded.token_mask
    real.inputs = {**features.inputs, "text_tokens": tokens, "text_tokens_mask": mask}
    return real


@pytest.fixture(scope="module")
def shift_runs(tmp_path_factory) -> dict[tuple[str, str], dict[str, Any]]:
    """``runs[(inputs, setting)]``: per model the seeds' target macro F1 (``f1``), predicted classes
    (``classes``) and fit seconds, plus ``true`` (the target's classes)."""
    ws = Workspace(tmp_path_factory.mktemp("shift") / "ws")
    write_synthetic(ws, N_ITEMS, seed=0, config=TEXT)
    records = list(ws.read("records"))
    standin = featurize(records, ws)
    attach_token_inputs(standin, records, max_tokens=MAX_TOKENS, pooled_text=True)
    items = ItemTable.from_records(records).aligned_to(standin)
    settings, jobs, runs = {}, [], {}
    for task_name, setting_name in SETTINGS.items():
        setting = next(
            s for s in build_settings(task_name, items, split=BenchSplit.resplit(0)) if s.name == setting_name
        )
        assert setting.skipped is None, setting.skipped
        settings[f"{task_name} {setting_name}"] = (task_name, setting)
    rows = np.unique(np.concatenate([np.r_[s.train, s.validation, s.test] for _, s in settings.values()]))
    features = {"standin": standin, "real": real_text_inputs(standin, records, rows)}
    for (inputs, model), tasks in CASES.items():
        for task_name in tasks:
            key = f"{task_name} {SETTINGS[task_name]}"
            setting = settings[key][1]
            row = runs.setdefault((inputs, key), {"true": sorted(set(items.label[setting.test].tolist()))})
            for name in ("logreg", model):
                if name not in row:
                    row[name] = {
                        "f1": [0.0] * len(SEEDS),
                        "classes": [0] * len(SEEDS),
                        "seconds": [0.0] * len(SEEDS),
                    }
                    jobs += [(inputs, key, name, seed) for seed in SEEDS]
    data = {"features": features, "items": items, "settings": settings}
    for (inputs, key, model), f1, classes, seconds in run_grid(data, jobs):
        entry = runs[(inputs, key)][model]
        at = next(i for i, v in enumerate(entry["seconds"]) if v == 0.0)
        entry["f1"][at], entry["classes"][at], entry["seconds"][at] = f1, classes, max(seconds, 1e-9)
    return runs


def seed_noise(a: list[float], b: list[float]) -> float:
    """The seeds' noise of a difference of two means: both sample stds combined, at least ``NOISE_FLOOR``."""
    return max(float(np.hypot(np.std(a, ddof=1), np.std(b, ddof=1))), NOISE_FLOOR)


def table(runs: dict[tuple[str, str], dict[str, Any]]) -> str:
    """inputs | setting | model: F1 mean±std (fewest predicted classes over seeds), and the fit seconds."""
    lines = []
    for (inputs, key), row in runs.items():
        cells = [
            f"{model} {np.mean(r['f1']):.3f}±{np.std(r['f1'], ddof=1):.3f} ({min(r['classes'])} cl, "
            f"{sum(r['seconds']):.0f} s)"
            for model, r in row.items()
            if model != "true"
        ]
        lines.append(f"{inputs} | {key} | " + " | ".join(cells))
    return "\n".join(lines)


def cases() -> list:
    out = []
    for (inputs, model), tasks in CASES.items():
        for task_name in tasks:
            key = f"{task_name} {SETTINGS[task_name]}"
            reason = SHORTFALLS.get((inputs, key, model))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            out.append(pytest.param(inputs, key, model, marks=marks, id=f"{inputs}-{task_name}-{model}"))
    return out


@pytest.mark.slow
@pytest.mark.parametrize(("inputs", "key", "model"), cases())
def test_holds_the_logreg_floor_and_predicts_both_classes(shift_runs, inputs, key, model):
    report = f"target macro F1 over seeds {SEEDS}:\n{table(shift_runs)}"
    print(report)
    row = shift_runs[(inputs, key)]
    assert row["true"] == [0, 1], f"{key}: the target has one class"
    assert min(row[model]["classes"]) == 2, f"{model} predicts one class on a seed of {key}\n{report}"
    ours, floor = row[model]["f1"], row["logreg"]["f1"]
    bound = np.mean(floor) - K * seed_noise(ours, floor)
    assert np.mean(ours) >= bound, (
        f"{model} on {key} ({inputs}): mean F1 {np.mean(ours):.3f} < logreg's {np.mean(floor):.3f} - {K} x "
        f"noise = {bound:.3f}\n{report}"
    )
