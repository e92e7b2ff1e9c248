"""Shared fixtures: a fresh workspace per test and a small synthetic dataset shared per session."""

from __future__ import annotations

import os
import tempfile

import pytest

from finefake.workspace import Workspace

# Nothing in the tests may reach a model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")
# LLM responses of the tests go to a cache of their own, never the user's (issue 30)
os.environ.setdefault(
    "FINEFAKE_LLM_CACHE", os.path.join(tempfile.mkdtemp(prefix="finefake-llm-cache-"), "responses.sqlite")
)


@pytest.fixture
def workspace(tmp_path) -> Workspace:
    return Workspace(tmp_path / "ws")


@pytest.fixture(scope="session")
def synthetic_workspace(tmp_path_factory) -> Workspace:
    """A workspace whose `records` stage holds 240 synthetic records (seed 7); treat it as read-only."""
    from finefake.dataset.synthetic import write_synthetic

    ws = Workspace(tmp_path_factory.mktemp("synthetic") / "ws")
    write_synthetic(ws, 240, seed=7)
    return ws


@pytest.fixture(scope="session")
def ray_cluster():
    """A local Ray with 2 CPUs, started once for the whole session (the stages' ``ray_session`` then uses it
    as it is and leaves it running); shut down at the end."""
    ray = pytest.importorskip("ray")
    if not ray.is_initialized():
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    yield ray
    ray.shutdown()


@pytest.fixture
def progress_steps(monkeypatch) -> list[int]:
    """Every ``advance(n)`` of a progress bar during the test, in order (the bars still draw as usual)."""
    from finefake import console

    steps: list[int] = []
    original = console.Bar.advance

    def advance(self, n: int = 1) -> None:
        steps.append(n)
        original(self, n)

    monkeypatch.setattr(console.Bar, "advance", advance)
    return steps
