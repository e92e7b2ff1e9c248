"""Wikipedia page -> Wikidata id, through the MediaWiki API (``prop=pageprops``, ``ppprop=wikibase_item``).

TagMe answers with Wikipedia page ids and titles; the Wikidata id of a page is its ``wikibase_item`` page prop.
Up to 50 pages per call (the API's limit), redirects followed, results cached on disk.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import requests

from finefake.knowledge.cache import JsonLinesCache
from finefake.knowledge.http import USER_AGENT, ServiceError, json_body, request_with_retries
from finefake.knowledge.sparql import QID_RE

WIKIPEDIA_API = "https://en.wikipedia.org/w/api.php"
BATCH = 50


class MediaWikiClient:
    """Maps Wikipedia page ids or titles to Wikidata item ids (None for pages without one)."""

    def __init__(
        self,
        api_url: str = WIKIPEDIA_API,
        *,
        session: requests.Session | None = None,
        cache_path: str | Path | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.api_url = api_url
        self.session = session or requests.Session()
        self.session.headers.setdefault("User-Agent", USER_AGENT)
        self.session.headers["User-Agent"] = USER_AGENT
        self.cache = JsonLinesCache(cache_path) if cache_path else None
        self.sleep = sleep
        self.calls = 0

    def _query(self, key: str, values: list[str]) -> dict[str, Any]:
        params = {
            "action": "query",
            "format": "json",
            "formatversion": "2",
            "prop": "pageprops",
            "ppprop": "wikibase_item",
            "redirects": "1",
            key: "|".join(values),
        }
        self.calls += 1
        response = request_with_retries(
            self.session, "GET", self.api_url, service="MediaWiki API", params=params, sleep=self.sleep
        )
        payload = json_body(response, service="MediaWiki API")
        if not isinstance(payload, dict) or "error" in payload:
            detail = payload.get("error", {}).get("info", "") if isinstance(payload, dict) else ""
            raise ServiceError(f"MediaWiki API error: {detail or 'unexpected answer'}")
        return payload.get("query", {}) or {}

    @staticmethod
    def _pages(query: dict[str, Any]) -> list[dict[str, Any]]:
        pages = query.get("pages", [])
        return list(pages.values()) if isinstance(pages, dict) else list(pages)  # formatversion 1 or 2

    @staticmethod
    def _qid(page: dict[str, Any]) -> str | None:
        qid = (page.get("pageprops") or {}).get("wikibase_item")
        return qid if isinstance(qid, str) and QID_RE.fullmatch(qid) else None

    def qids_for_pageids(self, pageids: Iterable[int]) -> dict[int, str | None]:
        """``{page id: Q-id or None}``; a redirect page id maps to its target's item."""
        wanted = list(dict.fromkeys(int(p) for p in pageids))
        out: dict[int, str | None] = {}
        todo = [p for p in wanted if not (self.cache is not None and f"id:{p}" in self.cache)]
        for i in range(0, len(todo), BATCH):
            batch = todo[i : i + BATCH]
            query = self._query("pageids", [str(p) for p in batch])
            found: dict[int, str | None] = {}
            by_title: dict[str, str | None] = {}
            for page in self._pages(query):
                if "pageid" in page:
                    found[int(page["pageid"])] = self._qid(page)
                by_title[page.get("title", "")] = self._qid(page)
            for r in query.get("redirects", []) or []:
                source = r.get("fromid") or r.get("from")
                if isinstance(source, int):
                    found[source] = by_title.get(r.get("to", ""))
            for p in batch:
                out[p] = found.get(p)
            if self.cache is not None:
                self.cache.put_many((f"id:{p}", out[p]) for p in batch)
        for p in wanted:
            if p not in out:
                out[p] = self.cache.get(f"id:{p}") if self.cache is not None else None
        return out

    def qids_for_titles(self, titles: Iterable[str]) -> dict[str, str | None]:
        """``{title as given: Q-id or None}``, following the API's title normalisation and redirects."""
        wanted = list(dict.fromkeys(titles))
        out: dict[str, str | None] = {}
        todo = [t for t in wanted if not (self.cache is not None and f"title:{t}" in self.cache)]
        for i in range(0, len(todo), BATCH):
            batch = todo[i : i + BATCH]
            query = self._query("titles", batch)
            by_title = {p.get("title", ""): self._qid(p) for p in self._pages(query)}
            normalized = {n.get("from"): n.get("to") for n in query.get("normalized", []) or []}
            redirects = {r.get("from"): r.get("to") for r in query.get("redirects", []) or []}
            for t in batch:
                title = normalized.get(t, t)
                title = redirects.get(title, title)
                out[t] = by_title.get(title)
            if self.cache is not None:
                self.cache.put_many((f"title:{t}", out[t]) for t in batch)
        for t in wanted:
            if t not in out:
                out[t] = self.cache.get(f"title:{t}") if self.cache is not None else None
        return out
