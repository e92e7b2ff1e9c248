"""The README stays true to the code: its detectors are the registry's, its typical use names every verb."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from finefake.baselines.registry import list_models
from finefake.cli import PIPELINE_ORDER, app

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_detector_list_equals_the_registry():
    block = README.split("<!-- detectors:start -->", 1)[1].split("<!-- detectors:end -->", 1)[0]
    listed = re.findall(r"^\| `([^`]+)` \|", block, flags=re.M)
    assert sorted(listed) == list_models(), (
        "update the README's detector table from finefake/baselines/registry.py"
    )


def test_typical_use_names_every_verb_and_help_lists_them_in_pipeline_order():
    command = typer.main.get_command(app)
    verbs = command.list_commands(typer.Context(command))
    known = [v for v in verbs if v in PIPELINE_ORDER]
    assert known == [v for v in PIPELINE_ORDER if v in verbs] and verbs[: len(known)] == known
    block = README.split("## Typical use", 1)[1].split("\n## ", 1)[0]
    needed = [v for v in PIPELINE_ORDER if v in verbs and v not in ("demo", "evaluate")]
    missing = [v for v in needed if not re.search(rf"finefake(?: -w ws)? {re.escape(v)}\b", block)]
    assert not missing, f"README typical use lacks: {missing}"


def test_help_shows_no_value_placeholders_for_flags_and_never_breaks_a_paragraph():
    from typer.testing import CliRunner

    root = CliRunner().invoke(app, ["--help"]).output
    assert "<bool>" not in root and "<int>" not in root.split("--verbose", 1)[1].split("\n", 1)[0]

    def helps(typer_app):
        for info in typer_app.registered_commands:
            yield info.help or ""
        for group in typer_app.registered_groups:
            yield from helps(group.typer_instance)

    texts = list(helps(app))
    assert len(texts) > 20  # one paragraph per line: the terminal re-flows it, nothing is cut mid-sentence
    assert all("\n" not in paragraph for text in texts for paragraph in text.split("\n\n"))
