"""``finefake knowledge build-kb DUMP``: the offline linker's index and triple store from a Wikidata JSON dump.

The dump (``latest-all.json.gz`` / ``.bz2`` / plain) is one JSON array with one entity per line. It is read as a
stream, one line at a time, so memory stays bounded whatever its size; two files come out in ``OUT``:

``index.sqlite``
    what :class:`~finefake.knowledge.linking.indexed.IndexedLinker` needs: every item's English label,
    description and kind (person / place / organisation from its ``instance of``), every English label and
    alias as a lookup key, and each item's context profile (IDF-weighted, unit-length word vector of its label,
    description and aliases) with the IDF table.
``store.nt``
    N-Triples in Wikidata's own RDF vocabulary (labels, descriptions, aliases, best-rank direct statements,
    property types), which :class:`~finefake.knowledge.store.LocalStore` loads as the embedded triple store.

Resumable: rows and the N-Triples file advance together; every ``commit_every`` entities the SQLite transaction
commits the number of dump lines done and the N-Triples size, so a killed run restarts from its last commit
(the N-Triples file is cut back to the recorded size). ``types`` keeps only items that are an instance of one
of the given classes (direct ``P31``); properties are always kept for their labels and types.

Hostile or damaged dumps: a line longer than ``max_line_bytes`` is skipped without ever being held whole (so a
gzip bomb with no newline reads in bounded memory), and a line that is not JSON, nests too deep or has the
wrong shape is skipped; each is counted in ``skipped_bad`` with its line number (the first
:data:`MAX_BAD_LINES` are listed). An entity id seen twice keeps its first line only (one row per id).
"""

from __future__ import annotations

import bz2
import gzip
import hashlib
import json
import math
import os
import re
import sqlite3
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import IO, Any

from finefake.errors import FinefakeError
from finefake.knowledge.linking.local import (
    ORG_CLASSES,
    PERSON_CLASSES,
    PLACE_CLASSES,
    surface_key,
    tokens,
)
from finefake.workspace import folder_lock

WD = "http://www.wikidata.org/entity/"
WDT = "http://www.wikidata.org/prop/direct/"
RDFS_LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
SCHEMA_DESCRIPTION = "<http://schema.org/description>"
SKOS_ALT = "<http://www.w3.org/2004/02/skos/core#altLabel>"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
WIKIBASE = "http://wikiba.se/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
PROPERTY_TYPES = {
    "wikibase-item": "WikibaseItem",
    "external-id": "ExternalId",
    "string": "String",
    "time": "Time",
    "quantity": "Quantity",
    "monolingualtext": "Monolingualtext",
    "url": "Url",
    "commonsMedia": "CommonsMedia",
    "globe-coordinate": "GlobeCoordinate",
    "wikibase-property": "WikibaseProperty",
    "math": "Math",
}
#: Wikidata classes whose instances are people, places or organisations (the linker's type check).
KIND_CLASSES = {
    "Q5": "person",
    **dict.fromkeys(
        [
            "Q6256",
            "Q3624078",
            "Q515",
            "Q1549591",
            "Q5119",
            "Q35657",
            "Q23442",
            "Q4022",
            "Q486972",
            "Q1637706",
        ],
        "place",
    ),
    **dict.fromkeys(
        [
            "Q43229",
            "Q4830453",
            "Q891723",
            "Q327333",
            "Q7278",
            "Q484652",
            "Q11032",
            "Q192283",
            "Q476028",
            "Q3918",
        ],
        "org",
    ),
}
_IRI_BAD = re.compile(r'[\x00-\x20<>"{}|^`\\]')
SCHEMA = """
CREATE TABLE IF NOT EXISTS entity (qid TEXT PRIMARY KEY, label TEXT, description TEXT, kind TEXT,
                                   bag TEXT, vector TEXT);
CREATE TABLE IF NOT EXISTS surface (key TEXT, qid TEXT, exact TEXT, weight REAL);
CREATE TABLE IF NOT EXISTS df (token TEXT PRIMARY KEY, n INTEGER);
CREATE TABLE IF NOT EXISTS idf (token TEXT PRIMARY KEY, value REAL);
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT);
CREATE TABLE IF NOT EXISTS seen (qid TEXT PRIMARY KEY);
"""
#: Longest dump line read (real entity lines stay under a few MB); longer ones are skipped and counted.
MAX_LINE_BYTES = 16 * 1024 * 1024
#: Longest label, description or alias kept (Wikidata itself allows 250 characters).
MAX_TERM_CHARS = 1000
#: How many skipped lines the report names (all are counted).
MAX_BAD_LINES = 100
_READ_CHUNK = 1 << 20
_ = (PERSON_CLASSES, PLACE_CLASSES, ORG_CLASSES)  # the in-memory linker's class names for the same kinds


@dataclass
class BuildKbConfig:
    """What ``build-kb`` reads and writes."""

    dump: Path
    out: Path
    types: tuple[str, ...] = ()
    language: str = "en"
    alias_weight: float = 0.6
    max_aliases: int = 30
    commit_every: int = 20000
    limit: int | None = None
    """Read at most this many dump lines in this run, then stop (resumable; finished when the dump ends)."""
    restart: bool = False
    max_line_bytes: int = MAX_LINE_BYTES
    wait: bool = False
    """Wait for another build on the same ``out`` instead of stopping (two builds would double every row)."""


@dataclass
class BuildKbReport:
    lines_read: int = 0
    entities: int = 0
    properties: int = 0
    skipped_type: int = 0
    skipped_bad: int = 0
    bad_lines: list[str] = field(default_factory=list)
    """``line N: reason`` for the first :data:`MAX_BAD_LINES` skipped lines (all are in ``skipped_bad``)."""
    skipped_duplicate: int = 0
    surfaces: int = 0
    triples: int = 0
    resumed_from: int = 0
    finished: bool = False
    seconds: float = 0.0
    peak_rss_mb: float | None = None
    out: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def open_dump(path: Path) -> IO[bytes]:
    """The dump as a byte stream (gzip, bzip2 or plain, by suffix)."""
    if not path.is_file():
        raise FinefakeError(f"dump file not found: {path}")
    if path.suffix == ".gz":
        return gzip.open(path, "rb")
    if path.suffix == ".bz2":
        return bz2.open(path, "rb")
    return open(path, "rb")


def iter_dump_lines(stream: IO[bytes], max_bytes: int = MAX_LINE_BYTES) -> Iterator[tuple[int, bytes | None]]:
    """(line number, entity line) of a dump: array brackets dropped, trailing commas stripped.

    A line longer than ``max_bytes`` comes out as ``None`` (its number kept); it is skipped by reading, never
    held: memory stays bounded even for a line that never ends.
    """
    lineno = 0
    while True:
        raw = stream.readline(max_bytes + 1)
        if not raw:
            return
        lineno += 1
        if len(raw) > max_bytes and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):  # drop the rest of the over-long line, chunk by chunk
                raw = stream.readline(_READ_CHUNK)
            yield lineno, None
            continue
        line = raw.strip()
        if line in (b"[", b"]", b""):
            continue
        yield lineno, line[:-1] if line.endswith(b",") else line


def _text(value: Any, language: str) -> str:
    entry = value.get(language) if isinstance(value, dict) else None
    text = entry.get("value") if isinstance(entry, dict) else None
    return text if isinstance(text, str) else ""


def _lit(text: str, language: str | None = None, datatype: str | None = None) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    if language:
        return f'"{escaped}"@{language}'
    if datatype:
        return f'"{escaped}"^^<{datatype}>'
    return f'"{escaped}"'


def _iri(value: str) -> str | None:
    return None if _IRI_BAD.search(value) else f"<{value}>"


def _best(statements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Wikidata's "truthy" statements: the preferred ones if any, else the normal ones (never deprecated)."""
    preferred = [s for s in statements if s.get("rank") == "preferred"]
    return preferred or [s for s in statements if s.get("rank", "normal") == "normal"]


def _value_term(snak: dict[str, Any], language: str) -> str | None:
    """The N-Triples object of a statement's main snak (None when it has no simple RDF form here)."""
    if snak.get("snaktype") != "value":
        return None
    dv = snak.get("datavalue") or {}
    kind, value = dv.get("type"), dv.get("value")
    if kind == "wikibase-entityid" and isinstance(value, dict):
        eid = value.get("id") or (f"Q{value['numeric-id']}" if value.get("numeric-id") else None)
        return f"<{WD}{eid}>" if eid and re.fullmatch(r"[QP][1-9][0-9]*", str(eid)) else None
    if kind == "string" and isinstance(value, str):
        if snak.get("datatype") == "url":
            return _iri(value)
        return _lit(value)
    if kind == "time" and isinstance(value, dict) and isinstance(value.get("time"), str):
        stamp = value["time"].lstrip("+")
        if re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", stamp):
            return _lit(stamp.replace("-00", "-01"), datatype=XSD + "dateTime")
        return None
    if kind == "quantity" and isinstance(value, dict):
        amount = str(value.get("amount", "")).lstrip("+")
        return _lit(amount, datatype=XSD + "decimal") if re.fullmatch(r"-?\d+(\.\d+)?", amount) else None
    if kind == "monolingualtext" and isinstance(value, dict) and value.get("language") == language:
        return _lit(str(value.get("text", "")), language)
    return None


def entity_rows(entity: dict[str, Any], language: str, max_aliases: int) -> dict[str, Any] | None:
    """Label, description, aliases, kind, word bag and N-Triples lines of one dump entity (None if unusable)."""
    eid = str(entity.get("id") or "")
    etype = entity.get("type")
    if not re.fullmatch(r"[QP][1-9][0-9]*", eid) or etype not in ("item", "property"):
        return None
    label = _text(entity.get("labels"), language)
    description = _text(entity.get("descriptions"), language)
    by_language = entity.get("aliases") if isinstance(entity.get("aliases"), dict) else {}
    listed = by_language.get(language) if isinstance(by_language.get(language), list) else []
    aliases = [
        a["value"] for a in listed[:max_aliases] if isinstance(a, dict) and isinstance(a.get("value"), str)
    ]
    aliases = [a for a in aliases if a]
    subject = f"<{WD}{eid}>"
    lines = []
    if label:
        lines.append(f"{subject} {RDFS_LABEL} {_lit(label, language)} .")
    if description:
        lines.append(f"{subject} {SCHEMA_DESCRIPTION} {_lit(description, language)} .")
    lines += [f"{subject} {SKOS_ALT} {_lit(a, language)} ." for a in aliases]
    classes: list[str] = []
    claims = entity.get("claims") if isinstance(entity.get("claims"), dict) else {}
    for pid, statements in claims.items():
        if not re.fullmatch(r"P[1-9][0-9]*", pid) or not isinstance(statements, list):
            continue
        for statement in _best([s for s in statements if isinstance(s, dict)]):
            term = _value_term(statement.get("mainsnak") or {}, language)
            if term is None:
                continue
            lines.append(f"{subject} <{WDT}{pid}> {term} .")
            if pid == "P31" and term.startswith(f"<{WD}Q"):
                classes.append(term[len(WD) + 1 : -1])
    if etype == "property":
        lines.append(f"{subject} {RDF_TYPE} <{WIKIBASE}Property> .")
        lines.append(f"{subject} <{WIKIBASE}directClaim> <{WDT}{eid}> .")
        ptype = PROPERTY_TYPES.get(str(entity.get("datatype")))
        if ptype:
            lines.append(f"{subject} <{WIKIBASE}propertyType> <{WIKIBASE}{ptype}> .")
    kind = next((KIND_CLASSES[c] for c in classes if c in KIND_CLASSES), None)
    return {
        "id": eid,
        "type": etype,
        "label": label,
        "description": description,
        "aliases": aliases,
        "classes": classes,
        "kind": kind,
        "bag": Counter(tokens(" ".join([label, description, *aliases]))),
        "lines": lines,
    }


def _peak_rss_mb() -> float | None:
    try:
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    except (ImportError, OSError):
        return None


def _fingerprint(config: BuildKbConfig) -> str:
    stat = config.dump.stat()
    key = json.dumps(
        [str(config.dump.resolve()), stat.st_size, sorted(config.types), config.language, config.max_aliases]
    )
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def build_kb(config: BuildKbConfig) -> BuildKbReport:
    """Stream the dump into ``index.sqlite`` and ``store.nt`` under ``config.out`` (see the module docstring)."""
    started = time.perf_counter()
    config.out.mkdir(parents=True, exist_ok=True)
    db_path, nt_path = config.out / "index.sqlite", config.out / "store.nt"
    with folder_lock(config.out, f"knowledge base {config.out}", wait=config.wait):
        if config.restart:
            for path in (db_path, nt_path):
                path.unlink(missing_ok=True)
        db = sqlite3.connect(db_path)
        db.create_function("ln", 1, math.log, deterministic=True)
        try:
            return _build(config, db, nt_path, started)
        finally:
            db.close()


def shape_error(entity: dict[str, Any], language: str) -> str | None:
    """What is of the wrong JSON type in a dump entity (the parts this build reads), or None."""
    for key in ("labels", "descriptions", "aliases", "claims"):
        if entity.get(key) is not None and not isinstance(entity[key], dict):
            return f"{key} is a {type(entity[key]).__name__}, not an object"
    for key in ("labels", "descriptions"):
        entry = (entity.get(key) or {}).get(language)
        if entry is not None and not (isinstance(entry, dict) and isinstance(entry.get("value", ""), str)):
            return f"{key}.{language} is not an object with a string value"
        if entry is not None and len(entry.get("value", "")) > MAX_TERM_CHARS:
            return f"{key}.{language} is longer than {MAX_TERM_CHARS} characters"
    aliases = (entity.get("aliases") or {}).get(language)
    if aliases is not None and not (
        isinstance(aliases, list)
        and all(isinstance(a, dict) and isinstance(a.get("value", ""), str) for a in aliases)
    ):
        return f"aliases.{language} is not a list of objects with string values"
    if any(len(a.get("value", "")) > MAX_TERM_CHARS for a in aliases or []):
        return f"aliases.{language} holds one longer than {MAX_TERM_CHARS} characters"
    for pid, statements in (entity.get("claims") or {}).items():
        if not isinstance(statements, list) or not all(
            isinstance(s, dict) and isinstance(s.get("mainsnak", {}), dict) for s in statements
        ):
            return f"claims.{str(pid)[:40]} is not a list of statements"
    return None


def _bad(report: BuildKbReport, lineno: int, reason: str) -> None:
    report.skipped_bad += 1
    if len(report.bad_lines) < MAX_BAD_LINES:
        report.bad_lines.append(f"line {lineno}: {reason}")


def _parse_entity(line: bytes, config: BuildKbConfig) -> tuple[dict[str, Any] | None, str | None]:
    """(rows, None) for a usable entity line, else (None, why it was skipped)."""
    try:
        entity = json.loads(line)
    except RecursionError:
        return None, "nested too deep"
    except ValueError as exc:
        return None, f"not JSON ({exc.msg if isinstance(exc, json.JSONDecodeError) else 'not UTF-8'})"
    if not isinstance(entity, dict):
        return None, f"not a JSON object (a {type(entity).__name__})"
    wrong = shape_error(entity, config.language)
    if wrong:
        return None, wrong
    try:
        rows = entity_rows(entity, config.language, config.max_aliases)
    except (AttributeError, TypeError, ValueError, KeyError, RecursionError) as exc:
        return None, f"unexpected shape ({type(exc).__name__})"
    if rows is None:
        return None, "no usable entity id and type"
    try:  # a lone surrogate (\\ud800) is valid JSON but no UTF-8 text: SQLite and the N-Triples file refuse it
        rows["nt"] = ("\n".join(rows["lines"]) + "\n").encode("utf-8") if rows["lines"] else b""
    except UnicodeEncodeError:
        return None, "a lone surrogate in a string (not UTF-8 text)"
    return rows, None


def _build(config: BuildKbConfig, db: sqlite3.Connection, nt_path: Path, started: float) -> BuildKbReport:
    db.executescript(SCHEMA)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    meta = dict(db.execute("SELECT k, v FROM meta"))
    fingerprint = _fingerprint(config)
    if meta and meta.get("fingerprint") != fingerprint:
        raise FinefakeError(
            f"{config.out} holds a knowledge base built from another dump or other options; "
            "use --restart to replace it"
        )
    report = BuildKbReport(resumed_from=int(meta.get("lines_done", 0)))
    if meta.get("finished") == "1":
        report.entities, report.finished = int(meta.get("entities", 0)), True
        report.out = {"index": str(config.out / "index.sqlite"), "store": str(nt_path)}
        return report
    types = {t.strip() for t in config.types if t.strip()}
    counts = Counter(
        {k: int(v) for k, v in meta.items() if k in ("entities", "properties", "surfaces", "triples")}
    )
    nt_size = int(meta.get("nt_bytes", 0))
    with open(nt_path, "ab") as nt:
        nt.truncate(nt_size)
    df: Counter[str] = Counter()
    pending_entities: list[tuple[Any, ...]] = []
    pending_surfaces: list[tuple[Any, ...]] = []
    lines_done = report.resumed_from
    pending_ids: set[str] = set()
    with open_dump(config.dump) as stream, open(nt_path, "ab") as nt:

        def commit() -> None:
            nonlocal pending_entities, pending_surfaces
            nt.flush()
            os.fsync(nt.fileno())
            with db:
                db.executemany("INSERT OR REPLACE INTO entity VALUES (?, ?, ?, ?, ?, NULL)", pending_entities)
                db.executemany("INSERT INTO surface VALUES (?, ?, ?, ?)", pending_surfaces)
                db.executemany("INSERT OR IGNORE INTO seen VALUES (?)", [(q,) for q in pending_ids])
                db.executemany(
                    "INSERT INTO df VALUES (?, ?) ON CONFLICT(token) DO UPDATE SET n = n + excluded.n",
                    list(df.items()),
                )
                state = {
                    "fingerprint": fingerprint,
                    "lines_done": lines_done,
                    "nt_bytes": nt.tell(),
                    **{k: counts[k] for k in ("entities", "properties", "surfaces", "triples")},
                }
                db.executemany(
                    "INSERT OR REPLACE INTO meta VALUES (?, ?)", [(k, str(v)) for k, v in state.items()]
                )
            pending_entities, pending_surfaces = [], []
            pending_ids.clear()
            df.clear()

        stopped = False
        for index, (lineno, line) in enumerate(iter_dump_lines(stream, config.max_line_bytes)):
            if index < report.resumed_from:
                continue
            if config.limit is not None and report.lines_read >= config.limit:
                stopped = True
                break
            lines_done = index + 1
            report.lines_read += 1
            if line is None:
                _bad(report, lineno, f"longer than {config.max_line_bytes} bytes")
                continue
            rows, reason = _parse_entity(line, config)
            if rows is None:
                _bad(report, lineno, reason or "unusable")
                continue
            if rows["type"] == "item" and types and not types.intersection(rows["classes"]):
                report.skipped_type += 1
                continue
            if (
                rows["id"] in pending_ids
                or db.execute("SELECT 1 FROM seen WHERE qid = ?", (rows["id"],)).fetchone()
            ):
                report.skipped_duplicate += 1
                continue
            pending_ids.add(rows["id"])
            nt.write(rows["nt"])
            counts["triples"] += len(rows["lines"])
            if rows["type"] == "property":
                counts["properties"] += 1
            elif rows["label"]:
                counts["entities"] += 1
                bag = " ".join(f"{t}:{c}" for t, c in sorted(rows["bag"].items()))
                pending_entities.append((rows["id"], rows["label"], rows["description"], rows["kind"], bag))
                df.update(rows["bag"].keys())
                seen: set[str] = set()
                for surface, weight in [(rows["label"], 1.0)] + [
                    (a, config.alias_weight) for a in rows["aliases"]
                ]:
                    key = surface_key(surface)
                    if len(key) >= 2 and key not in seen:
                        seen.add(key)
                        pending_surfaces.append((key, rows["id"], surface, weight))
                        counts["surfaces"] += 1
            if (
                len(pending_entities) >= config.commit_every
                or report.lines_read % (config.commit_every * 5) == 0
            ):
                commit()
        commit()
    if not stopped:
        _finish(db, counts["entities"])
        report.finished = True
    report.entities, report.properties = counts["entities"], counts["properties"]
    report.surfaces, report.triples = counts["surfaces"], counts["triples"]
    report.seconds = round(time.perf_counter() - started, 3)
    report.peak_rss_mb = _peak_rss_mb()
    report.out = {"index": str(config.out / "index.sqlite"), "store": str(nt_path)}
    return report


def _finish(db: sqlite3.Connection, n_entities: int) -> None:
    """IDF table, unit-length profile vectors (streamed in pages) and the lookup index; marks the KB finished."""
    with db:
        db.execute("DELETE FROM idf")
        db.execute("INSERT INTO idf SELECT token, ln((? + 1.0) / (n + 1.0)) + 1.0 FROM df", (n_entities,))
        db.execute(
            "INSERT OR REPLACE INTO meta VALUES ('idf_unknown', ?)", (str(math.log(n_entities + 1) + 1.0),)
        )
    idf: dict[str, float] = {}
    last = ""
    while True:
        page = db.execute(
            "SELECT qid, bag FROM entity WHERE qid > ? ORDER BY qid LIMIT 20000", (last,)
        ).fetchall()
        if not page:
            break
        tokens_needed = {t.rsplit(":", 1)[0] for _, bag in page for t in (bag or "").split()}
        missing = [t for t in tokens_needed if t not in idf]
        for start in range(0, len(missing), 900):
            chunk = missing[start : start + 900]
            marks = ",".join("?" * len(chunk))
            idf.update(db.execute(f"SELECT token, value FROM idf WHERE token IN ({marks})", chunk))
        updates = []
        for qid, bag in page:
            vec = {}
            for item in (bag or "").split():
                token, count = item.rsplit(":", 1)
                vec[token] = int(count) * idf.get(token, 1.0)
            norm = math.sqrt(sum(v * v for v in vec.values())) or 1.0
            updates.append((" ".join(f"{t}:{v / norm:.4f}" for t, v in vec.items()), qid))
        with db:
            db.executemany("UPDATE entity SET vector = ? WHERE qid = ?", updates)
        last = page[-1][0]
        if len(idf) > 2_000_000:
            idf.clear()  # bounded memory on very large vocabularies: re-read what the next pages need
    with db:
        db.execute("CREATE INDEX IF NOT EXISTS surface_key ON surface(key)")
        db.execute("INSERT OR REPLACE INTO meta VALUES ('finished', '1')")
