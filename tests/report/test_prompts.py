"""The report's prompt section: each template a run used, with its text, the LLM, backend and modality."""

from __future__ import annotations

import json
import shutil

from finefake.llm.prompts import load_template
from finefake.report import write_report
from finefake.report.prompts import llm_runs, prompts_section
from finefake.workspace import Workspace


def _run(folder, model, seed, llm):
    path = folder / "runs" / model / "all" / f"seed-{seed}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"model": model, "seed": seed, "fit_info": {"llm": llm}}), encoding="utf-8")


def _results(tmp_path):
    folder = tmp_path / "binary"
    vision = {"model": "server:vlm", "backend": "server", "template": "detect-binary@v1"}
    for seed in (0, 1):
        _run(folder, "llm-few", seed, {**vision, "modality": "text+image", "images": {"with_image": 3, "without_image": 1}})  # fmt: skip
    _run(
        folder, "arg", 0, {"templates": ["arg-td@v2", "arg-cs@v2"], "modality": "text", "role": "rationales"}
    )
    _run(folder, "logreg", 0, None)  # no LLM: not listed
    _run(folder, "llm-zero", 0, {"model": "local:x", "backend": "local", "template": "detect-binary@v0"})
    return [{"task": "binary", "_folder": folder}]


def test_each_llm_run_with_its_templates_modality_and_images(tmp_path):
    rows = {(r["detector"], r["model"]): r for r in llm_runs(_results(tmp_path))}
    assert set(rows) == {("llm-few", "server:vlm"), ("arg", ""), ("llm-zero", "local:x")}
    few = rows["llm-few", "server:vlm"]
    assert few["modality"] == "text+image" and few["images"] == {"with_image": 6, "without_image": 2}
    html = prompts_section(_results(tmp_path))
    for name in ("detect-binary", "arg-td", "arg-cs"):
        template = load_template(name)
        assert f"<h4>{template.tag}</h4>" in html
        assert template.system.strip().split()[0] in html  # the template's own text is shown
    assert "text+image" in html and "6 with / 2 without" in html
    assert "detect-binary@v0" in html and "ships detect-binary@v1" in html  # an old version is not faked
    assert "logreg" not in html


def test_no_llm_run_no_section(tmp_path):
    folder = tmp_path / "binary"
    _run(folder, "logreg", 0, None)
    assert prompts_section([{"task": "binary", "_folder": folder}]) is None


def test_the_report_page_shows_the_prompt_section(full_workspace, tmp_path):
    root = tmp_path / "ws"
    shutil.copytree(full_workspace.root, root)
    _run(root / "bench" / "binary", "llm-zero", 0, {"model": "local:m", "backend": "local", "template": "detect-binary@v1", "modality": "text"})  # fmt: skip
    result = write_report(Workspace(root), tmp_path / "report.html")
    html = (tmp_path / "report.html").read_text(encoding="utf-8")
    assert "prompts" in result.sections and "Prompt templates" in html and "detect-binary@v1" in html
