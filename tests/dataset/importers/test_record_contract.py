"""The record contract's extension for other datasets leaves FineFake records exactly as strict as before."""

from __future__ import annotations

import pytest

from finefake.dataset.importers.common import new_record
from finefake.dataset.specs import binary_mapping, dataset_names, load_spec
from finefake.dataset.synthetic import generate_records
from finefake.records import RecordError, validate
from finefake.workspace import Workspace


def _other() -> dict:
    return new_record(
        "liar", "liar:1.json", platform="politifact", text="t", labels={"six_way": 2, "binary": 0},
        domains={"party": "none"}, split="train", label=0,
    )  # fmt: skip


def test_finefake_records_keep_the_strict_contract(tmp_path):
    (record,) = generate_records(1, seed=0, workspace=Workspace(tmp_path))
    validate("record", record)
    for field, value in (("platform", "web"), ("topic", None), ("fine_grained_label", None)):
        with pytest.raises(RecordError, match=field):
            validate("record", {**record, field: value})
    with pytest.raises(RecordError, match="platform"):  # naming the dataset 'finefake' changes nothing
        validate("record", {**record, "dataset": "finefake", "platform": "web"})
    validate("record", {**record, "dataset": "finefake"})


def test_other_datasets_carry_their_domains_and_label_spaces():
    validate("record", _other())
    for missing in ("labels", "domains"):
        with pytest.raises(RecordError, match=missing):
            validate("record", {k: v for k, v in _other().items() if k != missing})
    with pytest.raises(RecordError, match="topic"):
        validate("record", {**_other(), "topic": "knitting"})  # a topic, when given, is a FineFake topic
    with pytest.raises(RecordError, match="split"):
        validate("record", {**_other(), "split": "dev"})


def test_dataset_specs_name_their_classes():
    assert set(dataset_names()) >= {"mediaeval", "fakenewsnet", "liar", "fakeddit"}
    assert load_spec("liar").classes("six_way")[0] == "pants-fire"
    assert load_spec("fakeddit").classes("six_way")[5] == "manipulated content"
    assert binary_mapping("mediaeval") == {"fake": 0, "humor": 0, "real": 1}
