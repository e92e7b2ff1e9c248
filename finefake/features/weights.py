"""Content fingerprints of encoder weights: what an encoder's ``version`` (and so the feature cache key) is
made of. Its own module so that the encoders and the registry that lists them do not import each other."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path


def _stat_key(folder: Path) -> tuple[tuple[str, int, int], ...]:
    return tuple(
        (str(p.relative_to(folder)), p.stat().st_size, p.stat().st_mtime_ns)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    )


@lru_cache(maxsize=32)
def _hash_files(root: str, key: tuple[tuple[str, int, int], ...]) -> str:
    digest = hashlib.sha256()
    for rel, _size, _mtime in key:
        digest.update(rel.encode() + b"\0")
        with open(os.path.join(root, rel), "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


def weights_fingerprint(path: str | Path) -> str:
    """Content hash (16 hex) of a weight file or a model folder; memoised on names, sizes and mtimes."""
    path = Path(path).resolve()
    if path.is_file():
        return _hash_files(str(path.parent), ((path.name, path.stat().st_size, path.stat().st_mtime_ns),))
    return _hash_files(str(path), _stat_key(path))
