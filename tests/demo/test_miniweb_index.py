"""The mini-web's truth indexes are built once: the demo's annotate stage looks every item up per annotator."""

from __future__ import annotations

from finefake.demo.miniweb import MiniWebConfig, generate_miniweb
from finefake.ids import canonical_url


def test_by_url_is_built_once_and_covers_every_url(tmp_path, monkeypatch):
    web = generate_miniweb(tmp_path / "web", MiniWebConfig(items=20, seed=1))
    calls = []
    monkeypatch.setattr("finefake.demo.miniweb.canonical_url", lambda u: calls.append(u) or canonical_url(u))
    first = web.by_url()
    n = len(calls)
    assert n == sum(len(r["urls"]) for r in web.truth)
    for _ in range(50):
        assert web.by_url() is first
    assert len(calls) == n  # no rebuild per lookup
    assert web.by_platform_id() is web.by_platform_id()
