"""The key shuffles of ``finefake clean --engine ray`` (step 2 of :mod:`finefake.clean.ray_engine`).

Each shuffle maps the block checkpoints to (key, value) rows, hash-partitions them into numpy arrays, and
reduces each partition by sorting and grouping on the key: item ids (repeated ids), text digests (exact
duplicates), LSH band keys (near-duplicate candidates), pHash band keys (pHash neighbours) and pHash values with
their neighbours (image candidates). The pair rules come from :mod:`finefake.clean.dedup`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from finefake.clean.dedup import close_pairs, phash_band_values

_MIX = np.uint64(0x9E3779B97F4A7C15)


def _digest_keys(digests: Sequence[bytes]) -> np.ndarray:
    """(n, 3) uint64: 20-byte SHA-1 digests, zero-padded, as exact grouping keys."""
    if not digests:
        return np.zeros((0, 3), dtype=np.uint64)
    return np.frombuffer(b"".join(d + bytes(4) for d in digests), dtype=np.uint64).reshape(-1, 3)


def _band_keys(sigs: np.ndarray, bands: int, rows: int) -> np.ndarray:
    """(n * bands, k) uint64: the LSH key (band, its ``rows`` hash values) of every signature and band."""
    n = len(sigs)
    width = rows + 1 + (rows + 1) % 2
    keys = np.zeros((bands, n, width), dtype=np.uint32)
    for b in range(bands):
        keys[b, :, 0] = b
        keys[b, :, 1 : rows + 1] = sigs[:, b * rows : (b + 1) * rows]
    return np.ascontiguousarray(keys.reshape(bands * n, width)).view(np.uint64)


def _partition(keys: np.ndarray, parts: int) -> np.ndarray:
    h = np.zeros(len(keys), dtype=np.uint64)
    for c in range(keys.shape[1]):
        h = (h ^ keys[:, c]) * _MIX
        h ^= h >> np.uint64(29)
    return (h % np.uint64(parts)).astype(np.int64)


def read_block(block: str, rank: int, columns: list[str]) -> tuple[np.ndarray, Any]:
    import pyarrow.parquet as pq

    table = pq.read_table(block, columns=columns)
    positions = (np.int64(rank) << np.int64(32)) | np.arange(table.num_rows, dtype=np.int64)
    return positions, table


def sig_matrix(column: Any, num_perm: int) -> np.ndarray:
    return np.frombuffer(b"".join(column.to_pylist()), dtype=np.uint32).reshape(-1, num_perm)


def map_keys(
    blocks: list[tuple[int, str]], emit: str, params: dict[str, Any], parts: int, shared: dict[str, Any]
) -> tuple[tuple[np.ndarray, np.ndarray], ...]:
    """Map side of a shuffle: (keys, values) of the rows of ``blocks``, split into ``parts`` by key hash."""
    all_keys, all_vals = [], []
    for rank, block in blocks:
        columns = ["id"] if emit == "id" else ["survivor", "has_phash", "phash", "digest", "sig"]
        pos, table = read_block(block, rank, columns)
        if emit == "id":
            ids = table.column("id").to_pylist()
            all_keys.append(_digest_keys([hashlib.sha1(i.encode()).digest() for i in ids]))
            all_vals.append(pos[:, None])
            continue
        alive = table.column("survivor").to_numpy(zero_copy_only=False) & ~np.isin(pos, shared["repeated"])
        if emit in ("phash_band", "phash_group"):
            alive &= table.column("has_phash").to_numpy(zero_copy_only=False)
        keep = np.nonzero(alive)[0]
        if not len(keep):
            continue
        sub = table.take(keep)
        pos = pos[keep]
        if emit == "text":
            all_keys.append(_digest_keys(sub.column("digest").to_pylist()))
            all_vals.append(pos[:, None])
        elif emit == "band":
            bands, rows = params["bands"], params["rows"]
            all_keys.append(_band_keys(sig_matrix(sub.column("sig"), params["num_perm"]), bands, rows))
            all_vals.append(np.tile(pos, bands)[:, None])
        elif emit == "phash_band":
            values = np.unique(sub.column("phash").to_numpy().view(np.uint64))
            banded = phash_band_values(values, params["distance"])
            for b in range(banded.shape[1]):
                all_keys.append(np.column_stack([np.full(len(values), b, dtype=np.uint64), banded[:, b]]))
                all_vals.append(values.view(np.int64)[:, None])
        elif emit == "phash_group":
            ph = sub.column("phash").to_numpy().view(np.uint64)
            all_keys.append(ph[:, None])
            all_vals.append(np.column_stack([pos, np.ones(len(pos), dtype=np.int64)]))
            src, dst = shared["neighbour_from"], shared["neighbour_to"]
            lo, hi = np.searchsorted(src, ph, "left"), np.searchsorted(src, ph, "right")
            for k in np.nonzero(hi > lo)[0]:
                others = dst[lo[k] : hi[k]]
                all_keys.append(others[:, None])
                all_vals.append(
                    np.column_stack([np.full(len(others), pos[k]), np.zeros(len(others), np.int64)])
                )
        else:
            raise ValueError(emit)
    width = {"id": 3, "text": 3, "phash_band": 2, "phash_group": 1}.get(emit)
    if emit == "band":
        width = (params["rows"] + 1 + (params["rows"] + 1) % 2) // 2
    val_width = 2 if emit == "phash_group" else 1
    keys = np.concatenate(all_keys) if all_keys else np.zeros((0, width), dtype=np.uint64)
    vals = np.concatenate(all_vals) if all_vals else np.zeros((0, val_width), dtype=np.int64)
    part = _partition(keys, parts)
    return tuple((keys[part == p], vals[part == p]) for p in range(parts))


def _groups(keys: np.ndarray, vals: np.ndarray) -> Iterable[tuple[int, int]]:
    """Sort rows by key then value; yield (start, end) of every key group of two rows or more."""
    if len(keys) < 2:
        return
    order = np.lexsort([*vals.T[::-1], *keys.T[::-1]])
    keys[:] = keys[order]
    vals[:] = vals[order]
    change = np.nonzero(np.any(keys[1:] != keys[:-1], axis=1))[0] + 1
    starts = np.concatenate([[0], change])
    ends = np.concatenate([change, [len(keys)]])
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        if end - start > 1:
            yield start, end


def reduce_keys(reduce: str, params: dict[str, Any], *pieces: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Reduce side of a shuffle: the rows of one partition grouped by key; returns positions (``repeated``)
    or pairs (n, 2) int64."""
    keys = np.concatenate([k for k, _ in pieces])
    vals = np.concatenate([v for _, v in pieces])
    out: list[Any] = []
    if reduce == "repeated":
        for start, end in _groups(keys, vals):
            out.extend(vals[start + 1 : end, 0].tolist())
        return np.array(out, dtype=np.int64)
    for start, end in _groups(keys, vals):
        members = vals[start:end, 0]
        if reduce == "exact":
            out.extend((members[0], m) for m in members[1:].tolist())
        elif reduce == "band":
            members = np.unique(members)
            out.extend((a, b) for i, a in enumerate(members.tolist()) for b in members[i + 1 :].tolist())
        elif reduce == "phash_band":
            values = np.unique(members).view(np.uint64).tolist()
            out.extend(close_pairs(values, params["distance"]))
        elif reduce == "phash_group":
            limit = params["limit"]
            for q in np.nonzero(vals[start:end, 1])[0].tolist():
                out.extend((j, members[q]) for j in members[max(0, q - limit) : q].tolist())
        else:
            raise ValueError(reduce)
    if reduce == "phash_band":
        pairs = np.array(out, dtype=np.uint64).reshape(-1, 2).view(np.int64)
    else:
        pairs = np.array(out, dtype=np.int64).reshape(-1, 2)
    return np.unique(pairs, axis=0) if len(pairs) else pairs


def shuffle(
    ray: Any, chunks: list[list[tuple[int, str]]], kind: str, params: dict[str, Any], shared: Any, parts: int
) -> list[Any]:
    """Start one map-shuffle-reduce over the block checkpoints; returns the reducers' object refs."""
    mapper = ray.remote(map_keys).options(num_returns=parts)
    reducer = ray.remote(reduce_keys)
    emit = {"repeated": "id", "exact": "text"}.get(kind, kind)
    maps = [mapper.remote(chunk, emit, params, parts, shared) for chunk in chunks]
    return [reducer.remote(kind, params, *[m[p] for m in maps]) for p in range(parts)]


def pairs_of(results: list[np.ndarray]) -> np.ndarray:
    pairs = np.concatenate([r for r in results if len(r)] or [np.zeros((0, 2), dtype=np.int64)])
    return np.unique(pairs, axis=0) if len(pairs) else pairs
