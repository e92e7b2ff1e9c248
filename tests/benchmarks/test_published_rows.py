"""The published rows of the imported datasets' own papers (issue 28: LIAR had none): they load, attach to the
task names and setting names finefake's benches use, and the rows measured on inputs finefake's runs lack
(LIAR's meta-data, FakeNewsNet's social context) are marked not comparable with a text-only run."""

from __future__ import annotations

from pathlib import Path

from finefake.benchmarks.published import (
    METRIC_LABELS,
    paper_row,
    paper_rows,
    published_rows,
    select_published,
)
from finefake.benchmarks.specs import dataset_tasks
from finefake.dataset.importers.fakenewsnet import FakeNewsNetConfig, import_fakenewsnet
from finefake.dataset.modalities import inputs_of
from finefake.workspace import Workspace

REAL = Path(__file__).parents[1] / "dataset" / "fixtures" / "real"


def _setting_names(dataset: str, task: str) -> set[str] | None:
    """The setting names a bench of this task produces (None: leave-one-out, named after the data)."""
    definition = dataset_tasks(dataset)[task]
    if definition.is_da:
        return {p.name for p in definition.pairs} if definition.pairs else None
    return {"official" if definition.split == "official" else "all"}


def test_every_published_row_attaches_to_an_existing_task_setting_and_metric():
    for row in published_rows():
        assert row.task in dataset_tasks(row.dataset), (row.source, row.task)
        names = _setting_names(row.dataset, row.task)
        assert names is None or row.setting in names, (row.source, row.setting, names)
        assert set(row.metrics) <= set(METRIC_LABELS), (row.source, row.metrics)
        assert all(0 < v <= 1 for v in row.metrics.values()), (row.source, row.model)
        assert row.measured_on.get("modalities"), row.source  # every table says what it was measured on


def test_liar_rows_are_wangs_confirmed_test_accuracies():
    liar = {r.model: r.metrics["accuracy"] for r in paper_rows("liar", "six-class", "official")}
    assert liar == {
        "Bi-LSTMs": 0.233,
        "CNNs": 0.270,
        "Hybrid CNNs Text + Speaker": 0.248,
        "Hybrid CNNs Text + All": 0.274,
    }
    assert all("Table 2" in r.source for r in paper_rows("liar", "six-class"))


def test_liar_text_only_run_keeps_the_text_models_and_marks_the_hybrids():
    run = {"modalities": ["text"], "subset": "LIAR v1.0"}
    found = {p.row.model: p for p in select_published("liar", "six-class", ["official"], run)}
    assert found["CNNs"].comparable and found["Bi-LSTMs"].comparable
    hybrid = found["Hybrid CNNs Text + All"]
    assert not hybrid.comparable and "lacks meta-data" in hybrid.mismatches[0]
    assert not found["Hybrid CNNs Text + Speaker"].comparable


def test_fakenewsnet_rows_compare_only_with_a_politifact_run_on_article_text():
    assert paper_row("fakenewsnet", "binary", "CNN", "all")[0].metrics == {"accuracy": 0.629}
    text_run = {"modalities": ["text"], "subset": "FakeNewsNet politifact", "label_mapping": "fake/real"}
    found = {p.row.model: p for p in select_published("fakenewsnet", "binary", ["all"], text_run)}
    assert {m for m, p in found.items() if p.comparable} == {
        "SVM",
        "Logistic Regression",
        "Naive Bayes",
        "CNN",
    }
    assert "lacks social context" in found["SAF"].mismatches[0]
    both = {**text_run, "subset": "FakeNewsNet gossipcop+politifact"}  # the paper reports each source apart
    assert not any(p.comparable for p in select_published("fakenewsnet", "binary", ["all"], both))


def test_fakenewsnet_release_csv_import_has_titles_only_so_no_paper_row_is_comparable(tmp_path):
    ws = Workspace(tmp_path / "ws")
    report = import_fakenewsnet(ws, FakeNewsNetConfig(REAL / "fakenewsnet" / "politifact_fake.csv"))
    run = inputs_of(ws.read("records"), report.conditions)
    assert run["modalities"] == ["title"] and run["subset"] == "FakeNewsNet politifact"
    found = select_published("fakenewsnet", "binary", ["all"], run)
    assert found and not any(p.comparable for p in found)
    assert all(any("lacks text" in m for m in p.mismatches) for p in found)
