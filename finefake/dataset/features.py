"""Typed Hugging Face ``Features`` for a final record, and the record -> row conversion.

Categorical fields are ``ClassLabel`` with the names of ``finefake.contract`` so that the class names travel
with the data (``save_to_disk`` and the Parquet schema metadata both keep them). Lists of structs use
``datasets.List({...})``: the older ``Sequence({...})`` silently turns a list of dicts into a dict of lists.
``metadata`` is free-form, so it is stored as a JSON string rather than as a struct whose type would change
from record to record. An imported dataset's columns (its own label spaces and domains) are laid out by
:mod:`finefake.dataset.layout`.
"""

from __future__ import annotations

import json
import os
from operator import itemgetter
from pathlib import Path
from typing import Any

from finefake.contract import ALL_PLATFORMS, FINE_GRAINED_NAMES, LABEL_NAMES, PLATFORM_GROUPS, TOPICS
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
    "platform": ALL_PLATFORMS,
    "platform_group": PLATFORM_GROUPS,
}


def record_features():  # -> datasets.Features (datasets is imported lazily to keep the CLI fast)
    """The ``datasets.Features`` of one packaged record."""
    from datasets import ClassLabel, Features, Image, List, Value

    string, int32, float32 = Value("string"), Value("int32"), Value("float32")
    return Features(
        {
            "id": string,
            "platform": ClassLabel(names=list(ALL_PLATFORMS)),
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


def _ids(names: tuple[str, ...]) -> dict[str | int, int]:
    return {**{name: i for i, name in enumerate(names)}, **{i: i for i in range(len(names))}}


_LABEL_IDS, _FINE_IDS = _ids(LABEL_NAMES), _ids(FINE_GRAINED_NAMES)
_PLATFORM_IDS, _GROUP_IDS, _TOPIC_IDS = _ids(ALL_PLATFORMS), _ids(PLATFORM_GROUPS), _ids(TOPICS)


def _fast_id(value: Any, ids: dict[str | int, int], names: tuple[str, ...], item: str, field: str) -> int:
    """``_class_id`` by one dict lookup for the usual exact ``str``/``int`` values (this runs per row).

    The exact-type test keeps ``True`` (which hashes like 1) and other look-alikes on the strict path.
    """
    kind = type(value)
    if kind is str or kind is int:
        found = ids.get(value)
        if found is not None:
            return found
    return _class_id(value, names, item, field)


def record_to_row(
    record: dict[str, Any], image_root: Path | str | None, *, embed_images: bool = True
) -> dict[str, Any]:
    """One record as a row of ``record_features()``.

    Class columns are encoded as ids (so the row also fits ``pyarrow.Table.from_pylist`` with the features'
    Arrow schema). The lead image (``images[0]``) goes into the ``image`` column; with ``embed_images`` its
    bytes are read from ``image_root`` (the workspace) so the packaged dataset is self-contained. A missing
    image file gives ``image = None`` (the caller counts those); a record missing a required field raises
    FinefakeError naming the item and the field.
    """
    item = record.get("id", "<no id>")
    try:
        images = record["images"]
        image = None
        if images and image_root is not None:
            lead_path = images[0]["path"]
            # os.path rather than pathlib: this runs once per row and joins the same way.
            path = os.path.join(image_root, lead_path)
            if embed_images:
                try:
                    with open(path, "rb") as fh:
                        image = {"bytes": fh.read(), "path": os.path.basename(lead_path)}
                except FileNotFoundError:
                    image = None
            elif os.path.isfile(path):
                image = {"bytes": None, "path": str(Path(path))}
        decision = record["decision"]
        fact_check = record["fact_check"]
        if fact_check is not None and fact_check.get("label") is not None:
            fact_check = {
                **fact_check,
                "label": _fast_id(fact_check["label"], _LABEL_IDS, LABEL_NAMES, item, "fact_check.label"),
            }
        annotations = [
            {
                "annotator": a["annotator"],
                "label": _fast_id(a["label"], _LABEL_IDS, LABEL_NAMES, item, f"annotations[{i}].label"),
                "fine_grained_label": _fast_id(
                    a["fine_grained_label"],
                    _FINE_IDS,
                    FINE_GRAINED_NAMES,
                    item,
                    f"annotations[{i}].fine_grained_label",
                ),
            }
            for i, a in enumerate(record["annotations"])
        ]
        return {
            "id": record["id"],
            "platform": _fast_id(record["platform"], _PLATFORM_IDS, ALL_PLATFORMS, item, "platform"),
            "platform_group": _fast_id(
                record["platform_group"], _GROUP_IDS, PLATFORM_GROUPS, item, "platform_group"
            ),
            "topic": _fast_id(record["topic"], _TOPIC_IDS, TOPICS, item, "topic"),
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
            "label": _fast_id(record["label"], _LABEL_IDS, LABEL_NAMES, item, "label"),
            "fine_grained_label": _fast_id(
                record["fine_grained_label"], _FINE_IDS, FINE_GRAINED_NAMES, item, "fine_grained_label"
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


def records_to_columns(
    records: list[dict[str, Any]], image_root: Path | str | None, *, embed_images: bool = True
) -> dict[str, Any]:
    """Many records as columns of ``record_features()``: the same values as ``record_to_row``, column-wise.

    Packaging goes column by column because building one dict per row only for Arrow to take it apart
    again cost about as much as the Arrow conversion itself. Plain fields pass through as lists; the
    ``image`` column is returned as a ready ``pyarrow.StructArray`` (bytes and file names as two flat arrays,
    much cheaper for Arrow than one small dict per image). On any malformed record the rows are converted
    one by one with ``record_to_row``, which raises the FinefakeError naming the item and field.
    """
    try:
        return _columns(records, image_root, embed_images)
    except (KeyError, TypeError, AttributeError, FinefakeError):
        for record in records:
            record_to_row(record, image_root, embed_images=embed_images)
        raise


#: Most bytes one Arrow ``binary`` array can hold (32-bit offsets).
BINARY_LIMIT = 2**31 - 1


def _image_column(records: list[dict[str, Any]], image_root: Path | str | None, embed_images: bool):
    """The ``image`` column as one StructArray, the lead images' bytes read back to back into one buffer.

    One buffer instead of one ``bytes`` object per image: the many small allocations (and Arrow copying
    them into its own buffer) cost about four times the reading itself. Rows without an image are a null
    struct with empty children, which is what Arrow builds from ``image=None``, so the written files stay
    byte-identical to the row-wise conversion.
    """
    import pyarrow as pa
    from datasets import Image

    struct = Image().pa_type
    blob = bytearray()
    offsets = [0]
    stored: list[bytes | None] = []  # without embedding: null bytes, or b"" under a missing image
    names: list[str] = []
    missing: list[bool] = []
    for record in records:
        images = record["images"]
        name = None
        if images and image_root is not None:
            lead_path = images[0]["path"]
            path = os.path.join(image_root, lead_path)
            if embed_images:
                try:
                    with open(path, "rb", buffering=0) as fh:  # one whole-file read, no buffer layer
                        blob += fh.read()
                    name = os.path.basename(lead_path)
                except FileNotFoundError:
                    pass
            elif os.path.isfile(path):
                name = str(Path(path))
        missing.append(name is None)
        names.append("" if name is None else name)
        if embed_images:
            offsets.append(len(blob))
        else:
            stored.append(b"" if name is None else None)
    mask = pa.array(missing, type=pa.bool_()) if any(missing) else None
    if embed_images and len(blob) > BINARY_LIMIT:
        # Too big for one array: let Arrow convert row by row, as from_pylist does (it splits into chunks).
        rows = [
            None if gone else {"bytes": bytes(blob[offsets[i] : offsets[i + 1]]), "path": names[i]}
            for i, gone in enumerate(missing)
        ]
        return pa.array(rows, type=struct)
    if embed_images:
        data = pa.Array.from_buffers(
            struct.field("bytes").type,
            len(names),
            [None, pa.array(offsets, type=pa.int32()).buffers()[1], pa.py_buffer(blob)],
        )
    else:
        data = pa.array(stored, type=struct.field("bytes").type)
    return pa.StructArray.from_arrays(
        [data, pa.array(names, type=struct.field("path").type)], fields=list(struct), mask=mask
    )


_PLAIN: tuple[str, ...] = (
    "id",
    "url",
    "title",
    "text",
    "authors",
    "published",
    "images",
    "comments",
    "duplicate_cluster",
    "entities",
    "relation_triples",
    "attribute_triples",
    "knowledge_embedding",
)


def _typed(ids: dict[str | int, int]) -> dict[tuple[type, str | int], int]:
    return {(type(key), key): value for key, value in ids.items()}


def _columns(
    records: list[dict[str, Any]], image_root: Path | str | None, embed_images: bool
) -> dict[str, Any]:
    # One pass over the records for all pass-through fields (a pass per field touches every dict again).
    fields = list(zip(*map(itemgetter(*_PLAIN), records), strict=True)) if records else [()] * len(_PLAIN)
    plain = dict(zip(_PLAIN, fields, strict=True))

    def classes(key: str, ids: dict[str | int, int], names: tuple[str, ...]) -> list[int]:
        values = [r[key] for r in records]
        found = [ids.get(v) if type(v) is str or type(v) is int else None for v in values]
        if None in found:  # rare look-alikes (an IntEnum) or bad values: the strict check decides
            found = [
                _class_id(v, names, r.get("id", "<no id>"), key) for v, r in zip(values, records, strict=True)
            ]
        return found

    fact_checks = []
    for r in records:
        fact_check = r["fact_check"]
        if fact_check is not None and fact_check.get("label") is not None:
            label = _fast_id(fact_check["label"], _LABEL_IDS, LABEL_NAMES, r.get("id"), "fact_check.label")
            fact_check = {**fact_check, "label": label}
        fact_checks.append(fact_check)
    # Class ids keyed by (type, value): one lookup, and True (which equals 1) or an IntEnum miss it.
    label_ids, fine_ids = _typed(_LABEL_IDS), _typed(_FINE_IDS)
    annotations = [
        [
            {
                "annotator": a["annotator"],
                "label": label_ids.get((type(label := a["label"]), label)),
                "fine_grained_label": fine_ids.get((type(fine := a["fine_grained_label"]), fine)),
            }
            for a in r["annotations"]
        ]
        for r in records
    ]
    if any(a["label"] is None or a["fine_grained_label"] is None for row in annotations for a in row):
        annotations = [
            [
                {
                    "annotator": a["annotator"],
                    "label": _fast_id(a["label"], _LABEL_IDS, LABEL_NAMES, "", "label"),
                    "fine_grained_label": _fast_id(
                        a["fine_grained_label"], _FINE_IDS, FINE_GRAINED_NAMES, "", "fine_grained_label"
                    ),
                }
                for a in r["annotations"]
            ]
            for r in records
        ]
    decisions = [
        None
        if (d := r["decision"]) is None
        else {"method": d.get("method"), "decided_by": d.get("decided_by"), "agreement": d.get("agreement")}
        for r in records
    ]
    return {
        "id": plain["id"],
        "platform": classes("platform", _PLATFORM_IDS, ALL_PLATFORMS),
        "platform_group": classes("platform_group", _GROUP_IDS, PLATFORM_GROUPS),
        "topic": classes("topic", _TOPIC_IDS, TOPICS),
        "url": plain["url"],
        "title": plain["title"],
        "text": plain["text"],
        "authors": plain["authors"],
        "published": plain["published"],
        "language": [r.get("language") for r in records],
        "image": _image_column(records, image_root, embed_images),
        "images": plain["images"],
        "comments": plain["comments"],
        "fact_check": fact_checks,
        "duplicate_cluster": plain["duplicate_cluster"],
        "entities": plain["entities"],
        "relation_triples": plain["relation_triples"],
        "attribute_triples": plain["attribute_triples"],
        "annotations": annotations,
        "label": classes("label", _LABEL_IDS, LABEL_NAMES),
        "fine_grained_label": classes("fine_grained_label", _FINE_IDS, FINE_GRAINED_NAMES),
        "decision": decisions,
        "knowledge_embedding": plain["knowledge_embedding"],
        "metadata": [json.dumps(r["metadata"], ensure_ascii=False, sort_keys=True) for r in records],
    }


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
