"""The small version of the planted-shift check (``test_domain_aware_shift.py``, a ``science`` check): the
same data, recipe and rule on one setting and one seed, so that a detector that collapses to one class or
falls below the logistic-regression floor on the planted shift fails the default run too.

Setting ``platform-da FC -> OF`` (a mostly-fake fact-check source, a target of another class balance), the
three token models on the stand-in inputs (EANN, MDFEND, M3FEND) against logreg on the same inputs, seed 0.
With one seed there is no seed noise to measure, so the bound uses the science check's noise floor:
F1 >= logreg's F1 - K x NOISE_FLOOR.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from finefake.benchmarks.splits import BenchSplit
from finefake.benchmarks.tasks import ItemTable, build_settings
from finefake.dataset.synthetic import write_synthetic
from finefake.workspace import Workspace

from .test_domain_aware_shift import MAX_TOKENS, N_ITEMS, NOISE_FLOOR, SETTINGS, TEXT, K, run_grid
from .tinydata import attach_token_inputs, featurize

TASK = "platform-da"
MODELS = ("eann", "mdfend", "m3fend")
SEED = 0


@pytest.fixture(scope="module")
def small_runs(tmp_path_factory) -> dict[str, Any]:
    ws = Workspace(tmp_path_factory.mktemp("shift-small") / "ws")
    write_synthetic(ws, N_ITEMS, seed=0, config=TEXT)
    records = list(ws.read("records"))
    standin = featurize(records, ws)
    attach_token_inputs(standin, records, max_tokens=MAX_TOKENS, pooled_text=True)
    items = ItemTable.from_records(records).aligned_to(standin)
    setting = next(
        s for s in build_settings(TASK, items, split=BenchSplit.resplit(0)) if s.name == SETTINGS[TASK]
    )
    key = f"{TASK} {SETTINGS[TASK]}"
    data = {"features": {"standin": standin}, "items": items, "settings": {key: (TASK, setting)}}
    jobs = [("standin", key, model, SEED) for model in ("logreg", *MODELS)]
    runs = {model: (f1, classes) for (_, _, model), f1, classes, _ in run_grid(data, jobs)}
    runs["true"] = sorted(set(items.label[setting.test].tolist()))
    return runs


@pytest.mark.slow
@pytest.mark.parametrize("model", MODELS)
def test_one_setting_holds_the_logreg_floor(small_runs, model):
    assert small_runs["true"] == [0, 1]
    f1, classes = small_runs[model]
    floor = small_runs["logreg"][0]
    report = {m: round(v[0], 3) for m, v in small_runs.items() if m != "true"}
    assert classes == 2, f"{model} predicts one class on {TASK} {SETTINGS[TASK]}: {report}"
    assert f1 >= floor - K * NOISE_FLOOR, f"{model} below the logreg floor: {report}"
    assert np.isfinite(f1)
