"""``import finefake-release`` never reads an image outside ``--images`` (absolute paths, ``..``, links)."""

from __future__ import annotations

import io
import os
import pickle

import pandas as pd
from PIL import Image

from finefake.dataset.release import ImportConfig, import_release
from finefake.workspace import Workspace


def _png(color: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (12, 12), color).save(buffer, format="PNG")
    return buffer.getvalue()


def test_image_paths_leading_outside_the_image_folder_are_refused(tmp_path):
    images = tmp_path / "release" / "Image"
    images.mkdir(parents=True)
    (images / "good.png").write_bytes(_png((255, 0, 0)))
    secret = tmp_path / "elsewhere" / "secret.png"  # a valid image the release must not reach
    secret.parent.mkdir()
    secret.write_bytes(_png((0, 0, 255)))
    (tmp_path / "release" / "beside.png").write_bytes(_png((0, 255, 0)))
    os.symlink(secret, images / "link.png")
    paths = ["good.png", str(secret), "../beside.png", "link.png", "sub/../../beside.png", "/etc/passwd"]
    n = len(paths)
    frame = pd.DataFrame(
        {
            "text": [f"Item {i} text." for i in range(n)],
            "image_path": paths,
            "entity_id": [[] for _ in range(n)],
            "topic": ["Politics"] * n,
            "label": [1] * n,
            "fine-grained label": [0] * n,
            "knowledge_embedding": [None] * n,
            "description": [[] for _ in range(n)],
            "relation": [[] for _ in range(n)],
            "platform": ["Snopes"] * n,
            "author": [None] * n,
            "date": [None] * n,
            "comment": [[] for _ in range(n)],
        }
    )
    path = tmp_path / "release" / "FineFake.pkl"
    path.write_bytes(pickle.dumps(frame, protocol=4))
    ws = Workspace(tmp_path / "ws")
    report = import_release(ws, ImportConfig(path=path, images=images))
    records = sorted(ws.read("records"), key=lambda r: r["metadata"]["release"]["row"])
    assert [len(r["images"]) for r in records] == [1, 0, 0, 0, 0, 0]
    assert report.rejected_images == {"outside_image_folder": 5} and report.missing_images == 0
    assert len(list((ws.root / "images").iterdir())) == 1
