"""Hostile servers and resolvers for the hardening tests (all on the loopback interface)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def trickle_server(head: bytes | Callable[[str], bytes], body: bytes, *, delay: float) -> Iterator[str]:
    """A raw server answering every connection with ``head`` at once, then ``body`` one byte per ``delay``.

    ``head`` may itself stop mid-headers (a server trickling its status line or headers), or be a function of
    the server's base URL (a redirect naming its own host: a raw socket, because web frameworks
    percent-encode a backslash in ``Location``). Yields the base URL.
    """
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    stop = threading.Event()
    base = f"http://127.0.0.1:{listener.getsockname()[1]}"
    head = head(base) if callable(head) else head

    def serve(conn: socket.socket) -> None:
        with conn:
            try:
                conn.recv(65536)
                conn.sendall(head)
                for byte in body:
                    if stop.is_set():
                        return
                    time.sleep(delay)
                    conn.sendall(bytes([byte]))
            except OSError:
                return

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield base
    finally:
        stop.set()
        thread.join(2)
        listener.close()


def fake_dns(monkeypatch, names: dict[str, list[str] | Callable[[], list[str]]]) -> None:
    """Resolve the given names to fixed addresses (a list, or a callable returning one per lookup)."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        answer = names.get(host if isinstance(host, str) else host.decode())
        if answer is None:
            return real(host, port, *args, **kwargs)
        addresses = answer() if callable(answer) else answer
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, int(port or 80))) for a in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
