"""Small data builders for the annotation tests: aligned items, simulated annotators, Label Studio exports.

The export writers follow the shapes of Label Studio's own JSON and JSON-MIN exports (as produced by the
server in the integration test), written here independently of the package's parser.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

from finefake.contract import FINE_GRAINED_NAMES, LABEL_NAMES, PLATFORM_GROUP, TOPICS

PLATFORMS = sorted(PLATFORM_GROUP)


def aligned_item(
    i: int, *, platform: str | None = None, topic: str | None = None, rating: str = "False"
) -> dict[str, Any]:
    platform = platform or PLATFORMS[i % len(PLATFORMS)]
    digest = hashlib.sha256(f"img{i}".encode()).hexdigest()
    return {
        "id": f"{platform}:item{i:05d}",
        "platform": platform,
        "platform_group": PLATFORM_GROUP[platform],
        "topic": topic or TOPICS[i % len(TOPICS)],
        "url": f"https://example.org/{platform}/{i}",
        "title": f"Headline number {i}",
        "text": f"Body text of item {i}. <b>not bold</b>",
        "authors": ["A. Writer"],
        "published": "2024-01-02T03:04:05+00:00",
        "images": [
            {
                "path": f"images/{digest}.png",
                "sha256": digest,
                "width": 10,
                "height": 10,
                "url": f"https://img.example.org/{i}.png",
            }
        ],
        "comments": [],
        "fact_check": {
            "url": f"https://www.snopes.com/fact-check/{i}/",
            "claim": f"Claim {i}",
            "rating": rating,
            "categories": ["Politics"],
            "label": None,
        },
        "language": "en",
        "duplicate_cluster": None,
        "metadata": {},
        "entities": [],
        "relation_triples": [],
        "attribute_triples": [],
    }


def aligned_items(n: int) -> list[dict[str, Any]]:
    return [aligned_item(i, rating="True" if i % 3 == 0 else "False") for i in range(n)]


def simulate(
    items: list[dict[str, Any]], annotators: list[str], *, seed: int = 0, accuracy: float = 0.8
) -> dict[str, dict[str, int]]:
    """annotator -> item id -> fine-grained code; each annotator is right with probability ``accuracy``."""
    rng = random.Random(seed)
    truth = {item["id"]: rng.randrange(len(FINE_GRAINED_NAMES)) for item in items}
    return {
        name: {
            item_id: (t if rng.random() < accuracy else rng.randrange(len(FINE_GRAINED_NAMES)))
            for item_id, t in truth.items()
        }
        for name in annotators
    }


def _result(fine: int, binary: str | None = None) -> list[dict[str, Any]]:
    binary = binary or LABEL_NAMES[1 if fine == 0 else 0]
    return [
        {"from_name": "binary", "to_name": "text", "type": "choices", "value": {"choices": [binary]}},
        {
            "from_name": "fine_grained",
            "to_name": "text",
            "type": "choices",
            "value": {"choices": [FINE_GRAINED_NAMES[fine]]},
        },
    ]


def json_export(
    items: list[dict[str, Any]],
    labels: dict[str, int],
    *,
    user: int = 7,
    extra: dict[str, list[list[dict[str, Any]]]] | None = None,
) -> list[dict[str, Any]]:
    """A Label Studio JSON export: every task, with one annotation where ``labels`` has the item."""
    tasks = []
    for n, item in enumerate(items, 1):
        annotations = []
        if item["id"] in labels:
            annotations.append(
                {
                    "id": n * 10,
                    "completed_by": user,
                    "result": _result(labels[item["id"]]),
                    "was_cancelled": False,
                    "ground_truth": False,
                    "created_at": f"2024-05-01T10:{n % 60:02d}:00.000000Z",
                    "updated_at": f"2024-05-01T10:{n % 60:02d}:00.000000Z",
                    "lead_time": 4.5,
                    "task": n,
                }
            )
        for k, result in enumerate((extra or {}).get(item["id"], []), 1):
            annotations.append(
                {
                    "id": n * 10 + k,
                    "completed_by": user,
                    "result": result,
                    "was_cancelled": False,
                    "created_at": f"2024-05-02T10:00:0{k}.000000Z",
                    "updated_at": f"2024-05-02T10:00:0{k}.000000Z",
                    "lead_time": 1.0,
                    "task": n,
                }
            )
        tasks.append(
            {
                "id": n,
                "data": {"item_id": item["id"], "title": item["title"]},
                "annotations": annotations,
                "predictions": [],
            }
        )
    return tasks


def json_min_export(
    items: list[dict[str, Any]], labels: dict[str, int], *, user: int = 7
) -> list[dict[str, Any]]:
    """The JSON-MIN export of the same project: one flat row per annotation (and per unannotated task)."""
    rows = []
    for n, item in enumerate(items, 1):
        row = {"item_id": item["id"], "title": item["title"], "id": n}
        if item["id"] in labels:
            fine = labels[item["id"]]
            stamp = f"2024-05-01T10:{n % 60:02d}:00.000000Z"
            row.update(
                binary=LABEL_NAMES[1 if fine == 0 else 0],
                fine_grained=FINE_GRAINED_NAMES[fine],
                annotator=user,
                annotation_id=n * 10,
                created_at=stamp,
                updated_at=stamp,
                lead_time=4.5,
            )
        else:
            row.update(annotator=None, annotation_id=None, created_at=None, updated_at=None, lead_time=None)
        rows.append(row)
    return rows


def annotation_records(labels: dict[str, dict[str, int]]) -> list[dict[str, Any]]:
    return [
        {
            "item_id": item_id,
            "annotator": name,
            "label": 1 if fine == 0 else 0,
            "fine_grained_label": fine,
            "source": "synthetic",
        }
        for name, per_item in labels.items()
        for item_id, fine in per_item.items()
    ]
