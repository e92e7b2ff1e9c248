"""The duplicate rules of ``finefake clean``, shared by both engines so that they cannot drift.

Each function here decides part of an outcome: which token n-grams a MinHash sees, which (bands, rows) the LSH
uses, how two pHashes are banded, which earlier items an image is compared with, what kind an edge between two
items is, and how a cluster picks its representative and names itself. The local engine
(:mod:`finefake.clean.stage`) calls them in one process; the Ray engine (:mod:`finefake.clean.ray_engine`)
calls the same functions inside its map and reduce tasks.

Every rule is independent of the order in which pairs are discovered: a cluster's edge kinds are the kinds of
ALL its verified pairs (each pair gets one kind: ``exact_text`` if the normalised texts are equal, else
``near_text`` if it is an LSH candidate above ``text_threshold``, else ``image``), and the image candidates of
an item are the ``max_image_candidates`` latest earlier items (by input position) whose lead image is a pHash
neighbour. Input position (crawl stage, shard, line) is fixed by the workspace, so both engines see it alike.
"""

from __future__ import annotations

import hashlib
import heapq
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

EXACT, NEAR, IMAGE = "exact_text", "near_text", "image"
MINHASH_SEED = 1


def _crc(data: bytes) -> int:
    return zlib.crc32(data)


def text_digest(tokens: Sequence[str]) -> bytes:
    """SHA-1 of the normalised text: equal digests are exact duplicates."""
    return hashlib.sha1(" ".join(tokens).encode()).digest()


def shingles(tokens: Sequence[str], ngram: int, max_words: int) -> list[bytes]:
    words = tokens[:max_words]
    return [" ".join(words[j : j + ngram]).encode() for j in range(max(1, len(words) - ngram + 1))]


def minhashes(token_lists: Sequence[Sequence[str]], ngram: int, max_words: int, num_perm: int) -> list[Any]:
    """datasketch MinHashes (crc32 of word n-grams, seed 1) of normalised texts."""
    from datasketch import MinHash

    grams = [shingles(t, ngram, max_words) for t in token_lists]
    return list(MinHash.generator(grams, num_perm=num_perm, hashfunc=_crc, seed=MINHASH_SEED))


def signature_matrix(hashes: Sequence[Any], num_perm: int) -> np.ndarray:
    """One uint32 row of hash values per MinHash (datasketch's 32-bit scheme keeps them below 2**32)."""
    if not hashes:
        return np.zeros((0, num_perm), dtype=np.uint32)
    return np.vstack([m.hashvalues for m in hashes]).astype(np.uint32, copy=False)


def signatures(token_lists: Sequence[Sequence[str]], ngram: int, max_words: int, num_perm: int) -> np.ndarray:
    return signature_matrix(minhashes(token_lists, ngram, max_words, num_perm), num_perm)


@cache
def lsh_params(threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows) of datasketch's ``MinHashLSH(threshold, num_perm)`` with its default weights."""
    from datasketch.lsh import _optimal_param

    return _optimal_param(threshold, num_perm, 0.5, 0.5)


def similar(a: np.ndarray, b: np.ndarray, threshold: float) -> np.ndarray:
    """The estimated-Jaccard test of rows of ``a`` against rows of ``b`` (fraction of equal hash values)."""
    return np.mean(np.atleast_2d(a) == np.atleast_2d(b), axis=1) >= threshold


def phash_bands(distance: int) -> list[tuple[int, int]]:
    """Bit ranges of the ``distance + 1`` pHash bands: two hashes within ``distance`` bits agree exactly on
    at least one band (pigeonhole), so band buckets miss no neighbour."""
    bands = distance + 1
    edges = [round(k * 64 / bands) for k in range(bands + 1)]
    return [(edges[b], edges[b + 1]) for b in range(bands)]


def phash_band_values(values: np.ndarray, distance: int) -> np.ndarray:
    """(n, bands) uint64: each pHash's value in each band."""
    values = np.asarray(values, dtype=np.uint64)
    out = np.empty((len(values), distance + 1), dtype=np.uint64)
    for b, (lo, hi) in enumerate(phash_bands(distance)):
        out[:, b] = (values >> np.uint64(lo)) & np.uint64((1 << (hi - lo)) - 1)
    return out


def close_pairs(values: Sequence[int], distance: int) -> list[tuple[int, int]]:
    """Pairs (a < b) of distinct pHashes in one band bucket that are within ``distance`` bits."""
    distinct = sorted(set(values))
    return [
        (a, b) for i, a in enumerate(distinct) for b in distinct[i + 1 :] if (a ^ b).bit_count() <= distance
    ]


def latest(earlier: Iterable[Sequence[int]], limit: int) -> list[int]:
    """The ``limit`` largest positions among ascending lists: the image candidates of an item.

    A picture shared by many items (a stock photo, a logo) is compared with its latest users only, which
    bounds the work per item.
    """
    return sorted(heapq.nlargest(limit, (j for seq in earlier for j in seq[-limit:])))


def edge_kind(same_text: bool, near_pair: bool) -> str:
    return EXACT if same_text else NEAR if near_pair else IMAGE


class UnionFind:
    """Union-find whose roots are the smallest member (so a component's root is its first item)."""

    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        root = x
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[x] != root:
            self.parent[x], x = root, self.parent[x]
        return root

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def components(edges: Iterable[tuple[int, int, str]]) -> list[tuple[list[int], set[str]]]:
    """Connected components of the verified pairs (members ascending, components by first member) with the
    kinds of their edges. Items in no pair are singletons and not returned."""
    uf = UnionFind()
    kinds: list[tuple[int, str]] = []
    for a, b, kind in edges:
        uf.union(a, b)
        kinds.append((a, kind))
    groups: dict[int, list[int]] = {}
    for x in list(uf.parent):
        groups.setdefault(uf.find(x), []).append(x)
    edge_kinds: dict[int, set[str]] = {root: set() for root in groups}
    for a, kind in kinds:
        edge_kinds[uf.find(a)].add(kind)
    return [(sorted(groups[root]), edge_kinds[root]) for root in sorted(groups)]


@dataclass(frozen=True)
class Member:
    """What the cluster rules need to know about one surviving item."""

    position: int
    id: str
    platform: str
    digest: bytes
    fact_checked: bool
    images: int
    text_chars: int

    def rank(self) -> tuple:
        """Representative first: fact-checked, most images, longest text, then smallest id."""
        return (not self.fact_checked, -self.images, -self.text_chars, self.id)


def resolve_clusters(
    groups: Iterable[tuple[list[Member], set[str]]], near_duplicates: str
) -> tuple[dict[int, tuple[str, str]], list[dict[str, Any]]]:
    """Outcome and cluster id of every clustered item (by position), and the duplicate_clusters.json rows.

    The representative is kept; a member with the representative's exact text is an ``exact_duplicate``; the
    others are ``near_duplicate`` (dropped, or kept in the cluster with ``near_duplicates="keep"``).
    """
    status: dict[int, tuple[str, str]] = {}
    clusters: list[dict[str, Any]] = []
    for members, kinds in groups:
        ids = sorted(m.id for m in members)
        cluster_id = "dup-" + hashlib.sha1("\n".join(ids).encode()).hexdigest()[:16]
        ranked = sorted(members, key=Member.rank)
        best = ranked[0]
        for m in members:
            if m is best:
                outcome = "kept"
            elif m.digest == best.digest:
                outcome = "exact_duplicate"
            else:
                outcome = "near_duplicate" if near_duplicates == "drop" else "kept"
            status[m.position] = (outcome, cluster_id)
        clusters.append(
            {
                "cluster": cluster_id,
                "representative": best.id,
                "edges": sorted(kinds),
                "members": [
                    {"id": m.id, "platform": m.platform, "status": status[m.position][0]} for m in ranked
                ],
            }
        )
    return status, clusters
