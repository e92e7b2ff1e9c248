"""clean: planted exact and near duplicates are found, filters drop what they should, counts add up."""

from __future__ import annotations

import io
import json
import random

import pytest
from PIL import Image, ImageDraw

from finefake.clean.config import CleanConfig
from finefake.clean.engines import clean
from finefake.clean.filters import LanguageId
from finefake.ids import item_id

WORDS = (
    "the government said on tuesday that new rules for the city council would change how public money is "
    "spent on schools roads and hospitals after months of debate among local officials residents and "
    "business owners who worried about rising costs while the mayor promised more transparency and weekly "
    "reports about every project in the budget including police housing parks water and energy programs "
    "during the coming winter season when demand usually grows"
).split()


def english(rng: random.Random, n: int = 80) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + "."


def picture(rng: random.Random, size=(96, 72)) -> Image.Image:
    img = Image.new("RGB", size, tuple(rng.randrange(256) for _ in range(3)))
    draw = ImageDraw.Draw(img)
    for _ in range(6):
        x0, y0 = rng.randrange(size[0]), rng.randrange(size[1])
        draw.rectangle(
            [x0, y0, x0 + rng.randrange(10, 50), y0 + rng.randrange(10, 40)],
            fill=tuple(rng.randrange(256) for _ in range(3)),
        )
    return img


def encode(img: Image.Image, fmt: str = "PNG", **kw) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


def raw(ws, platform: str, n: int, text: str, image_bytes: list[bytes] | None, **extra) -> dict:
    url = f"https://example.org/{platform}/{n}"
    images = [ws.images.put(b, url=f"{url}.png") | {"alt": None, "error": None} for b in (image_bytes or [])]
    return {
        "id": item_id(platform, url=url),
        "platform": platform,
        "url": url,
        "title": f"Story {n}",
        "text": text,
        "authors": [],
        "published": None,
        "images": images,
        "comments": [],
        "fact_check": None,
        "topic": "politics",
        "fetched_at": "2024-01-01T00:00:00Z",
        "metadata": {},
    } | extra


@pytest.fixture
def planted(workspace):
    rng = random.Random(3)
    news, tweets, truth = [], [], {}
    bases = [(english(rng), picture(rng)) for _ in range(30)]
    for n, (text, img) in enumerate(bases):
        news.append(raw(workspace, "cnn", n, text, [encode(img)]))
    # exact duplicate: same text, same image file
    news.append(raw(workspace, "apnews", 100, bases[0][0], [encode(bases[0][1])]))
    truth["exact"] = {news[0]["id"], news[-1]["id"]}
    # near duplicate: a few words edited, image resized and re-encoded as JPEG
    words = bases[1][0].split()
    for k in (5, 30, 60):
        words[k] = "zebra"
    resized = bases[1][1].resize((128, 96))
    tweets.append(raw(workspace, "twitter", 101, " ".join(words), [encode(resized, "JPEG", quality=80)]))
    truth["near"] = {news[1]["id"], tweets[-1]["id"]}
    # same picture re-encoded, text half rewritten (only the image links them)
    half = bases[2][0].split()
    half = half[:40] + english(rng, 40).split()
    tweets.append(raw(workspace, "twitter", 102, " ".join(half), [encode(bases[2][1], "JPEG", quality=90)]))
    truth["image"] = {news[2]["id"], tweets[-1]["id"]}
    # things that must be dropped
    drops = {
        "not_english": raw(
            workspace,
            "cnn",
            200,
            "Le gouvernement a annoncé mardi que les nouvelles règles du conseil "
            "municipal changeraient la façon dont l'argent public est dépensé pour les écoles.",
            [encode(picture(rng))],
        ),
        "text_only": raw(workspace, "twitter", 201, english(rng), []),
        "too_short": raw(workspace, "twitter", 202, "Too short.", [encode(picture(rng))]),
    }
    tiny = raw(workspace, "cnn", 203, english(rng), [encode(picture(rng, (12, 10)))])
    blank = raw(workspace, "cnn", 204, english(rng), [encode(Image.new("RGB", (100, 80), (128, 128, 128)))])
    failed = raw(workspace, "cnn", 205, english(rng), [])
    failed["images"] = [
        {
            "url": "http://x/y.png",
            "path": None,
            "sha256": None,
            "width": None,
            "height": None,
            "alt": None,
            "error": "http_404",
        }
    ]
    news += [drops["not_english"], tiny, blank, failed]
    tweets += [drops["text_only"], drops["too_short"]]
    workspace.write_records("crawl/news", "raw_item", news)
    workspace.write_records("crawl/twitter", "raw_item", tweets)
    return truth


def test_clean_finds_planted_duplicates_and_filters(workspace, planted):
    report = clean(workspace, CleanConfig())
    clusters = json.loads((workspace.root / "clean/duplicate_clusters.json").read_text())
    found = {frozenset(m["id"] for m in c["members"]): c for c in clusters}
    assert set(found) == {
        frozenset(planted["exact"]),
        frozenset(planted["near"]),
        frozenset(planted["image"]),
    }
    assert "exact_text" in found[frozenset(planted["exact"])]["edges"]
    assert found[frozenset(planted["near"])]["edges"] in (["near_text"], ["image", "near_text"])
    assert found[frozenset(planted["image"])]["edges"] == ["image"]

    saved = json.loads((workspace.root / "clean/report.json").read_text())
    assert saved["platforms"] == report.platforms
    for platform, counts in saved["platforms"].items():
        assert counts["input"] == counts["kept"] + sum(counts["dropped"].values()), platform
    assert saved["totals"] == {
        "input": 39,
        "kept": 30,
        "dropped": {
            "exact_duplicate": 1,
            "near_duplicate": 2,
            "no_usable_image": 3,
            "not_english": 1,
            "text_only": 1,
            "too_short": 1,
        },
    }
    assert saved["platforms"]["twitter"]["dropped"]["text_only"] == 1
    assert {p: c["input"] for p, c in saved["platforms"].items()} == {"apnews": 1, "cnn": 34, "twitter": 4}
    for cluster in clusters:
        assert [m["status"] for m in cluster["members"]].count("kept") == 1
    assert report.image_rejections == {"tiny": 1, "placeholder": 1}

    kept = list(workspace.read("clean", "news_item"))
    assert len(kept) == 30 and all(i["language"] == "en" and i["images"] for i in kept)
    reps = {i["id"] for i in kept if i["duplicate_cluster"]}
    assert reps == {c["representative"] for c in clusters} and len(reps) == 3


def test_near_duplicates_can_be_kept_as_clusters(workspace, planted):
    clean(workspace, CleanConfig(near_duplicates="keep"))
    kept = {i["id"]: i for i in workspace.read("clean", "news_item")}
    assert len(kept) == 32  # the exact copy is still dropped
    for pair in (planted["near"], planted["image"]):
        a, b = (kept[i]["duplicate_cluster"] for i in pair)
        assert a == b and a is not None


def test_language_id_is_offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    import socket

    def no_network(*args, **kwargs):
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket.socket, "connect", no_network)
    lang = LanguageId()
    assert lang("The city council approved the new budget on Tuesday after a long debate.")[0] == "en"
    assert lang("Der Stadtrat hat am Dienstag nach langer Debatte den neuen Haushalt beschlossen.")[0] == "de"


def test_malformed_input_names_item_and_field(workspace):
    from finefake.records import RecordError

    workspace.write_records("crawl/news", None, [{"id": "cnn:1", "platform": "cnn", "url": "u", "text": 3}])
    with pytest.raises(RecordError, match="invalid raw_item 'cnn:1': field 'title'"):
        clean(workspace, CleanConfig())
    assert not workspace.has_records("clean")
