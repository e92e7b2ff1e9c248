"""MediaEval "Verifying Multimedia Use" (2015, 2016): the "Twitter" set of MMFND and COOLANT, as records.

Boididou et al., "Detection and visualization of misleading content on Twitter", IJMIR 7(1):71-86, 2018;
corpus: github.com/MKLab-ITI/image-verification-corpus. Each edition has a development set (the standard
training split) and a test set, each a tab-separated file with a header and no quoting:

* 2015 ``devset/tweets.txt`` and ``testset/tweets.txt``:
  ``tweetId  tweetText  userId  imageId(s)  username  timestamp  label``
* 2016 ``devset/posts.txt`` (same order, ``post_id``/``post_text``/``user_id``/``image_id(s)``) and
  ``testset/posts_groundtruth.txt`` (``post_id  post_text  user_id  username  image_id  timestamp  label``).

Columns are therefore read by header name. Labels are fake / real / humor; the binary label counts humor as
fake, as the MediaEval task did (``binary_mappings.yaml``), and the three-way label is kept as ``veracity``;
``humor="drop"`` leaves the humor tweets out instead, as the multimodal papers do (COOLANT's 6,840 + 5,007
training tweets are the 2015 devset without its 2,633 humor tweets). A tweet names one or more image ids
(comma-separated, e.g. ``sandyA_fake_29``, ``american_soldier_quran_1``); the event is the whole id without
its label and number (``sandy``, ``american_soldier_quran``) and becomes the record's ``event`` domain. The
split comes from the folder (``dev*`` -> train, ``test*`` -> test) unless given.

The two editions are separate benchmarks, never to be mixed: the 2016 devset is the 2015 devset and testset
again (same tweet ids, humor left out), so a folder holding both would train on the 2015 test tweets. The
edition of a file is told by its header (2015: ``tweetId``; 2016: ``post_id``); from a folder holding both,
one edition is imported (``edition``, default :data:`DEFAULT_EDITION`, the edition of the papers' "Twitter"
set). The 2016 testset's ``posts.txt`` is the unlabelled copy of ``posts_groundtruth.txt`` and is skipped
when the latter is beside it.
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
EDITIONS = ("2015", "2016")
#: The edition of MMFND's and COOLANT's "Twitter" set (COOLANT, section 4.1.1: 6,840 + 5,007 training tweets,
#: the 2015 devset's fake and real tweets).
DEFAULT_EDITION = "2015"
HUMOR = ("fake", "drop")
#: Official split sizes of the whole release per edition (counted on MKLab-ITI/image-verification-corpus at
#: 5a3d0c6; stated in the dataset card).
OFFICIAL_COUNTS = {
    "2015": "devset (train) 14,483 tweets (14,481 distinct ids): 6,841 fake, 5,009 real, 2,633 humor; "
    "testset (test) 3,781 tweets: 2,564 fake, 1,217 real",
    "2016": "devset (train) 15,629 posts: 9,404 fake, 6,225 real (the 2015 devset and testset without "
    "humor); testset (test) 2,228 posts: 1,230 fake, 998 real",
}
#: Image names that are one picture of an event, not an event of their own.
EVENT_ALIASES = {"eclipse_video": "eclipse"}
_EVENT = re.compile(
    r"^(?P<event>[A-Za-z][A-Za-z0-9_]*?)(?:_(?:fake|real|humor))?_\d+[A-Za-z]*$", re.IGNORECASE
)


@dataclass
class MediaEvalConfig:
    """Where the corpus files are, where its images are, which split a lone file belongs to, which edition
    to take from a folder holding both, and whether humor tweets count as fake or are left out."""

    path: Path
    images: Path | None = None
    split: str | None = None
    edition: str | None = None
    humor: str = "fake"


def event_of(image_id: str) -> str | None:
    """The event of an image id: the whole name before its label and number, without a variant letter.

    Example:
        >>> event_of("sandyA_fake_29"), event_of("american_soldier_quran_1"), event_of("woman_14_children_2")
        ('sandy', 'american_soldier_quran', 'woman_14_children')
        >>> event_of("not_afraid_3"), event_of("sochi_fake_1fake"), event_of("")
        ('not_afraid', 'sochi', None)
    """
    match = _EVENT.match(image_id.strip())
    if match is None:
        return None
    event = match.group("event")
    if len(event) > 1 and event[-1].isupper() and event[-2].islower():
        event = event[:-1]  # sandyA, sandyB: variants of one event
    event = event.lower()
    return EVENT_ALIASES.get(event, event)


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
    """2015 or 2016 from the file's header (2015 names its id column ``tweetId``, 2016 ``post_id``)."""
    columns = [c.lower() for c in header_of(path)]
    if "tweetid" in columns:
        return "2015"
    if "post_id" in columns:
        return "2016"
    return "2016" if "2016" in str(path) or path.name.startswith("posts") else "2015"


def corpus_files(files: list[Path], edition: str | None, report: ImportReport) -> tuple[list[Path], str]:
    """The files of one edition, and that edition: ``edition`` if given, else the only one present, else
    :data:`DEFAULT_EDITION` (noted in the report). The unlabelled 2016 ``posts.txt`` beside its
    ``posts_groundtruth.txt`` is left out."""
    files = [
        p
        for p in files
        if not (p.name.lower() == "posts.txt" and (p.parent / "posts_groundtruth.txt").is_file())
    ]
    by_edition: dict[str, list[Path]] = {}
    for path in files:
        by_edition.setdefault(edition_of(path), []).append(path)
    if edition is not None:
        if edition not in EDITIONS:
            raise FinefakeError(f"--edition {edition!r} is not one of {', '.join(EDITIONS)}")
        if edition not in by_edition:
            found = ", ".join(sorted(by_edition)) or "none"
            raise FinefakeError(f"no MediaEval {edition} files in the given path (editions found: {found})")
        chosen = edition
    elif len(by_edition) == 1:
        chosen = next(iter(by_edition))
    else:
        chosen = DEFAULT_EDITION
        other = [e for e in sorted(by_edition) if e != chosen]
        report.notes.append(
            f"the path holds the {' and '.join(sorted(by_edition))} editions: imported {chosen} only "
            f"(--edition {other[0]} for the other; they share tweets and are never mixed)"
        )
    return by_edition[chosen], chosen


def _timestamp(value: str) -> str | None:
    for fmt in ("%a %b %d %H:%M:%S %z %Y", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %H:%M:%S"):
        try:
            stamp = datetime.strptime(value.strip(), fmt)
        except ValueError:
            continue
        stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=timezone.utc)
        return stamp.astimezone(timezone.utc).isoformat()
    return None


def convert(
    row: Row,
    ws: Workspace,
    images: ImageFolder,
    report: ImportReport,
    split: str,
    edition: str,
    humor: str = "fake",
):
    """One corpus row as a record, or None with the problem filed (or the row counted as excluded)."""
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
    if raw_label == "humor" and humor == "drop":
        report.excluded["humor tweet (--humor drop)"] += 1
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
            yield row, convert(row, ws, images, report, split, edition, config.humor)


def conditions(edition: str, humor: str) -> dict[str, str]:
    """What an import of ``edition`` with ``humor`` is, in the words published rows are described with."""
    return {
        "edition": edition,
        "subset": f"MediaEval {edition}" + (" without humor tweets" if humor == "drop" else ", all tweets"),
        "label_mapping": "fake/real" if humor == "drop" else "humor counted as fake",
    }


def import_mediaeval(ws: Workspace, config: MediaEvalConfig) -> ImportReport:
    """Import one edition of the MediaEval corpus (a file, or a folder searched for them) into ``records``."""
    if config.humor not in HUMOR:
        raise FinefakeError(f"--humor {config.humor!r} is not one of {', '.join(HUMOR)}")
    found = find_files(config.path, lambda p: p.name.lower() in FILE_NAMES, "MediaEval tweets.txt/posts.txt")
    report = ImportReport(DATASET)
    files, edition = corpus_files(found, config.edition, report)
    report.files = [str(p) for p in files]
    report.conditions = conditions(edition, config.humor)
    settings = {"path": str(config.path), "images": str(config.images) if config.images else None}
    settings.update(split=config.split, edition=edition, humor=config.humor)
    return write_import(
        ws, report, _rows(config, files, ws, report), total=count_lines(files), settings=settings
    )
