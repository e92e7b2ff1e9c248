from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

import finefake.benchmarks.runner as runner_module
from finefake.benchmarks.runner import BenchConfig, run_benchmark
from finefake.benchmarks.tasks import ItemTable
from finefake.cli import app
from finefake.errors import FinefakeError

from .tinydata import featurize


@pytest.fixture(scope="module")
def data(synthetic_workspace):
    records = list(synthetic_workspace.read("records"))
    return featurize(records, synthetic_workspace), ItemTable.from_records(records)


def _count_runs(monkeypatch) -> list[tuple]:
    calls: list[tuple] = []
    original = runner_module.run_one

    def counting(task, setting, model, seed, *args, **kwargs):
        calls.append((task.name, setting.name, model, seed))
        return original(task, setting, model, seed, *args, **kwargs)

    monkeypatch.setattr(runner_module, "run_one", counting)
    return calls


def test_runs_reports_and_resumes(data, tmp_path, monkeypatch):
    features, items = data
    config = BenchConfig(["binary", "platform-da"], ["majority", "logreg"], seeds=[0, 1], out=tmp_path)
    calls = _count_runs(monkeypatch)
    paths = run_benchmark(features, items, config)
    n_first = len(calls)
    # Both models are seed-invariant: one fit per (model, setting), the other seed reuses it.
    assert n_first == 2 * (1 + 6)  # models x (binary + 6 platform settings on 240 items)
    assert all(seed == 0 for *_, seed in calls)
    runs = tmp_path / "binary" / "runs" / "logreg" / "all" / "split-0"  # the default: a re-split, seed 0
    reused = json.loads((runs / "seed-1.json").read_text())
    trained = json.loads((runs / "seed-0.json").read_text())
    assert reused["seed"] == 1 and reused["reused_from_seed"] == 0 and "reused_from_seed" not in trained
    assert reused["metrics"] == trained["metrics"]
    results = json.loads(paths["platform-da"].read_text())
    assert results["shaped_like"] == "FineFake paper Table 5"
    row = next(r for r in results["results"] if r["model"] == "logreg")
    assert row["metrics"]["accuracy"]["n"] == 2 and 0 <= row["metrics"]["weighted_f1"]["mean"] <= 1
    binary = json.loads(paths["binary"].read_text())
    logreg = next(r for r in binary["results"] if r["model"] == "logreg")
    majority = next(r for r in binary["results"] if r["model"] == "majority")
    assert logreg["metrics"]["macro_f1"]["mean"] > majority["metrics"]["macro_f1"]["mean"] + 0.2
    assert np.sum(logreg["confusion_matrix_sum"]) == 2 * binary["settings"][0]["sizes"]["test"]
    for task in ("binary", "platform-da"):
        for name in ("table.md", "table.tex", "bars.png"):
            assert (tmp_path / task / name).stat().st_size > 0
    assert (tmp_path / "platform-da" / "heatmap.png").exists()
    md = (tmp_path / "binary" / "table.md").read_text()
    assert "| Model | Acc | Prec | Rec | F1 |" in md and "majority" in md and "±" in md
    assert "re-split with seed 0" in md and results["splits"] == [{"kind": "resplit", "seed": 0}]
    tex = (tmp_path / "platform-da" / "table.tex").read_text()
    assert "\\begin{tabular}" in tex and "\\multicolumn{2}{c}{FC $\\rightarrow$ ST}" in tex

    # A rerun recomputes nothing; losing one run file (an interrupted run) recomputes exactly that one, or
    # for a seed-invariant model copies it from the seed that survived.
    run_benchmark(features, items, config)
    assert len(calls) == n_first
    lost = runs / "seed-0.json"
    before = json.loads(lost.read_text())["metrics"]
    lost.unlink()
    run_benchmark(features, items, config)
    assert len(calls) == n_first
    assert json.loads(lost.read_text())["metrics"] == before
    assert json.loads(lost.read_text())["reused_from_seed"] == 0
    for path in lost.parent.glob("seed-*.json"):
        path.unlink()
    run_benchmark(features, items, config)
    assert calls[n_first:] == [("binary", "all", "logreg", 0)]
    assert json.loads(lost.read_text())["metrics"] == before  # deterministic: same numbers again


def test_seeded_models_train_once_per_seed(data, tmp_path, monkeypatch):
    features, items = data
    calls = _count_runs(monkeypatch)
    config = BenchConfig(["binary"], ["kean"], seeds=[0, 1], out=tmp_path, hparams={"kean": {"epochs": 2}})
    run_benchmark(features, items, config)
    assert calls == [("binary", "all", "kean", 0), ("binary", "all", "kean", 1)]


def test_results_from_another_configuration_are_not_mixed(data, tmp_path):
    features, items = data
    run_benchmark(features, items, BenchConfig(["binary"], ["logreg"], seeds=[0], out=tmp_path))
    changed = BenchConfig(["binary"], ["logreg"], seeds=[0], out=tmp_path, hparams={"logreg": {"C": 0.1}})
    first = json.loads(
        (tmp_path / "binary" / "runs" / "logreg" / "all" / "split-0" / "seed-0.json").read_text()
    )
    run_benchmark(features, items, changed)  # recomputed under the new key; the old run is kept aside
    now = json.loads(
        (tmp_path / "binary" / "runs" / "logreg" / "all" / "split-0" / "seed-0.json").read_text()
    )
    assert now["params"]["C"] == 0.1 and now["run_key"] != first["run_key"]
    (kept,) = (tmp_path / "binary" / "superseded").rglob("seed-0.json")
    assert json.loads(kept.read_text())["run_key"] == first["run_key"]
    with pytest.raises(FinefakeError, match="unknown model"):
        run_benchmark(features, items, BenchConfig(["binary"], ["nope"], out=tmp_path))


@pytest.mark.slow
def test_cli_bench_all_end_to_end(synthetic_workspace, data, tmp_path):
    features, _ = data
    saved = features.save(tmp_path / "features")
    out = tmp_path / "bench"
    args = ["-w", str(synthetic_workspace.root), "bench", "all", "--models", "majority,logreg,kean"]
    args += ["--seeds", "1", "--epochs", "2", "--features", str(saved), "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    for task in ("binary", "binary-kg", "fine-grained", "topic-da", "platform-da", "dual-da"):
        assert (out / task / "results.json").exists()
    overview = (out / "classification.md").read_text()
    assert "binary-kg Acc" in overview and "fine-grained F1" in overview and "kean" in overview
    kean_runs = sorted((out / "dual-da" / "runs" / "kean").glob("conflict-*/seed-0.json"))
    assert kean_runs
    kean = json.loads(kean_runs[0].read_text())
    assert kean["params"]["epochs"] == 2
    for path in kean_runs:  # every adaptation run either reweighted or says why not (tiny sources here)
        info = json.loads(path.read_text())["fit_info"]
        assert "bbse" in info or info["reweighting"].startswith("skipped: ")


def test_cli_reports_unknown_models(synthetic_workspace, tmp_path):
    result = CliRunner().invoke(
        app,
        ["-w", str(synthetic_workspace.root), "bench", "binary", "--models", "nope", "--out", str(tmp_path)],
    )
    assert result.exit_code != 0
