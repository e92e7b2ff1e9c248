"""FakeNewsNet: PolitiFact and GossipCop news with their sharing tweets, as records.

Shu et al., "FakeNewsNet: A Data Repository with News Content, Social Context and Spatiotemporal Information
for Studying Fake News on Social Media", Big Data 8(3), 2020; github.com/KaiDMML/FakeNewsNet. The release's
dataset folder holds ``politifact_fake.csv``, ``politifact_real.csv``, ``gossipcop_fake.csv`` and
``gossipcop_real.csv``, comma-separated with a header: ``id, news_url, title, tweet_ids`` (the tweet ids
tab-separated inside their field). The label comes from the file name (fake -> 0, real -> 1), the source
(politifact, gossipcop) is the record's ``source`` domain and decides its topic (politifact -> politics,
gossipcop -> entertainment). FakeNewsNet has no official split: its tasks use stratified ratios.

The CSVs carry titles and URLs only; ``crawl_articles`` (``finefake import fakenewsnet --crawl``) fetches the
article bodies with finefake's own news crawler and the tweets with its tweepy client, then fills the records.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from finefake.contract import LABEL_NAMES
from finefake.dataset.importers.common import (
    Converted,
    ImportReport,
    Row,
    count_lines,
    find_files,
    new_record,
    read_csv,
    write_import,
)
from finefake.errors import FinefakeError
from finefake.workspace import Workspace

DATASET = "fakenewsnet"
SOURCE_TOPICS = {"politifact": "politics", "gossipcop": "entertainment"}
_FILE = re.compile(r"^(politifact|gossipcop)_(fake|real)\.csv$", re.IGNORECASE)
_ID = re.compile(r"^[A-Za-z0-9._-]+$")


@dataclass
class FakeNewsNetConfig:
    path: Path


def source_and_label(path: Path) -> tuple[str, int]:
    """(source, binary label) from a release file name such as ``politifact_fake.csv``."""
    match = _FILE.match(path.name)
    if not match:
        raise FinefakeError(
            f"{path.name} is not a FakeNewsNet file name (expected politifact|gossipcop _ fake|real .csv)"
        )
    return match.group(1).lower(), LABEL_NAMES.index(match.group(2).lower())


def convert(row: Row, report: ImportReport, source: str, label: int):
    """One release row as a record (title only until crawled), or None with the problem filed."""
    news = row.get("id")
    if not news or not _ID.match(news):
        report.problem(row.file, row.line, f"bad field id: {news[:40]!r}")
        return None
    url = row.get("news_url")
    if url and "://" not in url:
        url = f"http://{url}"  # the release often drops the scheme (e.g. "www.nytimes.com/...")
    title = row.get("title")
    if not title:
        report.problem(row.file, row.line, "empty field title", "kept")
    if not url:
        report.problem(row.file, row.line, "empty field news_url", "kept")
    tweet_ids = [t for t in re.split(r"[\s,]+", row.get("tweet_ids")) if t]
    bad = [t for t in tweet_ids if not t.isdigit()]
    if bad:
        report.problem(
            row.file, row.line, f"bad field tweet_ids: {len(bad)} non-numeric id(s) dropped", "repaired"
        )
        tweet_ids = [t for t in tweet_ids if t.isdigit()]
    return new_record(
        DATASET,
        f"{DATASET}:{news}",
        platform=source,
        platform_group="fact_check",
        title=title,
        text="",
        url=url,
        topic=SOURCE_TOPICS[source],
        labels={"binary": label},
        label=label,
        domains={"source": source},
        split=None,
        metadata={
            "tweet_ids": tweet_ids,
            "news_url": row.get("news_url"),
            "file": row.file.name,
            "line": row.line,
        },
    )


def _rows(files: list[Path], report: ImportReport) -> Iterator[Converted]:
    for path in files:
        source, label = source_and_label(path)
        for row in read_csv(path, report):
            yield row, convert(row, report, source, label)


def import_fakenewsnet(ws: Workspace, config: FakeNewsNetConfig) -> ImportReport:
    """Import FakeNewsNet CSVs (a file, or the dataset folder) into stage ``records``."""
    files = find_files(
        config.path, lambda p: bool(_FILE.match(p.name)), "FakeNewsNet *_fake.csv / *_real.csv"
    )
    for path in files:
        source_and_label(path)  # a wrongly named lone file fails before anything is written
    report = ImportReport(DATASET, files=[str(p) for p in files])
    return write_import(
        ws, report, _rows(files, report), total=count_lines(files), settings={"path": str(config.path)}
    )
