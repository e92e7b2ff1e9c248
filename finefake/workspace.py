"""The workspace: one folder per stage, JSONL shards written atomically, manifests, and the image store.

Layout (everything a later stage needs is plain files; no code of the writing stage is needed to read them)::

    <root>/<stage>/data/part-00000.jsonl   records, one JSON object per line
    <root>/<stage>/manifest.json           the last run (stage, inputs, config, counts, version, times) + history
    <root>/images/<sha256>.<ext>           content-addressed image store shared by all stages

A stage name may have a sub-folder (``crawl/snopes``). Shards are written to a temporary name and renamed
when complete, so a killed run never leaves a half-written shard behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
import shutil
import socket
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from finefake import __version__
from finefake.errors import FinefakeError
from finefake.images import MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, inspect_image
from finefake.records import check_categories, validate

log = logging.getLogger(__name__)

SHARD_SIZE = 2000
#: Temporary names hold the writer's process id (``.<name>.<pid>.<random>.tmp``) so that a later run can tell
#: the leftovers of a killed process from the files of a live one.
_TMP_OWNER = re.compile(r"\.(\d+)[.-][^.]*\.tmp$")
#: How old a temporary file without an owner must be before a sweep of a shared folder removes it.
_ORPHAN_SECONDS = 3600.0
_ITEM_ID = re.compile(r'"(?:id|item_id)"\s*:\s*"((?:[^"\\]|\\.){1,200})"')
_UMASK = os.umask(0)
os.umask(_UMASK)


def utcnow() -> str:
    """The current UTC time as ISO 8601 (the format of every timestamp in records and manifests)."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def atomic_write_bytes(path: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``path`` via a temporary file in the same folder and an atomic rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_UMASK)  # mkstemp creates 0600; published files get the usual permissions
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


def atomic_write_text(path: str | Path, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: str | Path, obj: Any) -> Path:
    return atomic_write_text(path, json.dumps(obj, indent=2, ensure_ascii=False, default=str) + "\n")


class BadLine(FinefakeError, ValueError):
    """A line of a JSONL file that cannot be read; names the file, the line and the item when one shows."""

    def __init__(self, path: str | Path, lineno: int, reason: str, item_id: str | None = None):
        self.path, self.lineno, self.reason, self.item_id = Path(path), lineno, reason, item_id
        item = f" (item {item_id})" if item_id else ""
        super().__init__(f"{path}:{lineno}{item}: {reason}")


def _parse_line(path: str | Path, lineno: int, raw: bytes) -> dict[str, Any]:
    try:
        row = json.loads(raw)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else type(exc).__name__
        if isinstance(exc, UnicodeDecodeError):
            reason = "not UTF-8"
        match = _ITEM_ID.search(raw[:100_000].decode("utf-8", errors="replace"))
        raise BadLine(path, lineno, f"not valid JSON ({reason})", match.group(1) if match else None) from exc
    if not isinstance(row, dict):
        raise BadLine(path, lineno, f"not a JSON object (a {type(row).__name__})")
    return row


def read_jsonl(
    path: str | Path, *, on_bad: Callable[[BadLine], None] | None = None
) -> Iterator[dict[str, Any]]:
    """Read one JSONL file of objects.

    A bad line (torn, not JSON, not UTF-8, not an object) raises :class:`BadLine` (a FinefakeError naming the
    file, the line and the item id when it can be read), unless ``on_bad`` is given: then it is reported to
    ``on_bad`` and reading goes on (append-mode logs, where one torn line must not hide the lines after it).
    """
    with open(path, "rb") as fh:
        for lineno, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                yield _parse_line(path, lineno, raw)
            except BadLine as exc:
                if on_bad is None:
                    raise
                on_bad(exc)


def warn_bad_line(error: BadLine) -> None:
    """The usual ``on_bad`` of :func:`read_jsonl` for append-mode logs: a warning, then read on."""
    log.warning("%s; line skipped", error)


def repair_jsonl_tail(path: str | Path) -> bool:
    """Make ``path`` end with a complete line before anything is appended to it; True when it was repaired.

    A run killed mid-append leaves a partial last line; appending straight after it would glue the next
    record onto the torn one and lose both. A last line that is a whole JSON object only lacks its newline,
    which is added; anything else is dropped with a warning.
    """
    path = Path(path)
    if not path.exists():
        return False
    with open(path, "rb+") as fh:
        size = fh.seek(0, os.SEEK_END)
        if size == 0:
            return False
        fh.seek(size - 1)
        if fh.read(1) == b"\n":
            return False
        cut, end = 0, size
        while end > 0:
            start = max(0, end - 65536)
            fh.seek(start)
            newline = fh.read(end - start).rfind(b"\n")
            if newline >= 0:
                cut = start + newline + 1
                break
            end = start
        fh.seek(cut)
        try:
            _parse_line(path, 0, fh.read())
            complete = True
        except BadLine:
            complete = False
        if complete:
            fh.seek(size)
            fh.write(b"\n")
        else:
            log.warning(
                "%s: dropped a torn last line (%d bytes) left by an interrupted write", path, size - cut
            )
            fh.truncate(cut)
        fh.flush()
        os.fsync(fh.fileno())
    return True


def append_jsonl(path: str | Path, rows: Iterable[dict[str, Any]]) -> int:
    """Append rows as JSON lines with one write + fsync, after repairing a torn tail; returns the count."""
    lines = [json.dumps(r, ensure_ascii=False, separators=(",", ":")) for r in rows]
    if not lines:
        return 0
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    repair_jsonl_tail(path)
    with open(path, "a", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
        fh.flush()
        os.fsync(fh.fileno())
    return len(lines)


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def _is_leftover(path: Path, *, own_folder: bool) -> bool:
    """Whether a temporary file or folder was left by a killed run (see :data:`_TMP_OWNER`)."""
    owner = _TMP_OWNER.search(path.name)
    if owner is not None:
        return not _pid_alive(int(owner.group(1)))
    if own_folder:  # only this stage writes here, and this stage is starting: nothing of it is in flight
        return True
    try:
        return time.time() - path.lstat().st_mtime > _ORPHAN_SECONDS
    except OSError:
        return False


def sweep_leftovers(folder: Path, *, own_folder: bool = True) -> list[Path]:
    """Remove what killed runs left in ``folder``: ``.*.tmp`` files and folders, ``.build-*`` folders.

    ``own_folder`` is True for a stage's own folder at the start of its run (everything temporary there is a
    leftover, except files named by a live process); False for folders other stages share (the image store),
    where only files of dead processes, or old ones without an owner, go. Sub-folders that are stages of
    their own (they hold a ``manifest.json``) are left to their own runs. Returns what was removed.
    """
    removed: list[Path] = []
    if not folder.is_dir():
        return removed
    pending = [folder]
    while pending:
        current = pending.pop()
        try:
            entries = list(os.scandir(current))
        except OSError:
            continue
        for entry in entries:
            path = Path(entry.path)
            temporary = entry.name.startswith(".") and (
                entry.name.endswith(".tmp") or entry.name.startswith(".build-")
            )
            if temporary and _is_leftover(path, own_folder=own_folder):
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    with contextlib.suppress(OSError):
                        path.unlink()
                removed.append(path)
            elif entry.is_dir(follow_symlinks=False) and not (path / "manifest.json").exists():
                pending.append(path)
    return removed


class StageLocked(FinefakeError):
    """Another process holds the lock of a stage (or of a ``build-kb`` output folder)."""


#: Lock files this process holds, by path: a nested run of the same stage re-enters instead of deadlocking.
_HELD: dict[str, int] = {}
_HELD_LOCK = threading.Lock()


def _holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except (ValueError, OSError):
        info = {}
    if not isinstance(info, dict) or not info.get("pid"):
        return "holder unknown"
    return f"pid {info.get('pid')} on {info.get('host')}, started {info.get('started')}"


@contextlib.contextmanager
def folder_lock(folder: Path, what: str, *, wait: bool = False) -> Iterator[None]:
    """Hold an exclusive lock on ``folder`` (``<folder>/.lock``) for as long as the context runs.

    Two processes writing one stage lose data silently (each picks shard numbers alone, and a replace
    swaps away what the other wrote), so every stage run holds this lock. A second process gets a
    :class:`StageLocked` naming the holder (pid, host, start time), or with ``wait`` blocks until it is free.
    The lock is an ``flock`` on an open file: it is released when the holder exits, even after kill -9, so
    a stale lock file never blocks anyone.
    """
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ".lock"
    key = str(path.resolve())
    with _HELD_LOCK:
        if key in _HELD:
            _HELD[key] += 1
            reentered = True
        else:
            reentered = False
    if reentered:
        try:
            yield
        finally:
            with _HELD_LOCK:
                _HELD[key] -= 1
        return
    fd = _acquire(path, what, wait)
    try:
        info = {"pid": os.getpid(), "host": socket.gethostname(), "started": utcnow()}
        os.ftruncate(fd, 0)
        os.pwrite(fd, json.dumps(info).encode(), 0)
        with _HELD_LOCK:
            _HELD[key] = 1
        try:
            yield
        finally:
            with _HELD_LOCK:
                _HELD.pop(key, None)
            with contextlib.suppress(OSError):
                path.unlink()  # while still held: a waiter then finds its file gone and opens the new one
    finally:
        os.close(fd)  # releases the flock


def _acquire(path: Path, what: str, wait: bool) -> int:
    """An open descriptor of ``path`` holding its flock, checked to still be the file at ``path``."""
    warned = False
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666 & ~_UMASK)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = _holder(fd)
                if not wait:
                    raise StageLocked(
                        f"{what} is in use by another finefake process ({holder}); wait for it to finish "
                        "or pass --wait"
                    ) from None
                if not warned:
                    log.warning("%s is in use by another finefake process (%s); waiting", what, holder)
                    warned = True
                fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                current = os.stat(path).st_ino
            except FileNotFoundError:
                current = None
            if current == os.fstat(fd).st_ino:
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)  # the holder removed this file as it released it: lock the new one


def record_line(record: dict[str, Any]) -> str:
    """A record as one line of a shard (compact JSON, UTF-8 kept as is)."""
    return json.dumps(record, ensure_ascii=False, separators=(",", ":"))


class ShardWriter:
    """Buffers records and writes them as complete JSONL shards.

    ``mode="append"`` adds shards next to the existing ones (resumable stages); ``mode="replace"`` builds a new
    generation in a temporary folder and swaps it in on ``close()``, so readers see the old or the new output,
    never a mix. Records are validated against ``kind``'s schema on the way in unless ``kind`` is None.
    """

    def __init__(
        self, stage_dir: Path, kind: str | None, *, mode: str = "append", shard_size: int = SHARD_SIZE
    ):
        if mode not in ("append", "replace"):
            raise ValueError("mode must be 'append' or 'replace'")
        self.stage_dir, self.kind, self.mode, self.shard_size = stage_dir, kind, mode, shard_size
        self.data_dir = stage_dir / "data"
        self.target = (
            (stage_dir / f".data.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
            if mode == "replace"
            else self.data_dir
        )
        self.target.mkdir(parents=True, exist_ok=True)
        self._buffer: list[str] = []
        self._next = self._first_free_index()
        self.written = 0
        self._closed = False

    def _first_free_index(self) -> int:
        existing = [int(p.stem.split("-")[1]) for p in self.target.glob("part-*.jsonl")]
        return max(existing, default=-1) + 1

    def write(self, record: dict[str, Any]) -> None:
        if self.kind is not None:
            validate(self.kind, record)
        self._buffer.append(record_line(record))
        if len(self._buffer) >= self.shard_size:
            self.flush()

    def write_many(self, records: Iterable[dict[str, Any]]) -> None:
        for record in records:
            self.write(record)

    def flush(self) -> None:
        """Write the buffered records as one complete shard (a no-op when the buffer is empty).

        The shard is published under the first free number at the time of writing, with a link that fails
        when the name exists: a writer never replaces a shard it did not create, even if another process
        (or an earlier writer) took the number it expected.
        """
        if not self._buffer:
            return
        self._next = max(self._next, self._first_free_index())
        data = ("\n".join(self._buffer) + "\n").encode("utf-8")
        fd, tmp = tempfile.mkstemp(prefix=f".part.{os.getpid()}.", suffix=".tmp", dir=self.target)
        try:
            os.fchmod(fd, 0o666 & ~_UMASK)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            while True:
                try:
                    os.link(tmp, self.target / f"part-{self._next:05d}.jsonl")
                    break
                except FileExistsError:
                    self._next += 1
        finally:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
        self.written += len(self._buffer)
        self._next += 1
        self._buffer.clear()

    def close(self) -> None:
        if self._closed:
            return
        self.flush()
        self._closed = True
        if self.mode == "replace":
            old = self.stage_dir / f".data-old.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp"
            if self.data_dir.exists():
                os.replace(self.data_dir, old)
            os.replace(self.target, self.data_dir)
            shutil.rmtree(old, ignore_errors=True)

    def abort(self) -> None:
        """Drop what is buffered; in replace mode, leave the previous output untouched."""
        self._buffer.clear()
        self._closed = True
        if self.mode == "replace":
            shutil.rmtree(self.target, ignore_errors=True)

    def __enter__(self) -> ShardWriter:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is None:
            self.close()
        elif self.mode == "replace":
            self.abort()
        else:  # keep complete records of an interrupted append run: they are valid and resumable
            self.close()


class RunManifest:
    """Collects what one stage run did and writes ``<stage>/manifest.json`` at the end (also on failure)."""

    def __init__(self, path: Path, stage: str, inputs: list[str], config: dict[str, Any]):
        self.path, self.stage, self.inputs, self.config = path, stage, inputs, config
        self.counts: Counter[str] = Counter()
        self.extra: dict[str, Any] = {}
        self.started = utcnow()
        self._t0 = time.perf_counter()

    def as_dict(self, status: str, error: str | None = None) -> dict[str, Any]:
        return {
            "stage": self.stage,
            "status": status,
            "error": error,
            "inputs": self.inputs,
            "config": self.config,
            "counts": dict(self.counts),
            **self.extra,
            "finefake_version": __version__,
            "started": self.started,
            "ended": utcnow(),
            "seconds": round(time.perf_counter() - self._t0, 3),
        }

    def write(self, status: str, error: str | None = None) -> dict[str, Any]:
        history: list[dict[str, Any]] = []
        if self.path.exists():
            with contextlib.suppress(ValueError, OSError):
                previous = json.loads(self.path.read_text(encoding="utf-8"))
                history = previous.pop("history", [])
                history.append({k: previous.get(k) for k in ("status", "started", "ended", "counts")})
        manifest = self.as_dict(status, error) | {"history": history[-50:]}
        atomic_write_json(self.path, manifest)
        return manifest


class ImageStore:
    """Content-addressed image files: ``images/<sha256>.<ext>``, checked before they are stored."""

    def __init__(self, workspace_root: Path):
        self.root = workspace_root
        self.dir = workspace_root / "images"

    def put(
        self,
        data: bytes,
        *,
        url: str | None = None,
        max_bytes: int = MAX_IMAGE_BYTES,
        max_pixels: int = MAX_IMAGE_PIXELS,
    ) -> dict[str, Any]:
        """Store image bytes (idempotent) and return an ``image`` record; raises ImageRejected if unsafe."""
        info = inspect_image(data, max_bytes=max_bytes, max_pixels=max_pixels)
        digest = hashlib.sha256(data).hexdigest()
        rel = f"images/{digest}.{info.extension}"
        path = self.root / rel
        if not path.exists():
            atomic_write_bytes(path, data)
        return {"path": rel, "sha256": digest, "width": info.width, "height": info.height, "url": url}

    def path(self, rel: str) -> Path:
        """Absolute path of a stored image given its record path (relative to the workspace)."""
        return self.root / rel


class Workspace:
    """A folder holding every stage's output for one dataset build."""

    def __init__(self, root: str | Path, *, wait: bool = False):
        self.root = Path(root).expanduser().resolve()
        self.images = ImageStore(self.root)
        self.wait = wait
        """Whether a stage run waits for another process's lock on its stage instead of stopping (--wait)."""

    def __repr__(self) -> str:
        return f"Workspace({str(self.root)!r})"

    def stage_dir(self, stage: str, *, create: bool = True) -> Path:
        path = self.root / stage
        if create:
            path.mkdir(parents=True, exist_ok=True)
        return path

    def shards(self, stage: str) -> list[Path]:
        return sorted((self.root / stage / "data").glob("part-*.jsonl"))

    def has_records(self, stage: str) -> bool:
        return bool(self.shards(stage))

    def writer(
        self, stage: str, kind: str | None, *, mode: str = "append", shard_size: int = SHARD_SIZE
    ) -> ShardWriter:
        return ShardWriter(self.stage_dir(stage), kind, mode=mode, shard_size=shard_size)

    def write_records(
        self, stage: str, kind: str | None, records: Iterable[dict[str, Any]], *, mode: str = "replace"
    ) -> int:
        """Write a whole stage output at once (replace by default); returns the number written."""
        with self.writer(stage, kind, mode=mode) as writer:
            writer.write_many(records)
        return writer.written

    def read(self, stage: str, kind: str | None = None) -> Iterator[dict[str, Any]]:
        """Iterate a stage's records in shard order; validates against ``kind`` when given.

        Every stage reads its input here, so this is where a damaged shard stops a run with one clear error
        (:class:`BadLine`: file, line, item id) and a record whose labels or domains are outside the data
        contract stops it with a :class:`~finefake.records.RecordError` naming the item and field, even when
        the stage does not validate whole records.
        """
        for shard in self.shards(stage):
            for record in read_jsonl(shard):
                yield validate(kind, record) if kind else check_categories(record)

    def require(self, stage: str, hint: str) -> None:
        """Raise a readable error when a stage's input is missing (``hint`` says which verb makes it)."""
        if not self.has_records(stage):
            raise FileNotFoundError(f"no records in {self.root / stage}: run `{hint}` first")

    def ids(self, stage: str) -> set[str]:
        return {r.get("id") or r.get("item_id") for r in self.read(stage)}

    def manifest_path(self, stage: str) -> Path:
        return self.stage_dir(stage) / "manifest.json"

    def load_manifest(self, stage: str) -> dict[str, Any] | None:
        path = self.root / stage / "manifest.json"
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    @contextlib.contextmanager
    def run(
        self, stage: str, *, inputs: list[str] | None = None, config: dict[str, Any] | None = None
    ) -> Iterator[RunManifest]:
        """Context for one stage run: yields a RunManifest to count into; writes it on exit, failed or not.

        The run holds the stage's lock (:func:`folder_lock`) from before the sweep of leftovers to after the
        manifest is written, so a second process on the same stage stops with one line (or waits).
        """
        with folder_lock(self.stage_dir(stage), f"stage {stage} of {self.root}", wait=self.wait):
            with self._run(stage, inputs, config) as manifest:
                yield manifest

    @contextlib.contextmanager
    def _run(
        self, stage: str, inputs: list[str] | None, config: dict[str, Any] | None
    ) -> Iterator[RunManifest]:
        manifest = RunManifest(self.manifest_path(stage), stage, inputs or [], config or {})
        swept = sweep_leftovers(self.stage_dir(stage)) + sweep_leftovers(self.images.dir, own_folder=False)
        if swept:
            log.info("%s: removed %d leftover(s) of killed runs", stage, len(swept))
            manifest.extra["swept_leftovers"] = [str(p.relative_to(self.root)) for p in swept[:100]]
        try:
            yield manifest
        except BaseException as exc:
            manifest.write(
                "failed" if not isinstance(exc, KeyboardInterrupt) else "interrupted", repr(exc)[:500]
            )
            raise
        manifest.write("completed")
