"""Issue 19, items 5-7: KEAN's input scaling, out-of-fold BBSE, degenerate first runs, target reconstruction."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
from benchmarks.tinydata import gaussian_shift_features

from finefake.baselines import get_model
from finefake.baselines.base import Batch


def _batches(p_source: float = 0.5, p_target: float = 0.9, offset: float = 0.0, n: int = 500):
    features, y, domain = gaussian_shift_features(n, n, p_source=p_source, p_target=p_target)
    target_rows = np.flatnonzero(domain == 1)
    features.text[target_rows] += offset  # covariate shift of the target inputs
    source = np.flatnonzero(domain == 0)
    train, val = source[: int(0.8 * len(source))], source[int(0.8 * len(source)) :]

    def cut(rows, labelled=True):
        return Batch.from_features(features, rows, y=y[rows] if labelled else None, n_classes=2)

    return cut(train), cut(val), cut(target_rows), cut(target_rows, labelled=False)


def test_target_inputs_are_scaled_with_source_and_target_statistics():
    train, val, test, target = _batches(offset=4.0, n=200)
    model = get_model("kean", epochs=1, reweight=False).fit(train, val, target)
    z = model._scaled(target).text
    assert np.abs(z).mean() < 1.5  # source-only statistics put these at |z| ~ 4
    assert model.fit_info()["scaling"] == "source train + unlabeled target inputs"
    in_domain = get_model("kean", epochs=1).fit(train, val)
    assert in_domain.fit_info()["scaling"] == "source train inputs"


def test_bbse_follows_a_strong_label_shift_out_of_fold():
    # source 25% class 1, target 82%: true weights [0.24, 3.28]
    train, val, test, target = _batches(p_source=0.25, p_target=0.82)
    model = get_model("kean", epochs=4, adversarial=False).fit(train, val, target)
    bbse = model.fit_info()["bbse"]
    assert bbse["n_source"] == len(train) and bbse["folds"] == 3  # C_h over the whole training set
    w = np.asarray(bbse["weights"])
    assert w[0] < 0.6 and w[1] > 2.2, w  # the old shrinkage on 100 held-out items gave about [0.8, 1.2]
    reweighted = float(np.mean(model.predict(test.unlabeled()) == test.y))
    plain = get_model("kean", epochs=4, adversarial=False, reweight=False).fit(train, val, target)
    assert reweighted > float(np.mean(plain.predict(test.unlabeled()) == test.y))


def test_reweighting_is_skipped_after_a_degenerate_first_run():
    train, val, _, target = _batches(n=200)
    one_item = target.subset(np.zeros(len(target), dtype=np.int64))  # every target item the same input
    model = get_model("kean", epochs=2).fit(train, val, one_item)
    info = model.fit_info()
    assert "bbse" not in info and "second_run" not in info
    assert info["reweighting"].startswith("skipped: the first run: the predictor gives class")
    assert "to every target item" in info["reweighting"]


def test_reconstruction_covers_target_items():
    train, val, _, target = _batches(n=200)
    kg_target = replace(target, arrays={**target.arrays, "kg": target.kg * 5.0})  # knowledge on another scale
    common = {"epochs": 1, "adversarial": False, "reweight": False}
    with_target = get_model("kean", **common).fit(train, val, kg_target).fit_info()["first_run"]["history"]
    without = get_model("kean", **common).fit(train, val).fit_info()["first_run"]["history"]
    assert with_target[0]["recon"] != without[0]["recon"]
