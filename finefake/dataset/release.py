"""Import the official FineFake release (Zhou et al., 2024) as ``record`` records in stage ``records``.

The release is one pickled pandas DataFrame with 13 columns: text, image_path (relative to the image folder),
entity_id (Wikidata ids of the linked text entities), topic, label (0 fake, 1 real), "fine-grained label"
(0-5, same encoding as ours), knowledge_embedding (a float vector per item), description (one description per
entity), relation, platform (e.g. "Snopes", "Washingtonpos"), author, date and comment. The README documents
the column meanings but not their Python types, so every column is read defensively: NaN/None mean "absent",
lists may be Python lists, tuples or numpy arrays of any length, dates may be strings or Timestamps.

The release has no URL, title, mention offsets or linker scores. What the contract requires but the release
lacks is filled with empty values and said so in ``metadata.release_gaps``; whatever cannot be mapped onto the
contract (e.g. a relation entry that is not a (head, property, tail) triple) is kept verbatim in
``metadata.release``. No row is dropped silently: skipped rows and missing or rejected images are counted in
the report (``records/import_report.json``) with examples.
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from finefake.console import track
from finefake.contract import (
    FINE_GRAINED_NAMES,
    LABEL_NAMES,
    PLATFORM_GROUP,
    normalize_platform,
    normalize_topic,
)
from finefake.dataset.unpickle import MAX_PICKLE_BYTES, load_release_frame
from finefake.errors import FinefakeError
from finefake.images import MAX_IMAGE_BYTES, ImageRejected
from finefake.records import iter_errors
from finefake.workspace import Workspace, atomic_write_json

RELEASE_COLUMNS: tuple[str, ...] = (
    "text",
    "image_path",
    "entity_id",
    "topic",
    "label",
    "fine-grained label",
    "knowledge_embedding",
    "description",
    "relation",
    "platform",
    "author",
    "date",
    "comment",
)
REQUIRED_COLUMNS: tuple[str, ...] = ("text", "topic", "label", "platform")
_QID = re.compile(r"^Q[1-9][0-9]*$")
_PID = re.compile(r"^P[1-9][0-9]*$")
_MAX_EXAMPLES = 20


@dataclass
class ImportConfig:
    """Where the release and its images are, and how far to trust the pickle."""

    path: Path
    images: Path | None = None
    trust_pickle: bool = False
    max_pickle_bytes: int = MAX_PICKLE_BYTES
    max_image_bytes: int = MAX_IMAGE_BYTES
    stage: str = "records"


@dataclass
class ImportReport:
    """What the import did, row by row accounted for."""

    rows: int = 0
    written: int = 0
    skipped: Counter = field(default_factory=Counter)
    missing_images: int = 0
    rejected_images: Counter = field(default_factory=Counter)
    without_image_path: int = 0
    unparsed_dates: int = 0
    dropped_entity_ids: int = 0
    unmapped_relations: int = 0
    examples: list[str] = field(default_factory=list)

    def note(self, text: str) -> None:
        if len(self.examples) < _MAX_EXAMPLES:
            self.examples.append(text)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["skipped"] = dict(self.skipped)
        data["rejected_images"] = dict(self.rejected_images)
        return data


def _missing(value: Any) -> bool:
    """True for None, NaN, NaT and pandas.NA (scalars only; containers are never 'missing')."""
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    try:
        import pandas as pd

        return bool(pd.api.types.is_scalar(value) and pd.isna(value))
    except (TypeError, ValueError):
        return False


def _as_list(value: Any) -> list[Any]:
    """A release cell as a list: lists/tuples/arrays/Series as is, a scalar as [scalar], missing as []."""
    if value is None:
        return []
    if hasattr(value, "tolist") and not isinstance(value, str):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return list(value)
    if _missing(value):
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("[") and text.endswith("]"):
            try:
                parsed = json.loads(text)
                if isinstance(parsed, list):
                    return parsed
            except json.JSONDecodeError:
                pass
        return [value] if text else []
    return [value]


def _jsonable(value: Any) -> Any:
    """A release cell as plain JSON (numpy arrays/scalars, Timestamps, NaN) for ``metadata.release``."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if hasattr(value, "tolist") and not isinstance(value, str):
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if _missing(value):
        return None
    if isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, float):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _platform(value: Any) -> str:
    name = str(value).strip()
    try:
        return normalize_platform(name)
    except ValueError:
        pass
    try:  # the release also spells domains ("Cdc.gov"); try without the top-level domain
        return normalize_platform(re.sub(r"\.(gov|com|org|net)$", "", name.lower()))
    except ValueError:
        raise ValueError(f"unknown platform {name!r}") from None


def _class(value: Any, size: int, column: str) -> int:
    if _missing(value):
        raise ValueError(f"'{column}' is missing")
    if column == "label" and str(value).strip().lower() in LABEL_NAMES:
        return LABEL_NAMES.index(str(value).strip().lower())
    try:
        number = int(float(value))
    except (TypeError, ValueError) as exc:
        raise ValueError(f"'{column}' is {value!r}, not a class id") from exc
    if number != float(value) or not 0 <= number < size:
        raise ValueError(f"'{column}' is {value!r}, expected 0..{size - 1}")
    return number


def _date(value: Any, report: ImportReport) -> str | None:
    if _missing(value):
        return None
    import pandas as pd

    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError, OverflowError):
        stamp = None
    if stamp is None or pd.isna(stamp):
        report.unparsed_dates += 1
        return None
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.isoformat()


def _qid(value: Any) -> str | None:
    if _missing(value):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and float(value).is_integer():
        value = f"Q{int(value)}"
    text = str(value).strip()
    text = text.rsplit("/", 1)[-1]  # http://www.wikidata.org/entity/Q42 -> Q42
    return text if _QID.match(text) else None


def _description_text(value: Any) -> str:
    """An entity description; tuples/lists (e.g. (qid, name, description)) give their last text element."""
    if isinstance(value, (list, tuple)):
        texts = [str(v) for v in value if isinstance(v, str)]
        return texts[-1] if texts else ""
    return "" if _missing(value) else str(value)


def _entities(row: dict[str, Any], report: ImportReport) -> list[dict[str, Any]]:
    ids = _as_list(row.get("entity_id"))
    descriptions = _as_list(row.get("description"))
    aligned = len(descriptions) == len(ids)
    entities = []
    for index, raw in enumerate(ids):
        qid = _qid(raw)
        if qid is None:
            report.dropped_entity_ids += 1
            continue
        description = _description_text(descriptions[index]) if aligned else ""
        entities.append(
            {
                "mention": "",
                "start": 0,
                "end": 0,
                "qid": qid,
                "wikipedia_title": None,
                "label": "",
                "description": description,
                "rho": 1.0,
                "source": "auto",
                "reviewer": None,
            }
        )
    return entities


def _relation_triples(value: Any, report: ImportReport) -> tuple[list[dict[str, Any]], bool]:
    """(head, property, tail) entries as relation triples; returns (triples, everything_mapped)."""
    triples, complete = [], True
    for entry in _as_list(value):
        if isinstance(entry, dict):
            parts = [entry.get(k) for k in ("head", "property", "tail")]
        elif isinstance(entry, (list, tuple)) or hasattr(entry, "tolist"):
            parts = list(entry.tolist() if hasattr(entry, "tolist") else entry)
        else:
            parts = []
        if len(parts) == 3:
            head, prop, tail = _qid(parts[0]), str(parts[1]).strip().rsplit("/", 1)[-1], _qid(parts[2])
            if head and tail and _PID.match(prop):
                triples.append(
                    {"head": head, "property": prop, "property_label": "", "tail": tail, "tail_label": ""}
                )
                continue
        complete = False
        report.unmapped_relations += 1
    return triples, complete


def _comments(value: Any, item: str) -> list[dict[str, Any]]:
    comments = []
    for index, entry in enumerate(_as_list(value)):
        if isinstance(entry, dict):
            text = entry.get("text") or entry.get("body") or entry.get("comment")
            author = entry.get("author")
        else:
            text, author = entry, None
        if _missing(text) or not str(text).strip():
            continue
        comments.append(
            {
                "id": f"{item}/c{index}",
                "author": None if _missing(author) else str(author),
                "text": str(text),
                "created": None,
                "parent_id": None,
                "score": None,
            }
        )
    return comments


def _authors(value: Any) -> list[str]:
    return [str(a).strip() for a in _as_list(value) if not _missing(a) and str(a).strip()]


def _embedding(value: Any) -> list[float] | None:
    values = _as_list(value)
    if not values:
        return None
    try:
        floats = [float(v) for v in values]
    except (TypeError, ValueError):
        return None
    return floats if all(math.isfinite(v) for v in floats) else None


#: What :func:`_resolve_image` returns for a path that is absolute or leads out of the image folder.
OUTSIDE = Path("/nonexistent/outside-the-image-folder")


def _resolve_image(rel: str, roots: list[Path]) -> Path | None:
    """The image file for a release path, looked up under each root; never escapes a root.

    An absolute path, or one that resolves (``..``, a symbolic link) outside every root, is never opened:
    :data:`OUTSIDE` is returned and the image counted as rejected. None means not found.
    """
    rel_path = Path(rel.replace("\\", "/"))
    if rel_path.is_absolute() or re.match(r"^[A-Za-z]:", rel):
        return OUTSIDE
    try:
        for root in roots:
            real_root = root.resolve()
            primary = (root / rel_path).resolve()
            if not primary.is_relative_to(real_root):
                return OUTSIDE
            if primary.is_file():
                return primary
            fallback = (root / rel_path.name).resolve()  # releases that flattened their image folders
            if fallback.is_file():
                return fallback if fallback.is_relative_to(real_root) else OUTSIDE
    except (OSError, ValueError):  # a NUL byte, a loop of links
        return None
    return None


def convert_row(
    position: int,
    index: Any,
    row: dict[str, Any],
    ws: Workspace,
    image_roots: list[Path],
    report: ImportReport,
    *,
    max_image_bytes: int = MAX_IMAGE_BYTES,
) -> dict[str, Any]:
    """Release row number ``position`` (index label ``index``) as a ``record``.

    The id is ``<platform>:finefake-<position>``: stable for a given release file even when its index labels
    repeat. Raises ValueError naming the column when a required value cannot be read.
    """
    platform = _platform(row.get("platform"))
    topic = normalize_topic(str(row.get("topic")))
    label = _class(row.get("label"), 2, "label")
    fine = row.get("fine-grained label")
    fine_grained = (
        (0 if label == 1 else 5)
        if _missing(fine)
        else _class(fine, len(FINE_GRAINED_NAMES), "fine-grained label")
    )
    item = f"{platform}:finefake-{position}"
    gaps = ["url", "title", "entity mention/offsets/rho/label", "relation labels"]
    if _missing(fine):
        gaps.append("fine-grained label (derived from the binary label)")

    images, image_path = [], row.get("image_path")
    if _missing(image_path) or not str(image_path).strip():
        report.without_image_path += 1
    else:
        found = _resolve_image(str(image_path).strip(), image_roots)
        if found is OUTSIDE:
            report.rejected_images["outside_image_folder"] += 1
            report.note(
                f"{item}: image path {str(image_path)[:200]!r} leads outside the image folder; not read"
            )
        elif found is None:
            report.missing_images += 1
            report.note(f"{item}: image file {image_path!s} not found")
        else:
            try:
                size = found.stat().st_size
                if size > max_image_bytes:
                    raise ImageRejected("too_large", f"{size} bytes")
                images.append(ws.images.put(found.read_bytes(), max_bytes=max_image_bytes))
            except ImageRejected as exc:
                report.rejected_images[exc.reason] += 1
                report.note(f"{item}: image {image_path!s} rejected ({exc})")

    triples, relations_mapped = _relation_triples(row.get("relation"), report)
    release_extra: dict[str, Any] = {
        "row": position,
        "index": _jsonable(index),
        "image_path": _jsonable(image_path),
    }
    if not relations_mapped:
        release_extra["relation"] = _jsonable(row.get("relation"))
    if len(_as_list(row.get("description"))) != len(_as_list(row.get("entity_id"))):
        release_extra["description"] = _jsonable(row.get("description"))
    if not _missing(row.get("date")) and _date(row.get("date"), ImportReport()) is None:
        release_extra["date"] = _jsonable(row.get("date"))
    for column, value in row.items():  # columns beyond the documented 13 (e.g. title in early releases)
        if column not in RELEASE_COLUMNS:
            release_extra.setdefault("extra_columns", {})[str(column)] = _jsonable(value)

    title = row.get("title")
    return {
        "id": item,
        "platform": platform,
        "platform_group": PLATFORM_GROUP[platform],
        "topic": topic,
        "url": "",
        "title": "" if _missing(title) else str(title),
        "text": "" if _missing(row.get("text")) else str(row.get("text")),
        "authors": _authors(row.get("author")),
        "published": _date(row.get("date"), report),
        "images": images,
        "comments": _comments(row.get("comment"), item),
        "fact_check": None,
        "duplicate_cluster": None,
        "metadata": {"source": "finefake-release", "release": release_extra, "release_gaps": gaps},
        "entities": _entities(row, report),
        "relation_triples": triples,
        "attribute_triples": [],
        "annotations": [],
        "label": label,
        "fine_grained_label": fine_grained,
        "decision": {"method": "imported", "decided_by": [], "agreement": None},
        "knowledge_embedding": _embedding(row.get("knowledge_embedding")),
    }


def import_release(ws: Workspace, config: ImportConfig) -> ImportReport:
    """Convert the release at ``config.path`` into ``record`` records in stage ``config.stage`` (replacing it).

    Rows whose label, topic or platform cannot be read are skipped and counted by reason; everything else is
    written. The report goes to ``<stage>/import_report.json`` and into the stage manifest.
    """
    frame = load_release_frame(
        config.path, trust_pickle=config.trust_pickle, max_bytes=config.max_pickle_bytes
    )
    missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
    if missing:
        raise FinefakeError(
            f"{config.path} is not a FineFake release: column(s) {', '.join(missing)} missing "
            f"(found: {', '.join(map(str, frame.columns))})"
        )
    roots = [config.images] if config.images else [config.path.parent]  # never beyond --images
    report = ImportReport(rows=len(frame))
    settings = {
        "path": str(config.path),
        "images": str(config.images) if config.images else None,
        "trust_pickle": config.trust_pickle,
    }
    with ws.run(config.stage, inputs=[str(config.path)], config=settings) as run:
        with ws.writer(config.stage, None, mode="replace") as writer:  # validated below
            columns = [str(c) for c in frame.columns]
            rows = enumerate(zip(frame.index, frame.itertuples(index=False, name=None), strict=True))
            for position, (index, values) in track(rows, "importing FineFake release", total=len(frame)):
                row = dict(zip(columns, values, strict=True))
                try:
                    record = convert_row(
                        position, index, row, ws, roots, report, max_image_bytes=config.max_image_bytes
                    )
                except ValueError as exc:
                    reason = str(exc).split(";")[0]
                    report.skipped[reason if len(reason) < 80 else reason[:80]] += 1
                    report.note(f"row {position}: skipped ({exc})")
                    continue
                errors = list(iter_errors("record", record))
                if errors:
                    report.skipped[f"invalid {errors[0].path}"] += 1
                    report.note(f"row {position}: skipped ({errors[0]})")
                    continue
                writer.write(record)
                report.written += 1
        run.counts.update(
            {
                "rows": report.rows,
                "written": report.written,
                "skipped": sum(report.skipped.values()),
                "missing_images": report.missing_images,
            }
        )
        run.extra["import_report"] = report.as_dict()
        atomic_write_json(ws.stage_dir(config.stage) / "import_report.json", report.as_dict())
    return report
