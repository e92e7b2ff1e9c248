"""The remote knowledge backend: SPARQLWrapper against query.wikidata.org.

Follows the Wikidata Query Service rules: a descriptive User-Agent (anonymous agents get a 403 or an HTML
page), POST (the ``VALUES`` batches make long queries), a 60 s timeout (the service's own limit), and backoff on
HTTP 429 honouring ``Retry-After``. Every answer is checked to really be SPARQL JSON results before use.
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
from collections.abc import Callable
from typing import Any

from finefake.errors import FinefakeError
from finefake.knowledge.http import USER_AGENT, retry_after_seconds
from finefake.knowledge.sparql import check_results

log = logging.getLogger(__name__)
WIKIDATA_SPARQL = "https://query.wikidata.org/sparql"


class WikidataError(FinefakeError):
    """query.wikidata.org failed or answered with something that is not SPARQL results."""


class WikidataSparql:
    """Runs SELECT queries on a Wikidata-like SPARQL endpoint and returns decoded SPARQL JSON results."""

    name = "wikidata"

    def __init__(
        self,
        endpoint: str = WIKIDATA_SPARQL,
        *,
        user_agent: str = USER_AGENT,
        timeout: int = 60,
        max_tries: int = 5,
        backoff: float = 5.0,
        max_wait: float = 300.0,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.endpoint, self.user_agent, self.timeout = endpoint, user_agent, timeout
        self.max_tries, self.backoff, self.max_wait, self.sleep = max_tries, backoff, max_wait, sleep
        self.queries_issued = 0

    def _wrapper(self, query: str) -> Any:
        from SPARQLWrapper import JSON, POST, SPARQLWrapper

        sw = SPARQLWrapper(self.endpoint, agent=self.user_agent)
        sw.setMethod(POST)
        sw.setReturnFormat(JSON)
        sw.setTimeout(self.timeout)
        sw.setQuery(query)
        return sw

    def select(self, query: str) -> dict[str, Any]:
        from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException

        for attempt in range(1, self.max_tries + 1):
            self.queries_issued += 1
            try:
                result = self._wrapper(query).query()
                body = result.response.read()
                ctype = result.info().get("content-type", "")
            except urllib.error.HTTPError as exc:
                if exc.code in (429, 500, 502, 503, 504) and attempt < self.max_tries:
                    wait = retry_after_seconds(
                        exc.headers.get("Retry-After") if exc.headers else None,
                        self.backoff * 2 ** (attempt - 1),
                    )
                    log.info("Wikidata answered %s; retrying in %.0fs", exc.code, wait)
                    self.sleep(min(self.max_wait, wait))
                    continue
                raise WikidataError(f"query.wikidata.org answered HTTP {exc.code}") from exc
            except (urllib.error.URLError, TimeoutError, OSError) as exc:
                if attempt < self.max_tries:
                    self.sleep(min(self.max_wait, self.backoff * 2 ** (attempt - 1)))
                    continue
                raise WikidataError(f"query.wikidata.org unreachable: {exc}") from exc
            except SPARQLWrapperException as exc:
                raise WikidataError(f"query.wikidata.org rejected the query: {str(exc)[:300]}") from exc
            return self._decode(body, ctype)
        raise AssertionError("unreachable")

    @staticmethod
    def _decode(body: bytes, ctype: str) -> dict[str, Any]:
        text = body.decode("utf-8", errors="replace")
        if "html" in ctype.lower() or text.lstrip()[:1] == "<":
            raise WikidataError(
                "query.wikidata.org answered with an HTML page instead of SPARQL results "
                "(blocked client, bad User-Agent or maintenance)"
            )
        try:
            payload = json.loads(text)
        except ValueError as exc:
            raise WikidataError(f"query.wikidata.org answered with invalid JSON: {exc}") from exc
        try:
            return check_results(payload, source="query.wikidata.org")
        except FinefakeError as exc:
            raise WikidataError(str(exc)) from exc
