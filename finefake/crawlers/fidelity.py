"""How faithfully the fact-check parsers read saved pages: per-site field yields, failures, expected values.

``perf/page_fidelity.py DIR`` and the real-page tests run the same code: :func:`measure` parses every saved
page of a folder (``*.html`` or ``*.html.gz``, any depth) with :func:`finefake.crawlers.factcheck.parse_page`,
counts per site how many pages yield each field, and lists each failure (a missing field, a body with site
chrome in it, a bogus image URL, a rating in no table, a parser exception) with its page. With expected values
(a YAML list written by hand from reading the pages) it also lists every field that differs from them.
"""

from __future__ import annotations

import gzip
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from finefake.crawlers import extract as ex
from finefake.crawlers.factcheck import parse_page
from finefake.crawlers.ratings import verdict_of

FIELDS = ("rating", "claim", "title", "authors", "published", "text", "categories", "tags", "images")
#: Text of the sites' furniture that must never be in an article body (membership and donation appeals,
#: the COVID-19 "infodemic" banner, the rating box, tip boxes, rails and share bars).
CHROME = (
    "About this rating",
    "Become a Member",
    "Founding Member",
    "infodemic",
    "Snopes needs your help",
    "Support Snopes",
    "Top Fact Checks",
    "Most Searched",
    "Share on Facebook",
    "Sign up for",
    "Have you seen content that you would like",
    "Read About Our Process",
    "The Principles of the Truth-O-Meter",
)
#: A body shorter than this is no article (the rating box alone, a teaser).
MIN_BODY = 200
_SENTENCE_END = re.compile(r"(?<=[.!?:”\"’)])\s+(?=[A-Z“\"‘(0-9])")


def read_page(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    return data.decode("utf-8", errors="replace")


def url_of(html: str, path: Path) -> str:
    """The page's own URL: its canonical link or og:url, else one made of the file name (no site's)."""
    soup = ex.soup_of(html[:200_000])
    link = soup.find("link", rel="canonical")
    for candidate in (link.get("href") if link else None, ex.meta(soup, "og:url")):
        if isinstance(candidate, str) and candidate.startswith(("http://", "https://")):
            return candidate.strip()
    name = path.name.removesuffix(".gz").removesuffix(".html")
    return f"https://saved-page.invalid/{name}/"


def body_problems(text: str) -> list[str]:
    """Why a body is not a clean article text: empty/too short, or site chrome found in it."""
    if len(text) < MIN_BODY:
        return [f"body_short:{len(text)}"]
    return [f"body_chrome:{phrase}" for phrase in CHROME if phrase.lower() in text.lower()]


def bogus_images(images: list[dict[str, Any]]) -> list[str]:
    """Image URLs no server would answer: not http(s), no host, whitespace, a cut srcset, a trailing dot."""
    bad = []
    for image in images:
        url = str(image.get("url") or "")
        parts = urlsplit(url)
        if (
            parts.scheme not in ("http", "https")
            or not parts.hostname
            or any(c.isspace() for c in url)
            or url.endswith((".", ","))
            or re.search(r"\s\d+[wx]$", url)
        ):
            bad.append(url)
    return bad


def sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(ex.clean_line(text)) if s]


@dataclass
class Fidelity:
    """Per-site field yields and every failure, over one folder of saved pages."""

    pages: Counter[str] = field(default_factory=Counter)
    yields: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    ratings: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    failures: list[tuple[str, str, str]] = field(default_factory=list)
    parsed: dict[str, dict[str, Any]] = field(default_factory=dict)

    def rate(self, site: str, name: str) -> float:
        return self.yields[site][name] / self.pages[site] if self.pages[site] else 0.0


def measure(folder: Path, expected: list[dict[str, Any]] | None = None) -> Fidelity:
    """Parse every saved page under ``folder`` and count what each site's pages yield (see module doc)."""
    result = Fidelity()
    wanted = {e["file"]: e for e in expected or []}
    paths = sorted(p for p in folder.rglob("*") if p.name.endswith((".html", ".html.gz")))
    for path in paths:
        rel = path.relative_to(folder).as_posix()
        html = read_page(path)
        url = (wanted.get(rel) or {}).get("url") or url_of(html, path)
        try:
            parsed = parse_page(html, url)
        except ValueError as exc:
            result.pages["unknown"] += 1
            result.failures.append((rel, "page", f"not_a_fact_check:{exc}"))
            continue
        except Exception as exc:  # a crash is a finding to list, not a reason to stop measuring
            result.pages["unknown"] += 1
            result.failures.append((rel, "page", f"crash:{type(exc).__name__}:{exc}"))
            continue
        site = parsed["site"]
        result.parsed[rel] = parsed
        result.pages[site] += 1
        for name in FIELDS:
            if parsed.get(name):
                result.yields[site][name] += 1
            elif name in ("rating", "claim", "title", "authors", "published", "text"):
                result.failures.append((rel, name, "missing"))
        problems = body_problems(parsed["text"])
        result.yields[site]["clean_body"] += not problems
        result.failures += [(rel, "text", p) for p in problems if not p.startswith("body_short:0")]
        verdict = verdict_of(parsed["rating"])[0] or "none"  # the rule crawl claimreview labels with
        result.ratings[site][parsed["rating"] or "(none)"] += 1
        result.yields[site]["rating_mapped"] += verdict in ("fake", "real", "excluded")
        if verdict == "unmapped":
            result.failures.append((rel, "rating", f"unmapped:{parsed['rating']}"))
        result.failures += [(rel, "images", f"bogus:{u}") for u in bogus_images(parsed["images"])]
        if rel in wanted:
            result.failures += [(rel, f, d) for f, d in differences(parsed, wanted[rel])]
    return result


def differences(parsed: dict[str, Any], expected: dict[str, Any]) -> list[tuple[str, str]]:
    """The fields of a parsed page that differ from the values written by hand for it."""
    out: list[tuple[str, str]] = []
    for name in ("title", "claim", "rating", "authors", "published", "categories", "layout"):
        if name in expected and parsed.get(name) != expected[name]:
            out.append((name, f"expected {expected[name]!r}, got {parsed.get(name)!r}"))
    if "tags" in expected and not set(expected["tags"]) <= set(parsed["tags"]):
        out.append(("tags", f"missing {sorted(set(expected['tags']) - set(parsed['tags']))}"))
    text = ex.clean_line(parsed["text"])
    if expected.get("first") and not text.startswith(ex.clean_line(expected["first"])):
        out.append(("first", f"body starts {text[:80]!r}"))
    if expected.get("last") and not text.endswith(ex.clean_line(expected["last"])):
        out.append(("last", f"body ends {text[-80:]!r}"))
    urls = [i["url"] for i in parsed["images"]]
    for image in expected.get("images") or []:
        if not any(u == image or u.startswith(image + "?") for u in urls):
            out.append(("images", f"missing {image}"))
    return out


def report_lines(result: Fidelity) -> list[str]:
    """The per-site table and the failures, as ``perf/page_fidelity.py`` prints them."""
    columns = (*FIELDS, "clean_body", "rating_mapped")
    lines = ["site        pages  " + " ".join(f"{c[:10]:>10}" for c in columns)]
    for site in sorted(result.pages):
        cells = " ".join(f"{result.yields[site][c]:>10}" for c in columns)
        lines.append(f"{site:<11} {result.pages[site]:>5}  {cells}")
    for site in sorted(result.ratings):
        counts = ", ".join(f"{k}: {v}" for k, v in sorted(result.ratings[site].items()))
        lines.append(f"ratings {site}: {counts}")
    lines.append(f"failures: {len(result.failures)}")
    lines += [f"  {page}  {name}  {detail}" for page, name, detail in result.failures]
    return lines
