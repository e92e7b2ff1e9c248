"""Snopes: walk fact-check listings and parse each fact-check into a raw_item.

Each field is read from the page's JSON-LD first and its markup second, for three layouts: today's
(``claim_cont`` / ``rating_title_wrap``, layout name "2022"), the 2017-2022 WordPress theme (``claim-text``,
the ``rating-label-*`` badge, a Yoast ld+json graph whose ``Article`` names its author through an ``@id``;
many of these pages carry no ``ClaimReview``, so their rating is only in the badge) and the legacy pages
(``article-text``, ``itemprop`` ratings, "Claim:" / "Rating:" paragraphs). The rating comes from the
ClaimReview, else the badge (text, image ``alt``, CSS class), else the "Rating:" line; the body is the article
container without the site's banners, ad zones and appeals. The rating maps to the binary label and the
categories to a topic through the YAML tables of :mod:`finefake.contract`; a crawl reports its items per rating.
Tested on real pages as Snopes served them (tests/crawlers/fixtures/real/factchecks).
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from dataclasses import dataclass, field
from html import unescape as html_unescape
from typing import Any
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from finefake.contract import label_for_rating, rating_verdict, topic_for_categories
from finefake.crawlers import extract as ex
from finefake.crawlers.frontier import Task
from finefake.crawlers.http import Fetcher, HttpConfig, host_key
from finefake.crawlers.runner import CrawlReport, Outcome, store_images
from finefake.crawlers.session import config_dict, hosts_of, run_crawl
from finefake.ids import item_id
from finefake.workspace import Workspace

STAGE = "crawl/snopes"
SHARE_HOSTS = (
    "facebook.com/sharer",
    "twitter.com/intent",
    "x.com/intent",
    "pinterest.com/pin",
    "reddit.com/submit",
    "linkedin.com/share",
    "wa.me/",
    "mailto:",
    "javascript:",
)
ARCHIVE_HOSTS = (
    "web.archive.org",
    "archive.org",
    "archive.is",
    "archive.ph",
    "archive.today",
    "archive.li",
    "archive.md",
    "webcache.googleusercontent.com",
)

# Selector lists per field, newest layout first; the first non-empty match wins.
TITLE = ["h1.title", "h1.article-title", "h1"]
CLAIM = [".claim_cont", ".claim-text", "div.claim p", "div.claim", "[itemprop=claimReviewed]", "p.claim"]
#: The rating as the page shows it: today's ``rating_title_wrap``, the 2017-2022 WordPress badge
#: (``<span class="h3 rating-label-mixture">``), older ``rating-name``/``itemprop`` markup.
RATING = [
    ".rating_title_wrap",
    "[class*=rating-label-]",
    ".rating-name",
    ".rating-label",
    ".media.rating .h3",
    "[itemprop=reviewRating] [itemprop=alternateName]",
    "span.rating",
    "font.status_color b",
]
#: The rating badge image (its ``alt`` is the rating) when the badge has no text.
RATING_IMAGES = [
    "#fact_check_rating_container img[alt]",
    "[data-component=claim-rating] img[alt]",
    ".wp-block-snopes-fact-check-rating img[alt]",
]
AUTHOR = [
    "#byline a",
    "ul.authors a",
    ".author_name a",
    ".author_name",
    "a.author_link",
    ".author-link",
    "a.author",
    "[rel=author]",
    "[itemprop=author] [itemprop=name]",
    ".byline a",
]
DATE = [
    "time[datetime]",
    ".publish_date",
    "h3.publish_date",
    "span.date-published",
    ".date-published",
    "[itemprop=datePublished]",
    ".article-date",
    "span.date",
]
BODY = [
    "#article-content",
    "article#article-content",
    ".post-body-container",
    ".single-body",
    "div.content",
    ".article-text",
    ".entry-content",
    "div[itemprop=articleBody]",
    "article",
]
#: Breadcrumb trails only: a ``/category/`` link elsewhere is the site menu (every category), not the page's.
CATEGORY_LINKS = [
    ".breadcrumbs a",
    ".breadcrumb-item a",
    ".breadcrumb a",
    ".breadcrumb-nav a",
]
TAG_LINKS = [".tags a", "a[rel=tag]", ".tag_wrapper a", ".article-tags a"]
LISTING_LINKS = [
    "a.outer_article_link_wrapper",
    ".article_wrapper a",
    "article h2 a",
    "article a",
    "h2.title a",
    ".media-list a",
    "li.list-group-item a",
]
#: Layout names, newest first: today's ("2022": ``claim_cont``/``rating_title_wrap``, served since the 2022-23
#: redesign), the 2017-2022 WordPress theme ("2017": ``claim-text``, ``rating-label-*`` badge), legacy pages.
LAYOUTS = {
    "2022": ".claim_cont, .rating_title_wrap, #fact_check_rating_container",
    "2017": ".claim-text, [class*=rating-label-], .single-body, .claim, .rating-name, .breadcrumb-item",
    "legacy": ".article-text, [itemprop=reviewRating], .entry-content",
}
#: The claim/rating box that today's layout puts at the top of the article container (not article text).
CLAIM_BOX = "#fact_check_rating_container, .rating_link_wrapper, p.wrapper_title"
#: Boxes inside the article container that are the site's, not the article's: the COVID-19 "infodemic" appeal
#: the 2020-2022 pages open with (a ``wp-block-group is-style-warning``), the same kind of banner as a
#: Bootstrap ``alert`` ("Rumors are surging ... Stay informed"), ad zones, embedded sign-up forms.
CHROME = ".is-style-warning, .alert, .smg-zone, .smg-placement, .PlacementWrapper, .piano-placement, form"
_SKIP_CRUMBS = {
    "home",
    "homepage",
    "fact check",
    "fact checks",
    "fact-check",
    "snopes",
    "snopes.com",
    "all",
    "facts",
}
_UPDATED = re.compile(
    r"(?:last updated|published|posted)\s*:?\s*(\d{1,2} \w+ \d{4}|\w+\.? \d{1,2},? \d{4})", re.I
)
_LABELLED = re.compile(r"^\s*(claim|rating|status)\s*:\s*(.+)$", re.I | re.S)
_ABOUT_RATING = re.compile(r"\s*about this rating\s*$", re.I)
_RATING_CLASS = re.compile(r"^(?:fact_check_rating|rating-label)-([a-z0-9-]+)$")
#: Page furniture that sits inside the article container on some layouts: the membership/donation appeal,
#: newsletter sign-up, author bios and staff lists, related-article rails, share bars.
_FURNITURE = re.compile(
    r"donat|membership|member-?cta|support[-_]?snopes|newsletter|subscribe|author[-_]?(bio|box|info)|"
    r"staff|team[-_]?list|related|recirc|share[-_]?(bar|buttons|wrap)|social|sponsor|advert|\bads?\b",
    re.I,
)
#: The first block whose text opens like this ends the article (an appeal or a staff list follows it).
_ARTICLE_END = re.compile(
    r"^(support snopes|help support|snopes (is an independent|needs your help|relies on)|"
    r"become a (snopes )?member\b|join (the )?snopes|"
    r"(please )?(consider )?(making a )?donat|our (staff|team)\b|meet (the|our) (team|staff)|snopes staff\b|"
    r"about the authors?\b)",
    re.I,
)


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


def _first(soup: BeautifulSoup | Tag, selectors: list[str]) -> Tag | None:
    for selector in selectors:
        for node in soup.select(selector):
            if node.get_text(strip=True):
                return node
    return None


def _first_text(soup: BeautifulSoup | Tag, selectors: list[str]) -> str:
    node = _first(soup, selectors)
    return ex.clean_line(node.get_text(" ", strip=True)) if node else ""


def _labelled(soup: BeautifulSoup, label: str) -> str:
    """Legacy pages: the text after a bold ``Claim:`` / ``Rating:`` / ``Status:`` label."""
    for bold in soup.find_all(["b", "strong", "span", "font"]):
        if bold.get_text(strip=True).rstrip(":").lower() == label:
            parent = bold.parent
            text = ex.clean_line(parent.get_text(" ", strip=True)) if parent else ""
            match = _LABELLED.match(text)
            if match:
                return ex.clean_line(match.group(2))
    return ""


def unwrap_archive(url: str) -> str | None:
    """The original URL inside an archive.org / archive.is link, when the link spells it out."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if not any(host == h or host.endswith("." + h) for h in ARCHIVE_HOSTS):
        return None
    match = re.search(r"(https?:/{1,2}.+)$", url[len(f"{parts.scheme}://{parts.netloc}") :])
    if not match:
        return None
    inner = match.group(1)
    return re.sub(r"^(https?):/(?!/)", r"\1://", inner)


def is_archive(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return any(host == h or host.endswith("." + h) for h in ARCHIVE_HOSTS)


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


def parse_fact_check(html: str, url: str) -> dict[str, Any]:
    """Parse one fact-check page into plain fields (no network); raises ValueError for a page with no claim.

    Each field is read from the page's structured data first and its visible markup second, because Snopes
    pages of every year carry one or the other but not always both: many 2017-2022 pages have no
    ``ClaimReview`` (their rating is only in the badge), and their ``Article`` names its author through an
    ``@id`` into the Yoast graph.
    """
    objs = ex.json_ld(html, url)
    graph = ex.by_id(objs)
    review = ex.first_of_type(objs, "ClaimReview") or {}
    article = ex.first_of_type(objs, "NewsArticle", "Article", "BlogPosting") or {}
    page = ex.first_of_type(objs, "WebPage") or {}
    soup = ex.soup_of(html)
    layout = next((name for name, sel in LAYOUTS.items() if soup.select_one(sel) is not None), "unknown")
    if review:
        layout = f"{layout}+jsonld"

    rating = ex.rating_name(review.get("reviewRating")) or _page_rating(soup)
    claim = (
        ex.clean_line(str(review.get("claimReviewed") or ""))
        or _first_text(soup, CLAIM)
        or _labelled(soup, "claim")
    )
    claim = re.sub(r"^claim\s*:\s*", "", claim, flags=re.I)
    title = ex.clean_line(
        html_unescape(str(article.get("headline") or review.get("headline") or ""))
    ) or _first_text(soup, TITLE)
    title = title or ex.meta(soup, "og:title") or (soup.title.get_text(strip=True) if soup.title else "")
    if not claim and not rating:
        raise ValueError("no claim and no rating found (not a fact-check page?)")

    authors = _authors(soup, article, review, graph)
    date_node = _first(soup, DATE)
    published = (
        ex.parse_date(article.get("datePublished"))
        or ex.parse_date(page.get("datePublished"))
        or ex.parse_date(review.get("datePublished"))
        or ex.parse_date(ex.meta(soup, "article:published_time"))
        or (
            ex.parse_date(str(date_node.get("datetime") or date_node.get_text(" ", strip=True)))
            if date_node is not None
            else None
        )
    )
    if not published:
        match = _UPDATED.search(soup.get_text("\n"))
        published = ex.parse_date(match.group(1)) if match else None

    categories = _categories(soup, objs, article, url, {_norm_title(title), _norm_title(claim)})
    tags = ex.metas(soup, "article:tag") + [
        ex.clean_line(n.get_text(" ", strip=True)) for sel in TAG_LINKS for n in soup.select(sel)
    ]
    keywords = article.get("keywords")
    if isinstance(keywords, str):
        tags += [k.strip() for k in keywords.split(",")]
    elif isinstance(keywords, list):
        tags += [str(k).strip() for k in keywords]
    categories = list(dict.fromkeys(c for c in categories if c))
    seen_tags = {c.lower() for c in categories}
    tags = [t for t in tags if t and t.lower() not in seen_tags and not seen_tags.add(t.lower())]

    body = trim_furniture(_first(soup, BODY))
    lead = ex.meta(soup, "og:image") or next(iter(ex.urls_of(ex.resolve(article.get("image"), graph))), None)
    images = ([{"url": urljoin(url, lead), "alt": None}] if lead else []) + ex.image_candidates(body, url)
    images = list({i["url"]: i for i in reversed(images)}.values())[::-1]
    links = _source_links(body, url) + _appearances(review, url)
    text = ex.text_of(body)
    return {
        "title": title,
        "claim": claim,
        "rating": rating,
        "categories": categories,
        "tags": tags,
        "authors": authors,
        "published": published,
        "text": text,
        "images": images,
        "links": list(dict.fromkeys(links)),
        "layout": layout,
    }


def _page_rating(soup: BeautifulSoup) -> str:
    """The rating the page shows: the badge text, else the badge image's ``alt``, else its CSS class, else
    the legacy "Rating:"/"Status:" line."""
    node = _first(soup, RATING)
    if node is not None:
        rating = _ABOUT_RATING.sub("", ex.clean_line(node.get_text(" ", strip=True))).rstrip(".")
        if rating:
            return rating
    for selector in RATING_IMAGES:
        for img in soup.select(selector):
            alt = ex.clean_line(str(img.get("alt") or ""))
            if alt:
                return alt
    main = soup.select_one("article.single-main") or soup.body
    for name in (main.get("class") or []) if main is not None else []:
        match = _RATING_CLASS.match(name)
        if match:
            return match.group(1).replace("-", " ").title()
    rating = _labelled(soup, "rating") or _labelled(soup, "status")
    return rating.split("\n")[0].strip().rstrip(".")


def _authors(
    soup: BeautifulSoup, article: dict[str, Any], review: dict[str, Any], graph: dict[str, dict[str, Any]]
) -> list[str]:
    """The article's authors: the byline's people and the ``Person`` objects the JSON-LD names (a Yoast
    graph names one author where the byline may list co-authors), else the byline as printed ("Snopes Staff"
    is how Snopes signs collective work; it is kept, not dropped)."""
    people = [
        ex.clean_line(html_unescape(name))
        for value in (article.get("author"), review.get("author"))
        for obj in (lambda v: v if isinstance(v, list) else [v])(ex.resolve(value, graph))
        if isinstance(obj, dict) and ex.has_type(obj, "Person")
        for name in ex.names_of(obj)
    ]
    bylines = _bylines(soup)
    named = ex.person_names(bylines, ("Snopes", "Snopes.com"))
    if named or people:
        seen = {n.lower() for n in named}
        return named + [n for n in dict.fromkeys(people) if n.lower() not in seen]
    return [b for b in bylines if b.lower() not in ("snopes", "snopes.com") and len(b) <= 100][:10]


def _bylines(soup: BeautifulSoup) -> list[str]:
    """Author names as the byline prints them (the first byline selector that matches)."""
    for selector in AUTHOR:
        names = [ex.clean_line(n.get_text(" ", strip=True)) for n in soup.select(selector)]
        names = [re.sub(r"^(by|published by)\s+", "", n, flags=re.I) for n in names if n]
        if names:
            return list(dict.fromkeys(names))
    return []


def _categories(
    soup: BeautifulSoup, objs: list[dict[str, Any]], article: dict[str, Any], url: str, own: set[str]
) -> list[str]:
    """The page's categories: ``articleSection``, ``article:section``, and the breadcrumb trail (structured
    ``BreadcrumbList`` or visible), without the home/"Fact Checks" crumbs and the page's own crumb."""
    categories: list[str] = []
    section = article.get("articleSection")
    for value in section if isinstance(section, list) else [section]:
        if isinstance(value, str):
            categories.append(ex.clean_line(html_unescape(value)))
    categories += ex.metas(soup, "article:section")
    crumbs: list[tuple[str, str, bool]] = []
    trail = ex.first_of_type(objs, "BreadcrumbList") or {}
    elements = trail.get("itemListElement") if isinstance(trail.get("itemListElement"), list) else []
    for element in elements:
        if isinstance(element, dict):
            item = element.get("item")
            href = (
                item
                if isinstance(item, str)
                else (item or {}).get("@id", "")
                if isinstance(item, dict)
                else ""
            )
            name = ex.clean_line(html_unescape(str(element.get("name") or "")))
            crumbs.append((name, str(href or ""), False))
    for selector in CATEGORY_LINKS:
        for node in soup.select(selector):
            text = ex.clean_line(node.get_text(" ", strip=True))
            crumbs.append((text, str(node.get("href") or ""), bool(node.get("aria-current"))))
    for text, href, current in crumbs:
        if not text or text.lower() in _SKIP_CRUMBS or current:
            continue
        # the last crumb of a breadcrumb trail is the page itself, not a category
        if _norm_title(text) in own or not href or _same_page(urljoin(url, href), url):
            continue
        categories.append(text)
    if not categories:  # legacy pages: category links without a trail; never the site menu's
        for node in soup.select("a[href*='/category/']"):
            if not _in_menu(node):
                categories.append(ex.clean_line(node.get_text(" ", strip=True)))
    return categories


def _in_menu(node: Tag) -> bool:
    """Whether a link sits in the site's navigation (today's layout lists every category in its menu)."""
    for parent in node.parents:
        marks = " ".join([*(parent.get("class") or []), str(parent.get("id") or "")]).lower()
        if parent.name in ("nav", "header", "footer") or "menu" in marks or "navbar" in marks:
            return True
    return False


def _norm_title(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", (text or "").lower()).strip()


def _same_page(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.hostname or "") == (pb.hostname or "") and pa.path.rstrip("/") == pb.path.rstrip("/")


def trim_furniture(body: Tag | None) -> Tag | None:
    """The article container without the page furniture some layouts nest in it, and nothing after its end.

    Blocks whose class or id names a donation/membership appeal, newsletter box, author bio or staff list,
    related-articles rail or share bar are dropped; the first block that opens such an appeal or staff list
    ("Support Snopes...", "Our staff", ...) ends the article, with everything after it.
    """
    if body is None:
        return None
    ex.drop_furniture(body, f"{CLAIM_BOX}, {CHROME}", _FURNITURE)
    for block in body.find_all(["p", "h2", "h3", "h4", "div", "section", "aside"]):
        if block.decomposed or not _ARTICLE_END.match(block.get_text(" ", strip=True)):
            continue
        if block.name == "div" and block.find(["p", "h2", "h3", "h4"]) is not None:
            continue  # a wrapper: its own first block is the one to cut at
        node: Tag = block
        while node is not body and node.parent is not None:
            for sibling in list(node.find_next_siblings()):
                sibling.decompose()
            node = node.parent
        block.decompose()
        break
    return body


def _source_links(body: Tag | None, url: str) -> list[str]:
    if body is None:
        return []
    own = host_key(url)
    out: list[str] = []
    for anchor in body.find_all("a"):
        href = urljoin(url, str(anchor.get("href") or "").strip())
        if urlsplit(href).scheme not in ("http", "https") or host_key(href) == own:
            continue
        if any(s in href for s in SHARE_HOSTS):
            continue
        out.append(href.split("#")[0] if not is_archive(href) else href)
    return out


def _appearances(review: dict[str, Any], url: str) -> list[str]:
    reviewed = review.get("itemReviewed") if isinstance(review.get("itemReviewed"), dict) else {}
    out: list[str] = []
    for key in ("firstAppearance", "appearance"):
        value = reviewed.get(key)
        for item in value if isinstance(value, list) else [value]:
            link = item.get("url") if isinstance(item, dict) else item
            if isinstance(link, str) and link.startswith(("http://", "https://")):
                out.append(link)
    return out


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
