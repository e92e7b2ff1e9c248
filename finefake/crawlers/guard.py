"""Where a crawler may connect, and for how long: the address checks and the guarded transport.

Only http(s) is fetched; a URL is judged as the HTTP client will connect (requests' own URL preparation), a
URL that two parsers read differently is refused as ``ambiguous_url``, and hosts resolving to private,
loopback, link-local or reserved addresses (also when embedded in an IPv6 address) are refused unless
allowed. :class:`GuardedAdapter` checks again at connect time, connects to the address it checked (closing
DNS rebinding) and enforces each exchange's :class:`Deadline`. These checks are apart from
:mod:`finefake.crawlers.http` (politeness, retries, the archive) because they are the security boundary, read
and tested on their own, and because the knowledge clients reuse the transport without the crawler.
"""

from __future__ import annotations

import contextvars
import functools
import ipaddress
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import NewConnectionError


def client_url(url: str) -> str:
    """``url`` as requests will send it (its own parser: urllib3's, then re-quoting); ValueError if it cannot."""
    prepared = requests.models.PreparedRequest()
    try:
        prepared.prepare_url(url, None)
    except (requests.RequestException, UnicodeError) as exc:
        raise ValueError(str(exc)) from exc
    return prepared.url or ""


def _is_allowed(host: str, port: int | None, allowed: tuple[str, ...] | frozenset[str]) -> bool:
    host = host.strip("[]").lower()
    return host in allowed or (port is not None and f"{host}:{port}" in allowed)


def public_addresses(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to, all public; raises BlockedAddress naming one that is not.

    One rule for the URL check and the connect-time check: loopback, private, link-local, reserved,
    multicast or unspecified addresses are refused, and a host with any such address is refused whole.
    """
    try:
        infos = socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError, OSError) as exc:
        raise socket.gaierror(f"cannot resolve {host}: {exc}") from exc
    addresses = list(dict.fromkeys(info[4][0].split("%")[0] for info in infos))
    for address in addresses:
        if not is_public_address(ipaddress.ip_address(address)):
            raise BlockedAddress(f"{host} resolves to the non-public address {address}")
    return addresses


#: IPv6 prefixes whose last 32 bits are an IPv4 address the traffic ends up at (NAT64, RFC 6052 and 8215;
#: IPv4-translated, RFC 2765; IPv4-compatible, RFC 4291) .
_EMBEDS_LAST_32 = tuple(
    ipaddress.ip_network(n) for n in ("64:ff9b::/96", "64:ff9b:1::/48", "::ffff:0:0:0/96", "::/96")
)


_6TO4 = ipaddress.ip_network("2002::/16")


def embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, translated, compatible, NAT64, 6to4, Teredo), or None."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if any(ip in net for net in _EMBEDS_LAST_32):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip in _6TO4:
        return ipaddress.IPv4Address((int(ip) >> 80) & 0xFFFFFFFF)
    if ip.teredo is not None:
        return ip.teredo[1]
    return None


def is_public_address(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Whether a connection to ``ip`` reaches the public internet (the one rule of the URL and connect checks).

    ``is_global`` alone is not enough: an IPv6 address that embeds an IPv4 one (``::ffff:127.0.0.1``,
    ``64:ff9b::10.0.0.1``, ``2002:a9fe:a9fe::``) is judged by that IPv4 address, and the deprecated
    site-local ``fec0::/10`` is refused.
    """
    if not ip.is_global or ip.is_multicast:
        return False
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.is_site_local:
            return False
        inner = embedded_ipv4(ip)
        if inner is not None:
            return is_public_address(inner)
    return True


class BlockedAddress(OSError):
    """A connection refused because its address is not public (see :func:`public_addresses`)."""


def address_error(url: str, allowed: tuple[str, ...] | frozenset[str] = ()) -> str | None:
    """Why ``url`` must not be fetched (scheme, ambiguous, private/loopback/link-local address), or None.

    The host judged is the one requests will connect to; a URL whose host another parser reads differently
    is refused outright, so no later step (robots, politeness, the archive key) can be fooled by it either.
    """
    if "\\" in url or any(ord(c) < 0x21 or ord(c) == 0x7F for c in url):
        return "ambiguous_url"
    try:
        parts = urlsplit(url)
        port = parts.port
        sent = urlsplit(client_url(url))
        sent_port = sent.port
    except ValueError:
        return "bad_url"
    if parts.scheme.lower() not in ("http", "https") or sent.scheme not in ("http", "https"):
        return "unsupported_scheme"
    host = (sent.hostname or "").lower()
    if not host:
        return "bad_url"
    if "@" in parts.netloc or port != sent_port:
        return "ambiguous_url"
    if (parts.hostname or "").isascii() and (parts.hostname or "").lower() != host:
        return "ambiguous_url"
    if _is_allowed(host, sent_port, allowed):
        return None
    try:
        public_addresses(host, sent_port or (443 if sent.scheme == "https" else 80))
    except BlockedAddress:
        return "private_address"
    except OSError:
        return "dns_error"
    return None


#: The deadline of the exchange running in this context (set by :meth:`Fetcher._network_get`).
_DEADLINE: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("finefake_deadline", default=None)


class Deadline:
    """A wall-clock limit on one HTTP exchange: when it passes, the sockets it watches are shut down.

    Socket timeouts bound each read, not their sum, so a server sending a byte a second never trips them.
    A timer shuts the exchange's socket down instead; the blocked read returns at once and the fetch is
    recorded as ``timeout``. Sockets register themselves through :class:`GuardedAdapter`'s connections.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = False
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._expire)
        self._timer.daemon = True

    def watch(self, sock: socket.socket | None) -> None:
        if sock is None:
            return
        with self._lock:
            self._sockets.append(sock)
            if self.expired:
                self._shutdown(sock)

    @staticmethod
    def _shutdown(sock: socket.socket) -> None:
        try:  # the plain socket's shutdown, also under TLS: it wakes a blocked read without touching TLS state
            socket.socket.shutdown(sock, socket.SHUT_RDWR)
        except OSError:
            pass

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            for sock in self._sockets:
                self._shutdown(sock)

    @contextmanager
    def running(self) -> Iterator[Deadline]:
        token = _DEADLINE.set(self)
        self._timer.start()
        try:
            yield self
        finally:
            self._timer.cancel()
            _DEADLINE.reset(token)


class _GuardedConnectionMixin:
    """Connect only to checked public addresses (unless the host is allowed) and obey the current deadline."""

    allowed: frozenset[str] = frozenset()
    check_addresses: bool = True

    def _new_conn(self) -> socket.socket:
        host, port = self.host, self.port  # type: ignore[attr-defined]
        if not self.check_addresses or _is_allowed(host, port, self.allowed):
            sock = super()._new_conn()  # type: ignore[misc]
        else:
            try:
                addresses = public_addresses(host, port)
            except BlockedAddress as exc:
                raise NewConnectionError(self, f"refused: {exc}") from exc  # type: ignore[arg-type]
            except OSError as exc:  # no fallback to urllib3's own lookup: that is a second, unchecked answer
                raise NewConnectionError(self, f"cannot resolve {host}: {exc}") from exc  # type: ignore[arg-type]
            if not addresses:
                raise NewConnectionError(self, f"{host} resolves to no address")  # type: ignore[arg-type]
            sock = self._connect_any(addresses)
        deadline = _DEADLINE.get()
        if deadline is not None:
            deadline.watch(sock)
        return sock

    def _connect_any(self, addresses: list[str]) -> socket.socket:
        """Connect to the first address that answers, by address: the name is not resolved a second time."""
        original = self._dns_host  # type: ignore[has-type]
        error: Exception | None = None
        for address in addresses:
            self._dns_host = address
            try:
                return super()._new_conn()  # type: ignore[misc]
            except (NewConnectionError, OSError) as exc:
                error = exc
            finally:
                self._dns_host = original
        assert error is not None
        raise error

    def getresponse(self, *args: Any, **kwargs: Any) -> Any:
        deadline = _DEADLINE.get()
        if deadline is not None:  # a kept-alive connection's socket joins this exchange's deadline
            deadline.watch(getattr(self, "sock", None))
        return super().getresponse(*args, **kwargs)  # type: ignore[misc]


@functools.cache
def _guarded_connection(base: type, allowed: frozenset[str], check_addresses: bool = True) -> type:
    extra = {"allowed": allowed, "check_addresses": check_addresses}
    return type(f"Guarded{base.__name__}", (_GuardedConnectionMixin, base), extra)


class _GuardedPoolMixin:
    """Builds connections of the pool class's *current* connection class, guarded (so that a test double
    patched in by vcrpy or responses still sees every connection)."""

    allowed: frozenset[str] = frozenset()
    check_addresses: bool = True

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        base = next(c for c in type(self).__mro__ if c in (HTTPConnectionPool, HTTPSConnectionPool))
        self.ConnectionCls = _guarded_connection(base.ConnectionCls, self.allowed, self.check_addresses)


class GuardedAdapter(HTTPAdapter):
    """A requests transport whose connections re-check the address they connect to (see module docstring).

    Proxied requests are not affected (the proxy is the peer, chosen by the user). With
    ``check_addresses=False`` only the deadline part remains: for clients of APIs the user names (Wikidata,
    TagMe), whose every exchange must still end on time.
    """

    def __init__(self, allowed: frozenset[str] = frozenset(), *, check_addresses: bool = True, **kwargs: Any):
        self.allowed = frozenset(h.lower() for h in allowed)
        self.check_addresses = check_addresses
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        extra = {"allowed": self.allowed, "check_addresses": self.check_addresses}
        self.poolmanager.pool_classes_by_scheme = {
            "http": type("GuardedHTTPPool", (_GuardedPoolMixin, HTTPConnectionPool), extra),
            "https": type("GuardedHTTPSPool", (_GuardedPoolMixin, HTTPSConnectionPool), extra),
        }


def _blocked(exc: BaseException) -> bool:
    """Whether a requests error comes from :class:`GuardedAdapter` refusing an address."""
    seen: set[int] = set()
    stack: list[Any] = [exc]
    while stack:
        current = stack.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, BlockedAddress):
            return True
        stack += [current.__cause__, current.__context__, getattr(current, "reason", None)]
        stack += [a for a in getattr(current, "args", ()) if isinstance(a, BaseException)]
    return False
