"""Validation and typed access for the records that travel between stages.

The JSON Schemas in ``schemas/`` are the data contract; this module is the Python side of it. Records stay
plain dicts (so any language can read a stage's output); the ``TypedDict`` classes below only document their
shape for type checkers and readers.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any, Literal, TypedDict

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource

RecordKind = Literal["raw_item", "news_item", "aligned_item", "annotation", "record"]
KINDS: tuple[str, ...] = ("raw_item", "news_item", "aligned_item", "annotation", "record", "claimreview")


def schemas_dir() -> Path:
    """The folder holding the JSON Schemas: inside the installed package, or ``schemas/`` of a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "schemas", here.parent / "schemas"):
        if (candidate / "record.schema.json").is_file():
            return candidate
    raise FileNotFoundError(f"finefake schemas not found next to {here}")


@cache
def _registry() -> Registry:
    resources = []
    for path in sorted(schemas_dir().glob("*.schema.json")):
        contents = json.loads(path.read_text(encoding="utf-8"))
        resources.append((contents["$id"], Resource.from_contents(contents)))
    return Registry().with_resources(resources)


@cache
def schema(kind: str) -> dict[str, Any]:
    """The JSON Schema (as a dict) for a record kind."""
    if kind not in KINDS:
        raise ValueError(f"unknown record kind {kind!r}; expected one of {', '.join(KINDS)}")
    return json.loads((schemas_dir() / f"{kind}.schema.json").read_text(encoding="utf-8"))


@cache
def _validator(kind: str) -> Draft202012Validator:
    defs = json.loads((schemas_dir() / "common.schema.json").read_text(encoding="utf-8"))["$defs"]
    inlined = _inline_refs(schema(kind), defs)
    return Draft202012Validator(inlined, registry=_registry(), format_checker=FormatChecker())


def _inline_refs(node: Any, defs: dict[str, Any]) -> Any:
    """Replace ``common.schema.json#/$defs/X`` references by the definition itself (recursively).

    The files keep their references (they are the readable contract); the validator gets a self-contained
    schema because resolving references dominated validation time (measured: about half of it).
    """
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("common.schema.json#/$defs/") and len(node) == 1:
            return _inline_refs(defs[ref.rsplit("/", 1)[1]], defs)
        return {key: _inline_refs(value, defs) for key, value in node.items()}
    if isinstance(node, list):
        return [_inline_refs(value, defs) for value in node]
    return node


class RecordError(ValueError):
    """A record that breaks the data contract; names the item, the field path and what was expected."""

    def __init__(self, kind: str, item_id: str, path: str, expected: str, problems: int = 1) -> None:
        self.kind, self.item_id, self.path, self.expected, self.problems = (
            kind,
            item_id,
            path,
            expected,
            problems,
        )
        more = f" (and {problems - 1} more problem(s))" if problems > 1 else ""
        super().__init__(f"invalid {kind} {item_id!r}: field '{path}': {expected}{more}")


def _item_id(record: Any) -> str:
    if isinstance(record, dict):
        for key in ("id", "item_id"):
            if isinstance(record.get(key), str):
                return record[key]
    return "<no id>"


def _describe(error: ValidationError) -> tuple[str, str]:
    path = (
        "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path).lstrip(".")
        or "<root>"
    )
    if error.validator == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        path = f"{path}.{missing}" if path != "<root>" else missing
        return path, "required field is missing"
    if error.validator == "additionalProperties":
        return path, error.message
    expected = error.schema.get(error.validator) if isinstance(error.schema, dict) else None
    return path, f"expected {error.validator} {json.dumps(expected, default=str)}, got {error.instance!r}"[
        :300
    ]


@cache
def _fast_check(kind: str) -> Callable[[Any], Any]:
    """The same schema compiled to Python code by fastjsonschema: about 15x faster on valid records.

    jsonschema stays the reference: only a record this check accepts skips it, and a record it rejects is
    described (or accepted) by jsonschema. fastjsonschema turns ``$`` into ``\\Z`` even inside character
    classes, so a literal ``$`` in a pattern is escaped first (the same regular expression).
    """
    import fastjsonschema

    def escape(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                key: _escape_dollar(value) if key == "pattern" and isinstance(value, str) else escape(value)
                for key, value in node.items()
                if key not in ("$schema", "$id")
            }
        return [escape(value) for value in node] if isinstance(node, list) else node

    return fastjsonschema.compile(escape(_validator(kind).schema))


def _escape_dollar(pattern: str) -> str:
    body, end = (pattern[:-1], "$") if pattern.endswith("$") else (pattern, "")
    return body.replace("\\$", "$").replace("$", "\\$") + end


def iter_errors(kind: str, record: Any) -> Iterator[RecordError]:
    """Every contract violation of one record, as RecordErrors (nothing raised)."""
    import fastjsonschema

    try:
        _fast_check(kind)(record)
        return
    except fastjsonschema.JsonSchemaException:
        pass
    errors = sorted(_validator(kind).iter_errors(record), key=lambda e: list(map(str, e.absolute_path)))
    for error in errors:
        path, expected = _describe(error)
        yield RecordError(kind, _item_id(record), path, expected)


def validate(kind: str, record: Any) -> dict[str, Any]:
    """Check one record against its schema; return it unchanged or raise the first RecordError."""
    errors = list(iter_errors(kind, record))
    if errors:
        first = errors[0]
        raise RecordError(kind, first.item_id, first.path, first.expected, problems=len(errors))
    return record


#: The categorical fields of the contract: a value outside their encodings breaks every later stage.
CATEGORICAL_FIELDS: tuple[str, ...] = ("label", "fine_grained_label", "topic", "platform", "platform_group")


@cache
def _categories() -> dict[str, tuple[Any, ...]]:
    defs = json.loads((schemas_dir() / "common.schema.json").read_text(encoding="utf-8"))["$defs"]
    return {name: tuple(defs[name]["enum"]) for name in CATEGORICAL_FIELDS}


def check_categories(record: Any, kind: str = "record") -> dict[str, Any]:
    """Check the categorical fields a record carries (labels, topic, platform, group) against the contract.

    Stages that read records without validating them whole (features, bench) still rely on these: a label 7
    would be embedded, then crash a benchmark far from the item. This check is cheap enough for every read
    (a few dict lookups); fields that are absent or null are left to the full schema validation.
    """
    if not isinstance(record, dict):
        raise RecordError(kind, "<no id>", "<root>", f"expected a JSON object, got {type(record).__name__}")
    other_dataset = record.get("dataset") not in (None, "finefake")
    for name, allowed in _categories().items():
        if other_dataset and name == "platform":  # other datasets name their own sources (e.g. politifact)
            continue
        value = record.get(name)
        if value is not None and (isinstance(value, bool) or value not in allowed):
            raise RecordError(kind, _item_id(record), name, f"expected one of {list(allowed)}, got {value!r}")
    return record


def validate_all(kind: str, records: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Validate a stream of records lazily, raising on the first invalid one."""
    for record in records:
        yield validate(kind, record)


# --- typed views (documentation for readers and type checkers; the records themselves are plain dicts) ---
class Image(TypedDict, total=False):
    path: str
    sha256: str
    width: int
    height: int
    url: str | None


class Comment(TypedDict, total=False):
    id: str
    author: str | None
    text: str
    created: str | None
    parent_id: str | None
    score: int | None


class FactCheck(TypedDict, total=False):
    url: str
    claim: str
    rating: str
    categories: list[str]
    label: int | None


class Entity(TypedDict, total=False):
    mention: str
    start: int
    end: int
    qid: str
    wikipedia_title: str | None
    label: str
    description: str
    rho: float
    source: Literal["auto", "reviewed"]
    reviewer: str | None
    reviewed_at: str | None


class RelationTriple(TypedDict):
    head: str
    property: str
    property_label: str
    tail: str
    tail_label: str


class AttributeTriple(TypedDict):
    subject: str
    property: str
    property_label: str
    value: str
    datatype: str


class ItemAnnotation(TypedDict):
    annotator: str
    label: int
    fine_grained_label: int


class Annotation(TypedDict, total=False):
    item_id: str
    annotator: str
    label: int
    fine_grained_label: int
    source: str
    project: str | None
    created_at: str | None
    lead_time: float | None


class Decision(TypedDict, total=False):
    method: str
    decided_by: list[str]
    agreement: float | None


class NewsItem(TypedDict, total=False):
    id: str
    platform: str
    platform_group: str
    topic: str
    url: str
    title: str
    text: str
    authors: list[str]
    published: str | None
    images: list[Image]
    comments: list[Comment]
    fact_check: FactCheck | None
    language: str
    duplicate_cluster: str | None
    metadata: dict[str, Any]


class AlignedItem(NewsItem, total=False):
    entities: list[Entity]
    relation_triples: list[RelationTriple]
    attribute_triples: list[AttributeTriple]


class Record(AlignedItem, total=False):
    annotations: list[ItemAnnotation]
    label: int
    fine_grained_label: int
    decision: Decision | None
    knowledge_embedding: list[float] | None


def project(kind: str, record: dict[str, Any]) -> dict[str, Any]:
    """Keep only the fields ``kind``'s schema defines (e.g. a final record viewed as a news_item)."""
    fields = schema(kind)["properties"]
    return {key: value for key, value in record.items() if key in fields}
