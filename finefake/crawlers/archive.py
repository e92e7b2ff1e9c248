"""WARC archives of every fetch: written while crawling, read back to resume or to replay with no network.

Each crawl run writes its own ``.warc.gz`` file (one gzip member per record, flushed after each), so a killed
run leaves at most one truncated record at the end of its own file, which readers skip. A successful HTTP
exchange becomes a ``response`` record; a fetch that was refused or failed (robots, private address, too
large, 5xx after retries) becomes a ``metadata`` record holding ``{"error": ...}``, so a replay reproduces the
failures of the original crawl as well as its pages. The record's ``WARC-Date`` is the item's ``fetched_at``.
"""

from __future__ import annotations

import io
import json
import logging
import os
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

log = logging.getLogger(__name__)

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


class WarcArchive:
    """An index of archived fetches (URL -> latest record) plus an optional writer for new ones."""

    def __init__(
        self, read_from: list[Path] | None = None, write_dir: Path | None = None, *, prefix: str = "crawl"
    ):
        self._index: dict[str, tuple[Path, int]] = {}
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
            iterator = ArchiveIterator(fh)
            try:
                for record in iterator:
                    if record.rec_type in ("response", "metadata"):
                        uri = record.rec_headers.get_header("WARC-Target-URI")
                        if uri:
                            self._index[uri] = (file, iterator.get_record_offset())
            except (ArchiveLoadFailed, EOFError, OSError, ValueError) as exc:
                # a run killed mid-write leaves a truncated last record; everything before it is intact
                log.warning("archive %s: stopped at a damaged record (%s)", file, exc)

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

    def _write(self, record) -> None:
        with self._lock:
            if self.write_path is None:
                return
            if self._writer is None:
                self._fh = open(self.write_path, "ab")
                self._writer = WARCWriter(self._fh, gzip=True)
            offset = self._fh.tell()
            self._writer.write_record(record)
            self._fh.flush()
            uri = record.rec_headers.get_header("WARC-Target-URI")
            self._index[uri] = (self.write_path, offset)

    def add_response(
        self, url: str, status: int, reason: str, headers: dict[str, str], body: bytes, fetched_at: str
    ) -> None:
        """Archive one HTTP response (the decoded body, with headers that still describe it)."""
        if self.write_path is None:
            return
        kept = [(k, v) for k, v in headers.items() if k.lower() not in _DROP_HEADERS]
        kept.append(("Content-Length", str(len(body))))
        http_headers = StatusAndHeaders(f"{status} {reason or 'OK'}", kept, protocol="HTTP/1.1")
        writer = WARCWriter(io.BytesIO(), gzip=True)
        record = writer.create_warc_record(
            url,
            "response",
            payload=io.BytesIO(body),
            length=len(body),
            http_headers=http_headers,
            warc_headers_dict={"WARC-Date": fetched_at},
        )
        self._write(record)

    def add_failure(self, url: str, error: str, fetched_at: str) -> None:
        """Archive why ``url`` could not be fetched, so a replay reproduces the same failure."""
        if self.write_path is None:
            return
        payload = json.dumps({"error": error}).encode("utf-8")
        writer = WARCWriter(io.BytesIO(), gzip=True)
        record = writer.create_warc_record(
            url,
            "metadata",
            payload=io.BytesIO(payload),
            length=len(payload),
            warc_content_type="application/json",
            warc_headers_dict={"WARC-Date": fetched_at},
        )
        self._write(record)

    def close(self) -> None:
        with self._lock:
            if self._fh is not None:
                self._fh.close()
            self._fh, self._writer = None, None
