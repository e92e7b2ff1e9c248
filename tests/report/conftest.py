"""A workspace with every output the report reads: package + card, stats, agreement, two benchmark tasks."""

from __future__ import annotations

import pytest

from finefake.workspace import Workspace


@pytest.fixture(scope="session")
def full_workspace(tmp_path_factory) -> Workspace:
    from benchmarks.tinydata import featurize

    from finefake.annotation.agreement import agreement_report
    from finefake.annotation.report import write_reports
    from finefake.benchmarks.runner import BenchConfig, run_benchmark
    from finefake.benchmarks.tasks import ItemTable
    from finefake.dataset.package import PackageConfig, package
    from finefake.dataset.synthetic import write_synthetic
    from finefake.stats.report import write_stats

    ws = Workspace(tmp_path_factory.mktemp("report") / "ws")
    write_synthetic(ws, 150, seed=4)
    records = list(ws.read("records"))
    package(ws, PackageConfig(seed=1, license="cc-by-4.0"))
    write_stats(ws.root / "dataset", ws.stage_dir("stats"))
    votes = [
        {
            "item_id": r["id"],
            "annotator": a["annotator"],
            "label": a["label"],
            "fine_grained_label": a["fine_grained_label"],
        }
        for r in records
        for a in r["annotations"]
    ]
    write_reports(
        agreement_report(votes, {r["id"]: r for r in records}), ws.stage_dir("annotations") / "agreement"
    )
    config = BenchConfig(
        ["binary", "topic-da"], ["majority", "logreg"], seeds=[0, 1], out=ws.stage_dir("bench")
    )
    run_benchmark(featurize(records, ws), ItemTable.from_records(records), config)
    return ws
