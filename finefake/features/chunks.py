"""Arrays filled chunk by chunk into ``.npy`` files that a killed run continues instead of redoing.

Encoding 17,000 texts takes minutes; a kill used to lose all of it. ``fill_chunked`` writes each chunk's
rows straight into memory-mapped ``.npy`` files and records the rows done in ``progress.json`` (written
atomically after the rows are flushed), so a restart begins at the first unfinished chunk. ``meta.json`` is
written last: a folder without it is unfinished. The finished arrays open memory-mapped (read-only), so
gigabytes of token states never need to fit in memory.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from finefake.console import counting
from finefake.workspace import atomic_write_json


def open_arrays(folder: Path) -> dict[str, np.ndarray] | None:
    """The finished arrays of ``folder`` (memory-mapped), or None when it is absent or unfinished."""
    meta_path = folder / "meta.json"
    if not meta_path.exists():
        return None
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        return {name: np.load(folder / f"{name}.npy", mmap_mode="r") for name in meta["arrays"]}
    except (OSError, ValueError, KeyError):
        return None


def chunk_ranges(start: int, n: int, chunk: int) -> list[tuple[int, int]]:
    """``(start, stop)`` of the chunks covering rows ``start .. n``."""
    return [(s, min(s + chunk, n)) for s in range(start, n, chunk)]


def fill_chunked(
    folder: Path,
    n: int,
    chunk: int,
    compute: Callable[[int, int], dict[str, np.ndarray]] | None,
    label: str,
    meta: dict[str, Any] | None = None,
    *,
    compute_many: Callable[[list[tuple[int, int]]], Iterable[dict[str, np.ndarray]]] | None = None,
) -> dict[str, np.ndarray]:
    """Arrays of ``n`` rows built by ``compute(start, stop)`` chunk by chunk, resumable; memory-mapped.

    ``compute`` returns a dict of arrays with ``stop - start`` rows each (same names and trailing shapes every
    call). ``compute_many``, when given (then ``compute`` may be None), computes all the missing chunks at once
    (the engine driver's mapper: on Ray in parallel) and yields their outputs in chunk order; each is written
    and recorded as it arrives, as with ``compute``.

    The bar counts rows: work inside a chunk may move it on as it goes (``finefake.console.advance``, an
    encoder per batch), and it is brought to the rows written once each chunk is on disk.
    """
    done = open_arrays(folder)
    if done is not None:
        return done
    folder.mkdir(parents=True, exist_ok=True)
    progress_path = folder / "progress.json"
    progress: dict[str, Any] = {"rows": 0, "shapes": {}}
    if progress_path.exists():
        try:
            progress = json.loads(progress_path.read_text(encoding="utf-8"))
        except ValueError:
            progress = {"rows": 0, "shapes": {}}
    arrays: dict[str, np.ndarray] = {}
    if progress["rows"]:
        try:
            arrays = {k: np.load(folder / f"{k}.npy", mmap_mode="r+") for k in progress["shapes"]}
        except (OSError, ValueError):
            arrays, progress = {}, {"rows": 0, "shapes": {}}
    ranges = chunk_ranges(int(progress["rows"]), n, chunk)
    outs = compute_many(ranges) if compute_many is not None else (compute(s, e) for s, e in ranges)
    steps = zip(ranges, outs, strict=True)
    resumed_rows = int(progress["rows"])
    with counting(label, n - resumed_rows) as bar:
        for (start, stop), out in steps:
            if not arrays:
                for name, values in out.items():
                    arrays[name] = np.lib.format.open_memmap(
                        folder / f"{name}.npy", mode="w+", dtype=values.dtype, shape=(n, *values.shape[1:])
                    )
                progress["shapes"] = {k: [str(v.dtype), list(v.shape[1:])] for k, v in out.items()}
            for name, values in out.items():
                arrays[name][start:stop] = values
                arrays[name].flush()
            progress["rows"] = stop
            atomic_write_json(progress_path, progress)
            bar.reach(stop - resumed_rows)
    if n == 0:
        return {}
    atomic_write_json(folder / "meta.json", {"arrays": sorted(arrays), "rows": n, **(meta or {})})
    progress_path.unlink(missing_ok=True)
    del arrays
    return open_arrays(folder) or {}
