"""Issue 28: cross-dataset and temporal tasks, end to end through ``bench`` (tiny data, majority + logreg)."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
from typer.testing import CliRunner

from finefake.benchmarks.cross import Side, build_cross_task, label_view
from finefake.benchmarks.tasks import get_task
from finefake.benchmarks.temporal import RANDOM_SETTING, temporal_settings
from finefake.cli import app
from finefake.dataset.importers.liar import LiarConfig, import_liar
from finefake.dataset.synthetic import write_synthetic
from finefake.workspace import Workspace
from tests.dataset.importers import formats

from .tinydata import featurize


def _workspaces(tmp_path):
    formats.liar_bulk(tmp_path / "liar-release", 300, seed=1)
    liar = Workspace(tmp_path / "liar")
    import_liar(liar, LiarConfig(tmp_path / "liar-release"))
    finefake = Workspace(tmp_path / "finefake")
    write_synthetic(finefake, 160, seed=4)
    saved = {}
    for name, ws in (("liar", liar), ("finefake", finefake)):
        saved[name] = featurize(list(ws.read("records")), ws).save(tmp_path / f"features-{name}")
    return liar, finefake, saved


def test_bench_cross_trains_on_one_dataset_and_tests_on_the_other(tmp_path):
    liar, finefake, saved = _workspaces(tmp_path)
    args = ["bench", "cross", "--train", str(liar.root), "--test", str(finefake.root)]
    args += ["--models", "majority,logreg", "--seeds", "1"]
    args += ["--features-train", str(saved["liar"]), "--features-test", str(saved["finefake"])]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "pants-fire, false, barely-true -> fake" in " ".join(result.output.split())
    results = json.loads((finefake.root / "bench" / "cross-liar-finefake" / "results.json").read_text())
    in_domain, cross = results["settings"]
    assert in_domain["name"] == "finefake -> finefake (in-domain)" and cross["name"] == "liar -> finefake"
    assert cross["compare_with"] == in_domain["name"] and cross["shift"] == "cross-dataset"
    assert in_domain["sizes"]["test"] == cross["sizes"]["test"]  # the same test items
    split = json.loads((finefake.root / "records" / "splits.json").read_text())
    assert cross["sizes"]["test"] == sum(1 for part in split.values() if part == "test")
    assert cross["inputs"] == ["text"] and cross["label_mapping"]["liar"] == label_view("liar").describe()
    assert {r["setting"] for r in results["results"]} == {in_domain["name"], cross["name"]}
    md = (finefake.root / "bench" / "cross-liar-finefake" / "table.md").read_text()
    assert "liar -> finefake" in md and "Drop under the shift" in md and "Label mapping: finefake label" in md
    rows = {row["model"]: row for row in results["shift_comparison"]}
    logreg = {
        r["setting"]: r["metrics"]["accuracy"]["mean"] for r in results["results"] if r["model"] == "logreg"
    }
    assert rows["logreg"]["metrics"]["accuracy"] == {
        "in_domain": logreg[in_domain["name"]],
        "shifted": logreg[cross["name"]],
        "drop": logreg[in_domain["name"]] - logreg[cross["name"]],
    }
    # the report shows the drop in its own section
    from finefake.report import write_report

    html = write_report(finefake).path.read_text()
    assert "Cross-dataset and temporal shifts" in html and "liar -&gt; finefake" in html


def test_cross_selection_never_sees_the_test_datasets_labels(tmp_path):
    liar, finefake, saved = _workspaces(tmp_path)
    from finefake.features.featureset import FeatureSet

    sides = [
        Side(ws.root, list(ws.read("records")), FeatureSet.load(saved[name]))
        for name, ws in (("liar", liar), ("finefake", finefake))
    ]
    task = build_cross_task(*sides)
    _, cross = task.settings
    dataset = task.items.fields["dataset"]
    assert set(dataset[cross.train]) == set(dataset[cross.validation]) == {"liar"}
    assert set(dataset[cross.test]) == {"finefake"}
    assert not task.features.image_mask.any() and not task.features.kg_mask.any()  # LIAR -> FineFake: text


def test_temporal_task_on_finefake_names_its_cut_dates(tmp_path):
    ws = Workspace(tmp_path / "ws")
    write_synthetic(ws, 160, seed=5)
    features = featurize(list(ws.read("records")), ws).save(tmp_path / "features")
    args = ["-w", str(ws.root), "bench", "temporal", "--models", "majority,logreg", "--seeds", "1"]
    result = CliRunner().invoke(app, [*args, "--features", str(features)])
    assert result.exit_code == 0, result.output
    results = json.loads((ws.root / "bench" / "temporal" / "results.json").read_text())
    reference, temporal = results["settings"]
    assert reference["name"] == RANDOM_SETTING and temporal["compare_with"] == RANDOM_SETTING
    cuts = temporal["cut_dates"]
    assert temporal["name"] == f"before {cuts['validation_from']} -> from {cuts['test_from']}"
    records = {r["id"]: r for r in ws.read("records")}
    dated = sum(1 for r in records.values() if r["published"])
    assert temporal["undated"] == len(records) - dated
    assert sum(temporal["sizes"].values()) + temporal["dropped_near_duplicates"] == dated
    assert sum(reference["sizes"].values()) == sum(temporal["sizes"].values())
    assert {r["setting"] for r in results["results"]} == {RANDOM_SETTING, temporal["name"]}
    (row, _) = results["shift_comparison"]  # logreg and majority, each beside its random-split reference
    assert row["in_domain_setting"] == RANDOM_SETTING and row["cut_dates"] == cuts
    # a temporal task cuts by date: neither the table nor the terminal calls that the official split
    table = (ws.root / "bench" / "temporal" / "table.md").read_text()
    assert "Split: cut by publication date" in table and "official split" not in table
    assert "split: cut by publication date" in result.output and "official split" not in result.output


def test_temporal_cut_by_event_keeps_each_event_whole():
    days = [date(2012, 1, d) for d in (1, 1, 2, 5, 5, 6, 9, 9, 9, 12)]
    events = ["a", "a", "a", "b", "b", "b", "c", "c", "d", "e"]
    labels = np.asarray([0, 1, 0, 1, 0, 1, 0, 1, 1, 0])
    days[1] = None  # an undated tweet of a dated event still belongs to it
    reference, temporal = temporal_settings(
        get_task("binary"), labels, days, [None] * 10, (0.5, 0.3, 0.2), groups=events, by="event"
    )
    parts = {p: {events[i] for i in getattr(temporal, p)} for p in ("train", "validation", "test")}
    assert parts == {"train": {"a", "b"}, "validation": {"c", "d"}, "test": {"e"}}
    assert temporal.name == "before 2012-01-09 -> from 2012-01-12" and temporal.details["cut_by"] == "event"
    assert len(temporal.train) == 6 and temporal.details["undated"] == 0


def test_mediaeval_to_finefake_tests_on_finefakes_twitter_items(tmp_path):
    from finefake.dataset.importers.mediaeval import MediaEvalConfig, import_mediaeval
    from finefake.features.featureset import FeatureSet

    formats.mediaeval_2015(tmp_path / "corpus")
    mediaeval = Workspace(tmp_path / "mediaeval")
    import_mediaeval(mediaeval, MediaEvalConfig(tmp_path / "corpus", images=tmp_path / "corpus" / "images"))
    finefake = Workspace(tmp_path / "finefake")
    write_synthetic(finefake, 160, seed=4)
    sides = []
    for ws in (mediaeval, finefake):
        records = list(ws.read("records"))
        sides.append(Side(ws.root, records, featurize(records, ws)))
    task = build_cross_task(*sides)
    in_domain, cross = task.settings
    assert np.array_equal(in_domain.test, cross.test) and len(cross.test)
    assert set(task.items.platform[cross.test]) == {"twitter"}
    split = json.loads((finefake.root / "records" / "splits.json").read_text())
    twitter_test = [r for r in sides[1].records if r["platform"] == "twitter" and split[r["id"]] == "test"]
    assert len(cross.test) == len(twitter_test)
    assert (
        cross.details["label_mapping"]["mediaeval"] == "mediaeval veracity: fake, humor -> fake; real -> real"
    )
    assert set(task.items.fields["dataset"][cross.train]) == {"mediaeval"}
    assert isinstance(task.features, FeatureSet) and task.features.image_mask[cross.train].any()
