from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finefake.dataset.splits import parse_ratios, stratified_group_split


def _keys(n: int, seed: int = 0) -> list[tuple[int, int]]:
    rng = random.Random(seed)
    return [(rng.randint(0, 1), rng.randint(0, 7)) for _ in range(n)]


def test_singletons_hit_ratios_overall_and_per_stratum():
    keys = _keys(1000)
    assignment = stratified_group_split(keys, None, (0.6, 0.2, 0.2), seed=3)
    assert Counter(assignment) == {0: 600, 1: 200, 2: 200}
    for key, size in Counter(keys).items():
        counts = Counter(a for a, k in zip(assignment, keys, strict=True) if k == key)
        for split, ratio in enumerate((0.6, 0.2, 0.2)):
            assert abs(counts[split] - ratio * size) <= 1, (key, counts)


def test_groups_stay_together_and_ratios_hold():
    keys = _keys(1000, seed=1)
    groups = [f"g{i // 4}" if i % 10 < 4 else None for i in range(1000)]
    assignment = stratified_group_split(keys, groups, (0.6, 0.2, 0.2), seed=0)
    by_group: dict[str, set[int]] = {}
    for group, split in zip(groups, assignment, strict=True):
        if group is not None:
            by_group.setdefault(group, set()).add(split)
    assert all(len(splits) == 1 for splits in by_group.values())
    sizes = Counter(assignment)
    assert abs(sizes[0] - 600) <= 4 and abs(sizes[1] - 200) <= 4 and abs(sizes[2] - 200) <= 4


def test_deterministic_under_seed_and_seed_matters():
    keys = _keys(300)
    assert stratified_group_split(keys, None, (6, 2, 2), 9) == stratified_group_split(
        keys, None, (6, 2, 2), 9
    )
    assert stratified_group_split(keys, None, (6, 2, 2), 9) != stratified_group_split(
        keys, None, (6, 2, 2), 10
    )


def test_zero_ratio_split_stays_empty_and_bad_input_is_refused():
    assert 2 not in stratified_group_split(_keys(50), None, (0.9, 0.1, 0.0), 0)
    with pytest.raises(ValueError, match="differ in length"):
        stratified_group_split(_keys(5), [None] * 4)
    with pytest.raises(ValueError):
        stratified_group_split(_keys(5), None, (-1, 2))


def test_parse_ratios():
    assert parse_ratios("6:2:2") == pytest.approx((0.6, 0.2, 0.2))
    assert parse_ratios("0.9,0.1") == pytest.approx((0.9, 0.1))
    for bad in ("abc", "1", "0:0", "-1:2"):
        with pytest.raises(ValueError):
            parse_ratios(bad)


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 2), st.sampled_from(["a", "b", None, "c"])), min_size=1, max_size=60),
    st.integers(0, 5),
)
def test_property_every_item_assigned_and_groups_whole(items, seed):
    keys = [k for k, _ in items]
    groups = [g for _, g in items]
    assignment = stratified_group_split(keys, groups, (0.6, 0.2, 0.2), seed)
    assert len(assignment) == len(items) and set(assignment) <= {0, 1, 2}
    for group in {g for g in groups if g is not None}:
        assert len({a for a, g in zip(assignment, groups, strict=True) if g == group}) == 1
