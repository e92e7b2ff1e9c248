"""CPU time of a small ``finefake bench`` run on a quiet machine and under load, with and without the
thread-pool policy of ``finefake.threads`` (issue 31: CPU time must not grow with the machine's load).

Each condition runs the same command in a fresh results folder and reads its CPU time (user + system of the
child). Load = ``--busy`` Python busy loops at nice 19 started for the run and stopped after it. The
reference is the same run on the machine as it is ("quiet"); the script prints CPU-time ratios against it.

    python perf/cpu_under_load.py WORKSPACE [--busy 12] [--models logreg,kean] [--task binary] [--repeat 1]

The workspace needs records and cached features (e.g. ``finefake demo -n 40`` made one). On a shared
machine "quiet" means only that this script adds no load: report the load average it prints.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BUSY = "import os\nos.nice(19)\nwhile True: pass\n"


def cpu_of(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one child run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        sys.exit(f"bench run failed ({done.returncode}): {done.stderr[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("workspace", type=Path)
    parser.add_argument("--busy", type=int, default=12)
    parser.add_argument("--models", default="logreg,kean")
    parser.add_argument("--task", default="binary")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    results: dict[str, list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for policy in ("library defaults", "finefake.threads"):
            env = dict(os.environ)
            for key in ("OMP_WAIT_POLICY", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
                env.pop(key, None)
            env["FINEFAKE_THREADS"] = "keep" if policy == "library defaults" else ""
            for load in ("quiet", f"{args.busy} busy"):
                for r in range(args.repeat):
                    out = Path(tmp) / f"{policy[:8]}-{load[:5]}-{r}".replace(" ", "_").replace(".", "")
                    command = [sys.executable, "-m", "finefake.cli", "-w", str(args.workspace), "bench",
                               args.task, "-m", args.models, "--seeds", "1", "-o", str(out)]  # fmt: skip
                    busy = []
                    if load != "quiet":
                        busy = [subprocess.Popen([sys.executable, "-c", BUSY]) for _ in range(args.busy)]
                        time.sleep(1.0)
                    try:
                        cpu, wall = cpu_of(command, env)
                    finally:
                        for process in busy:
                            process.kill()
                            process.wait()
                    load_avg = os.getloadavg()[0]
                    results.setdefault(f"{policy}, {load}", []).append((cpu, wall))
                    print(f"{policy:17} {load:8} cpu {cpu:6.2f} s  wall {wall:6.2f} s  load1 {load_avg:.1f}")
    print("\nCPU time, median over repeats; ratio = under load / quiet (goal <= 1.3)")
    for policy in ("library defaults", "finefake.threads"):
        quiet = sorted(c for c, _ in results[f"{policy}, quiet"])[args.repeat // 2]
        busy = sorted(c for c, _ in results[f"{policy}, {args.busy} busy"])[args.repeat // 2]
        print(f"{policy:17} quiet {quiet:6.2f} s  busy {busy:6.2f} s  ratio {busy / quiet:4.2f}")


if __name__ == "__main__":
    main()
