"""``bench`` on imports of real release samples says what it is measured on and shows published numbers only
beside comparable runs (issue 28: a text-only MediaEval run printed beside MMFND/COOLANT's multimodal rows)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from finefake.cli import app
from finefake.dataset.importers.liar import LiarConfig, import_liar
from finefake.dataset.importers.mediaeval import MediaEvalConfig, import_mediaeval
from finefake.features.featureset import FeatureSet
from finefake.workspace import Workspace

REAL = Path(__file__).parent / "fixtures" / "real"


def _features(records: list[dict], path: Path) -> Path:
    rng = np.random.default_rng(0)
    n = len(records)
    text = rng.normal(size=(n, 8)).astype(np.float32)
    text[:, 0] += 3 * np.asarray([r["label"] for r in records], dtype=np.float32)
    zeros = np.zeros((n, 4), dtype=np.float32)
    ids = [r["id"] for r in records]
    FeatureSet(ids, text, zeros, zeros, np.zeros(n, bool), np.zeros(n, bool), {"t": 1}).save(path)
    return path


def _bench(ws: Workspace, task: str, tmp_path: Path) -> tuple[str, dict, str]:
    features = _features(list(ws.read("records")), tmp_path / "features")
    out = tmp_path / "out"
    args = ["-w", str(ws.root), "bench", task, "--models", "majority,logreg", "--seeds", "1"]
    result = CliRunner().invoke(app, [*args, "--features", str(features), "--out", str(out)])
    assert result.exit_code == 0, result.output
    results = json.loads((out / task / "results.json").read_text())
    return result.output, results, (out / task / "table.md").read_text()


@pytest.mark.slow
def test_mediaeval_text_only_run_is_not_shown_beside_multimodal_papers(tmp_path):
    ws = Workspace(tmp_path / "ws")
    import_mediaeval(ws, MediaEvalConfig(REAL / "mediaeval", edition="2015"))
    output, results, table = _bench(ws, "binary", tmp_path)
    assert "image 0 of 89 -> benchmarks on text, no images" in output
    assert "subset: MediaEval 2015, all tweets" in output
    assert "published rows not comparable, left out" in output and "COOLANT" in output
    assert results["measured_on"]["modalities"] == ["text"]
    coolant = [p for p in results["published"] if p["model"] == "COOLANT"]
    assert coolant and not coolant[0]["comparable"]
    assert any(m.startswith("modalities: paper text+image") for m in coolant[0]["mismatches"])
    assert any(m.startswith("labels: paper fake/real") for m in coolant[0]["mismatches"])
    assert "| paper: COOLANT" not in table and "not comparable with this run" in table
    assert "Measured on: text; MediaEval 2015, all tweets; labels humor counted as fake" in table


@pytest.mark.slow
def test_liar_run_shows_wangs_text_only_rows_and_leaves_out_the_hybrids(tmp_path):
    ws = Workspace(tmp_path / "ws")
    import_liar(ws, LiarConfig(REAL / "liar"))
    output, results, table = _bench(ws, "six-class", tmp_path)
    assert "text 75 of 75" in output
    assert "| paper: Bi-LSTMs | 23.3 |" in table and "| paper: CNNs | 27.0 |" in table
    assert "Table 2" in table and "Hybrid CNNs Text + All" in table  # listed apart, not as a row
    assert "| paper: Hybrid CNNs" not in table
    comparable = {p["model"] for p in results["published"] if p["comparable"]}
    assert comparable == {"Bi-LSTMs", "CNNs"}


@pytest.mark.slow
def test_card_states_edition_subset_official_counts_and_modalities(tmp_path):
    from finefake.dataset.package import PackageConfig, package

    ws = Workspace(tmp_path / "ws")
    import_mediaeval(ws, MediaEvalConfig(REAL / "mediaeval", edition="2016", humor="drop"))
    package(ws, PackageConfig())
    card = (ws.root / "dataset" / "README.md").read_text()
    assert "## What was imported" in card and "- Edition: 2016." in card
    assert "- Subset: MediaEval 2016 without humor tweets." in card
    assert "devset (train) 15,629 posts: 9,404 fake, 6,225 real" in card
    assert "testset (test) 2,228 posts: 1,230 fake, 998 real" in card
    assert (
        "Modalities: text 114 of 114, title only 0, image 0 of 114 -> benchmarks on text, no images" in card
    )
