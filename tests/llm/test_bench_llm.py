"""End to end through the CLI against a local OpenAI-compatible server: ``bench binary`` with the prompted LLMs
(identical numbers from the cache on a rerun, no call spent) and ``bench style-robustness``."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from finefake.cli import app
from finefake.dataset.synthetic import write_synthetic

from .openai_server import ChatHandler

pytestmark = pytest.mark.slow


@pytest.fixture
def served(httpserver):
    handler = ChatHandler()
    httpserver.expect_request("/v1/chat/completions").respond_with_handler(handler)
    return handler, httpserver.url_for("/v1")


def _metrics(out):
    results = json.loads((out / "binary" / "results.json").read_text())
    return {r["model"]: r["metrics"]["macro_f1"]["mean"] for r in results["results"]}


def test_bench_binary_with_the_prompted_llms_on_a_server_and_from_the_cache(
    workspace, served, tmp_path, monkeypatch
):
    handler, url = served
    monkeypatch.setenv("FINEFAKE_LLM_API_KEY", "sk-e2e-secret-42")
    write_synthetic(workspace, 40, seed=5)
    args = ["-w", str(workspace.root), "bench", "binary", "--models", "llm-zero,llm-few", "--seeds", "2"]
    args += ["--llm-endpoint", url, "--llm-model", "test-model"]
    first = CliRunner().invoke(app, args + ["--out", str(tmp_path / "a")])
    assert first.exit_code == 0, first.output
    calls = len(handler.seen)
    assert calls > 0 and all(r["json"]["model"] == "test-model" for r in handler.seen)
    run = json.loads((tmp_path / "a" / "binary" / "runs" / "llm-few" / "all" / "seed-1.json").read_text())
    llm = run["fit_info"]["llm"]
    assert llm["model"] == "server:test-model" and llm["modality"] == "text" and len(llm["shots"]) == 4
    assert llm["usage"]["calls"] + llm["usage"]["cached"] == run["sizes"]["test"]
    assert run["params"]["llm_endpoint"] == url
    assert handler.seen[0]["headers"]["Authorization"] == "Bearer sk-e2e-secret-42"
    assert not any(b"sk-e2e-secret-42" in p.read_bytes() for p in (tmp_path / "a").rglob("*") if p.is_file())
    assert "sk-e2e-secret-42" not in first.output
    again = CliRunner().invoke(app, args + ["--out", str(tmp_path / "b")])
    assert again.exit_code == 0, again.output
    assert len(handler.seen) == calls  # every answer from the response cache
    assert _metrics(tmp_path / "a") == _metrics(tmp_path / "b")
    rerun = json.loads((tmp_path / "b" / "binary" / "runs" / "llm-zero" / "all" / "seed-0.json").read_text())
    assert rerun["fit_info"]["llm"]["usage"]["calls"] == 0 and rerun["fit_info"]["llm"]["usage"]["cached"] > 0


def test_style_robustness_shows_each_models_drop(workspace, served, tmp_path):
    handler, url = served
    write_synthetic(workspace, 40, seed=6)
    args = ["-w", str(workspace.root), "bench", "style-robustness", "--models", "majority,logreg,llm-zero"]
    args += [
        "--styles",
        "wire,tabloid",
        "--llm-endpoint",
        url,
        "--llm-model",
        "test-model",
        "--out",
        str(tmp_path),
    ]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    results = json.loads((tmp_path / "style-robustness" / "results.json").read_text())
    assert results["styles"] == ["wire", "tabloid"] and results["template"] == "restyle@v1"
    rows = {r["model"]: r for r in results["results"]}
    assert set(rows) == {"majority", "logreg", "llm-zero"}
    for row in rows.values():
        assert set(row["drop"]) == {"wire", "tabloid"}
        for style in ("wire", "tabloid"):
            assert row["drop"][style] == pytest.approx(row["scores"]["original"] - row["scores"][style])
    restyle = [r["json"] for r in handler.seen if not r["json"].get("logprobs")]
    assert len(restyle) == 2 * results["test_items"]  # each test item once per style
    restyled = list(workspace.read("style-tabloid"))
    originals = {r["id"]: r for r in workspace.read("records")}
    changed = [r for r in restyled if r["text"] != originals[r["id"]]["text"]]
    assert len(changed) == results["test_items"]  # only the test items are rewritten
    table = (tmp_path / "style-robustness" / "table.md").read_text()
    assert "restyle@v1" in (tmp_path / "style-robustness" / "prompts.md").read_text()
    assert "| logreg |" in table and "tabloid (drop)" in table and "mean drop" in table
