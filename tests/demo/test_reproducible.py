"""Reproducible by construction (issue 31): two fresh demo runs, fetch order shuffled in one, give the same
splits.json bytes, the same dataset fingerprints and the same benchmark numbers; ``verify`` re-trains a run
from its record and matches it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from finefake.crawlers.runner import SHUFFLE_ENV
from finefake.demo.pipeline import DemoConfig, run_demo

TIMING = {"written", "finished", "fit_seconds", "file", "split_file", "fetched_at", "reviewed_at"}


def _numbers(value, root: str):
    """A results tree without timestamps, durations and this run's folder."""
    if isinstance(value, dict):
        return {k: _numbers(v, root) for k, v in value.items() if k not in TIMING}
    if isinstance(value, list):
        return [_numbers(v, root) for v in value]
    return value.replace(root, "<out>") if isinstance(value, str) else value


def _fingerprints(workspace: Path) -> list[str]:
    metas = sorted((workspace / "features").rglob("meta.json"))
    found = [json.loads(m.read_text()).get("dataset_fingerprint") for m in metas]
    return [f for f in found if f]


@pytest.mark.slow
def test_two_fresh_demo_runs_one_shuffled_agree(tmp_path, monkeypatch, capsys):
    runs, requests = [], []
    for name, shuffle in (("a", None), ("b", "5")):
        if shuffle is None:
            monkeypatch.delenv(SHUFFLE_ENV, raising=False)
        else:
            monkeypatch.setenv(SHUFFLE_ENV, shuffle)
        out = tmp_path / name
        result = run_demo(DemoConfig(out=out, items=30, seed=3, bench_seeds=1, models=("majority", "logreg")))
        runs.append(out)
        requests.append({k: v["requests"] for k, v in result.stages.items() if k.startswith("crawl")})
    monkeypatch.delenv(SHUFFLE_ENV, raising=False)
    a, b = (r / "workspace" for r in runs)
    assert requests[0] == requests[1]  # even the request count: one fetch per URL, whoever asks first
    assert (a / "dataset" / "splits.json").read_bytes() == (b / "dataset" / "splits.json").read_bytes()
    assert _fingerprints(a) and _fingerprints(a) == _fingerprints(b)
    for stage in ("crawl/snopes", "crawl/news", "crawl/reddit", "crawl/twitter"):
        rows = [[_numbers(json.loads(x), "") for p in sorted((w / stage / "data").glob("*.jsonl"))
                 for x in p.read_text().splitlines()] for w in (a, b)]  # fmt: skip
        assert rows[0] == rows[1], stage
    results = sorted(a.glob("bench/*/results.json"))
    assert len(results) == 6
    for path in results:
        other = b / path.relative_to(a)
        assert _numbers(json.loads(path.read_text()), str(runs[0])) == _numbers(
            json.loads(other.read_text()), str(runs[1])
        ), path.parent.name

    from finefake.cli import run

    capsys.readouterr()
    assert run(["-w", str(b), "verify", str(b / "bench" / "binary" / "results.json")]) == 0
    out = " ".join(capsys.readouterr().err.split())
    assert "split file unchanged: yes" in out and "features unchanged: yes" in out
    assert "match: binary / all / logreg / seed 0 reproduces its recorded numbers" in out
    run_file = b / "bench" / "binary" / "runs" / "logreg" / "all" / "seed-0.json"
    record = json.loads(run_file.read_text())
    record["metrics"]["accuracy"] += 0.125  # a number that was not what this record gives
    run_file.write_text(json.dumps(record))
    assert run(["-w", str(b), "verify", str(run_file)]) == 1
    out = " ".join(capsys.readouterr().err.split())
    assert "differs: metrics.accuracy: recorded" in out and "no match: binary / all / logreg" in out
