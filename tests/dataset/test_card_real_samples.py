"""Issue 28: the card of each real release sample, packaged, states the split it was imported with (its counts
and where each part comes from) and the whole release's official split with its counts where they are known.

The expected figures come from tests/dataset/fixtures/real/SOURCES.md (rows of each sample file) and the
full-release counts measured there, not from the code under test.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from finefake.dataset.importers.fakeddit import FakedditConfig, import_fakeddit
from finefake.dataset.importers.fakenewsnet import FakeNewsNetConfig, import_fakenewsnet
from finefake.dataset.importers.liar import LiarConfig, import_liar
from finefake.dataset.importers.mediaeval import MediaEvalConfig, import_mediaeval
from finefake.dataset.package import PackageConfig, package
from finefake.workspace import Workspace

REAL = Path(__file__).parent / "fixtures" / "real"
OWN = "the release's own"
ADDED_VALIDATION = "cut by finefake: 10% of the release's train part"
NO_SPLIT = "cut by finefake (stratified 6:2:2 by label and platform, seed 0): the release has no split"

CASES = {
    # name: (import, {part: (items, origin)}, what the card says of the whole release)
    "liar": (
        lambda ws: import_liar(ws, LiarConfig(REAL / "liar")),
        {"train": (25, OWN), "validation": (25, OWN), "test": (25, OWN)},
        "train 10,269, validation 1,284, test 1,283 statements",
    ),
    "mediaeval-2015": (
        lambda ws: import_mediaeval(ws, MediaEvalConfig(REAL / "mediaeval", edition="2015")),
        {"train+validation": (60, None), "test": (29, OWN)},
        "devset (train) 14,483 tweets (14,481 distinct ids): 6,841 fake, 5,009 real, 2,633 humor; "
        "testset (test) 3,781 tweets: 2,564 fake, 1,217 real",
    ),
    "mediaeval-2016": (
        lambda ws: import_mediaeval(ws, MediaEvalConfig(REAL / "mediaeval", edition="2016")),
        {"train+validation": (26, None), "test": (88, OWN)},
        "devset (train) 15,629 posts: 9,404 fake, 6,225 real",
    ),
    "fakenewsnet": (
        lambda ws: import_fakenewsnet(ws, FakeNewsNetConfig(REAL / "fakenewsnet")),
        {"train+validation+test": (92, NO_SPLIT)},
        "none: FakeNewsNet publishes no split",
    ),
    "fakeddit": (
        # train: 30 posts and 3 over two lines each; validate: 30 + 2; test: 30 + 1 (SOURCES.md)
        lambda ws: import_fakeddit(ws, FakedditConfig(REAL / "fakeddit")),
        {"train": (33, OWN), "validation": (32, OWN), "test": (31, OWN)},
        "multimodal_train.tsv (train), multimodal_validate.tsv (validation) and multimodal_test_public.tsv",
    ),
}


def _split_table(card: str) -> dict[str, tuple[int, str]]:
    rows = re.findall(r"^\| (train|validation|test) \| (\d+) \| (.+) \|$", card, flags=re.MULTILINE)
    return {part: (int(n), origin) for part, n, origin in rows}


@pytest.mark.parametrize("name", list(CASES))
def test_card_states_imported_split_and_official_counts(tmp_path, name):
    run_import, expected, official = CASES[name]
    ws = Workspace(tmp_path / "ws")
    run_import(ws)
    package(ws, PackageConfig())
    card = (ws.root / "dataset" / "README.md").read_text(encoding="utf-8")
    table = _split_table(card)
    assert set(table) == {"train", "validation", "test"}
    for parts, (items, origin) in expected.items():
        names = parts.split("+")
        assert sum(table[p][0] for p in names) == items, (parts, table)
        if origin is not None:
            assert all(table[p][1] == origin for p in names), table
    if "train+validation" in expected:  # MediaEval has no validation part: finefake's, said so
        assert table["train"][1] == OWN and table["validation"][1].startswith(ADDED_VALIDATION)
    whole = re.search(r"^- The whole release's official split: (.+)\.$", card, flags=re.MULTILINE)
    assert whole and official in whole.group(1), card
