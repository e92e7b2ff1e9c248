"""Peak memory and time of the hostile-input paths of issue 25 against input size: flat or linear, never worse.

Families (each case runs in a fresh child process; its peak resident memory is ``VmHWM`` from
``/proc/self/status``, its time the wall clock around the stage call):

``feed N``
    ``crawl claimreview --feed`` on a Data Commons feed of N records (each a real-shaped ClaimReview with its
    own URL); memory must stay flat in N, time linear.
``nested D``
    a feed of 100 good records plus one record nested D levels deep (rejected and counted).
``string M``
    a feed of 100 good records plus one whose claim is an M MB string (rejected and counted).
``kb-line M``
    ``knowledge build-kb`` on the four real entities of the test dump plus one entity line of M MB (over the
    16 MB cap from 32 MB on: skipped and counted without being held).
``kb-bomb M``
    ``knowledge build-kb`` on a gzip file holding M MB of one line that never ends.

The reference measured in the same run is the first (smallest) case of each family: the script prints, per
case, the ratio of its peak memory and of its time per unit of input to that reference (a flat memory ratio near
1.0 and a time-per-unit ratio near 1.0 mean flat memory and linear time). ``--before DIR`` runs the same cases on
another checkout (e.g. the code before the fix: ``git archive 4564a10 | tar -x -C DIR``) under a memory limit
(``--before-limit-gb``) and a time limit, and prints "over limit" where it gave up.

Measured 2026-12-06 on the shared 2-core build machine (load average about 17, so absolute times are
inflated; the before run is the code at 4564a10, under a 4 GB address-space limit):

    family    size           before: s / peak MB           after: s / peak MB
    feed      10k / 100k / 1M  4.2 / 70, 91 / 233, -        9.0 / 55, 79 / 55, 602 / 57
    nested    1k / 20k / 200k  1.1 / 49, 11 / 1005, MemoryError at 4 GB   1.1 / 51, 1.2 / 52, 1.4 / 54
    string    8 / 32 / 64 MB   7.7 / 119, 53 / 271, 199 / 495            1.8 / 51, 2.0 / 51, 2.7 / 51
    kb-line   64 / 256 MB      57 / 1496, MemoryError at 4 GB            1.5 / 61, 2.3 / 62
    kb-bomb   64 / 1024 MB     2.3 / 200, 16.5 / 2163                    1.0 / 60, 13.2 / 60

    python perf/hardening_limits.py --workdir /tmp/hl
    python perf/hardening_limits.py --workdir /tmp/hl --only feed --feed 10000,100000 --before /tmp/old
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DUMP = ROOT / "tests" / "knowledge" / "fixtures" / "real" / "wikidata-dump-sample.json.gz"

CHILD = r"""
import sys, time, json
from pathlib import Path
sys.path.insert(0, sys.argv[1])
kind, path, out = sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4])
start = time.perf_counter()
status = "ok"
try:
    if kind == "feed":
        from finefake.crawlers.claimreview import ClaimReviewConfig, crawl_claimreview
        from finefake.workspace import Workspace
        report = crawl_claimreview(Workspace(out), ClaimReviewConfig(feed=path))
        detail = f"written {report.written}, unusable {report.skipped_bad}"
    else:
        from finefake.knowledge.kb import BuildKbConfig, build_kb
        report = build_kb(BuildKbConfig(dump=path, out=out, restart=True))
        detail = f"entities {report.entities}, bad lines {report.skipped_bad}"
except BaseException as exc:
    status, detail = "error", f"{type(exc).__name__}: {str(exc)[:120]}"
seconds = time.perf_counter() - start
hwm = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"status": status, "seconds": seconds, "rss_mb": hwm / 1024, "detail": detail}))
"""


def claimreview(i: int, claim: str | None = None) -> dict:
    """One ClaimReview in the shape of the Data Commons feed (see tests/crawlers/fixtures/real/claimreview)."""
    return {
        "@type": "ClaimReview",
        "author": {
            "@type": "Organization",
            "name": "Example Fact Check",
            "url": "https://factcheck.example.org/",
        },
        "claimReviewed": claim
        if claim is not None
        else f"Claim number {i} says something false about a vaccine.",
        "datePublished": "2019-09-20",
        "itemReviewed": {
            "@type": "Claim",
            "appearance": [{"@type": "CreativeWork", "url": f"https://social.example.com/post/{i}"}],
            "author": {"@type": "Person", "name": "Someone"},
            "datePublished": "2019-09-07",
        },
        "reviewRating": {"@type": "Rating", "alternateName": "False"},
        "url": f"https://factcheck.example.org/check/{i}",
    }


def write_feed(path: Path, n: int, extra: bytes = b"") -> Path:
    """A feed of ``n`` good records (written as a stream), then ``extra`` as one more element."""
    if path.exists():
        return path
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        fh.write(b'{"@context": "http://schema.org", "@type": "DataFeed", "dataFeedElement": [')
        for i in range(n):
            element = {"@type": "DataFeedItem", "item": [claimreview(i)]}
            fh.write((b"," if i else b"") + json.dumps(element).encode())
        if extra:
            fh.write((b"," if n else b"") + extra)
        fh.write(b"]}\n")
    tmp.rename(path)
    return path


def nested_element(depth: int) -> bytes:
    head = b'{"@type": "DataFeedItem", "item": [{"claimReviewed": "x", "url": "https://e.org/deep", "extra": '
    return head + b"[" * depth + b"]" * depth + b"}]}"


def string_element(megabytes: int) -> bytes:
    element = {"@type": "DataFeedItem", "item": [claimreview(10**9, claim="x" * (megabytes << 20))]}
    return json.dumps(element).encode()


def write_kb_dump(path: Path, megabytes: int) -> Path:
    if path.exists():
        return path
    real = [
        line for line in gzip.open(DUMP, "rb").read().splitlines() if line.strip() not in (b"[", b"]", b"")
    ]
    real = [line.rstrip(b",") for line in real]
    with open(path, "wb") as fh:
        fh.write(b"[\n" + b",\n".join(real) + b",\n")
        fh.write(b'{"id": "Q99", "type": "item", "labels": {"en": {"language": "en", "value": "')
        chunk = b"y" * (1 << 20)
        for _ in range(megabytes):
            fh.write(chunk)
        fh.write(b'"}}}\n]\n')
    return path


def write_bomb(path: Path, megabytes: int) -> Path:
    if path.exists():
        return path
    with gzip.open(path, "wb", compresslevel=6) as fh:
        fh.write(b"[\n")
        chunk = b"z" * (1 << 20)
        for _ in range(megabytes):
            fh.write(chunk)
    return path


def run_case(code: Path, kind: str, path: Path, out: Path, *, limit_gb: float | None, timeout: float) -> dict:
    def cap() -> None:
        if limit_gb:
            size = int(limit_gb * (1 << 30))
            resource.setrlimit(resource.RLIMIT_AS, (size, size))

    try:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(code), kind, str(path), str(out)],
            capture_output=True,
            text=True,
            timeout=timeout,
            preexec_fn=cap,
            cwd=code,
            env=os.environ | {"PYTHONPATH": str(code)},
        )
    except subprocess.TimeoutExpired:
        return {"status": "over limit", "seconds": timeout, "rss_mb": float("nan"), "detail": "time limit"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = (done.stderr.strip().splitlines() or ["killed"])[-1][:120]
        return {"status": "over limit", "seconds": float("nan"), "rss_mb": float("nan"), "detail": tail}
    return json.loads(lines[-1])


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/hardening-limits"))
    parser.add_argument("--only", default="feed,nested,string,kb-line,kb-bomb")
    parser.add_argument("--feed", default="10000,100000,1000000", help="feed sizes (records)")
    parser.add_argument("--nested", default="1000,20000,200000", help="nesting depths")
    parser.add_argument("--string", default="1,8,32,64", help="string sizes (MB)")
    parser.add_argument("--kb-line", default="1,8,64,256", help="dump line sizes (MB)")
    parser.add_argument("--kb-bomb", default="64,1024", help="gzip bomb sizes (MB, uncompressed)")
    parser.add_argument("--before", type=Path, help="another checkout to run the same cases on")
    parser.add_argument("--before-limit-gb", type=float, default=4.0)
    parser.add_argument("--timeout", type=float, default=1800.0)
    args = parser.parse_args()
    work = args.workdir
    work.mkdir(parents=True, exist_ok=True)
    families = args.only.split(",")
    cases: list[tuple[str, int, str, Path]] = []
    for n in map(int, args.feed.split(",")) if "feed" in families else []:
        cases.append(("feed", n, "feed", write_feed(work / f"feed-{n}.json", n)))
    for d in map(int, args.nested.split(",")) if "nested" in families else []:
        cases.append(("nested", d, "feed", write_feed(work / f"nested-{d}.json", 100, nested_element(d))))
    for m in map(int, args.string.split(",")) if "string" in families else []:
        cases.append(("string", m, "feed", write_feed(work / f"string-{m}.json", 100, string_element(m))))
    for m in map(int, args.kb_line.split(",")) if "kb-line" in families else []:
        cases.append(("kb-line", m, "kb", write_kb_dump(work / f"kbline-{m}.json", m)))
    for m in map(int, args.kb_bomb.split(",")) if "kb-bomb" in families else []:
        cases.append(("kb-bomb", m, "kb", write_bomb(work / f"bomb-{m}.json.gz", m)))

    runs = [("after", ROOT, None)] + (
        [("before", args.before.resolve(), args.before_limit_gb)] if args.before else []
    )
    print(
        f"{'code':6} {'case':8} {'size':>9} {'input MB':>9} {'seconds':>8} {'peak MB':>8} "
        f"{'mem/ref':>8} {'s-per-unit/ref':>14}  detail"
    )
    for label, code, limit in runs:
        reference: dict[str, tuple[float, float, int]] = {}
        for family, size, kind, path in cases:
            out = work / f"out-{label}-{family}-{size}"
            result = run_case(code, kind, path, out, limit_gb=limit, timeout=args.timeout)
            mb = path.stat().st_size / 2**20
            ratio_mem = ratio_time = float("nan")
            if result["status"] == "ok":
                if family not in reference:
                    reference[family] = (result["rss_mb"], result["seconds"], size)
                ref_rss, ref_s, ref_size = reference[family]
                ratio_mem = result["rss_mb"] / ref_rss
                ratio_time = (result["seconds"] / size) / (ref_s / ref_size) if ref_s > 0 else float("nan")
            print(
                f"{label:6} {family:8} {size:>9} {mb:>9.1f} {result['seconds']:>8.2f} {result['rss_mb']:>8.1f} "
                f"{ratio_mem:>8.2f} {ratio_time:>14.2f}  {result['status']}: {result['detail']}",
                flush=True,
            )


if __name__ == "__main__":
    main()
