"""Speed of ``finefake package`` against a bare ``Dataset.from_list(rows).save_to_disk(dir)``.

Both run on the same synthetic records (with images) in one invocation, each in its own subprocess so the
peak resident memory of each is measured separately. The reference builds one split from the records as
stored, with each lead image's bytes attached (so it writes the same image data), letting ``datasets`` infer
the types; ``finefake package`` does everything it does for real: reads the JSONL shards, splits, converts to
typed features, writes save_to_disk output, Parquet shards and the card. Goal: ratio <= 2x.

    python perf/package_speed.py [--n 20000] [--seed 0] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
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
    start = time.perf_counter()
    report = package(ws, PackageConfig(seed=0))
    return {"seconds": time.perf_counter() - start, "peak_mib": _peak_mib(), "rows": report.total}


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
    start = time.perf_counter()
    Dataset.from_list(rows).save_to_disk(str(out))
    seconds = time.perf_counter() - start
    shutil.rmtree(out, ignore_errors=True)
    return {"seconds": seconds, "peak_mib": _peak_mib(), "rows": len(rows)}


def _child(step: str, root: Path) -> dict:
    result = subprocess.run(
        [sys.executable, __file__, "--step", step, "--workdir", str(root)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--step", choices=("package", "reference"), default=None)
    args = parser.parse_args()
    if args.step:
        print(json.dumps((_run_package if args.step == "package" else _run_reference)(args.workdir)))
        return

    from finefake.dataset.synthetic import write_synthetic
    from finefake.workspace import Workspace

    root = args.workdir or Path(tempfile.mkdtemp(prefix="finefake-perf-"))
    ws = Workspace(root)
    start = time.perf_counter()
    write_synthetic(ws, args.n, seed=args.seed)
    print(f"generated {args.n} synthetic records with images in {time.perf_counter() - start:.1f} s ({root})")
    reference = _child("reference", root)
    packaged = _child("package", root)
    size = sum(p.stat().st_size for p in (root / "dataset").rglob("*") if p.is_file()) / 2**20
    print(
        f"reference Dataset.from_list(...).save_to_disk(...): {reference['seconds']:.2f} s, "
        f"peak RSS {reference['peak_mib']:.0f} MiB"
    )
    print(
        f"finefake package (hf + parquet + card):           {packaged['seconds']:.2f} s, "
        f"peak RSS {packaged['peak_mib']:.0f} MiB, output {size:.0f} MiB"
    )
    ratio = packaged["seconds"] / reference["seconds"]
    print(
        f"ratio package / reference: {ratio:.2f}x time, "
        f"{packaged['peak_mib'] / reference['peak_mib']:.2f}x peak memory (goal <= 2x time)"
    )
    if args.workdir is None:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
