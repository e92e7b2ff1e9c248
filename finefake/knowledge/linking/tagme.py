"""The TagMe REST API (https://tagme.d4science.org/tagme/tag): our own small client on requests.

Unlike the ``tagme`` PyPI client it raises on HTTP errors (never returns None), accepts rho given as a string,
tolerates missing optional fields, and leaves thresholding to :class:`Thresholds` (inclusive boundaries).
The token comes from the ``TAGME_TOKEN`` (or ``GCUBE_TOKEN``) environment variable and is never logged.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import requests

from finefake.errors import MissingCredentials
from finefake.knowledge.http import USER_AGENT, ServiceError, json_body, request_with_retries
from finefake.knowledge.linking.base import Candidate, Thresholds
from finefake.knowledge.mediawiki import MediaWikiClient

TAGME_API = "https://tagme.d4science.org/tagme/tag"
TOKEN_VARIABLES = ("TAGME_TOKEN", "GCUBE_TOKEN")


def token_from_env() -> str:
    for name in TOKEN_VARIABLES:
        if os.environ.get(name):
            return os.environ[name]
    raise MissingCredentials("TagMe", list(TOKEN_VARIABLES))


@dataclass(frozen=True)
class TagMeAnnotation:
    spot: str
    start: int
    end: int
    rho: float
    page_id: int | None
    title: str | None
    link_probability: float | None


def _number(value: Any) -> float | None:
    try:
        return None if value is None else float(value)
    except (TypeError, ValueError):
        return None


def parse_annotations(payload: Any) -> list[TagMeAnnotation]:
    """Annotations of a TagMe ``tag`` answer; entries without offsets or rho are skipped."""
    if not isinstance(payload, dict) or not isinstance(payload.get("annotations", []), list):
        raise ServiceError("TagMe answered without an 'annotations' list")
    out = []
    for a in payload.get("annotations", []):
        if not isinstance(a, dict):
            continue
        rho, start, end = _number(a.get("rho")), _number(a.get("start")), _number(a.get("end"))
        if rho is None or start is None or end is None:
            continue
        page = _number(a.get("id"))
        out.append(
            TagMeAnnotation(
                str(a.get("spot", "")),
                int(start),
                int(end),
                rho,
                int(page) if page is not None else None,
                a.get("title"),
                _number(a.get("link_probability")),
            )
        )
    return out


class TagMeClient:
    def __init__(
        self,
        token: str | None = None,
        *,
        endpoint: str = TAGME_API,
        lang: str = "en",
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self._token = token or token_from_env()
        self.endpoint, self.lang, self.sleep = endpoint, lang, sleep
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT

    def __repr__(self) -> str:  # never show the token
        return f"TagMeClient(endpoint={self.endpoint!r})"

    def annotate(self, text: str) -> list[TagMeAnnotation]:
        """POST the text to the ``tag`` endpoint and parse the annotations."""
        data = {"text": text, "lang": self.lang, "gcube-token": self._token}
        response = request_with_retries(
            self.session, "POST", self.endpoint, service="TagMe", data=data, sleep=self.sleep
        )
        return parse_annotations(json_body(response, service="TagMe"))


class TagMeLinker:
    """TagMe annotations -> candidates with Wikidata ids (via MediaWiki) and labels (via the knowledge backend)."""

    name = "tagme"

    def __init__(
        self,
        client: TagMeClient,
        mediawiki: MediaWikiClient,
        info: Callable[[list[str]], dict],
        thresholds: Thresholds | None = None,
    ):
        self.client, self.mediawiki, self.info = client, mediawiki, info
        self.thresholds = thresholds or Thresholds()

    def link_many(self, texts: Iterable[str]) -> list[list[Candidate]]:
        annotated = [
            [a for a in self.client.annotate(t) if self.thresholds.decide(a.rho) != "drop"] for t in texts
        ]
        # titles when TagMe gives them (the API follows redirects by title), page ids otherwise
        titles = [a.title for anns in annotated for a in anns if a.title]
        ids = [a.page_id for anns in annotated for a in anns if not a.title and a.page_id is not None]
        by_id = self.mediawiki.qids_for_pageids(ids) if ids else {}
        by_title = self.mediawiki.qids_for_titles(titles) if titles else {}
        qids = {q for q in list(by_id.values()) + list(by_title.values()) if q}
        info = self.info(sorted(qids)) if qids else {}
        out: list[list[Candidate]] = []
        for anns in annotated:
            cands = []
            for a in anns:
                qid = by_title.get(a.title) if a.title else by_id.get(a.page_id)
                if not qid:
                    continue
                meta = info.get(qid) or {}
                cands.append(
                    Candidate(
                        a.spot,
                        a.start,
                        a.end,
                        qid,
                        meta.get("label") or a.title or a.spot,
                        meta.get("description", ""),
                        a.rho,
                        a.title,
                    )
                )
            out.append(cands)
        return out
