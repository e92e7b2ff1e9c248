"""``annotate export --from-files`` on malformed tasks and on real exports with no usable annotation.

The real exports (tests/annotation/fixtures/real/label-studio, see SOURCES.md there) come from Label Studio's own
export converter: a JSON export, its CSV twin and image-annotation exports, none made with this project's label
config. Malformed tasks are the project's own JSON export with one thing broken.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from annotation.helpers import aligned_items, json_export, json_min_export

from finefake.cli import main
from finefake.workspace import Workspace

REAL = Path(__file__).resolve().parents[1] / "annotation" / "fixtures" / "real" / "label-studio"


def _export(monkeypatch, capsys, ws: Workspace, folder: Path) -> tuple[int, str]:
    argv = ["finefake", "-w", str(ws.root), "annotate", "export", "--from-files", str(folder)]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as info:
        main()
    out = capsys.readouterr()
    return info.value.code, " ".join((out.out + out.err).split())


@pytest.fixture
def ws(tmp_path) -> Workspace:
    ws = Workspace(tmp_path / "ws")
    ws.write_records("aligned", "aligned_item", aligned_items(4))
    return ws


def test_malformed_tasks_are_rejected_by_name_and_the_rest_read(ws, tmp_path, monkeypatch, capsys):
    items = aligned_items(4)
    export = json_export(items, {item["id"]: 0 for item in items}, user=1)
    export[0]["data"] = "not an object"
    export[1]["annotations"] = "not a list"
    export[2]["annotations"][0]["result"] = "not a list"
    folder = tmp_path / "exports"
    folder.mkdir()
    body = json.dumps(export)
    deep = '{"id": 99, "data": {"item_id": "x"}, "annotations": ' + "[" * 50_000 + "]" * 50_000 + "}"
    (folder / "alice.json").write_text(body[:-1] + ", " + deep + "]")
    code, output = _export(monkeypatch, capsys, ws, folder)
    assert code == 0 and "Traceback" not in output
    assert len(list(ws.read("annotations"))) == 1  # the one good task
    assert "4 of 5 task(s) had no usable annotation: 4 malformed (rejected)" in output
    report = json.loads((ws.root / "annotations" / "export_report.json").read_text())
    rejected = report["tasks"]["rejected"]
    assert rejected[0].startswith("alice.json task") and "data is a string, not an object" in rejected[0]
    assert "annotations is a string, not a list" in rejected[1]
    assert "annotations[0].result is a string, not a list" in rejected[2]
    assert rejected[3] == "alice.json task (#5): too deep"


@pytest.mark.parametrize(
    ("files", "said"),
    [
        (
            {"alice.json": "choices_export.json"},
            "1 label config mismatch (the exports' choices are named uri_selection",
        ),
        ({"alice.csv": "choices_export.csv"}, "1 no item_id in the task data"),
        (
            {"alice.json": "polygon_export.json", "bob.json": "rectangles_export.json"},
            "label config mismatch",
        ),
    ],
)
def test_real_exports_without_a_usable_annotation_say_why_and_exit_2(
    ws, tmp_path, monkeypatch, capsys, files, said
):
    before = list(ws.read("aligned"))
    good = tmp_path / "good"
    good.mkdir()
    (good / "carol.json").write_text(json.dumps(json_export(before, {i["id"]: 0 for i in before}, user=1)))
    assert _export(monkeypatch, capsys, ws, good)[0] == 0
    kept = list(ws.read("annotations"))
    folder = tmp_path / "exports"
    folder.mkdir()
    for name, source in files.items():
        shutil.copy(REAL / source, folder / name)
    code, output = _export(monkeypatch, capsys, ws, folder)
    assert code == 2 and output.startswith("error: no usable annotation in") and "Traceback" not in output
    assert said in output and "had no usable annotation" in output
    assert list(ws.read("annotations")) == kept  # the earlier export is kept


def test_json_min_rows_without_item_id_or_choices_are_counted(ws, tmp_path, monkeypatch, capsys):
    items = aligned_items(4)
    rows = json_min_export(items, {item["id"]: 0 for item in items})
    rows[0].pop("item_id")
    for row in rows[1:]:
        row["verdict"] = row.pop("binary")
        row.pop("fine_grained")
    folder = tmp_path / "exports"
    folder.mkdir()
    (folder / "alice.json").write_text(json.dumps(rows))
    code, output = _export(monkeypatch, capsys, ws, folder)
    assert code == 2
    assert (
        "4 of 4 task(s) had no usable annotation: 3 label config mismatch, 1 no item_id in the task data"
        in output
    )
