"""Stable item ids: ``<platform>:<platform id>`` or ``<platform>:<sha1 of the canonical URL>``."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

#: Query parameters that never identify content (tracking, sharing) and are dropped from canonical URLs.
TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "igshid", "mc_cid", "mc_eid", "ref", "ref_src", "s", "smid", "cmpid", "ito", "taid"}
)


def canonical_url(url: str) -> str:
    """Normalise a URL so the same page always gets the same id (scheme/host case, fragments, tracking)."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if host.startswith("www."):
        host = host[4:]
    netloc = host if parts.port in (None, 80, 443) else f"{host}:{parts.port}"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if k.lower() not in TRACKING_PARAMS and not k.lower().startswith("utm_")
    ]
    path = parts.path.rstrip("/") or "/"
    return urlunsplit(
        (
            "https" if parts.scheme in ("http", "https") else parts.scheme,
            netloc,
            path,
            urlencode(sorted(query)),
            "",
        )
    )


def item_id(platform: str, *, url: str | None = None, platform_id: str | None = None) -> str:
    """The stable id of an item: from the platform's own id when it has one, else from the canonical URL."""
    if platform_id:
        return f"{platform}:{platform_id}"
    if not url:
        raise ValueError("item_id needs a url or a platform_id")
    return f"{platform}:{hashlib.sha1(canonical_url(url).encode()).hexdigest()[:16]}"
