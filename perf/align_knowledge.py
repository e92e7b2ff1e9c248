"""Speed of ``align-knowledge`` on synthetic items against the shipped local store.

Prints items/s and entities/s, SPARQL queries per distinct entity (goal <= 1/40 with batching + cache), the
queries of a second run over the same items (goal: 0), and the time ratio against a reference measured in the
same run: spaCy NER alone over the same texts (the floor any NER-based linker pays).

    python perf/align_knowledge.py [N]      # default 10000
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from finefake.knowledge.aligner import AlignConfig, align
from finefake.knowledge.linking.local import LocalLinker
from finefake.knowledge.store import store_entities
from finefake.records import project
from finefake.workspace import Workspace


def news_items(n: int, ws: Workspace) -> list[dict]:
    """news_item fields of the synthetic generator's records (their texts mention real store entities)."""
    from finefake.dataset.synthetic import generate_records

    return [project("news_item", r) for r in generate_records(n, seed=1, workspace=ws)]


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace(Path(tmp) / "ws")
        items = news_items(n, ws)
        ws.write_records("clean", "news_item", items)
        linker = LocalLinker(store_entities())
        linker.link_many(["Warm-up: Barack Obama visited Apple in Cupertino."])

        t0 = time.perf_counter()
        for _ in linker.nlp.pipe([i["text"] for i in items], batch_size=64):
            pass
        ner_s = time.perf_counter() - t0

        first = align(ws, AlignConfig(), linker=linker)
        second = align(ws, AlignConfig(restart=True), linker=linker)
    kept = first.entities_kept
    print(
        f"items: {n}   distinct entities: {first.distinct_entities}   kept entity mentions: {kept}   "
        f"queued: {first.entities_queued}   dropped: {first.entities_dropped}"
    )
    print(
        f"first run : {first.seconds:.1f} s  {n / first.seconds:.0f} items/s  {kept / first.seconds:.0f} entities/s"
    )
    print(f"reference : spaCy NER alone {ner_s:.1f} s  -> align / NER-only = {first.seconds / ner_s:.2f}x")
    per = first.sparql_queries / max(1, first.distinct_entities)
    print(
        f"SPARQL    : {first.sparql_queries} queries for {first.distinct_entities} distinct entities "
        f"= {per:.4f} per entity (goal <= {1 / 40:.4f}); per kept mention = {first.sparql_queries / max(1, kept):.5f}"
    )
    print(
        f"second run: {second.sparql_queries} queries (goal 0), {second.seconds:.1f} s "
        f"({n / second.seconds:.0f} items/s)"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
