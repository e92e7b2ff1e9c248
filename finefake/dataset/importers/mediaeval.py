"""MediaEval "Verifying Multimedia Use" (2015, 2016): the "Twitter" set of MMFND and COOLANT, as records.

Boididou et al., "Detection and visualization of misleading content on Twitter", IJMIR 7(1):71-86, 2018;
corpus: github.com/MKLab-ITI/image-verification-corpus. Each edition has a development set (the standard
training split) and a test set, each a tab-separated file with a header and no quoting:

* 2015 ``devset/tweets.txt`` and ``testset/tweets.txt``:
  ``tweetId  tweetText  userId  imageId(s)  username  timestamp  label``
* 2016 ``devset/posts.txt`` (same order, ``post_id``/``post_text``/``user_id``/``image_id(s)``) and
  ``testset/posts_groundtruth.txt`` (``post_id  post_text  user_id  username  image_id  timestamp  label``).

Columns are therefore read by header name. Labels are fake / real / humor; the binary label counts humor as
fake, as the benchmark does (``binary_mappings.yaml``), and the three-way label is kept as ``veracity``.
A tweet names one or more image ids (comma-separated, e.g. ``sandyA_fake_29``); the event is the id's prefix
(``sandy``) and becomes the record's ``event`` domain. The split comes from the folder (``dev*`` -> train,
``test*`` -> test) unless given.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

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
from finefake.dataset.specs import binary_mapping, load_spec
from finefake.errors import FinefakeError
from finefake.workspace import Workspace

DATASET = "mediaeval"
SOURCE = SourceInfo(
    title='MediaEval "Verifying Multimedia Use" corpus (2015, 2016)',
    citation=(
        "Christina Boididou, Symeon Papadopoulos, Markos Zampoglou, Lazaros Apostolidis, Olga Papadopoulou "
        "and Yiannis Kompatsiaris. 2018. Detection and visualization of misleading content on Twitter. "
        "International Journal of Multimedia Information Retrieval 7(1):71-86."
    ),
    homepage="https://github.com/MKLab-ITI/image-verification-corpus",
    terms="The posts are tweets: X (Twitter) developer terms apply to their text and images.",
)
FILE_NAMES = ("tweets.txt", "posts.txt", "posts_groundtruth.txt")
#: Header spellings of the two editions -> our column names.
COLUMN_ALIASES: dict[str, str] = {
    "tweetid": "id",
    "post_id": "id",
    "tweet_id": "id",
    "tweettext": "text",
    "post_text": "text",
    "userid": "user_id",
    "user_id": "user_id",
    "imageid(s)": "image_ids",
    "image_id(s)": "image_ids",
    "image_id": "image_ids",
    "username": "username",
    "timestamp": "timestamp",
    "label": "label",
}
REQUIRED = ("id", "text", "image_ids", "label")


@dataclass
class MediaEvalConfig:
    """Where the corpus files are, where its images are, and which split a lone file belongs to."""

    path: Path
    images: Path | None = None
    split: str | None = None


def event_of(image_id: str) -> str | None:
    """The event of an image id: its prefix before the first '_' without a trailing variant letter.

    Example:
        >>> event_of("sandyA_fake_29"), event_of("boston_real_05"), event_of("")
        ('sandy', 'boston', None)
    """
    prefix = re.split(r"[_\d]", image_id.strip(), maxsplit=1)[0]
    if len(prefix) > 1 and prefix[-1].isupper() and prefix[-2].islower():
        prefix = prefix[:-1]  # sandyA, sandyB: variants of one event
    return prefix.lower() if prefix.isalpha() else None


def split_of(path: Path, given: str | None) -> str:
    """train for a development set, test for a test set (from the folder/file names) unless given."""
    if given:
        return given
    parts = [path.parent.name.lower(), path.name.lower()]
    if any("test" in p or "groundtruth" in p for p in parts):
        return "test"
    if any("dev" in p or "train" in p for p in parts):
        return "train"
    raise FinefakeError(f"cannot tell whether {path} is a devset or a testset file; pass --split train|test")


def edition_of(path: Path) -> str:
    text = str(path)
    return "2016" if "2016" in text or path.name.startswith("posts") else "2015"


def _timestamp(value: str) -> str | None:
    for fmt in ("%a %b %d %H:%M:%S %z %Y", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S"):
        try:
            stamp = datetime.strptime(value.strip(), fmt)
        except ValueError:
            continue
        stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)
        return stamp.astimezone(timezone.utc).isoformat()
    return None


def convert(row: Row, ws: Workspace, images: ImageFolder, report: ImportReport, split: str, edition: str):
    """One corpus row as a record, or None with the problem filed."""
    tweet, raw_label = row.get("id"), row.get("label").lower()
    if not tweet.isdigit():
        report.problem(row.file, row.line, f"bad field id: {tweet[:40]!r} is not a tweet id")
        return None
    mapping = binary_mapping(DATASET)
    if raw_label not in mapping:
        report.problem(
            row.file, row.line, f"bad field label: {raw_label[:40]!r} (expected fake, real or humor)"
        )
        return None
    image_ids = [i.strip() for i in row.get("image_ids").split(",") if i.strip()]
    event = next((e for e in map(event_of, image_ids) if e), None)
    if event is None:
        report.problem(row.file, row.line, "empty field image_ids: event unknown", "kept")
    if not row.get("text"):
        report.problem(row.file, row.line, "empty field text", "kept")
    stored = []
    if images.root is not None:
        for image_id in image_ids:
            image = images.store(ws, image_id, report, row)
            if image is not None:
                stored.append(image)
    spec = load_spec(DATASET)
    metadata: dict[str, Any] = {
        "edition": edition,
        "image_ids": image_ids,
        "user_id": row.get("user_id") or None,
        "username": row.get("username") or None,
        "timestamp": row.get("timestamp") or None,
        "file": row.file.name,
        "line": row.line,
    }
    username = row.get("username")
    return new_record(
        DATASET,
        f"{DATASET}:{tweet}",
        platform="twitter",
        platform_group="stream",
        text=row.get("text"),
        url=f"https://twitter.com/{username or 'i/web'}/status/{tweet}",
        authors=[username] if username else [],
        published=_timestamp(row.get("timestamp")) if row.get("timestamp") else None,
        images=stored,
        labels={"binary": mapping[raw_label], "veracity": spec.index("veracity", raw_label)},
        label=mapping[raw_label],
        domains={"event": event} if event else {},
        split=split,
        metadata=metadata,
    )


def _rows(
    config: MediaEvalConfig, files: list[Path], ws: Workspace, report: ImportReport
) -> Iterator[Converted]:
    images = ImageFolder(config.images)
    for path in files:
        header = header_of(path)
        columns = [COLUMN_ALIASES.get(c.lower(), c) for c in header]
        require_columns(path, columns, REQUIRED, "MediaEval tweets/posts")
        split, edition = split_of(path, config.split), edition_of(path)
        text_column = header[columns.index("text")]
        for row in read_tsv(path, report, text_column=text_column):
            row.values = {COLUMN_ALIASES.get(k.lower(), k): v for k, v in row.values.items()}
            yield row, convert(row, ws, images, report, split, edition)


def import_mediaeval(ws: Workspace, config: MediaEvalConfig) -> ImportReport:
    """Import MediaEval tweets files (a file, or a folder searched for them) into stage ``records``."""
    files = find_files(config.path, lambda p: p.name.lower() in FILE_NAMES, "MediaEval tweets.txt/posts.txt")
    report = ImportReport(DATASET, files=[str(p) for p in files])
    settings = {"path": str(config.path), "images": str(config.images) if config.images else None}
    settings["split"] = config.split
    return write_import(
        ws, report, _rows(config, files, ws, report), total=count_lines(files), settings=settings
    )
