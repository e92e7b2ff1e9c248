"""The benchmark runner: tasks x settings x models x seeds, each run written once and never recomputed.

Every (task, setting, model, seed) run ends in its own JSON file under
``<out>/<task>/runs/<model>/<setting>/seed-<k>.json``, written atomically; a rerun after an interruption
skips the files that exist and trains only what is missing. A run file records a configuration key (model
hyper-parameters, feature fingerprint, split seed); meeting a file made with another configuration is an
error rather than a silent mix of old and new numbers.

A model that declares ``seed_invariant`` (its fit has no randomness, e.g. logistic regression with lbfgs) is
trained once per (task, setting); the other seeds' run files copy that result and name the seed it was
trained with in ``reused_from_seed``, so the tables report its std over seeds as 0 honestly and the run costs
one fit instead of one per seed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from finefake import __version__
from finefake.baselines.base import Batch
from finefake.baselines.registry import get_model, model_class
from finefake.benchmarks.metrics import classification_report
from finefake.benchmarks.tasks import ItemTable, Setting, TaskSpec, build_settings, get_task
from finefake.console import track
from finefake.errors import FinefakeError
from finefake.features.featureset import FeatureSet
from finefake.workspace import atomic_write_json, utcnow

log = logging.getLogger(__name__)


@dataclass
class BenchConfig:
    """What to run. ``hparams`` maps a model name to keyword overrides of its (paper) defaults."""

    tasks: list[str]
    models: list[str]
    seeds: list[int] = field(default_factory=lambda: [0, 1, 2])
    out: Path = Path("bench")
    split_seed: int = 0
    #: Tasks as data (``finefake.benchmarks.specs.TaskDefinition`` by name) and the published split file
    #: (id -> split) they are cut from; tasks not listed here are the built-in FineFake tasks.
    definitions: dict[str, Any] = field(default_factory=dict)
    assignment: dict[str, str] | None = None
    provenance: dict[str, Any] = field(default_factory=dict)
    hparams: dict[str, dict[str, Any]] = field(default_factory=dict)


def feature_fingerprint(features: FeatureSet) -> str:
    """A short hash identifying the feature matrices (encoder meta, rows, shapes)."""
    digest = hashlib.sha256()
    digest.update(json.dumps(features.meta, sort_keys=True, default=str).encode())
    digest.update("\n".join(features.ids).encode())
    for name in ("text", "image", "kg"):
        array = getattr(features, name)
        digest.update(f"{name}{array.shape}".encode())
        digest.update(np.ascontiguousarray(array[: min(len(array), 64)]).tobytes())
    return digest.hexdigest()[:16]


def run_key(model_params: dict[str, Any], fingerprint: str, split_seed: int) -> str:
    payload = json.dumps(
        {"params": model_params, "features": fingerprint, "split_seed": split_seed}, sort_keys=True
    )
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def run_path(out: Path, task: str, model: str, setting: Setting, seed: int) -> Path:
    return Path(out) / task / "runs" / model / setting.slug / f"seed-{seed}.json"


def make_batches(
    task: TaskSpec, setting: Setting, features: FeatureSet, items: ItemTable
) -> tuple[Batch, Batch, Batch, Batch | None]:
    """train, validation, test Batches and (for DA) the unlabeled target Batch (the test inputs)."""
    labels = items.labels_for(task)

    def cut(rows: np.ndarray, labelled: bool = True) -> Batch:
        return Batch.from_features(
            features,
            rows,
            y=labels[rows] if labelled else None,
            n_classes=task.n_classes,
            use_knowledge=task.use_knowledge,
        )

    train, val, test = cut(setting.train), cut(setting.validation), cut(setting.test)
    target = cut(setting.test, labelled=False) if setting.domain_adaptation else None
    return train, val, test, target


def run_one(
    task: TaskSpec,
    setting: Setting,
    model_name: str,
    seed: int,
    features: FeatureSet,
    items: ItemTable,
    hparams: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Train one model on one setting with one seed and evaluate it on the setting's test set."""
    model = get_model(model_name, **{**(hparams or {}), "seed": seed})
    train, val, test, target = make_batches(task, setting, features, items)
    started = time.perf_counter()
    model.fit(train, val, target)
    fit_seconds = time.perf_counter() - started
    proba = np.asarray(model.predict_proba(test))
    if proba.shape != (len(test), task.n_classes) or not np.all(np.isfinite(proba)):
        raise FinefakeError(f"model {model_name} returned probabilities of shape {proba.shape} with NaN/inf")
    report = classification_report(test.y, proba.argmax(axis=1), task.n_classes, task.class_names)
    return {
        "task": task.name,
        "setting": setting.name,
        "source": setting.source,
        "target": setting.target,
        "model": model_name,
        "seed": seed,
        "params": model.get_params(),
        "sizes": {"train": len(train), "validation": len(val), "test": len(test)},
        "metrics": report,
        "fit_info": model.fit_info(),
        "fit_seconds": round(fit_seconds, 3),
        "finished": utcnow(),
        "version": __version__,
    }


def run_benchmark(features: FeatureSet, items: ItemTable, config: BenchConfig) -> dict[str, Path]:
    """Run every missing (task, setting, model, seed) of ``config``; write each task's reports.

    Returns the results JSON path of each task. ``items`` may list more records than ``features``; it is
    aligned to the feature rows here.
    """
    from finefake.benchmarks.reports import write_task_reports

    for model in config.models:
        model_class(model)  # unknown names fail before any training
    if not config.seeds:
        raise FinefakeError("no seeds given")
    items = items.aligned_to(features)
    fingerprint = feature_fingerprint(features)
    out = Path(config.out)
    plan: list[tuple[TaskSpec, Setting, str, int, Path, str, dict[str, Any]]] = []
    settings_by_task: dict[str, list[Setting]] = {}
    specs_by_task: dict[str, TaskSpec] = {}
    for task_name in config.tasks:
        task, settings = _task_settings(task_name, items, config)
        settings_by_task[task_name] = settings
        specs_by_task[task_name] = task
        for model in config.models:
            hparams = dict(config.hparams.get(model, {}))
            params = {**get_model(model, **hparams).get_params(), "seed": None}
            key = run_key({**params, **_spec_key(task_name, config)}, fingerprint, config.split_seed)
            for setting in settings:
                if setting.skipped:
                    continue
                for seed in config.seeds:
                    path = run_path(out, task_name, model, setting, seed)
                    if path.exists():
                        existing = json.loads(path.read_text(encoding="utf-8"))
                        if existing.get("run_key") != key:
                            raise FinefakeError(
                                f"{path} was made with other features, hyper-parameters or split seed; "
                                "use another --out folder or delete it"
                            )
                        continue
                    plan.append((task, setting, model, seed, path, key, hparams))
    total = sum(len(s) for s in settings_by_task.values()) * len(config.models) * len(config.seeds)
    log.info("%d runs planned, %d already finished", len(plan), total - len(plan))
    trained: dict[tuple[str, str, str], dict[str, Any]] = {}
    for task, setting, model, seed, path, key, hparams in track(plan, "benchmark runs"):
        reuse_key = (task.name, setting.slug, model)
        source = trained.get(reuse_key) or (
            _finished_run(out, task.name, model, setting, config.seeds, key)
            if model_class(model).seed_invariant
            else None
        )
        if source is not None:
            result = _reused(source, seed)
        else:
            result = run_one(task, setting, model, seed, features, items, hparams)
            result["run_key"] = key
            result["features"] = fingerprint
            result["split_seed"] = config.split_seed
            result["provenance"] = {
                "finefake_version": __version__,
                "features": fingerprint,
                "params": result["params"],
                "seed": seed,
                **_spec_key(task.name, config),
                **config.provenance,
            }
            if model_class(model).seed_invariant:
                trained[reuse_key] = result
        atomic_write_json(path, result)
    return {
        task_name: write_task_reports(
            out,
            specs_by_task[task_name],
            settings,
            config.models,
            dataset=config.definitions[task_name].dataset if task_name in config.definitions else "finefake",
        )
        for task_name, settings in settings_by_task.items()
    }


def _task_settings(task_name: str, items: Any, config: BenchConfig) -> tuple[TaskSpec, list[Setting]]:
    """A task's spec and settings: from its definition (tasks as data) or the built-in FineFake task."""
    definition = config.definitions.get(task_name)
    if definition is None:
        return get_task(task_name), build_settings(task_name, items, split_seed=config.split_seed)
    from finefake.benchmarks.specs import build_task_settings

    settings = build_task_settings(
        definition, items, split_seed=config.split_seed, assignment=config.assignment,
        assignment_source=str(config.provenance.get("split_file", "the split file")),
    )  # fmt: skip
    return definition.task_spec(), settings


def _spec_key(task_name: str, config: BenchConfig) -> dict[str, Any]:
    """What identifies a data-defined task's cut in run keys and provenance (nothing for built-in tasks)."""
    definition = config.definitions.get(task_name)
    if definition is None:
        return {}
    return {
        "dataset": definition.dataset,
        "task_spec_hash": definition.spec_hash(),
        "split_file_sha256": config.provenance.get("split_file_sha256"),
    }


def _finished_run(
    out: Path, task: str, model: str, setting: Setting, seeds: list[int], key: str
) -> dict[str, Any] | None:
    """A run file of ``model`` on ``setting`` already written (by an earlier, interrupted run) with ``key``."""
    for seed in seeds:
        path = run_path(out, task, model, setting, seed)
        if path.exists():
            existing = json.loads(path.read_text(encoding="utf-8"))
            if existing.get("run_key") == key:
                return existing
    return None


def _reused(result: dict[str, Any], seed: int) -> dict[str, Any]:
    """``result`` of a seed-invariant model filed under ``seed``: same numbers, says where they come from."""
    copy = json.loads(json.dumps(result))
    copy["reused_from_seed"] = result.get("reused_from_seed", result["seed"])
    copy["seed"] = seed
    copy["params"] = {**copy["params"], "seed": seed}
    copy["finished"] = utcnow()
    return copy
