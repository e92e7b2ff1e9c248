"""Page-level extraction helpers shared by the Snopes and news parsers: JSON-LD, OpenGraph, dates, images.

Everything here takes untrusted HTML and returns plain values; malformed markup yields empty results, never an
exception that would stop a crawl.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from html import unescape as html_unescape
from typing import Any
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag
from dateutil import parser as dateparser

LAZY_ATTRS = ("data-src", "data-lazy-src", "data-original", "data-lazy", "data-url", "data-full-src", "src")
SRCSET_ATTRS = ("data-srcset", "data-lazy-srcset", "srcset")
_SPACE = re.compile(r"[ \t\r\f\v]+")


def soup_of(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "lxml")


def json_ld(html: str, url: str) -> list[dict[str, Any]]:
    """Every JSON-LD object of a page (``@graph`` flattened); an unparsable block is skipped."""
    from extruct.jsonld import JsonLdExtractor

    try:
        blocks = JsonLdExtractor().extract(html, base_url=url)
    except Exception:  # extruct raises bare ValueErrors/lxml errors on broken markup
        blocks = []
    out: list[dict[str, Any]] = []
    stack = list(blocks)
    while stack:
        obj = stack.pop(0)
        if isinstance(obj, list):
            stack.extend(obj)
        elif isinstance(obj, dict):
            out.append(obj)
            if isinstance(obj.get("@graph"), list):
                stack.extend(obj["@graph"])
    return out


def has_type(obj: dict[str, Any], *names: str) -> bool:
    value = obj.get("@type")
    types = value if isinstance(value, list) else [value]
    wanted = {n.lower() for n in names}  # some sites write "article" for "Article"
    return any(isinstance(t, str) and t.split("/")[-1].lower() in wanted for t in types)


def first_of_type(objs: list[dict[str, Any]], *names: str) -> dict[str, Any] | None:
    return next((o for o in objs if has_type(o, *names)), None)


def by_id(objs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The objects of a JSON-LD graph by their ``@id`` (Yoast and other graphs link authors, images this way)."""
    return {str(o["@id"]): o for o in objs if isinstance(o.get("@id"), str) and len(o) > 1}


def resolve(value: Any, graph: dict[str, dict[str, Any]]) -> Any:
    """A JSON-LD value with its ``{"@id": ...}`` references replaced by the objects they name (one level)."""
    if isinstance(value, list):
        return [resolve(v, graph) for v in value[:50]]
    if isinstance(value, dict) and set(value) == {"@id"}:
        return graph.get(str(value["@id"]), value)
    return value


def rating_name(value: Any) -> str:
    """The verdict of a ClaimReview ``reviewRating`` (its ``alternateName``, else ``name``), or ""."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, dict)), None)
    if not isinstance(value, dict):
        return ""
    name = value.get("alternateName") or value.get("name") or ""
    return clean_line(html_unescape(str(name))).rstrip(".") if isinstance(name, (str, int, float)) else ""


def names_of(value: Any) -> list[str]:
    """Author names from a JSON-LD ``author`` value (string, Person, or a list of them)."""
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str) and name.strip() and name.strip() not in out:
            out.append(name.strip())
    return out


#: Outlets and wires that bylines glue to the names ("Rob Picheta, CNN"); a page's own publisher is added.
OUTLETS = frozenset(
    {
        "cnn",
        "ap",
        "associated press",
        "the associated press",
        "reuters",
        "afp",
        "agence france-presse",
        "bloomberg",
        "bbc",
        "bbc news",
        "npr",
        "the new york times",
        "new york times",
        "the washington post",
        "washington post",
        "usa today",
        "fox news",
        "nbc news",
        "abc news",
        "cbs news",
        "cdc",
        "upi",
        "dpa",
    }
)
#: One-word outlets: a byline entry with one of these among its words names a desk, never a person.
_OUTLET_WORDS = frozenset(o for o in OUTLETS if " " not in o)
_BY = re.compile(
    r"^(?:(?:analysis|opinion|review|commentary|interview|story|written|reporting|photos?|text)\s+)?by\s+",
    re.I,
)
_FOR_OUTLET = re.compile(r"\s+(?:for|special to)\s+.+$", re.I)
_SPLIT_NAMES = re.compile(r"\s*(?:;|\||,|\s&\s|\band\b)\s*", re.I)
_SUFFIXES = {"jr", "jr.", "sr", "sr.", "ii", "iii", "iv", "phd", "md"}
_PARTICLES = {
    "de",
    "da",
    "van",
    "von",
    "der",
    "den",
    "del",
    "della",
    "la",
    "le",
    "di",
    "du",
    "bin",
    "ibn",
    "al",
    "el",
    "y",
    "dos",
    "das",
    "ten",
    "ter",
    "st.",
    "mc",
}
_ROLE_WORDS = {
    "staff",
    "editor",
    "editors",
    "letters",
    "newsroom",
    "desk",
    "team",
    "wire",
    "wires",
    "reporters",
    "contributors",
    "agencies",
    "username",
    "account",
    "login",
    "admin",
    "guest",
    "anonymous",
    "news",
    "media",
    "press",
    "the",
}
_TAG = re.compile(r"<[^>]+>")


def _is_person(name: str) -> bool:
    tokens = name.split()
    if not 2 <= len(tokens) <= 6 or any(ch.isdigit() or ch in "@/:<>" for ch in name):
        return False
    for token in tokens:
        bare = token.strip(".,'’\"()")
        if bare.lower() in _ROLE_WORDS:
            return False
        if token.lower() in _PARTICLES or token.lower().rstrip(".") in _SUFFIXES:
            continue
        if not bare or not bare[0].isupper():
            return False
    return True


def person_names(values: list[str], outlets: list[str] | tuple[str, ...] = ()) -> list[str]:
    """Authors as people's names, one per entry, from raw bylines and author fields.

    A byline is often not a name: a profile URL (``article:author``), a site's account widget, "By A, B, and C,
    CNN" (several people and the outlet in one string). Each value is split into its names, the "By"/"Analysis
    by" lead-in and the outlet (``outlets`` plus :data:`OUTLETS`) are dropped, and only what looks like a
    person's name (2-6 capitalised words, no digits or URL characters, no role word like "Staff") is kept.
    """
    skip = OUTLETS | {o.strip().lower() for o in outlets if o and o.strip()}
    out: list[str] = []
    for value in values:
        if not isinstance(value, str) or "://" in value or value.strip().lower().startswith("www."):
            continue
        text = clean_line(html_unescape(_TAG.sub(" ", value)))
        text = _BY.sub("", text)
        pieces: list[str] = []
        for piece in _SPLIT_NAMES.split(text):
            piece = _FOR_OUTLET.sub("", _BY.sub("", piece.strip(" ,;"))).strip()
            if piece.lower().rstrip(".") in _SUFFIXES and pieces:
                pieces[-1] = f"{pieces[-1]}, {piece}"
            elif piece:
                pieces.append(piece)
        for piece in pieces:
            if piece.lower() in skip or not _is_person(piece):
                continue
            if any(token.lower() in _OUTLET_WORDS for token in piece.split()):
                continue  # a desk or service ("AFP USA", "CNN Wire"), not a person
            if piece.lower() not in {o.lower() for o in out}:
                out.append(piece)
    return out


def urls_of(value: Any) -> list[str]:
    """Image URLs from a JSON-LD ``image`` value (string, ImageObject, or a list)."""
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        url = item.get("url") or item.get("contentUrl") if isinstance(item, dict) else item
        if isinstance(url, str) and url.strip():
            out.append(url.strip())
    return out


def appearances(
    review: dict[str, Any], keys: tuple[str, ...] = ("firstAppearance", "appearance")
) -> list[str]:
    """The http(s) links where a ClaimReview's ``itemReviewed`` says the claim appeared: each of ``keys`` holds
    a URL, an object with a ``url``, or a list of either (feeds and page markup write all three)."""
    reviewed = review.get("itemReviewed") if isinstance(review.get("itemReviewed"), dict) else {}
    out: list[str] = []
    for key in keys:
        value = reviewed.get(key)
        for item in value if isinstance(value, list) else [value]:
            link = item.get("url") if isinstance(item, dict) else item
            if isinstance(link, str) and link.startswith(("http://", "https://")):
                out.append(link)
    return out


def meta(soup: BeautifulSoup, *keys: str) -> str | None:
    """The content of the first ``<meta property|name=key>`` found (OpenGraph, article:*, twitter:*)."""
    for key in keys:
        tag = soup.find("meta", attrs={"property": key}) or soup.find("meta", attrs={"name": key})
        if isinstance(tag, Tag) and tag.get("content"):
            return str(tag["content"]).strip()
    return None


def metas(soup: BeautifulSoup, key: str) -> list[str]:
    return [
        str(t["content"]).strip() for t in soup.find_all("meta", attrs={"property": key}) if t.get("content")
    ]


def parse_date(value: Any) -> str | None:
    """An ISO 8601 UTC timestamp from a date string in any common format, or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        # plain ISO 8601 (most feeds and APIs) without dateutil's fuzzy scan, which is 30x slower
        when = datetime.fromisoformat(value.strip()) if _ISO_DATE.match(value.strip()) else None
    except ValueError:
        when = None
    try:
        when = when or dateparser.parse(value.strip(), fuzzy=True)
    except (ValueError, OverflowError, TypeError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


_ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d{1,6})?)?)?(?:Z|[+-]\d\d:?\d\d)?\Z")


def parse_date_local(value: Any) -> str | None:
    """An ISO 8601 timestamp that keeps the time zone the page gave (``2019-07-03T04:22:07-04:00``), or None.

    A page's own offset says when the article appeared for its readers; converting it to UTC loses that. A
    value without a zone is taken as UTC, as :func:`parse_date` does.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = dateparser.parse(value.strip(), fuzzy=True)
    except (ValueError, OverflowError, TypeError):
        return None
    if when.tzinfo is None or when.utcoffset() == timedelta(0):
        return when.replace(tzinfo=None).strftime("%Y-%m-%dT%H:%M:%SZ")
    return when.replace(microsecond=0).isoformat()


def before(published: str | None, since: str | None) -> bool:
    """True when ``published`` is known and earlier than ``since`` (both ISO strings or dates)."""
    if not published or not since:
        return False
    since_iso = parse_date(since)
    return bool(since_iso) and datetime.fromisoformat(
        published.replace("Z", "+00:00")
    ) < datetime.fromisoformat(since_iso.replace("Z", "+00:00"))


#: Elements that hold one paragraph of text each; containers (div, section, ...) are walked into instead.
TEXT_BLOCKS = frozenset(
    {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "figcaption", "dt", "dd", "td", "th"}
)
_CONTAINERS = frozenset(
    {
        "div",
        "section",
        "article",
        "main",
        "ul",
        "ol",
        "dl",
        "table",
        "thead",
        "tbody",
        "tr",
        "figure",
        "blockquote",
        "aside",
        "header",
        "footer",
        "center",
        "body",
        "html",
        "details",
        "summary",
        "hr",
    }
)
_DROP = ("script", "style", "noscript", "iframe", "form", "button", "svg", "template", "input", "select")


def drop_furniture(body: Tag, chrome: str, furniture: re.Pattern[str]) -> None:
    """Remove from an article body the nodes ``chrome`` selects and every node whose class or id matches
    ``furniture`` (newsletter boxes, share bars, ad slots): what a site wraps around its article."""
    for node in body.select(chrome):
        if not node.decomposed:
            node.decompose()
    for node in list(body.find_all(True)):
        if node.decomposed:
            continue
        marks = " ".join([*(node.get("class") or []), str(node.get("id") or "")])
        if marks.strip() and furniture.search(marks):
            node.decompose()


def text_of(node: Tag | None) -> str:
    """Readable text of an element: one paragraph per block, whitespace collapsed.

    Text blocks are taken once each (a ``<p>`` inside a ``<blockquote>`` is not repeated by it), and text that
    sits directly in a container between blocks (WordPress pages often put a sentence after an ``<img>``
    inside a ``<div>``) is kept as its own paragraph.
    """
    if node is None:
        return ""
    for bad in node.find_all(_DROP):
        bad.decompose()
    parts: list[str] = []
    _walk_text(node, parts, 0)
    return "\n\n".join(p for p in (clean_line(p) for p in parts) if p)


def _walk_text(node: Tag, parts: list[str], depth: int) -> None:
    from bs4 import Comment, NavigableString

    run: list[str] = []
    for child in node.children:
        if isinstance(child, Comment):
            continue
        if isinstance(child, NavigableString):
            run.append(str(child))
            continue
        if not isinstance(child, Tag):
            continue
        name = child.name or ""
        nested = depth < 60 and (
            name in _CONTAINERS or (name in TEXT_BLOCKS and child.find(list(TEXT_BLOCKS | _CONTAINERS)))
        )
        if nested or name in TEXT_BLOCKS or name == "br":
            parts.append("".join(run))
            run = []
            if nested:
                _walk_text(child, parts, depth + 1)
            elif name != "br":
                parts.append(inline_text(child))
        else:
            run.append(inline_text(child))
    parts.append("".join(run))


def inline_text(node: Tag) -> str:
    """The text of an element as a reader sees it: inline tags add no space ("“<a>CBS</a>”" stays "“CBS”"),
    a ``<br>`` or a nested block does."""
    from bs4 import Comment, NavigableString

    out: list[str] = []
    for piece in node.descendants:
        if isinstance(piece, Comment):
            continue
        if isinstance(piece, NavigableString):
            if not any(p.name in _DROP for p in piece.parents if isinstance(p, Tag)):
                out.append(str(piece))
        elif isinstance(piece, Tag) and (piece.name == "br" or piece.name in TEXT_BLOCKS):
            out.append(" ")
    return "".join(out)


def clean_line(value: str | None) -> str:
    return _SPACE.sub(" ", (value or "").replace("\n", " ").replace("\xa0", " ")).strip()


def srcset_candidates(srcset: str) -> list[tuple[str, float]]:
    """(URL, width) pairs of a ``srcset``, parsed as the HTML standard does.

    A URL runs to the next whitespace, so commas inside it (``...?resize=1200,1216 1200w``, WordPress/Jetpack)
    stay in it; only a comma after the descriptors separates candidates. The width is that of a ``w``
    descriptor, else the density of an ``x`` descriptor (0 when there is none).
    """
    out: list[tuple[str, float]] = []
    pos, n = 0, len(srcset)
    while pos < n:
        while pos < n and (srcset[pos].isspace() or srcset[pos] == ","):
            pos += 1
        start = pos
        while pos < n and not srcset[pos].isspace():
            pos += 1
        url = srcset[start:pos]
        descriptors = ""
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            end = srcset.find(",", pos)
            end = n if end < 0 else end
            descriptors, pos = srcset[pos:end], end + 1
        if not url:
            continue
        width = 0.0
        for token in descriptors.split():
            number = token[:-1]
            if token[-1:] in ("w", "x") and number.replace(".", "", 1).isdigit():
                width = float(number)
        out.append((url, width))
    return out


def _best_from_srcset(srcset: str) -> str | None:
    candidates = srcset_candidates(srcset)
    return max(candidates, key=lambda c: c[1])[0] if candidates else None


def image_candidates(node: Tag | None, base_url: str) -> list[dict[str, str | None]]:
    """Images of an element, lazy-load attributes and ``<noscript>`` fallbacks included; no data: URIs."""
    if node is None:
        return []
    imgs = list(node.find_all("img"))
    for noscript in node.find_all("noscript"):
        imgs.extend(BeautifulSoup(noscript.decode_contents(), "lxml").find_all("img"))
    out: list[dict[str, str | None]] = []
    seen: set[str] = set()
    for img in imgs:
        if str(img.get("width", "")) in ("1", "0") or str(img.get("height", "")) in ("1", "0"):
            continue  # tracking pixels
        src = None
        for attr in SRCSET_ATTRS:
            if img.get(attr):
                src = _best_from_srcset(str(img[attr]))
                if src:
                    break
        if not src:
            for attr in LAZY_ATTRS:
                value = str(img.get(attr) or "").strip()
                if value and not value.startswith("data:"):
                    src = value
                    break
        if not src or src.startswith("data:"):
            continue
        url = urljoin(base_url, src.strip())
        if url.endswith((".jpg.", ".jpeg.", ".png.", ".gif.", ".webp.")):
            url = url[:-1]  # a template's stray full stop after the file name (PolitiFact thumbnails)
        if urlsplit(url).scheme not in ("http", "https") or url in seen:
            continue
        seen.add(url)
        out.append({"url": url, "alt": clean_line(str(img.get("alt") or "")) or None})
    return out
