"""One Snopes fact-check page read into plain fields: the selectors of its three layouts and the parser.

Each field is read from the page's JSON-LD first and its markup second (today's layout, the 2017-2022
WordPress theme, the legacy pages; see :mod:`finefake.crawlers.snopes`). The parser is apart from the crawl
(listings, tasks, items) because it needs no network and no workspace: the generic fact-check crawler and
the demo's mini-web hand Snopes pages to it directly, and the tests read real saved pages with it.
"""

from __future__ import annotations

import re
from html import unescape as html_unescape
from typing import Any
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from finefake.crawlers import extract as ex
from finefake.crawlers.http import host_key

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
    links = _source_links(body, url) + ex.appearances(review)
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
