"""Logistic regression on the frozen features: the linear floor of the benchmark.

Standardised concatenation of text, image and (when the task has it) knowledge features, plus one indicator
per optional modality, so an item without an image is not mistaken for a black image. Multinomial for more
than two classes. Deterministic (lbfgs); ``seed`` is kept for the common API.
"""

from __future__ import annotations

import numpy as np

from finefake.baselines.base import Batch, Model, check_labelled, tabular_inputs
from finefake.baselines.registry import register_model


@register_model("logreg")
class LogisticRegressionBaseline(Model):
    seed_invariant = True  # lbfgs is deterministic; random_state is unused by it

    def __init__(self, *, C: float = 1.0, max_iter: int = 500, seed: int = 0):
        self.C = C
        self.max_iter = max_iter
        self.seed = seed

    def fit(
        self, train: Batch, val: Batch | None = None, target_unlabeled: Batch | None = None
    ) -> LogisticRegressionBaseline:
        import warnings

        from sklearn.exceptions import ConvergenceWarning
        from sklearn.linear_model import LogisticRegression

        y = check_labelled(train, "train")
        x = tabular_inputs(train)
        self.mean_ = x.mean(axis=0)
        self.scale_ = x.std(axis=0)
        self.scale_[self.scale_ < 1e-8] = 1.0
        self.n_classes_ = train.n_classes
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:  # one class only: nothing to separate
            self.clf_ = None
            return self
        self.clf_ = LogisticRegression(C=self.C, max_iter=self.max_iter, random_state=self.seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            self.clf_.fit((x - self.mean_) / self.scale_, y)
        return self

    def predict_proba(self, batch: Batch) -> np.ndarray:
        if batch.n_classes != self.n_classes_:
            raise ValueError(f"model was fit for {self.n_classes_} classes, batch has {batch.n_classes}")
        out = np.zeros((len(batch), self.n_classes_), dtype=np.float64)
        if self.clf_ is None:
            out[:, self.classes_[0]] = 1.0
            return out
        proba = self.clf_.predict_proba((tabular_inputs(batch) - self.mean_) / self.scale_)
        out[:, self.clf_.classes_] = proba  # classes missing from training keep probability 0
        return out
