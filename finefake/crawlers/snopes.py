"""Snopes: walk fact-check listings and parse each fact-check into a raw_item.

Each field is read from the page's JSON-LD first and its markup second, for three layouts: today's
(``claim_cont`` / ``rating_title_wrap``, layout name "2022"), the 2017-2022 WordPress theme (``claim-text``,
the ``rating-label-*`` badge, a Yoast ld+json graph whose ``Article`` names its author through an ``@id``;
many of these pages carry no ``ClaimReview``, so their rating is only in the badge) and the legacy pages
(``article-text``, ``itemprop`` ratings, "Claim:" / "Rating:" paragraphs). The rating comes from the
ClaimReview, else the badge (text, image ``alt``, CSS class), else the "Rating:" line; the body is the article
container without the site's banners, ad zones and appeals. The rating maps to the binary label and the
categories to a topic through the YAML tables of :mod:`finefake.contract`; a crawl reports its items per rating.
Tested on real pages as Snopes served them (tests/crawlers/fixtures/real/factchecks). The page parser
(selectors and fields) is in :mod:`finefake.crawlers.snopes_page`; this module walks listings and makes items.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from finefake.contract import label_for_rating, rating_verdict, topic_for_categories
from finefake.crawlers import extract as ex
from finefake.crawlers.frontier import Task
from finefake.crawlers.http import Fetcher, HttpConfig, host_key
from finefake.crawlers.runner import CrawlReport, Outcome, store_images
from finefake.crawlers.session import config_dict, hosts_of, run_crawl
from finefake.crawlers.snopes_page import parse_fact_check, unwrap_archive
from finefake.ids import item_id
from finefake.workspace import Workspace

STAGE = "crawl/snopes"

LISTING_LINKS = [
    "a.outer_article_link_wrapper",
    ".article_wrapper a",
    "article h2 a",
    "article a",
    "h2.title a",
    ".media-list a",
    "li.list-group-item a",
]


@dataclass
class SnopesConfig:
    """Everything ``finefake crawl snopes`` can be told."""

    base_url: str = "https://www.snopes.com"
    start_urls: tuple[str, ...] = ()
    ratings: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    since: str | None = None
    limit: int | None = None
    max_pages: int | None = None
    max_images: int = 10
    replay: str | None = None
    workers: int = 8
    commit_every: int = 50
    http: HttpConfig = field(default_factory=HttpConfig)

    def entry_urls(self) -> list[str]:
        if self.start_urls:
            return list(self.start_urls)
        base = self.base_url.rstrip("/")
        urls = [f"{base}/fact-check/rating/{_slug(r)}/" for r in self.ratings]
        urls += [f"{base}/fact-check/category/{_slug(c)}/" for c in self.categories]
        return urls or [f"{base}/fact-check/"]


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def parse_listing(html: str, url: str) -> tuple[list[str], str | None, list[str | None]]:
    """Fact-check URLs on a listing page, the next listing page (or None), and the listed dates."""
    soup = ex.soup_of(html)
    host = host_key(url)
    links: list[str] = []
    anchors = [a for sel in LISTING_LINKS for a in soup.select(sel)] or soup.find_all("a")
    for anchor in anchors:
        href = urljoin(url, str(anchor.get("href") or ""))
        path = urlsplit(href).path
        if host_key(href) != host or not _is_fact_check_path(path) or href in links:
            continue
        links.append(href.split("#")[0])
    next_url = None
    for selector in ("link[rel=next]", "a[rel=next]", "a.next", "a.next-page", "a.next_page", "li.next a"):
        node = soup.select_one(selector)
        if node is not None and node.get("href"):
            next_url = urljoin(url, str(node["href"]))
            break
    if next_url and host_key(next_url) != host:
        next_url = None
    dates = [
        ex.parse_date(str(t.get("datetime") or t.get_text(" ", strip=True)))
        for t in soup.select("time, .article_date, span.date, .listing-date")
    ]
    return links, next_url, dates


def _is_fact_check_path(path: str) -> bool:
    if path.endswith(".asp") or path.endswith(".htm"):
        return True
    bits = [b for b in path.split("/") if b]
    return len(bits) == 2 and bits[0] == "fact-check" and bits[1] not in ("rating", "category", "page")


def build_item(
    url: str, parsed: dict[str, Any], images: list[dict[str, Any]], fetched_at: str
) -> dict[str, Any]:
    """The raw_item of a parsed fact-check (its own fact_check and topic filled from the mapping tables)."""
    fact_check = {
        "url": url,
        "claim": parsed["claim"],
        "rating": parsed["rating"],
        "categories": parsed["categories"],
        "label": label_for_rating(parsed["rating"]),
    }
    sources = [{"url": link, "archive_of": unwrap_archive(link)} for link in parsed["links"]]
    return {
        "id": item_id("snopes", url=url),
        "platform": "snopes",
        "url": url,
        "title": parsed["title"],
        "text": parsed["text"],
        "authors": parsed["authors"],
        "published": parsed["published"],
        "images": images,
        "comments": [],
        "fact_check": fact_check,
        "topic": topic_for_categories(parsed["categories"] + parsed["tags"]),
        "links": parsed["links"],
        "fetched_at": fetched_at,
        "metadata": {
            "layout": parsed["layout"],
            "tags": parsed["tags"],
            "sources": sources,
            "source": "snopes",
        },
    }


def fact_check_of(item: dict[str, Any]) -> dict[str, Any]:
    """The context a Snopes item hands to the items it links to (its fact_check and topic)."""
    return {
        "fact_check": item.get("fact_check"),
        "topic": item.get("topic"),
        "snopes_id": item.get("id"),
        "fact_check_date": item.get("published"),
    }


class SnopesHandler:
    """Turns listing and fact-check tasks into follow-up tasks and raw_items."""

    def __init__(self, ws: Workspace, fetcher: Fetcher, config: SnopesConfig):
        self.ws, self.fetcher, self.config = ws, fetcher, config
        self.ratings: Counter[str] = Counter()
        self.verdicts: Counter[str] = Counter()
        self._lock = threading.Lock()

    def __call__(self, task: Task) -> Outcome:
        fetched = self.fetcher.fetch(task.url, expect="html")
        if not fetched.ok:
            return Outcome(error=fetched.error)
        if task.kind == "listing":
            return self._listing(task, fetched.text)
        try:
            parsed = parse_fact_check(fetched.text, task.url)
        except ValueError as exc:
            return Outcome(error=f"parse_error:{exc}")
        if ex.before(parsed["published"], self.config.since):
            return Outcome(skipped="before_since")
        images = store_images(self.ws, self.fetcher, parsed["images"], self.config.max_images)
        with self._lock:
            self.ratings[parsed["rating"] or "(none)"] += 1
            self.verdicts[rating_verdict(parsed["rating"]) or "none"] += 1
        return Outcome(items=[build_item(task.url, parsed, images, fetched.fetched_at)])

    def finish(self, report: CrawlReport) -> dict[str, int]:
        """Items per rating into the report, items per verdict (``unmapped``: a rating in no table, which
        gets no label) into the manifest counts."""
        report.ratings = dict(sorted(self.ratings.items()))
        return {f"verdict_{k}": v for k, v in sorted(self.verdicts.items())}

    def _listing(self, task: Task, html: str) -> Outcome:
        links, next_url, dates = parse_listing(html, task.url)
        tasks = [Task(link, "factcheck", depth=task.depth + 1) for link in links]
        known = [d for d in dates if d]
        too_old = bool(self.config.since and known and all(ex.before(d, self.config.since) for d in known))
        page_budget = self.config.max_pages is None or task.depth + 1 < self.config.max_pages
        if next_url and not too_old and page_budget:
            tasks.append(Task(next_url, "listing", depth=task.depth + 1))
        return Outcome(new_tasks=tasks)


def crawl_snopes(ws: Workspace, config: SnopesConfig) -> CrawlReport:
    """Crawl Snopes fact-checks into ``crawl/snopes`` (resumable; ``config.replay`` rebuilds from a WARC)."""
    entries = config.entry_urls()
    tasks = [Task(u, "factcheck" if _is_fact_check_path(urlsplit(u).path) else "listing") for u in entries]
    return run_crawl(
        ws,
        STAGE,
        config.http,
        tasks,
        lambda fetcher: SnopesHandler(ws, fetcher, config),
        inputs=[],
        settings=config_dict(config),
        replay=config.replay,
        allow_hosts=hosts_of([*entries, config.base_url]),
        finish=lambda handler, report: handler.finish(report),
        limit=config.limit,
        workers=config.workers,
        commit_every=config.commit_every,
        description="snopes",
    )
