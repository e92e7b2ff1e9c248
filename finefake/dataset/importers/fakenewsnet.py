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
The articles sit at hundreds of outlets, not only FineFake's eight platforms: an article at any other host is
crawled all the same (polite, resumable, Wayback fallback) and kept in ``crawl/news`` as platform ``web`` for
dataset ``fakenewsnet``. The outlet's host is each record's ``host`` domain (from ``news_url``, at import).
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from finefake.contract import LABEL_NAMES
from finefake.crawlers.http import HttpConfig
from finefake.crawlers.wayback import WAYBACK_API, WAYBACK_WEB
from finefake.dataset.importers.common import (
    Converted,
    ImportReport,
    Row,
    SourceInfo,
    count_lines,
    find_files,
    new_record,
    read_csv,
    write_import,
)
from finefake.errors import FinefakeError
from finefake.ids import item_id
from finefake.workspace import Workspace

DATASET = "fakenewsnet"
SOURCE = SourceInfo(
    title="FakeNewsNet (PolitiFact, GossipCop)",
    citation=(
        "Kai Shu, Deepak Mahudeswaran, Suhang Wang, Dongwon Lee and Huan Liu. 2020. FakeNewsNet: A Data "
        "Repository with News Content, Social Context, and Spatiotemporal Information for Studying Fake News "
        "on Social Media. Big Data 8(3):171-188."
    ),
    homepage="https://github.com/KaiDMML/FakeNewsNet",
    terms="Articles belong to their outlets and tweets fall under X (Twitter) developer terms.",
)
#: What the card says of the whole release's split (``common.official_counts``): FakeNewsNet publishes none,
#: and of its files only politifact_fake.csv was counted here (KaiDMML/FakeNewsNet at 654361e; the other three
#: are listed in that snapshot without their content, so their sizes are not stated).
OFFICIAL_COUNTS = {
    "release": "none: FakeNewsNet publishes no split (finefake cuts 6:2:2 at import, see above); "
    "politifact_fake.csv holds 432 rows (counted at KaiDMML/FakeNewsNet 654361e), the sizes of "
    "politifact_real.csv, gossipcop_fake.csv and gossipcop_real.csv are not stated here (not counted)"
}
SOURCE_TOPICS = {"politifact": "politics", "gossipcop": "entertainment"}
_FILE = re.compile(r"^(politifact|gossipcop)_(fake|real)\.csv$", re.IGNORECASE)
_ID = re.compile(r"^[A-Za-z0-9._-]+$")


@dataclass
class FakeNewsNetConfig:
    path: Path


@dataclass
class CrawlConfig:
    """How ``--crawl`` reaches the web: finefake's news crawler and tweepy client, with their settings.

    ``host_platforms`` maps further hosts to FineFake's news platforms (as ``crawl news`` does); every other
    host is crawled as platform ``web``. ``api_base`` points the Twitter client elsewhere and ``wayback_api`` /
    ``wayback_web`` the dead-link fallback (local servers in tests). Tweets are fetched only when
    ``TWITTER_BEARER_TOKEN`` is set (or ``twitter_replay`` gives an archive); without it the articles are still
    crawled.
    """

    http: HttpConfig = field(default_factory=HttpConfig)
    host_platforms: dict[str, str] = field(default_factory=dict)
    api_base: str | None = None
    tweets: bool = True
    max_tweets_per_item: int = 100
    max_images: int = 10
    news_replay: str | None = None
    twitter_replay: str | None = None
    wayback_api: str = WAYBACK_API
    wayback_web: str = WAYBACK_WEB


@dataclass
class CrawlSummary:
    """What ``--crawl`` added to the records, and what it could not fetch (with reasons)."""

    articles_filled: int = 0
    tweets_attached: int = 0
    records_with_tweets: int = 0
    not_crawled: Counter = field(default_factory=Counter)
    tweets_skipped: str | None = None


def source_and_label(path: Path) -> tuple[str, int]:
    """(source, binary label) from a release file name such as ``politifact_fake.csv``."""
    match = _FILE.match(path.name)
    if not match:
        raise FinefakeError(
            f"{path.name} is not a FakeNewsNet file name (expected politifact|gossipcop _ fake|real .csv)"
        )
    return match.group(1).lower(), LABEL_NAMES.index(match.group(2).lower())


def host_of(url: str) -> str | None:
    """The outlet of an article URL (lower case, without ``www.``), or None when the URL names no host.

    The release links many articles through the Wayback Machine; their outlet is the archived page's host.
    """
    from finefake.crawlers.snopes import unwrap_archive

    try:
        host = (urlsplit(unwrap_archive(url) or url).hostname or "").lower().rstrip(".")
    except ValueError:  # a malformed netloc (e.g. an unclosed IPv6 bracket) in a release row
        return None
    return host.removeprefix("www.") or None


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
        title=title,
        text="",
        url=url,
        topic=SOURCE_TOPICS[source],
        labels={"binary": label},
        label=label,
        domains={"source": source, **({"host": host} if (host := host_of(url)) else {})},
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
    sources = sorted({source_and_label(p)[0] for p in files})
    report.conditions = {"subset": "FakeNewsNet " + "+".join(sources), "label_mapping": "fake/real"}
    return write_import(
        ws, report, _rows(files, report), total=count_lines(files), settings={"path": str(config.path)}
    )


def _image(raw: dict[str, Any]) -> dict[str, Any] | None:
    if not raw.get("path") or not raw.get("sha256"):
        return None
    return {k: raw.get(k) for k in ("path", "sha256", "width", "height", "url")}


def crawl_articles(ws: Workspace, config: CrawlConfig) -> CrawlSummary:
    """Fetch the imported records' articles and sharing tweets with finefake's crawlers, then fill the records.

    Articles go through the public news-crawl entry point (``crawl_news``: polite, robots.txt, resumable,
    archived) into ``crawl/news``; tweets through ``crawl_twitter`` (tweepy, API v2) into ``crawl/twitter``.
    Filled in: text, authors, date and images from the article; the tweets as the item's social context
    (``comments``). Each record notes in ``metadata.crawl`` what happened to its article. Rerunning resumes.
    """
    from finefake.crawlers.news import WEB, NewsConfig, crawl_news, platform_for
    from finefake.crawlers.twitter import TwitterConfig, crawl_twitter

    ws.require("records", "finefake import fakenewsnet PATH")
    records = list(ws.read("records"))
    if any(r.get("dataset") != DATASET for r in records):
        raise FinefakeError("--crawl fills FakeNewsNet records; this workspace holds another dataset")
    summary = CrawlSummary()
    article_of: dict[str, str] = {}
    for record in records:
        if not host_of(record["url"]):
            record["metadata"]["crawl"] = "no article URL"
            summary.not_crawled["no_url"] += 1
            continue
        platform = platform_for(record["url"], config.host_platforms) or WEB
        article_of[record["id"]] = item_id(platform, url=record["url"])
    news_items: dict[str, dict[str, Any]] = {}
    if article_of:
        urls = tuple(dict.fromkeys(r["url"] for r in records if r["id"] in article_of))
        news = NewsConfig(
            from_snopes=False, from_claimreview=False, urls=urls, host_platforms=config.host_platforms,
            http=config.http, replay=config.news_replay, wayback_api=config.wayback_api,
            wayback_web=config.wayback_web, max_images=config.max_images, dataset=DATASET,
        )  # fmt: skip
        report = crawl_news(ws, news)
        failures = {f.get("url"): f.get("error") for f in report.failures}
        news_items = {item["id"]: item for item in ws.read("crawl/news")}
        for record in records:
            if record["id"] in article_of and article_of[record["id"]] not in news_items:
                record["metadata"]["crawl"] = f"article not fetched: {failures.get(record['url'], 'unknown')}"
                summary.not_crawled["article_failed"] += 1
    tweets: dict[str, dict[str, Any]] = {}
    wanted = sorted(
        {t for r in records for t in r["metadata"].get("tweet_ids", [])[: config.max_tweets_per_item]}
    )
    if not config.tweets or not wanted:
        summary.tweets_skipped = "not requested" if not config.tweets else "no tweet ids"
    elif not (os.environ.get("TWITTER_BEARER_TOKEN") or config.twitter_replay):
        summary.tweets_skipped = "TWITTER_BEARER_TOKEN is not set"
    else:
        twitter = TwitterConfig(ids=tuple(wanted), from_snopes=False, replies=False, http=config.http,
                                replay=config.twitter_replay)  # fmt: skip
        if config.api_base:
            twitter.api_base = config.api_base
        crawl_twitter(ws, twitter)
        tweets = {item["id"]: item for item in ws.read("crawl/twitter")}
    for record in records:
        article = news_items.get(article_of.get(record["id"], ""))
        if article is not None:
            record["text"] = article["text"]
            record["title"] = record["title"] or article["title"]
            record["authors"] = article["authors"]
            record["published"] = article["published"]
            record["images"] = [i for i in map(_image, article["images"]) if i]
            record["metadata"]["crawl"] = "article fetched"
            record["metadata"]["article_id"] = article["id"]
            if article["metadata"].get("archived_from"):
                record["metadata"]["archived_from"] = article["metadata"]["archived_from"]
            summary.articles_filled += 1
        shared = [
            tweets[f"twitter:{t}"]
            for t in record["metadata"].get("tweet_ids", [])
            if f"twitter:{t}" in tweets
        ]
        record["comments"] = [
            {"id": t["id"], "author": (t["authors"] or [None])[0], "text": t["text"], "created": t["published"],
             "parent_id": None, "score": None}
            for t in shared
        ]  # fmt: skip
        summary.tweets_attached += len(shared)
        summary.records_with_tweets += bool(shared)
    with ws.run("records", inputs=["records", "crawl/news", "crawl/twitter"], config={"crawl": True}) as run:
        ws.write_records("records", "record", records, mode="replace")
        run.extra["dataset"] = DATASET
        run.counts.update(
            written=len(records),
            articles_filled=summary.articles_filled,
            tweets_attached=summary.tweets_attached,
        )
        run.extra["crawl"] = {
            "not_crawled": dict(summary.not_crawled),
            "tweets_skipped": summary.tweets_skipped,
        }
    return summary
