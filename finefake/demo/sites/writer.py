"""Where a generated page or API answer lands in the mini-web's folder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any


class SiteWriter:
    """Writes the mini-web's files: static pages under ``sites/<host>/``, API answers under ``api/<kind>/``."""

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
