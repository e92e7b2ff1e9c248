"""Wayback Machine fallback for dead source links (FakeNewsNet's most reported failure).

A link is dead when its host no longer resolves, it answers 404 or 410, or the domain is parked (a
registrar's for-sale page). Then the Internet Archive's availability API
(``https://archive.org/wayback/available?url=...&timestamp=YYYYMMDD``) names the snapshot closest to the
fact-check's date, and the raw capture (``/web/<timestamp>id_/<url>``: the page as archived, without the
Wayback toolbar or rewritten links) is fetched instead. Both requests go through the crawl's own
:class:`~finefake.crawlers.http.Fetcher`, so they are polite (per-host pace, robots.txt), archived in the
stage's WARC, and replayable like any other fetch.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import quote, urlencode

from finefake.crawlers.http import Fetched, Fetcher

WAYBACK_API = "https://archive.org/wayback/available"
WAYBACK_WEB = "https://web.archive.org"
DEAD_ERRORS = frozenset({"http_404", "http_410", "dns_error", "connection_error:ConnectionError"})
_PARKED = re.compile(
    r"this domain (name )?(is|may be) for sale|buy this domain|domain (is )?parked|parked (free|domain)|"
    r"sedoparking|parkingcrew|bodis\.com|above\.com/marketplace|hugedomains|dan\.com/buy-domain|"
    r"afternic|godaddy\.com/domainsearch|this web ?page is parked",
    re.I,
)


@dataclass(frozen=True)
class Snapshot:
    timestamp: str
    url: str
    """The raw capture (``id_``) to fetch."""


def is_parked(fetched: Fetched) -> bool:
    """A registrar's parking or for-sale page (short pages only: an article may mention such words)."""
    if not fetched.ok or "html" not in (fetched.content_type or "html"):
        return False
    text = fetched.text
    return len(text) < 60_000 and bool(_PARKED.search(text))


def is_dead(fetched: Fetched) -> bool:
    return (fetched.error in DEAD_ERRORS) or is_parked(fetched)


def _stamp(date: str | None) -> str | None:
    digits = re.sub(r"\D", "", date or "")[:8]
    return digits if len(digits) == 8 else None


def find_snapshot(
    fetcher: Fetcher, url: str, date: str | None, *, api: str = WAYBACK_API, web: str = WAYBACK_WEB
) -> Snapshot | None:
    """The capture of ``url`` closest to ``date`` (ISO date or None for the latest), or None if there is none."""
    params = {"url": url}
    stamp = _stamp(date)
    if stamp:
        params["timestamp"] = stamp
    answer = fetcher.fetch(f"{api}?{urlencode(params)}", expect=None)
    if not answer.ok:
        return None
    try:
        closest = (json.loads(answer.text).get("archived_snapshots") or {}).get("closest") or {}
    except (ValueError, AttributeError):
        return None
    timestamp = str(closest.get("timestamp") or "")
    if not closest.get("available") or str(closest.get("status", "200")) != "200" or not timestamp.isdigit():
        return None
    return Snapshot(timestamp, f"{web.rstrip('/')}/web/{timestamp}id_/{quote(url, safe=':/?&=%#@+,;~')}")
