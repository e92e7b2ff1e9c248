"""The mini-web's prose and pictures: topic sentences carrying the synthetic generator's planted cues, and
JPEG "photos" in the topic palettes (see :mod:`finefake.demo.miniweb`). Every draw comes from the caller's
``random.Random``, so a seed gives the same bytes."""

from __future__ import annotations

import io
import random
import string

from PIL import Image, ImageDraw

from finefake.contract import TOPICS
from finefake.dataset.synthetic import (
    COMMON_WORDS,
    FAKE_CUES_SHARED,
    FAKE_CUES_TOPIC,
    REAL_CUES,
    TOPIC_RGB,
    TOPIC_WORDS,
)

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


def reencode(data: bytes, size: tuple[int, int]) -> bytes:
    with Image.open(io.BytesIO(data)) as img:
        resized = img.convert("RGB").resize((size[0] + 12, size[1] + 9))
    buffer = io.BytesIO()
    resized.save(buffer, format="JPEG", quality=70)
    return buffer.getvalue()


def slug(rng: random.Random, words: list[str]) -> str:
    return (
        "-".join(w.lower().replace("'", "") for w in words)
        + "-"
        + "".join(rng.choices(string.ascii_lowercase + string.digits, k=5))
    )
