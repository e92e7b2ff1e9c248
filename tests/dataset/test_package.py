from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from datasets import load_dataset, load_from_disk
from typer.testing import CliRunner

from finefake.contract import (
    ALL_PLATFORMS,
    FINE_GRAINED_NAMES,
    LABEL_NAMES,
    PLATFORM_GROUPS,
    PLATFORMS,
    TOPICS,
)
from finefake.dataset.card import table3
from finefake.dataset.features import row_to_record
from finefake.dataset.package import PackageConfig, load_dataset_dir, package
from finefake.dataset.synthetic import generate_records
from finefake.errors import FinefakeError
from finefake.records import RecordError
from finefake.workspace import Workspace

CORE = (
    "id",
    "platform",
    "platform_group",
    "topic",
    "url",
    "title",
    "text",
    "authors",
    "published",
    "label",
    "fine_grained_label",
    "duplicate_cluster",
    "metadata",
    "relation_triples",
    "attribute_triples",
    "annotations",
    "fact_check",
)


def _records(ws: Workspace) -> dict[str, dict]:
    return {r["id"]: r for r in ws.read("records")}


def test_round_trip_rows_class_names_and_split_sizes(packaged):
    ws, report = packaged
    records = _records(ws)
    loaded = load_from_disk(str(ws.root / "dataset" / "hf"))
    assert list(loaded) == ["train", "validation", "test"]
    sizes = {name: len(split) for name, split in loaded.items()}
    assert sizes == report.splits and sum(sizes.values()) == len(records) == 300
    for name, ratio in (("train", 0.6), ("validation", 0.2), ("test", 0.2)):
        assert abs(sizes[name] - ratio * 300) <= 6, sizes
    features = loaded["train"].features
    assert features["label"].names == list(LABEL_NAMES)
    assert features["fine_grained_label"].names == list(FINE_GRAINED_NAMES)
    assert features["topic"].names == list(TOPICS)
    # the release's eight keep their ids; the appended fact-check platforms follow them
    assert features["platform"].names == list(ALL_PLATFORMS)
    assert features["platform"].names[:8] == list(PLATFORMS)
    assert features["platform_group"].names == list(PLATFORM_GROUPS)
    assert features["annotations"].feature["label"].names == list(LABEL_NAMES)
    seen = set()
    for split in loaded.values():
        for row in split:
            record = records[row["id"]]
            back = row_to_record(row, features)
            for key in CORE:
                assert back[key] == record[key], (row["id"], key)
            assert [e["qid"] for e in back["entities"]] == [e["qid"] for e in record["entities"]]
            assert [c["text"] for c in back["comments"]] == [c["text"] for c in record["comments"]]
            assert [i["sha256"] for i in back["images"]] == [i["sha256"] for i in record["images"]]
            assert (row["image"] is None) == (not record["images"])
            if record["images"]:
                assert row["image"].size == (record["images"][0]["width"], record["images"][0]["height"])
            seen.add(row["id"])
    assert seen == set(records)


def test_near_duplicate_clusters_never_cross_splits(packaged):
    ws, _ = packaged
    records = _records(ws)
    splits = json.loads((ws.root / "dataset" / "splits.json").read_text())
    clusters: dict[str, set[str]] = {}
    for item, split in splits.items():
        cluster = records[item]["duplicate_cluster"]
        if cluster:
            clusters.setdefault(cluster, set()).add(split)
    assert clusters, "the synthetic data should contain near-duplicate clusters"
    assert all(len(s) == 1 for s in clusters.values())


def test_parquet_loads_back_with_class_names_and_same_rows(packaged, tmp_path):
    ws, report = packaged
    folder = ws.root / "dataset"
    files = sorted(p.name for p in (folder / "parquet").glob("*.parquet"))
    assert files == sorted(Path(f).name for f in report.parquet_files)
    data_files = {s: str(folder / "parquet" / f"{s}-*.parquet") for s in ("train", "validation", "test")}
    loaded = load_dataset("parquet", data_files=data_files, cache_dir=str(tmp_path / "cache"))
    disk = load_from_disk(str(folder / "hf"))
    for name in disk:
        assert loaded[name].features == disk[name].features
        assert loaded[name]["id"] == disk[name]["id"]
        assert loaded[name]["label"] == disk[name]["label"]
    assert loaded["train"].features["topic"].names == list(TOPICS)
    via_helper = load_dataset_dir(folder, source="parquet", cache_dir=tmp_path / "cache2")
    assert {k: len(v) for k, v in via_helper.items()} == report.splits


def test_card_yaml_points_at_files_and_holds_table3(packaged):
    ws, report = packaged
    folder = ws.root / "dataset"
    text = (folder / "README.md").read_text()
    assert text.startswith("---\n")
    meta = yaml.safe_load(text.split("---\n")[1])
    assert meta["language"] == ["en"] and meta["license"] == "unknown"
    assert meta["size_categories"] == ["n<1K"]
    assert "text-classification" in meta["task_categories"]
    for entry in meta["configs"][0]["data_files"]:
        assert list(folder.glob(entry["path"])), entry
    assert {s["name"]: s["num_examples"] for s in meta["dataset_info"]["splits"]} == report.splits
    records = list(ws.read("records"))
    stats = table3(records)
    politics = [r for r in records if r["topic"] == "politics"]
    row = stats.by_topic["politics"]
    assert row.total == len(politics) and row.real == sum(r["label"] for r in politics)
    assert row.avg_words == pytest.approx(sum(len(r["text"].split()) for r in politics) / len(politics))
    assert row.avg_entities == pytest.approx(sum(len(r["entities"]) for r in politics) / len(politics))
    assert stats.overall.total == 300 and stats.overall.real + stats.overall.fake == 300
    assert f"| Politics | {row.total} | {row.real} | {row.fake} |" in text
    assert table3(load_from_disk(str(folder / "hf"))).as_dict() == stats.as_dict()


def test_same_seed_same_output_other_seed_other_split(tmp_path):
    outputs = []
    for name, seed in (("a", 1), ("b", 1), ("c", 2)):
        ws = Workspace(tmp_path / name)
        ws.write_records("records", "record", generate_records(90, seed=4, workspace=ws))
        package(ws, PackageConfig(seed=seed))
        tables = {
            p.name: pq.read_table(p) for p in sorted((ws.root / "dataset" / "parquet").glob("*.parquet"))
        }
        outputs.append(
            (
                (ws.root / "dataset" / "splits.json").read_text(),
                tables,
                (ws.root / "dataset" / "README.md").read_text(),
            )
        )
    (splits_a, tables_a, card_a), (splits_b, tables_b, card_b), (splits_c, _, _) = outputs
    assert splits_a == splits_b and card_a == card_b
    assert tables_a.keys() == tables_b.keys()
    assert all(tables_a[k].equals(tables_b[k]) for k in tables_a)
    assert splits_a != splits_c


def test_missing_image_file_is_counted_not_fatal(tmp_path):
    ws = Workspace(tmp_path / "ws")
    records = generate_records(30, seed=2, workspace=ws)
    ws.write_records("records", "record", records)
    victim = next(r for r in records if r["images"])
    ws.images.path(victim["images"][0]["path"]).unlink()
    sharing = sum(1 for r in records if r["images"] and r["images"][0]["path"] == victim["images"][0]["path"])
    report = package(ws)
    assert report.missing_images == sharing + sum(1 for r in records if not r["images"])
    assert "no lead image" in (ws.root / "dataset" / "README.md").read_text()
    manifest = ws.load_manifest("dataset")
    assert manifest["status"] == "completed" and manifest["counts"]["missing_images"] == report.missing_images


def test_bad_record_is_named_and_previous_package_kept(tmp_path):
    ws = Workspace(tmp_path / "ws")
    records = generate_records(20, seed=3, workspace=ws)
    ws.write_records("records", "record", records)
    package(ws)
    before = (ws.root / "dataset" / "splits.json").read_text()
    records[4]["label"] = 7
    ws.write_records("records", None, records)
    with pytest.raises((RecordError, FinefakeError), match=rf"{records[4]['id']}.*label"):
        package(ws)  # fast path: Arrow rejects the row, the schema check names it
    with pytest.raises(RecordError, match="label"):
        package(ws, PackageConfig(validate=True))
    assert (ws.root / "dataset" / "splits.json").read_text() == before
    assert ws.load_manifest("dataset")["status"] == "failed"
    assert not list((ws.root / "dataset").glob(".build-*"))


def test_no_records_is_a_readable_error(tmp_path):
    with pytest.raises(FinefakeError, match="no records"):
        package(Workspace(tmp_path / "empty"))


def test_cli_package(tmp_path):
    from finefake.cli import app

    ws = Workspace(tmp_path / "ws")
    ws.write_records("records", "record", generate_records(40, seed=1, workspace=ws))
    result = CliRunner().invoke(
        app, ["-w", str(ws.root), "package", "--seed", "2", "--splits", "8:1:1", "--license", "cc-by-4.0"]
    )
    assert result.exit_code == 0, result.output
    sizes = Counter(json.loads((ws.root / "dataset" / "splits.json").read_text()).values())
    assert sizes["train"] > 2 * (sizes["validation"] + sizes["test"]) and sum(sizes.values()) == 40
    assert "license: cc-by-4.0" in (ws.root / "dataset" / "README.md").read_text()
    assert ws.load_manifest("dataset")["config"]["seed"] == 2
