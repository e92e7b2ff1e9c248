"""``package`` leaves out records whose fact-check rating has no verdict or is unknown, and says how many."""

from __future__ import annotations

from finefake.dataset.package import PackageConfig, package
from finefake.dataset.synthetic import generate_records
from finefake.workspace import Workspace


def test_package_reports_records_left_out_for_their_rating(tmp_path):
    ws = Workspace(tmp_path / "ws")
    records = generate_records(60, seed=3, workspace=ws)
    # items outside near-duplicate clusters: a near-duplicate shares its source's fact-check
    plain = [r for r in records if r["duplicate_cluster"] is None]
    plain[0]["fact_check"]["rating"] = "Mixture"  # excluded: no true/false verdict
    plain[1]["fact_check"]["rating"] = "Unproven (retired)"
    plain[2]["fact_check"]["rating"] = "Half Baked"  # in no list of the table
    ws.write_records("records", "record", records)
    report = package(ws, PackageConfig(seed=1))
    assert report.total == 57
    assert report.excluded == {"excluded_no_verdict_rating": 2, "excluded_unmapped_rating": 1}
    counts = ws.load_manifest("dataset")["counts"]
    assert counts["excluded_no_verdict_rating"] == 2 and counts["excluded_unmapped_rating"] == 1
