"""The workspace: one folder per stage, JSONL shards written atomically, manifests, and the image store.

Layout (everything a later stage needs is plain files; no code of the writing stage is needed to read them)::

    <root>/<stage>/data/part-00000.jsonl   records, one JSON object per line
    <root>/<stage>/manifest.json           the last run (stage, inputs, config, counts, version, times) + history
    <root>/images/<sha256>.<ext>           content-addressed image store shared by all stages

A stage name may have a sub-folder (``crawl/snopes``). Shards are written to a temporary name and renamed
when complete, so a killed run never leaves a half-written shard behind.

Files are written and read through :mod:`finefake.files` (atomic writes, JSONL) and a run holds the lock of
:mod:`finefake.locks`; both are re-exported here.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from finefake import __version__
from finefake.files import _UMASK, atomic_write_bytes, atomic_write_json, read_jsonl, utcnow

# ``X as X``: re-exported, since the stages import these from here (they live in finefake.files, .locks)
from finefake.files import BadLine as BadLine
from finefake.files import append_jsonl as append_jsonl
from finefake.files import atomic_write_text as atomic_write_text
from finefake.files import repair_jsonl_tail as repair_jsonl_tail
from finefake.files import warn_bad_line as warn_bad_line
from finefake.images import MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, inspect_image
from finefake.locks import StageLocked as StageLocked
from finefake.locks import folder_lock, sweep_leftovers
from finefake.records import check_categories, validate

log = logging.getLogger(__name__)

SHARD_SIZE = 2000


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
