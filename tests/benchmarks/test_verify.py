"""``finefake verify``: which run a results.json stands for, and how recorded and new numbers are compared."""

from __future__ import annotations

import json

import pytest

from finefake.benchmarks.verify import compare_metrics, find_run_file
from finefake.errors import FinefakeError


def _run(folder, model: str, setting: str, seed: int) -> None:
    path = folder / "runs" / model / setting / f"seed-{seed}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    record = {"task": "binary", "setting": setting, "model": model, "seed": seed, "params": {"seed": seed},
              "metrics": {"accuracy": 0.5}, "split": {"kind": "resplit", "seed": 0}}  # fmt: skip
    path.write_text(json.dumps(record))


def test_results_json_picks_a_trained_model_and_options_narrow_it(tmp_path):
    (tmp_path / "results.json").write_text(json.dumps({"task": "binary", "results": []}))
    for model in ("majority", "logreg"):
        for seed in (0, 1):
            _run(tmp_path, model, "all", seed)
    assert find_run_file(tmp_path / "results.json") == tmp_path / "runs/logreg/all/seed-0.json"
    chosen = find_run_file(tmp_path / "results.json", model="majority", seed=1)
    assert chosen == tmp_path / "runs/majority/all/seed-1.json"
    assert find_run_file(chosen) == chosen  # a run file stands for itself
    with pytest.raises(FinefakeError, match="no run file .* with model 'kean'"):
        find_run_file(tmp_path / "results.json", model="kean")
    (tmp_path / "other.json").write_text("{}")
    with pytest.raises(FinefakeError, match="neither a benchmark run file nor"):
        find_run_file(tmp_path / "other.json")


def test_compare_metrics_names_every_difference_and_tolerates_rounding():
    recorded = {"accuracy": 0.8, "per_class": [{"f1": 0.5}, {"f1": 0.7}], "confusion": [[3, 1], [0, 4]]}
    assert compare_metrics(recorded, json.loads(json.dumps(recorded))) == []
    assert compare_metrics({"a": 0.1 + 0.2}, {"a": 0.3}) == []
    now = {"accuracy": 0.75, "per_class": [{"f1": 0.5}, {"f1": 0.6}], "confusion": [[3, 1], [0, 4]], "new": 1}
    assert compare_metrics(recorded, now) == [
        "metrics.accuracy: recorded 0.8, now 0.75",
        "metrics.new: not recorded",
        "metrics.per_class[1].f1: recorded 0.7, now 0.6",
    ]
