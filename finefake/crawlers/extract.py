"""Page-level extraction helpers shared by the Snopes and news parsers: JSON-LD, OpenGraph, dates, images.

Everything here takes untrusted HTML and returns plain values; malformed markup yields empty results, never an
exception that would stop a crawl.
"""

from __future__ import annotations

import re
from datetime import datetime, timezone
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
    return any(isinstance(t, str) and t.split("/")[-1] in names for t in types)


def first_of_type(objs: list[dict[str, Any]], *names: str) -> dict[str, Any] | None:
    return next((o for o in objs if has_type(o, *names)), None)


def names_of(value: Any) -> list[str]:
    """Author names from a JSON-LD ``author`` value (string, Person, or a list of them)."""
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        name = item.get("name") if isinstance(item, dict) else item
        if isinstance(name, str) and name.strip() and name.strip() not in out:
            out.append(name.strip())
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
        when = dateparser.parse(value.strip(), fuzzy=True)
    except (ValueError, OverflowError, TypeError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def before(published: str | None, since: str | None) -> bool:
    """True when ``published`` is known and earlier than ``since`` (both ISO strings or dates)."""
    if not published or not since:
        return False
    since_iso = parse_date(since)
    return bool(since_iso) and datetime.fromisoformat(
        published.replace("Z", "+00:00")
    ) < datetime.fromisoformat(since_iso.replace("Z", "+00:00"))


def text_of(node: Tag | None) -> str:
    """Readable text of an element: one paragraph per block, whitespace collapsed."""
    if node is None:
        return ""
    for bad in node.find_all(["script", "style", "noscript", "iframe", "form", "button", "svg"]):
        bad.decompose()
    blocks = node.find_all(["p", "li", "h2", "h3", "h4", "blockquote"])
    parts = [b.get_text(" ", strip=True) for b in blocks] if blocks else [node.get_text(" ", strip=True)]
    return "\n\n".join(_SPACE.sub(" ", p).strip() for p in parts if p and p.strip())


def clean_line(value: str | None) -> str:
    return _SPACE.sub(" ", (value or "").replace("\n", " ")).strip()


def _best_from_srcset(srcset: str) -> str | None:
    best, best_w = None, -1.0
    for candidate in srcset.split(","):
        bits = candidate.strip().split()
        if not bits:
            continue
        width = 0.0
        if len(bits) > 1 and bits[1][:-1].replace(".", "", 1).isdigit():
            width = float(bits[1][:-1])
        if width > best_w:
            best, best_w = bits[0], width
    return best


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
        url = urljoin(base_url, src)
        if urlsplit(url).scheme not in ("http", "https") or url in seen:
            continue
        seen.add(url)
        out.append({"url": url, "alt": clean_line(str(img.get("alt") or "")) or None})
    return out
