"""News sites (AP News, CNN, NYTimes, Washington Post, CDC): articles from Snopes source links and sitemaps.

Body text comes from trafilatura; title, dates, authors and images from the page's JSON-LD ``NewsArticle``
first, then OpenGraph/``article:*`` meta tags, then trafilatura's metadata. Each article reached from a Snopes
fact-check keeps that fact-check (and its topic). Links into web.archive.org are fetched as archived (the
original page may be gone) and identified by the original URL, so the direct and archived copies share an id.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

from finefake.contract import topic_for_categories
from finefake.crawlers import extract as ex
from finefake.crawlers.claimreview import STAGE as CLAIMREVIEW_STAGE
from finefake.crawlers.frontier import Task
from finefake.crawlers.http import Fetcher, HttpConfig, host_key
from finefake.crawlers.runner import CrawlReport, Outcome, store_images
from finefake.crawlers.session import config_dict, hosts_of, run_crawl
from finefake.crawlers.snopes import STAGE as SNOPES_STAGE
from finefake.crawlers.snopes import fact_check_of, unwrap_archive
from finefake.crawlers.wayback import WAYBACK_API, WAYBACK_WEB, find_snapshot, is_dead
from finefake.errors import FinefakeError
from finefake.ids import item_id
from finefake.workspace import Workspace

STAGE = "crawl/news"
#: Platform of an article at a host that is no FineFake platform, crawled for an imported dataset.
WEB = "web"
NEWS_PLATFORMS = ("apnews", "cnn", "nytimes", "washingtonpost", "cdc")
#: Registered domains of the news platforms (sub-domains match too).
DOMAIN_PLATFORMS = {
    "apnews.com": "apnews",
    "ap.org": "apnews",
    "cnn.com": "cnn",
    "nytimes.com": "nytimes",
    "washingtonpost.com": "washingtonpost",
    "cdc.gov": "cdc",
}
ARTICLE_TYPES = (
    "NewsArticle",
    "ReportageNewsArticle",
    "AnalysisNewsArticle",
    "Article",
    "BlogPosting",
    "MedicalWebPage",
    "WebPage",
)


@dataclass
class NewsConfig:
    """Everything ``finefake crawl news`` can be told."""

    from_snopes: bool = True
    from_claimreview: bool = True
    """Follow the appearances of the fact-checks in ``crawl/claimreview`` too (like Snopes' source links)."""
    urls: tuple[str, ...] = ()
    sitemaps: tuple[str, ...] = ()
    platforms: tuple[str, ...] = NEWS_PLATFORMS
    host_platforms: dict[str, str] = field(default_factory=dict)
    since: str | None = None
    limit: int | None = None
    max_images: int = 10
    replay: str | None = None
    workers: int = 8
    commit_every: int = 50
    wayback: bool = True
    """A dead link (404, 410, DNS failure, parked domain) is fetched from the Wayback Machine instead."""
    wayback_api: str = WAYBACK_API
    wayback_web: str = WAYBACK_WEB
    http: HttpConfig = field(default_factory=HttpConfig)
    dataset: str | None = None
    """Crawl ``urls`` for an imported dataset (``import fakenewsnet --crawl``): an article at a host that is no
    FineFake platform is kept as platform ``web`` marked with this dataset, instead of being refused; the
    URLs come from the dataset's files, not from the user, so private hosts among them stay refused."""


def platform_for(url: str, host_platforms: dict[str, str] | None = None) -> str | None:
    """The news platform of a URL (archive links judged by the page they archive), or None."""
    target = unwrap_archive(url) or url
    extra = {k.lower(): v for k, v in (host_platforms or {}).items()}
    key, host = host_key(target), (urlsplit(target).hostname or "").lower()
    if key in extra or host in extra:
        return extra.get(key) or extra[host]
    for domain, platform in DOMAIN_PLATFORMS.items():
        if host == domain or host.endswith("." + domain):
            return platform
    return None


def parse_sitemap(xml: bytes, url: str) -> tuple[list[str], list[tuple[str, str | None]]]:
    """Child sitemaps and (article URL, date) pairs of a sitemap, sitemap index, RSS or Atom feed."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        root = etree.fromstring(xml, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"not XML: {exc}") from exc
    if root is None:
        raise ValueError("empty XML")

    def local(el) -> str:
        return etree.QName(el).localname if isinstance(el.tag, str) else ""

    children, articles = [], []
    for el in root.iter():
        name = local(el)
        if name == "sitemap":
            loc = next((c.text for c in el if local(c) == "loc" and c.text), None)
            if loc:
                children.append(urljoin(url, loc.strip()))
        elif name in ("url", "item", "entry"):
            link, date = None, None
            for child in el.iter():
                cname = local(child)
                if cname in ("loc", "link") and link is None:
                    link = (child.text or child.get("href") or "").strip() or None
                elif cname in ("publication_date", "lastmod", "pubDate", "published", "updated") and not date:
                    date = ex.parse_date(child.text or "")
            if link:
                articles.append((urljoin(url, link), date))
    return children, articles


def _own_headline(soup) -> str:
    """The article's own ``<h1>``: the one inside ``<article>``/``<main>`` or marked as a headline, or the only one.

    A section banner ("Letters to the Editor") is often an ``<h1>`` too, so a page with several and none in the
    article gives no headline here (the caller falls back to og:title).
    """
    h1s = [h for h in soup.find_all("h1") if h.get_text(strip=True)]
    inside = [h for h in h1s if h.find_parent(["article", "main"]) is not None]
    marked = [
        h for h in h1s if any(k in " ".join(h.get("class") or []).lower() for k in ("headline", "title"))
    ]
    chosen = inside[:1] or marked[:1] or (h1s if len(h1s) == 1 else [])
    return ex.clean_line(chosen[0].get_text(" ", strip=True)) if chosen else ""


LISTING_TYPES = ("CollectionPage", "ItemList", "WebSite", "SearchResultsPage", "SiteNavigationElement")
_REFRESH = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:[;,]\s*(?:url\s*=\s*)?['\"]?([^'\"]*)['\"]?)?", re.I)


def not_an_article(html: str, url: str) -> str | None:
    """Why a page is not an article (``meta_refresh``, ``front_page``, ``section_page``), or None if it may be.

    Source links and sitemaps also lead to redirect stubs, home pages and section fronts; their text is teasers
    and navigation, not an article, so they are recorded as failures with this reason instead of as items.
    """
    soup = ex.soup_of(html)
    objs = ex.json_ld(html, url)
    for tag in soup.find_all("meta"):
        if str(tag.get("http-equiv") or "").lower() != "refresh":
            continue
        match = _REFRESH.match(str(tag.get("content") or ""))
        if match and match.group(2) and float(match.group(1)) <= 10:
            return "meta_refresh"
    if ex.first_of_type(objs, *ARTICLE_TYPES[:-1]):
        return None
    path = urlsplit(url).path.strip("/")
    listing = ex.first_of_type(objs, *LISTING_TYPES) is not None
    paragraphs = sum(1 for p in soup.find_all("p") if len(p.get_text(" ", strip=True)) > 150)
    link_heavy = len(soup.find_all("a")) >= 100 and paragraphs <= 2
    if (ex.meta(soup, "og:type") or "").lower() == "article" and not listing:
        return None
    if path in ("", "index.html", "index.htm", "index.php") and (listing or link_heavy or paragraphs <= 2):
        return "front_page"
    if listing or link_heavy:
        return "section_page"
    return None


#: Meta tags that news sites put their publication time in when they have no JSON-LD or ``article:*`` tags.
PUBLISHED_METAS = (
    "article:published",
    "og:published_time",
    "published_time",
    "pubdate",
    "publishdate",
    "publish-date",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dc.date",
    "date",
)
MODIFIED_METAS = ("article:modified", "og:updated_time", "lastmod", "last-modified", "dc.date.modified")
_HAS_TIME = re.compile(r"\d{1,2}:\d{2}|T\d{2}")


def stated_time(soup, itemprop: str, metas: tuple[str, ...]) -> str | None:
    """The instant a page states without JSON-LD: microdata (``itemprop="datePublished"``, NYT and CNN put it
    on a ``<meta>``), a ``<time datetime>`` in the article, then the usual meta tags, with the zone it gives.

    A value with a time of day wins over a bare date (NYT's ``pdate`` is ``20191118`` beside the full instant
    in its microdata), so that a page that says when it appeared is not cut to midnight.
    """
    values: list[str] = []
    for node in soup.select(f"[itemprop~={itemprop}]"):
        values.append(str(node.get("content") or node.get("datetime") or node.get_text(" ", strip=True)))
    if itemprop == "datePublished":
        scope = soup.find("article") or soup.find("main") or soup
        values += [str(t.get("datetime")) for t in scope.select("time[datetime]")[:1]]
    values += [value for key in metas if (value := ex.meta(soup, key))]
    for value in sorted(values, key=lambda v: not _HAS_TIME.search(v)):
        when = ex.parse_date_local(value)
        if when:
            return when
    return None


def _marked_headline(soup) -> str:
    """A headline marked up as such (microdata ``headline``, hNews ``entry-title``) when the page has no
    ``<h1>`` of its own: hosted AP stories put theirs in a ``<span class="headline entry-title">`` under the
    site's generic ``<title>`` ("News from The Associated Press")."""
    node = soup.select_one("[itemprop=headline], .entry-title")
    return ex.clean_line(node.get_text(" ", strip=True)) if node is not None else ""


def parse_article(html: str, url: str) -> dict[str, Any]:
    """Parse a news article page (no network); raises ValueError when no article text is found."""
    import trafilatura

    objs = ex.json_ld(html, url)
    art = ex.first_of_type(objs, *ARTICLE_TYPES) or {}
    soup = ex.soup_of(html)
    try:
        traf = json.loads(
            trafilatura.extract(
                html,
                url=url,
                output_format="json",
                with_metadata=True,
                include_comments=False,
                include_tables=False,
            )
            or "{}"
        )
    except Exception:  # trafilatura/lxml can raise on pathological markup
        traf = {}
    text = (traf.get("text") or "").strip() or str(art.get("articleBody") or "").strip()
    if not text:
        text = ex.text_of(soup.find("article") or soup.body)
    if not text:
        raise ValueError("no article text")
    title = ex.clean_line(str(art.get("headline") or "")) or _own_headline(soup)
    title = title or ex.meta(soup, "og:title", "twitter:title") or _marked_headline(soup)
    title = title or traf.get("title") or ""
    title = title or (soup.title.get_text(strip=True) if soup.title else "")
    outlets = [ex.meta(soup, "og:site_name") or "", *ex.names_of(art.get("publisher"))]
    bylines = (
        ex.names_of(art.get("author")),
        [ex.meta(soup, "author") or ""],
        ex.metas(soup, "article:author"),
        [traf.get("author") or ""],
    )
    authors = next((names for b in bylines if (names := ex.person_names(b, outlets))), [])
    published = (
        ex.parse_date_local(art.get("datePublished"))
        or ex.parse_date_local(ex.meta(soup, "article:published_time"))
        or stated_time(soup, "datePublished", PUBLISHED_METAS)
        or ex.parse_date_local(traf.get("date"))
    )
    images = [{"url": urljoin(url, u), "alt": None} for u in ex.urls_of(art.get("image"))]
    og = ex.meta(soup, "og:image", "twitter:image")
    if og:
        images.append({"url": urljoin(url, og), "alt": ex.meta(soup, "og:image:alt")})
    images += ex.image_candidates(soup.find("article") or soup.body, url)
    section = art.get("articleSection") or ex.meta(soup, "article:section")
    return {
        "title": ex.clean_line(title),
        "text": text,
        "authors": list(dict.fromkeys(authors)),
        "published": published,
        "images": images,
        "modified": ex.parse_date_local(art.get("dateModified"))
        or ex.parse_date_local(ex.meta(soup, "article:modified_time"))
        or stated_time(soup, "dateModified", MODIFIED_METAS),
        "section": section if isinstance(section, (str, list)) else None,
        "description": ex.meta(soup, "og:description", "description"),
        "jsonld": bool(art),
    }


def section_topic(section: str | list[str] | None) -> str | None:
    """The topic of an article reached without a fact-check, from its site section (same YAML table as Snopes)."""
    if not section:
        return None
    return topic_for_categories([section] if isinstance(section, str) else list(section))


class NewsHandler:
    def __init__(self, ws: Workspace, fetcher: Fetcher, config: NewsConfig):
        self.ws, self.fetcher, self.config = ws, fetcher, config

    def __call__(self, task: Task) -> Outcome:
        if task.kind == "sitemap":
            return self._sitemap(task)
        fetched = self.fetcher.fetch(task.url, expect="html")
        original = task.context.get("original_url") or task.url
        snapshot = None
        if self.config.wayback and is_dead(fetched):
            snapshot = find_snapshot(
                self.fetcher,
                original,
                task.context.get("fact_check_date"),
                api=self.config.wayback_api,
                web=self.config.wayback_web,
            )
            if snapshot is None:
                return Outcome(error=f"dead_not_archived:{fetched.error or 'parked_domain'}")
            fetched = self.fetcher.fetch(snapshot.url, expect="html")
        if not fetched.ok:
            return Outcome(error=fetched.error)
        reason = not_an_article(fetched.text, task.url)
        if reason:
            return Outcome(error=f"{reason}:not an article ({task.url})")
        try:
            parsed = parse_article(fetched.text, task.url)
        except ValueError as exc:
            return Outcome(error=f"parse_error:{exc}")
        if ex.before(parsed["published"], self.config.since):
            return Outcome(skipped="before_since")
        platform = task.context["platform"]
        images = store_images(self.ws, self.fetcher, parsed["images"], self.config.max_images)
        metadata = {k: task.context[k] for k in ("snopes_id", "claimreview_id", "via") if task.context.get(k)}
        metadata |= {
            "section": parsed["section"],
            "description": parsed["description"],
            "modified": parsed["modified"],
            "jsonld": parsed["jsonld"],
        }
        if original != task.url:
            metadata["archived_url"] = task.url
        if snapshot is not None:
            metadata["archived_from"] = snapshot.url
            metadata["archived_at"] = ex.parse_date(snapshot.timestamp[:8])
        dataset = {"dataset": task.context["dataset"]} if task.context.get("dataset") else {}
        return Outcome(
            items=[
                {
                    **dataset,
                    "id": item_id(platform, url=original),
                    "platform": platform,
                    "url": original,
                    "title": parsed["title"],
                    "text": parsed["text"],
                    "authors": parsed["authors"],
                    "published": parsed["published"],
                    "images": images,
                    "comments": [],
                    "fact_check": task.context.get("fact_check"),
                    "topic": task.context.get("topic") or section_topic(parsed["section"]),
                    "fetched_at": fetched.fetched_at,
                    "metadata": metadata,
                }
            ]
        )

    def _sitemap(self, task: Task) -> Outcome:
        fetched = self.fetcher.fetch(task.url, expect="xml")
        if not fetched.ok:
            return Outcome(error=fetched.error)
        try:
            children, articles = parse_sitemap(fetched.body, task.url)
        except ValueError as exc:
            return Outcome(error=f"parse_error:{exc}")
        tasks = [Task(c, "sitemap", context=task.context, depth=task.depth + 1) for c in children]
        for link, date in articles:
            if ex.before(date, self.config.since):
                continue
            platform = task.context.get("platform") or platform_for(link, self.config.host_platforms)
            if platform in self.config.platforms:
                tasks.append(Task(link, "article", {"platform": platform, "via": "sitemap"}, task.depth + 1))
        return Outcome(new_tasks=tasks)


def seed_tasks(ws: Workspace, config: NewsConfig) -> tuple[list[Task], Counter[str]]:
    """Article and sitemap tasks from the config and (optionally) the Snopes items' source links."""
    tasks: list[Task] = []
    ignored: Counter[str] = Counter()
    for url in config.urls:
        platform = platform_for(url, config.host_platforms) or (WEB if config.dataset else None)
        if platform is None:
            raise FinefakeError(f"cannot tell the news platform of {url}; map its host with host_platforms")
        dataset = {"dataset": config.dataset} if platform == WEB else {}
        tasks.append(Task(url, "article", {"platform": platform, "via": "url", **dataset}))
    for url in config.sitemaps:
        tasks.append(Task(url, "sitemap", {"platform": platform_for(url, config.host_platforms)}))
    if config.from_snopes and ws.has_records(SNOPES_STAGE):
        for item in ws.read(SNOPES_STAGE):
            for link in item.get("links") or []:
                platform = platform_for(link, config.host_platforms)
                if platform is None or platform not in config.platforms:
                    ignored["not_a_news_link"] += 1
                    continue
                context = fact_check_of(item) | {"platform": platform, "via": "snopes"}
                original = unwrap_archive(link)
                if original:
                    context["original_url"] = original
                tasks.append(Task(link, "article", context))
    if config.from_claimreview and ws.has_records(CLAIMREVIEW_STAGE):
        for record in ws.read(CLAIMREVIEW_STAGE):
            context = {
                "fact_check": record.get("fact_check"),
                "topic": None,
                "claimreview_id": record["id"],
                "fact_check_date": record.get("review_date"),
            }
            for link in record.get("links") or []:
                platform = platform_for(link, config.host_platforms)
                if platform is None or platform not in config.platforms:
                    ignored["not_a_news_link"] += 1
                    continue
                task_context = context | {"platform": platform, "via": "claimreview"}
                original = unwrap_archive(link)
                if original:
                    task_context["original_url"] = original
                tasks.append(Task(link, "article", task_context))
    if not tasks:
        raise FinefakeError(
            "nothing to crawl: give article URLs or sitemaps, or crawl snopes or claimreview first"
        )
    return tasks, ignored


def _custom_wayback(config: NewsConfig) -> list[str]:
    """Wayback endpoints the user pointed elsewhere (a local mirror): allowed like the URLs they typed."""
    return [
        u
        for u, default in ((config.wayback_api, WAYBACK_API), (config.wayback_web, WAYBACK_WEB))
        if u != default
    ]


def crawl_news(ws: Workspace, config: NewsConfig) -> CrawlReport:
    """Crawl news articles into ``crawl/news`` (resumable; ``config.replay`` rebuilds from a WARC)."""
    tasks, ignored = seed_tasks(ws, config)
    typed_urls = config.urls if config.dataset is None else ()
    return run_crawl(
        ws,
        STAGE,
        config.http,
        tasks,
        lambda fetcher: NewsHandler(ws, fetcher, config),
        inputs=[SNOPES_STAGE] * config.from_snopes
        + [CLAIMREVIEW_STAGE] * (config.from_claimreview and ws.has_records(CLAIMREVIEW_STAGE)),
        settings=config_dict(config),
        replay=config.replay,
        allow_hosts=hosts_of([*typed_urls, *config.sitemaps, *_custom_wayback(config)]),
        finish=lambda handler, report: {f"links_{k}": v for k, v in ignored.items()},
        limit=config.limit,
        workers=config.workers,
        commit_every=config.commit_every,
        description="news",
    )
