import pytest

from finefake.contract import (
    ALL_PLATFORM_GROUP,
    ALL_PLATFORMS,
    FINE_GRAINED_NAMES,
    LABEL_NAMES,
    PLATFORM_GROUP,
    PLATFORMS,
    TOPICS,
    label_for_rating,
    normalize_platform,
    platform_group,
    topic_for_categories,
)
from finefake.records import schema


def test_encodings_match_the_release():
    assert LABEL_NAMES == ("fake", "real")
    assert FINE_GRAINED_NAMES[0] == "real" and FINE_GRAINED_NAMES[4] == "image-based fake"
    assert len(FINE_GRAINED_NAMES) == 6 and len(TOPICS) == 6 and len(PLATFORMS) == 8
    assert {PLATFORM_GROUP[p] for p in PLATFORMS} == {"fact_check", "stream", "official"}


def test_appended_platforms_come_after_the_release_eight():
    """The release's ClassLabel ids stay; fact-check publishers are appended in the fact_check group."""
    assert (
        ALL_PLATFORMS[:8]
        == PLATFORMS
        == ("snopes", "twitter", "reddit", "cnn", "apnews", "cdc", "nytimes", "washingtonpost")
    )
    assert ALL_PLATFORMS[8:] == ("politifact", "afp", "fullfact", "factcheck")
    assert {ALL_PLATFORM_GROUP[p] for p in ALL_PLATFORMS[8:]} == {"fact_check"}
    assert platform_group("AFP") == "fact_check" and platform_group("Washingtonpos") == "official"
    with pytest.raises(ValueError):  # release files hold the eight only
        normalize_platform("politifact")


def test_schemas_use_the_same_vocabularies():
    defs = schema("record")
    common = __import__("json").loads(
        (__import__("finefake.records", fromlist=["x"]).schemas_dir() / "common.schema.json").read_text()
    )["$defs"]
    assert tuple(common["topic"]["enum"]) == TOPICS
    assert tuple(common["platform"]["enum"]) == ALL_PLATFORMS
    assert common["fine_grained_label"]["enum"] == list(range(6))
    assert "label" in defs["required"]


@pytest.mark.parametrize(
    ("alias", "canonical"),
    [("Washingtonpos", "washingtonpost"), ("CNN", "cnn"), ("AP News", "apnews"), ("Twitter", "twitter")],
)
def test_platform_aliases(alias, canonical):
    assert normalize_platform(alias) == canonical


def test_unknown_platform_is_a_clear_error():
    with pytest.raises(ValueError, match="unknown platform 'myspace'"):
        normalize_platform("myspace")
    assert platform_group("reddit") == "stream"


@pytest.mark.parametrize(
    ("categories", "topic"),
    [
        (["Fraud & Scams"], "business"),
        (["old wives' tales"], "society"),
        (["September 11th"], "conflict"),
        (["Unknown", "Medical"], "health"),
        (["Questionable Quotes"], "politics"),
        (["Sports"], "entertainment"),
        (["Nothing"], None),
    ],
)
def test_category_table(categories, topic):
    assert topic_for_categories(categories) == topic


@pytest.mark.parametrize(
    ("rating", "label"),
    [
        ("False", 0),
        ("mostly false", 0),
        ("Miscaptioned", 0),
        ("True", 1),
        ("Mostly True", 1),
        ("Unproven", None),
        ("", None),
    ],
)
def test_rating_table(rating, label):
    assert label_for_rating(rating) == label
