"""Serve a generated mini-web on 127.0.0.1: virtual hosts by ``Host`` header, and an HTTP proxy for them.

One threaded :mod:`http.server` on an ephemeral port answers for every host of the mini-web. Clients reach it
either directly (``Host: apnews.com``) or by using it as their HTTP proxy (absolute-form request targets, which
is what ``requests`` sends when ``HTTP_PROXY`` points here). It never forwards anything anywhere: a host that is
not part of the mini-web gets a 502, so the demo cannot leak onto the real network.

Besides static files, it implements the slices of two APIs the crawlers use, shaped like the real ones:

* Reddit OAuth: ``POST /api/v1/access_token`` (www.reddit.com) and ``GET /comments/<id>`` or
  ``/r/<sub>/comments/<id>/...`` (oauth.reddit.com), answering ``[submission listing, comment listing]``.
* Twitter API v2: ``GET /2/tweets?ids=...``, ``GET /2/tweets/<id>`` and ``GET /2/tweets/search/recent``
  (``query=conversation_id:<id>``), with ``includes.media`` / ``includes.users`` when the matching
  ``expansions`` are asked for and ``errors`` entries for unknown ids, as the API does.
"""

from __future__ import annotations

import json
import re
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from finefake.demo import miniweb

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml",
    ".txt": "text/plain",
    ".json": "application/json",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".asp": "text/html; charset=utf-8",
}
_REDDIT_THREAD = re.compile(r"^/(?:r/[A-Za-z0-9_]+/)?comments/([a-z0-9]{1,12})(?:/|\.json|$)")
_TWEET_ID = re.compile(r"^[0-9]{1,25}$")
_WAYBACK = re.compile(r"^/web/[0-9]{1,14}(?:id_)?/(https?://.+)$")
TOKEN = "demo-access-token"


class _Handler(BaseHTTPRequestHandler):
    server: _MiniWebHTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - signature of the base class
        return  # the crawlers archive and report every request; no console noise

    # -- routing ------------------------------------------------------------------------------------------
    def _target(self) -> tuple[str, str, dict[str, list[str]]]:
        parts = urlsplit(self.path)
        if parts.scheme in ("http", "https"):
            host = (parts.hostname or "").lower()
        else:
            host = (self.headers.get("Host") or "").split(":")[0].lower()
        return host, unquote(parts.path or "/"), parse_qs(parts.query)

    def do_HEAD(self) -> None:  # noqa: N802 - http.server naming
        self._dispatch(head=True)

    def do_GET(self) -> None:  # noqa: N802
        self._dispatch()

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(min(length, 1 << 20))
        host, path, _ = self._target()
        self.server.count(host)
        if host == miniweb.REDDIT_WWW and path.rstrip("/") == "/api/v1/access_token":
            self._json(
                200, {"access_token": TOKEN, "token_type": "bearer", "expires_in": 86400, "scope": "*"}
            )
        else:
            self._send(404, b"not found", "text/plain")

    def do_CONNECT(self) -> None:  # noqa: N802
        self._send(405, b"the mini-web serves plain http only", "text/plain")

    def _dispatch(self, head: bool = False) -> None:
        host, path, query = self._target()
        self.server.count(host)
        if host not in miniweb.HOSTS:
            self._send(502, b"host is not part of the mini-web", "text/plain", head)
            return
        if host == miniweb.REDDIT_OAUTH and _REDDIT_THREAD.match(path):
            self._reddit(_REDDIT_THREAD.match(path).group(1), head)
        elif host == miniweb.TWITTER_API and path.startswith("/2/"):
            self._twitter(path, query, head)
        elif host == miniweb.ARCHIVE and _WAYBACK.match(path):
            self._wayback(_WAYBACK.match(path).group(1), head)
        else:
            self._static(host, path, head)

    # -- responses ----------------------------------------------------------------------------------------
    def _send(
        self, status: int, body: bytes, ctype: str, head: bool = False, headers: dict[str, str] | None = None
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _json(self, status: int, obj: Any, head: bool = False) -> None:
        self._send(status, json.dumps(obj).encode("utf-8"), "application/json; charset=UTF-8", head)

    def _file(self, host: str, path: str) -> Path | None:
        root = self.server.root / "sites" / host
        rel = path.lstrip("/")
        if not rel or rel.endswith("/"):
            rel += "index.html"
        target = (root / rel).resolve()
        if not target.is_relative_to(root.resolve()) or not target.is_file():
            return None
        return target

    def _static(self, host: str, path: str, head: bool) -> None:
        target = self._file(host, path)
        if target is None:
            if not path.endswith("/") and self._file(host, path + "/") is not None:
                self._send(301, b"", "text/plain", head, {"Location": f"http://{host}{path}/"})
            else:
                self._send(404, b"<html><body><h1>404 Not Found</h1></body></html>", "text/html", head)
            return
        body = target.read_bytes()
        ctype = CONTENT_TYPES.get(target.suffix)
        if ctype is None:  # extension-less article paths (apnews.com/article/<slug>) are HTML pages
            ctype = "text/html; charset=utf-8" if body.lstrip()[:1] == b"<" else "application/octet-stream"
        self._send(200, body, ctype, head)

    def _wayback(self, original: str, head: bool) -> None:
        """An archived copy: the original page with the Wayback Machine's banner comment, as archive.org serves."""
        parts = urlsplit(original)
        target = self._file((parts.hostname or "").lower(), parts.path or "/")
        if target is None:
            self._send(
                404,
                b"<html><body>Wayback Machine has not archived that URL.</body></html>",
                "text/html",
                head,
            )
            return
        body = target.read_bytes().replace(
            b"<head>", b"<head><!-- BEGIN WAYBACK TOOLBAR INSERT --><!-- END WAYBACK TOOLBAR INSERT -->", 1
        )
        self._send(
            200, body, "text/html; charset=utf-8", head, {"Memento-Datetime": "Mon, 01 Mar 2021 00:00:00 GMT"}
        )

    def _authorized(self) -> bool:
        auth = self.headers.get("Authorization") or ""
        return auth.lower().startswith("bearer ") and len(auth) > 7

    def _reddit(self, pid: str, head: bool) -> None:
        if not self._authorized():
            self._json(401, {"message": "Unauthorized", "error": 401}, head)
            return
        path = self.server.root / "api" / "reddit" / f"{pid}.json"
        if not path.is_file():
            self._json(404, {"message": "Not Found", "error": 404}, head)
            return
        self._send(
            200,
            path.read_bytes(),
            "application/json; charset=UTF-8",
            head,
            {"x-ratelimit-remaining": "599.0", "x-ratelimit-used": "1", "x-ratelimit-reset": "1"},
        )

    def _load_tweet(self, tid: str) -> dict[str, Any] | None:
        if not _TWEET_ID.match(tid):
            return None
        path = self.server.root / "api" / "twitter" / f"{tid}.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None

    def _twitter(self, path: str, query: dict[str, list[str]], head: bool) -> None:
        if not self._authorized():
            self._json(
                401,
                {"title": "Unauthorized", "type": "about:blank", "status": 401, "detail": "Unauthorized"},
                head,
            )
            return
        expansions = set(",".join(query.get("expansions", [])).split(","))
        if path == "/2/tweets/search/recent":
            match = re.fullmatch(r"conversation_id:([0-9]{1,25})", (query.get("query") or [""])[0].strip())
            stored = self._load_tweet(match.group(1)) if match else None
            replies = stored["replies"] if stored else []
            meta: dict[str, Any] = {"result_count": len(replies)}
            if replies:
                meta |= {"newest_id": replies[-1]["id"], "oldest_id": replies[0]["id"]}
            self._json(200, ({"data": replies} if replies else {}) | {"meta": meta}, head)
            return
        single = re.fullmatch(r"/2/tweets/([0-9]{1,25})", path)
        if single:
            ids = [single.group(1)]
        elif path == "/2/tweets":
            ids = [i for i in ",".join(query.get("ids", [])).split(",") if i][:100]
        else:
            self._json(404, {"title": "Not Found Error", "status": 404, "detail": f"no route {path}"}, head)
            return
        data, media, users, errors = [], [], [], []
        for tid in ids:
            stored = self._load_tweet(tid)
            if stored is None:
                errors.append(
                    {
                        "value": tid,
                        "detail": f"Could not find tweet with ids: [{tid}].",
                        "title": "Not Found Error",
                        "resource_type": "tweet",
                        "parameter": "ids",
                        "resource_id": tid,
                        "type": "https://api.twitter.com/2/problems/resource-not-found",
                    }
                )
                continue
            data.append(stored["tweet"])
            media += stored["media"]
            users += [u for u in stored["users"] if u not in users]
        body: dict[str, Any] = {}
        if data:
            body["data"] = data[0] if single else data
        includes: dict[str, Any] = {}
        if "attachments.media_keys" in expansions and media:
            includes["media"] = media
        if "author_id" in expansions and users:
            includes["users"] = users
        if includes:
            body["includes"] = includes
        if errors:
            body["errors"] = errors
        self._json(200, body, head)


class _MiniWebHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, root: Path):
        super().__init__(("127.0.0.1", 0), _Handler)
        self.root = root
        self.requests: Counter[str] = Counter()
        self._lock = threading.Lock()

    def count(self, host: str) -> None:
        with self._lock:
            self.requests[host] += 1


class MiniWebServer:
    """The mini-web on 127.0.0.1 (ephemeral port); use as a context manager, it shuts down cleanly."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        if not (self.root / "sites").is_dir():
            raise FileNotFoundError(f"no mini-web at {self.root} (generate one with generate_miniweb)")
        self._httpd: _MiniWebHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("server not started")
        return self._httpd.server_address[1]

    @property
    def proxy_url(self) -> str:
        """Use as ``HTTP_PROXY`` so that requests for the mini-web's hosts land here."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def requests(self) -> Counter[str]:
        """Requests served per host so far."""
        return Counter(self._httpd.requests) if self._httpd else Counter()

    def start(self) -> MiniWebServer:
        self._httpd = _MiniWebHTTPServer(self.root)
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="miniweb", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd, self._thread = None, None

    def __enter__(self) -> MiniWebServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


_PROXY_VARS = ("HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy")


class proxy_environment:  # noqa: N801 - used like contextlib's lower-case managers
    """Route plain-http requests of this process through the mini-web server (``HTTP_PROXY``), restoring the
    previous environment on exit. ``requests`` sessions read it, so the real crawlers need no test hooks."""

    def __init__(self, server: MiniWebServer):
        self.server = server
        self._saved: dict[str, str | None] = {}

    def __enter__(self) -> MiniWebServer:
        import os

        self._saved = {k: os.environ.get(k) for k in _PROXY_VARS}
        os.environ["HTTP_PROXY"] = os.environ["http_proxy"] = self.server.proxy_url
        os.environ.pop("NO_PROXY", None)
        os.environ.pop("no_proxy", None)
        return self.server

    def __exit__(self, *exc: object) -> None:
        import os

        for key, value in self._saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
