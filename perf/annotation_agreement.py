"""Speed of the annotation loop (a script, not a test).

1. Agreement (binary + fine-grained; overall, 3 platform groups, 6 topics) and consensus over 20,000 items x
   5 annotators. Goal: < 10 s on 2 cores. Reference measured in the same run: scikit-learn's
   ``cohen_kappa_score`` over the 10 annotator pairs of the overall fine-grained labels only.
2. With ``--server``: push and export N tasks (default 2,000) to a local Label Studio server started from
   ``$LABEL_STUDIO_BIN`` / ``.venv-labelstudio``, in tasks/s. Reference: the offline file backend writing and
   reading the same tasks.

    python perf/annotation_agreement.py [--items 20000] [--server] [--tasks 2000]
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from annotation.helpers import aligned_item, annotation_records, simulate  # noqa: E402

from finefake.annotation.agreement import agreement_report, rating_matrices  # noqa: E402
from finefake.annotation.consensus import run_consensus  # noqa: E402


def bench_agreement(n_items: int) -> None:
    items = [aligned_item(i) for i in range(n_items)]
    names = [f"annotator-{i}" for i in range(1, 6)]
    records = annotation_records(simulate(items, names, seed=1, accuracy=0.7))
    meta = {i["id"]: {"platform_group": i["platform_group"], "topic": i["topic"]} for i in items}

    t0 = time.perf_counter()
    report = agreement_report(records, meta)
    t_agreement = time.perf_counter() - t0
    t0 = time.perf_counter()
    result = run_consensus(items, records)
    t_consensus = time.perf_counter() - t0

    from sklearn.metrics import cohen_kappa_score

    t0 = time.perf_counter()
    _, _, matrices = rating_matrices(records)
    fine = matrices["fine_grained"]
    for a in range(5):
        for b in range(a + 1, 5):
            cohen_kappa_score(fine[:, a], fine[:, b])
    t_reference = time.perf_counter() - t0

    total = t_agreement + t_consensus
    print(
        f"agreement+consensus, {n_items} items x 5 annotators: {total:.2f} s "
        f"(agreement {t_agreement:.2f} s for {sum(len(s) for s in report['labels'].values())} scope summaries, "
        f"consensus {t_consensus:.2f} s -> {len(result.records)} records, {len(result.discussion)} discussion)"
    )
    from finefake.annotation import pipeline
    from finefake.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(tmp)
        ws.write_records("aligned", "aligned_item", items)
        ws.write_records("annotations", "annotation", records)
        t0 = time.perf_counter()
        pipeline.agreement(ws)
        pipeline.consensus(ws)
        t_stage = time.perf_counter() - t0
    print(
        f"same as workspace stages (read + schema-validate + reports/heatmaps + write records): {t_stage:.2f} s"
    )
    print(
        f"reference (sklearn cohen_kappa_score, 10 pairs, overall fine-grained only): {t_reference:.3f} s; "
        f"ratio full/reference = {total / t_reference:.1f}x; goal < 10 s: {'met' if total < 10 else 'NOT met'}"
    )


def bench_server(n_tasks: int) -> None:
    spec = importlib.util.spec_from_file_location("ff_ls_server", REPO / "scripts/labelstudio/server.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    from finefake.annotation.client import LabelStudioServer
    from finefake.annotation.files import read_export_file, write_export_file, write_task_files
    from finefake.annotation.tasks import build_task

    items = [aligned_item(i) for i in range(n_tasks)]
    tasks = [build_task(item) for item in items]
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        write_task_files(items, tmp, ["a"])
        write_export_file(
            tmp, "a", [{"id": n, "data": t["data"], "annotations": []} for n, t in enumerate(tasks)]
        )
        read_export_file(Path(tmp) / "a.json")
        t_files = time.perf_counter() - t0
    with module.LabelStudioProcess() as ls:
        server = LabelStudioServer(ls.url, ls.token)
        project = server.ensure_project("perf · a")
        t0 = time.perf_counter()
        pushed = server.push_tasks(project, tasks)
        t_push = time.perf_counter() - t0
        t0 = time.perf_counter()
        repushed = server.push_tasks(project, tasks)
        t_repush = time.perf_counter() - t0
        t0 = time.perf_counter()
        export = server.export_json(project)
        t_export = time.perf_counter() - t0
    assert pushed.imported == n_tasks and repushed.unchanged == n_tasks and len(export) == n_tasks
    print(
        f"server push {n_tasks} tasks: {t_push:.2f} s = {n_tasks / t_push:.0f} tasks/s; "
        f"idempotent re-push (all present): {n_tasks / t_repush:.0f} tasks/s; "
        f"export: {t_export:.2f} s = {n_tasks / t_export:.0f} tasks/s"
    )
    print(
        f"reference (file backend write tasks + write/read export): {t_files:.2f} s = "
        f"{n_tasks / t_files:.0f} tasks/s; server push+export is {(t_push + t_export) / t_files:.1f}x slower"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, default=20000)
    parser.add_argument("--server", action="store_true")
    parser.add_argument("--tasks", type=int, default=2000)
    args = parser.parse_args()
    np.random.seed(0)
    bench_agreement(args.items)
    if args.server:
        bench_server(args.tasks)


if __name__ == "__main__":
    main()
