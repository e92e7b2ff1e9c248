"""Fact-check pages of ClaimReview publishers: PolitiFact, AFP Fact Check, and any page with ClaimReview ld+json.

A ClaimReview record (feed or API) names a claim and a rating but not the fact-check's article, so an item built
from it alone has one line of text and no images. :func:`parse_page` reads the fact-check page itself: claim,
rating, reviewer, authors, date, body, images and source links, in the same plain fields as
:func:`finefake.crawlers.snopes.parse_fact_check` (Snopes pages are handed to that parser). Site-specific
markup is read where the structured data lacks a field: PolitiFact's rating is only its Truth-O-Meter image,
AFP's authors only its byline; other publishers (Full Fact, Reuters, BOOM, ...) are read through their
ClaimReview and Article ld+json, a known article container or, failing that, trafilatura's main text. The rating goes through the same YAML table as Snopes' ratings
(:func:`finefake.contract.rating_verdict`); a rating in no table is reported as ``unmapped``, never dropped.
:func:`attach_pages` fetches the pages of ``crawl/claimreview`` records and adds what they say, and
:func:`build_item` turns each fetched page into a raw_item of stage ``crawl/factchecks`` (:data:`ITEM_STAGE`),
the same shape as a Snopes item, which ``finefake clean`` takes in like every crawl stage.

Platforms: a page's item is ``snopes`` for Snopes (the same id as ``crawl snopes`` gives it, so clean keeps
one), ``politifact``, ``afp`` or ``fullfact`` for the publishers read by name, and ``factcheck`` for every
other ClaimReview publisher (its site in ``metadata.site``). These four are appended after the release's eight
platforms in FineFake's dataset spec (:data:`finefake.contract.APPENDED_PLATFORMS`): the eight keep their
ClassLabel ids, and the platform vocabulary does not grow with each site a feed names.
"""

from __future__ import annotations

import re
from collections import Counter
from html import unescape as html_unescape
from typing import Any
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from finefake.contract import ALL_PLATFORM_GROUP, LABEL_NAMES, rating_verdict
from finefake.crawlers import extract as ex
from finefake.crawlers.http import Fetcher, HttpConfig, host_key
from finefake.crawlers.ratings import verdict_of
from finefake.ids import item_id
from finefake.workspace import Workspace

#: PolitiFact's Truth-O-Meter and Flip-O-Meter images are named after the ruling (``rulings/meter-false.jpg``,
#: ``tom_ruling_pof``); the names as PolitiFact prints them.
POLITIFACT_RULINGS = {
    "true": "True",
    "mostly-true": "Mostly True",
    "half-true": "Half True",
    "barely-true": "Mostly False",
    "mostly-false": "Mostly False",
    "false": "False",
    "pants-fire": "Pants on Fire",
    "pof": "Pants on Fire",
    "full-flop": "Full Flop",
    "half-flip": "Half Flip",
    "no-flip": "No Flip",
}
_RULING = re.compile(r"(?:meter|ruling|tom_ruling|fom)[-_]([a-z-]+?)(?:\.\w+|/|$)")
#: Boxes inside a fact-check's article container that are the site's: calls for tips, newsletter boxes,
#: share bars, ad slots, "read about our process" callouts.
CHROME = (
    "aside, form, script, style, .addtoany, .a2a_kit, .sharing-wrapper, .m-callout, .newsletter, .share, "
    ".social-share, .ad, .advertisement, .related, .m-superbox, .m-statement"
)
SITE_NAMES = {"politifact": "PolitiFact", "afp": "AFP Fact Check", "fullfact": "Full Fact"}
#: The crawl stage of the fact-check pages' items (``crawl claimreview --pages``); ``crawl/claimreview`` holds
#: the ClaimReview records themselves, which seed ``crawl news`` and are no items.
ITEM_STAGE = "crawl/factchecks"
#: The platform of the items of publishers with no platform of their own.
OTHER_PUBLISHERS = "factcheck"
#: Class/id words of boxes in an article container that are no article: sign-up and newsletter forms
#: (PolitiFact's texting sign-up is a ``subtext-iframe`` box), donation appeals, share bars, ads.
_FURNITURE = re.compile(r"newsletter|subscri|sign-?up|subtext|donat|share|social|advert|promo", re.I)
BODY = [
    "article.m-textblock",
    ".article-entry",
    "[itemprop=articleBody]",
    ".article-body",
    ".entry-content",
    ".post-content",
    "article .content",
    "main article",
    "article",
]
AUTHORS = [
    ".m-author__content a",
    ".meta-author a",
    "[rel=author]",
    ".byline a",
    ".author a",
    ".author-name",
    "a[class*=author-name]",
]
TITLE = ["h1.content-title", "h1.c-title", "h1"]
SOURCES = [".m-superbox a", "#sources a", ".sources a"]


def is_snopes(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower()
    return host == "snopes.com" or host.endswith(".snopes.com")


def parse_page(html: str, url: str) -> dict[str, Any]:
    """Parse a fact-check page of any ClaimReview publisher (no network); raises ValueError for a page that
    is no fact-check (no claim and no rating found)."""
    if not is_snopes(url) and _site(url) == "claimreview" and "snopes" in html[:100_000].lower():
        soup = ex.soup_of(html)  # a Snopes page served elsewhere (a mirror, a test server) is still Snopes'
        if "snopes" in (ex.meta(soup, "og:site_name") or "").lower():
            return _snopes(html, url)
    if is_snopes(url):
        return _snopes(html, url)
    objs = ex.json_ld(html, url)
    graph = ex.by_id(objs)
    review = ex.first_of_type(objs, "ClaimReview") or {}
    article = ex.first_of_type(objs, "NewsArticle", "Article", "BlogPosting", "ReportageNewsArticle") or {}
    soup = ex.soup_of(html)
    site = _site(url)
    if site == "claimreview":  # a copy served elsewhere (a mirror, an archive, a test server): its own URL
        link = soup.find("link", rel="canonical")
        site = _site(str(ex.meta(soup, "og:url") or (link.get("href") if link else "") or ""))

    statement = soup.select_one(".m-statement") if site == "politifact" else None
    rating = ex.rating_name(review.get("reviewRating")) or _politifact_rating(statement)
    claim = ex.clean_line(html_unescape(str(review.get("claimReviewed") or "")))
    if not claim and statement is not None:
        quote = statement.select_one(".m-statement__quote")
        claim = ex.clean_line(quote.get_text(" ", strip=True)) if quote else ""
        claim = claim.strip('“”" ')
    if not claim and not rating:
        raise ValueError("no claim and no rating found (not a fact-check page?)")

    title = ex.clean_line(str(article.get("headline") or "")) or _first_text(soup, TITLE)
    title = title or ex.meta(soup, "og:title") or (soup.title.get_text(strip=True) if soup.title else "")
    reviewed_by = ex.resolve(review.get("author"), graph)
    reviewed_by = reviewed_by if isinstance(reviewed_by, list) else [reviewed_by]
    people = [a for a in reviewed_by if isinstance(a, dict) and ex.has_type(a, "Person")]
    reviewer = ex.names_of([a for a in reviewed_by if a not in people])
    outlets = [*reviewer, ex.meta(soup, "og:site_name") or "", *ex.names_of(article.get("publisher"))]
    bylines = (
        ex.names_of(ex.resolve(article.get("author"), graph)),
        ex.names_of(people),  # some publishers (BOOM) name the fact-checker as the review's author
        [ex.clean_line(n.get_text(" ", strip=True)) for sel in AUTHORS for n in soup.select(sel)],
        [ex.meta(soup, "author") or ""],
    )
    authors = next((names for b in bylines if (names := ex.person_names(b, outlets))), [])
    published = (
        ex.parse_date_local(article.get("datePublished"))
        or ex.parse_date_local(ex.meta(soup, "article:published_time"))
        or ex.parse_date_local(review.get("datePublished"))
        or _visible_date(soup)
    )
    body = _body(soup)
    text = ex.text_of(body)
    if len(text) < 200:  # no known article container: the page's main text as trafilatura finds it
        text = _main_text(html, url) or text
    lead = ex.meta(soup, "og:image") or next(iter(ex.urls_of(ex.resolve(article.get("image"), graph))), None)
    if lead and _RULING.search(lead):
        lead = None  # PolitiFact shares the Truth-O-Meter as its og:image: a rating badge, not the article's
    images = ([{"url": urljoin(url, lead), "alt": None}] if lead else []) + ex.image_candidates(body, url)
    images = list({i["url"]: i for i in reversed(images)}.values())[::-1]
    links = (
        _links(body, url)
        + _links(_first(soup, SOURCES, parent=True), url)
        + ex.appearances(review, ("url", "firstAppearance", "appearance"))
    )
    section = article.get("articleSection")
    categories = [section] if isinstance(section, str) else [s for s in section or [] if isinstance(s, str)]
    keywords = article.get("keywords")
    tags = [k.strip() for k in keywords.split(",")] if isinstance(keywords, str) else []
    return {
        "title": ex.clean_line(title),
        "claim": claim,
        "rating": rating,
        "categories": categories,
        "tags": [t for t in tags if t],
        "authors": authors,
        "published": published,
        "text": text,
        "images": images,
        "links": list(dict.fromkeys(links)),
        "layout": f"{site}+jsonld" if review else site,
        "site": site,
        "reviewer": reviewer[0]
        if reviewer
        else SITE_NAMES.get(site) or ex.meta(soup, "og:site_name") or host_key(url),
    }


def _main_text(html: str, url: str) -> str:
    import trafilatura

    try:
        text = trafilatura.extract(html, url=url, include_comments=False, include_tables=False) or ""
    except Exception:  # trafilatura/lxml can raise on pathological markup
        return ""
    return "\n\n".join(ex.clean_line(line) for line in text.splitlines() if line.strip())


def _snopes(html: str, url: str) -> dict[str, Any]:
    from finefake.crawlers.snopes import parse_fact_check

    return parse_fact_check(html, url) | {"site": "snopes", "reviewer": "Snopes"}


def _site(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    for name, domain in (("politifact", "politifact.com"), ("afp", "afp.com"), ("fullfact", "fullfact.org")):
        if host == domain or host.endswith("." + domain):
            return name
    return "claimreview"


def _first(soup: BeautifulSoup | Tag, selectors: list[str], parent: bool = False) -> Tag | None:
    for selector in selectors:
        node = soup.select_one(selector)
        if node is not None and node.get_text(strip=True):
            return node.parent if parent and node.parent is not None else node
    return None


def _first_text(soup: BeautifulSoup, selectors: list[str]) -> str:
    node = _first(soup, selectors)
    return ex.clean_line(node.get_text(" ", strip=True)) if node is not None else ""


def _politifact_rating(statement: Tag | None) -> str:
    """The ruling of PolitiFact's first statement box: its meter image (name, then ``alt``), then its class."""
    if statement is None:
        return ""
    for img in statement.select(".m-statement__meter img"):
        match = _RULING.search(str(img.get("src") or img.get("data-src") or ""))
        if match and match.group(1) in POLITIFACT_RULINGS:
            return POLITIFACT_RULINGS[match.group(1)]
    for name in statement.get("class") or []:
        slug = name.removeprefix("m-statement--")
        if slug != name and slug in POLITIFACT_RULINGS:
            return POLITIFACT_RULINGS[slug]
    return ""


def _visible_date(soup: BeautifulSoup) -> str | None:
    node = soup.select_one("time[datetime]")
    if node is not None:
        return ex.parse_date_local(str(node.get("datetime")))
    node = soup.select_one(".m-author__date, .meta-date .date, .date-published, .published")
    return ex.parse_date_local(node.get_text(" ", strip=True)) if node is not None else None


def _body(soup: BeautifulSoup) -> Tag | None:
    body = _first(soup, BODY)
    if body is None:
        return None
    ex.drop_furniture(body, CHROME, _FURNITURE)
    return body


def _links(node: Tag | None, url: str) -> list[str]:
    if node is None:
        return []
    own = host_key(url)
    out = []
    for anchor in node.find_all("a"):
        href = urljoin(url, str(anchor.get("href") or "").strip())
        if urlsplit(href).scheme in ("http", "https") and host_key(href) != own:
            out.append(href.split("#")[0])
    return out


def platform_of(site: str) -> str:
    """The platform of a parsed page's item: its site when the contract names it, else ``factcheck``."""
    return site if ALL_PLATFORM_GROUP.get(site) == "fact_check" else OTHER_PUBLISHERS


def build_item(
    record: dict[str, Any], parsed: dict[str, Any], images: list[dict[str, Any]], fetched_at: str
) -> dict[str, Any]:
    """The raw_item of a fact-check page fetched for a ``crawl/claimreview`` record.

    Snopes' item builder makes it, so items of every publisher have one shape; the page's claim and rating
    come first (the feed's are the fallback), and the label is the rating's verdict through the ratings
    table with the feed's free-text rule (:func:`finefake.crawlers.ratings.verdict_of`): a rating in no
    table gives no label and ``metadata.verdict`` ``unmapped``, counted by the crawl.
    """
    from finefake.crawlers.snopes import build_item as snopes_item

    url = str(record["review_url"])
    platform = platform_of(str(parsed.get("site") or ""))
    rating = parsed["rating"] or str(record.get("rating") or "")
    claim = parsed["claim"] or str(record.get("claim") or "")
    published = parsed["published"] or record.get("review_date")
    item = snopes_item(
        url, parsed | {"rating": rating, "claim": claim, "published": published}, images, fetched_at
    )
    verdict, phrase = verdict_of(rating)
    item["id"] = item_id(platform, url=url)
    item["platform"] = platform
    item["fact_check"]["label"] = LABEL_NAMES.index(verdict) if verdict in LABEL_NAMES else None
    item["links"] = [u for u in dict.fromkeys([*(record.get("links") or []), *parsed["links"]]) if u != url]
    item["metadata"] |= {
        "source": "claimreview",
        "site": host_key(url) if platform == OTHER_PUBLISHERS else parsed.get("site"),
        "reviewer": parsed.get("reviewer"),
        "claimreview_id": record.get("id"),
        "claimant": record.get("claimant"),
        "rating_phrase": phrase,
        "verdict": verdict,
    }
    return item


def attach_pages(
    records: list[dict[str, Any]],
    fetcher: Fetcher,
    ws: Workspace | None = None,
    max_images: int = 10,
    items: list[dict[str, Any]] | None = None,
) -> Counter[str]:
    """Fetch each record's fact-check page and add its article (text, images, authors, date, source links).

    A record keeps its feed/API fields; the page adds ``page`` (title, text, authors, published, rating,
    site and images, stored into ``ws`` when one is given) and its source links; a record without a rating
    takes the page's. Returns counts: ``pages`` parsed, ``page_error:<reason>`` per failed page, and
    ``rating_unmapped`` for pages whose rating is in no table (reported; the record is kept). Each parsed
    page's raw_item (:func:`build_item`) is appended to ``items`` when a list is given.
    """
    from finefake.console import track
    from finefake.crawlers.runner import store_images

    counts: Counter[str] = Counter()
    for record in track(records, "fact-check pages"):
        url = str(record.get("review_url") or "")
        fetched = fetcher.fetch(url, expect="html")
        if not fetched.ok:
            counts[f"page_error:{(fetched.error or 'fetch').split(':')[0]}"] += 1
            continue
        try:
            parsed = parse_page(fetched.text, url)
        except ValueError:
            counts["page_error:not_a_fact_check"] += 1
            continue
        counts["pages"] += 1
        images = (
            store_images(ws, fetcher, parsed["images"], max_images) if ws is not None else parsed["images"]
        )
        record["page"] = {k: parsed[k] for k in ("title", "text", "authors", "published", "rating", "site")}
        record["page"]["images"] = images
        record["links"] = [
            u for u in dict.fromkeys([*(record.get("links") or []), *parsed["links"]]) if u != url
        ]
        if not record.get("rating") and parsed["rating"]:
            verdict, phrase = verdict_of(parsed["rating"])
            record.update(rating=parsed["rating"], rating_phrase=phrase, verdict=verdict)
            label = LABEL_NAMES.index(verdict) if verdict in LABEL_NAMES else None
            record["fact_check"] = record["fact_check"] | {"rating": parsed["rating"], "label": label}
        if rating_verdict(parsed["rating"]) == "unmapped":
            counts["rating_unmapped"] += 1
        if items is not None:
            items.append(build_item(record, parsed, images, fetched.fetched_at))
    return counts


def fetch_pages(
    ws: Workspace, records: list[dict[str, Any]], http: HttpConfig, max_images: int
) -> tuple[Counter[str], list[dict[str, Any]]]:
    """:func:`attach_pages` with a fetcher of its own (``crawl claimreview --pages``): the counts and the
    pages' raw_items.

    The pages' hosts come from a feed or an API, not from the user, so private addresses stay refused unless
    ``http.allowed_private_hosts`` names them.
    """
    fetcher = Fetcher(http)
    items: list[dict[str, Any]] = []
    try:
        return attach_pages(records, fetcher, ws, max_images, items), items
    finally:
        fetcher.close()


def write_items(ws: Workspace, items: list[dict[str, Any]], settings: dict[str, Any]) -> Counter[str]:
    """Write the pages' raw_items into :data:`ITEM_STAGE` (replacing it) with its own manifest; returns the
    items per rating as the page (else the feed) gives it, ``(none)`` for none."""
    ratings = Counter(str(i["fact_check"]["rating"] or "(none)") for i in items)
    verdicts = Counter(str(i["metadata"]["verdict"] or "none") for i in items)
    with ws.run(ITEM_STAGE, inputs=["crawl/claimreview"], config=settings) as run:
        written = ws.write_records(ITEM_STAGE, "raw_item", sorted(items, key=lambda i: i["id"]))
        platforms = Counter(i["platform"] for i in items)
        run.counts.update(
            items=written,
            **{f"platform_{k}": v for k, v in sorted(platforms.items())},
            **{f"verdict_{k}": v for k, v in sorted(verdicts.items())},
        )
    return ratings
