from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from finefake.benchmarks.metrics import classification_report, confusion_matrix
from finefake.benchmarks.splits import classification_split, source_split
from finefake.contract import FINE_GRAINED_NAMES


def test_matches_scikit_learn_on_random_six_class_predictions():
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 6, 300), rng.integers(0, 6, 300)
    report = classification_report(y_true, y_pred, 6, FINE_GRAINED_NAMES)
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average="macro", zero_division=0)
    assert report["accuracy"] == pytest.approx(accuracy_score(y_true, y_pred))
    assert (report["macro_precision"], report["macro_recall"], report["macro_f1"]) == pytest.approx((p, r, f))
    assert report["weighted_f1"] == pytest.approx(f1_score(y_true, y_pred, average="weighted"))
    assert [c["class"] for c in report["per_class"]] == list(FINE_GRAINED_NAMES)


def test_classes_absent_from_the_split_are_listed_but_not_averaged():
    y_true = np.array([0, 0, 0, 3, 3, 5])
    y_pred = np.array([0, 0, 3, 3, 3, 0])  # classes 1, 2, 4 never occur; 5 never predicted
    report = classification_report(y_true, y_pred, 6)
    assert len(report["per_class"]) == 6 and len(report["confusion_matrix"]) == 6
    assert [c["support"] for c in report["per_class"]] == [3, 0, 0, 2, 0, 1]
    assert report["per_class"][5]["precision"] == 0.0 and report["per_class"][5]["recall"] == 0.0
    # macro over the classes that occur (0, 3, 5), like scikit-learn without `labels`
    p, r, f, _ = precision_recall_fscore_support(y_true, y_pred, average="macro", zero_division=0)
    assert (report["macro_precision"], report["macro_recall"], report["macro_f1"]) == pytest.approx((p, r, f))
    assert np.isfinite(
        [report[k] for k in ("macro_precision", "macro_recall", "macro_f1", "weighted_f1")]
    ).all()


def test_confusion_matrix_rows_are_truth_and_labels_are_checked():
    cm = confusion_matrix(np.array([0, 1, 1]), np.array([1, 1, 0]), 2)
    assert cm.tolist() == [[0, 1], [1, 1]]
    with pytest.raises(ValueError, match="outside"):
        confusion_matrix(np.array([0, 6]), np.array([0, 1]), 6)


def test_empty_prediction_set_gives_zeros_not_nan():
    report = classification_report(np.array([], dtype=int), np.array([], dtype=int), 2)
    assert report["accuracy"] == 0.0 and report["macro_f1"] == 0.0


def test_classification_split_is_622_stratified_and_keeps_duplicates_together():
    labels = [0] * 300 + [1] * 100
    groups = [f"c{i // 2}" if i < 40 else None for i in range(400)]  # 20 near-duplicate pairs
    split = classification_split(labels, groups, seed=1)
    sizes = {k: len(v) for k, v in split.items()}
    assert sizes == {"train": 240, "validation": 80, "test": 80}
    y = np.asarray(labels)
    assert [int(y[split[k]].sum()) for k in ("train", "validation", "test")] == [60, 20, 20]
    where = {int(i): k for k, rows in split.items() for i in rows}
    assert all(where[2 * j] == where[2 * j + 1] for j in range(20))
    assert split["train"].tolist() == classification_split(labels, groups, seed=1)["train"].tolist()


def test_source_split_is_nine_to_one():
    split = source_split([0] * 50 + [1] * 50, None, seed=0)
    assert (len(split["train"]), len(split["validation"])) == (90, 10)
    assert not set(split["train"]) & set(split["validation"])
