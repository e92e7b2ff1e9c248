"""The annotation loop against a REAL Label Studio server (installed by scripts/install-label-studio.sh).

This test fails, never skips, when the server cannot start: set LABEL_STUDIO_BIN to the executable that the
install script prints (outside CI the repository's .venv-labelstudio is used when present).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest
import requests
from typer.testing import CliRunner

from finefake.cli import app
from finefake.contract import FINE_GRAINED_NAMES, LABEL_NAMES
from finefake.workspace import Workspace

from .helpers import aligned_items, simulate

pytestmark = [pytest.mark.slow, pytest.mark.labelstudio]
REPO = Path(__file__).resolve().parents[2]
ANNOTATORS = [f"annotator-{i}" for i in range(1, 6)]
N_ITEMS = 16


def _server_module():
    spec = importlib.util.spec_from_file_location(
        "ff_labelstudio_server", REPO / "scripts/labelstudio/server.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def server():
    module = _server_module()
    try:
        process = module.LabelStudioProcess().start()
    except module.LabelStudioUnavailable as exc:
        pytest.fail(f"Label Studio server could not start: {exc}", pytrace=False)
    try:
        yield module, process
    finally:
        process.stop()


def _invoke(args: list[str], env: dict[str, str]):
    result = CliRunner().invoke(app, args, env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def _result(fine: int) -> list[dict]:
    return [
        {
            "from_name": "binary",
            "to_name": "text",
            "type": "choices",
            "value": {"choices": [LABEL_NAMES[1 if fine == 0 else 0]]},
        },
        {
            "from_name": "fine_grained",
            "to_name": "text",
            "type": "choices",
            "value": {"choices": [FINE_GRAINED_NAMES[fine]]},
        },
    ]


def test_push_annotate_export_agreement_consensus(server, tmp_path):
    module, ls = server
    items = aligned_items(N_ITEMS)
    ws = Workspace(tmp_path / "ws")
    ws.write_records("aligned", "aligned_item", items)
    env = {"LABEL_STUDIO_URL": ls.url, "LABEL_STUDIO_API_KEY": ls.token}
    base = ["--workspace", str(ws.root), "annotate"]
    admin = {"Authorization": f"Token {ls.token}"}

    _invoke(base + ["push"], env)
    again = _invoke(base + ["push"], env)  # idempotent: nothing new
    assert "0 imported" in again.output and f"{N_ITEMS} already there" in again.output

    projects = requests.get(f"{ls.url}/api/projects/?page_size=100", headers=admin, timeout=30).json()[
        "results"
    ]
    by_title = {p["title"]: p["id"] for p in projects}
    assert sorted(by_title) == sorted(f"FineFake · {a}" for a in ANNOTATORS)

    labels = simulate(items, ANNOTATORS, seed=4, accuracy=0.75)
    skipped = (ANNOTATORS[4], items[0]["id"])  # one item one annotator never did
    duplicate = (ANNOTATORS[1], items[1]["id"])  # one annotator saved a second annotation on one item
    del labels[skipped[0]][skipped[1]]
    users = {}
    for name in ANNOTATORS:
        token = module.sign_up(ls.url, f"{name}@finefake.test", "annotate-pass-123")
        headers = {"Authorization": f"Token {token}"}
        me = requests.get(f"{ls.url}/api/current-user/whoami", headers=headers, timeout=30).json()
        users[name] = me["id"]
        tasks = requests.get(
            f"{ls.url}/api/tasks/?project={by_title[f'FineFake · {name}']}&page_size=1000&fields=all",
            headers=headers,
            timeout=60,
        ).json()["tasks"]
        assert len(tasks) == N_ITEMS
        predicted = [t for t in tasks if t["data"]["item_id"] == items[0]["id"]][0]
        assert predicted["predictions"], "the fact-check verdict is imported as a prediction"
        for task in tasks:
            item_id = task["data"]["item_id"]
            if item_id not in labels[name]:
                continue
            fines = [labels[name][item_id]]
            if (name, item_id) == duplicate:
                fines.insert(0, (labels[name][item_id] + 1) % 6)  # older one, superseded by the later one
            for fine in fines:
                response = requests.post(
                    f"{ls.url}/api/tasks/{task['id']}/annotations/",
                    headers=headers,
                    json={"result": _result(fine), "lead_time": 2.5},
                    timeout=30,
                )
                assert response.status_code == 201, response.text

    _invoke(base + ["export"], env)
    report = json.loads((ws.root / "annotations/export_report.json").read_text())
    assert report["problem_counts"]["duplicates"] == 1 and report["duplicates"][0]["item_id"] == duplicate[1]
    assert report["under_annotated"] == [{"item_id": skipped[1], "annotators": 4, "missing": [skipped[0]]}]
    assert report["shared_projects"] == []
    records = list(ws.read("annotations", "annotation"))
    assert len(records) == 5 * N_ITEMS - 1
    assert {(r["annotator"], r["item_id"]): r["fine_grained_label"] for r in records} == {
        (name, item_id): fine for name, per in labels.items() for item_id, fine in per.items()
    }

    _invoke(base + ["agreement"], env)
    agreement = json.loads((ws.root / "annotations/agreement/agreement.json").read_text())
    assert (ws.root / "annotations/agreement/kappa_heatmap_fine_grained.png").stat().st_size > 1000
    from sklearn.metrics import cohen_kappa_score

    ids = [i["id"] for i in items]
    for kind, code in (("binary", lambda f: 1 if f == 0 else 0), ("fine_grained", lambda f: f)):
        overall = agreement["labels"][kind]["overall"]
        assert overall["annotators"] == ANNOTATORS
        for i, a in enumerate(ANNOTATORS):
            for j, b in enumerate(ANNOTATORS):
                if i < j:
                    shared = [k for k in ids if k in labels[a] and k in labels[b]]
                    expected = cohen_kappa_score(
                        [code(labels[a][k]) for k in shared], [code(labels[b][k]) for k in shared]
                    )
                    assert overall["cohen_pairwise"][i][j] == pytest.approx(expected, abs=1e-6)
        import krippendorff

        matrix = np.array(
            [[code(labels[a][k]) if k in labels[a] else np.nan for k in ids] for a in ANNOTATORS]
        )
        assert overall["krippendorff_alpha"] == pytest.approx(
            krippendorff.alpha(reliability_data=matrix, level_of_measurement="nominal"), abs=1e-6
        )

    # the offline backend reads the raw exports the server backend saved and yields the same records
    offline = Workspace(tmp_path / "offline")
    offline.write_records("aligned", "aligned_item", items)
    _invoke(
        [
            "--workspace",
            str(offline.root),
            "annotate",
            "export",
            "--from-files",
            str(ws.root / "annotations/exports"),
        ],
        env,
    )
    strip = lambda rs: sorted((r | {"source": None, "project": None} for r in rs), key=json.dumps)  # noqa: E731
    assert strip(offline.read("annotations", "annotation")) == strip(records)

    _invoke(base + ["consensus"], env)
    final = list(ws.read("records", "record"))
    discussion = json.loads((ws.root / "records/discussion.json").read_text())
    assert len(final) + len(discussion) == N_ITEMS
    assert all((r["label"] == 1) == (r["fine_grained_label"] == 0) for r in final)
