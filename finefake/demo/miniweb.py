"""A deterministic offline "mini-web": Snopes, five news sites, Reddit and Twitter APIs, archive.org, images.

Everything is written by the project: texts are built from the vocabularies and planted cues of
:mod:`finefake.dataset.synthetic` (so the benchmark has something to learn), images are drawn here, entity
mentions are real Wikidata entities (those of the knowledge store when it ships a subset). Items are spread over
the six topics and eight platforms with the platform mix and real/fake shares of the synthetic generator (the
shape of the paper's Table 3), and every fine-grained class is planted.

Pages use the real host names over plain http (``http://www.snopes.com/...``); :mod:`finefake.demo.server`
answers for all of them on 127.0.0.1, as a virtual-host web server and as an HTTP proxy, so every host-based rule
of the crawlers (archive links, site profiles, Reddit/Twitter links, politeness per host) works as on the web.

This module plans the items and their content; each site family's pages and API answers are written by its
module under :mod:`finefake.demo.sites` (Snopes, news, Reddit and Twitter), from the HTML templates of
:mod:`finefake.demo.templates` and the prose and pictures of :mod:`finefake.demo.content`.

Folder written by :func:`generate_miniweb`::

    sites/<host>/<path>          static files (``.../`` is ``.../index.html``)
    api/reddit/<id>.json         the ``/comments/<id>`` answer of the Reddit API ([submission, comments])
    api/twitter/<id>.json        one tweet object plus its ``includes`` (media, users) and replies
    truth.json                   per item: platform, topic, labels, entities, five annotators' labels, ...
    review_decisions.json        a recorded reviewer's decisions on ambiguous entity mentions
    miniweb.json                 seed, sizes, hosts and entry points
"""

from __future__ import annotations

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

from finefake.contract import FINE_GRAINED_NAMES, PLATFORM_GROUP, PLATFORMS, TOPICS
from finefake.dataset.synthetic import (
    COMMON_WORDS,
    ENTITIES,
    FAKE_CLASS_WEIGHTS,
    P_REAL_BY_GROUP,
    PLATFORM_WEIGHTS,
    TOPIC_WEIGHTS,
    TOPIC_WORDS,
    KgEntity,
)
from finefake.demo.content import SPANISH, draw_image, make_paragraphs, reencode, slug
from finefake.demo.sites import news, social
from finefake.demo.sites import snopes as snopes_site
from finefake.demo.sites.hosts import (
    ARCHIVE,
    HOSTS,
    NEWS_HOSTS,
    REDDIT_MEDIA,
    REDDIT_OAUTH,
    REDDIT_WWW,
    SITE_NAMES,
    SNOPES,
    SUBREDDITS,
    TWITTER_API,
    TWITTER_MEDIA,
    TWITTER_WWW,
)
from finefake.demo.sites.writer import SiteWriter
from finefake.ids import canonical_url
from finefake.workspace import atomic_write_json

__all__ = [  # the host names are part of this module's API (the server and the demo pipeline use them)
    "ARCHIVE",
    "HOSTS",
    "NEWS_HOSTS",
    "REDDIT_MEDIA",
    "REDDIT_OAUTH",
    "REDDIT_WWW",
    "SITE_NAMES",
    "SNOPES",
    "TWITTER_API",
    "TWITTER_MEDIA",
    "TWITTER_WWW",
    "MiniWeb",
    "MiniWebConfig",
    "generate_miniweb",
    "load_miniweb",
]

#: Per annotator: probability of giving the true fine-grained class (the rest is realistic confusion).
ANNOTATOR_ACCURACY = (0.93, 0.9, 0.86, 0.82, 0.76)
#: Classes annotators confuse with each other (a wrong answer is drawn from these first).
CONFUSIONS = {0: (5, 3), 1: (4, 2), 2: (3, 1), 3: (2, 5), 4: (1, 3), 5: (3, 0)}


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
def generate_miniweb(out_dir: str | Path, config: MiniWebConfig | None = None) -> MiniWeb:
    """Write the mini-web into ``out_dir`` (deterministic in ``config.seed``) and return its description."""
    config = config or MiniWebConfig()
    final = Path(out_dir)
    final.parent.mkdir(parents=True, exist_ok=True)
    root = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=final.parent))
    writer = SiteWriter(root)
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
    snopes_site.write_snopes_site(writer, snopes)
    news.write_news_sites(writer, [r for r in rows if r["platform"] in NEWS_HOSTS])
    social.write_social_hosts(writer)
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
        "slug": slug(rng, title_words),
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
            copy["image_bytes"] = reencode(source["image_bytes"], config.image_size)
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


def _write_item(
    writer: SiteWriter,
    rng: random.Random,
    row: dict[str, Any],
    by_key: dict[str, dict[str, Any]],
    config: MiniWebConfig,
) -> None:
    platform = row["platform"]
    if platform == "snopes":
        snopes_site.write_fact_check(writer, rng, row, by_key, config.signal, config.image_size)
    elif platform in NEWS_HOSTS:
        news.write_article(writer, rng, row)
    elif platform == "reddit":
        social.write_reddit_post(writer, rng, row)
    else:
        social.write_tweet(writer, rng, row)


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
