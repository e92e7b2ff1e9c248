"""The benchmark's run files: where each run's JSON lives, what a planned run must carry, and the rules for
files already there (kept when their key matches, set aside when it does not, copied for the other seeds of a
seed-invariant model)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finefake.benchmarks.splits import BenchSplit
from finefake.benchmarks.tasks import Setting, TaskSpec
from finefake.workspace import utcnow

log = logging.getLogger(__name__)


def run_path(out: Path, task: str, model: str, setting: Setting, seed: int, split: BenchSplit) -> Path:
    folder = Path(out) / task / "runs" / model / setting.slug
    if split.kind != "official":
        folder = folder / split.tag
    return folder / f"seed-{seed}.json"


@dataclass
class PlannedRun:
    """One requested run: where its file lives and the keys it must carry."""

    task: TaskSpec
    setting: Setting
    split: BenchSplit
    model: str
    seed: int
    path: Path
    key: str
    shared_key: str  # the key without the seed: equal for every seed of a seed-invariant model
    hparams: dict[str, Any]
    key_parts: dict[str, str] = field(default_factory=dict)  # what the key is made of (``key_parts``)


def read_run(path: Path) -> dict[str, Any]:
    """A finished run file; one that cannot be read (cut short by a crash) counts as a run to redo."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


#: Where finished runs go when the data or configuration they were made with changed: ``<out>/<task>/
#: superseded/<UTC time>/`` keeps the ``runs/...`` layout, so nothing computed is ever deleted.
SUPERSEDED = "superseded"


def set_aside(out: Path, stale: list[tuple[PlannedRun, str]]) -> None:
    """Move the run files made under another key aside (like ``make``: what changed is recomputed) and say,
    per task and reason, how many runs are redone and where the old results went."""
    if not stale:
        return
    stamp = utcnow().replace("-", "").replace(":", "").split(".")[0].split("+")[0]
    counts: dict[tuple[str, str], int] = {}
    for job, reason in stale:
        task_dir = out / job.task.name
        target = task_dir / SUPERSEDED / stamp / job.path.relative_to(task_dir)
        target.parent.mkdir(parents=True, exist_ok=True)
        job.path.replace(target)
        counts[(job.task.name, reason)] = counts.get((job.task.name, reason), 0) + 1
    for (task, reason), n in counts.items():
        log.warning(
            "%s: %d finished run(s) no longer match (%s): recomputing them; the old results are kept in %s",
            task, n, reason, out / task / SUPERSEDED / stamp,
        )  # fmt: skip


def finished_run(out: Path, job: PlannedRun, seeds: list[int]) -> dict[str, Any] | None:
    """A run file of ``job``'s model and setting already written (by an earlier, interrupted run) for another
    seed with the same seed-free key: a seed-invariant model's result for ``job``."""
    for seed in seeds:
        path = run_path(out, job.task.name, job.model, job.setting, seed, job.split)
        if path.exists():
            existing = json.loads(path.read_text(encoding="utf-8"))
            if existing.get("shared_key") == job.shared_key:
                return existing
    return None


def reused(
    result: dict[str, Any], seed: int, key: str, parts: dict[str, str] | None = None
) -> dict[str, Any]:
    """``result`` of a seed-invariant model filed under ``seed``: same numbers, says where they come from."""
    copy = json.loads(json.dumps(result))
    copy["reused_from_seed"] = result.get("reused_from_seed", result["seed"])
    copy["seed"] = seed
    copy["params"] = {**copy["params"], "seed": seed}
    copy["run_key"] = key
    if parts is not None:
        copy["key_parts"] = parts
    copy["finished"] = utcnow()
    return copy
