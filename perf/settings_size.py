"""Size and write time of ``settings.json`` for a Fakeddit-scale import (about a million rows).

``settings.json`` lists the items of every setting of every task of the dataset, beside ``splits.json`` (item
id -> split). Fakeddit has three classification tasks on its official split and a leave-one-subreddit-out
adaptation task over its 22 subreddits, so a plain id list per part repeats each id about 25 times. This
script generates Fakeddit TSVs in the release's format (``multimodal_train/validate/test_public.tsv``, the
release's 82.6 / 8.7 / 8.7 split, 22 subreddits with their 2/3/6-way labels), imports them (which writes
``records/splits.json`` and ``records/settings.json``), then times ``write_settings_file`` again on its own.
The reference, measured in the same run, is ``splits.json``: one id per item, the least a split file holds.

    python perf/settings_size.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

HEADER = (
    "\tauthor\tclean_title\tcreated_utc\tdomain\thasImage\tid\timage_url\tlinked_submission_id\tnum_comments"
    "\tscore\tsubreddit\ttitle\tupvote_ratio\t2_way_label\t3_way_label\t6_way_label"
)
#: The release's subreddits with their (2-way, 3-way, 6-way) labels (Nakamura et al., 2020, Table 2).
SUBREDDITS = {
    **{s: ("1", "0", "0") for s in ("photoshopbattles", "nottheonion", "neutralnews", "pic", "usanews",
                                    "upliftingnews", "mildlyinteresting", "usnews")},
    **{s: ("0", "2", "1") for s in ("fakealbumcovers", "satire", "waterfordwhispersnews", "theonion")},
    **{s: ("0", "2", "2") for s in ("propagandaposters", "fakefacts", "savedyouaclick")},
    **{s: ("0", "1", "4") for s in ("misleadingthumbnails", "confusing_perspective", "pareidolia",
                                    "fakehistoryporn")},
    **{s: ("0", "2", "3") for s in ("subredditsimulator", "subsimulatorgpt2")},
    "psbattle_artwork": ("0", "1", "5"),
}  # fmt: skip
WORDS = ("man", "cat", "photo", "city", "storm", "found", "old", "new", "my", "this", "today", "finally")


def write_fakeddit(root: Path, n: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    names = list(SUBREDDITS)
    parts = {
        "multimodal_train.tsv": 0.826,
        "multimodal_validate.tsv": 0.087,
        "multimodal_test_public.tsv": 0.087,
    }
    start = 0
    root.mkdir(parents=True)
    for name, share in parts.items():
        count = round(n * share) if name != "multimodal_test_public.tsv" else n - start
        with open(root / name, "w", encoding="utf-8") as fh:
            fh.write(HEADER + "\n")
            for i in range(start, start + count):
                subreddit = rng.choice(names)
                title = " ".join(rng.choice(WORDS) for _ in range(9))
                post = f"p{i:07x}"
                fields = [str(i - start), f"user{rng.randrange(50_000)}", title, f"{1.5e9 + i:.1f}", "i.imgur.com",
                          "True", post, f"https://i.imgur.com/{post}.jpg", "", "3.0", str(rng.randrange(500)),
                          subreddit, title.capitalize(), "0.9", *SUBREDDITS[subreddit]]  # fmt: skip
                fh.write("\t".join(fields) + "\n")
        start += count


def _listed_size(content: dict) -> int:
    """Bytes of the same settings with every part written as a JSON list of its ids (``"id",`` per item)."""
    import base64
    import zlib

    import numpy as np

    lengths = np.array([len(json.dumps(i, ensure_ascii=False)) + 1 for i in content["ids"]], dtype=np.int64)
    total = 0
    for task in content["tasks"].values():
        for setting in task["settings"]:
            for part in ("train", "validation", "test"):
                raw = zlib.decompress(base64.b64decode(setting[part]["bits"]))
                mask = np.unpackbits(np.frombuffer(raw, dtype=np.uint8), count=len(lengths)).astype(bool)
                total += int(lengths[mask].sum())
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    from finefake.benchmarks.specs import write_settings_file
    from finefake.dataset.importers.fakeddit import FakedditConfig, import_fakeddit
    from finefake.workspace import Workspace, atomic_write_json

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_fakeddit(root / "fakeddit", args.rows)
        ws = Workspace(root / "ws")
        start = time.perf_counter()
        report = import_fakeddit(ws, FakedditConfig(root / "fakeddit"))
        imported = time.perf_counter() - start
        records = list(ws.read("records"))
        split = json.loads((ws.root / "records" / "splits.json").read_text(encoding="utf-8"))
        start = time.perf_counter()
        atomic_write_json(root / "splits.json", split)
        ref_time = time.perf_counter() - start
        start = time.perf_counter()
        write_settings_file(root / "settings.json", "fakeddit", records, split, "splits.json")
        settings_time = time.perf_counter() - start
        ref_size, size = (root / "splits.json").stat().st_size, (root / "settings.json").stat().st_size
        content = json.loads((root / "settings.json").read_text(encoding="utf-8"))
        n_settings = sum(len(t["settings"]) for t in content["tasks"].values())
        listed = _listed_size(content)
        print(
            f"fakeddit: {report.written} rows imported in {imported:.1f} s (settings.json included); "
            f"{n_settings} settings in {len(content['tasks'])} tasks"
        )
        print(
            f"settings.json {size / 1e6:.1f} MB written in {settings_time:.2f} s; splits.json {ref_size / 1e6:.1f} MB "
            f"in {ref_time:.2f} s; ratio size {size / ref_size:.1f}x, time {settings_time / ref_time:.1f}x"
        )
        print(
            f"listing each part's ids instead (the previous format, compact JSON): {listed / 1e6:.1f} MB, "
            f"{listed / size:.0f}x the bitsets"
        )


if __name__ == "__main__":
    main()
