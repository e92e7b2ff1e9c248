"""Checks shared by the knowledge-aware detector tests (KAN, KDCN, CompareNet): valid probabilities, seeded
determinism, and that the knowledge inputs are really used (a label planted only in the knowledge is learned
with knowledge and not without it)."""

from __future__ import annotations

import numpy as np

from baselines.allinputs import input_batches
from finefake.baselines.base import Batch


def declared(model_cls, **kwargs) -> dict[str, Batch]:
    """allinputs Batches restricted to exactly the inputs ``model_cls`` declares (as the harness does)."""
    return {k: v.restricted(model_cls.inputs) for k, v in input_batches(**kwargs).items()}


def accuracy(model, batch: Batch) -> float:
    return float(np.mean(model.predict(batch) == batch.y))


def majority_floor(train: Batch, test: Batch) -> float:
    """Accuracy on ``test`` of always predicting the most frequent training class."""
    return float(np.mean(test.y == np.bincount(train.y).argmax()))


def check_probabilities(make) -> None:
    for k in (2, 6):
        b = declared(type(make()), n_classes=k, n=120)
        model = make(epochs=2).fit(b["train"], b["validation"])
        proba = model.predict_proba(b["test"])
        assert proba.shape == (len(b["test"]), k)
        assert np.all(np.isfinite(proba)) and np.all(proba >= 0)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)


def check_deterministic(make) -> None:
    b = declared(type(make()), n=120, signal="knowledge")
    first = make(epochs=2).fit(b["train"], b["validation"]).predict_proba(b["test"])
    again = make(epochs=2).fit(b["train"], b["validation"]).predict_proba(b["test"])
    np.testing.assert_array_equal(first, again)


def check_knowledge_is_used(make, n: int = 400) -> tuple[float, float, float]:
    """Accuracy with knowledge, without it, and the majority floor on a label planted only in the knowledge."""
    cls = type(make())
    with_k = declared(cls, n=n, signal="knowledge", seed=5)
    without = declared(cls, n=n, signal="knowledge", seed=5, knowledge=False)
    floor = majority_floor(with_k["train"], with_k["test"])
    acc_with = accuracy(make().fit(with_k["train"], with_k["validation"]), with_k["test"])
    acc_without = accuracy(make().fit(without["train"], without["validation"]), without["test"])
    assert acc_with > floor + 0.25, (acc_with, floor)
    assert acc_without < floor + 0.1, (acc_without, floor)
    return acc_with, acc_without, floor
