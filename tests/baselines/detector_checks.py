"""Checks every torch detector's tests run (on ``allinputs`` Batches restricted to the model's inputs).

Each check builds its own tiny data, fits the model made by ``make(**overrides)`` and asserts one property:
valid probabilities for 2 and 6 classes, determinism under a seed, beating the majority floor on a signal the
model can see, and, for the domain-aware models, holding the non-adaptive floor (logistic regression) under
a planted covariate shift without collapsing to one class.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from baselines.allinputs import input_batches
from finefake.baselines.base import Batch, Model
from finefake.baselines.logreg import LogisticRegressionBaseline
from finefake.benchmarks.metrics import classification_report

Maker = Callable[..., Model]


def batches_for(model: Model, **kwargs) -> dict[str, Batch]:
    """``input_batches(**kwargs)`` restricted to exactly the inputs ``model`` declared."""
    return {k: v.restricted(model.inputs) for k, v in input_batches(**kwargs).items()}


def fit(model: Model, b: dict[str, Batch], *, adapt: bool = False) -> Model:
    return model.fit(b["train"], b["validation"], b["target"] if adapt else None)


def check_probabilities(make: Maker, *, knowledge: bool = True, adapt: bool = False) -> None:
    for k in (2, 6):
        model = make()
        b = batches_for(model, n_classes=k, knowledge=knowledge)
        proba = fit(model, b, adapt=adapt).predict_proba(b["test"])
        assert proba.shape == (len(b["test"]), k)
        assert np.all(np.isfinite(proba)) and np.all(proba >= 0)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
        assert set(model.predict(b["test"])) <= set(range(k))


def check_deterministic(make: Maker, *, adapt: bool = False) -> None:
    outputs = []
    for _ in range(2):
        model = make(seed=3)
        b = batches_for(model, seed=1)
        outputs.append(fit(model, b, adapt=adapt).predict_proba(b["test"]))
    np.testing.assert_array_equal(outputs[0], outputs[1])


def check_beats_majority(make: Maker, signal: str, *, n_classes: int = 2, adapt: bool = False) -> float:
    """Accuracy on the test split, asserted well above the majority class share."""
    model = make()
    b = batches_for(model, signal=signal, n_classes=n_classes, seed=2)
    pred = fit(model, b, adapt=adapt).predict(b["test"])
    majority = np.bincount(b["train"].y, minlength=n_classes).argmax()
    floor = float(np.mean(b["test"].y == majority))
    accuracy = float(np.mean(pred == b["test"].y))
    assert accuracy >= floor + 0.25, (accuracy, floor)
    return accuracy


def shifted_batches(seed: int, shift: float = 1.0, share: float = 0.8, n: int = 400) -> dict[str, Batch]:
    """``input_batches`` whose test (= target) rows carry a covariate shift of ``shift`` on the pooled
    inputs and a label shift: ~``share`` of them are class 1 (the source is balanced), both classes kept."""
    full = input_batches(n=n, signal="text", seed=seed, target_shift=shift)
    y = full["test"].y
    ones, zeros = np.flatnonzero(y == 1), np.flatnonzero(y == 0)
    zeros = zeros[: max(3, int(len(ones) * (1 - share) / share))]
    full["test"] = full["test"].subset(np.sort(np.concatenate([ones, zeros])))
    full["target"] = full["test"].unlabeled()
    return full


def check_adaptation_floor(
    make: Maker, *, seeds: tuple[int, ...] = (0, 1), tolerance: float = 0.1
) -> dict[str, list[float]]:
    """On the planted-shift target (``shifted_batches``: covariate + label shift): the model, given the
    unlabeled target, stays within ``tolerance`` (seed noise on ~50 target rows) of logistic regression's
    target accuracy on average, and predicts both classes on each seed (the target has both)."""
    scores: dict[str, list[float]] = {"model": [], "logreg": []}
    for seed in seeds:
        full = shifted_batches(seed)
        test_y = full["test"].y
        assert len(set(test_y)) == 2
        floor = LogisticRegressionBaseline().fit(full["train"].restricted(LogisticRegressionBaseline.inputs))
        scores["logreg"].append(
            classification_report(
                test_y, floor.predict(full["test"].restricted(LogisticRegressionBaseline.inputs)), 2
            )["accuracy"]
        )
        model = make(seed=seed)
        b = {k: v.restricted(model.inputs) for k, v in full.items()}
        pred = fit(model, b, adapt=True).predict(b["test"])
        assert len(set(pred.tolist())) == 2, f"seed {seed}: one predicted class on a two-class target"
        scores["model"].append(classification_report(test_y, pred, 2)["accuracy"])
    assert np.mean(scores["model"]) >= np.mean(scores["logreg"]) - tolerance, scores
    return scores
