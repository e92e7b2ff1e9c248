"""WARC archives of every fetch: written while crawling, read back to resume or to replay with no network.

Each crawl run writes its own ``.warc.gz`` file (one gzip member per record, flushed after each), so a killed
run leaves at most one truncated record at the end of its own file. A truncated gzip member still reads as a
record, only shorter, so indexing reads every record whole and checks it against its digests (WARC-Block- and
WARC-Payload-Digest) and its HTTP ``Content-Length``: a damaged record is skipped and listed in
:attr:`WarcArchive.damaged` (a live run then refetches its URL; a replay reports it). A successful HTTP
exchange becomes a ``response`` record; a fetch that was refused or failed (robots, private address, too
large, 5xx after retries) becomes a ``metadata`` record holding ``{"error": ...}``, so a replay reproduces the
failures of the original crawl as well as its pages. The record's ``WARC-Date`` is the item's ``fetched_at``.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPResponse
from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

log = logging.getLogger(__name__)

#: WARC extension header naming the lookup key of a record whose URL alone does not identify it (API POSTs).
KEY_HEADER = "WARC-Finefake-Request-Key"
#: Hop-by-hop or encoding headers that no longer describe the stored (decoded) body.
_DROP_HEADERS = {"content-encoding", "transfer-encoding", "content-length", "connection"}


def warc_now() -> str:
    """The current UTC time in the WARC-Date format (also used as ``fetched_at``)."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class ArchivedFetch:
    """One archived outcome for a URL: an HTTP response, or the error that stopped the fetch."""

    url: str
    fetched_at: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None


def warc_files(path: str | Path) -> list[Path]:
    """The WARC files at ``path`` (a file, or a folder searched recursively), oldest name first."""
    path = Path(path)
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file() and (p.name.endswith((".warc.gz", ".warc"))))
    raise FileNotFoundError(f"no WARC archive at {path}")


def _record_problem(record: Any) -> str | None:
    """Why an archived record cannot be trusted (read whole, under warcio's digest check), or None."""
    try:
        payload = record.content_stream().read()
    except (OSError, ValueError, EOFError) as exc:
        return f"unreadable ({type(exc).__name__})"
    checker = record.digest_checker
    if checker.passed is False:
        return f"digest mismatch ({'; '.join(map(str, checker.problems)) or 'block/payload'})"
    headers = record.rec_headers
    if checker.passed is None and (
        headers.get_header("WARC-Block-Digest") or headers.get_header("WARC-Payload-Digest")
    ):
        return "truncated (shorter than its Content-Length; digest not verifiable)"
    declared = record.http_headers.get_header("Content-Length") if record.http_headers else None
    if declared and declared.isdigit() and int(declared) != len(payload):
        return f"truncated ({len(payload)} of {declared} payload bytes)"
    return None


class WarcArchive:
    """An index of archived fetches (URL -> latest record) plus an optional writer for new ones.

    ``damaged`` lists the records left out of the index (file, offset, URL, reason).
    """

    def __init__(
        self, read_from: list[Path] | None = None, write_dir: Path | None = None, *, prefix: str = "crawl"
    ):
        self._index: dict[str, tuple[Path, int]] = {}
        self.damaged: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        for path in read_from or []:
            for file in warc_files(path):
                self._index_file(file)
        self._writer: WARCWriter | None = None
        self._fh = None
        self.write_path: Path | None = None
        if write_dir is not None:
            write_dir.mkdir(parents=True, exist_ok=True)
            stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%f")
            self.write_path = write_dir / f"{prefix}-{stamp}-{os.getpid()}.warc.gz"

    def __len__(self) -> int:
        return len(self._index)

    def _index_file(self, file: Path) -> None:
        with open(file, "rb") as fh:
            iterator = ArchiveIterator(fh, check_digests=True)
            try:
                for record in iterator:
                    if record.rec_type not in ("response", "metadata"):
                        continue
                    uri = record.rec_headers.get_header(KEY_HEADER) or record.rec_headers.get_header(
                        "WARC-Target-URI"
                    )
                    problem = _record_problem(record)  # before the offset: asking for it skips the record
                    offset = iterator.get_record_offset()
                    if problem is not None:
                        self._damaged(file, offset, uri, problem)
                    elif uri:
                        self._index[uri] = (file, offset)
            except (ArchiveLoadFailed, EOFError, OSError, ValueError) as exc:
                # a run killed mid-write leaves a truncated last record; everything before it is intact
                self._damaged(file, fh.tell(), None, f"unreadable ({exc})")

    def _damaged(self, file: Path, offset: int, uri: str | None, problem: str) -> None:
        log.warning("archive %s: skipping the damaged record at byte %d (%s): %s", file, offset, uri, problem)
        self.damaged.append({"file": str(file), "offset": offset, "url": uri, "problem": problem})

    def lookup(self, url: str, *, responses_only: bool = False) -> ArchivedFetch | None:
        """The archived outcome for ``url``, or None; ``responses_only`` ignores archived failures."""
        entry = self._index.get(url)
        if entry is None:
            return None
        file, offset = entry
        with open(file, "rb") as fh:
            fh.seek(offset)
            record = next(iter(ArchiveIterator(fh)))
            fetched_at = record.rec_headers.get_header("WARC-Date") or ""
            if record.rec_type == "metadata":
                if responses_only:
                    return None
                payload = json.loads(record.content_stream().read().decode("utf-8"))
                return ArchivedFetch(url, fetched_at, error=str(payload.get("error", "unknown")))
            status = int(record.http_headers.get_statuscode())
            headers = {k.lower(): v for k, v in record.http_headers.headers}
            return ArchivedFetch(
                url, fetched_at, status=status, headers=headers, body=record.content_stream().read()
            )

    def _add(
        self,
        url: str,
        record_type: str,
        payload: bytes,
        fetched_at: str,
        *,
        key: str | None = None,
        index: bool = True,
        **options: Any,
    ) -> None:
        """Build one WARC record and append it; ``index`` makes it findable by ``key`` (or its URL) on replay."""
        if self.write_path is None:
            return
        record = WARCWriter(io.BytesIO(), gzip=True).create_warc_record(
            url,
            record_type,
            payload=io.BytesIO(payload),
            length=len(payload),
            warc_headers_dict={"WARC-Date": fetched_at} | ({KEY_HEADER: key} if key else {}),
            **options,
        )
        with self._lock:
            if self.write_path is None:
                return
            if self._writer is None:
                self._fh = open(self.write_path, "ab")
                self._writer = WARCWriter(self._fh, gzip=True)
            offset = self._fh.tell()
            self._writer.write_record(record)
            self._fh.flush()
            if index:
                self._index[key or url] = (self.write_path, offset)

    def add_response(
        self,
        url: str,
        status: int,
        reason: str,
        headers: dict[str, str],
        body: bytes,
        fetched_at: str,
        *,
        key: str | None = None,
    ) -> None:
        """Archive one HTTP response (the decoded body, with headers that still describe it).

        ``key`` indexes it under something other than its URL (API POSTs: see :func:`request_key`).
        """
        kept = [(k, v) for k, v in headers.items() if k.lower() not in _DROP_HEADERS]
        kept.append(("Content-Length", str(len(body))))
        http_headers = StatusAndHeaders(f"{status} {reason or 'OK'}", kept, protocol="HTTP/1.1")
        self._add(url, "response", body, fetched_at, key=key, http_headers=http_headers)

    def add_failure(self, url: str, error: str, fetched_at: str, *, key: str | None = None) -> None:
        """Archive why ``url`` could not be fetched, so a replay reproduces the same failure."""
        payload = json.dumps({"error": error}).encode("utf-8")
        self._add(url, "metadata", payload, fetched_at, key=key, warc_content_type="application/json")

    def add_request(
        self, url: str, method: str, headers: dict[str, str], body: bytes, fetched_at: str
    ) -> None:
        """Archive the request side of an API exchange (callers strip credentials first)."""
        parts = urlsplit(url)
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        http_headers = StatusAndHeaders(f"{method} {target or '/'} HTTP/1.1", list(headers.items()))
        self._add(url, "request", body, fetched_at, index=False, http_headers=http_headers)

    def close(self) -> None:
        with self._lock:
            if self._fh is not None:
                self._fh.close()
            self._fh, self._writer = None, None


#: Request headers that carry credentials or session state: never archived.
SECRET_HEADERS = {"authorization", "proxy-authorization", "cookie"}
#: Response headers never archived (session state).
_SECRET_RESPONSE_HEADERS = {"set-cookie"}
#: Paths of OAuth token endpoints: their request bodies are never archived, their tokens are redacted.
TOKEN_PATHS = ("/api/v1/access_token", "/oauth2/token", "/oauth/token", "/oauth2/access_token")
_TOKEN_FIELDS = ("access_token", "refresh_token", "id_token")


def request_key(method: str, url: str, body: bytes, *, token_request: bool = False) -> str:
    """What an API exchange is archived under: the URL for GETs; method, URL and a body digest otherwise.

    Several POSTs go to one URL with different bodies (Reddit's ``/api/morechildren``); token requests are
    keyed without their body, which holds credentials and differs between a crawl and its replay.
    """
    method = method.upper()
    if method in ("GET", "HEAD") and not body:
        return url
    if token_request or not body:
        return f"{method} {url}"
    return f"{method} {url} sha256:{hashlib.sha256(body).hexdigest()[:32]}"


class NotArchived(requests.RequestException):
    """A replayed API request with no archived answer (or one whose original fetch failed).

    A plain :class:`requests.RequestException` (not a connection error), so API clients do not retry it.
    """


def _redact_tokens(body: bytes) -> bytes:
    try:
        data = json.loads(body)
    except ValueError:
        return b""
    if isinstance(data, dict):
        for name in _TOKEN_FIELDS:
            if name in data:
                data[name] = "REDACTED"
    return json.dumps(data).encode("utf-8")


class ArchivingAdapter(HTTPAdapter):
    """A requests transport that archives every API exchange in a :class:`WarcArchive`, or replays them.

    Mounted on an API client's own session (praw's ``requestor_kwargs``, tweepy's ``client.session``), it sees
    every request the client library makes, so the library's own parsing, paging and error handling run
    unchanged in both modes. Live: the request is sent, and the request (without credential headers, and
    without the body of OAuth token requests) and the response (tokens redacted) are archived; a transport
    error is archived as a failure. Replay: the archived response is served and the network is never touched;
    a request with no archived response raises :class:`NotArchived`.

    ``rebase`` maps URL prefixes the client uses (the archive's names) to where they are really sent, so an
    archive made against a local server replays under the real API host names and vice versa.
    ``last_fetched_at`` is the ``WARC-Date`` of the latest response served: the ``fetched_at`` of items built
    from it, identical in live and replay runs.
    """

    def __init__(
        self,
        archive: WarcArchive | None,
        *,
        replay: bool = False,
        rebase: dict[str, str] | None = None,
        **kwargs: Any,
    ):
        if replay and archive is None:
            raise ValueError("replay needs an archive")
        self.archive, self.replay = archive, replay
        self.rebase = {k.rstrip("/"): v.rstrip("/") for k, v in (rebase or {}).items()}
        self.last_fetched_at = ""
        self.requests = 0
        super().__init__(**kwargs)

    def _target(self, url: str) -> str:
        for prefix, base in self.rebase.items():
            if (
                prefix != base
                and url.startswith(prefix)
                and url[len(prefix) : len(prefix) + 1] in ("", "/", "?")
            ):
                return base + url[len(prefix) :]
        return url

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        url = request.url or ""
        method = (request.method or "GET").upper()
        sent = request.body or b""
        sent = sent.encode("utf-8") if isinstance(sent, str) else sent if isinstance(sent, bytes) else b""
        token_request = urlsplit(url).path.rstrip("/").endswith(TOKEN_PATHS)
        key = request_key(method, url, sent, token_request=token_request)
        if self.replay:
            return self._replay(request, key)
        fetched_at = warc_now()
        self.requests += 1
        request.url = self._target(url)
        try:
            response = super().send(request, **kwargs)
            body = response.content  # read it whole: the archived copy and the client's are the same bytes
        except requests.RequestException as exc:
            if self.archive is not None:
                self.archive.add_failure(url, f"{type(exc).__name__}: {exc}", fetched_at, key=key)
            raise
        finally:
            request.url = url
        if self.archive is not None:
            headers = {k: v for k, v in request.headers.items() if k.lower() not in SECRET_HEADERS}
            self.archive.add_request(url, method, headers, b"" if token_request else sent, fetched_at)
            kept = {k: v for k, v in response.headers.items() if k.lower() not in _SECRET_RESPONSE_HEADERS}
            stored = _redact_tokens(body) if token_request else body
            status, reason = response.status_code, response.reason
            self.archive.add_response(url, status, reason, kept, stored, fetched_at, key=key)
        self.last_fetched_at = fetched_at
        return response

    def _replay(self, request: requests.PreparedRequest, key: str) -> requests.Response:
        entry = self.archive.lookup(key) if self.archive is not None else None
        if entry is None:
            raise NotArchived(f"not_in_archive: {request.method} {key}", request=request)
        if entry.error is not None:
            raise NotArchived(f"archived_failure: {entry.error}", request=request)
        raw = HTTPResponse(
            body=io.BytesIO(entry.body),
            headers=entry.headers,
            status=entry.status or 0,
            preload_content=False,
            decode_content=False,
        )
        self.last_fetched_at = entry.fetched_at
        return self.build_response(request, raw)
