"""The package layout of an imported dataset (MediaEval, FakeNewsNet, LIAR, Fakeddit): its columns and
typed ``Features`` from the dataset's own spec and what its records hold, and the row <-> record conversion.

It is apart from :mod:`finefake.dataset.features` (FineFake's own record, a fixed schema) because an imported
dataset's columns are decided per dataset: its label spaces, domain kinds and typed metadata keys. It reuses
that module's column types, class ids and image column.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finefake.contract import LABEL_NAMES, PLATFORM_GROUPS, TOPICS
from finefake.dataset.features import _class_id, _image_column, record_features
from finefake.errors import FinefakeError

#: Columns every imported dataset's package has, in this order, before its label spaces and domains.
DATASET_COLUMNS: tuple[str, ...] = (
    "id",
    "platform",
    "platform_group",
    "topic",
    "url",
    "title",
    "text",
    "authors",
    "published",
    "image",
    "images",
    "comments",
    "split",
    "label",
)


#: FineFake-only fields an imported record leaves empty; each becomes a column (typed as in
#: ``record_features()``) only when some record fills it, so nothing is lost and nothing empty is packaged.
OPTIONAL_COLUMNS: tuple[str, ...] = (
    "language",
    "fact_check",
    "duplicate_cluster",
    "entities",
    "relation_triples",
    "attribute_triples",
    "annotations",
    "fine_grained_label",
    "decision",
    "knowledge_embedding",
)


#: Python type of a metadata value -> the packaged type's name (lists only of strings).
_METADATA_KINDS = {str: "string", int: "int64", float: "float64", bool: "bool", list: "strings"}


def _blank_import() -> dict[str, Any]:
    """The values an importer gives the FineFake-only fields (what an absent optional column stands for)."""
    from finefake.dataset.importers.common import new_record

    return new_record("x", "x:0", platform="x", text="", labels={}, domains={}, split=None, label=None)


def _metadata_kind(values: list[Any]) -> str | None:
    """The one packaged type of a metadata key's values, or None when they do not share a simple one."""
    kinds = {type(v) for v in values if v is not None}
    if len(kinds) != 1:
        return None
    kind = _METADATA_KINDS.get(kinds.pop())
    if kind == "strings" and not all(isinstance(x, str) for v in values if v is not None for x in v):
        return None
    return kind


@dataclass(frozen=True)
class DatasetLayout:
    """The columns of an imported dataset's package, from its spec and what its records hold.

    Label spaces become ``ClassLabel`` columns named after the space, with the spec's class names (LIAR's six
    ``six_way`` ratings, Fakeddit's ``two_way``/``three_way``/``six_way``, ...); ``label`` is the binary label
    in FineFake's encoding (null where the dataset's class has no binary mapping). Each domain kind (event,
    party, subreddit, source, host) is a string column. A metadata key that every record has, with values of
    one simple type (speaker, subjects, subreddit ids, ...), becomes a typed column of its own name unless that
    name is taken; the other keys stay in the ``metadata`` JSON string. Nulls stand for absent values, so
    ``row_to_record`` gives back exactly the record that was packaged.
    """

    dataset: str
    label_spaces: dict[str, tuple[str, ...]]
    domain_kinds: tuple[str, ...]
    metadata_columns: dict[str, str] = field(default_factory=dict)
    optional: tuple[str, ...] = ()

    @classmethod
    def of(cls, spec: Any, records: list[dict[str, Any]]) -> DatasetLayout:
        """The layout of ``records`` of the dataset ``spec`` describes (a ``DatasetSpec``)."""
        spaces = dict(spec.label_spaces)
        for record in records:
            unknown = set(record.get("labels") or {}) - set(spaces)
            if unknown:
                raise FinefakeError(
                    f"record {record.get('id')!r}: label space {sorted(unknown)[0]!r} is not in the "
                    f"{spec.name} spec (known: {', '.join(spaces)})"
                )
        seen = {kind for r in records for kind in (r.get("domains") or {})}
        kinds = tuple(spec.domain_kinds) + tuple(sorted(seen - set(spec.domain_kinds)))
        taken = set(DATASET_COLUMNS) | set(OPTIONAL_COLUMNS) | {"metadata"}
        for name in (*spaces, *kinds):
            if name in taken:
                raise FinefakeError(
                    f"dataset {spec.name}: label space or domain {name!r} clashes with a column"
                )
            taken.add(name)
        blank = _blank_import()
        optional = tuple(
            name
            for name in OPTIONAL_COLUMNS
            if any(r.get(name, blank.get(name)) != blank.get(name) for r in records)
        )
        common = set.intersection(*(set(r["metadata"]) for r in records)) if records else set()
        metadata: dict[str, str] = {}
        for key in sorted(common - taken):
            kind = _metadata_kind([r["metadata"][key] for r in records])
            if kind is not None:
                metadata[key] = kind
        return cls(spec.name, spaces, kinds, metadata, optional)

    @property
    def column_names(self) -> tuple[str, ...]:
        return (
            *DATASET_COLUMNS,
            *self.label_spaces,
            *self.domain_kinds,
            *self.optional,
            *self.metadata_columns,
            "metadata",
        )

    def features(self):  # -> datasets.Features
        """The ``datasets.Features`` of one packaged row of this dataset."""
        from datasets import ClassLabel, Features, List, Value

        base = record_features()
        string = Value("string")
        kinds = {
            "string": string,
            "int64": Value("int64"),
            "float64": Value("float64"),
            "bool": Value("bool"),
            "strings": List(string),
        }
        typed: dict[str, Any] = {
            "platform": string,
            "split": string,
            **{name: base[name] for name in DATASET_COLUMNS if name not in ("platform", "split")},
        }
        typed |= {space: ClassLabel(names=list(names)) for space, names in self.label_spaces.items()}
        typed |= {kind: string for kind in self.domain_kinds}
        typed |= {name: base[name] for name in self.optional}
        typed |= {key: kinds[kind] for key, kind in self.metadata_columns.items()}
        typed["metadata"] = string
        return Features({name: typed[name] for name in self.column_names})

    def columns(
        self, records: list[dict[str, Any]], image_root: Path | str | None, *, embed_images: bool = True
    ) -> dict[str, Any]:
        """``records`` as columns of ``features()`` (class columns as ids, the lead image embedded)."""
        out: dict[str, Any] = {}
        for name in ("id", "platform", "url", "title", "text", "authors", "published", "images", "comments"):
            out[name] = [r[name] for r in records]
        for name, names in (("platform_group", PLATFORM_GROUPS), ("topic", TOPICS), ("label", LABEL_NAMES)):
            out[name] = [
                None if r[name] is None else _class_id(r[name], names, r["id"], name) for r in records
            ]
        out["image"] = _image_column(records, image_root, embed_images)
        out["split"] = [r.get("split") for r in records]
        for space, names in self.label_spaces.items():
            values = [(r.get("labels") or {}).get(space) for r in records]
            out[space] = [
                None if v is None else _class_id(v, names, r["id"], f"labels.{space}")
                for v, r in zip(values, records, strict=True)
            ]
        for kind in self.domain_kinds:
            out[kind] = [(r.get("domains") or {}).get(kind) for r in records]
        blank = _blank_import()
        for name in self.optional:
            out[name] = [r.get(name, blank.get(name)) for r in records]
        for key in self.metadata_columns:
            out[key] = [r["metadata"][key] for r in records]
        out["metadata"] = [
            json.dumps(
                {k: v for k, v in r["metadata"].items() if k not in self.metadata_columns},
                ensure_ascii=False,
                sort_keys=True,
            )
            for r in records
        ]
        return out

    def row_to_record(self, row: dict[str, Any]) -> dict[str, Any]:
        """Invert ``columns`` for a row read back from the dataset: the record as it was packaged."""
        record = _blank_import()
        record.pop("language", None)
        record.update({name: row[name] for name in DATASET_COLUMNS if name != "image"})
        for name, names in (("platform_group", PLATFORM_GROUPS), ("topic", TOPICS)):
            if row[name] is not None:
                record[name] = names[row[name]]
        record["dataset"] = self.dataset
        record["labels"] = {s: row[s] for s in self.label_spaces if row[s] is not None}
        record["domains"] = {k: row[k] for k in self.domain_kinds if row[k] is not None}
        for name in self.optional:
            if name == "language" and row[name] is None:
                continue
            record[name] = row[name]
        record["metadata"] = json.loads(row["metadata"]) | {k: row[k] for k in self.metadata_columns}
        return record
