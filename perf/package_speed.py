"""Speed of ``finefake package`` against a bare ``Dataset.from_list(rows).save_to_disk(dir)``.

Both run on the same synthetic records (with images) in one invocation, each in its own subprocess so the
peak resident memory of each is measured separately. The reference builds one split from the records as
stored, with each lead image's bytes attached (so it writes the same image data), letting ``datasets`` infer
the types; ``finefake package`` does everything it does for real: reads the JSONL shards, splits, converts to
typed features, writes save_to_disk output, Parquet shards and the card, and its time includes importing
``datasets`` (the reference imports it before its clock starts; that import is timed on its own and shown).
The two alternate ``--repeats`` times and the medians are compared, since the machine is shared. Goal:
ratio <= 2x.

    python perf/package_speed.py [--n 20000] [--seed 0] [--repeats 3] [--workdir DIR [--reuse]]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _run_package(root: Path) -> dict:
    from finefake.dataset.package import PackageConfig, package
    from finefake.workspace import Workspace

    ws = Workspace(root)
    start, cpu = time.perf_counter(), time.process_time()
    report = package(ws, PackageConfig(seed=0))
    return {
        "seconds": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "peak_mib": _peak_mib(),
        "rows": report.total,
    }


def _run_reference(root: Path) -> dict:
    import datasets
    from datasets import Dataset

    from finefake.workspace import Workspace

    datasets.disable_progress_bars()
    ws = Workspace(root)
    rows = list(ws.read("records"))
    for row in rows:  # attach the same image bytes the package embeds (untimed, like reading the records)
        lead = row["images"][0]["path"] if row["images"] else None
        row["image_bytes"] = ws.images.path(lead).read_bytes() if lead else None
    out = root / "reference"
    start, cpu = time.perf_counter(), time.process_time()
    Dataset.from_list(rows).save_to_disk(str(out))
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    shutil.rmtree(out, ignore_errors=True)
    return {"seconds": seconds, "cpu": cpu, "peak_mib": _peak_mib(), "rows": len(rows)}


def _run_import(root: Path) -> dict:
    start, cpu = time.perf_counter(), time.process_time()
    import datasets  # noqa: F401

    return {
        "seconds": time.perf_counter() - start,
        "cpu": time.process_time() - cpu,
        "peak_mib": _peak_mib(),
        "rows": 0,
    }


def _child(step: str, root: Path) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--step", step, "--workdir", str(root)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def _seconds(runs: list[dict]) -> str:
    return ", ".join(f"{r['seconds']:.2f}" for r in runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--repeats", type=int, default=3, help="alternating runs of each; medians compared")
    parser.add_argument("--reuse", action="store_true", help="package the records already in --workdir")
    parser.add_argument("--step", choices=("package", "reference", "import"), default=None)
    args = parser.parse_args()
    if args.step:
        steps = {"package": _run_package, "reference": _run_reference, "import": _run_import}
        print(json.dumps(steps[args.step](args.workdir)))
        return

    from finefake.dataset.synthetic import write_synthetic
    from finefake.workspace import Workspace

    root = args.workdir or Path(tempfile.mkdtemp(prefix="finefake-perf-"))
    ws = Workspace(root)
    if args.reuse and ws.has_records("records"):
        print(f"packaging the records already in {root}")
    else:
        start = time.perf_counter()
        write_synthetic(ws, args.n, seed=args.seed)
        print(
            f"generated {args.n} synthetic records with images in {time.perf_counter() - start:.1f} s ({root})"
        )
    references, packages = [], []
    for _ in range(max(1, args.repeats)):
        references.append(_child("reference", root))
        packages.append(_child("package", root))
    imports = [_child("import", root) for _ in range(max(1, args.repeats))]
    keys = ("seconds", "cpu", "peak_mib")
    reference = {key: statistics.median(r[key] for r in references) for key in keys}
    packaged = {key: statistics.median(r[key] for r in packages) for key in keys}
    importing = {key: statistics.median(r[key] for r in imports) for key in keys}
    size = sum(p.stat().st_size for p in (root / "dataset").rglob("*") if p.is_file()) / 2**20
    runs = len(references)
    print(f"{packages[0]['rows']} rows; medians of {runs} alternating runs each")
    print(
        f"reference Dataset.from_list(...).save_to_disk(...): {reference['seconds']:.2f} s "
        f"(CPU {reference['cpu']:.2f} s), "
        f"peak RSS {reference['peak_mib']:.0f} MiB  (runs: {_seconds(references)})"
    )
    print(
        f"finefake package (hf + parquet + card):           {packaged['seconds']:.2f} s "
        f"(CPU {packaged['cpu']:.2f} s), "
        f"peak RSS {packaged['peak_mib']:.0f} MiB, output {size:.0f} MiB  (runs: {_seconds(packages)})"
    )
    print(
        f"  of which importing datasets (cold, measured apart): {importing['seconds']:.2f} s "
        f"(CPU {importing['cpu']:.2f} s)"
    )
    ratio = packaged["seconds"] / reference["seconds"]
    print(
        f"ratio package / reference: {ratio:.2f}x wall time, {packaged['cpu'] / reference['cpu']:.2f}x CPU time, "
        f"{packaged['peak_mib'] / reference['peak_mib']:.2f}x peak memory (goal <= 2x time)"
    )
    if args.workdir is None:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
