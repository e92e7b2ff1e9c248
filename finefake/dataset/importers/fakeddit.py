"""Fakeddit: Reddit submissions with 2-, 3- and 6-way labels, as records.

Nakamura et al., "r/Fakeddit: A New Multimodal Benchmark Dataset for Fine-grained Fake News Detection",
LREC 2020. The multimodal release is ``multimodal_train.tsv``, ``multimodal_validate.tsv`` and
``multimodal_test_public.tsv`` (the official split), tab-separated with a header (pandas-written: an unnamed
index column may lead, fields with quotes are double-quoted): author, clean_title, created_utc, domain,
hasImage, id, image_url, linked_submission_id, num_comments, score, subreddit, title, upvote_ratio,
2_way_label, 3_way_label, 6_way_label. The three label columns are the label spaces ``two_way`` (0 fake,
1 true: the binary label as is), ``three_way`` and ``six_way``; the subreddit is the record's domain.

Images come from a folder of ``<id>.<ext>`` files (as the release's image archive names them) or, with
``fetch_images``, from ``image_url`` through finefake's crawler image path (polite per-host rate, robots.txt,
size and decompression-bomb checks, responses archived so an interrupted import refetches nothing).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from finefake.crawlers.http import HttpConfig
from finefake.dataset.importers.common import (
    Converted,
    ImageFolder,
    ImportReport,
    Row,
    SourceInfo,
    count_lines,
    find_files,
    header_of,
    new_record,
    read_tsv,
    require_columns,
    write_import,
)
from finefake.dataset.specs import load_spec
from finefake.workspace import Workspace

DATASET = "fakeddit"
SOURCE = SourceInfo(
    title="Fakeddit (multimodal subset)",
    citation=(
        "Kai Nakamura, Sharon Levy and William Yang Wang. 2020. r/Fakeddit: A New Multimodal Benchmark "
        "Dataset for Fine-grained Fake News Detection. In Proceedings of the 12th Language Resources and "
        "Evaluation Conference (LREC 2020), pages 6149-6157."
    ),
    homepage="https://github.com/entitize/Fakeddit",
    terms="The posts and images are Reddit submissions: Reddit's terms apply to them.",
)
#: What the card says of the whole release's split (``common.official_counts``). Only what was seen is stated:
#: the v2.0 TSVs are on Google Drive only (github.com/entitize/Fakeddit links them) and the copies here hold
#: their first 10,000 lines, so the whole files' sizes were never counted; no size is written from memory.
OFFICIAL_COUNTS = {
    "release": "the release's own files multimodal_train.tsv (train), multimodal_validate.tsv (validation) and "
    "multimodal_test_public.tsv (test); their whole sizes are not stated here (the v2.0 files are on Google "
    "Drive only and were not counted)"
}
IMAGE_STAGE = "crawl/fakeddit-images"
LABEL_COLUMNS = {"2_way_label": "two_way", "3_way_label": "three_way", "6_way_label": "six_way"}
REQUIRED = ("id", "title", "subreddit", *LABEL_COLUMNS)


@dataclass
class FakedditConfig:
    path: Path
    images: Path | None = None
    fetch_images: bool = False
    split: str | None = None
    http: HttpConfig = field(default_factory=HttpConfig)


def split_of(path: Path, given: str | None) -> str | None:
    """train / validation / test from the release's file names (``multimodal_validate.tsv`` ...)."""
    if given:
        return given
    stem = path.stem.lower()
    for key, split in (
        ("train", "train"),
        ("validat", "validation"),
        ("valid", "validation"),
        ("test", "test"),
    ):
        if key in stem:
            return split
    return None


def _created(value: str) -> str | None:
    try:
        return datetime.fromtimestamp(float(value), tz=timezone.utc).isoformat()
    except (ValueError, OverflowError, OSError):
        return None


class ImageFetcher:
    """Fetches Fakeddit image URLs through the crawler's fetcher and image store (opened once, closed once)."""

    def __init__(self, ws: Workspace, http: HttpConfig):
        from finefake.crawlers.session import open_crawl

        self.ws = ws
        self.frontier, self.fetcher = open_crawl(ws, IMAGE_STAGE, http)

    def store(self, url: str, report: ImportReport, row: Row) -> dict[str, Any] | None:
        from finefake.crawlers.runner import store_images

        stored = store_images(self.ws, self.fetcher, [{"url": url}], 1)
        if not stored or stored[0].get("error") or not stored[0].get("path"):
            error = stored[0].get("error") if stored else "no_image"
            report.missing_images += 1
            report.problem(row.file, row.line, f"image {url[:80]} not fetched: {error}", "kept")
            return None
        image = stored[0]
        return {k: image[k] for k in ("path", "sha256", "width", "height", "url")}

    def close(self) -> None:
        self.fetcher.close()
        self.frontier.close()


def convert(row: Row, ws: Workspace, images: ImageFolder, fetcher: ImageFetcher | None, report, split):
    """One Fakeddit row as a record, or None with the problem filed."""
    post = row.get("id")
    if not post or not post.replace("_", "").isalnum():
        report.problem(row.file, row.line, f"bad field id: {post[:40]!r}")
        return None
    spec = load_spec(DATASET)
    labels: dict[str, int] = {}
    for column, space in LABEL_COLUMNS.items():
        value = row.get(column)
        try:
            number = int(float(value))
        except ValueError:
            number = -1
        if not 0 <= number < len(spec.classes(space)) or str(number) != value.split(".")[0]:
            report.problem(row.file, row.line, f"bad field {column}: {value[:20]!r}")
            return None
        labels[space] = number
    subreddit = row.get("subreddit").lower()
    if not subreddit:
        report.problem(row.file, row.line, "empty field subreddit", "kept")
    title = row.get("title") or row.get("clean_title")
    if not title:
        report.problem(row.file, row.line, "empty field title", "kept")
    stored: list[dict[str, Any]] = []
    url = row.get("image_url")
    if images.root is not None:
        image = images.store(ws, post, report, row)
        stored = [image] if image else []
    elif fetcher is not None and url:
        image = fetcher.store(url, report, row)
        stored = [image] if image else []
    author = row.get("author")
    metadata = {
        "clean_title": row.get("clean_title") or None,
        "domain": row.get("domain") or None,
        "has_image": row.get("hasImage").lower() in ("true", "1") if row.get("hasImage") else None,
        "image_url": url or None,
        "linked_submission_id": row.get("linked_submission_id") or None,
        "num_comments": _number(row.get("num_comments")),
        "score": _number(row.get("score")),
        "upvote_ratio": _number(row.get("upvote_ratio")),
        "file": row.file.name,
        "line": row.line,
    }
    return new_record(
        DATASET,
        f"{DATASET}:{post}",
        platform="reddit",
        platform_group="stream",
        title=title,
        text=title,
        url=f"https://www.reddit.com/comments/{post}",
        authors=[author] if author and author != "[deleted]" else [],
        published=_created(row.get("created_utc")),
        images=stored,
        labels=labels,
        label=labels["two_way"],
        domains={"subreddit": subreddit} if subreddit else {},
        split=split,
        metadata=metadata,
    )


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def _rows(
    config: FakedditConfig, files: list[Path], ws: Workspace, report: ImportReport
) -> Iterator[Converted]:
    images = ImageFolder(config.images)
    fetcher = ImageFetcher(ws, config.http) if config.fetch_images and config.images is None else None
    try:
        for path in files:
            require_columns(path, header_of(path), REQUIRED, "Fakeddit TSV")
            split = split_of(path, config.split)
            for row in read_tsv(path, report, text_column="title", unquote=True):
                yield row, convert(row, ws, images, fetcher, report, split)
    finally:
        if fetcher is not None:
            fetcher.close()


def import_fakeddit(ws: Workspace, config: FakedditConfig) -> ImportReport:
    """Import Fakeddit TSVs (a file, or a folder holding them) into stage ``records``."""
    files = find_files(config.path, lambda p: p.suffix.lower() == ".tsv", "Fakeddit .tsv")
    report = ImportReport(DATASET, files=[str(p) for p in files])
    settings = {
        "path": str(config.path),
        "images": str(config.images) if config.images else None,
        "fetch_images": config.fetch_images,
        "split": config.split,
    }
    return write_import(
        ws, report, _rows(config, files, ws, report), total=count_lines(files), settings=settings
    )
