"""Issue 28: a workspace is portable (copy, move, touch: resume), and changed data is recomputed like make."""

from __future__ import annotations

import json
import os
import shutil

from typer.testing import CliRunner

import finefake.benchmarks.runner as runner_module
from finefake.cli import app
from finefake.dataset.synthetic import write_synthetic
from finefake.workspace import Workspace

from .tinydata import featurize


def _bench(ws: Workspace, features: str) -> str:
    args = ["-w", str(ws.root), "bench", "binary", "--models", "majority,logreg", "--seeds", "1"]
    result = CliRunner().invoke(app, [*args, "--features", features])
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())  # the terminal may wrap the log line


def test_a_copied_workspace_resumes_and_edited_labels_are_recomputed(tmp_path, monkeypatch):
    ws = Workspace(tmp_path / "here" / "ws")
    write_synthetic(ws, 120, seed=3)
    records = list(ws.read("records"))
    features = str(featurize(records, ws).save(tmp_path / "features"))
    calls: list[tuple] = []
    original = runner_module.run_one

    def counting(task, setting, model, seed, *args, **kwargs):
        calls.append((setting.name, model))
        return original(task, setting, model, seed, *args, **kwargs)

    monkeypatch.setattr(runner_module, "run_one", counting)
    _bench(ws, features)
    assert sorted(calls) == [("all", "logreg"), ("all", "majority")]
    first = json.loads((ws.root / "bench" / "binary" / "results.json").read_text())

    # copy the workspace elsewhere and touch its (identical) split file: every finished run is reused
    moved = Workspace(shutil.copytree(ws.root, tmp_path / "elsewhere" / "ws"))
    os.utime(moved.root / "records" / "splits.json")
    calls.clear()
    _bench(moved, features)
    assert calls == []
    again = json.loads((moved.root / "bench" / "binary" / "results.json").read_text())
    assert again["results"] == first["results"]
    assert not (moved.root / "bench" / "binary" / "superseded").exists()

    # relabel one test item: both runs are recomputed, the old ones kept aside, the change named
    split = json.loads((moved.root / "records" / "splits.json").read_text())
    edited = next(r for r in records if split[r["id"]] == "test")
    edited["label"] = 1 - edited["label"]
    edited["fine_grained_label"] = 0 if edited["label"] == 1 else 3
    moved.write_records("records", "record", records)
    (moved.root / "records" / "splits.json").write_text(json.dumps(split))
    calls.clear()
    output = _bench(moved, features)
    assert sorted(calls) == [("all", "logreg"), ("all", "majority")]
    assert "2 finished run(s) no longer match (labels changed)" in output, output
    kept = sorted((moved.root / "bench" / "binary" / "superseded").rglob("seed-0.json"))
    assert [p.parent.parent.name for p in kept] == ["logreg", "majority"]
    # rerunning the same command now just resumes
    calls.clear()
    _bench(moved, features)
    assert calls == []
