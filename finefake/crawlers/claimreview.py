"""``finefake crawl claimreview``: fact-checks of every publisher from their ClaimReview markup.

Two sources, one record shape (stage ``crawl/claimreview``):

* the Data Commons / Fact Check Tools data feed, a downloaded JSON file (``{"dataFeedElement": [{"item":
  [ClaimReview, ...]}, ...]}``), read as a stream (:mod:`ijson`) so a feed of any size fits in memory;
* the Google Fact Check Tools ``claims:search`` API (``GET .../v1alpha1/claims:search``), paged with
  ``pageToken``; the key comes from ``FACTCHECK_API_KEY`` (or ``GOOGLE_API_KEY``) and never reaches logs or
  records.

Each record keeps claim, claimant, rating (as published), reviewer, review date and URL, and the claim's
appearances. Ratings are free text ("False", "Pants on Fire", "This is misleading. While ...", "Falso"); the
leading verdict phrase is normalised and looked up in the same YAML table as Snopes' ratings
(:func:`finefake.contract.rating_verdict`), so the label rule is one for all publishers. A record's
``fact_check`` has the data contract's shape, and its ``links`` (the appearances) feed ``crawl news`` exactly
as a Snopes fact-check's source links do.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from finefake.contract import LABEL_NAMES, rating_verdict
from finefake.crawlers.extract import parse_date
from finefake.crawlers.http import HttpConfig
from finefake.errors import FinefakeError, MissingCredentials
from finefake.knowledge.http import USER_AGENT, ServiceError, json_body, request_with_retries
from finefake.workspace import Workspace

STAGE = "crawl/claimreview"
API_URL = "https://factchecktools.googleapis.com/v1alpha1/claims:search"
KEY_VARIABLES = ("FACTCHECK_API_KEY", "GOOGLE_API_KEY")
_TAG = re.compile(r"<[^>]*>?")
_LEAD = re.compile(
    r"^(?:rating\s*:\s*|verdict\s*:\s*|(?:this|that|it)(?:'s|\s+is|\s+was)\s+|"
    r"(?:the |this |user'?s'? )?claim (?:is|was)\s+)",
    re.I,
)


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


def api_key() -> str:
    for name in KEY_VARIABLES:
        if os.environ.get(name):
            return os.environ[name]
    raise MissingCredentials("Google Fact Check Tools API", list(KEY_VARIABLES))


def normalise_rating(text: str | None) -> str:
    """The verdict phrase of a free-text rating: tags dropped, first sentence, lead-in ("This is") removed."""
    plain = " ".join(_TAG.sub(" ", text or "").split())
    first = re.split(r"(?<=[a-z0-9\)])[.!;:](?:\s|$)| - | \u2013 ", plain, maxsplit=1, flags=re.I)[0]
    return _LEAD.sub("", first).strip(" .\"'“”") or plain


def verdict_of(rating: str | None) -> tuple[str | None, str | None]:
    """(table verdict, the phrase it was found under) for a free-text rating; the full text is tried first."""
    if not rating or not rating.strip():
        return None, None
    full = rating_verdict(rating)
    if full != "unmapped":
        return full, rating.strip()
    phrase = normalise_rating(rating)
    return rating_verdict(phrase), phrase


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
    appearances = []
    for key in ("firstAppearance", "appearance"):
        value = item.get(key)
        for entry in value if isinstance(value, list) else [value]:
            link = entry.get("url") if isinstance(entry, dict) else entry
            if isinstance(link, str) and link.startswith(("http://", "https://")):
                appearances.append(link)
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
            "appearances": appearances,
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


def iter_feed(path: Path) -> Iterator[dict[str, Any] | None]:
    """Records of a Data Commons ClaimReview feed file, streamed (None for an unusable entry)."""
    import ijson

    if not path.is_file():
        raise FinefakeError(f"ClaimReview feed not found: {path}")
    try:
        with open(path, "rb") as fh:
            for element in ijson.items(fh, "dataFeedElement.item", use_float=True):
                for review in element.get("item") or [] if isinstance(element, dict) else []:
                    yield from_schema_org(review)
    except ijson.JSONError as exc:
        raise FinefakeError(f"ClaimReview feed {path} is not valid JSON: {exc}") from exc


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
            if isinstance(claim, dict):
                yield from from_api(claim)
        token = payload.get("nextPageToken")
        if not token:
            return
        params["pageToken"] = token
        if interval:
            sleep(interval)


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
    seen: set[str] = set()
    records: list[dict[str, Any]] = []

    def take(record: dict[str, Any] | None) -> bool:
        report.seen += 1
        if record is None:
            report.skipped_bad += 1
        elif not _wanted(record, config.publishers):
            report.skipped_publisher += 1
        elif record["id"] in seen:
            report.skipped_duplicate += 1
        else:
            seen.add(record["id"])
            records.append(record)
            verdicts[record["verdict"] or "none"] += 1
        return config.limit is not None and len(records) >= config.limit

    with ws.run(STAGE, inputs=[], config=_settings(config)) as run:
        if config.feed:
            for record in iter_feed(Path(config.feed)):
                if take(record):
                    break
        if config.query and not (config.limit is not None and len(records) >= config.limit):
            for entry in iter_api(config):
                if isinstance(entry, int):
                    report.api_pages += entry
                    continue
                if take(entry):
                    break
        if config.pages:
            from finefake.crawlers.factcheck import fetch_pages, write_items

            counts, items = fetch_pages(ws, records, config.http, config.max_images)
            report.pages = dict(sorted(counts.items()))
            run.counts.update(report.pages)
            report.ratings = dict(sorted(write_items(ws, items, _settings(config)).items()))
            report.items = len(items)
            verdicts = Counter(r["verdict"] or "none" for r in records)  # a page may have given the rating
        else:
            report.ratings = dict(sorted(Counter(r["rating"] or "(none)" for r in records).items()))
        report.written = ws.write_records(STAGE, None, records)
        report.verdicts = dict(verdicts)
        run.counts.update(
            records=report.written,
            skipped_publisher=report.skipped_publisher,
            skipped_duplicate=report.skipped_duplicate,
            skipped_bad=report.skipped_bad,
            **{f"verdict_{k}": v for k, v in verdicts.items()},
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
