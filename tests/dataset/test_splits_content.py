"""Splits from content, not order (issue 31): permuting the records moves no item to another split."""

from __future__ import annotations

import random

import numpy as np

from finefake.benchmarks.splits import classification_split, source_split
from finefake.benchmarks.tasks import ItemTable, build_settings
from finefake.dataset.splits import package_split, stratified_group_split


def _records(n: int = 240, seed: int = 0) -> list[dict]:
    rng = random.Random(seed)
    out = []
    for i in range(n):
        cluster = f"dup-{i // 3}" if i % 7 == 0 else None
        out.append(
            {
                "id": f"item-{rng.getrandbits(40):010x}",
                "label": rng.randint(0, 1),
                "fine_grained_label": rng.randint(0, 5),
                "platform": rng.choice(["snopes", "cnn", "reddit", "twitter"]),
                "platform_group": rng.choice(["official_fact_checking", "news", "social_media"]),
                "topic": rng.choice(["politics", "conflict", "health", "business", "science", "society"]),
                "duplicate_cluster": cluster,
            }
        )
    return out


def _by_id(records: list[dict], assignment: list[int]) -> dict[str, int]:
    return {r["id"]: a for r, a in zip(records, assignment, strict=True)}


def test_package_split_ignores_record_order():
    records = _records()
    reference = _by_id(records, package_split(records, seed=7))
    for shuffle_seed in range(5):
        shuffled = records[:]
        random.Random(shuffle_seed).shuffle(shuffled)
        assert _by_id(shuffled, package_split(shuffled, seed=7)) == reference
    # the seed still matters
    assert _by_id(records, package_split(records, seed=8)) != reference


def test_group_split_with_ids_is_order_free_and_keeps_groups():
    records = _records(300, seed=3)
    keys = [(r["label"], r["platform"]) for r in records]
    groups = [r["duplicate_cluster"] for r in records]
    ids = [r["id"] for r in records]
    reference = dict(zip(ids, stratified_group_split(keys, groups, seed=1, ids=ids), strict=True))
    order = list(range(len(records)))
    random.Random(11).shuffle(order)
    permuted = stratified_group_split(
        [keys[i] for i in order], [groups[i] for i in order], seed=1, ids=[ids[i] for i in order]
    )
    assert {ids[i]: a for i, a in zip(order, permuted, strict=True)} == reference
    for cluster in {g for g in groups if g}:
        assert len({reference[i] for i, g in zip(ids, groups, strict=True) if g == cluster}) == 1


def test_benchmark_resplits_and_row_order_follow_ids():
    records = _records(300, seed=5)
    shuffled = records[::-1]
    a, b = ItemTable.from_records(records), ItemTable.from_records(shuffled)
    for task in ("binary", "fine-grained", "platform-da", "topic-da"):
        for sa, sb in zip(
            build_settings(task, a, split_seed=4), build_settings(task, b, split_seed=4), strict=True
        ):
            assert sa.name == sb.name and sa.skipped == sb.skipped
            for part in ("train", "validation", "test"):
                ids_a = [a.ids[r] for r in getattr(sa, part)]
                ids_b = [b.ids[r] for r in getattr(sb, part)]
                assert ids_a == ids_b, (task, sa.name, part)  # same items, same (id) order
                assert ids_a == sorted(ids_a)


def test_classification_and_source_split_take_ids():
    records = _records(200, seed=9)
    labels = [r["label"] for r in records]
    ids = [r["id"] for r in records]
    cut = classification_split(labels, None, seed=2, ids=ids)
    rev = classification_split(labels[::-1], None, seed=2, ids=ids[::-1])
    for part in ("train", "validation", "test"):
        assert sorted(ids[i] for i in cut[part]) == sorted(ids[::-1][i] for i in rev[part])
    cut = source_split(labels, None, seed=2, ids=ids)
    rev = source_split(labels[::-1], None, seed=2, ids=ids[::-1])
    assert sorted(ids[i] for i in cut["validation"]) == sorted(ids[::-1][i] for i in rev["validation"])
    assert np.all(np.sort(np.concatenate([cut["train"], cut["validation"]])) == np.arange(200))
