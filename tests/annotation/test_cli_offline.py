"""The whole loop from the command line with the offline file backend (no server)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from finefake.cli import app
from finefake.workspace import Workspace

from .helpers import aligned_items, json_export, simulate


def _run(args):
    result = CliRunner().invoke(app, args, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def test_offline_loop(tmp_path):
    items = aligned_items(40)
    ws = Workspace(tmp_path / "ws")
    ws.write_records("aligned", "aligned_item", items)
    base = ["--workspace", str(ws.root), "annotate"]
    _run(base + ["push", "--to-files", str(tmp_path / "tasks"), "-n", "5"])
    assert len(list((tmp_path / "tasks").glob("*.tasks.json"))) == 5

    exports = tmp_path / "exports"
    exports.mkdir()
    labels = simulate(items, [f"annotator-{i}" for i in range(1, 6)], seed=9, accuracy=0.7)
    for user, (name, per_item) in enumerate(labels.items(), 1):
        (exports / f"{name}.json").write_text(json.dumps(json_export(items, per_item, user=user)))
    _run(base + ["export", "--from-files", str(exports)])
    assert len(list(ws.read("annotations", "annotation"))) == 200

    _run(base + ["agreement"])
    out = ws.root / "annotations/agreement"
    assert {p.name for p in out.iterdir()} >= {
        "agreement.json",
        "agreement.md",
        "agreement.html",
        "kappa_heatmap_binary.png",
        "kappa_heatmap_fine_grained.png",
    }
    assert "| fine_grained | overall | 40 |" in (out / "agreement.md").read_text()

    _run(base + ["consensus", "--min-agreement", "0.8"])
    discussion = json.loads((ws.root / "records/discussion.json").read_text())
    decided = list(ws.read("records", "record"))
    assert discussion and len(decided) + len(discussion) == 40

    adjudication = tmp_path / "decisions.jsonl"
    adjudication.write_text(
        "\n".join(
            json.dumps({"item_id": d["item_id"], "fine_grained_label": "others", "adjudicator": "lead"})
            for d in discussion
        )
        + "\n"
    )
    _run(base + ["adjudicate", str(adjudication)])
    _run(base + ["consensus", "--min-agreement", "0.8"])
    final = {r["id"]: r for r in ws.read("records", "record")}
    assert len(final) == 40 and json.loads((ws.root / "records/discussion.json").read_text()) == []
    assert final[discussion[0]["item_id"]]["decision"]["method"] == "adjudicated"
    assert final[discussion[0]["item_id"]]["fine_grained_label"] == 5


def test_readable_errors(tmp_path):
    result = CliRunner().invoke(app, ["--workspace", str(tmp_path / "ws"), "annotate", "agreement"])
    assert result.exit_code != 0 and "annotate export" in str(result.exception)
    result = CliRunner().invoke(
        app,
        ["--workspace", str(tmp_path / "ws"), "annotate", "push"],
        env={"LABEL_STUDIO_URL": "", "LABEL_STUDIO_API_KEY": ""},
    )
    assert "LABEL_STUDIO_URL" in str(result.exception)
