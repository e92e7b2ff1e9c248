"""A deterministic offline "mini-web": Snopes, five news sites, Reddit and Twitter APIs, archive.org, images.

Everything is written by the project: texts are built from the vocabularies and planted cues of
:mod:`finefake.dataset.synthetic` (so the benchmark has something to learn), images are drawn here, entity
mentions are real Wikidata entities (those of the knowledge store when it ships a subset). Items are spread over
the six topics and eight platforms with the platform mix and real/fake shares of the synthetic generator (the
shape of the paper's Table 3), and every fine-grained class is planted.

Pages use the real host names over plain http (``http://www.snopes.com/...``); :mod:`finefake.demo.server`
answers for all of them on 127.0.0.1, as a virtual-host web server and as an HTTP proxy, so every host-based rule
of the crawlers (archive links, site profiles, Reddit/Twitter links, politeness per host) works as on the web.

Folder written by :func:`generate_miniweb`::

    sites/<host>/<path>          static files (``.../`` is ``.../index.html``)
    api/reddit/<id>.json         the ``/comments/<id>`` answer of the Reddit API ([submission, comments])
    api/twitter/<id>.json        one tweet object plus its ``includes`` (media, users) and replies
    truth.json                   per item: platform, topic, labels, entities, five annotators' labels, ...
    review_decisions.json        a recorded reviewer's decisions on ambiguous entity mentions
    miniweb.json                 seed, sizes, hosts and entry points
"""

from __future__ import annotations

import io
import json
import math
import os
import random
import shutil
import string
import tempfile
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from finefake.contract import FINE_GRAINED_NAMES, PLATFORM_GROUP, PLATFORMS, TOPICS
from finefake.dataset.synthetic import (
    CATEGORY_FOR_TOPIC,
    COMMON_WORDS,
    ENTITIES,
    FAKE_CLASS_WEIGHTS,
    FAKE_CUES_SHARED,
    FAKE_CUES_TOPIC,
    P_REAL_BY_GROUP,
    PLATFORM_WEIGHTS,
    REAL_CUES,
    TOPIC_RGB,
    TOPIC_WEIGHTS,
    TOPIC_WORDS,
    KgEntity,
)
from finefake.ids import canonical_url
from finefake.workspace import atomic_write_json

from . import templates

SNOPES = "www.snopes.com"
NEWS_HOSTS: dict[str, str] = {
    "apnews": "apnews.com",
    "cnn": "www.cnn.com",
    "nytimes": "www.nytimes.com",
    "washingtonpost": "www.washingtonpost.com",
    "cdc": "www.cdc.gov",
}
SITE_NAMES = {
    "apnews": "AP News",
    "cnn": "CNN",
    "nytimes": "The New York Times",
    "washingtonpost": "The Washington Post",
    "cdc": "Centers for Disease Control and Prevention",
}
ARCHIVE = "web.archive.org"
REDDIT_WWW, REDDIT_OAUTH, REDDIT_MEDIA = "www.reddit.com", "oauth.reddit.com", "i.redd.it"
TWITTER_API, TWITTER_WWW, TWITTER_MEDIA = "api.twitter.com", "twitter.com", "pbs.twimg.com"
#: Every host the mini-web answers for (the demo allows exactly these, and nothing else, to be fetched).
HOSTS: tuple[str, ...] = (
    SNOPES,
    *NEWS_HOSTS.values(),
    ARCHIVE,
    REDDIT_WWW,
    REDDIT_OAUTH,
    REDDIT_MEDIA,
    TWITTER_API,
    TWITTER_WWW,
    TWITTER_MEDIA,
)
SUBREDDITS = {
    "politics": "politics",
    "entertainment": "movies",
    "business": "business",
    "health": "Health",
    "society": "technology",
    "conflict": "worldnews",
}
LISTING_PAGE_SIZE = 40
#: Fine-grained class -> Snopes ratings that typically go with it.
RATINGS_BY_CLASS: dict[int, tuple[str, ...]] = {
    0: ("True", "Mostly True", "Correct Attribution"),
    1: ("Miscaptioned",),
    2: ("Misattributed", "False"),
    3: ("False", "Mostly False", "Fake"),
    4: ("Altered Photo", "Fake"),
    5: ("Mostly False", "False"),
}
RATING_VALUE = {"True": 5, "Mostly True": 4, "Correct Attribution": 5}
#: Per annotator: probability of giving the true fine-grained class (the rest is realistic confusion).
ANNOTATOR_ACCURACY = (0.93, 0.9, 0.86, 0.82, 0.76)
#: Classes annotators confuse with each other (a wrong answer is drawn from these first).
CONFUSIONS = {0: (5, 3), 1: (4, 2), 2: (3, 1), 3: (2, 5), 4: (1, 3), 5: (3, 0)}
VERBS = (
    "announced",
    "shared",
    "claimed",
    "reported",
    "described",
    "showed",
    "questioned",
    "discussed",
    "warned",
    "revealed",
    "defended",
    "denied",
)
LINKERS = ("while", "because", "after", "as", "although", "when")
SPANISH = (
    "El gobierno anunció nuevas medidas para las escuelas de la ciudad durante la semana pasada. "
    "Los vecinos dijeron que la decisión fue tomada sin consultar a las familias ni a los maestros. "
    "Según el informe, el presupuesto para el próximo año será revisado por el consejo municipal."
)


@dataclass(frozen=True)
class MiniWebConfig:
    """Size and knobs of the generated mini-web (the defaults are the demo's)."""

    items: int = 600
    seed: int = 0
    signal: float = 0.8
    """Probability that a planted label cue fires (as in the synthetic generator)."""
    noise_share: float = 0.03
    """Extra items the clean stage should drop: near duplicates, non-English and text-only posts."""
    image_size: tuple[int, int] = (160, 120)
    ambiguous_share: float = 0.12
    """Share of items that mention an ambiguous name (Apple the company / apple the fruit)."""


@dataclass
class MiniWeb:
    """A generated mini-web on disk."""

    root: Path
    config: MiniWebConfig
    truth: list[dict[str, Any]]
    _indexes: dict[str, Any] = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def snopes_entry(self) -> str:
        return f"http://{SNOPES}/fact-check/"

    @property
    def sitemaps(self) -> list[str]:
        return [f"http://{host}/sitemap.xml" for host in NEWS_HOSTS.values()]

    def by_url(self) -> dict[str, dict[str, Any]]:
        """Truth rows by every canonical URL an item can be reached at (page, archive copy, permalink).

        Built once per MiniWeb: the demo looks up every item of every annotator, and rebuilding the index per
        lookup made ``annotate`` quadratic (51 s of silence at 600 items)."""
        if "url" not in self._indexes:
            index: dict[str, dict[str, Any]] = {}
            for row in self.truth:
                for url in row["urls"]:
                    index[canonical_url(url)] = row
            self._indexes["url"] = index
        return self._indexes["url"]

    def by_platform_id(self) -> dict[tuple[str, str], dict[str, Any]]:
        if "platform_id" not in self._indexes:
            self._indexes["platform_id"] = {
                (r["platform"], r["platform_id"]): r for r in self.truth if r.get("platform_id")
            }
        return self._indexes["platform_id"]


def entity_pool() -> list[KgEntity]:
    """The entities texts may mention: the knowledge store's shipped subset when it exists, else the synthetic
    generator's real Wikidata entities (the same ids either way for the ones both hold)."""
    try:
        from finefake.knowledge.store import shipped_entities  # type: ignore[attr-defined]
    except ImportError:
        return list(ENTITIES)
    shipped = {e["qid"]: e for e in shipped_entities()}
    pool = [e for e in ENTITIES if e.qid in shipped] or list(ENTITIES)
    known = {e.qid for e in pool}
    for meanings in AMBIGUOUS.values():  # the other readings of ambiguous names, when the subset has them
        for topic, qid in meanings.items():
            if qid not in known and qid in shipped and shipped[qid].get("label"):
                pool.append(
                    KgEntity(qid, shipped[qid]["label"], shipped[qid].get("description") or "", topic)
                )
                known.add(qid)
    return pool


# --- planning -------------------------------------------------------------------------------------------
def _allocate(total: int, weights: dict[str, float]) -> dict[str, int]:
    """Largest-remainder allocation so small mini-webs keep the intended proportions exactly."""
    norm = sum(weights.values())
    raw = {k: total * w / norm for k, w in weights.items()}
    counts = {k: math.floor(v) for k, v in raw.items()}
    for key in sorted(raw, key=lambda k: raw[k] - counts[k], reverse=True)[: total - sum(counts.values())]:
        counts[key] += 1
    return counts


def plan_items(config: MiniWebConfig) -> list[dict[str, Any]]:
    """Platform, topic, label and fine-grained class of every item (deterministic in the seed)."""
    rng = random.Random(config.seed)
    counts = _allocate(config.items, PLATFORM_WEIGHTS)
    plan: list[dict[str, Any]] = []
    fake_seen = 0
    for platform in PLATFORMS:
        for k in range(counts[platform]):
            topic = (
                TOPICS[k % len(TOPICS)]
                if k < len(TOPICS)
                else rng.choices(list(TOPIC_WEIGHTS), weights=list(TOPIC_WEIGHTS.values()))[0]
            )
            label = 1 if rng.random() < P_REAL_BY_GROUP[PLATFORM_GROUP[platform]] else 0
            if label == 0:
                # Cycle the five fake classes first so that every class exists in a small mini-web.
                fine = (
                    1 + (fake_seen % 5)
                    if fake_seen < 10
                    else 1 + rng.choices(range(5), weights=FAKE_CLASS_WEIGHTS)[0]
                )
                fake_seen += 1
            else:
                fine = 0
            plan.append({"platform": platform, "topic": topic, "label": label, "fine_grained_label": fine})
    rng.shuffle(plan)
    return plan


# --- content --------------------------------------------------------------------------------------------
#: Ambiguous surface names: the entity each topic's context means (all real Wikidata ids).
AMBIGUOUS: dict[str, dict[str, str]] = {
    "Apple": {"business": "Q312", "health": "Q89"},
    "Washington": {"politics": "Q61", "society": "Q23"},
    "Tesla": {"business": "Q478214", "society": "Q9036"},
}


def ambiguous_choices(topic: str, pool: list[KgEntity]) -> list[tuple[str, KgEntity]]:
    """(surface name, meant entity) pairs usable in ``topic`` with the entities of ``pool``."""
    by_qid = {e.qid: e for e in pool}
    return [(name, by_qid[m[topic]]) for name, m in AMBIGUOUS.items() if topic in m and m[topic] in by_qid]


def _pick_entities(
    rng: random.Random, pool: list[KgEntity], topic: str, fine: int, signal: float, ambiguous: bool
) -> list[KgEntity]:
    if ambiguous and ambiguous_choices(topic, pool):
        return [rng.choice(ambiguous_choices(topic, pool))[1]]
    if fine == 2 and rng.random() < signal:
        candidates = [e for e in pool if e.disputed]
    else:
        candidates = [e for e in pool if e.topic == topic and not e.disputed] or pool
    k = min(rng.randint(1, 3), len(candidates))
    return rng.sample(candidates, k)


def _cue_words(rng: random.Random, topic: str, label: int, fine: int, signal: float) -> list[str]:
    if label == 1:
        return [rng.choice(REAL_CUES) for _ in range(4 if rng.random() < signal else 1)]
    cues = FAKE_CUES_SHARED + FAKE_CUES_TOPIC[topic]
    strong = fine == 3 or (fine == 5 and rng.random() < 0.5)
    n = (5 if strong else 1) if rng.random() < signal else rng.randint(0, 1)
    return [rng.choice(cues) for _ in range(n)]


def _sentence(rng: random.Random, topic: str, extra: list[str]) -> str:
    words = TOPIC_WORDS[topic]
    parts = [
        "the",
        rng.choice(words),
        rng.choice(VERBS),
        "that",
        "the",
        rng.choice(words),
        "was",
        rng.choice(COMMON_WORDS[14:]),
        rng.choice(LINKERS),
        "the",
        rng.choice(words),
        "and",
        "the",
        rng.choice(words),
        rng.choice(("this week", "last year", "on Monday", "in the city", "again")),
    ]
    for word in extra:
        parts.insert(rng.randrange(1, len(parts) + 1), word)
    text = " ".join(parts)
    return text[0].upper() + text[1:] + "."


def make_paragraphs(
    rng: random.Random, topic: str, label: int, fine: int, mentions: list[str], signal: float
) -> list[str]:
    """3-4 paragraphs of topic prose carrying the planted cue words and every entity mention once."""
    cues = _cue_words(rng, topic, label, fine, signal)
    n_sentences = rng.randint(6, 9)
    extras: list[list[str]] = [[] for _ in range(n_sentences)]
    for cue in cues:
        extras[rng.randrange(n_sentences)].append(cue)
    sentences = [_sentence(rng, topic, extra) for extra in extras]
    for i, mention in enumerate(mentions):
        slot = i % n_sentences
        sentences[slot] = f"{mention} was named in the report. " + sentences[slot]
    cut = sorted(rng.sample(range(1, n_sentences), k=2))
    bounds = [0, *cut, n_sentences]
    return [" ".join(sentences[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]


def draw_image(rng: random.Random, topic: str, fine: int, signal: float, size: tuple[int, int]) -> bytes:
    """A JPEG "photo": the topic's palette (covariate shift), shapes, and the class cues of the synthetic
    generator (another topic's colours for text-image inconsistency, a red grid for image-based fakes)."""
    colour_topic = topic
    if fine == 1 and rng.random() < signal:
        colour_topic = rng.choice([t for t in TOPICS if t != topic])
    base = TOPIC_RGB[colour_topic]
    img = Image.new("RGB", size, base)
    draw = ImageDraw.Draw(img)
    w, h = size
    for _ in range(rng.randint(4, 9)):
        x0, y0 = rng.randrange(w), rng.randrange(h)
        x1, y1 = min(w - 1, x0 + rng.randint(8, w // 2)), min(h - 1, y0 + rng.randint(8, h // 2))
        shade = tuple(max(0, min(255, c + rng.randint(-120, 50))) for c in base)
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)((x0, y0, x1, y1), fill=shade)
    if (fine == 4 and rng.random() < signal) or (fine == 5 and rng.random() < signal / 2):
        for x in range(0, w, 8):
            draw.line((x, 0, x, h), fill=(255, 0, 0))
        for y in range(0, h, 8):
            draw.line((0, y, w, y), fill=(255, 0, 0))
    for _ in range(w * h // 40):  # sensor-like noise so re-encodings differ
        draw.point((rng.randrange(w), rng.randrange(h)), fill=tuple(rng.randrange(256) for _ in range(3)))
    buffer = io.BytesIO()
    img.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def _reencode(data: bytes, size: tuple[int, int]) -> bytes:
    with Image.open(io.BytesIO(data)) as img:
        resized = img.convert("RGB").resize((size[0] + 12, size[1] + 9))
    buffer = io.BytesIO()
    resized.save(buffer, format="JPEG", quality=70)
    return buffer.getvalue()


def _slug(rng: random.Random, words: list[str]) -> str:
    return (
        "-".join(w.lower().replace("'", "") for w in words)
        + "-"
        + "".join(rng.choices(string.ascii_lowercase + string.digits, k=5))
    )


def _annotators(rng: random.Random, fine: int) -> list[dict[str, int]]:
    out = []
    for accuracy in ANNOTATOR_ACCURACY:
        answer = fine
        if rng.random() > accuracy:
            answer = (
                rng.choice(CONFUSIONS[fine]) if rng.random() < 0.8 else rng.randrange(len(FINE_GRAINED_NAMES))
            )
        out.append({"label": 1 if answer == 0 else 0, "fine_grained_label": answer})
    return out


# --- the generator --------------------------------------------------------------------------------------
class _Writer:
    def __init__(self, root: Path):
        self.root = root
        self.files = 0

    def site(self, host: str, path: str, data: str | bytes) -> None:
        rel = path.lstrip("/")
        if not rel or rel.endswith("/"):
            rel += "index.html"
        target = self.root / "sites" / host / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        self.files += 1

    def api(self, kind: str, key: str, obj: Any) -> None:
        target = self.root / "api" / kind / f"{key}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
        self.files += 1


def generate_miniweb(out_dir: str | Path, config: MiniWebConfig | None = None) -> MiniWeb:
    """Write the mini-web into ``out_dir`` (deterministic in ``config.seed``) and return its description."""
    config = config or MiniWebConfig()
    final = Path(out_dir)
    final.parent.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=final.parent))
    writer = _Writer(root)
    rng = random.Random(config.seed * 7919 + 17)
    pool = entity_pool()
    start = datetime(2016, 1, 4, 9, 0, tzinfo=timezone.utc)
    plan = plan_items(config)
    rows: list[dict[str, Any]] = []
    for index, item in enumerate(plan):
        rows.append(_content(rng, index, item, pool, config, start))
    rows += _noise_rows(rng, rows, config, start)
    snopes = [r for r in rows if r["platform"] == "snopes"]
    others = [r for r in rows if r["platform"] != "snopes"]
    for i, row in enumerate(others):  # every source item is cited by one fact-check
        fc = snopes[i % len(snopes)]
        fc["cites"].append(row["key"])
        row["fact_check_key"] = fc["key"]
    by_key = {r["key"]: r for r in rows}
    for row in rows:
        _write_item(writer, rng, row, by_key, config)
    _write_snopes_site(writer, snopes)
    _write_news_sites(writer, [r for r in rows if r["platform"] in NEWS_HOSTS])
    _write_social_hosts(writer)
    review = _review_decisions(rows)
    truth = [{k: v for k, v in r.items() if k not in ("paragraphs", "image_bytes")} for r in rows]
    atomic_write_json(root / "truth.json", truth)
    atomic_write_json(root / "review_decisions.json", review)
    atomic_write_json(
        root / "miniweb.json",
        {
            "config": asdict(config),
            "hosts": list(HOSTS),
            "items": len(rows),
            "files": writer.files,
            "entry_points": {
                "snopes": f"http://{SNOPES}/fact-check/",
                "sitemaps": [f"http://{h}/sitemap.xml" for h in NEWS_HOSTS.values()],
            },
            "platforms": {p: sum(r["platform"] == p for r in rows) for p in PLATFORMS},
        },
    )
    # Written in a temporary folder and swapped in whole, so a killed run never leaves half a mini-web.
    if final.exists():
        shutil.rmtree(final)
    os.replace(root, final)
    return MiniWeb(final, config, truth)


def load_miniweb(root: str | Path) -> MiniWeb:
    """Read a mini-web written by :func:`generate_miniweb`."""
    root = Path(root)
    meta = json.loads((root / "miniweb.json").read_text(encoding="utf-8"))
    config = MiniWebConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in meta["config"].items()})
    return MiniWeb(root, config, json.loads((root / "truth.json").read_text(encoding="utf-8")))


def _content(
    rng: random.Random,
    index: int,
    item: dict[str, Any],
    pool: list[KgEntity],
    config: MiniWebConfig,
    start: datetime,
) -> dict[str, Any]:
    platform, topic, label, fine = item["platform"], item["topic"], item["label"], item["fine_grained_label"]
    ambiguous = bool(ambiguous_choices(topic, pool)) and rng.random() < config.ambiguous_share * 2
    entities = _pick_entities(rng, pool, topic, fine, config.signal, ambiguous)
    surface = {m[t]: name for name, m in AMBIGUOUS.items() for t in m}
    mentions = [surface[e.qid] if ambiguous and e.qid in surface else e.label for e in entities]
    paragraphs = make_paragraphs(rng, topic, label, fine, mentions, config.signal)
    title_words = rng.sample(TOPIC_WORDS[topic], 3)
    published = start + timedelta(days=rng.randrange(2900), minutes=rng.randrange(1440))
    image = draw_image(rng, topic, fine, config.signal, config.image_size)
    row: dict[str, Any] = {
        "index": index,
        **item,
        "platform_group": PLATFORM_GROUP[platform],
        "title": f"{mentions[0] + ': ' if mentions else ''}{' '.join(title_words).capitalize()}",
        "slug": _slug(rng, title_words),
        "published": published.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "entities": [
            {"qid": e.qid, "mention": m, "label": e.label} for e, m in zip(entities, mentions, strict=True)
        ],
        "ambiguous": ambiguous,
        "language": "en",
        "has_image": True,
        "expect": "keep",
        "annotations": _annotators(rng, fine),
        "cites": [],
        "fact_check_key": None,
        "paragraphs": paragraphs,
        "image_bytes": image,
        "platform_id": None,
    }
    if platform == "reddit":
        row["platform_id"] = "".join(rng.choices(string.ascii_lowercase + string.digits, k=6))
        row["subreddit"] = SUBREDDITS[topic]
    elif platform == "twitter":
        row["platform_id"] = str(1_100_000_000_000_000_000 + rng.randrange(10**17))
        row["user"] = {"id": str(rng.randrange(10**9, 10**10)), "username": f"user_{rng.randrange(10**5)}"}
    _set_urls(row)
    return row


def _set_urls(row: dict[str, Any]) -> None:
    platform, slug = row["platform"], row["slug"]
    year, month = row["published"][:4], row["published"][5:7]
    if platform == "snopes":
        layout = ("2022", "2017", "legacy")[row["index"] % 3]
        row["layout"] = layout
        path = f"/{row['topic']}/{slug}.asp" if layout == "legacy" else f"/fact-check/{slug}/"
        url = f"http://{SNOPES}{path}"
        row["lead_image"] = f"http://{SNOPES}/tachyon/{year}/{month}/{slug}.jpg"
    elif platform in NEWS_HOSTS:
        host = NEWS_HOSTS[platform]
        path = {
            "apnews": f"/article/{slug}",
            "cnn": f"/{year}/{month}/01/{row['topic']}/{slug}/index.html",
            "nytimes": f"/{year}/{month}/01/us/{slug}.html",
            "washingtonpost": f"/{row['topic']}/{year}/{month}/01/{slug}/",
            "cdc": f"/media/releases/{year}/{slug}.html",
        }[platform]
        url = f"http://{host}{path}"
        row["image_url"] = f"http://{host}/images/{slug}.jpg"
    elif platform == "reddit":
        url = f"http://{REDDIT_WWW}/r/{row['subreddit']}/comments/{row['platform_id']}/{slug.replace('-', '_')}/"
        row["image_url"] = f"http://{REDDIT_MEDIA}/{row['platform_id']}{slug[-5:]}.jpg"
    else:
        url = f"http://{TWITTER_WWW}/{row['user']['username']}/status/{row['platform_id']}"
        row["image_url"] = f"http://{TWITTER_MEDIA}/media/{row['platform_id'][-12:]}.jpg"
    row["url"] = url
    row["urls"] = [url]
    row["key"] = canonical_url(url)


def _noise_rows(
    rng: random.Random, rows: list[dict[str, Any]], config: MiniWebConfig, start: datetime
) -> list[dict[str, Any]]:
    """Items the clean stage must drop: near duplicates of stream posts, Spanish posts, posts without image."""
    n = max(3, round(config.items * config.noise_share))
    streams = [r for r in rows if r["platform"] in ("reddit", "twitter")]
    out = []
    for k in range(n):
        source = streams[k % len(streams)]
        kind = ("near_duplicate", "non_english", "text_only")[k % 3]
        copy = {
            **source,
            "index": len(rows) + k,
            "annotations": _annotators(rng, source["fine_grained_label"]),
            "cites": [],
            "expect": f"drop:{kind}",
            "near_duplicate_of": None,
        }
        copy["entities"] = list(source["entities"])
        if source["platform"] == "reddit":
            copy["platform_id"] = "".join(rng.choices(string.ascii_lowercase + string.digits, k=6))
        else:
            copy["platform_id"] = str(1_200_000_000_000_000_000 + rng.randrange(10**17))
        copy["slug"] = source["slug"][:-5] + "".join(rng.choices(string.ascii_lowercase, k=5))
        if kind == "near_duplicate":
            words = " ".join(source["paragraphs"]).split(" ")
            for _ in range(3):
                words[rng.randrange(len(words))] = rng.choice(COMMON_WORDS)
            copy["paragraphs"] = [" ".join(words)]
            copy["image_bytes"] = _reencode(source["image_bytes"], config.image_size)
            copy["near_duplicate_of"] = source["key"]
        elif kind == "non_english":
            copy["paragraphs"] = [SPANISH]
            copy["entities"] = []
            copy["language"] = "es"
            copy["image_bytes"] = draw_image(rng, source["topic"], 0, 0.0, config.image_size)
        else:
            copy["has_image"] = False
            copy["image_bytes"] = None
        _set_urls(copy)
        out.append(copy)
    return out


def _fact_check_view(
    row: dict[str, Any], by_key: dict[str, dict[str, Any]], rng: random.Random
) -> dict[str, Any]:
    rating = rng.choice(RATINGS_BY_CLASS[row["fine_grained_label"]])
    categories = [rng.choice(CATEGORY_FOR_TOPIC[row["topic"]])]
    sources: list[tuple[str, str]] = []
    for key in row["cites"]:
        cited = by_key[key]
        url = cited["url"]
        if cited["platform"] in NEWS_HOSTS and rng.random() < 0.25:
            url = f"http://{ARCHIVE}/web/{cited['published'][:10].replace('-', '')}000000/{cited['url']}"
            cited["urls"].append(url)
        sources.append((url, cited["title"]))
    sources.append(("http://www.example-blog.net/" + row["slug"], "A blog post that repeated the claim"))
    when = datetime.fromisoformat(row["published"].replace("Z", "+00:00"))
    author = rng.choice(("Dan Evon", "Bethania Palma", "Alex Kasprak", "Jordan Liles", "Nur Ibrahim"))
    images = [(f"http://{SNOPES}/uploads/{row['slug']}-{i}.jpg", f"Image {i} of the claim") for i in range(1)]
    return {
        "url": row["url"],
        "title": row["title"],
        "subtitle": "What the posts claimed and what we found.",
        "claim": f"{row['title']}: {row['paragraphs'][0].split('.')[0]}.",
        "rating": rating,
        "rating_value": RATING_VALUE.get(rating, 1),
        "rating_slug": rating.lower().replace(" ", "-"),
        "categories": categories,
        "tags": [row["topic"], row["slug"].split("-")[0]],
        "author": author,
        "author_slug": author.lower().replace(" ", "-"),
        "published": row["published"],
        "published_human": when.strftime("%b. %d, %Y"),
        "lead_image": row["lead_image"],
        "images": images,
        "paragraphs": row["paragraphs"],
        "sources": sources,
    }


def _write_item(
    writer: _Writer,
    rng: random.Random,
    row: dict[str, Any],
    by_key: dict[str, dict[str, Any]],
    config: MiniWebConfig,
) -> None:
    platform = row["platform"]
    image = row.get("image_bytes")
    if platform == "snopes":
        view = _fact_check_view(row, by_key, rng)
        row["rating"], row["categories"] = view["rating"], view["categories"]
        writer.site(SNOPES, row["url"].split(SNOPES, 1)[1], templates.SNOPES_LAYOUTS[row["layout"]](view))
        writer.site(SNOPES, row["lead_image"].split(SNOPES, 1)[1], image)
        for url, _ in view["images"]:
            writer.site(
                SNOPES,
                url.split(SNOPES, 1)[1],
                draw_image(rng, row["topic"], row["fine_grained_label"], config.signal, config.image_size),
            )
    elif platform in NEWS_HOSTS:
        host = NEWS_HOSTS[platform]
        art = {
            "url": row["url"],
            "title": row["title"],
            "published": row["published"],
            "authors": [rng.choice(("Jane Doe", "Carlos Ruiz", "Mei Chen", "Sam Okafor", "Lena Fischer"))],
            "image": row["image_url"] if image else None,
            "caption": f"A photo about {row['topic']}.",
            "section": row["topic"].capitalize(),
            "site_name": SITE_NAMES[platform],
            "description": row["paragraphs"][0][:150],
            "paragraphs": row["paragraphs"],
        }
        writer.site(host, row["url"].split(host, 1)[1], templates.news_article(platform, art))
        if image:
            writer.site(host, row["image_url"].split(host, 1)[1], image)
    elif platform == "reddit":
        writer.api("reddit", row["platform_id"], _reddit_thread(rng, row))
        if image:
            writer.site(REDDIT_MEDIA, row["image_url"].split(REDDIT_MEDIA, 1)[1], image)
    else:
        writer.api("twitter", row["platform_id"], _tweet(rng, row))
        if image:
            writer.site(TWITTER_MEDIA, row["image_url"].split(TWITTER_MEDIA, 1)[1], image)


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _reddit_thread(rng: random.Random, row: dict[str, Any]) -> list[dict[str, Any]]:
    """The JSON of ``GET /comments/<id>``: [listing with the t3 submission, listing of t1 comments]."""
    pid, created = row["platform_id"], _epoch(row["published"])
    permalink = row["url"].split(REDDIT_WWW, 1)[1]
    text = "\n\n".join(row["paragraphs"])
    submission: dict[str, Any] = {
        "id": pid,
        "name": f"t3_{pid}",
        "title": row["title"],
        "selftext": text,
        "author": f"u_{pid[:4]}",
        "created_utc": created,
        "score": rng.randint(1, 5000),
        "upvote_ratio": round(rng.uniform(0.5, 1), 2),
        "subreddit": row["subreddit"],
        "subreddit_name_prefixed": f"r/{row['subreddit']}",
        "permalink": permalink,
        "num_comments": 0,
        "over_18": False,
        "is_self": not row["has_image"],
        "is_video": False,
        "spoiler": False,
        "locked": False,
        "stickied": False,
        "link_flair_text": None,
    }
    if row["has_image"]:
        if row["index"] % 4 == 0:  # a gallery post: media_metadata + gallery_data
            media_id = f"m{pid}"
            submission |= {
                "url": f"http://{REDDIT_WWW}/gallery/{pid}",
                "domain": "reddit.com",
                "is_gallery": True,
                "gallery_data": {"items": [{"media_id": media_id, "id": rng.randrange(10**8)}]},
                "media_metadata": {
                    media_id: {
                        "status": "valid",
                        "e": "Image",
                        "m": "image/jpg",
                        "id": media_id,
                        "s": {"u": row["image_url"], "x": 160, "y": 120},
                        "p": [],
                    }
                },
            }
        else:
            submission |= {
                "url": row["image_url"],
                "domain": REDDIT_MEDIA,
                "post_hint": "image",
                "preview": {
                    "enabled": True,
                    "images": [
                        {
                            "id": pid,
                            "source": {"url": row["image_url"], "width": 160, "height": 120},
                            "resolutions": [],
                            "variants": {},
                        }
                    ],
                },
            }
    else:
        submission |= {"url": f"http://{REDDIT_WWW}{permalink}", "domain": f"self.{row['subreddit']}"}
    comments = []
    for j in range(rng.randint(0, 3)):
        cid = f"{pid[:3]}c{j}{rng.randrange(100)}"
        comments.append(
            {
                "kind": "t1",
                "data": {
                    "id": cid,
                    "name": f"t1_{cid}",
                    "author": f"commenter{rng.randrange(1000)}",
                    "body": " ".join(
                        rng.choices(TOPIC_WORDS[row["topic"]] + COMMON_WORDS, k=rng.randint(5, 15))
                    ),
                    "created_utc": created + 3600 * (j + 1),
                    "score": rng.randint(-5, 300),
                    "parent_id": f"t3_{pid}",
                    "link_id": f"t3_{pid}",
                    "depth": 0,
                    "replies": "",
                    "subreddit": row["subreddit"],
                    "permalink": f"{permalink}{cid}/",
                },
            }
        )
    submission["num_comments"] = len(comments)

    def listing(children: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "kind": "Listing",
            "data": {
                "after": None,
                "dist": len(children) or None,
                "modhash": "",
                "geo_filter": "",
                "children": children,
                "before": None,
            },
        }

    return [listing([{"kind": "t3", "data": submission}]), listing(comments)]


def _tweet(rng: random.Random, row: dict[str, Any]) -> dict[str, Any]:
    """A tweet as API v2 returns it with ``expansions=attachments.media_keys,author_id``, plus its replies."""
    tid, user = row["platform_id"], row["user"]
    text = " ".join(row["paragraphs"])[:275]
    tweet: dict[str, Any] = {
        "id": tid,
        "text": text,
        "author_id": user["id"],
        "created_at": row["published"].replace("Z", ".000Z"),
        "conversation_id": tid,
        "lang": row["language"],
        "edit_history_tweet_ids": [tid],
        "public_metrics": {
            "retweet_count": rng.randrange(500),
            "reply_count": 0,
            "like_count": rng.randrange(5000),
            "quote_count": rng.randrange(50),
        },
    }
    media = []
    if row["has_image"]:
        key = f"3_{tid}"
        tweet["attachments"] = {"media_keys": [key]}
        media.append(
            {"media_key": key, "type": "photo", "url": row["image_url"], "width": 160, "height": 120}
        )
    replies = []
    for j in range(rng.randint(0, 2)):
        replies.append(
            {
                "id": str(int(tid) + j + 1),
                "text": " ".join(rng.choices(TOPIC_WORDS[row["topic"]], k=8)),
                "author_id": str(rng.randrange(10**9, 10**10)),
                "conversation_id": tid,
                "in_reply_to_user_id": user["id"],
                "created_at": row["published"].replace("Z", ".000Z"),
                "lang": "en",
                "edit_history_tweet_ids": [str(int(tid) + j + 1)],
            }
        )
    tweet["public_metrics"]["reply_count"] = len(replies)
    users = [
        {"id": user["id"], "name": user["username"].replace("_", " ").title(), "username": user["username"]}
    ]
    return {"tweet": tweet, "media": media, "users": users, "replies": replies}


def _write_snopes_site(writer: _Writer, snopes: list[dict[str, Any]]) -> None:
    """Listing pages (newest first, paginated), a disallowed draft, robots.txt and a sitemap."""
    ordered = sorted(snopes, key=lambda r: r["published"], reverse=True)
    entries = [{"url": r["url"], "title": r["title"], "published": r["published"]} for r in ordered]
    entries.insert(
        min(3, len(entries)),
        {
            "url": f"http://{SNOPES}/fact-check/draft-unpublished-claim/",
            "title": "Draft (not for robots)",
            "published": ordered[0]["published"],
        },
    )
    draft = {**ordered[0], "url": entries[min(3, len(entries) - 1)]["url"], "cites": []}
    writer.site(
        SNOPES,
        "/fact-check/draft-unpublished-claim/",
        templates.snopes_2022(
            {
                "url": draft["url"],
                "title": "Draft",
                "subtitle": "",
                "claim": "An unpublished draft.",
                "rating": "False",
                "rating_value": 1,
                "rating_slug": "false",
                "categories": ["Politics"],
                "tags": [],
                "author": "Staff",
                "author_slug": "staff",
                "published": draft["published"],
                "published_human": "",
                "lead_image": "",
                "images": [],
                "paragraphs": ["This draft must never be crawled: robots.txt disallows it."],
                "sources": [],
            }
        ),
    )
    pages = [entries[i : i + LISTING_PAGE_SIZE] for i in range(0, len(entries), LISTING_PAGE_SIZE)] or [[]]
    for number, page in enumerate(pages, 1):
        path = "/fact-check/" if number == 1 else f"/fact-check/page/{number}/"
        nxt = f"http://{SNOPES}/fact-check/page/{number + 1}/" if number < len(pages) else None
        writer.site(SNOPES, path, templates.snopes_listing(page, nxt, number))
    writer.site(
        SNOPES,
        "/robots.txt",
        "User-agent: *\nDisallow: /fact-check/draft-\nDisallow: /search/\n"
        f"Sitemap: http://{SNOPES}/sitemap.xml\n",
    )
    writer.site(SNOPES, "/sitemap.xml", templates.sitemap([(r["url"], r["published"]) for r in ordered]))


def _write_news_sites(writer: _Writer, articles: list[dict[str, Any]]) -> None:
    for platform, host in NEWS_HOSTS.items():
        own = sorted((a for a in articles if a["platform"] == platform), key=lambda a: a["published"])
        half = len(own) // 2
        children = [f"http://{host}/sitemaps/news-1.xml", f"http://{host}/sitemaps/news-2.xml"]
        writer.site(host, "/sitemap.xml", templates.sitemap_index(children))
        writer.site(
            host, "/sitemaps/news-1.xml", templates.sitemap([(a["url"], a["published"]) for a in own[:half]])
        )
        writer.site(
            host, "/sitemaps/news-2.xml", templates.sitemap([(a["url"], a["published"]) for a in own[half:]])
        )
        writer.site(
            host,
            "/robots.txt",
            f"User-agent: *\nDisallow: /search\nDisallow: /account/\nSitemap: http://{host}/sitemap.xml\n",
        )
        writer.site(
            host,
            "/",
            f"<html><head><title>{SITE_NAMES[platform]}</title></head><body>"
            f"<h1>{SITE_NAMES[platform]}</h1></body></html>",
        )


def _write_social_hosts(writer: _Writer) -> None:
    for host in (REDDIT_WWW, REDDIT_OAUTH, REDDIT_MEDIA, TWITTER_API, TWITTER_WWW, TWITTER_MEDIA, ARCHIVE):
        writer.site(host, "/robots.txt", "User-agent: *\nAllow: /\n")


def _review_decisions(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What the demo's reviewer decides for a queued mention: the entity the generator actually meant.

    Keyed by item URL and mention, so the decision is found again whatever id the crawler gives the item.
    """
    out = []
    for row in rows:
        for entity in row["entities"]:
            out.append(
                {
                    "url": row["key"],
                    "mention": entity["mention"],
                    "qid": entity["qid"],
                    "reviewer": "demo-reviewer",
                    "ambiguous": row["ambiguous"],
                }
            )
    return out
