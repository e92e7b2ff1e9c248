"""``--linker wikidata``: candidates from Wikidata's ``wbsearchentities``, ranked by the local linker's scoring.

The offline linker only knows the entities of its store. This one finds the mentions the same way (spaCy NER),
asks Wikidata for the items whose English label or alias is exactly the mention, and scores them with
:class:`~finefake.knowledge.linking.local.LocalLinker` built over those candidates: the same prior x fit x type
formula and NIL share, so rho is on the same scale and goes through the same keep / review / drop thresholds
and review queue. The search rank (Wikidata orders hits by relevance) is the prior; label matches weigh more
than alias matches; disambiguation pages, lists, categories and templates are never candidates.

Politeness (the Wikimedia API etiquette): a descriptive User-Agent, one request at a time at most
``rate`` per second, ``maxlag`` set so the API sheds us first when its database lags, ``Retry-After`` honoured
on 429/5xx and on maxlag answers, every wait capped at :data:`~finefake.knowledge.http.MAX_WAIT`. Each request
has an overall deadline and a body size cap, and only the ``limit`` hits asked for are kept. Each distinct mention is searched once per batch of texts and answers are
cached in the workspace (``aligned/cache/wbsearch.jsonl``), so a resumed or repeated run asks nothing again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests

from finefake.knowledge.cache import JsonLinesCache
from finefake.knowledge.http import (
    DEADLINE,
    MAX_BODY_BYTES,
    MAX_WAIT,
    USER_AGENT,
    ServiceError,
    capped_wait,
    json_body,
    request_with_retries,
    retry_after_seconds,
)
from finefake.knowledge.linking.base import Candidate
from finefake.knowledge.linking.local import LocalLinker, LocalLinkerConfig, surface_key
from finefake.knowledge.sparql import QID_RE
from finefake.knowledge.store import KbEntity

WIKIDATA_API = "https://www.wikidata.org/w/api.php"
#: Descriptions Wikidata gives its non-article items (they never name a real-world entity).
NON_ENTITIES = (
    "wikimedia disambiguation page",
    "wikimedia list article",
    "wikimedia category",
    "wikimedia template",
    "wikimedia project page",
    "wikimedia module",
    "wikinews article",
)


@dataclass(frozen=True)
class SearchHit:
    """One ``wbsearchentities`` result, reduced to what the linker uses."""

    qid: str
    label: str
    description: str
    match_type: str
    match_text: str
    aliases: tuple[str, ...] = ()


def parse_search(payload: Any) -> list[SearchHit]:
    """The hits of a ``wbsearchentities`` answer (entries without an item id are skipped)."""
    if not isinstance(payload, dict):
        raise ServiceError("Wikidata search answered with something that is not a JSON object")
    if "error" in payload:
        info = payload["error"].get("info", "") if isinstance(payload["error"], dict) else payload["error"]
        raise ServiceError(f"Wikidata search error: {str(info)[:200]}")
    hits = []
    for raw in payload.get("search") or []:
        if not isinstance(raw, dict) or not QID_RE.fullmatch(str(raw.get("id", ""))):
            continue
        match = raw.get("match") if isinstance(raw.get("match"), dict) else {}
        hits.append(
            SearchHit(
                str(raw["id"]),
                str(raw.get("label") or ""),
                str(raw.get("description") or ""),
                str(match.get("type") or ""),
                str(match.get("text") or raw.get("label") or ""),
                tuple(str(a) for a in raw.get("aliases") or [] if isinstance(a, str)),
            )
        )
    return hits


class WikidataSearch:
    """``wbsearchentities`` with a polite pace, ``maxlag``, retries and an on-disk cache per (language, text)."""

    def __init__(
        self,
        api_url: str = WIKIDATA_API,
        *,
        language: str = "en",
        limit: int = 7,
        rate: float = 5.0,
        maxlag: int = 5,
        session: requests.Session | None = None,
        cache_path: str | Path | None = None,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
        deadline: float = DEADLINE,
        max_bytes: int = MAX_BODY_BYTES,
    ):
        self.api_url, self.language, self.limit, self.maxlag = api_url, language, limit, maxlag
        self.deadline, self.max_bytes = deadline, max_bytes
        self.interval = 1.0 / rate if rate > 0 else 0.0
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.cache = JsonLinesCache(cache_path) if cache_path else None
        self.sleep, self.clock = sleep, clock
        self.calls = 0
        self._last = float("-inf")

    def _key(self, text: str) -> str:
        return f"{self.language}|{surface_key(text)}"

    def search_many(self, texts: Iterable[str]) -> dict[str, list[SearchHit]]:
        """Hits for every distinct text (one request per text not yet cached)."""
        out: dict[str, list[SearchHit]] = {}
        fresh: list[tuple[str, Any]] = []
        for text in dict.fromkeys(texts):
            key = self._key(text)
            if self.cache is not None and key in self.cache:
                payload = self.cache.get(key)
            else:
                payload = self._request(text)
                fresh.append((key, payload))
            out[text] = parse_search(payload)[: self.limit]
            if self.cache is not None and len(fresh) >= 50:
                self.cache.put_many(fresh)
                fresh = []
        if self.cache is not None:
            self.cache.put_many(fresh)
        return out

    def _request(self, text: str) -> Any:
        params = {
            "action": "wbsearchentities",
            "format": "json",
            "language": self.language,
            "uselang": self.language,
            "type": "item",
            "limit": str(self.limit),
            "search": text,
            "maxlag": str(self.maxlag),
        }
        for _attempt in range(5):
            wait = self._last + self.interval - self.clock()
            if wait > 0:
                self.sleep(wait)
            self._last = self.clock()
            self.calls += 1
            response = request_with_retries(
                self.session,
                "GET",
                self.api_url,
                service="Wikidata search",
                params=params,
                sleep=self.sleep,
                deadline=self.deadline,
                max_bytes=self.max_bytes,
            )
            payload = json_body(response, service="Wikidata search")
            error = payload.get("error") if isinstance(payload, dict) else None
            if isinstance(error, dict) and error.get("code") == "maxlag":
                self.sleep(
                    capped_wait(retry_after_seconds(response.headers.get("Retry-After"), 5.0), MAX_WAIT)
                )
                continue
            return _slim(payload, self.limit)
        raise ServiceError("Wikidata search: the API stayed lagged (maxlag) after 5 tries")


def _slim(payload: Any, limit: int) -> Any:
    """What the cache keeps of an answer: the fields :func:`parse_search` reads, of the first ``limit`` hits
    (a server answering with more than it was asked for gets no more room than the hits asked for)."""
    if not isinstance(payload, dict) or "error" in payload:
        return payload
    keep = ("id", "label", "description", "match", "aliases")
    hits = payload.get("search") if isinstance(payload.get("search"), list) else []
    return {"search": [{k: h[k] for k in keep if k in h} for h in hits[:limit] if isinstance(h, dict)]}


def candidates_of(surface: str, hits: list[SearchHit], alias_weight: float) -> list[tuple[SearchHit, float]]:
    """Hits that name the mention exactly (label or alias), with a prior from their search rank."""
    key = surface_key(surface)
    out = []
    for rank, hit in enumerate(hits):
        if hit.description.casefold() in NON_ENTITIES or surface_key(hit.match_text) != key:
            continue
        weight = 1.0 / (1 + rank)
        if hit.match_type != "label" and surface_key(hit.label) != key:
            weight *= alias_weight
        out.append((hit, weight))
    return out


class WikidataLinker:
    """Links mentions to any Wikidata item, scored like the offline linker (see the module docstring)."""

    name = "wikidata"

    def __init__(
        self,
        search: WikidataSearch,
        config: LocalLinkerConfig | None = None,
        *,
        nlp: Any = None,
    ):
        self.search = search
        self.config = config or LocalLinkerConfig()
        self._nlp = nlp

    @property
    def nlp(self) -> Any:
        if self._nlp is None:
            self._nlp = LocalLinker([], self.config).nlp
        return self._nlp

    def link_many(self, texts: Iterable[str]) -> list[list[Candidate]]:
        docs = list(self.nlp.pipe(texts, batch_size=self.config.batch_size))
        surfaces: list[str] = []
        for doc in docs:
            ents = list(doc.ents)
            for ent in ents:
                start, end = LocalLinker._trim(doc.text, ent.start_char, ent.end_char)
                surfaces += [doc.text[ent.start_char : ent.end_char], doc.text[start:end]]
            # names the small NER model cuts in two: "Attila the Hun", "Catherine the Great"
            for left, right in zip(ents, ents[1:], strict=False):
                if doc.text[left.end_char : right.start_char] in (" the ", " of "):
                    surfaces.append(doc.text[left.start_char : right.end_char])
        found = self.search.search_many(s for s in surfaces if len(s.strip()) >= 2)
        entities: dict[str, KbEntity] = {}
        priors: dict[str, dict[str, float]] = {}
        for surface, hits in found.items():
            for hit, weight in candidates_of(surface, hits, self.config.alias_weight):
                known = entities.get(hit.qid)
                aliases = set(known.aliases if known else ()) | set(hit.aliases)
                if surface_key(hit.label) != surface_key(surface):
                    aliases.add(hit.match_text)
                entities[hit.qid] = KbEntity(hit.qid, hit.label, tuple(sorted(aliases)), hit.description)
                bucket = priors.setdefault(surface_key(surface), {})
                bucket[hit.qid] = max(bucket.get(hit.qid, 0.0), weight)
        if not entities:
            return [[] for _ in docs]
        # the gazetteer (exact-case phrase match of the candidates' names) finds the joined names again
        linker = LocalLinker(list(entities.values()), self.config, nlp=self.nlp, priors=priors)
        return linker.link_docs(docs)
