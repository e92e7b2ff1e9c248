"""``knowledge build-kb`` and the indexed linker at web scale: a generated dump of N entities (default 1,000,000).

Prints
* build-kb: wall time, entities/s and peak memory of the build (run in a child process), against a reference
  measured in the same run: streaming the same dump and decoding every entity with ``json.loads`` (the floor
  any dump reader pays);
* linking: 10,000 real-length texts (~450 words, a dozen names each) linked by the indexed linker in name-mention
  mode over that index: items/s and peak memory (child process; goals >= 100 items/s on 2 cores, < 4 GB),
  against the in-memory spaCy linker over the shipped 408-entity store on a sample of the same texts.

The dump is in Wikidata's JSON dump format (an array, one entity per line) with labels, descriptions,
aliases and ``instance of`` statements. Names are 1-3 words of 2-3 syllables from a 32-syllable inventory, and
one label in twenty repeats an earlier one, so short names are shared by several entities and disambiguation
is exercised.

    python perf/kb_linking.py [--entities 1000000] [--texts 10000] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ren",
    "tor",
    "sa",
    "vel",
    "din",
    "mar",
    "qu",
    "bel",
    "nor",
    "tash",
    "vi",
    "zen",
    "oru",
    "pel",
    "ham",
    "gri",
    "sto",
    "lin",
    "dra",
    "mek",
    "sul",
    "fa",
    "wen",
    "cor",
    "ish",
    "ul",
    "bra",
    "ten",
    "jo",
]
WORDS = (
    "the government said on monday that a new report would be published after officials met with local "
    "leaders to discuss the economy health care schools energy prices and security while critics argued the "
    "plan was too costly and supporters called it overdue as markets reacted and residents waited for details"
).split()
KINDS = [("Q5", "politician born in"), ("Q515", "city in the region of"), ("Q43229", "organization based in")]


def name(rng: random.Random) -> str:
    words = []
    for _ in range(rng.choice((1, 2, 2, 2, 3, 3))):
        words.append("".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 3, 3)))).capitalize())
    return " ".join(words)


def entity_names(n: int, seed: int = 7) -> list[str]:
    """The label of every generated entity, in id order (about 5% of labels repeat an earlier one)."""
    rng = random.Random(seed)
    labels: list[str] = []
    for _ in range(n):
        labels.append(rng.choice(labels) if labels and rng.random() < 0.05 else name(rng))
    return labels


def write_dump(path: Path, n: int) -> None:
    labels = entity_names(n)
    rng = random.Random(11)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("[\n")
        for i, label in enumerate(labels, start=1):
            kind, phrase = KINDS[i % 3]
            aliases = [{"language": "en", "value": name(rng)} for _ in range(rng.choice((0, 0, 1, 2)))]
            entity = {
                "type": "item",
                "id": f"Q{i}",
                "labels": {"en": {"language": "en", "value": label}},
                "descriptions": {"en": {"language": "en", "value": f"{phrase} {labels[rng.randrange(n)]}"}},
                "aliases": {"en": aliases} if aliases else {},
                "claims": {
                    "P31": [
                        {
                            "mainsnak": {
                                "snaktype": "value",
                                "property": "P31",
                                "datavalue": {
                                    "type": "wikibase-entityid",
                                    "value": {"entity-type": "item", "id": kind},
                                },
                                "datatype": "wikibase-item",
                            },
                            "type": "statement",
                            "rank": "normal",
                        }
                    ]
                },
                "sitelinks": {},
            }
            fh.write(json.dumps(entity, separators=(",", ":")) + (",\n" if i < n else "\n"))
        fh.write("]\n")


def texts(n_texts: int, labels: list[str], seed: int = 3) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n_texts):
        words: list[str] = []
        while len(words) < 450:
            sentence = [rng.choice(WORDS) for _ in range(rng.randint(8, 16))]
            if rng.random() < 0.35:
                sentence.insert(rng.randrange(len(sentence)), rng.choice(labels))
            words += sentence
            words[-1] += "."
        text = " ".join(words)
        out.append(text[0].upper() + text[1:])
    return out


CHILD_BUILD = """
import json, resource, sys, time
from pathlib import Path
from finefake.knowledge.kb import BuildKbConfig, build_kb
t = time.perf_counter()
r = build_kb(BuildKbConfig(dump=Path(sys.argv[1]), out=Path(sys.argv[2]), restart=True))
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": time.perf_counter() - t, "entities": r.entities,
                  "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}))
"""
CHILD_SCAN = """
import json, resource, sys, time
t = time.perf_counter(); n = 0
with open(sys.argv[1], "rb") as fh:
    for line in fh:
        line = line.strip().rstrip(b",")
        if line not in (b"[", b"]", b""):
            json.loads(line); n += 1
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": time.perf_counter() - t, "entities": n,
                  "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}))
"""
CHILD_LINK = """
import json, resource, sys, time
sys.path.insert(0, sys.argv[3])
from kb_linking import entity_names, texts
from finefake.knowledge.linking.indexed import IndexedLinker
docs = texts(int(sys.argv[2]), entity_names(int(sys.argv[4])))
t0 = time.perf_counter()
linker = IndexedLinker(sys.argv[1], ner=False)
load = time.perf_counter() - t0
t = time.perf_counter(); found = 0
for start in range(0, len(docs), 500):
    found += sum(len(c) for c in linker.link_many(docs[start:start + 500]))
seconds = time.perf_counter() - t
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": seconds, "load": load, "mentions": found, "texts": len(docs),
                  "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}))
"""


def child(code: str, *args: str) -> dict:
    result = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.exit(f"child failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entities", type=int, default=1_000_000)
    parser.add_argument("--texts", type=int, default=10_000)
    parser.add_argument("--reference-texts", type=int, default=40)
    parser.add_argument("--workdir", type=Path, default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.workdir) as tmp:
        work = Path(tmp)
        dump = work / "dump.json"
        t = time.perf_counter()
        write_dump(dump, args.entities)
        print(
            f"dump      : {args.entities} entities, {dump.stat().st_size / 1e6:.0f} MB, written in "
            f"{time.perf_counter() - t:.0f} s (setup, not measured)"
        )
        scan = child(CHILD_SCAN, str(dump))
        build = child(CHILD_BUILD, str(dump), str(work / "kb"))
        index_mb = (work / "kb" / "index.sqlite").stat().st_size / 1e6
        print(
            f"build-kb  : {build['seconds']:.0f} s wall ({build['cpu']:.0f} s CPU), "
            f"{build['entities'] / build['seconds']:.0f} entities/s, peak RSS {build['rss_mb']:.0f} MB, "
            f"index {index_mb:.0f} MB"
        )
        print(
            f"reference : streaming json.loads of the dump {scan['seconds']:.0f} s wall ({scan['cpu']:.0f} s CPU) "
            f"-> build-kb / scan = {build['seconds'] / scan['seconds']:.1f}x wall, "
            f"{build['cpu'] / scan['cpu']:.1f}x CPU"
        )
        link = child(
            CHILD_LINK, str(work / "kb"), str(args.texts), str(Path(__file__).parent), str(args.entities)
        )
        rate = link["texts"] / link["seconds"]
        print(
            f"linking   : {link['texts']} texts in {link['seconds']:.1f} s wall = {rate:.0f} items/s "
            f"(goal >= 100; {link['texts'] / link['cpu']:.0f} per CPU-second incl. index load), "
            f"{link['mentions'] / link['texts']:.1f} linked mentions/text, index load {link['load']:.1f} s, "
            f"peak RSS {link['rss_mb']:.0f} MB (goal < 4096)"
        )
    from finefake.knowledge.linking.local import LocalLinker
    from finefake.knowledge.store import store_entities

    sample = texts(args.reference_texts, entity_names(min(args.entities, 5000)))
    reference = LocalLinker(store_entities())
    reference.link_many(["Warm-up: Barack Obama visited Apple in Cupertino."])
    t = time.perf_counter()
    reference.link_many(sample)
    ref_rate = len(sample) / (time.perf_counter() - t)
    print(
        f"reference : spaCy linker over the shipped 408-entity store {ref_rate:.1f} items/s on "
        f"{len(sample)} of the texts -> indexed / spaCy = {rate / ref_rate:.0f}x"
    )
    print(f"this process peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
