"""``finefake verify RESULTS``: train one recorded benchmark run again from its record and compare the numbers.

Every run file (``<task>/runs/<model>/<setting>/seed-<k>.json``) records what reproduces it: the task and
setting, the model's hyper-parameters and seed, the split (the split file and its sha256, or the re-split
seed) and the fingerprint of the features. Verifying re-reads the workspace, checks that the split file and
the features are still the ones recorded (a difference is reported, since the numbers cannot then be expected
to match), re-trains that one run and compares every metric. Numbers that match mean the result is
reproducible on this machine from the workspace alone; timing fields (``fit_seconds``, ``finished``) are not
compared.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finefake.errors import FinefakeError

#: Absolute tolerance of a metric comparison: a reproduced run gives the same numbers up to float rounding.
TOLERANCE = 1e-9
_RUN_FIELDS = ("task", "setting", "model", "seed", "params", "metrics", "split")


@dataclass
class Verification:
    """The outcome of verifying one run: the run file, what was checked and what differed."""

    run_file: Path
    task: str
    setting: str
    model: str
    seed: int
    checks: dict[str, bool] = field(default_factory=dict)
    differences: list[str] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        return all(self.checks.values()) and not self.differences


def find_run_file(
    path: str | Path, *, model: str | None = None, setting: str | None = None, seed: int | None = None
) -> Path:
    """The run file to verify: ``path`` itself, or one of the runs behind a task's ``results.json``.

    For a ``results.json`` the runs under its ``runs/`` folder are filtered by ``model``, ``setting`` and
    ``seed`` (each optional); the first in path order is taken, preferring a trained model over the
    majority-class reference.
    """
    path = Path(path)
    record = _read_json(path)
    if all(k in record for k in _RUN_FIELDS):
        return path
    if "results" not in record or "task" not in record:
        raise FinefakeError(f"{path}: neither a benchmark run file nor a task's results.json")
    candidates = []
    for run in sorted((path.parent / "runs").rglob("seed-*.json")):
        data = _read_json(run)
        if model is not None and data.get("model") != model:
            continue
        if setting is not None and data.get("setting") != setting:
            continue
        if seed is not None and data.get("seed") != seed:
            continue
        candidates.append((data.get("model") == "majority", run))
    if not candidates:
        wanted = ", ".join(
            f"{k} {v!r}" for k, v in (("model", model), ("setting", setting), ("seed", seed)) if v is not None
        )
        raise FinefakeError(
            f"{path}: no run file under {path.parent / 'runs'}" + (f" with {wanted}" if wanted else "")
        )
    return min(candidates)[1]


def _read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise FinefakeError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise FinefakeError(f"{path}: expected a JSON object")
    return data


def compare_metrics(recorded: Any, now: Any, where: str = "metrics") -> list[str]:
    """Every number that differs between two metric trees (by more than ``TOLERANCE``), as readable lines."""
    if isinstance(recorded, dict) and isinstance(now, dict):
        out = []
        for key in sorted(set(recorded) | set(now), key=str):
            if key not in recorded or key not in now:
                out.append(f"{where}.{key}: {'missing now' if key not in now else 'not recorded'}")
            else:
                out += compare_metrics(recorded[key], now[key], f"{where}.{key}")
        return out
    if isinstance(recorded, list) and isinstance(now, list):
        if len(recorded) != len(now):
            return [f"{where}: {len(recorded)} entries recorded, {len(now)} now"]
        return [
            d
            for i, (a, b) in enumerate(zip(recorded, now, strict=True))
            for d in compare_metrics(a, b, f"{where}[{i}]")
        ]
    numbers = (int, float)
    if isinstance(recorded, numbers) and isinstance(now, numbers) and not isinstance(recorded, bool):
        same = (math.isnan(recorded) and math.isnan(now)) or abs(recorded - now) <= TOLERANCE
        return [] if same else [f"{where}: recorded {recorded!r}, now {now!r}"]
    return [] if recorded == now else [f"{where}: recorded {recorded!r}, now {now!r}"]


def verify_run(root: str | Path, run_file: str | Path) -> Verification:
    """Train the run recorded in ``run_file`` again on the workspace at ``root`` and compare its metrics."""
    from finefake.baselines.registry import required_inputs
    from finefake.benchmarks.runner import BenchConfig, _task_settings, feature_fingerprint, run_one
    from finefake.benchmarks.specs import FINEFAKE, DatasetItems, dataset_of, dataset_tasks
    from finefake.benchmarks.splits import BenchSplit, load_split_file
    from finefake.benchmarks.tasks import ItemTable
    from finefake.dataset.specs import load_spec
    from finefake.errors import RECORDS_HINT
    from finefake.features.pipeline import FeatureConfig, compute_features
    from finefake.workspace import Workspace

    run_file = Path(run_file)
    record = _read_json(run_file)
    missing = [k for k in _RUN_FIELDS if k not in record]
    if missing:
        raise FinefakeError(f"{run_file}: not a benchmark run file (no {', '.join(missing)})")
    model, seed = str(record["model"]), int(record.get("reused_from_seed", record["seed"]))
    result = Verification(run_file, str(record["task"]), str(record["setting"]), model, int(record["seed"]))
    ws = Workspace(root)
    ws.require("records", RECORDS_HINT)
    records = list(ws.read("records"))
    dataset = dataset_of(records)
    split_record = record["split"] or {}
    if split_record.get("kind") == "official":
        split_path = Path(str(split_record.get("file")))
        if not split_path.is_file():
            raise FinefakeError(f"{run_file}: its split file {split_path} does not exist any more")
        split = load_split_file(split_path)
        result.checks["split file unchanged"] = split.sha256 == split_record.get("sha256")
    else:
        split = BenchSplit.resplit(int(split_record.get("seed") or 0))
    definitions = {}
    if dataset == FINEFAKE:
        items: Any = ItemTable.from_records(records)
    else:
        definitions = dataset_tasks(dataset)
        items = DatasetItems.from_records(records, load_spec(dataset))
    features = compute_features(ws, FeatureConfig(), inputs=sorted(required_inputs([model])))
    result.checks["features unchanged"] = feature_fingerprint(features) == record.get("features")
    items = items.aligned_to(features)
    config = BenchConfig(tasks=[result.task], models=[model], definitions=definitions)
    task, settings = _task_settings(result.task, items, config, split)
    chosen = [s for s in settings if s.name == result.setting and not s.skipped]
    if not chosen:
        raise FinefakeError(
            f"{run_file}: task {result.task} has no setting {result.setting!r} with data in this workspace"
        )
    params = {k: v for k, v in (record.get("params") or {}).items() if k != "seed"}
    again = run_one(task, chosen[0], model, seed, features, items, params)
    result.checks["sizes"] = again["sizes"] == record.get("sizes")
    if not result.checks["sizes"]:
        result.differences.append(f"sizes: recorded {record.get('sizes')}, now {again['sizes']}")
    result.differences += compare_metrics(record["metrics"], again["metrics"])
    return result
