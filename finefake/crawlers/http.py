"""The HTTP layer every web crawler shares: politeness, safety limits, retries and the archive.

A :class:`Fetcher` never raises for a bad page: every outcome is a :class:`Fetched` whose ``error`` is a short
reason (``robots_disallowed``, ``private_address``, ``too_large``, ``http_503``, ``redirect_loop``,
``bad_content_type``, ...), so a crawl records failures instead of crashing.

Politeness: robots.txt (protego) is obeyed and its ``Crawl-delay`` honoured; each host gets at most
``rate`` requests per second (slots are reserved under a lock, so concurrent workers on one host queue up while
other hosts proceed in parallel). 429 and 5xx are retried with exponential backoff, honouring ``Retry-After``.

Safety: only http(s); every hop of a redirect chain is checked, and hosts resolving to private, loopback,
link-local or reserved addresses are refused unless listed in ``allowed_private_hosts`` (``host`` for any port,
``host:port`` for one). A URL is judged as the HTTP client will connect: it is normalised with requests' own
URL preparation, and a URL that two parsers read differently (a backslash, userinfo: ``http://10.0.0.1\\@good/``
connects to 10.0.0.1 while ``urlsplit`` sees ``good``) is refused as ``ambiguous_url``. The transport checks
again at connect time (:class:`GuardedAdapter`): it resolves the host itself, refuses if any address is not
public and connects to the address it checked, which also closes DNS rebinding (these checks and the
transport live in :mod:`finefake.crawlers.guard`). Bodies are read in chunks after
decoding and stopped at ``max_bytes`` (this also caps gzip bombs); one exchange may last at most ``deadline``
seconds in all (a server trickling a byte a second is cut off and recorded as ``timeout``).

Archive: with a :class:`~finefake.crawlers.archive.WarcArchive`, every fetch outcome is archived; archived
responses are reused instead of refetched (resume), and in replay mode the network is never touched.
"""

from __future__ import annotations

import codecs
import email.utils
import logging
import re
import threading
import time
import zlib
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import requests
from protego import Protego

from finefake import __version__
from finefake.crawlers.archive import ArchivedFetch, WarcArchive, warc_now
from finefake.crawlers.guard import Deadline, GuardedAdapter, _blocked, address_error
from finefake.images import MAX_IMAGE_BYTES

log = logging.getLogger(__name__)

DEFAULT_USER_AGENT = (
    f"finefake/{__version__} (research dataset builder; +https://github.com/finefake/finefake)"
)
REDIRECT_CODES = {301, 302, 303, 307, 308}
CONTENT_TYPES = {
    "html": ("text/html", "application/xhtml+xml"),
    "xml": ("application/xml", "text/xml", "application/rss+xml", "application/atom+xml", "text/plain"),
    "image": ("image/",),
    "json": ("application/json",),
}


@dataclass
class HttpConfig:
    """Every knob of the HTTP layer (defaults are polite for the live web)."""

    user_agent: str = DEFAULT_USER_AGENT
    timeout: float = 20.0
    #: seconds one exchange may take in all (connect, headers, body); ``timeout`` is per socket operation
    deadline: float = 60.0
    max_bytes: int = 5 * 1024 * 1024
    max_image_bytes: int = MAX_IMAGE_BYTES
    rate: float = 1.0
    retries: int = 3
    backoff: float = 1.0
    max_retry_after: float = 300.0
    max_redirects: int = 5
    obey_robots: bool = True
    allowed_private_hosts: tuple[str, ...] = ()
    pool_size: int = 16


@dataclass
class Fetched:
    """The outcome of one fetch: a body, or ``error`` saying why there is none."""

    url: str
    final_url: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    fetched_at: str = ""
    error: str | None = None
    from_archive: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()

    @property
    def charset(self) -> str:
        """The body's encoding: a BOM, else the HTTP header, else ``<meta>`` / ``<?xml?>``, else utf-8."""
        return sniff_charset(self.body, self.headers.get("content-type", ""))

    @property
    def text(self) -> str:
        """The body decoded with :attr:`charset`, undecodable bytes replaced (and logged)."""
        charset = self.charset
        text = self.body.decode(charset, errors="replace")
        if "\ufffd" in text and "\ufffd".encode(charset, errors="ignore") not in self.body:
            log.warning("%s: bytes not valid in %s were replaced", self.final_url or self.url, charset)
        return text


_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"""^<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9._-]+)""")
#: WHATWG: a page labelled Latin-1 or ASCII is decoded as windows-1252 (what every browser shows).
_ALIASES = {
    "iso-8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
}


def _known_codec(label: str, *, in_markup: bool = False) -> str | None:
    label = label.strip("\"' ").lower()
    try:
        name = codecs.lookup(_ALIASES.get(label, label)).name
    except LookupError:
        return None
    # markup read as ASCII cannot be UTF-16: such a <meta> means utf-8 (WHATWG prescan rule)
    return "utf-8" if in_markup and name.startswith("utf-16") else name


def sniff_charset(body: bytes, content_type: str = "") -> str:
    """The encoding a browser would use: BOM, then the header's ``charset``, then ``<meta charset>`` or
    ``<meta http-equiv="Content-Type" content="...; charset=...">`` (or ``<?xml encoding?>``) in the first
    4 KiB, then utf-8."""
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name if name != "utf-8" else "utf-8-sig"
    for part in content_type.split(";")[1:]:
        key, _, value = part.strip().partition("=")
        if key.lower() == "charset" and value and (name := _known_codec(value)):
            return name
    head = body[:4096]
    match = _XML_ENCODING.match(head.lstrip()) or _META_CHARSET.search(head)
    if match and (name := _known_codec(match.group(1).decode("ascii"), in_markup=True)):
        return name
    return "utf-8"


def host_key(url: str) -> str:
    """The politeness key of a URL: ``host[:port]`` (lower case)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    return f"{host}:{parts.port}" if parts.port else host


def retry_after_seconds(value: str | None) -> float | None:
    """Parse a ``Retry-After`` header (seconds or an HTTP date) into seconds from now."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


class HostThrottle:
    """Per-host request slots: at most one request per ``interval`` seconds on each host."""

    def __init__(self, rate: float):
        self.default_interval = 1.0 / rate if rate > 0 else 0.0
        self._intervals: dict[str, float] = {}
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def set_min_interval(self, host: str, seconds: float) -> None:
        with self._lock:
            self._intervals[host] = max(self.default_interval, seconds)

    def push_back(self, host: str, seconds: float) -> None:
        """Keep every worker off ``host`` for ``seconds`` (after a 429/503 with Retry-After)."""
        with self._lock:
            self._next[host] = max(self._next.get(host, 0.0), time.monotonic() + seconds)

    def wait(self, host: str) -> None:
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(host, 0.0))
            self._next[host] = slot + self._intervals.get(host, self.default_interval)
        if slot > now:
            time.sleep(slot - now)


class Fetcher:
    """Polite, size-capped, archived HTTP GETs (thread-safe; one per crawl run)."""

    def __init__(
        self,
        config: HttpConfig,
        *,
        archive: WarcArchive | None = None,
        replay: bool = False,
        allow_hosts: tuple[str, ...] = (),
        session: requests.Session | None = None,
    ):
        self.config = config
        self.archive = archive
        self.replay = replay
        if replay and archive is None:
            raise ValueError("replay needs an archive")
        self.allowed = frozenset(h.lower() for h in (*config.allowed_private_hosts, *allow_hosts))
        self.throttle = HostThrottle(config.rate)
        self.session = session or requests.Session()
        adapter = GuardedAdapter(
            self.allowed, pool_connections=config.pool_size, pool_maxsize=config.pool_size
        )
        self.session.mount("http://", adapter)
        self.session.mount("https://", adapter)
        self.session.headers["User-Agent"] = config.user_agent
        self._robots: dict[str, Protego | None] = {}
        self._robots_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        #: One fetch of a URL at a time (striped, so memory stays flat): a second task asking for the same URL
        #: (an image two articles share) waits and reads the first one's archived response instead of racing
        #: it to the network, so the request count does not depend on timing either.
        self._url_locks = [threading.Lock() for _ in range(256)]
        self.network_requests = 0

    # -- public ---------------------------------------------------------------------------------------------
    def fetch(self, url: str, *, expect: str | None = "html", max_bytes: int | None = None) -> Fetched:
        """GET ``url`` following redirects safely; ``expect`` is html|xml|image|json|None (any type)."""
        cap = max_bytes or (self.config.max_image_bytes if expect == "image" else self.config.max_bytes)
        seen: set[str] = set()
        current = url
        for _ in range(self.config.max_redirects + 1):
            if current in seen:
                return self._fail(url, current, "redirect_loop")
            seen.add(current)
            result = self._get_once(current, cap)
            result.url = url
            if not result.ok:
                return result
            if result.status in REDIRECT_CODES:
                location = result.headers.get("location")
                if not location:
                    return self._fail(url, current, "redirect_without_location")
                current = urljoin(current, location)
                continue
            if result.status is None or not 200 <= result.status < 300:
                result.error = f"http_{result.status}"
                return result
            if not self._type_ok(result, expect):
                result.error = f"bad_content_type:{result.content_type or 'none'}"
                return result
            if not result.body.strip():
                result.error = "empty_body"
            return result
        return self._fail(url, current, "too_many_redirects")

    def close(self) -> None:
        self.session.close()
        if self.archive is not None:
            self.archive.close()

    # -- internals ------------------------------------------------------------------------------------------
    @staticmethod
    def _type_ok(result: Fetched, expect: str | None) -> bool:
        if expect is None:
            return True
        ctype = result.content_type
        if not ctype:
            head = result.body[:200].lstrip().lower()
            return expect in ("html", "xml") and head.startswith(b"<")
        return any(ctype.startswith(prefix) for prefix in CONTENT_TYPES[expect])

    def _fail(self, url: str, final_url: str, error: str, *, archive: bool = False) -> Fetched:
        fetched_at = warc_now()
        if archive and self.archive is not None and not self.replay:
            self.archive.add_failure(final_url, error, fetched_at)
        return Fetched(url, final_url, fetched_at=fetched_at, error=error)

    @staticmethod
    def _from_archive(entry: ArchivedFetch) -> Fetched:
        return Fetched(
            entry.url,
            entry.url,
            status=entry.status,
            headers=entry.headers,
            body=entry.body,
            fetched_at=entry.fetched_at,
            error=entry.error,
            from_archive=True,
        )

    def _get_once(self, url: str, cap: int) -> Fetched:
        with self._url_locks[zlib.crc32(url.encode("utf-8", "surrogatepass")) % len(self._url_locks)]:
            return self._get_once_unshared(url, cap)

    def _get_once_unshared(self, url: str, cap: int) -> Fetched:
        if self.archive is not None:
            entry = self.archive.lookup(url, responses_only=not self.replay)
            if entry is not None:
                return self._from_archive(entry)
        if self.replay:
            return Fetched(url, url, error="not_in_archive")
        error = address_error(url, self.allowed)
        if error is None and self.config.obey_robots and not self._robots_allow(url):
            error = "robots_disallowed"
        if error is not None:
            return self._fail(url, url, error, archive=True)
        return self._network_get(url, cap)

    def _network_get(self, url: str, cap: int) -> Fetched:
        host = host_key(url)
        last_error = "unknown"
        for attempt in range(self.config.retries + 1):
            self.throttle.wait(host)
            with self._lock:
                self.network_requests += 1
            fetched_at = warc_now()
            deadline = Deadline(self.config.deadline)
            try:
                with (
                    deadline.running(),
                    self.session.get(
                        url, stream=True, allow_redirects=False, timeout=self.config.timeout
                    ) as resp,
                ):
                    status = resp.status_code
                    if status == 429 or status >= 500:
                        last_error = f"http_{status}"
                        if attempt < self.config.retries:
                            wait = retry_after_seconds(resp.headers.get("Retry-After"))
                            wait = self.config.backoff * 2**attempt if wait is None else wait
                            wait = min(wait, self.config.max_retry_after)
                            log.info("%s: %s, retrying in %.1fs", url, status, wait)
                            self.throttle.push_back(host, wait)
                            continue
                        break
                    headers = {k.lower(): v for k, v in resp.headers.items()}
                    declared = headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > cap:
                        return self._fail(url, url, "too_large", archive=True)
                    body, error = self._read_capped(resp, cap)
                    if deadline.expired:
                        error = "timeout"
                    if error is not None:
                        return self._fail(url, url, error, archive=True)
                    if self.archive is not None:
                        self.archive.add_response(url, status, resp.reason, headers, body, fetched_at)
                    return Fetched(url, url, status=status, headers=headers, body=body, fetched_at=fetched_at)
            except requests.Timeout:
                last_error = "timeout"
            except requests.RequestException as exc:
                if _blocked(exc):  # the connect-time check caught what the URL check could not (rebinding)
                    return self._fail(url, url, "private_address", archive=True)
                if deadline.expired:  # a deliberately slow server would hold every retry as long
                    return self._fail(url, url, "timeout", archive=True)
                last_error = f"connection_error:{type(exc).__name__}"
            if attempt < self.config.retries:
                time.sleep(min(self.config.backoff * 2**attempt, self.config.max_retry_after))
        return self._fail(url, url, last_error, archive=True)

    @staticmethod
    def _read_capped(resp: requests.Response, cap: int) -> tuple[bytes, str | None]:
        chunks, size = [], 0
        try:
            for chunk in resp.iter_content(16384):
                size += len(chunk)
                if size > cap:
                    return b"", "too_large"
                chunks.append(chunk)
        except (requests.RequestException, OSError, ValueError) as exc:
            return b"", f"read_error:{type(exc).__name__}"
        return b"".join(chunks), None

    def _robots_allow(self, url: str) -> bool:
        parts = urlsplit(url)
        host = host_key(url)
        with self._lock:
            lock = self._robots_locks.setdefault(host, threading.Lock())
        with lock:
            if host not in self._robots:
                self._robots[host] = self._load_robots(f"{parts.scheme}://{parts.netloc}/robots.txt", host)
        rules = self._robots[host]
        return True if rules is None else rules.can_fetch(url, self.config.user_agent)

    def _load_robots(self, robots_url: str, host: str) -> Protego | None:
        """RFC 9309: a 4xx robots.txt allows everything; a 5xx or unreachable one disallows everything."""
        entry = self.archive.lookup(robots_url, responses_only=True) if self.archive is not None else None
        result = self._from_archive(entry) if entry is not None else self._network_get(robots_url, 512 * 1024)
        if result.status is not None and 400 <= result.status < 500:
            return None
        if result.error is not None or result.status is None or result.status >= 500:
            log.warning(
                "robots.txt of %s unreachable (%s): not crawling it", host, result.error or result.status
            )
            return Protego.parse("User-agent: *\nDisallow: /")
        if result.status in REDIRECT_CODES:
            return None
        rules = Protego.parse(result.text)
        delay = rules.crawl_delay(self.config.user_agent)
        if delay:
            self.throttle.set_min_interval(host, float(delay))
        return rules
