"""What a newcomer met on the way (issue 31), each checked on the CLI's output."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from finefake.cli import app, run

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")


def _help(args: list[str]) -> str:
    """A --help text as one line (box borders and the terminal's line breaks removed)."""
    return " ".join(CliRunner().invoke(app, [*args, "--help"]).output.replace("│", " ").split())


def _err(capsys) -> str:
    return " ".join(capsys.readouterr().err.split())


def test_ctrl_c_says_what_is_saved_and_how_to_resume(tmp_path, capsys, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("finefake.dataset.synthetic.write_synthetic", interrupted)
    status = run(["-w", str(tmp_path / "ws"), "synthesize", "-n", "5"])
    err = _err(capsys)
    assert status == 130
    assert "interrupted: finefake -w" in err and "synthesize -n 5 stopped" in err
    assert f"saved in {tmp_path / 'ws'}" in err and "Run the same command again to resume" in err


def test_model_typo_gets_did_you_mean(tmp_path, capsys):
    assert run(["-w", str(tmp_path), "bench", "binary", "--models", "majority,kaen"]) == 2
    assert "unknown model(s) 'kaen'; did you mean 'kan' or 'kean'?" in _err(capsys)


def test_missing_workspace_folder_is_named(tmp_path, capsys):
    assert run(["-w", str(tmp_path / "no-such-folder"), "bench", "binary"]) == 2
    err = _err(capsys)
    assert err.startswith("error: no records in") and err.count("error:") == 1
    assert f"the workspace folder {tmp_path / 'no-such-folder'} does not exist" in err


def test_report_next_to_the_demo_points_at_its_workspace(tmp_path, capsys, monkeypatch):
    (tmp_path / "finefake-demo" / "workspace" / "records").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    assert run(["report"]) == 2
    err = _err(capsys)
    assert "nothing to report" in err
    assert "the demo's workspace is finefake-demo/workspace: add -w finefake-demo/workspace" in err


@pytest.mark.parametrize("args", [["frobnicate"], ["bench", "frobnicate"], ["crawl", "frobnicate"]])
def test_unknown_command_in_the_one_error_form(tmp_path, capsys, args):
    assert run(["-w", str(tmp_path), *args]) == 2
    lines = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: ") and "No such command 'frobnicate'" in lines[0]
    assert "Error:" not in lines[0]


def test_config_values_checked_up_front_naming_file_section_and_key(tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        'package: {splits: "6:2"}\nfeatures: {text_encoder: minilm2}\nclean: {near_duplicates: kep}\n'
    )
    assert run(["-w", str(tmp_path / "ws"), "-c", str(bad), "stats"]) == 2  # before any stage runs
    err = _err(capsys)
    assert f"config file {bad}:" in err
    assert (
        "section 'clean', key 'near_duplicates': 'kep' is not one of 'drop', 'keep' (did you mean 'keep'?)"
        in err
    )
    assert "section 'features', key 'text_encoder': 'minilm2' is not one of" in err and "'minilm'?" in err
    assert "section 'package', key 'splits': '6:2' gives 2 ratios for 3 splits" in err


def test_one_documented_default_model_list():
    from finefake.baselines.registry import DEFAULT_MODELS
    from finefake.demo.pipeline import DEMO_MODELS

    assert DEMO_MODELS == DEFAULT_MODELS
    for verb in (["bench", "binary"], ["demo"]):
        text = _help(verb)
        assert "default: majority,logreg, the one default of bench and demo" in text, verb
    assert "[default: " + ",".join(DEFAULT_MODELS) + "]" in _help(["bench", "binary"])


def test_help_keeps_brackets_and_lists_the_engine_section():
    bench = _help(["bench", "binary"])
    assert "pip install 'finefake[ray]'" in bench
    assert "run (the model's num_threads, else 1); with" in bench and "run ; with" not in bench
    root = _help([])
    assert re.search(r"\(crawl, clean, align, package, features\) and engine", root)


def test_readme_says_how_long_commands_take_and_where_the_cpu_torch_is():
    assert "https://download.pytorch.org/whl/cpu" in README
    block = README.split("## How long each command takes", 1)[1].split("\n## ", 1)[0]
    for verb in ("demo", "crawl", "clean", "align-knowledge", "package", "features", "bench", "report"):
        assert f"`finefake {verb}" in block or f"finefake -w ws {verb}" in block, verb
