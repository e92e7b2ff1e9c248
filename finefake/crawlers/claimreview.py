"""``finefake crawl claimreview``: fact-checks of every publisher from their ClaimReview markup.

Two sources, one record shape (stage ``crawl/claimreview``):

* the Data Commons / Fact Check Tools data feed, a downloaded JSON file (``{"dataFeedElement": [{"item":
  [ClaimReview, ...]}, ...]}``), read as a stream with nesting and field length capped
  (:mod:`finefake.crawlers.feed_reader`), each record written to the stage as it is read, so memory stays flat
  in the feed's size;
* the Google Fact Check Tools ``claims:search`` API (``GET .../v1alpha1/claims:search``), paged with
  ``pageToken``; the key comes from ``FACTCHECK_API_KEY`` (or ``GOOGLE_API_KEY``) and never reaches logs or
  records.

Each record keeps claim, claimant, rating (as published), reviewer, review date and URL, and the claim's
appearances. Every record is checked against ``schemas/claimreview.schema.json`` before it is written; one with
a field of the wrong type (an object as a title) or over the caps is rejected and counted by reason, never kept.
Ratings are free text ("False", "Pants on Fire", "This is misleading. While ...", "Falso"); the
leading verdict phrase is normalised and looked up in the same YAML table as Snopes' ratings
(:func:`finefake.contract.rating_verdict`), so the label rule is one for all publishers. A record's
``fact_check`` has the data contract's shape, and its ``links`` (the appearances) feed ``crawl news`` exactly
as a Snopes fact-check's source links do.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from finefake.contract import LABEL_NAMES
from finefake.crawlers.extract import appearances as appearances_of
from finefake.crawlers.extract import parse_date
from finefake.crawlers.feed_reader import feed_elements, review_type_error
from finefake.crawlers.http import HttpConfig
from finefake.crawlers.ratings import verdict_of
from finefake.errors import FinefakeError, MissingCredentials
from finefake.jsonstream import Rejected
from finefake.knowledge.http import USER_AGENT, ServiceError, json_body, request_with_retries
from finefake.records import iter_errors
from finefake.workspace import Workspace

STAGE = "crawl/claimreview"
API_URL = "https://factchecktools.googleapis.com/v1alpha1/claims:search"
KEY_VARIABLES = ("FACTCHECK_API_KEY", "GOOGLE_API_KEY")


@dataclass
class ClaimReviewConfig:
    """Everything ``finefake crawl claimreview`` can be told."""

    feed: Path | None = None
    query: str | None = None
    publishers: tuple[str, ...] = ()
    language: str | None = None
    max_age_days: int | None = None
    page_size: int = 100
    limit: int | None = None
    api_url: str = API_URL
    rate: float = 2.0
    session: Any = field(default=None, repr=False, compare=False)
    pages: bool = False
    """Fetch each fact-check's page for its article text, authors and images (finefake.crawlers.factcheck)."""
    max_images: int = 10
    http: HttpConfig = field(default_factory=HttpConfig)


@dataclass
class ClaimReviewReport:
    written: int = 0
    seen: int = 0
    skipped_publisher: int = 0
    skipped_duplicate: int = 0
    skipped_bad: int = 0
    api_pages: int = 0
    verdicts: dict[str, int] = field(default_factory=dict)
    pages: dict[str, int] = field(default_factory=dict)
    #: ``--pages``: the items written to ``crawl/factchecks`` and the items per rating
    items: int = 0
    ratings: dict[str, int] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    """Why records were unusable (``too_deep``, ``string_too_long``, ``wrong_type:title``, ...), with counts."""


def api_key() -> str:
    for name in KEY_VARIABLES:
        if os.environ.get(name):
            return os.environ[name]
    raise MissingCredentials("Google Fact Check Tools API", list(KEY_VARIABLES))


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return host[4:] if host.startswith("www.") else host


def record_of(review: dict[str, Any], claim: dict[str, Any], source: str) -> dict[str, Any] | None:
    """One ``crawl/claimreview`` record from a ClaimReview (schema.org or API form) and its claim."""
    url = str(review.get("url") or "").strip()
    claim_text = " ".join(str(claim.get("text") or "").split())
    if not url.startswith(("http://", "https://")) or not claim_text:
        return None
    rating = str(review.get("rating") or "")
    verdict, phrase = verdict_of(rating)
    label = LABEL_NAMES.index(verdict) if verdict in LABEL_NAMES else None
    reviewer = review.get("reviewer") or {}
    return {
        "id": "claimreview:" + hashlib.sha1(url.encode()).hexdigest()[:16],
        "source": source,
        "claim": claim_text,
        "claimant": claim.get("claimant") or None,
        "claim_date": parse_date(claim.get("date")),
        "review_url": url,
        "title": review.get("title") or None,
        "reviewer": {"name": reviewer.get("name") or None, "site": reviewer.get("site") or _host(url)},
        "review_date": parse_date(review.get("date")),
        "rating": rating,
        "rating_phrase": phrase,
        "verdict": verdict,
        "language": review.get("language") or None,
        "links": [u for u in dict.fromkeys(claim.get("appearances") or []) if u != url],
        "fact_check": {"url": url, "claim": claim_text, "rating": rating, "categories": [], "label": label},
    }


def _names(value: Any) -> dict[str, str | None]:
    author = value[0] if isinstance(value, list) and value else value
    if not isinstance(author, dict):
        return {"name": str(author) if author else None, "site": None}
    return {"name": author.get("name"), "site": _host(str(author.get("url") or "")) or None}


def from_schema_org(review: dict[str, Any]) -> dict[str, Any] | None:
    """A schema.org ``ClaimReview`` (feed or page markup) as a record."""
    if not isinstance(review, dict):
        return None
    rating = review.get("reviewRating") if isinstance(review.get("reviewRating"), dict) else {}
    item = review.get("itemReviewed") if isinstance(review.get("itemReviewed"), dict) else {}
    claimant = _names(item.get("author")).get("name")
    return record_of(
        {
            "url": review.get("url"),
            "title": review.get("name") or review.get("headline"),
            "rating": rating.get("alternateName") or rating.get("name") or "",
            "reviewer": _names(review.get("author")),
            "date": review.get("datePublished"),
            "language": review.get("inLanguage"),
        },
        {
            "text": review.get("claimReviewed"),
            "claimant": claimant,
            "date": item.get("datePublished"),
            "appearances": appearances_of(review),
        },
        "feed",
    )


def from_api(claim: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The records of one ``claims:search`` claim (one per review)."""
    for review in claim.get("claimReview") or []:
        if not isinstance(review, dict):
            continue
        publisher = review.get("publisher") if isinstance(review.get("publisher"), dict) else {}
        record = record_of(
            {
                "url": review.get("url"),
                "title": review.get("title"),
                "rating": review.get("textualRating") or "",
                "reviewer": {"name": publisher.get("name"), "site": publisher.get("site")},
                "date": review.get("reviewDate"),
                "language": review.get("languageCode"),
            },
            {"text": claim.get("text"), "claimant": claim.get("claimant"), "date": claim.get("claimDate")},
            "api",
        )
        if record is not None:
            yield record


def iter_feed(path: Path) -> Iterator[dict[str, Any] | Rejected]:
    """Records of a Data Commons ClaimReview feed file, streamed; an unusable entry is a :class:`Rejected`.

    A feed that is not an object with a ``dataFeedElement`` list, or not valid JSON, raises a one-line
    FinefakeError (see :func:`~finefake.crawlers.feed_reader.feed_elements`).
    """
    if not path.is_file():
        raise FinefakeError(f"ClaimReview feed not found: {path}")
    with open(path, "rb") as fh:
        for element in feed_elements(fh, path):
            if isinstance(element, Rejected):
                yield element
                continue
            if not isinstance(element, dict):
                yield Rejected("element_not_an_object")
                continue
            reviews = element.get("item")
            for review in reviews if isinstance(reviews, list) else [reviews] if reviews is not None else []:
                wrong = review_type_error(review)
                if wrong is not None:
                    yield Rejected("wrong_type:" + wrong.split(":", 1)[0])
                    continue
                record = from_schema_org(review)
                yield record if record is not None else Rejected("no_claim_or_url")


def iter_api(config: ClaimReviewConfig, *, sleep: Callable[[float], None] = time.sleep) -> Iterator[Any]:
    """Records from ``claims:search``, page after page (a report line per page is yielded as an int)."""
    key = api_key()
    session = config.session or requests.Session()
    session.headers["User-Agent"] = USER_AGENT
    params: dict[str, Any] = {"query": config.query, "pageSize": config.page_size, "key": key}
    if config.language:
        params["languageCode"] = config.language
    if config.max_age_days:
        params["maxAgeDays"] = config.max_age_days
    if len(config.publishers) == 1 and "." in config.publishers[0]:
        params["reviewPublisherSiteFilter"] = config.publishers[0]
    interval = 1.0 / config.rate if config.rate > 0 else 0.0
    while True:
        response = request_with_retries(
            session, "GET", config.api_url, service="Fact Check Tools API", params=params, sleep=sleep
        )
        payload = json_body(response, service="Fact Check Tools API")
        if not isinstance(payload, dict):
            raise ServiceError("Fact Check Tools API answered with something that is not a JSON object")
        yield 1
        for claim in payload.get("claims") or []:
            wrong = _api_claim_error(claim)
            if wrong is not None:
                yield Rejected("wrong_type:" + wrong)
                continue
            yield from from_api(claim)
        token = payload.get("nextPageToken")
        if not token:
            return
        params["pageToken"] = token
        if interval:
            sleep(interval)


def _api_claim_error(claim: Any) -> str | None:
    """The first field of a ``claims:search`` claim of the wrong JSON type (the record would keep it), or None."""
    if not isinstance(claim, dict):
        return "claim"
    for key in ("text", "claimant", "claimDate"):
        if claim.get(key) is not None and not isinstance(claim[key], str):
            return key
    reviews = claim.get("claimReview")
    if reviews is not None and not isinstance(reviews, list):
        return "claimReview"
    return None


class _SeenIds:
    """Record ids already written in this run, on disk (a set would grow with the feed)."""

    def __init__(self, folder: Path):
        self.path = folder / f".seen.{os.getpid()}.tmp"
        self.db = sqlite3.connect(self.path)
        self.db.execute("PRAGMA journal_mode=OFF")
        self.db.execute("PRAGMA synchronous=OFF")
        self.db.execute("CREATE TABLE IF NOT EXISTS seen (id TEXT PRIMARY KEY)")

    def add(self, record_id: str) -> bool:
        """True when ``record_id`` is new (and is now remembered)."""
        return self.db.execute("INSERT OR IGNORE INTO seen VALUES (?)", (record_id,)).rowcount == 1

    def close(self) -> None:
        self.db.close()
        with contextlib.suppress(OSError):
            self.path.unlink()


def _rejection(record: dict[str, Any]) -> str | None:
    """The first schema problem of a built record (``wrong_type:title``), or None when it may be written."""
    for error in iter_errors("claimreview", record):
        return "wrong_type:" + (error.path.split(".")[0].split("[")[0] or "record")
    return None


def _wanted(record: dict[str, Any], publishers: tuple[str, ...]) -> bool:
    if not publishers:
        return True
    reviewer = record["reviewer"]
    names = {str(reviewer.get("name") or "").casefold(), str(reviewer.get("site") or "").casefold()}
    names.add(_host(record["review_url"]))
    return any(p.casefold().removeprefix("www.") in n for p in publishers for n in names if n)


def crawl_claimreview(ws: Workspace, config: ClaimReviewConfig) -> ClaimReviewReport:
    """Collect ClaimReview fact-checks into ``crawl/claimreview`` (a rerun replaces the stage)."""
    if not config.feed and not config.query:
        raise FinefakeError("nothing to crawl: give --feed FILE (the ClaimReview data feed) or --query TEXT")
    report = ClaimReviewReport()
    verdicts: Counter[str] = Counter()
    rejected: Counter[str] = Counter()

    with ws.run(STAGE, inputs=[], config=_settings(config)) as run:
        seen = _SeenIds(ws.stage_dir(STAGE))
        try:
            with ws.writer(STAGE, None, mode="replace") as writer:  # swapped in only when the run completes

                def take(record: dict[str, Any] | Rejected) -> bool:
                    report.seen += 1
                    reason = record.reason if isinstance(record, Rejected) else _rejection(record)
                    if reason is not None:
                        report.skipped_bad += 1
                        rejected[reason] += 1
                    elif not _wanted(record, config.publishers):
                        report.skipped_publisher += 1
                    elif not seen.add(record["id"]):
                        report.skipped_duplicate += 1
                    else:
                        writer.write(record)
                        verdicts[record["verdict"] or "none"] += 1
                    return config.limit is not None and sum(verdicts.values()) >= config.limit

                full = False
                if config.feed:
                    for record in iter_feed(Path(config.feed)):
                        if full := take(record):
                            break
                if config.query and not full:
                    for entry in iter_api(config):
                        if isinstance(entry, int):
                            report.api_pages += entry
                            continue
                        if take(entry):
                            break
        finally:
            seen.close()
        report.written = writer.written
        if config.pages:
            # A second pass over the written stage: each record's page is fetched and the stage rewritten with
            # the pages attached (a page may also give a record its rating). The feed itself was streamed.
            from finefake.crawlers.factcheck import fetch_pages, write_items

            records = list(ws.read(STAGE))
            counts, items = fetch_pages(ws, records, config.http, config.max_images)
            report.pages = dict(sorted(counts.items()))
            run.counts.update(report.pages)
            report.ratings = dict(sorted(write_items(ws, items, _settings(config)).items()))
            report.items = len(items)
            verdicts = Counter(r["verdict"] or "none" for r in records)
            report.written = ws.write_records(STAGE, None, records)
        else:
            ratings: Counter[str] = Counter(r["rating"] or "(none)" for r in ws.read(STAGE))
            report.ratings = dict(sorted(ratings.items()))
        report.verdicts, report.rejected = dict(verdicts), dict(rejected)
        run.counts.update(
            records=report.written,
            skipped_publisher=report.skipped_publisher,
            skipped_duplicate=report.skipped_duplicate,
            skipped_bad=report.skipped_bad,
            **{f"verdict_{k}": v for k, v in verdicts.items()},
            **{f"rejected_{k}": v for k, v in rejected.items()},
        )
    return report


def _settings(config: ClaimReviewConfig) -> dict[str, Any]:
    """The run's settings for the manifest (the API key is never part of the config)."""
    return {
        "feed": str(config.feed) if config.feed else None,
        "query": config.query,
        "publishers": list(config.publishers),
        "language": config.language,
        "max_age_days": config.max_age_days,
        "limit": config.limit,
        "api_url": config.api_url,
        "pages": config.pages,
    }
