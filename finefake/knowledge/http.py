"""Small HTTP helpers shared by the TagMe, MediaWiki, Wikidata search and Fact Check clients.

Retries with ``Retry-After`` backoff, every wait capped at ``max_wait`` (:data:`MAX_WAIT`: a ``Retry-After`` of
``100000``, ``inf`` or a date in year 9999 waits that long, not more); each exchange has an overall deadline
(a server sending a byte every few seconds never trips a per-read timeout) and a body size cap.
"""

from __future__ import annotations

import logging
import math
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
#: The longest any client here waits before trying again, whatever the server says.
MAX_WAIT = 120.0
#: The longest one exchange (connect, headers and body) may take.
DEADLINE = 60.0
#: The largest answer body read; a larger one is an error, not a memory spike.
MAX_BODY_BYTES = 16 * 1024 * 1024


class ServiceError(FinefakeError):
    """A remote service failed in a way retries did not cure (the message names the service and status)."""


def retry_after_seconds(value: str | None, default: float) -> float:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date); ``default`` if absent."""
    if not value:
        return default
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError, OverflowError, IndexError):
            return default
    return max(0.0, seconds) if not math.isnan(seconds) else default


def capped_wait(seconds: float, cap: float = MAX_WAIT) -> float:
    """``seconds`` clamped to ``[0, cap]`` (``inf`` and huge values become ``cap``, ``nan`` becomes 0)."""
    if math.isnan(seconds):
        return 0.0
    return min(max(0.0, seconds), cap)


def _watch_deadlines(session: requests.Session) -> None:
    """Give a plain session the transport whose sockets obey the exchange deadline (no address checks:
    these clients call APIs the user chose). A session with another transport (a test double) is left alone."""
    from requests.adapters import HTTPAdapter

    from finefake.crawlers.http import GuardedAdapter

    for prefix in ("https://", "http://"):
        if type(session.adapters.get(prefix)) is HTTPAdapter:
            session.mount(prefix, GuardedAdapter(check_addresses=False))


def _read_body(response: requests.Response, *, service: str, max_bytes: int) -> None:
    """Read the whole body now (at most ``max_bytes``) so that the deadline covers it."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        response.close()
        raise ServiceError(f"{service}: answer of {int(declared)} bytes is larger than {max_bytes} bytes")
    chunks, size = [], 0
    for chunk in response.iter_content(65536):
        size += len(chunk)
        if size > max_bytes:
            response.close()
            raise ServiceError(f"{service}: answer larger than {max_bytes} bytes")
        chunks.append(chunk)
    response._content = b"".join(chunks)  # what .json() and .text read
    response._content_consumed = True


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
    max_wait: float = MAX_WAIT,
    deadline: float = DEADLINE,
    max_bytes: int = MAX_BODY_BYTES,
    sleep: Callable[[float], None] = time.sleep,
) -> requests.Response:
    """Send a request, retrying 429/5xx and connection errors; honour ``Retry-After`` up to ``max_wait``.

    Each try has ``deadline`` seconds in all and a body of at most ``max_bytes``; a try that runs out of time
    is not repeated (a deliberately slow server would hold every retry as long). Raises, never returns None.
    """
    from finefake.crawlers.http import Deadline

    _watch_deadlines(session)
    for attempt in range(1, max_tries + 1):
        clock = Deadline(deadline)
        try:
            with clock.running():
                response = session.request(
                    method, url, params=params, data=data, timeout=min(timeout, deadline), stream=True
                )
                if response.status_code in RETRY_STATUSES and attempt < max_tries:
                    response.close()
                    wait = retry_after_seconds(
                        response.headers.get("Retry-After"), backoff * 2 ** (attempt - 1)
                    )
                    wait = capped_wait(wait, max_wait)
                    log.info("%s answered %s; retrying in %.1fs", service, response.status_code, wait)
                    sleep(wait)
                    continue
                if response.status_code >= 400:
                    response.close()
                    raise ServiceError(
                        f"{service} answered HTTP {response.status_code} for {response.request.method} "
                        f"{response.url.split('?')[0]}"
                    )
                _read_body(response, service=service, max_bytes=max_bytes)
        except (requests.RequestException, OSError) as exc:
            if clock.expired:
                raise ServiceError(f"{service}: no complete answer within {deadline:g}s") from exc
            if not isinstance(exc, (requests.ConnectionError, requests.Timeout)) or attempt == max_tries:
                raise ServiceError(
                    f"{service}: no answer after {attempt} tries ({exc.__class__.__name__})"
                ) from exc
            sleep(capped_wait(backoff * 2 ** (attempt - 1), max_wait))
            continue
        if clock.expired:
            raise ServiceError(f"{service}: no complete answer within {deadline:g}s")
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
