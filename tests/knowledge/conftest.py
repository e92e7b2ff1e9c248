"""Shared fixtures: small workspaces of cleaned news items, and the local linker (spaCy loaded once)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from finefake.workspace import Workspace

CASSETTES = Path(__file__).parent / "cassettes"


def news_item(n: int, text: str, topic: str = "business") -> dict:
    return {
        "id": f"cnn:item{n}",
        "platform": "cnn",
        "platform_group": "official",
        "topic": topic,
        "url": f"https://www.cnn.com/{n}",
        "title": f"Story {n}",
        "text": text,
        "authors": [],
        "published": None,
        "images": [
            {"path": "images/x.png", "sha256": hashlib.sha256(b"x").hexdigest(), "width": 8, "height": 8}
        ],
        "comments": [],
        "fact_check": None,
        "language": "en",
        "duplicate_cluster": None,
        "metadata": {},
    }


@pytest.fixture
def make_ws(tmp_path):
    """``make_ws(texts)``: a workspace whose ``clean`` stage holds one news item per text."""

    def make(texts: list[str], name: str = "ws") -> Workspace:
        ws = Workspace(tmp_path / name)
        ws.write_records("clean", "news_item", [news_item(i, t) for i, t in enumerate(texts)])
        return ws

    return make


@pytest.fixture
def cassette(request):
    """``with cassette("name.yaml"):`` replays a recorded cassette; unmatched requests fail, none are recorded."""
    import vcr

    recorder = vcr.VCR(
        cassette_library_dir=str(CASSETTES),
        record_mode="none",
        filter_post_data_parameters=["gcube-token"],
        filter_headers=["authorization"],
    )
    return recorder.use_cassette


@pytest.fixture(scope="session")
def local_linker():
    from finefake.knowledge.linking.local import LocalLinker
    from finefake.knowledge.store import store_entities

    return LocalLinker(store_entities())
