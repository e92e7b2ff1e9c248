"""Fixtures of the dataset tests: synthetic records packaged once per session (treat as read-only)."""

from __future__ import annotations

import pytest

from finefake.dataset.package import PackageConfig, PackageReport, package
from finefake.dataset.synthetic import write_synthetic
from finefake.workspace import Workspace


@pytest.fixture(scope="session")
def packaged(tmp_path_factory) -> tuple[Workspace, PackageReport]:
    """A workspace with 300 synthetic records (seed 11, with near-duplicate clusters) packaged with seed 5."""
    ws = Workspace(tmp_path_factory.mktemp("packaged") / "ws")
    write_synthetic(ws, 300, seed=11)
    return ws, package(ws, PackageConfig(seed=5))
