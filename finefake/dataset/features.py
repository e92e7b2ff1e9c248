"""Typed Hugging Face ``Features`` for a final record, and the record -> row conversion.

Categorical fields are ``ClassLabel`` with the names of ``finefake.contract`` so that the class names travel
with the data (``save_to_disk`` and the Parquet schema metadata both keep them). Lists of structs use
``datasets.List({...})``: the older ``Sequence({...})`` silently turns a list of dicts into a dict of lists.
``metadata`` is free-form, so it is stored as a JSON string rather than as a struct whose type would change
from record to record.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from finefake.contract import FINE_GRAINED_NAMES, LABEL_NAMES, PLATFORM_GROUPS, PLATFORMS, TOPICS
from finefake.errors import FinefakeError

#: Column order of the packaged dataset.
COLUMNS: tuple[str, ...] = (
    "id",
    "platform",
    "platform_group",
    "topic",
    "url",
    "title",
    "text",
    "authors",
    "published",
    "language",
    "image",
    "images",
    "comments",
    "fact_check",
    "duplicate_cluster",
    "entities",
    "relation_triples",
    "attribute_triples",
    "annotations",
    "label",
    "fine_grained_label",
    "decision",
    "knowledge_embedding",
    "metadata",
)
CLASS_COLUMNS: dict[str, tuple[str, ...]] = {
    "label": LABEL_NAMES,
    "fine_grained_label": FINE_GRAINED_NAMES,
    "topic": TOPICS,
    "platform": PLATFORMS,
    "platform_group": PLATFORM_GROUPS,
}


def record_features():  # -> datasets.Features (datasets is imported lazily to keep the CLI fast)
    """The ``datasets.Features`` of one packaged record."""
    from datasets import ClassLabel, Features, Image, List, Value

    string, int32, float32 = Value("string"), Value("int32"), Value("float32")
    return Features(
        {
            "id": string,
            "platform": ClassLabel(names=list(PLATFORMS)),
            "platform_group": ClassLabel(names=list(PLATFORM_GROUPS)),
            "topic": ClassLabel(names=list(TOPICS)),
            "url": string,
            "title": string,
            "text": string,
            "authors": List(string),
            "published": string,
            "language": string,
            "image": Image(),
            "images": List(
                {"path": string, "sha256": string, "width": int32, "height": int32, "url": string}
            ),
            "comments": List(
                {
                    "id": string,
                    "author": string,
                    "text": string,
                    "created": string,
                    "parent_id": string,
                    "score": Value("int64"),
                }
            ),
            "fact_check": {
                "url": string,
                "claim": string,
                "rating": string,
                "categories": List(string),
                "label": ClassLabel(names=list(LABEL_NAMES)),
            },
            "duplicate_cluster": string,
            "entities": List(
                {
                    "mention": string,
                    "start": int32,
                    "end": int32,
                    "qid": string,
                    "wikipedia_title": string,
                    "label": string,
                    "description": string,
                    "rho": Value("float64"),
                    "source": string,
                    "reviewer": string,
                    "reviewed_at": string,
                }
            ),
            "relation_triples": List(
                {
                    "head": string,
                    "property": string,
                    "property_label": string,
                    "tail": string,
                    "tail_label": string,
                }
            ),
            "attribute_triples": List(
                {
                    "subject": string,
                    "property": string,
                    "property_label": string,
                    "value": string,
                    "datatype": string,
                }
            ),
            "annotations": List(
                {
                    "annotator": string,
                    "label": ClassLabel(names=list(LABEL_NAMES)),
                    "fine_grained_label": ClassLabel(names=list(FINE_GRAINED_NAMES)),
                }
            ),
            "label": ClassLabel(names=list(LABEL_NAMES)),
            "fine_grained_label": ClassLabel(names=list(FINE_GRAINED_NAMES)),
            "decision": {"method": string, "decided_by": List(string), "agreement": Value("float64")},
            "knowledge_embedding": List(float32),
            "metadata": string,
        }
    )


def _class_id(value: Any, names: tuple[str, ...], item: str, field: str) -> int:
    """A class given by id or name as its id; FinefakeError naming the item and field otherwise."""
    if isinstance(value, str) and value in names:
        return names.index(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(names):
        return value
    raise FinefakeError(f"record {item!r}: field '{field}': expected one of {list(names)}, got {value!r}")


def record_to_row(
    record: dict[str, Any], image_root: Path | None, *, embed_images: bool = True
) -> dict[str, Any]:
    """One record as a row of ``record_features()``.

    Class columns are encoded as ids (so the row also fits ``pyarrow.Table.from_pylist`` with the features'
    Arrow schema). The lead image (``images[0]``) goes into the ``image`` column; with ``embed_images`` its bytes are read
    from ``image_root`` (the workspace) so the packaged dataset is self-contained. A missing image file gives
    ``image = None`` (the caller counts those); a record missing a required field raises FinefakeError naming
    the item and the field.
    """
    item = record.get("id", "<no id>")
    try:
        images = record["images"]
        image = None
        if images and image_root is not None:
            lead = images[0]
            path = image_root / lead["path"]
            if embed_images:
                try:
                    image = {"bytes": path.read_bytes(), "path": Path(lead["path"]).name}
                except FileNotFoundError:
                    image = None
            elif path.is_file():
                image = {"bytes": None, "path": str(path)}
        decision = record["decision"]
        fact_check = record["fact_check"]
        if fact_check is not None and fact_check.get("label") is not None:
            fact_check = {
                **fact_check,
                "label": _class_id(fact_check["label"], LABEL_NAMES, item, "fact_check.label"),
            }
        annotations = [
            {
                "annotator": a["annotator"],
                "label": _class_id(a["label"], LABEL_NAMES, item, f"annotations[{i}].label"),
                "fine_grained_label": _class_id(
                    a["fine_grained_label"], FINE_GRAINED_NAMES, item, f"annotations[{i}].fine_grained_label"
                ),
            }
            for i, a in enumerate(record["annotations"])
        ]
        return {
            "id": record["id"],
            "platform": _class_id(record["platform"], PLATFORMS, item, "platform"),
            "platform_group": _class_id(record["platform_group"], PLATFORM_GROUPS, item, "platform_group"),
            "topic": _class_id(record["topic"], TOPICS, item, "topic"),
            "url": record["url"],
            "title": record["title"],
            "text": record["text"],
            "authors": record["authors"],
            "published": record["published"],
            "language": record.get("language"),
            "image": image,
            # Arrow fills absent struct keys with null and ignores unknown ones, so lists pass as they are.
            "images": images,
            "comments": record["comments"],
            "fact_check": fact_check,
            "duplicate_cluster": record["duplicate_cluster"],
            "entities": record["entities"],
            "relation_triples": record["relation_triples"],
            "attribute_triples": record["attribute_triples"],
            "annotations": annotations,
            "label": _class_id(record["label"], LABEL_NAMES, item, "label"),
            "fine_grained_label": _class_id(
                record["fine_grained_label"], FINE_GRAINED_NAMES, item, "fine_grained_label"
            ),
            "decision": None
            if decision is None
            else {
                "method": decision.get("method"),
                "decided_by": decision.get("decided_by"),
                "agreement": decision.get("agreement"),
            },
            "knowledge_embedding": record["knowledge_embedding"],
            "metadata": json.dumps(record["metadata"], ensure_ascii=False, sort_keys=True),
        }
    except KeyError as exc:
        raise FinefakeError(f"record {item!r}: required field '{exc.args[0]}' is missing") from exc
    except (TypeError, AttributeError) as exc:
        raise FinefakeError(f"record {item!r} does not follow the record schema: {exc}") from exc


def row_to_record(row: dict[str, Any], features=None) -> dict[str, Any]:
    """Invert ``record_to_row`` for a row read back from the dataset (class ids -> names, metadata parsed).

    The ``image`` column is dropped (the record keeps its ``images`` list); ``language`` is dropped when null.
    """
    features = features or record_features()
    record = {key: value for key, value in row.items() if key != "image"}
    for column in CLASS_COLUMNS:
        record[column] = (
            features[column].int2str(row[column])
            if column not in ("label", "fine_grained_label")
            else row[column]
        )
    record["metadata"] = json.loads(row["metadata"]) if row.get("metadata") else {}
    if record.get("language") is None:
        record.pop("language", None)
    return record
