"""The demo end to end on a small mini-web: every stage output validates against the schemas."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from finefake.cli import app
from finefake.demo.pipeline import STAGES, DemoConfig, match_truth, run_demo
from finefake.records import validate
from finefake.workspace import Workspace

STAGE_KINDS = {
    "crawl/snopes": "raw_item",
    "crawl/news": "raw_item",
    "crawl/reddit": "raw_item",
    "crawl/twitter": "raw_item",
    "clean": "news_item",
    "aligned": "aligned_item",
    "annotations": "annotation",
    "records": "record",
}


@pytest.mark.slow
def test_demo_end_to_end_and_resume(tmp_path, capfd):
    config = DemoConfig(out=tmp_path / "demo", items=48, seed=2, bench_seeds=2)
    seen: list[str] = []
    result = run_demo(config, report=lambda name, summary: seen.append(name))
    ws = Workspace(tmp_path / "demo" / "workspace")
    for stage, kind in STAGE_KINDS.items():
        for record in ws.read(stage):
            validate(kind, record)
    web = __import__("finefake.demo.miniweb", fromlist=["load_miniweb"]).load_miniweb(
        tmp_path / "demo" / "miniweb"
    )
    crawled = [r for s in ("crawl/snopes", "crawl/news", "crawl/reddit", "crawl/twitter") for r in ws.read(s)]
    assert {r["platform"] for r in crawled} == {r["platform"] for r in web.truth}
    assert all(match_truth(r, web) is not None for r in crawled)
    assert len(crawled) == len(
        web.truth
    )  # every planted item, nothing else (the robots-disallowed draft not)
    clean = json.loads((ws.root / "clean" / "report.json").read_text())
    assert clean["totals"]["kept"] + sum(clean["totals"]["dropped"].values()) == len(crawled)
    assert clean["totals"]["dropped"].get("near_duplicate", 0) >= 1
    assert seen == [name for name, _ in STAGES]
    from datasets import load_from_disk

    from finefake.baselines.registry import list_models

    dataset = load_from_disk(str(ws.root / "dataset" / "hf"))
    assert sum(len(split) for split in dataset.values()) == result.stages["package"]["records"]
    from finefake.benchmarks.tasks import TASK_NAMES
    from finefake.demo.pipeline import DEMO_MODELS

    assert sorted(result.stages["bench"]["tables"]) == sorted(TASK_NAMES)  # all six tasks
    assert result.stages["bench"]["models"] == [m for m in DEMO_MODELS if m in list_models()]
    for table in result.stages["bench"]["tables"].values():
        text = open(table, encoding="utf-8").read()
        assert all(model in text for model in DEMO_MODELS)
    page = (ws.root / "report" / "report.html").read_text(encoding="utf-8")
    sections = result.stages["report"]["sections"]
    assert sections == ["summary", "dataset", "agreement", "stats", "bench", "sample"]
    assert page.count('<h3 id="task-') == len(TASK_NAMES)
    kappas = [v for v in result.stages["annotate"]["agreement"].values() if isinstance(v, float)]
    assert kappas and all(0 < k < 1 for k in kappas)
    again = run_demo(config)
    assert again.skipped == [name for name, _ in STAGES]
    assert "Loading weights" not in capfd.readouterr().err  # a model loader's own bar stays out of the demo


def test_demo_verb_is_registered():
    result = CliRunner().invoke(app, ["demo", "--help"])
    assert result.exit_code == 0 and "--items" in result.output and "--models" in result.output


def test_demo_models_default_to_the_budget_set_and_all_means_the_registry(tmp_path, capsys):
    from finefake.baselines.registry import list_models, parse_model_names
    from finefake.cli import run
    from finefake.demo.pipeline import DEMO_MODELS, demo_models

    assert demo_models(DemoConfig()) == [m for m in DEMO_MODELS if m in list_models()]
    assert demo_models(DemoConfig(models=tuple(parse_model_names("all")))) == list_models()
    assert run(["demo", "-o", str(tmp_path), "--models", "logreg,nope,nada"]) == 2
    assert "unknown model(s) 'nope', 'nada'" in capsys.readouterr().err
