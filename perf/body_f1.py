"""Body-text quality of ``crawl news`` against bare trafilatura, on pages with hand-checked article bodies.

For every page of the Zyte/Scrapinghub article-extraction benchmark (181 real news and blog pages with their
``articleBody`` written out by people; https://github.com/scrapinghub/article-extraction-benchmark, MIT) this
extracts the body twice, with :func:`finefake.crawlers.news.parse_article` and with ``trafilatura.extract``
on its defaults (the reference, measured in the same run), and scores each against the truth with token F1
(bag-of-words overlap: precision over the extracted words, recall over the true ones). Prints the mean F1 of
both, their ratio (goal >= 1.0) and the pages where finefake does worse.

    python perf/body_f1.py BENCHMARK_DIR [--limit N]    # BENCHMARK_DIR holds html/*.html.gz, ground-truth.json
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import statistics
import time
from collections import Counter
from pathlib import Path

_TOKEN = re.compile(r"\w+", re.UNICODE)


def token_f1(truth: str, predicted: str) -> float:
    gold, pred = Counter(_TOKEN.findall(truth.lower())), Counter(_TOKEN.findall(predicted.lower()))
    if not gold and not pred:
        return 1.0
    overlap = sum((gold & pred).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(pred.values()), overlap / sum(gold.values())
    return 2 * precision * recall / (precision + recall)


def main() -> None:
    import trafilatura

    from finefake.crawlers.news import parse_article

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("benchmark", type=Path)
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    truth = json.loads((args.benchmark / "ground-truth.json").read_text(encoding="utf-8"))
    keys = sorted(truth)[: args.limit]
    ours, bare, worse = [], [], []
    t_ours = t_bare = 0.0
    for key in keys:
        html = gzip.decompress((args.benchmark / "html" / f"{key}.html.gz").read_bytes()).decode(
            "utf-8", "replace"
        )
        gold, url = truth[key].get("articleBody") or "", truth[key].get("url") or "https://example.com/"
        t = time.perf_counter()
        try:
            text = parse_article(html, url)["text"]
        except ValueError:
            text = ""
        t_ours += time.perf_counter() - t
        t = time.perf_counter()
        reference = trafilatura.extract(html, url=url) or ""
        t_bare += time.perf_counter() - t
        ours.append(token_f1(gold, text))
        bare.append(token_f1(gold, reference))
        if ours[-1] < bare[-1] - 0.01:
            worse.append((key[:12], url, round(ours[-1], 3), round(bare[-1], 3)))
    mean_ours, mean_bare = statistics.mean(ours), statistics.mean(bare)
    print(f"pages     : {len(keys)}")
    print(f"finefake  : mean token F1 {mean_ours:.4f}  ({t_ours:.1f} s)")
    print(f"reference : trafilatura.extract defaults, mean token F1 {mean_bare:.4f}  ({t_bare:.1f} s)")
    print(f"ratio     : finefake / trafilatura = {mean_ours / mean_bare:.4f} (goal >= 1.0)")
    print(f"worse on  : {len(worse)} page(s) by more than 0.01")
    for row in worse[:20]:
        print("   ", *row)


if __name__ == "__main__":
    main()
