"""Issue 19, item 4: the synthetic domain shift must leave something a source-only model can transfer."""

from __future__ import annotations

import numpy as np
import pytest

from finefake.baselines.logreg import LogisticRegressionBaseline
from finefake.benchmarks.runner import make_batches
from finefake.benchmarks.splits import BenchSplit
from finefake.benchmarks.tasks import ItemTable, build_settings, get_task
from finefake.dataset.synthetic import write_synthetic

from .tinydata import featurize


@pytest.mark.slow
def test_source_only_logreg_transfers_on_every_adaptation_setting(workspace):
    """On every synthetic adaptation setting, source-only logistic regression predicts both classes and beats
    the target's majority class. Before the fix every fake cue was "not this topic's colour / entity", so a
    model trained on one topic read every target image as fake."""
    write_synthetic(workspace, 3000, seed=0)
    records = list(workspace.read("records"))
    features = featurize(records, workspace, d_text=1024)  # 1024 buckets: the cue words do not collide
    items = ItemTable.from_records(records).aligned_to(features)
    checked = 0
    for name in ("dual-da", "topic-da", "platform-da"):
        task = get_task(name)
        for setting in build_settings(name, items, split=BenchSplit.resplit(0)):
            assert setting.skipped is None, setting.name
            train, val, test, target = make_batches(task, setting, features, items)
            predicted = LogisticRegressionBaseline().fit(train, val, target).predict(test.unlabeled())
            majority = np.bincount(test.y, minlength=2).max() / len(test)
            accuracy = float((predicted == test.y).mean())
            assert len(np.unique(predicted)) == 2, setting.name
            assert accuracy > majority, (setting.name, accuracy, majority)
            checked += 1
    assert checked == 18
