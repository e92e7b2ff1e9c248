import copy

import pytest

from finefake.records import KINDS, RecordError, iter_errors, project, schema, validate


@pytest.fixture(scope="module")
def records(synthetic_workspace):
    return list(synthetic_workspace.read("records"))


@pytest.mark.parametrize("kind", ["news_item", "aligned_item", "record"])
def test_every_schema_accepts_generator_records(records, kind):
    for record in records:
        validate(kind, project(kind, record))


def test_annotation_schema_accepts_generator_annotations(records):
    for record in records[:20]:
        for ann in record["annotations"]:
            validate("annotation", {"item_id": record["id"], "source": "synthetic", **ann})


def test_raw_item_schema_accepts_a_crawled_shape(records):
    record = records[0]
    raw = {
        key: record[key]
        for key in (
            "id",
            "platform",
            "url",
            "title",
            "text",
            "authors",
            "published",
            "comments",
            "fact_check",
            "metadata",
            "topic",
        )
    }
    raw["images"] = [
        {
            "url": "https://x.org/a.jpg",
            "path": None,
            "sha256": None,
            "width": None,
            "height": None,
            "alt": None,
            "error": "timeout",
        }
    ]
    raw["fetched_at"] = "2024-01-01T00:00:00+00:00"
    validate("raw_item", raw)


@pytest.mark.parametrize(
    ("mutate", "path", "expected"),
    [
        (lambda r: r.pop("topic"), "topic", "required field is missing"),
        (lambda r: r.__setitem__("topic", "sports"), "topic", "enum"),
        (lambda r: r.__setitem__("label", 2), "label", "enum"),
        (lambda r: r.__setitem__("fine_grained_label", 6), "fine_grained_label", "enum"),
        (lambda r: r.__setitem__("platform", "Washingtonpos"), "platform", "enum"),
        (lambda r: r.__setitem__("authors", "someone"), "authors", "type"),
        (lambda r: r["images"][0].__setitem__("width", "wide"), "images[0].width", "type"),
        (lambda r: r.__setitem__("entities", [{"qid": "Q1} . ?s ?p ?o . {"}]), "entities[0]", "required"),
    ],
)
def test_broken_records_name_item_and_field(records, mutate, path, expected):
    record = copy.deepcopy(records[0])
    mutate(record)
    with pytest.raises(RecordError) as info:
        validate("record", record)
    message = str(info.value)
    assert record["id"] in message
    assert path in message
    assert expected in message


def test_error_lists_every_problem(records):
    record = copy.deepcopy(records[0])
    record["label"] = 9
    record["topic"] = "nope"
    assert len(list(iter_errors("record", record))) == 2
    with pytest.raises(RecordError, match="1 more problem"):
        validate("record", record)


def test_bad_entity_id_rejected(records):
    record = copy.deepcopy(records[0])
    entity = {
        "mention": "x",
        "start": 0,
        "end": 1,
        "qid": "Q1} . ?s ?p ?o . {",
        "label": "x",
        "description": "",
        "rho": 0.9,
        "source": "auto",
    }
    record["entities"] = [entity]
    with pytest.raises(RecordError, match=r"entities\[0\]\.qid"):
        validate("record", record)


def test_unknown_kind():
    with pytest.raises(ValueError, match="unknown record kind"):
        schema("tweet")
    assert set(KINDS) == {"raw_item", "news_item", "aligned_item", "annotation", "record", "claimreview"}
