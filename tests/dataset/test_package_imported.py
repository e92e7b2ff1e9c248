"""``finefake package`` on imported datasets: features of the dataset's own spec, its official split, a card.

The importers' small real-format files (tests/dataset/importers/formats.py) are imported, packaged and loaded
back with ``datasets.load_from_disk``: rows per split, ClassLabel names, domains and a round trip of records.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest
import yaml
from datasets import load_dataset, load_from_disk

from finefake.dataset.importers.fakeddit import FakedditConfig, import_fakeddit
from finefake.dataset.importers.fakenewsnet import FakeNewsNetConfig, import_fakenewsnet
from finefake.dataset.importers.liar import LiarConfig, import_liar
from finefake.dataset.importers.mediaeval import MediaEvalConfig, import_mediaeval
from finefake.dataset.layout import DatasetLayout
from finefake.dataset.package import PackageConfig, package
from finefake.dataset.specs import load_spec
from finefake.errors import FinefakeError
from finefake.workspace import Workspace
from tests.dataset.importers import formats


def _import(name: str, tmp_path: Path) -> Workspace:
    ws = Workspace(tmp_path / "ws")
    folder = tmp_path / name
    if name == "liar":
        formats.liar(folder)
        import_liar(ws, LiarConfig(folder))
    elif name == "mediaeval":
        formats.mediaeval_2015(folder)
        import_mediaeval(ws, MediaEvalConfig(folder, images=folder / "images"))
    elif name == "fakeddit":
        formats.fakeddit(folder)
        import_fakeddit(ws, FakedditConfig(folder, images=folder / "public_image_set"))
    else:
        formats.fakenewsnet(folder)
        import_fakenewsnet(ws, FakeNewsNetConfig(folder))
    return ws


def _packaged(name: str, tmp_path: Path):
    ws = _import(name, tmp_path)
    report = package(ws, PackageConfig())
    return ws, report, load_from_disk(str(ws.root / "dataset" / "hf"))


def _check_common(ws: Workspace, report, loaded) -> dict[str, dict]:
    """Splits as the import published them, rows per split, and every record back from its row."""
    records = {r["id"]: r for r in ws.read("records", "record")}
    published = json.loads((ws.root / "records" / "splits.json").read_text())
    packaged = json.loads((ws.root / "dataset" / "splits.json").read_text())
    assert packaged == published  # the import's (official) split, never re-cut
    assert {name: len(part) for name, part in loaded.items()} == dict(Counter(published.values()))
    assert report.splits == {name: len(part) for name, part in loaded.items()}
    assert (ws.root / "dataset" / "settings.json").is_file()
    layout = DatasetLayout.of(load_spec(next(iter(records.values()))["dataset"]), list(records.values()))
    for name, part in loaded.items():
        assert sorted(part["id"]) == sorted(i for i, s in published.items() if s == name)
        for row in part:
            assert layout.row_to_record(row) == records[row["id"]], row["id"]
    return records


def test_liar_six_way_binary_party_and_official_split(tmp_path):
    ws, report, loaded = _packaged("liar", tmp_path)
    records = _check_common(ws, report, loaded)
    features = loaded["train"].features
    assert features["six_way"].names == [
        "pants-fire",
        "false",
        "barely-true",
        "half-true",
        "mostly-true",
        "true",
    ]
    assert features["binary"].names == features["label"].names == ["fake", "real"]
    # the release's own split: 7 + 1 repaired train rows, 1 valid, 1 test; no part re-cut
    assert {k: len(v) for k, v in loaded.items()} == {"train": 8, "validation": 1, "test": 1}
    first = loaded["train"].filter(lambda r: r["id"] == "liar:2635.json")[0]
    assert features["six_way"].int2str(first["six_way"]) == "false" and first["party"] == "republican"
    assert first["speaker"] == "dwayne-bohac" and first["subjects"] == ["abortion"]
    assert json.loads(first["metadata"])["credit_history"]["false"] == 1  # a dict stays in the JSON
    assert records["liar:2635.json"]["labels"] == {"six_way": 1, "binary": 0}
    card = (ws.root / "dataset" / "README.md").read_text()
    meta = yaml.safe_load(card.split("---\n")[1])
    assert meta["pretty_name"] == "LIAR (PolitiFact statements)" and meta["license"] == "unknown"
    assert "Liar, Liar Pants on Fire" in card and "| validation | 1 | the release's own |" in card
    assert "`six_way`: 0 = pants-fire, 1 = false" in card
    assert report.missing_images == 0  # a text-only dataset lacks no image


def test_mediaeval_events_images_and_a_validation_part_cut_from_train(tmp_path):
    ws, report, loaded = _packaged("mediaeval", tmp_path)
    records = _check_common(ws, report, loaded)
    features = loaded["train"].features
    assert features["veracity"].names == ["fake", "real", "humor"]
    assert features["event"].dtype == "string"
    events = {e for part in loaded.values() for e in part["event"]}
    assert events == {r["domains"]["event"] for r in records.values()}
    assert set(loaded["test"]["event"]) == {"eclipse", "garissa", "nepal"}  # the 2015 testset, as released
    with_image = [r for r in loaded["train"] if r["image"] is not None]
    assert with_image and all(len(records[r["id"]]["images"]) >= 1 for r in with_image)
    card = (ws.root / "dataset" / "README.md").read_text()
    assert "| validation | 1 | cut by finefake: 10% of the release's train part" in card
    croissant = json.loads((ws.root / "dataset" / "croissant.json").read_text())
    assert "Boididou" in croissant["citeAs"]
    assert {f["name"] for f in croissant["recordSet"][0]["field"]} >= {"veracity", "binary", "event"}


def test_fakeddit_three_label_spaces_and_parquet_matches_disk(tmp_path):
    ws, report, loaded = _packaged("fakeddit", tmp_path)
    _check_common(ws, report, loaded)
    features = loaded["train"].features
    assert features["two_way"].names == ["fake", "true"] and len(features["six_way"].names) == 6
    assert features["three_way"].names[1] == "fake with true text"
    assert set(loaded["train"]["subreddit"]) >= {"photoshopbattles", "nottheonion"}
    folder = ws.root / "dataset"
    files = {s: str(folder / "parquet" / f"{s}-*.parquet") for s in loaded}
    parquet = load_dataset("parquet", data_files=files, cache_dir=str(tmp_path / "cache"))
    for name in loaded:
        assert parquet[name].features == loaded[name].features and parquet[name]["id"] == loaded[name]["id"]


def test_fakenewsnet_without_official_split_keeps_the_imports(tmp_path):
    ws, report, loaded = _packaged("fakenewsnet", tmp_path)
    records = _check_common(ws, report, loaded)
    assert loaded["train"].features["source"].dtype == "string"
    assert {h for part in loaded.values() for h in part["host"]} == {
        r["domains"]["host"] for r in records.values()
    }
    card = (ws.root / "dataset" / "README.md").read_text()
    assert "the release has no split" in card


def test_imported_split_is_never_re_cut(tmp_path):
    ws = _import("liar", tmp_path)
    with pytest.raises(FinefakeError, match="keeps the split its import published"):
        package(ws, PackageConfig(ratios=(0.8, 0.1, 0.1)))
    assert not (ws.root / "dataset" / "hf").exists()


def test_mixed_datasets_are_refused(tmp_path):
    ws = _import("liar", tmp_path)
    records = list(ws.read("records"))
    records[0] = records[0] | {"dataset": "fakeddit"}
    ws.write_records("records", None, records, mode="replace")
    with pytest.raises(FinefakeError, match="mix datasets"):
        package(ws, PackageConfig())


def test_cli_package_of_an_import(tmp_path, capsys):
    from typer.testing import CliRunner

    from finefake.cli import app, run

    ws = _import("liar", tmp_path)
    runner = CliRunner()
    assert run(["-w", str(ws.root), "package", "--splits", "8:1:1"]) == 2  # one line, no traceback
    assert "error: liar keeps the split its import published" in capsys.readouterr().err
    result = runner.invoke(app, ["-w", str(ws.root), "package", "--license", "cc-by-4.0"])
    assert result.exit_code == 0, result.output
    assert "packaged 10 records (train 8, validation 1, test 1)" in result.output
    assert "license: cc-by-4.0" in (ws.root / "dataset" / "README.md").read_text()


def test_settings_file_lists_each_setting_compactly(tmp_path):
    from finefake.benchmarks.specs import part_ids

    ws, _, _ = _packaged("fakeddit", tmp_path)
    records = list(ws.read("records"))
    split = json.loads((ws.root / "dataset" / "splits.json").read_text())
    content = json.loads((ws.root / "dataset" / "settings.json").read_text())
    assert content["format"] == "finefake-settings/2" and sorted(content["ids"]) == sorted(split)
    (two_way,) = content["tasks"]["two-way"]["settings"]
    assert {part: sorted(part_ids(content, two_way[part])) for part in ("train", "validation", "test")} == {
        part: sorted(i for i, s in split.items() if s == part) for part in ("train", "validation", "test")
    }
    for setting in content["tasks"]["subreddit-da"]["settings"]:
        if setting["skipped"]:
            assert all(setting[p]["n"] == 0 for p in ("train", "validation", "test"))
            continue
        target = setting["target"]
        subreddit = {r["id"]: r["domains"].get("subreddit") for r in records}
        assert sorted(part_ids(content, setting["test"])) == sorted(
            i for i, s in subreddit.items() if s == target
        )
        train = part_ids(content, setting["train"])
        assert train and all(split[i] == "train" and subreddit[i] != target for i in train)
    broken = dict(two_way["test"], bits="not base64!")
    with pytest.raises(FinefakeError, match="not a bitset"):
        part_ids(content, broken)
