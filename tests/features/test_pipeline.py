from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from typer.testing import CliRunner

from finefake.dataset.synthetic import write_synthetic
from finefake.errors import FinefakeError
from finefake.features.featureset import FeatureSet
from finefake.features.knowledge import TransEConfig
from finefake.features.pipeline import FeatureConfig, compute_features
from finefake.workspace import Workspace

FAST_KG = TransEConfig(dim=16, epochs=5)


@pytest.fixture(scope="module")
def computed(feature_ws, minilm, lite0):
    """The default configuration computed once on the shared workspace (with the session encoders)."""
    return compute_features(
        feature_ws, FeatureConfig(transe=FAST_KG), text_encoder=minilm, image_encoder=lite0
    )


def _records(ws: Workspace) -> list[dict]:
    return list(ws.read("records"))


def test_features_line_up_with_the_records(feature_ws, computed, minilm):
    records = _records(feature_ws)
    assert computed.ids == [r["id"] for r in records]
    assert (
        computed.text.shape == (40, 384)
        and computed.image.shape == (40, 1280)
        and computed.kg.shape == (40, 16)
    )
    assert computed.image_mask.all()
    has_knowledge = np.array([bool(r["entities"] or r["relation_triples"]) for r in records])
    assert (computed.kg_mask == has_knowledge).all() and (~has_knowledge).any()
    assert not computed.kg[~has_knowledge].any()
    row = 5
    expected = minilm.encode([f"{records[row]['title']}\n{records[row]['text']}"])
    np.testing.assert_allclose(computed.text[row], expected[0], atol=1e-4)
    assert computed.meta["dims"] == {"text": 384, "image": 1280, "kg": 16}
    assert computed.meta["cached"] is False and computed.meta["text_encoder"] == "minilm"


def test_second_call_is_served_from_the_cache_without_encoding(
    feature_ws, computed, minilm, lite0, monkeypatch
):
    def refuse(*args, **kwargs):
        raise AssertionError("encoder called on a cache hit")

    monkeypatch.setattr(minilm, "encode", refuse)
    monkeypatch.setattr(lite0, "encode", refuse)
    again = compute_features(
        feature_ws, FeatureConfig(transe=FAST_KG), text_encoder=minilm, image_encoder=lite0
    )
    assert again.meta["cached"] is True and again.ids == computed.ids
    np.testing.assert_array_equal(again.image, computed.image)
    assert (
        FeatureSet.load(feature_ws.root / "features" / "sets" / computed.meta["set_key"]).ids == computed.ids
    )
    assert feature_ws.load_manifest("features")["counts"]["cached_set"] == 1


def test_a_new_knowledge_setting_recomputes_only_knowledge(feature_ws, computed, minilm, lite0, monkeypatch):
    monkeypatch.setattr(minilm, "encode", lambda *a, **k: pytest.fail("text recomputed"))
    monkeypatch.setattr(lite0, "encode", lambda *a, **k: pytest.fail("images recomputed"))
    other = compute_features(
        feature_ws,
        FeatureConfig(transe=TransEConfig(dim=8, epochs=3)),
        text_encoder=minilm,
        image_encoder=lite0,
    )
    assert other.kg.shape == (40, 8) and other.meta["set_key"] != computed.meta["set_key"]
    counts = feature_ws.load_manifest("features")["counts"]
    assert counts["cached_text"] == counts["cached_image"] == counts["computed_kg"] == 1


def test_missing_and_corrupt_images_are_masked_and_reported(tmp_path, minilm, lite0):
    ws = Workspace(tmp_path / "ws")
    write_synthetic(ws, 8, seed=5)
    records = _records(ws)
    (ws.root / records[1]["images"][0]["path"]).unlink()
    (ws.root / records[2]["images"][0]["path"]).write_bytes(b"\xff\xd8\xff not a jpeg")
    records[3]["images"] = []
    ws.write_records("records", "record", records)
    result = compute_features(ws, FeatureConfig(transe=FAST_KG), text_encoder=minilm, image_encoder=lite0)
    assert result.image_mask.tolist() == [True, False, False, False, True, True, True, True]
    assert not result.image[1:4].any() and np.isfinite(result.image).all()
    assert result.meta["image_dropped"] == {
        "image_missing": 1,
        "image_rejected:undecodable": 1,
        "no_image": 1,
    }
    assert result.meta["image_dropped_ids"] == [records[1]["id"], records[2]["id"]]


def test_bad_records_raise_errors_naming_the_item(tmp_path, minilm, lite0):
    ws = Workspace(tmp_path / "ws")
    with pytest.raises(FileNotFoundError, match="finefake synthesize"):
        compute_features(ws, text_encoder=minilm, image_encoder=lite0)
    write_synthetic(ws, 3, seed=5)
    records = _records(ws)
    ws.write_records("records", None, records + [records[0]])
    with pytest.raises(FinefakeError, match=f"item {records[0]['id']} appears twice"):
        compute_features(ws, text_encoder=minilm, image_encoder=lite0)
    records[1]["title"] = None
    ws.write_records("records", None, records)
    with pytest.raises(FinefakeError, match=f"item {records[1]['id']}: field 'title'"):
        compute_features(ws, text_encoder=minilm, image_encoder=lite0)
    with pytest.raises(FinefakeError, match="encodes image, not text"):
        compute_features(ws, FeatureConfig(text_encoder="efficientnet-lite0"))


@pytest.mark.slow
def test_cli_computes_then_reuses_the_cache(tmp_path, feature_ws):
    """End to end through the verb with the registry's own default encoders (one model load per run)."""
    from finefake.cli import app

    ws = Workspace(tmp_path / "ws")
    shutil.copytree(feature_ws.root / "records", ws.root / "records")
    shutil.copytree(feature_ws.root / "images", ws.root / "images")
    runner = CliRunner()
    args = ["-w", str(ws.root), "features", "--kg-dim", "16", "--kg-epochs", "5", "--batch-size", "16"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "40 items computed" in first.output and "text 384-d" in first.output
    assert "rationales" not in first.output  # the LLM's inputs only when named (minutes per item on a CPU)
    assert any((ws.root / "features" / "models").glob("*.onnx"))
    second = runner.invoke(app, args)
    assert second.exit_code == 0 and "40 items from the cache" in second.output
    manifest = json.loads((ws.root / "features" / "manifest.json").read_text())
    assert manifest["status"] == "completed" and manifest["counts"]["cached_set"] == 1
    bad = runner.invoke(app, ["-w", str(ws.root), "features", "--knowledge", "magic"])
    assert bad.exit_code != 0 and "knowledge must be one of" in str(bad.exception)
