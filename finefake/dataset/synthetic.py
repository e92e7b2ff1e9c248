"""Deterministic synthetic FineFake records with planted signals, for tests, perf scripts and benchmarks.

Real FineFake data cannot ship with the tests, and a benchmark harness is only testable on data whose answer
is known. The generator plants the three effects the paper studies, each controllable:

* **label signal**: fake items use "fake cue" words and, for image-based fakes, a stripe pattern on the image;
  real items use sober reporting words. Cues fire with probability ``signal`` (noise otherwise), so the task is
  learnable but not trivial.
* **covariate shift between topics**: every topic has its own vocabulary, image colours (a shade of the topic's
  colour per item) and its own part of the fake cue words, so a model trained on some topics sees different
  inputs on the others; the shared cues transfer. Topics overlap (``TOPIC_OVERLAP`` of an item's topical
  words, image colours and plain entities come from other topics), so the shift is one the real encoders can
  carry across: a source-only model has seen the directions the target varies in (perf/synthetic_shift.py).
* **label shift between platform groups**: the real/fake ratio per group follows the shape of the paper's
  Table 3 (Snopes mostly fake, official news mostly real, social streams in between).

Fine-grained classes get their own cues, each topic-neutral so that domain adaptation has something to
transfer: text-image inconsistency (the image is painted in a colour no topic uses), content-knowledge
inconsistency (disputed entities of the item's own topic), text-based fake (text cues), image-based fake
(stripes), others (weak cues of both); real items' images have a white frame. Entities are real Wikidata ids with real one-hop
statements among them; offsets point at the mention in the text. Near-duplicates (a few words edited, the
image re-encoded) share a ``duplicate_cluster`` id so packaging can keep them in one split.

The generator's tables are in :mod:`finefake.dataset.synthetic_vocab` (words, cues, colours, mixes) and
:mod:`finefake.dataset.synthetic_kg` (the entities and their statements); every name is importable from here.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

import numpy as np
from PIL import Image

from finefake.contract import PLATFORM_GROUP, PLATFORMS, TOPICS
from finefake.dataset.splits import SPLIT_NAMES, package_split
from finefake.dataset.synthetic_kg import (
    ATTRIBUTES,
    ENTITIES,
    ENTITY_BY_QID,
    PROPERTY_LABELS,
    RELATIONS,
    KgEntity,
)
from finefake.dataset.synthetic_vocab import (
    ANNOTATORS,
    CATEGORY_FOR_TOPIC,
    COMMON_WORDS,
    FAKE_CLASS_WEIGHTS,
    FAKE_CUES_SHARED,
    FAKE_CUES_TOPIC,
    GRADIENT,
    MISMATCH_RGB,
    P_REAL_BY_GROUP,
    PLATFORM_WEIGHTS,
    RATING_FOR_LABEL,
    REAL_CUES,
    TOPIC_JITTER,
    TOPIC_OVERLAP,
    TOPIC_RGB,
    TOPIC_WEIGHTS,
    TOPIC_WORDS,
)
from finefake.ids import item_id
from finefake.workspace import Workspace, atomic_write_json


@dataclass(frozen=True)
class SyntheticConfig:
    """Knobs of the generator; the defaults give a learnable but noisy dataset."""

    signal: float = 0.75
    """Probability that a planted cue fires for an item (1.0 = perfectly separable, 0.0 = no signal)."""
    p_no_entities: float = 0.10
    p_no_image: float = 0.0
    p_near_duplicate: float = 0.03
    annotator_accuracy: float = 0.85
    image_size: int = 48
    min_words: int = 20
    max_words: int = 60


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, weights=[weights[k] for k in keys], k=1)[0]


def _overlap(rng: random.Random, topic: str) -> str:
    """``topic``, or with probability ``TOPIC_OVERLAP`` another topic (see there)."""
    if rng.random() < TOPIC_OVERLAP:
        return rng.choice([t for t in TOPIC_WORDS if t != topic])
    return topic


def _image_bytes(rng: random.Random, topic: str, fine: int, signal: float, size: int) -> bytes:
    """A small JPEG: a shade of the topic's colour (covariate shift) plus topic-neutral class cues.

    The shade varies per item (base colour jitter and a brightness gradient), so a topic is a region of
    colours, not one colour. Text-image inconsistency paints the image in ``MISMATCH_RGB``, a colour no topic
    uses, and image-based fakes carry stripes: neither cue depends on the item's topic, so a model trained on
    one topic can recognise them on another (a cue of the form "another topic's colour" could not transfer:
    every target image has another topic's colour from the source's point of view).
    """
    nprng = np.random.default_rng(rng.getrandbits(32))
    if fine == 1 and rng.random() < signal:
        base = np.array(MISMATCH_RGB, dtype=np.float32)
    else:
        base = np.array(TOPIC_RGB[_overlap(rng, topic)], dtype=np.float32)
    base = base + nprng.normal(0.0, TOPIC_JITTER, size=3)
    ramp = np.linspace(-1.0, 1.0, size, dtype=np.float32)
    direction = nprng.uniform(-1.0, 1.0, size=2)
    gradient = GRADIENT * (direction[0] * ramp[:, None] + direction[1] * ramp[None, :])
    pixels = base + gradient[:, :, None] + nprng.normal(0.0, 25.0, size=(size, size, 3))
    stripes = fine == 4 and rng.random() < signal or fine == 5 and rng.random() < signal / 2
    if stripes:
        pixels[::6, :, :] = (255, 0, 0)
        pixels[:, ::6, :] = (255, 0, 0)
    if fine == 0 and rng.random() < signal:
        # real items' images carry their own topic-neutral cue, a white frame (an agency photo's border):
        # without one, an image says "real" only by the absence of fake cues, and a source-only model on
        # ~80 mostly-fake items reads the image variation of a mostly-real target as fake (issue 28).
        edge = max(2, size // 12)
        for band in (np.s_[:edge, :], np.s_[-edge:, :], np.s_[:, :edge], np.s_[:, -edge:]):
            pixels[band] = 255.0
    image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def _text(
    rng: random.Random,
    topic: str,
    label: int,
    fine: int,
    mentions: list[str],
    signal: float,
    config: SyntheticConfig,
) -> tuple[str, list[tuple[int, int, str]]]:
    """Words from the topic's vocabulary with cue words and entity mentions; returns text and mention spans."""
    n_words = rng.randint(config.min_words, config.max_words)
    words = []
    for _ in range(n_words):
        if rng.random() < 0.45:
            own = _overlap(rng, topic)
            words.append(rng.choice(TOPIC_WORDS[own] + FAKE_CUES_TOPIC[own]))
        else:
            words.append(rng.choice(COMMON_WORDS))
    if label == 1:
        # A weak real item still carries five sober-reporting words: with fewer, a model trained on the
        # ~80 items of a mostly-fake source (fact-checkers' politics) reads much of a mostly-real target
        # (official news) as fake, the MiniLM mean of a 40-110-word text hardly moving for two or three words.
        cues = REAL_CUES
        n_cues = 8 if rng.random() < signal else 5
    else:
        # Shared cues only: a topic's own sensational words (FAKE_CUES_TOPIC) are its vocabulary, used by real
        # and fake items alike, so no fake cue is tied to a topic.
        cues = FAKE_CUES_SHARED
        strong = fine in (3,) or (fine == 5 and rng.random() < 0.5)
        n_cues = (10 if strong else 6) if rng.random() < signal else rng.randint(1, 3)
    for _ in range(n_cues):
        words.insert(rng.randrange(len(words) + 1), rng.choice(cues))
    slots = sorted(rng.sample(range(len(words) + 1), k=min(len(mentions), len(words) + 1)))
    for offset, (slot, mention) in enumerate(zip(slots, mentions, strict=False)):
        words.insert(slot + offset, f"\x00{mention}\x00")
    text, spans, cursor = [], [], 0
    for i, word in enumerate(words):
        token = word.strip("\x00")
        if i:
            text.append(" ")
            cursor += 1
        if word.startswith("\x00"):
            spans.append((cursor, cursor + len(token), token))
        text.append(token)
        cursor += len(token)
    joined = "".join(text)
    joined = joined[0].upper() + joined[1:] + "."
    return joined, [(start, end, joined[start:end]) for start, end, _ in spans]


def _entities(rng: random.Random, topic: str, fine: int, signal: float, p_none: float) -> list[KgEntity]:
    if rng.random() < p_none:
        return []
    k = rng.randint(1, 3)
    if fine == 2 and rng.random() < signal:
        # The item's own topic: a disputed entity of another topic would make "off-topic entity" the cue.
        pool = [e for e in ENTITIES if e.disputed and e.topic == topic]
    else:
        pool = [e for e in ENTITIES if e.topic == topic and not e.disputed] or list(ENTITIES)
        pool = pool + [
            e for e in ENTITIES if not e.disputed and e.topic != topic and rng.random() < TOPIC_OVERLAP
        ]
    chosen: list[KgEntity] = []
    for entity in rng.sample(pool, k=min(k, len(pool))):
        if entity not in chosen:
            chosen.append(entity)
    return chosen


def _knowledge(
    entities: list[KgEntity], spans: list[tuple[int, int, str]], rng: random.Random
) -> dict[str, Any]:
    qids = {e.qid for e in entities}
    linked = [
        {
            "mention": mention,
            "start": start,
            "end": end,
            "qid": e.qid,
            "wikipedia_title": e.label,
            "label": e.label,
            "description": e.description,
            "rho": round(rng.uniform(0.5, 0.95), 3),
            "source": "auto",
            "reviewer": None,
            "reviewed_at": None,
        }
        for e, (start, end, mention) in zip(entities, spans, strict=True)
    ]
    relations = [
        {
            "head": h,
            "property": p,
            "property_label": PROPERTY_LABELS[p],
            "tail": t,
            "tail_label": ENTITY_BY_QID[t].label,
        }
        for h, p, t in RELATIONS
        if h in qids
    ]
    attributes = [
        {"subject": s, "property": p, "property_label": PROPERTY_LABELS[p], "value": v, "datatype": d}
        for s, p, v, d in ATTRIBUTES
        if s in qids
    ]
    return {"entities": linked, "relation_triples": relations, "attribute_triples": attributes}


def _annotations(rng: random.Random, label: int, fine: int, accuracy: float) -> list[dict[str, Any]]:
    out = []
    for annotator in ANNOTATORS:
        f = fine if rng.random() < accuracy else rng.randrange(6)
        out.append({"annotator": annotator, "label": 1 if f == 0 else 0, "fine_grained_label": f})
    return out


def _edit_words(rng: random.Random, text: str, n: int) -> str:
    words = text.split(" ")
    for _ in range(n):
        words[rng.randrange(len(words))] = rng.choice(COMMON_WORDS)
    return " ".join(words)


def generate_records(
    n: int, *, seed: int = 0, workspace: Workspace, config: SyntheticConfig | None = None
) -> list[dict[str, Any]]:
    """Generate ``n`` schema-valid ``record`` dicts (images stored in ``workspace``), deterministic in ``seed``.

    Every topic and platform appears once ``n`` is a few dozen or more. Entity mentions in texts are the labels
    of real Wikidata entities, so the linker can find them again from the text.
    """
    config = config or SyntheticConfig()
    rng = random.Random(seed)
    start = datetime(2012, 1, 1, tzinfo=timezone.utc)
    records: list[dict[str, Any]] = []
    # Round-robin the first items over platforms and topics so small datasets still cover every domain.
    for index in range(n):
        platform = (
            PLATFORMS[index % len(PLATFORMS)] if index < 2 * len(PLATFORMS) else _pick(rng, PLATFORM_WEIGHTS)
        )
        topic = TOPICS[index % len(TOPICS)] if index < 4 * len(TOPICS) else _pick(rng, TOPIC_WEIGHTS)
        group = PLATFORM_GROUP[platform]
        if records and rng.random() < config.p_near_duplicate:
            records.append(
                _near_duplicate(rng, records[rng.randrange(len(records))], index, workspace, config)
            )
            continue
        label = 1 if rng.random() < P_REAL_BY_GROUP[group] else 0
        fine = 0 if label == 1 else 1 + rng.choices(range(5), weights=FAKE_CLASS_WEIGHTS, k=1)[0]
        entities = _entities(rng, topic, fine, config.signal, config.p_no_entities)
        text, spans = _text(rng, topic, label, fine, [e.label for e in entities], config.signal, config)
        images = []
        if rng.random() >= config.p_no_image:
            data = _image_bytes(rng, topic, fine, config.signal, config.image_size)
            images.append(workspace.images.put(data, url=f"https://img.example.org/{seed}/{index}.jpg"))
        url = f"https://{platform}.example.org/{topic}/{seed}-{index}"
        title_words = rng.sample(TOPIC_WORDS[topic], 4)
        published = start + timedelta(days=rng.randrange(4000), seconds=rng.randrange(86400))
        categories = [rng.choice(CATEGORY_FOR_TOPIC[topic])]
        rating = rng.choice(RATING_FOR_LABEL[label])
        fact_check = {
            "url": f"https://www.snopes.com/fact-check/synthetic-{seed}-{index}/",
            "claim": " ".join(text.split()[:12]),
            "rating": rating,
            "categories": categories,
            "label": label,
        }
        comments = []
        if group == "stream":
            comments = [
                {
                    "id": f"c{index}-{j}",
                    "author": f"user{rng.randrange(1000)}",
                    "text": " ".join(rng.choices(TOPIC_WORDS[topic] + COMMON_WORDS, k=rng.randint(5, 15))),
                    "created": (published + timedelta(hours=j + 1)).isoformat(),
                    "parent_id": None,
                    "score": rng.randint(-5, 200),
                }
                for j in range(rng.randint(0, 3))
            ]
        annotations = _annotations(rng, label, fine, config.annotator_accuracy)
        records.append(
            {
                "id": item_id(platform, url=url),
                "platform": platform,
                "platform_group": group,
                "topic": topic,
                "url": url,
                "title": " ".join(title_words).capitalize(),
                "text": text,
                "authors": [f"Reporter {rng.randrange(50)}"]
                if group != "stream"
                else [f"user{rng.randrange(1000)}"],
                "published": published.isoformat() if rng.random() > 0.05 else None,
                "images": images,
                "comments": comments,
                "fact_check": fact_check,
                "language": "en",
                "duplicate_cluster": None,
                "metadata": {"generator": "finefake.synthetic", "seed": seed, "index": index},
                **_knowledge(entities, spans, rng),
                "annotations": annotations,
                "label": label,
                "fine_grained_label": fine,
                "decision": {"method": "synthetic", "decided_by": list(ANNOTATORS), "agreement": None},
                "knowledge_embedding": None,
            }
        )
    return records


def _near_duplicate(
    rng: random.Random, source: dict[str, Any], index: int, workspace: Workspace, config: SyntheticConfig
) -> dict[str, Any]:
    """A copy of ``source`` with a few words edited and its image resized and re-encoded (same cluster)."""
    cluster = source["duplicate_cluster"] or f"cluster:{source['id']}"
    source["duplicate_cluster"] = cluster
    copy = {**source, "metadata": {**source["metadata"], "index": index, "near_duplicate_of": source["id"]}}
    copy["url"] = f"{source['url']}-copy{index}"
    copy["id"] = item_id(source["platform"], url=copy["url"])
    # Edit only after the last mention so the entity offsets stay valid.
    cut = max((e["end"] for e in source["entities"]), default=0)
    head, tail = source["text"][:cut], source["text"][cut:]
    copy["text"] = head + _edit_words(rng, tail, 3) if len(tail.split()) > 6 else source["text"]
    copy["title"] = _edit_words(rng, source["title"], 1)
    images = []
    for image in source["images"]:
        with Image.open(workspace.images.path(image["path"])) as original:
            resized = original.convert("RGB").resize((config.image_size + 8, config.image_size + 8))
        buffer = io.BytesIO()
        resized.save(buffer, format="JPEG", quality=70)
        images.append(workspace.images.put(buffer.getvalue(), url=image["url"]))
    copy["images"] = images
    return copy


def write_synthetic(
    workspace: Workspace, n: int, *, seed: int = 0, config: SyntheticConfig | None = None
) -> int:
    """Generate ``n`` records and write them as the workspace's ``records`` stage (replacing it), with their
    official split in ``records/splits.json``."""
    with workspace.run("records", inputs=["synthetic"], config={"n": n, "seed": seed}) as run:
        records = generate_records(n, seed=seed, workspace=workspace, config=config)
        run.counts["records"] = workspace.write_records("records", "record", records)
        run.counts["real"] = sum(r["label"] for r in records)
        run.counts["fake"] = len(records) - run.counts["real"]
        # The official split of these records, as `finefake package` would publish it (the benchmark's default).
        assignment = package_split(records)
        atomic_write_json(
            workspace.stage_dir("records") / "splits.json",
            {r["id"]: SPLIT_NAMES[k] for r, k in zip(records, assignment, strict=True)},
        )
    return len(records)
