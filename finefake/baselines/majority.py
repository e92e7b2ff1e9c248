"""Majority-class floor: predicts the training class distribution for every item.

Not a detector, a floor: any model that does not clearly beat it has learnt nothing from the inputs. Its
probabilities are the training class frequencies (so its argmax is the majority class).
"""

from __future__ import annotations

import numpy as np

from finefake.baselines.base import Batch, Model, check_labelled
from finefake.baselines.registry import register_model


@register_model("majority")
class MajorityClass(Model):
    seed_invariant = True  # class frequencies: no randomness
    inputs = frozenset()  # labels only

    def __init__(self, *, seed: int = 0):
        self.seed = seed

    def fit(
        self, train: Batch, val: Batch | None = None, target_unlabeled: Batch | None = None
    ) -> MajorityClass:
        y = check_labelled(train, "train")
        counts = np.bincount(y, minlength=train.n_classes).astype(np.float64)
        self.prior_ = counts / counts.sum()
        return self

    def predict_proba(self, batch: Batch) -> np.ndarray:
        prior = self.prior_
        if batch.n_classes != len(prior):
            raise ValueError(f"model was fit for {len(prior)} classes, batch has {batch.n_classes}")
        return np.tile(prior, (len(batch), 1))

    def fit_info(self) -> dict:
        return {"prior": [round(float(p), 6) for p in self.prior_]}
