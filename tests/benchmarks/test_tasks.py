from __future__ import annotations

import numpy as np
import pytest

from finefake.benchmarks.runner import make_batches
from finefake.benchmarks.tasks import TASKS, ItemTable, build_settings, get_task
from finefake.contract import PLATFORM_GROUPS
from finefake.errors import FinefakeError

from .tinydata import featurize


@pytest.fixture(scope="module")
def items(synthetic_workspace):
    return ItemTable.from_records(synthetic_workspace.read("records"))


def test_classification_tasks_have_one_622_setting(items):
    for name in ("binary", "binary-kg", "fine-grained"):
        (setting,) = build_settings(name, items)
        rows = np.concatenate([setting.train, setting.validation, setting.test])
        assert sorted(rows.tolist()) == list(range(len(items)))
        assert len(setting.train) == pytest.approx(0.6 * len(items), abs=3)
        assert not setting.domain_adaptation and setting.skipped is None
    assert not TASKS["binary"].use_knowledge and TASKS["binary-kg"].use_knowledge
    assert TASKS["fine-grained"].n_classes == 6


def test_topic_da_settings_follow_the_paper(items):
    settings = build_settings("topic-da", items)
    assert len(settings) == 6
    for s in settings:
        assert s.source in PLATFORM_GROUPS and s.target in ("entertainment", "conflict")
        if s.skipped:
            continue
        source = np.concatenate([s.train, s.validation])
        assert set(items.topic[source]) <= {"politics", "business", "health", "society"}
        assert set(items.platform_group[source]) == {s.source}
        assert set(items.topic[s.test]) == {s.target} and set(items.platform_group[s.test]) == {s.source}
        # all target data is the test set; the source is split 9:1
        assert len(s.test) == int(((items.topic == s.target) & (items.platform_group == s.source)).sum())
        assert len(s.validation) == pytest.approx(0.1 * len(source), abs=2)


def test_platform_and_dual_da_pair_each_group_with_each_other(items):
    for name, source_topic in (("platform-da", "politics"), ("dual-da", "conflict")):
        settings = build_settings(name, items)
        pairs = {(s.source, s.target) for s in settings}
        assert pairs == {(a, b) for a in PLATFORM_GROUPS for b in PLATFORM_GROUPS if a != b}
        for s in settings:
            if s.skipped:
                continue
            assert set(items.topic[s.train]) == {source_topic}
            assert set(items.platform_group[s.train]) == {s.source}
            assert set(items.topic[s.test]) == {"politics"} and set(items.platform_group[s.test]) == {
                s.target
            }


def test_target_batch_carries_no_labels(items, synthetic_workspace):
    records = list(synthetic_workspace.read("records"))
    features = featurize(records, synthetic_workspace)
    aligned = items.aligned_to(features)
    task = get_task("platform-da")
    setting = next(s for s in build_settings("platform-da", aligned) if not s.skipped)
    train, val, test, target = make_batches(task, setting, features, aligned)
    assert target.y is None and target.ids == test.ids
    assert not set(train.ids) & set(test.ids) and not set(val.ids) & set(test.ids)
    binary = make_batches(get_task("binary"), build_settings("binary", aligned)[0], features, aligned)
    # no knowledge (all masked, as the paper runs knowledge models in its "without knowledge" column), no target
    assert not binary[0].has_knowledge and not binary[0].kg_mask.any() and not binary[0].kg.any()
    assert binary[3] is None


def test_missing_domains_are_skipped_with_a_reason(items):
    keep = np.flatnonzero(items.platform_group != "official")
    small = ItemTable(
        [items.ids[i] for i in keep],
        items.label[keep],
        items.fine_grained_label[keep],
        items.topic[keep],
        items.platform_group[keep],
        [items.duplicate_cluster[i] for i in keep],
    )
    settings = build_settings("platform-da", small)
    skipped = [s for s in settings if s.skipped]
    assert {(s.source, s.target) for s in skipped} >= {("fact_check", "official"), ("official", "stream")}
    assert all(s.skipped for s in skipped)


def test_bad_inputs_are_named():
    with pytest.raises(FinefakeError, match="unknown task"):
        get_task("nope")
    with pytest.raises(FinefakeError, match="record x1: field 'label'"):
        ItemTable.from_records(
            [{"id": "x1", "fine_grained_label": 0, "topic": "politics", "platform_group": "stream"}]
        )
