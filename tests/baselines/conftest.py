"""Fixtures shared by the baseline tests: synthetic records turned into tiny FeatureSets."""

from __future__ import annotations

import numpy as np
import pytest
from benchmarks.tinydata import featurize

from finefake.baselines.base import Batch
from finefake.benchmarks.splits import classification_split


@pytest.fixture(scope="session")
def tiny_records(synthetic_workspace):
    return list(synthetic_workspace.read("records"))


@pytest.fixture(scope="session")
def tiny_features(tiny_records, synthetic_workspace):
    # 256 word buckets: with 64, cue words share buckets with topic words (collisions, not signal)
    return featurize(tiny_records, synthetic_workspace, d_text=256, d_kg=64)


@pytest.fixture(scope="session")
def binary_batches(tiny_records, tiny_features):
    """train / validation / test Batches of the binary task (with knowledge) on 240 synthetic records."""
    y = np.asarray([r["label"] for r in tiny_records])
    split = classification_split(y.tolist(), [r["duplicate_cluster"] for r in tiny_records], seed=0)
    return {k: Batch.from_features(tiny_features, rows, y=y[rows], n_classes=2) for k, rows in split.items()}


@pytest.fixture(scope="session")
def fine_batches(tiny_records, tiny_features):
    y = np.asarray([r["fine_grained_label"] for r in tiny_records])
    split = classification_split(y.tolist(), [r["duplicate_cluster"] for r in tiny_records], seed=0)
    return {k: Batch.from_features(tiny_features, rows, y=y[rows], n_classes=6) for k, rows in split.items()}
