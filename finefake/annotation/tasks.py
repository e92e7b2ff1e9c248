"""Labeling tasks built from aligned items: the task data the interface shows and the fact-check prediction.

The same task dicts go to the server (``client.py``) and to task files for import (``files.py``), so both
backends show annotators exactly the same thing.
"""

from __future__ import annotations

import html
from typing import Any
from urllib.parse import urlsplit

from finefake.annotation.label_config import BINARY_TAG, FINE_GRAINED_TAG, choice_result
from finefake.contract import LABEL_NAMES, label_for_rating

#: ``model_version`` of the pre-annotation, so that annotators (and exports) can tell it from human work.
PREDICTION_MODEL = "fact-check"
MISSING = "(none)"


def _safe_link(url: str | None) -> str:
    """An HTML link for the HyperText tag; only http(s) URLs become links (the text is untrusted)."""
    if not url:
        return MISSING
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return html.escape(url)
    return f'<a href="{html.escape(url, quote=True)}" target="_blank" rel="noopener noreferrer">{html.escape(url)}</a>'


def image_url(item: dict[str, Any], image_base_url: str | None) -> str:
    """Where the interface loads the item's first image from.

    With ``image_base_url`` (a server for the workspace's ``images/`` store, e.g. Label Studio local-file
    serving or any static server), the stored copy is used; otherwise the original image URL.
    """
    images = item.get("images") or []
    if not images:
        return ""
    first = images[0]
    if image_base_url and first.get("path"):
        return image_base_url.rstrip("/") + "/" + str(first["path"]).lstrip("/")
    return first.get("url") or ""


def fact_check_verdict(item: dict[str, Any]) -> int | None:
    """The binary verdict of the item's fact-check (its ``label`` or its rating via the mapping table)."""
    fact_check = item.get("fact_check") or {}
    if fact_check.get("label") in (0, 1):
        return int(fact_check["label"])
    return label_for_rating(fact_check.get("rating"))


def task_data(item: dict[str, Any], *, image_base_url: str | None = None) -> dict[str, Any]:
    """The ``data`` of one Label Studio task for an aligned item (every field the config reads is present)."""
    fact_check = item.get("fact_check") or {}
    return {
        "item_id": item["id"],
        "title": item.get("title") or MISSING,
        "text": item.get("text") or MISSING,
        "image": image_url(item, image_base_url),
        "source": f"{item.get('platform', '?')} · {item.get('topic', '?')} · {item.get('url', '')}",
        "fact_check_claim": fact_check.get("claim") or MISSING,
        "fact_check_rating": fact_check.get("rating") or MISSING,
        "fact_check_link": _safe_link(fact_check.get("url")),
        "platform": item.get("platform"),
        "platform_group": item.get("platform_group"),
        "topic": item.get("topic"),
    }


def prediction(item: dict[str, Any]) -> dict[str, Any] | None:
    """The fact-check verdict as a pre-annotation; None when the rating carries no verdict.

    A "real" verdict also pre-selects the fine-grained class "real"; a "fake" verdict leaves the fine-grained
    class to the annotator, since a rating does not say why an item is fake.
    """
    verdict = fact_check_verdict(item)
    if verdict is None:
        return None
    result = [choice_result(BINARY_TAG, LABEL_NAMES[verdict])]
    if LABEL_NAMES[verdict] == "real":
        result.append(choice_result(FINE_GRAINED_TAG, "real"))
    return {"model_version": PREDICTION_MODEL, "score": 1.0, "result": result}


def build_task(item: dict[str, Any], *, image_base_url: str | None = None) -> dict[str, Any]:
    """A Label Studio import task: data plus, when the fact-check has a verdict, one prediction."""
    task: dict[str, Any] = {"data": task_data(item, image_base_url=image_base_url)}
    pred = prediction(item)
    if pred is not None:
        task["predictions"] = [pred]
    return task
