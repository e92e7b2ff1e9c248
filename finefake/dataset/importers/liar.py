"""LIAR v1.0: 12.8K PolitiFact statements with six truthfulness labels, as records.

Wang, "'Liar, Liar Pants on Fire': A New Benchmark Dataset for Fake News Detection", ACL 2017. The release
is ``train.tsv``, ``valid.tsv`` and ``test.tsv`` (the official split), tab-separated, no header, 14 columns:
statement id (``2635.json``), label, statement, subjects (comma-separated), speaker, speaker's job title,
state, party, the speaker's five credit-history counts (barely true, false, half true, mostly true, pants on
fire) and the context (venue). The six labels are the fine-grained label space ``six_way``; the binary label
follows the documented mapping in ``binary_mappings.yaml``; subjects map to FineFake topics through
``liar_subjects.yaml``. Speaker, job, state, party, subjects, counts and context are kept as metadata; the
party is the record's ``party`` domain.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import yaml

from finefake.dataset.importers.common import (
    Converted,
    ImportReport,
    Row,
    SourceInfo,
    count_lines,
    find_files,
    new_record,
    read_tsv,
    write_import,
)
from finefake.dataset.specs import binary_mapping, load_spec
from finefake.errors import FinefakeError
from finefake.workspace import Workspace

DATASET = "liar"
SOURCE = SourceInfo(
    title="LIAR v1.0 (PolitiFact statements)",
    citation=(
        'William Yang Wang. 2017. "Liar, Liar Pants on Fire": A New Benchmark Dataset for Fake News Detection. '
        "In Proceedings of the 55th Annual Meeting of the Association for Computational Linguistics "
        "(Volume 2: Short Papers), pages 422-426."
    ),
    homepage="https://www.cs.ucsb.edu/~william/data/liar_dataset.zip",
    terms="Statements and ratings were collected from PolitiFact.com; PolitiFact's terms apply to them.",
)
COLUMNS = [
    "id",
    "label",
    "statement",
    "subjects",
    "speaker",
    "speaker_job",
    "state",
    "party",
    "barely_true_count",
    "false_count",
    "half_true_count",
    "mostly_true_count",
    "pants_on_fire_count",
    "context",
]
#: The release's official split (rows of train/valid/test.tsv, one statement a line; stated in the card).
OFFICIAL_COUNTS = {"release": "train 10,269, validation 1,284, test 1,283 statements (train/valid/test.tsv)"}
SPLITS = {
    "train": "train",
    "valid": "validation",
    "validation": "validation",
    "dev": "validation",
    "test": "test",
}


@dataclass
class LiarConfig:
    path: Path
    split: str | None = None


@cache
def subject_topics() -> dict[str, str]:
    """LIAR subject -> FineFake topic (``finefake/data/liar_subjects.yaml``)."""
    text = resources.files("finefake.data").joinpath("liar_subjects.yaml").read_text(encoding="utf-8")
    index: dict[str, str] = {}
    for topic, subjects in yaml.safe_load(text)["topics"].items():
        for subject in subjects:
            index[str(subject).strip().lower()] = topic
    return index


def topic_of(subjects: list[str]) -> str | None:
    """The topic of the first subject the table lists, or None."""
    table = subject_topics()
    return next((table[s] for s in subjects if s in table), None)


def split_of(path: Path, given: str | None) -> str:
    if given:
        return given
    stem = path.stem.lower()
    if stem in SPLITS:
        return SPLITS[stem]
    raise FinefakeError(f"cannot tell the split of {path} (expected train/valid/test.tsv); pass --split")


def _count(value: str) -> int | None:
    try:
        return int(float(value))
    except ValueError:
        return None


def convert(row: Row, report: ImportReport, split: str):
    """One LIAR row as a record, or None with the problem filed."""
    statement_id, raw_label = row.get("id"), row.get("label").lower()
    if not statement_id or any(c.isspace() for c in statement_id):
        report.problem(row.file, row.line, f"bad field id: {statement_id[:40]!r}")
        return None
    spec = load_spec(DATASET)
    try:
        six = spec.index("six_way", raw_label)
    except ValueError:
        report.problem(row.file, row.line, f"bad field label: {raw_label[:40]!r} is not a LIAR label")
        return None
    if not row.get("statement"):
        report.problem(row.file, row.line, "empty field statement", "kept")
    subjects = [s.strip().lower() for s in row.get("subjects").split(",") if s.strip()]
    binary = binary_mapping(DATASET)[raw_label]
    party = row.get("party").lower()
    metadata = {
        "statement_id": statement_id,
        "subjects": subjects,
        "speaker": row.get("speaker") or None,
        "speaker_job": row.get("speaker_job") or None,
        "state": row.get("state") or None,
        "party": party or None,
        "credit_history": {k[: -len("_count")]: _count(row.get(k)) for k in COLUMNS if k.endswith("_count")},
        "context": row.get("context") or None,
        "file": row.file.name,
        "line": row.line,
    }
    speaker = row.get("speaker")
    return new_record(
        DATASET,
        f"{DATASET}:{statement_id}",
        platform="politifact",
        platform_group="fact_check",
        text=row.get("statement"),
        authors=[speaker] if speaker else [],
        topic=topic_of(subjects),
        labels={"six_way": six, "binary": binary},
        label=binary,
        domains={"party": party} if party else {},
        split=split,
        metadata=metadata,
    )


def _rows(config: LiarConfig, files: list[Path], report: ImportReport) -> Iterator[Converted]:
    for path in files:
        split = split_of(path, config.split)
        for row in read_tsv(path, report, header=COLUMNS, text_column="statement"):
            yield row, convert(row, report, split)


def import_liar(ws: Workspace, config: LiarConfig) -> ImportReport:
    """Import LIAR TSV files (a file, or a folder holding train/valid/test.tsv) into stage ``records``."""
    files = find_files(
        config.path,
        lambda p: p.suffix.lower() == ".tsv" and p.stem.lower() in SPLITS,
        "LIAR train/valid/test.tsv",
    )
    report = ImportReport(DATASET, files=[str(p) for p in files])
    report.conditions = {"subset": "LIAR v1.0"}
    settings = {"path": str(config.path), "split": config.split}
    return write_import(ws, report, _rows(config, files, report), total=count_lines(files), settings=settings)
