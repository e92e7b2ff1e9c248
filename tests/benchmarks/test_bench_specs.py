"""``bench`` on tasks as data: other datasets' tasks, ``--list``, published split files, provenance."""

from __future__ import annotations

import hashlib
import json

import numpy as np
from typer.testing import CliRunner

from benchmarks.tinydata import featurize
from finefake.benchmarks.runner import BenchConfig, run_benchmark
from finefake.benchmarks.specs import DatasetItems, dataset_tasks, part_ids
from finefake.benchmarks.splits import BenchSplit
from finefake.benchmarks.tasks import ItemTable
from finefake.cli import app
from finefake.dataset.importers.liar import LiarConfig, import_liar
from finefake.dataset.package import PackageConfig, package
from finefake.dataset.specs import load_spec
from finefake.dataset.synthetic import write_synthetic
from finefake.features.featureset import FeatureSet
from finefake.workspace import Workspace
from tests.dataset.importers import formats


def _liar_features(records: list[dict]) -> FeatureSet:
    rng = np.random.default_rng(0)
    n = len(records)
    text = rng.normal(size=(n, 8)).astype(np.float32)
    text[:, 0] += 3 * np.asarray(
        [r["labels"]["six_way"] for r in records], dtype=np.float32
    )  # a learnable signal
    zeros = np.zeros((n, 4), dtype=np.float32)
    return FeatureSet(
        [r["id"] for r in records], text, zeros, zeros, np.zeros(n, bool), np.zeros(n, bool), {"t": 1}
    )


def test_bench_runs_a_liar_task_on_its_official_split_with_provenance(tmp_path):
    formats.liar_bulk(tmp_path / "liar", 400, seed=1)
    ws = Workspace(tmp_path / "ws")
    import_liar(ws, LiarConfig(tmp_path / "liar"))
    records = list(ws.read("records"))
    _liar_features(records).save(tmp_path / "features")
    runner = CliRunner()
    listed = runner.invoke(app, ["-w", str(ws.root), "bench", "--list"])
    assert listed.exit_code == 0 and "six-class" in listed.output and "liar" in listed.output
    out = tmp_path / "out"
    args = ["-w", str(ws.root), "bench", "six-class", "--models", "majority,logreg", "--seeds", "1"]
    result = runner.invoke(app, [*args, "--features", str(tmp_path / "features"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    results = json.loads((out / "six-class" / "results.json").read_text())
    (setting,) = results["settings"]
    assert results["dataset"] == "liar" and setting["name"] == "official"
    assert setting["sizes"]["test"] == sum(1 for r in records if r["split"] == "test") == 40
    run = json.loads(next((out / "six-class" / "runs" / "logreg").rglob("seed-0.json")).read_text())
    split_hash = hashlib.sha256((ws.root / "records" / "splits.json").read_bytes()).hexdigest()
    assert run["provenance"]["split_file_sha256"] == split_hash
    assert run["provenance"]["task_spec_hash"] == dataset_tasks("liar")["six-class"].spec_hash()
    assert (
        run["provenance"]["finefake_version"]
        and run["provenance"]["features"]
        and "seed" in run["provenance"]
    )
    assert run["metrics"]["accuracy"] > 0.7  # the planted signal is learnt on LIAR's own train split
    settings_file = json.loads((ws.root / "records" / "settings.json").read_text())
    published = settings_file["tasks"]["six-class"]["settings"][0]
    test_ids = part_ids(settings_file, published["test"])
    assert sorted(test_ids) == sorted(r["id"] for r in records if r["split"] == "test")


def test_finefake_tasks_as_specs_give_the_same_numbers(tmp_path):
    ws = Workspace(tmp_path / "ws")
    write_synthetic(ws, 240, seed=7)
    records = list(ws.read("records"))
    features = featurize(records, ws)
    tasks = ["binary", "topic-da"]
    base = {"tasks": tasks, "models": ["majority", "logreg"], "seeds": [0], "splits": [BenchSplit.resplit(3)]}
    run_benchmark(features, ItemTable.from_records(records), BenchConfig(**base, out=tmp_path / "before"))
    items = DatasetItems.from_records(records, load_spec("finefake"))
    definitions = {t: dataset_tasks("finefake")[t] for t in tasks}
    run_benchmark(features, items, BenchConfig(**base, out=tmp_path / "after", definitions=definitions))
    for task in tasks:
        before = json.loads((tmp_path / "before" / task / "results.json").read_text())["results"]
        after = json.loads((tmp_path / "after" / task / "results.json").read_text())["results"]
        assert [(r["model"], r["setting"], r["metrics"]) for r in before] == [
            (r["model"], r["setting"], r["metrics"]) for r in after
        ]


def test_package_publishes_setting_ids_and_bench_reuses_the_split_file(tmp_path):
    ws = Workspace(tmp_path / "ws")
    write_synthetic(ws, 160, seed=2)
    package(ws, PackageConfig(seed=5))
    split = json.loads((ws.root / "dataset" / "splits.json").read_text())
    settings = json.loads((ws.root / "dataset" / "settings.json").read_text())
    assert set(settings["tasks"]) == set(dataset_tasks("finefake"))
    (binary,) = settings["tasks"]["binary"]["settings"]
    binary_test = part_ids(settings, binary["test"])
    assert sorted(binary_test) == sorted(i for i, part in split.items() if part == "test")
    for setting in settings["tasks"]["topic-da"]["settings"]:
        assert all(split[i] == "train" for i in part_ids(settings, setting["train"]))  # source train only
    records = list(ws.read("records"))
    featurize(records, ws).save(tmp_path / "features")
    out = tmp_path / "out"
    args = ["-w", str(ws.root), "bench", "binary", "-m", "majority", "--seeds", "1", "--out", str(out)]
    splits = str(ws.root / "dataset" / "splits.json")
    result = CliRunner().invoke(app, [*args, "--features", str(tmp_path / "features"), "--splits", splits])
    assert result.exit_code == 0, result.output
    (row,) = json.loads((out / "binary" / "results.json").read_text())["settings"]
    assert row["sizes"]["test"] == len(binary_test)
