"""The column-wise record conversion used by ``package`` against the row-wise reference ``record_to_row``."""

from __future__ import annotations

import copy
import enum

import pyarrow as pa
import pytest

from finefake.contract import LABEL_NAMES, PLATFORMS, TOPICS
from finefake.dataset import features as features_module
from finefake.dataset.features import record_features, record_to_row, records_to_columns
from finefake.dataset.synthetic import generate_records
from finefake.errors import FinefakeError
from finefake.workspace import Workspace


@pytest.fixture(scope="module")
def workspace_records(tmp_path_factory) -> tuple[Workspace, list[dict]]:
    ws = Workspace(tmp_path_factory.mktemp("features") / "ws")
    records = generate_records(40, seed=7, workspace=ws)
    return ws, records


def _ipc_bytes(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return sink.getvalue().to_pybytes()


def test_columns_give_the_same_table_as_rows(workspace_records):
    ws, records = workspace_records
    records = copy.deepcopy(records)
    # Class values by name as well as by id, a lead image that is gone, and an item without images.
    records[0]["platform"] = PLATFORMS.index(records[0]["platform"])
    records[1]["topic"] = TOPICS.index(records[1]["topic"])
    records[2]["label"] = LABEL_NAMES[records[2]["label"]]
    records[3]["annotations"][0]["label"] = LABEL_NAMES[records[3]["annotations"][0]["label"]]
    records[4]["annotations"][0]["fine_grained_label"] = enum.IntEnum("Fine", "a b c")(3)  # an int look-alike
    victim = next(r for r in records[3:] if r["images"])
    victim = copy.deepcopy(victim) | {"id": "gone:1"}
    victim["images"][0]["path"] = "images/" + "0" * 64 + ".jpg"
    records.append(victim)
    records.append(copy.deepcopy(records[5]) | {"id": "bare:1", "images": []})

    schema = record_features().arrow_schema
    by_rows = pa.Table.from_pylist([record_to_row(r, ws.root) for r in records], schema=schema)
    columns = records_to_columns(records, ws.root)
    by_columns = pa.Table.from_arrays([columns[name] for name in schema.names], schema=schema)
    assert by_columns.equals(by_rows)
    assert _ipc_bytes(by_columns) == _ipc_bytes(by_rows)  # byte-identical save_to_disk output
    assert (
        columns["image"].null_count == sum(1 for r in by_rows.column("image").to_pylist() if r is None) >= 2
    )

    stored = records_to_columns(records, ws.root, embed_images=False)["image"]
    rows = [record_to_row(r, ws.root, embed_images=False)["image"] for r in records]
    assert stored.to_pylist() == rows
    assert _ipc_bytes(pa.table({"image": stored})) == _ipc_bytes(
        pa.table({"image": pa.array(rows, stored.type)})
    )


@pytest.mark.parametrize(
    ("index", "change", "message"),
    [
        (3, lambda r: r.pop("entities"), "required field 'entities' is missing"),
        (5, lambda r: r.update(platform="myspace"), "field 'platform': expected one of"),
        (6, lambda r: r.update(label=True), "field 'label': expected one of"),
        (
            7,
            lambda r: r["annotations"][0].update(fine_grained_label=9),
            r"annotations\[0\].fine_grained_label",
        ),
        (8, lambda r: r.update(decision="unanimous"), "does not follow the record schema"),
    ],
)
def test_bad_record_raises_the_row_wise_error(workspace_records, index, change, message):
    ws, records = workspace_records
    records = copy.deepcopy(records)
    change(records[index])
    with pytest.raises(FinefakeError) as row_error:
        record_to_row(records[index], ws.root)
    with pytest.raises(FinefakeError, match=message) as column_error:
        records_to_columns(records, ws.root)
    assert str(column_error.value) == str(row_error.value)
    assert records[index]["id"] in str(column_error.value)


def test_oversized_image_column_and_empty_split_match_the_rows(workspace_records, monkeypatch):
    ws, records = workspace_records
    schema = record_features().arrow_schema
    by_rows = pa.Table.from_pylist([record_to_row(r, ws.root) for r in records], schema=schema)
    monkeypatch.setattr(features_module, "BINARY_LIMIT", 10)  # forces the row-by-row image conversion
    columns = records_to_columns(records, ws.root)
    assert pa.Table.from_arrays([columns[name] for name in schema.names], schema=schema).equals(by_rows)
    empty = records_to_columns([], ws.root)
    assert pa.Table.from_arrays([empty[name] for name in schema.names], schema=schema).num_rows == 0
