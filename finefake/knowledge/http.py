"""Small HTTP helpers shared by the TagMe and MediaWiki clients: retries with ``Retry-After`` backoff."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import Any

import requests

from finefake import __version__
from finefake.errors import FinefakeError

log = logging.getLogger(__name__)
USER_AGENT = (
    f"finefake/{__version__} (https://github.com/finefake/finefake; research dataset builder) requests"
)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class ServiceError(FinefakeError):
    """A remote service failed in a way retries did not cure (the message names the service and status)."""


def retry_after_seconds(value: str | None, default: float) -> float:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date); ``default`` if absent."""
    if not value:
        return default
    try:
        return max(0.0, float(value))
    except ValueError:
        try:
            return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            return default


def request_with_retries(
    session: requests.Session,
    method: str,
    url: str,
    *,
    service: str,
    params: Mapping[str, Any] | None = None,
    data: Mapping[str, Any] | None = None,
    timeout: float = 30.0,
    max_tries: int = 4,
    backoff: float = 2.0,
    max_wait: float = 120.0,
    sleep: Callable[[float], None] = time.sleep,
) -> requests.Response:
    """Send a request, retrying 429/5xx and connection errors; honour ``Retry-After``; raise, never return None."""
    for attempt in range(1, max_tries + 1):
        try:
            response = session.request(method, url, params=params, data=data, timeout=timeout)
        except (requests.ConnectionError, requests.Timeout) as exc:
            if attempt == max_tries:
                raise ServiceError(
                    f"{service}: no answer after {max_tries} tries ({exc.__class__.__name__})"
                ) from exc
            sleep(min(max_wait, backoff * 2 ** (attempt - 1)))
            continue
        if response.status_code in RETRY_STATUSES and attempt < max_tries:
            wait = retry_after_seconds(response.headers.get("Retry-After"), backoff * 2 ** (attempt - 1))
            log.info("%s answered %s; retrying in %.1fs", service, response.status_code, wait)
            sleep(min(max_wait, wait))
            continue
        if response.status_code >= 400:
            raise ServiceError(
                f"{service} answered HTTP {response.status_code} for {response.request.method} "
                f"{response.url.split('?')[0]}"
            )
        return response
    raise AssertionError("unreachable")


def json_body(response: requests.Response, *, service: str) -> Any:
    """Decode a JSON answer; an HTML page (maintenance, block notice) becomes a readable ServiceError."""
    ctype = response.headers.get("Content-Type", "")
    text = response.text
    if "html" in ctype or text.lstrip()[:1] == "<":
        raise ServiceError(
            f"{service} answered with an HTML page instead of JSON (HTTP {response.status_code})"
        )
    try:
        return response.json()
    except ValueError as exc:
        raise ServiceError(f"{service} answered with invalid JSON: {exc}") from exc
