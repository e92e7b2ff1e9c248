"""One process per stage: the stage lock, and the sweep of what killed runs left behind.

A stage run holds an ``flock`` on its folder (a second process stops with a one-line error naming the holder,
or waits), and at its start removes the temporary files and folders of dead processes. This is apart from
:mod:`finefake.workspace` because other writers that are not stages (``build-kb``'s output folder, the
shared image store) use the same lock and sweep.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from finefake.errors import FinefakeError
from finefake.files import _UMASK, utcnow

log = logging.getLogger(__name__)

#: Temporary names hold the writer's process id (``.<name>.<pid>.<random>.tmp``) so that a later run can tell
#: the leftovers of a killed process from the files of a live one.
_TMP_OWNER = re.compile(r"\.(\d+)[.-][^.]*\.tmp$")
#: How old a temporary file without an owner must be before a sweep of a shared folder removes it.
_ORPHAN_SECONDS = 3600.0


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
