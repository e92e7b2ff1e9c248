"""croissant.json beside the dataset card: valid Croissant 1.0 (checked by mlcroissant) that reads the Parquet."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from finefake.cli import app
from finefake.dataset.card import license_url
from finefake.dataset.synthetic import write_synthetic
from finefake.workspace import Workspace

mlc = pytest.importorskip("mlcroissant", reason="mlcroissant is in the test extras")


def test_croissant_validates_and_reads_the_parquet_rows(packaged):
    ws, report = packaged
    path = ws.root / "dataset" / "croissant.json"
    dataset = mlc.Dataset(jsonld=str(path))  # raises on any validation error
    assert not dataset.metadata.issues.errors
    meta = json.loads(path.read_text())
    assert meta["conformsTo"] == "http://mlcommons.org/croissant/1.0"
    rows = list(dataset.records("items"))
    assert len(rows) == report.total
    ids = {row["items/id"].decode() for row in rows}
    assert len(ids) == report.total and all(row["items/label"] in (0, 1) for row in rows)


def test_license_option_and_config_key_reach_card_and_croissant(tmp_path):
    ws = Workspace(tmp_path / "ws")
    write_synthetic(ws, 40, seed=3)
    config = tmp_path / "c.yaml"
    config.write_text("package:\n  license: cc-by-4.0\n")
    result = CliRunner().invoke(app, ["-w", str(ws.root), "-c", str(config), "package"])
    assert result.exit_code == 0, result.output
    card = (ws.root / "dataset" / "README.md").read_text()
    assert "license: cc-by-4.0" in card and "License: cc-by-4.0." in card
    meta = json.loads((ws.root / "dataset" / "croissant.json").read_text())
    assert meta["license"] == "https://spdx.org/licenses/CC-BY-4.0.html"
    result = CliRunner().invoke(app, ["-w", str(ws.root), "-c", str(config), "package", "--license", "mit"])
    assert result.exit_code == 0, result.output
    meta = json.loads((ws.root / "dataset" / "croissant.json").read_text())
    assert meta["license"] == "https://spdx.org/licenses/MIT.html"


def test_unknown_license_ids_are_kept_as_given():
    assert license_url("Apache-2.0") == "https://spdx.org/licenses/Apache-2.0.html"
    assert license_url("other: ask the authors") == "other: ask the authors"
