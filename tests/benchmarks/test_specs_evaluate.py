"""Tasks as data (FineFake's six unchanged), ``finefake evaluate`` and the published-numbers table."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from finefake.benchmarks.evaluate import Predictions, read_predictions, score_setting
from finefake.benchmarks.published import paper_markdown, paper_row
from finefake.benchmarks.specs import DatasetItems, build_task_settings, dataset_tasks, find_task
from finefake.benchmarks.tasks import TASKS, ItemTable, build_settings
from finefake.cli import app
from finefake.dataset.importers.liar import LiarConfig, import_liar
from finefake.dataset.specs import dataset_names, load_spec
from finefake.dataset.synthetic import write_synthetic
from finefake.errors import FinefakeError
from finefake.workspace import Workspace
from tests.dataset.importers import formats


@pytest.fixture(scope="module")
def liar_ws(tmp_path_factory) -> Workspace:
    root = tmp_path_factory.mktemp("liar")
    formats.liar_bulk(root / "liar", 3000, seed=4)
    ws = Workspace(root / "ws")
    import_liar(ws, LiarConfig(root / "liar"))
    return ws


def test_finefake_tasks_as_specs_give_the_same_settings(tmp_path):
    ws = Workspace(tmp_path)
    write_synthetic(ws, 240, seed=7)
    records = list(ws.read("records"))
    old, new = ItemTable.from_records(records), DatasetItems.from_records(records, load_spec("finefake"))
    tasks = {name: d for name, d in dataset_tasks("finefake").items() if d.kind != "temporal"}
    assert list(tasks) == list(TASKS)  # temporal (issue 28) has no built-in counterpart
    for name, definition in tasks.items():
        assert definition.task_spec() == TASKS[name]
        for seed in (0, 3):
            before, after = (
                build_settings(name, old, split_seed=seed),
                build_task_settings(definition, new, split_seed=seed),
            )
            assert [(s.name, s.source, s.target, s.skipped) for s in before] == [
                (s.name, s.source, s.target, s.skipped) for s in after
            ]
            for a, b in zip(before, after, strict=True):
                for part in ("train", "validation", "test"):
                    assert np.array_equal(getattr(a, part), getattr(b, part)), (name, a.name, part)


def test_every_shipped_spec_validates():
    for dataset in dataset_names():
        for definition in dataset_tasks(dataset).values():
            assert definition.class_names and definition.metrics and len(definition.spec_hash()) == 16
    assert find_task("mediaeval", "event-da").leave_one_out == "event"
    with pytest.raises(FinefakeError, match="its tasks: six-class, binary"):
        find_task("liar", "fine-grained")


def test_official_split_without_validation_takes_it_from_train(tmp_path):
    formats.mediaeval_2015(tmp_path / "corpus")
    from finefake.dataset.importers.mediaeval import MediaEvalConfig, import_mediaeval

    ws = Workspace(tmp_path / "ws")
    import_mediaeval(ws, MediaEvalConfig(tmp_path / "corpus"))
    items = DatasetItems.from_records(ws.read("records"), load_spec("mediaeval"))
    (setting,) = build_task_settings(find_task("mediaeval", "binary"), items)
    test_ids = {items.ids[i] for i in setting.test}
    assert test_ids == {"mediaeval:200", "mediaeval:201", "mediaeval:202"}  # exactly the official testset
    assert len(setting.validation) >= 1 and not set(setting.validation) & set(setting.train)
    events = build_task_settings(find_task("mediaeval", "event-da"), items)
    assert [s.target for s in events] == ["boston", "eclipse", "garissa", "nepal", "sandy", "sochi"]


def _truth_file(path, ids, labels, classes, shuffle_seed=None):
    labels = np.asarray(labels)
    if shuffle_seed is not None:
        labels = np.random.default_rng(shuffle_seed).permutation(labels)
    path.write_text(
        "id,prediction\n" + "".join(f"{i},{classes[y]}\n" for i, y in zip(ids, labels, strict=True)), "utf-8"
    )
    return path


def test_evaluate_truth_is_perfect_and_shuffled_is_chance(liar_ws, tmp_path):
    task = find_task("liar", "six-class")
    items = DatasetItems.from_records(liar_ws.read("records"), load_spec("liar"))
    (setting,) = build_task_settings(task, items)
    ids, truth = [items.ids[i] for i in setting.test], items.labels["six_way"][setting.test]
    perfect = read_predictions(
        _truth_file(tmp_path / "p.csv", ids, truth, task.class_names), task.class_names
    )
    assert score_setting(task, setting, items, perfect)["metrics"]["accuracy"] == 1.0
    chance = float(np.sum((np.bincount(truth, minlength=6) / len(truth)) ** 2))  # E[acc] of a permutation
    accs = []
    for seed in range(20):
        shuffled = _truth_file(tmp_path / f"s{seed}.csv", ids, truth, task.class_names, shuffle_seed=seed)
        accs.append(
            score_setting(task, setting, items, read_predictions(shuffled, task.class_names))["metrics"][
                "accuracy"
            ]
        )
    assert abs(np.mean(accs) - chance) < 0.02 and 0.12 < chance < 0.22


def test_evaluate_cli_end_to_end_with_probabilities(liar_ws, tmp_path):
    items = DatasetItems.from_records(liar_ws.read("records"), load_spec("liar"))
    (setting,) = build_task_settings(find_task("liar", "binary"), items)
    rows = [
        {"id": items.ids[i], "probabilities": [0.2, 0.8] if items.labels["binary"][i] == 1 else [0.9, 0.1]}
        for i in setting.test
    ]
    path = tmp_path / "probs.json"
    path.write_text(json.dumps({"predictions": rows}), "utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["-w", str(liar_ws.root), "evaluate", str(path), "--task", "binary", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    results = json.loads((out / "binary" / "results.json").read_text())
    assert results["dataset"] == "liar" and results["results"][0]["metrics"]["accuracy"]["mean"] == 1.0
    run = json.loads(next((out / "binary" / "runs" / "probs").rglob("seed-0.json")).read_text())
    assert run["provenance"]["task_spec_hash"] == find_task("liar", "binary").spec_hash()
    assert "| probs | 100.00" in (out / "binary" / "table.md").read_text()
    constant = tmp_path / "constant.csv"
    constant.write_text("id,prediction\n" + "".join(f"{r['id']},real\n" for r in rows), "utf-8")
    result = CliRunner().invoke(
        app, ["-w", str(liar_ws.root), "evaluate", str(constant), "-t", "binary", "--out", str(out)]
    )
    assert result.exit_code == 0 and "Degenerate (one predicted class) in: official" in result.output


def test_evaluate_rejects_bad_predictions_naming_line_and_field(liar_ws, tmp_path):
    classes = find_task("liar", "six-class").class_names
    bad = tmp_path / "bad.csv"
    bad.write_text("id,prediction\nliar:1.json,false\nliar:2.json,sorta\n", "utf-8")
    with pytest.raises(FinefakeError, match=r"bad.csv:3 field 'prediction'"):
        read_predictions(bad, classes)
    (tmp_path / "few.csv").write_text("id,prediction\nliar:1.json,false\n", "utf-8")
    result = CliRunner().invoke(
        app, ["-w", str(liar_ws.root), "evaluate", str(tmp_path / "few.csv"), "-t", "six-class"]
    )
    assert result.exit_code != 0 and "predictions miss" in str(result.exception)
    assert Predictions(tmp_path).lookup("x", "y") is None


def test_published_numbers_and_paper_rows():
    assert paper_row("finefake", "binary", "kean", "all")[0].metrics["accuracy"] == 0.790
    assert paper_row("finefake", "fine-grained", "KEAN", "all")[0].metrics["macro_f1"] == 0.638
    assert paper_row("finefake", "topic-da", "KEAN", "ST: P+B+H+S -> entertainment")[0].metrics == {
        "accuracy": 0.922, "weighted_f1": 0.917
    }  # fmt: skip
    assert paper_row("finefake", "platform-da", "KEAN", "OF -> FC")[0].metrics["weighted_f1"] == 0.606
    assert (
        paper_row("finefake", "dual-da", "EANN", "conflict@FC -> politics@ST")[0].metrics["accuracy"] == 0.686
    )
    assert paper_row("mediaeval", "binary", "MMFND", "official")[0].metrics["accuracy"] == 0.896
    assert paper_row("mediaeval", "binary", "COOLANT", "official")[0].metrics["f1_real"] == 0.901
    assert paper_row("finefake", "binary-kg", "SAFE", "all") == []  # "/" in the paper: not reported
    block = paper_markdown("finefake", "binary", ["all"])
    assert "| paper: KEAN | 79.0 | 79.1 | 77.9 | 78.5 |" in block
    assert paper_row("liar", "six-class", "CNNs", "official")[0].metrics == {"accuracy": 0.270}
    assert "Table 2" in paper_row("liar", "six-class", "CNNs", "official")[0].source  # Wang (2017)
    assert paper_markdown("liar", "binary", ["official"]) == ""  # Wang reports six classes only
