"""What every third-party importer shares: reading messy delimited files, accounting for bad rows, writing.

Real releases of MediaEval, FakeNewsNet, LIAR and Fakeddit contain rows with shifted columns, stray quotes,
empty fields and repeated ids. The importers never crash on such a row and never drop one silently: every
problem is filed in the :class:`ImportReport` with its file and line number and what was done about it
(``skipped`` or ``repaired``), and the report is written beside the records (``records/import_report.json``).
Records go to the workspace's ``records`` stage through the same path as ``finefake import finefake-release``:
one stage run (manifest), one replacing shard writer, one contract check per record.
"""

from __future__ import annotations

import csv
import os
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finefake.console import track
from finefake.dataset.modalities import record_modalities
from finefake.errors import FinefakeError
from finefake.images import MAX_IMAGE_BYTES, ImageRejected
from finefake.records import iter_errors
from finefake.workspace import Workspace, atomic_write_json

#: Problems listed one by one in the report; beyond this only their counts by reason are kept.
MAX_LISTED_PROBLEMS = 10_000
#: Longest CSV field read (characters). Python's default (131,072) drops real rows: FakeNewsNet's
#: ``tweet_ids`` field reaches 574,833 characters in politifact_fake.csv; a row past this cap is still filed
#: as unreadable, so one malformed row (an unclosed quote) cannot hold the rest of the file in memory.
MAX_CSV_FIELD_CHARS = 16 * 1024 * 1024
#: Most physical lines one TSV row may span when a quoted field holds line breaks (read_tsv with unquote).
MAX_JOINED_LINES = 20
IMAGE_SUFFIXES = frozenset({".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp"})


@dataclass
class RowProblem:
    """One bad row: where it is, what is wrong, and what was done (``skipped``, ``repaired`` or ``kept``)."""

    file: str
    line: int
    reason: str
    action: str = "skipped"

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.reason} ({self.action})"


@dataclass
class ImportReport:
    """Every row of every input file accounted for: written, skipped or repaired (with file and line)."""

    dataset: str
    files: list[str] = field(default_factory=list)
    rows: int = 0
    written: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    reasons: Counter = field(default_factory=Counter)
    missing_images: int = 0
    rejected_images: Counter = field(default_factory=Counter)
    splits: Counter = field(default_factory=Counter)
    labels: Counter = field(default_factory=Counter)
    domains: Counter = field(default_factory=Counter)
    topics: Counter = field(default_factory=Counter)
    #: Rows left out on purpose (a chosen subset, e.g. MediaEval's humor tweets with ``--humor drop``),
    #: by reason: not problems, but counted so that rows = written + skipped + excluded.
    excluded: Counter = field(default_factory=Counter)
    #: What the import is a subset or a relabelling of (``subset``, ``label_mapping``, ``edition``): matched
    #: against what published numbers were measured on (finefake.benchmarks.published).
    conditions: dict[str, str] = field(default_factory=dict)
    #: Written items per modality (finefake.dataset.modalities): text, title only, image.
    modalities: Counter = field(default_factory=Counter)
    #: Lines for the user about choices the importer made (e.g. which edition of a mixed folder it took).
    notes: list[str] = field(default_factory=list)

    def problem(self, file: str | Path, line: int, reason: str, action: str = "skipped") -> None:
        """File a problem (the counts by reason are exact even when the list is capped)."""
        self.reasons[f"{reason.split(':')[0]} ({action})"] += 1
        if len(self.problems) < MAX_LISTED_PROBLEMS:
            self.problems.append(RowProblem(Path(file).name, line, reason, action))

    @property
    def skipped(self) -> int:
        return sum(n for reason, n in self.reasons.items() if reason.endswith("(skipped)"))

    def as_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "files": self.files,
            "rows": self.rows,
            "written": self.written,
            "skipped": self.skipped,
            "problems_by_reason": dict(self.reasons),
            "problems": [p.__dict__ for p in self.problems],
            "missing_images": self.missing_images,
            "rejected_images": dict(self.rejected_images),
            "splits": dict(self.splits),
            "labels": dict(self.labels),
            "domains": dict(self.domains),
            "topics": dict(self.topics),
            "excluded": dict(self.excluded),
            "conditions": dict(self.conditions),
            "modalities": dict(self.modalities),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class SourceInfo:
    """What an importer knows about its release, for the dataset card of a packaged import.

    ``license`` is a Hugging Face license id, or ``"unknown"`` where the release states none (none of the
    four releases ships a license file); ``terms`` says whose terms the items themselves fall under.
    """

    title: str
    citation: str
    homepage: str
    license: str = "unknown"
    terms: str = ""


def source_info(dataset: str) -> SourceInfo | None:
    """The ``SOURCE`` of the importer module named after ``dataset``, or None for a dataset without one."""
    import importlib

    try:
        module = importlib.import_module(f"finefake.dataset.importers.{dataset}")
    except ImportError:
        return None
    return getattr(module, "SOURCE", None)


def official_counts(dataset: str, conditions: dict[str, str]) -> str | None:
    """The whole release's official split sizes as its importer states them (``OFFICIAL_COUNTS``, keyed by
    edition where the release has editions, else by ``"release"``), or None where none is known."""
    import importlib

    try:
        module = importlib.import_module(f"finefake.dataset.importers.{dataset}")
    except ImportError:
        return None
    table = getattr(module, "OFFICIAL_COUNTS", {})
    return table.get(conditions.get("edition") or "release")


def split_stratum(record: dict[str, Any]) -> tuple[str, Any, Any]:
    """(official split or "", label, platform) of a record: what :func:`benchmark_split` cuts by."""
    return record.get("split") or "", record.get("label"), record.get("platform")


@dataclass
class Row:
    """One data row of an input file: the values by header name and where it came from."""

    file: Path
    line: int
    values: dict[str, str]

    def get(self, column: str) -> str:
        """The stripped value of ``column`` ('' when the column is absent or empty)."""
        return (self.values.get(column) or "").strip()


def count_lines(paths: Iterable[Path]) -> int:
    """Physical lines of the files (the progress bar's total; a cheap byte scan)."""
    total = 0
    for path in paths:
        with open(path, "rb") as fh:
            total += sum(chunk.count(b"\n") for chunk in iter(lambda: fh.read(1 << 20), b""))
    return total


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
        return value[1:-1].replace('""', '"')
    return value


def _open_quote(field: str) -> bool:
    """Whether a pandas-quoted field starts here and does not end on this line (an odd number of quotes)."""
    return field.startswith('"') and field.count('"') % 2 == 1


def read_tsv(
    path: Path,
    report: ImportReport,
    *,
    header: list[str] | None = None,
    text_column: str | None = None,
    unquote: bool = False,
) -> Iterator[Row]:
    """Rows of a tab-separated file read line by line (no quoting rules that can swallow lines).

    ``header`` names the columns of a file without a header line; otherwise the first line is the header.
    A row with more fields than columns is repaired by joining the surplus into ``text_column`` (the free
    text is where stray tabs come from) when one is given, else skipped; a row with fewer fields is
    skipped. ``unquote`` strips the double quotes pandas puts around fields that contain quotes; with it, a
    quoted field that runs over a line break (Fakeddit titles with a newline: the row continues on the next
    line(s)) is joined back, at most :data:`MAX_JOINED_LINES` lines, and only when the joined row then has
    exactly its columns; otherwise the lines are read one by one as before.
    """
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        columns = header
        pending: deque[tuple[int, str]] = deque()
        lines = enumerate(fh, start=1)

        def next_line() -> tuple[int, str] | None:
            return pending.popleft() if pending else next(lines, None)

        while (item := next_line()) is not None:
            number, raw = item
            line = raw.rstrip("\r\n")
            if columns is None:
                columns = [c.strip().lstrip("\ufeff") for c in line.split("\t")]
                continue
            if not line.strip():
                report.problem(path, number, "empty line")
                continue
            report.rows += 1
            fields = line.split("\t")
            if unquote and len(fields) < len(columns) and _open_quote(fields[-1]):
                joined, taken = line, []
                while len(taken) < MAX_JOINED_LINES and (more := next_line()) is not None:
                    taken.append(more)
                    joined += "\n" + more[1].rstrip("\r\n")
                    parts = joined.split("\t")
                    if len(parts) >= len(columns) or not _open_quote(parts[-1]):
                        break
                parts = joined.split("\t")
                if taken and len(parts) == len(columns):
                    line, fields = joined, parts
                    end = taken[-1][0]
                    report.problem(
                        path, number, f"quoted field over line breaks: lines {number}-{end}", "repaired"
                    )
                else:
                    pending.extendleft(reversed(taken))  # not one row after all: read them one by one
            if "\ufffd" in line:
                report.problem(path, number, "bytes that are not UTF-8 replaced", "repaired")
            if len(fields) > len(columns) and text_column in columns:
                at = columns.index(text_column)
                surplus = len(fields) - len(columns)
                fields[at : at + surplus + 1] = [" ".join(fields[at : at + surplus + 1])]
                report.problem(
                    path,
                    number,
                    f"shifted columns: {surplus} extra tab(s) joined into {text_column}",
                    "repaired",
                )
            if len(fields) != len(columns):
                report.problem(
                    path, number, f"shifted columns: {len(fields)} fields, expected {len(columns)}"
                )
                continue
            if unquote:
                fields = [_unquote(f) for f in fields]
            yield Row(path, number, dict(zip(columns, fields, strict=True)))


def read_csv(path: Path, report: ImportReport) -> Iterator[Row]:
    """Rows of a comma-separated file with a header (RFC 4180 quoting), each with its starting line.

    Fields up to :data:`MAX_CSV_FIELD_CHARS` are read (the csv module's limit is process-wide: it is raised
    while this file is read and put back afterwards); a longer field makes its row unreadable (filed).
    """
    previous = csv.field_size_limit(MAX_CSV_FIELD_CHARS)
    try:
        yield from _read_csv(path, report)
    finally:
        csv.field_size_limit(previous)


def _read_csv(path: Path, report: ImportReport) -> Iterator[Row]:
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        reader = csv.reader(fh)
        try:
            columns = [c.strip().lstrip("\ufeff") for c in next(reader)]
        except StopIteration:
            return
        except csv.Error as exc:
            raise FinefakeError(f"{path}: cannot read the header line ({exc})") from exc
        while True:
            start = reader.line_num + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:  # e.g. a field larger than the csv module allows
                report.rows += 1
                report.problem(path, start, f"unreadable row: {exc}")
                continue
            if not any(f.strip() for f in fields):
                report.problem(path, start, "empty line")
                continue
            report.rows += 1
            if reader.line_num > start:
                report.problem(path, start, f"quoted field spans lines {start}-{reader.line_num}", "repaired")
            if len(fields) != len(columns):
                report.problem(path, start, f"shifted columns: {len(fields)} fields, expected {len(columns)}")
                continue
            yield Row(path, start, dict(zip(columns, fields, strict=True)))


def require_columns(path: Path, columns: Iterable[str], needed: Iterable[str], what: str) -> None:
    """Raise a one-line error when a file lacks columns the format requires."""
    missing = [c for c in needed if c not in set(columns)]
    if missing:
        raise FinefakeError(f"{path} is not a {what} file: column(s) {', '.join(missing)} missing")


def header_of(path: Path, delimiter: str = "\t") -> list[str]:
    """The header names of a delimited file (first line)."""
    with open(path, encoding="utf-8", errors="replace", newline="") as fh:
        first = fh.readline().rstrip("\r\n")
    if delimiter == ",":
        return [c.strip().lstrip("\ufeff") for c in next(csv.reader([first]), [])]
    return [c.strip().lstrip("\ufeff") for c in first.split(delimiter)]


def find_files(path: Path, accept: Callable[[Path], bool], what: str) -> list[Path]:
    """``path`` itself when it is a file, else the accepted files under it (sorted); error when none."""
    if not path.exists():
        raise FinefakeError(f"{path} does not exist")
    if path.is_file():
        return [path]
    found = sorted(p for p in path.rglob("*") if p.is_file() and accept(p))
    if not found:
        raise FinefakeError(f"no {what} files found under {path}")
    return found


class ImageFolder:
    """Image files of a dataset folder found by file stem (the datasets name images by their id).

    Each file is stored once in the workspace's content-addressed image store, however many items share it.
    """

    def __init__(self, root: Path | None, max_bytes: int = MAX_IMAGE_BYTES):
        self.root, self.max_bytes = root, max_bytes
        self.index: dict[str, Path] = {}
        self._stored: dict[Path, dict[str, Any] | str] = {}
        if root is not None:
            if not root.is_dir():
                raise FinefakeError(f"image folder {root} does not exist")
            for folder, _, names in os.walk(root):
                for name in names:
                    stem, suffix = os.path.splitext(name)
                    if suffix.lower() in IMAGE_SUFFIXES:
                        self.index.setdefault(stem.lower(), Path(folder) / name)

    def store(self, ws: Workspace, image_id: str, report: ImportReport, row: Row) -> dict[str, Any] | None:
        """The stored ``image`` record for ``image_id``, or None (missing or rejected, counted and noted)."""
        path = self.index.get(image_id.strip().lower())
        if path is None:
            report.missing_images += 1
            return None
        if path not in self._stored:
            try:
                size = path.stat().st_size
                if size > self.max_bytes:
                    raise ImageRejected("too_large", f"{size} bytes")
                self._stored[path] = ws.images.put(path.read_bytes(), max_bytes=self.max_bytes)
            except ImageRejected as exc:
                self._stored[path] = exc.reason
        stored = self._stored[path]
        if isinstance(stored, str):
            report.rejected_images[stored] += 1
            report.problem(row.file, row.line, f"image {image_id} rejected: {stored}", "kept")
            return None
        return stored


def new_record(
    dataset: str,
    item: str,
    *,
    platform: str,
    text: str,
    labels: dict[str, int],
    domains: dict[str, str],
    split: str | None,
    label: int | None,
    title: str = "",
    url: str = "",
    topic: str | None = None,
    platform_group: str | None = None,
    authors: list[str] | None = None,
    published: str | None = None,
    images: list[dict[str, Any]] | None = None,
    metadata: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A ``record`` of a third-party dataset: its own labels/domains/split, FineFake-only fields empty."""
    return {
        "id": item,
        "dataset": dataset,
        "platform": platform,
        "platform_group": platform_group,
        "topic": topic,
        "url": url,
        "title": title,
        "text": text,
        "authors": authors or [],
        "published": published,
        "images": images or [],
        "comments": [],
        "fact_check": None,
        "duplicate_cluster": None,
        "metadata": {"source": dataset, **(metadata or {})},
        "entities": [],
        "relation_triples": [],
        "attribute_triples": [],
        "annotations": [],
        "label": label,
        "fine_grained_label": None,
        "decision": {"method": "imported", "decided_by": [], "agreement": None},
        "knowledge_embedding": None,
        "split": split,
        "domains": domains,
        "labels": labels,
    }


Converted = tuple[Row, dict[str, Any] | None]


def write_import(
    ws: Workspace,
    report: ImportReport,
    converted: Iterable[Converted],
    *,
    total: int | None,
    settings: dict[str, Any],
    stage: str = "records",
) -> ImportReport:
    """Write converted rows to ``stage`` (replacing it): duplicates and contract breaks are filed, not fatal.

    ``converted`` yields (row, record or None); None means the converter already filed the row's problem.
    The previous records stay in place until the new ones are complete (replacing writer).
    """
    seen: dict[str, tuple[str, int]] = {}
    strata: dict[str, tuple[str, Any, Any]] = {}  # id -> (official split or "", label, platform)
    with ws.run(stage, inputs=report.files, config=settings) as run:
        with ws.writer(stage, None, mode="replace") as writer:  # validated below, with file and line
            for row, record in track(converted, f"importing {report.dataset}", total=total):
                if record is None:
                    continue
                first = seen.get(record["id"])
                if first is not None:
                    report.problem(
                        row.file, row.line, f"duplicate id {record['id']} (first at {first[0]}:{first[1]})"
                    )
                    continue
                errors = list(iter_errors("record", record))
                if errors:
                    report.problem(
                        row.file, row.line, f"invalid field {errors[0].path}: {errors[0].expected}"
                    )
                    continue
                seen[record["id"]] = (row.file.name, row.line)
                report.modalities.update(record_modalities(record))
                strata[record["id"]] = split_stratum(record)
                writer.write(record)
                report.written += 1
                report.splits[record.get("split") or "none"] += 1
                report.labels[str(record.get("label"))] += 1
                report.topics[str(record.get("topic"))] += 1
                for kind, value in record["domains"].items():
                    report.domains[f"{kind}={value}"] += 1
        run.counts.update({"rows": report.rows, "written": report.written, "skipped": report.skipped})
        run.extra["dataset"] = report.dataset
        run.extra["import_report"] = {k: v for k, v in report.as_dict().items() if k != "problems"}
        atomic_write_json(ws.stage_dir(stage) / "import_report.json", report.as_dict())
        split = benchmark_split(strata)
        atomic_write_json(ws.stage_dir(stage) / SPLIT_FILE, split)
        if report.written:
            from finefake.benchmarks.specs import write_settings_file

            records = list(ws.read(stage))
            write_settings_file(
                ws.stage_dir(stage) / SETTINGS_FILE, report.dataset, records, split, SPLIT_FILE
            )
        run.extra["benchmark_split"] = dict(Counter(split.values()))
    return report


SPLIT_FILE = "splits.json"
SETTINGS_FILE = "settings.json"
#: Seed of the parts finefake adds to a release's split (a validation part; a whole split where none exists).
SPLIT_SEED = 0


def benchmark_split(strata: dict[str, tuple[str, Any, Any]]) -> dict[str, str]:
    """The split ``bench`` uses by default (id -> train/validation/test), written beside the records.

    It is the release's official split where the release has one. A release without a validation part
    (MediaEval) gets one from 10% of its training part, and a release without any split (FakeNewsNet) a
    6:2:2 split; both stratified by (label, platform) with a fixed seed, as ``finefake package`` does, so that
    model selection never looks at test items and every user of the import gets the same cut.
    """
    from finefake.dataset.splits import DEFAULT_RATIOS, SPLIT_NAMES, stratified_group_split

    split = {item: official for item, (official, _, _) in strata.items() if official}
    unsplit = [item for item in strata if item not in split]
    if unsplit:
        parts = stratified_group_split(
            [strata[i][1:] for i in unsplit], None, DEFAULT_RATIOS, SPLIT_SEED, ids=unsplit
        )
        split.update({item: SPLIT_NAMES[k] for item, k in zip(unsplit, parts, strict=True)})
    if "validation" not in split.values():
        train = [item for item, part in split.items() if part == "train"]
        parts = stratified_group_split(
            [strata[i][1:] for i in train], None, (0.9, 0.1), SPLIT_SEED, ids=train
        )
        split.update({item: "validation" for item, k in zip(train, parts, strict=True) if k == 1})
    return split
