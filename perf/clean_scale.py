"""How ``finefake clean`` scales with ``--engine ray``: text-only items with planted near-duplicates.

Builds ``max(--ray-sizes, --local-sizes)`` synthetic English text-only raw items (100-300 words drawn from a
common-word vocabulary) in stages of ``--part`` items; in each stage, ``--dup-rate`` of the items are copies of
an original of the same stage with 1-4 words replaced (groups of two to four). Each run cleans the first
``size / part`` stages (``--allow-text-only``) in a child process (the CLI, so the engine starts and stops as
for a user) and prints:

* wall time; peak memory: the largest sum of the resident sets of the child's process tree (the driver, and
  with Ray the local cluster it starts: GCS, raylet, workers), sampled every 0.2 s; shared object-store pages
  count once per process that maps them, so the Ray figure is an upper bound;
* recall and precision of the planted duplicate pairs (predicted pairs: all member pairs of each cluster);
* the ray/local wall-time ratio at the sizes both ran (and whether their outputs are identical), and the growth exponent of each engine between its
  smallest and largest size (log t2/t1 / log n2/n1: 1 is linear).

Usage: python perf/clean_scale.py [--ray-sizes 100000 300000 1000000] [--local-sizes 100000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from clean_dedup import VOCAB, record  # noqa: E402 (the other clean benchmark's vocabulary and items)

from finefake.workspace import Workspace  # noqa: E402


def build(ws: Workspace, total: int, part: int, dup_rate: float, seed: int = 0) -> list[list[str]]:
    """Write ``total`` items in stages ``crawl/partNN`` of ``part`` items; return the planted groups (ids)."""
    rng = random.Random(seed)
    groups: list[list[str]] = []
    n = 0
    for stage in range(math.ceil(total / part)):
        size = min(part, total - stage * part)
        records, originals = [], []
        n_dups = int(size * dup_rate)
        for _ in range(size - n_dups):
            words = rng.choices(VOCAB, k=rng.randint(100, 300))
            records.append(record(n, words, []))
            originals.append((words, [records[-1]["id"]]))
            n += 1
        for _ in range(n_dups):
            words, group = originals[rng.randrange(len(originals))]
            while len(group) >= 4:
                words, group = originals[rng.randrange(len(originals))]
            copy = list(words)
            for _ in range(rng.randint(1, 4)):
                copy[rng.randrange(len(copy))] = rng.choice(VOCAB)
            records.append(record(n, copy, []))
            group.append(records[-1]["id"])
            n += 1
        rng.shuffle(records)
        with ws.writer(
            f"crawl/part{stage:02d}", None, mode="replace"
        ) as writer:  # well-formed by construction
            writer.write_many(records)
        groups += [group for _, group in originals if len(group) > 1]
    return groups


def _tree_rss(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        pending += children.get(pid, [])
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def run_clean(root: Path, stages: list[str], engine: str) -> tuple[float, int]:
    """Wall seconds and peak tree RSS of one ``finefake clean`` in a child process."""
    cli = "import sys; from finefake.cli import main; sys.argv[0] = 'finefake'; main()"
    command = [sys.executable, "-c", cli, "--workspace", str(root), "clean", "--allow-text-only"]
    command += [f"--stage={s}" for s in stages] + ["--engine", engine]
    peak, t0 = 0, time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(proc.pid))
            done.wait(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    seconds = time.perf_counter() - t0
    done.set()
    sampler.join()
    if proc.returncode:
        raise SystemExit(f"clean --engine {engine} failed:\n{out[-3000:]}")
    return seconds, peak


def fingerprint(root: Path) -> str:
    """SHA-1 of what must not depend on the engine: the shards, the clusters, the report without seconds."""
    digest = hashlib.sha1()
    for shard in sorted((root / "clean/data").glob("part-*.jsonl")):
        digest.update(shard.name.encode() + shard.read_bytes())
    digest.update((root / "clean/duplicate_clusters.json").read_bytes())
    report = json.loads((root / "clean/report.json").read_text())
    report.pop("seconds")
    digest.update(json.dumps(report, sort_keys=True).encode())
    return digest.hexdigest()


def quality(root: Path, groups: list[list[str]], ids: set[str]) -> tuple[float, float]:
    planted = {frozenset(p) for g in groups if g[0] in ids for p in itertools.combinations(g, 2)}
    clusters = json.loads((root / "clean/duplicate_clusters.json").read_text())
    predicted = {
        frozenset(p) for c in clusters for p in itertools.combinations([m["id"] for m in c["members"]], 2)
    }
    hits = len(planted & predicted)
    return hits / len(planted) if planted else 1.0, hits / len(predicted) if predicted else 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ray-sizes", type=int, nargs="*", default=[100_000, 300_000, 1_000_000])
    parser.add_argument("--local-sizes", type=int, nargs="*", default=[100_000])
    parser.add_argument(
        "--part", type=int, default=100_000, help="Items per crawl stage (sizes are multiples)."
    )
    parser.add_argument("--dup-rate", type=float, default=0.05)
    parser.add_argument("--keep", type=Path, help="Build the workspace here and keep it.")
    args = parser.parse_args()
    sizes = sorted(set(args.ray_sizes) | set(args.local_sizes))
    if any(s % args.part for s in sizes):
        raise SystemExit("every size must be a multiple of --part")
    root = args.keep or Path(tempfile.mkdtemp(prefix="finefake-clean-scale-"))
    ws = Workspace(root)
    t0 = time.perf_counter()
    groups = build(ws, max(sizes), args.part, args.dup_rate)
    print(f"built {max(sizes)} items in {time.perf_counter() - t0:.0f} s ({len(groups)} planted groups)")
    print(f"load: {os.getloadavg()[0]:.2f} (1 min) on {os.cpu_count()} CPUs", flush=True)
    stage_ids = [{r["id"] for r in ws.read(f"crawl/part{k:02d}")} for k in range(max(sizes) // args.part)]
    times: dict[tuple[str, int], float] = {}
    prints: dict[tuple[str, int], str] = {}
    try:
        for engine, size in [("local", s) for s in args.local_sizes] + [("ray", s) for s in args.ray_sizes]:
            stages = [f"crawl/part{k:02d}" for k in range(size // args.part)]
            seconds, peak = run_clean(root, stages, engine)
            recall, precision = quality(root, groups, set().union(*stage_ids[: len(stages)]))
            times[(engine, size)] = seconds
            prints[(engine, size)] = fingerprint(root)
            print(
                f"{engine:5s} {size:>9,} items: {seconds:7.1f} s ({size / seconds:,.0f} items/s), peak memory "
                f"{peak / 2**30:.2f} GiB, recall {recall:.4f}, precision {precision:.4f}; "
                f"load {os.getloadavg()[0]:.2f}",
                flush=True,
            )
    finally:
        if args.keep is None:
            shutil.rmtree(root, ignore_errors=True)
    for size in sorted(set(args.local_sizes) & set(args.ray_sizes)):
        same = "identical" if prints[("ray", size)] == prints[("local", size)] else "DIFFERENT"
        print(
            f"ray/local wall time at {size:,}: {times[('ray', size)] / times[('local', size)]:.2f}x; "
            f"output (shards, clusters, report) {same}"
        )
    for engine in ("local", "ray"):
        runs = sorted((n, t) for (e, n), t in times.items() if e == engine)
        if len(runs) > 1:
            (n1, t1), (n2, t2) = runs[0], runs[-1]
            exponent = math.log(t2 / t1) / math.log(n2 / n1)
            print(f"{engine} growth exponent {n1:,} -> {n2:,} items: {exponent:.2f} (1 = linear)")


if __name__ == "__main__":
    main()
