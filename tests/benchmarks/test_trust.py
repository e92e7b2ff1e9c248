"""Issue 19: benchmark numbers that can be trusted (run keys, official splits, exact reports, flags)."""

from __future__ import annotations

import json
from dataclasses import replace

import numpy as np
import pytest
from typer.testing import CliRunner

import finefake.benchmarks.runner as runner_module
from finefake.baselines.majority import MajorityClass
from finefake.benchmarks.reports import Cell, render_tables
from finefake.benchmarks.runner import BenchConfig, run_benchmark
from finefake.benchmarks.splits import BenchSplit, official_split
from finefake.benchmarks.tasks import ItemTable, build_settings
from finefake.cli import app
from finefake.errors import FinefakeError

from .tinydata import featurize


@pytest.fixture(scope="module")
def data(synthetic_workspace):
    records = list(synthetic_workspace.read("records"))
    return featurize(records, synthetic_workspace), ItemTable.from_records(records)


def _calls(monkeypatch) -> list[tuple]:
    calls: list[tuple] = []
    original = runner_module.run_one

    def counting(task, setting, model, seed, *args, **kwargs):
        calls.append((task.name, setting.name, model, seed))
        return original(task, setting, model, seed, *args, **kwargs)

    monkeypatch.setattr(runner_module, "run_one", counting)
    return calls


def _superseded(out, task):
    return sorted((out / task / "superseded").rglob("seed-*.json"))


def test_relabelled_items_are_never_answered_with_old_results(data, tmp_path, monkeypatch, caplog):
    features, items = data
    config = BenchConfig(["binary"], ["logreg"], seeds=[0], out=tmp_path)
    run_benchmark(features, items, config)
    old = json.loads(
        (tmp_path / "binary" / "runs" / "logreg" / "all" / "split-0" / "seed-0.json").read_text()
    )
    calls = _calls(monkeypatch)
    relabelled = replace(items, label=np.where(np.arange(len(items)) % 3 == 0, 1 - items.label, items.label))
    run_benchmark(features, relabelled, config)  # recomputed, the old run kept aside, the change named
    assert calls == [("binary", "all", "logreg", 0)]
    assert "labels" in caplog.text and "superseded" in caplog.text  # (a re-split: rows also move)
    (kept,) = _superseded(tmp_path, "binary")
    assert json.loads(kept.read_text())["run_key"] == old["run_key"]
    where = ("runs", "logreg", "all", "split-0", "seed-0.json")
    assert kept.relative_to(tmp_path / "binary" / "superseded").parts[1:] == where
    # the same for moved domains (platform groups) on an adaptation task: only the settings they touch
    run_benchmark(features, items, replace(config, tasks=["platform-da"]))
    moved = replace(items, platform_group=np.roll(items.platform_group, 1))
    caplog.clear()
    run_benchmark(features, moved, replace(config, tasks=["platform-da"]))
    assert "topics or platform groups" in caplog.text and _superseded(tmp_path, "platform-da")


def test_every_feature_row_is_part_of_the_key(data, tmp_path, monkeypatch, caplog):
    features, items = data
    config = BenchConfig(["binary"], ["logreg"], seeds=[0], out=tmp_path)
    run_benchmark(features, items, config)
    late = replace(features, text=features.text.copy())
    late.text[100:] = 0.0  # rows past the first 64
    calls = _calls(monkeypatch)
    run_benchmark(late, items, config)
    assert calls and "feature content changed" in caplog.text and "labels" not in caplog.text


def test_resume_ignores_volatile_feature_metadata(data, tmp_path, monkeypatch):
    features, items = data
    config = BenchConfig(["binary"], ["logreg"], seeds=[0], out=tmp_path)
    calls = _calls(monkeypatch)
    run_benchmark(features, items, config)
    cached = replace(features, meta={**features.meta, "cached": True})  # what the feature cache returns
    run_benchmark(cached, items, config)
    assert len(calls) == 1


def test_synthesize_writes_the_official_split_and_bench_uses_it(synthetic_workspace, data):
    features, items = data
    split = official_split(synthetic_workspace.root)
    assert split.kind == "official" and split.path.endswith("records/splits.json") and len(split.sha256) == 64
    assert set(split.assignment) == set(items.ids)
    (setting,) = build_settings("binary", items, split=split)
    for part in ("train", "validation", "test"):
        assert {split.assignment[items.ids[i]] for i in getattr(setting, part)} == {part}
    for s in build_settings("topic-da", items, split=split):
        if not s.skipped:
            assert {split.assignment[items.ids[i]] for i in s.train} == {"train"}
            assert {split.assignment[items.ids[i]] for i in s.validation} == {"validation"}
    # an item the split file does not know is named
    missing = BenchSplit("official", None, {}, "x/splits.json", "0" * 64)
    with pytest.raises(FinefakeError, match=f"item {items.ids[0]} has no entry"):
        build_settings("binary", items, split=missing)


def test_newer_split_file_wins(workspace):
    from finefake.dataset.synthetic import write_synthetic

    write_synthetic(workspace, 30, seed=1)
    packaged = workspace.root / "dataset" / "splits.json"
    packaged.parent.mkdir(parents=True)
    packaged.write_text(json.dumps({"a": "train"}))
    assert official_split(workspace.root).path == str(packaged)
    write_synthetic(workspace, 30, seed=2)  # records synthesized after packaging
    assert official_split(workspace.root).path.endswith("records/splits.json")


def test_reports_keep_every_matching_run_of_a_rerun_with_fewer_seeds(data, tmp_path):
    """Issue 29: a rerun with fewer seeds does not silently drop the earlier runs made on the same data."""
    features, items = data
    run_benchmark(features, items, BenchConfig(["binary"], ["logreg"], seeds=[0, 1, 2], out=tmp_path))
    path = run_benchmark(features, items, BenchConfig(["binary"], ["logreg"], seeds=[1], out=tmp_path))
    (row,) = json.loads(path["binary"].read_text())["results"]
    assert row["seeds"] == [0, 1, 2] and row["metrics"]["accuracy"]["n"] == 3


def test_predict_proba_gets_the_unlabeled_test_batch(data, tmp_path, monkeypatch):
    features, items = data
    seen = []
    original = MajorityClass.predict_proba

    def spy(self, batch):
        seen.append(batch.y)
        return original(self, batch)

    monkeypatch.setattr(MajorityClass, "predict_proba", spy)
    run_benchmark(features, items, BenchConfig(["binary"], ["majority"], seeds=[0], out=tmp_path))
    assert seen and all(y is None for y in seen)


def test_degenerate_runs_are_flagged_never_bold_and_the_majority_reference_is_shown(data, tmp_path):
    features, items = data
    paths = run_benchmark(
        features, items, BenchConfig(["platform-da"], ["majority", "logreg"], seeds=[0], out=tmp_path)
    )
    results = json.loads(paths["platform-da"].read_text())
    majority = [r for r in results["results"] if r["model"] == "majority"]
    assert majority and all(r["degenerate_runs"] == 1 for r in majority)
    md = (tmp_path / "platform-da" / "table.md").read_text()
    assert "majority (ref.)" in md and "wF1" in md and "weighted F1" in md and "†" in md
    assert "one seed: single runs, no std" in md and "±" not in md.split("\n", 1)[1]  # n = 1: no ± (issue 17)
    assert all(s["majority_reference"] for s in results["settings"] if not s["skipped"])
    # a constant predictor with the best mean is not bold; the best non-degenerate model is
    # (and only where it beats the majority reference: issue 29)
    cells = {"constant": Cell(0.88, 0.02, 3, True), "model": Cell(0.80, 0.01, 3, False)}
    md, tex = render_tables(
        "t", list(cells), ["g"], ["accuracy"], lambda m, g, k: cells[m], lambda g, k: 0.60
    )
    assert "| constant | 88.00 ± 2.00 † |" in md and "| model | **80.00 ± 1.00** |" in md
    assert "$^\\dagger$" in tex and "\\textbf{80.00" in tex and "majority (ref.)" in tex


def test_cli_uses_the_official_split_or_resplits_explicitly(synthetic_workspace, data, tmp_path):
    features, _ = data
    saved = features.save(tmp_path / "features")
    base = ["-w", str(synthetic_workspace.root), "bench", "binary", "--models", "logreg", "--seeds", "1"]
    base += ["--features", str(saved)]
    result = CliRunner().invoke(app, base + ["--out", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    results = json.loads((tmp_path / "a" / "binary" / "results.json").read_text())
    assert results["splits"][0]["kind"] == "official" and results["splits"][0]["sha256"]
    run = json.loads((tmp_path / "a" / "binary" / "runs" / "logreg" / "all" / "seed-0.json").read_text())
    assert run["split"]["kind"] == "official" and run["split"]["file"].endswith("splits.json")
    result = CliRunner().invoke(app, base + ["--out", str(tmp_path / "b"), "--split-seeds", "3"])
    assert result.exit_code == 0, result.output
    results = json.loads((tmp_path / "b" / "binary" / "results.json").read_text())
    assert results["splits"] == [{"kind": "resplit", "seed": s} for s in (0, 1, 2)]
    assert results["variance"] == "mean ± std over model seeds ± std over splits, 3 runs per cell"
    (row,) = results["results"]
    assert row["splits"] == ["split-0", "split-1", "split-2"] and "std_split" in row["metrics"]["accuracy"]
    result = CliRunner().invoke(app, base + ["--out", str(tmp_path / "c"), "--split-seed", "4"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "c" / "binary" / "runs" / "logreg" / "all" / "split-4" / "seed-0.json").exists()


def test_cli_without_an_official_split_says_how_to_get_one(workspace, data, tmp_path):
    from finefake.dataset.synthetic import write_synthetic

    write_synthetic(workspace, 20, seed=3)
    (workspace.root / "records" / "splits.json").unlink()
    features, _ = data
    args = ["-w", str(workspace.root), "bench", "binary", "--models", "logreg", "--out", str(tmp_path)]
    result = CliRunner().invoke(app, args + ["--features", str(features.save(tmp_path / "f"))])
    assert isinstance(result.exception, FinefakeError)  # the console entry point prints it and exits 2
    assert "no official split" in str(result.exception) and "--split-seed" in str(result.exception)
