"""Field yields of the fact-check parsers over a folder of saved pages: ``python perf/page_fidelity.py DIR``.

Prints, per site, how many pages yield each field (rating, claim, title, authors, date, body, categories, tags,
images), how many bodies are free of site chrome, how many ratings are in the YAML tables, the ratings found,
and every failure with its page. ``--expected FILE`` also compares each page with values written by hand
(tests/crawlers/fixtures/real/factchecks/expected.yaml); the real-page tests use the same code
(:mod:`finefake.crawlers.fidelity`). Also prints the parse speed (pages/s) of this run.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import yaml

from finefake.crawlers.fidelity import measure, report_lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="folder of saved pages (*.html, *.html.gz, any depth)")
    parser.add_argument("--expected", type=Path, help="YAML list of expected values per page")
    args = parser.parse_args(argv)
    if not args.folder.is_dir():
        print(f"error: {args.folder} is not a folder", file=sys.stderr)
        return 2
    expected = yaml.safe_load(args.expected.read_text(encoding="utf-8")) if args.expected else None
    start = time.perf_counter()
    result = measure(args.folder, expected)
    seconds = time.perf_counter() - start
    for line in report_lines(result):
        print(line)
    total = sum(result.pages.values())
    print(f"{total} pages in {seconds:.1f} s ({total / seconds if seconds else 0:.1f} pages/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
