"""Speed of ``finefake import mediaeval`` and ``finefake import liar`` on files of the real size and format.

Generates 15,000 MediaEval-format tweets (2015 header, devset and testset files, 1% bad rows) and 12,836
LIAR rows (14 columns, train/valid/test.tsv as in the release, 1% bad rows), then times each import without
images. The reference, measured in the same run on the same files, is the bare work any importer must do:
read every line, split it into fields and write one JSON line per row (no conversion, no contract check, no
report). Goal: under 10 s per import on 2 cores; the ratio shows what conversion and validation cost.

    python perf/import_speed.py [--mediaeval 15000] [--liar 12836] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

STAMP = "Mon Oct 29 22:34:01 +0000 2012"
EVENTS = ("sandyA", "sandyB", "boston", "sochi", "malaysia", "bringback", "columbianChemicals", "passport")
LIAR_LABELS = ("pants-fire", "false", "barely-true", "half-true", "mostly-true", "true")
SUBJECTS = ("economy", "health-care", "taxes", "elections", "education", "crime", "immigration", "knitting")


def _words(rng: random.Random, n: int) -> str:
    return " ".join(
        rng.choice(("storm", "photo", "real", "shark", "city", "water", "news", "vote")) for _ in range(n)
    )


def write_mediaeval(root: Path, n: int, rng: random.Random) -> None:
    header = "tweetId\ttweetText\tuserId\timageId(s)\tusername\ttimestamp\tlabel"
    rows = []
    for i in range(n):
        event = rng.choice(EVENTS)
        label = rng.choice(("fake", "fake", "real", "humor"))
        images = ",".join(f"{event}_{label}_{rng.randrange(40)}" for _ in range(rng.choice((1, 1, 2))))
        text = _words(rng, 14)
        if i % 100 == 7:
            text += "\twith a stray tab"
        row = f"{260000000000000000 + i}\t{text}\t{rng.randrange(10**9)}\t{images}\tuser{i}\t{STAMP}\t{label}"
        rows.append(row if i % 100 != 13 else row.rsplit("\t", 3)[0])
    cut = int(n * 0.8)
    for folder, part in (("devset", rows[:cut]), ("testset", rows[cut:])):
        (root / folder).mkdir(parents=True)
        (root / folder / "tweets.txt").write_text(header + "\n" + "\n".join(part) + "\n", encoding="utf-8")


def write_liar(root: Path, n: int, rng: random.Random) -> None:
    rows = []
    for i in range(n):
        subjects = ",".join(rng.sample(SUBJECTS, 2))
        counts = [str(rng.randrange(50)) for _ in range(5)]
        label = rng.choice(LIAR_LABELS) if i % 100 != 11 else "sorta-true"
        fields = [f"{i}.json", label, _words(rng, 18), subjects, f"speaker-{i % 500}", "Senator", "Texas",
                  rng.choice(("republican", "democrat", "none")), *counts, "an interview"]  # fmt: skip
        rows.append("\t".join(fields))
    root.mkdir(parents=True)
    train, valid = int(n * 0.8), int(n * 0.9)
    for name, part in (("train", rows[:train]), ("valid", rows[train:valid]), ("test", rows[valid:])):
        (root / f"{name}.tsv").write_text("\n".join(part) + "\n", encoding="utf-8")


def reference(files: list[Path], out: Path) -> float:
    start = time.perf_counter()
    with open(out, "w", encoding="utf-8") as sink:
        for path in files:
            with open(path, encoding="utf-8") as fh:
                for line in fh:
                    sink.write(json.dumps(line.rstrip("\n").split("\t")) + "\n")
    return time.perf_counter() - start


def timed_import(name: str, path: Path, ws_root: Path) -> tuple[float, float, int, int]:
    from finefake.workspace import Workspace

    ws = Workspace(ws_root)
    start, cpu = time.perf_counter(), time.process_time()
    if name == "mediaeval":
        from finefake.dataset.importers.mediaeval import MediaEvalConfig, import_mediaeval

        report = import_mediaeval(ws, MediaEvalConfig(path))
    else:
        from finefake.dataset.importers.liar import LiarConfig, import_liar

        report = import_liar(ws, LiarConfig(path))
    return time.perf_counter() - start, time.process_time() - cpu, report.rows, report.written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mediaeval", type=int, default=15_000)
    parser.add_argument("--liar", type=int, default=12_836)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_mediaeval(root / "mediaeval", args.mediaeval, rng)
        write_liar(root / "liar", args.liar, rng)
        import finefake.dataset.importers.liar  # noqa: F401  (module imports are not part of the import time)
        import finefake.dataset.importers.mediaeval  # noqa: F401

        for name in ("mediaeval", "liar"):
            files = sorted((root / name).rglob("*.t*"))
            times, cpus, refs = [], [], []
            for k in range(args.repeats):
                refs.append(reference(files, root / f"ref-{name}-{k}.jsonl"))
                seconds, cpu, rows, written = timed_import(name, root / name, root / f"ws-{name}-{k}")
                times.append(seconds)
                cpus.append(cpu)
            t, r = statistics.median(times), statistics.median(refs)
            print(
                f"{name}: {rows} rows ({written} written) import {t:.2f} s wall, "
                f"{statistics.median(cpus):.2f} s CPU (goal < 10 s), "
                f"bare read+split+write {r:.3f} s, ratio {t / r:.1f}x  [medians of {args.repeats}]"
            )


if __name__ == "__main__":
    main()
