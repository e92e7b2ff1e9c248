"""The benchmark runner: splits x tasks x settings x models x seeds, each run written once, never recomputed.

Every (task, setting, model, seed) run ends in its own JSON file under
``<out>/<task>/runs/<model>/<setting>/seed-<k>.json`` (``.../<setting>/split-<s>/seed-<k>.json`` for a
re-split with seed ``s``), written atomically; a rerun after an interruption skips the files that exist and
trains only what is missing. A run file records its *run key*: a content hash of everything that determines
the run -- the setting's rows (ids, task labels, topics, platform groups, which split part each row is in),
the full feature content of those rows, where the split comes from (official file and its hash, or re-split
seed), the model's hyper-parameters and the seed. Meeting a file made under another key (relabelled items,
other features, another split or configuration) is an error rather than a silent reuse of stale numbers. The
key hashes feature *content*, not the feature metadata, so a FeatureSet read back from the cache (which notes
``meta["cached"]``) keys the same as the one first computed.

A model that declares ``seed_invariant`` (its fit has no randomness, e.g. logistic regression with lbfgs) is
trained once per (split, task, setting); the other seeds' run files copy that result and name the seed it was
trained with in ``reused_from_seed``, so the tables report its std over seeds as 0 honestly and the run costs
one fit instead of one per seed.

The plan (keys, skipped files, seed-invariant groups) is made here for every engine; the units of training
go through the engine driver (``finefake.engines.run_stage`` with ``finefake.benchmarks.trainer``: one after
the other in this process, or as Ray tasks) and every run file is written here as its training comes back, in
plan order. Run keys are in ``finefake.benchmarks.runkeys``, run files in ``finefake.benchmarks.runfiles``.

The reports are built from the requested runs plus every earlier finished run of the task in the same
folder whose key proves it was made on the same data, split and configuration (another model or more seeds
from an earlier command): a rerun with fewer models or seeds does not silently drop results. Run files that
do not match (other data, split or hyper-parameters) are never shown; the report lists them as left out.
"""

from __future__ import annotations

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
from finefake.benchmarks.batches import setting_batches
from finefake.benchmarks.drops import add_shift_comparison
from finefake.benchmarks.metrics import classification_report
from finefake.benchmarks.runfiles import PlannedRun, finished_run, read_run, reused, run_path, set_aside
from finefake.benchmarks.runkeys import (
    combine,
    feature_fingerprint,
    feature_row_digests,
    key_parts,
    run_key,
    setting_digest,
    setting_digests,
    what_changed,
)
from finefake.benchmarks.splits import BenchSplit
from finefake.benchmarks.tasks import ItemTable, Setting, TaskSpec, build_settings, get_task
from finefake.benchmarks.trainer import GroupTrainer, ray_threads, run_options
from finefake.engine import EngineConfig
from finefake.engines import run_stage
from finefake.errors import FinefakeError
from finefake.features.featureset import FeatureSet
from finefake.workspace import atomic_write_json, utcnow

log = logging.getLogger(__name__)


@dataclass
class BenchConfig:
    """What to run. ``hparams`` maps a model name to keyword overrides of its (paper) defaults.

    ``splits``: the cuts to run on; the CLI passes the workspace's official split, or explicit re-splits.
    Without it, one re-split with seed 0 (recorded as such in every run file).
    """

    tasks: list[str]
    models: list[str]
    seeds: list[int] = field(default_factory=lambda: [0, 1, 2])
    out: Path = Path("bench")
    splits: list[BenchSplit] = field(default_factory=lambda: [BenchSplit.resplit(0)])
    #: Tasks as data (``finefake.benchmarks.specs.TaskDefinition`` by name) of datasets other than FineFake;
    #: tasks not listed here are the built-in FineFake tasks.
    definitions: dict[str, Any] = field(default_factory=dict)
    hparams: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: Tasks whose spec and settings are made elsewhere (cross-dataset tasks, ``finefake.benchmarks.cross``:
    #: objects with ``spec``, ``settings``, ``dataset`` and ``spec_hash``); the split does not cut them.
    prepared: dict[str, Any] = field(default_factory=dict)
    #: What the runs are measured on (``finefake.dataset.modalities.inputs_of``): written into each task's
    #: results and matched against published rows. Not part of any run key (it follows from the data).
    measured_on: dict[str, Any] | None = None


def make_batches(
    task: TaskSpec,
    setting: Setting,
    features: FeatureSet,
    items: ItemTable,
    inputs: frozenset[str] | set[str] = frozenset({"text", "image", "kg"}),
) -> tuple[Batch, Batch, Batch, Batch | None]:
    """train, validation, test Batches carrying exactly ``inputs`` (a model's declared inputs) and, for DA,
    the unlabeled target Batch (the test inputs without their labels)."""
    domains = None
    if "domain" in inputs:
        platform = items.platform if items.platform is not None else items.platform_group
        domains = {"topic": items.topic, "platform": platform, "platform_group": items.platform_group}
    out = setting_batches(
        features,
        {"train": setting.train, "validation": setting.validation, "test": setting.test},
        items.labels_for(task),
        task.n_classes,
        inputs,
        domains=domains,
        use_knowledge=task.use_knowledge,
        adaptation=setting.domain_adaptation,
    )
    train, val, test = out["train"], out["validation"], out["test"]
    target = test.unlabeled() if setting.domain_adaptation else None
    return train, val, test, target


def input_keys(features: FeatureSet, inputs: frozenset[str] | set[str]) -> dict[str, str]:
    """Content keys of the attached inputs a model declares (the cache keys of what they were computed from;
    the pooled arrays are hashed row by row in ``setting_digest`` instead)."""
    keys = features.meta.get("inputs", {}).get("keys", {})
    return {name: keys.get(name, "absent") for name in sorted(inputs) if name not in ("text", "image", "kg")}


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
    train, val, test, target = make_batches(task, setting, features, items, type(model).inputs)
    started = time.perf_counter()
    model.fit(train, val, target)
    fit_seconds = time.perf_counter() - started
    proba = np.asarray(model.predict_proba(test.unlabeled()))
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


def run_benchmark(
    features: FeatureSet,
    items: ItemTable,
    config: BenchConfig,
    *,
    engine: EngineConfig | None = None,
    resources: RunResources | None = None,
) -> dict[str, Path]:
    """Run every missing (split, task, setting, model, seed) of ``config``; write each task's reports.

    Returns the results JSON path of each task. ``items`` may list more records than ``features``; it is
    aligned to the feature rows here. Planning, keys, reuse and run files are the same on every ``engine``;
    the engine decides only where the planned trainings run (``finefake.benchmarks.trainer``), with
    ``resources`` declared per run on Ray.
    """
    from finefake.benchmarks.reports import write_task_reports

    for model in config.models:
        model_class(model)  # unknown names fail before any training
    if not config.seeds:
        raise FinefakeError("no seeds given")
    if not config.splits:
        raise FinefakeError("no split given")
    items = items.aligned_to(features)
    row_digests = feature_row_digests(features)
    fingerprint = feature_fingerprint(features)
    out = Path(config.out)
    plan: list[PlannedRun] = []
    stale: list[tuple[PlannedRun, str]] = []  # finished runs whose key no longer matches, and why
    requested: dict[str, list[PlannedRun]] = {name: [] for name in config.tasks}
    settings_by_task: dict[str, list[Setting]] = {}
    specs_by_task: dict[str, TaskSpec] = {}
    for split in config.splits:
        for task_name in config.tasks:
            task, settings = _task_settings(task_name, items, config, split)
            settings_by_task.setdefault(task_name, settings)
            specs_by_task[task_name] = task
            for setting in settings:
                if setting.skipped:
                    continue
                data_parts = setting_digests(task, setting, items, row_digests, split)
                data = combine(data_parts)
                for model in config.models:
                    hparams = dict(config.hparams.get(model, {}))
                    params = get_model(model, **hparams).get_params()
                    params = {
                        **params,
                        "inputs": input_keys(features, model_class(model).inputs),
                        **_spec_key(task_name, config),
                    }
                    shared = run_key({**params, "seed": None}, data)
                    for seed in config.seeds:
                        path = run_path(out, task_name, model, setting, seed, split)
                        job = PlannedRun(
                            task, setting, split, model, seed, path, run_key({**params, "seed": seed}, data),
                            shared, hparams, key_parts({**params, "seed": seed}, data_parts),
                        )  # fmt: skip
                        requested[task_name].append(job)
                        if path.exists():
                            existing = read_run(path)
                            if existing.get("run_key") == job.key:
                                continue
                            stale.append((job, what_changed(existing, job.key_parts)))
                        plan.append(job)
    set_aside(out, stale)
    total = sum(len(jobs) for jobs in requested.values())
    log.info("%d runs planned, %d already finished", len(plan), total - len(plan))
    context = RunContext(fingerprint, {name: _spec_key(name, config) for name in config.tasks})
    groups: list[list[PlannedRun]] = []
    for group in _groups(plan):
        source = (
            finished_run(out, group[0], config.seeds) if model_class(group[0].model).seed_invariant else None
        )
        if source is not None:  # an earlier, interrupted run already trained this seed-invariant group
            for job in group:
                atomic_write_json(job.path, reused(source, job.seed, job.key, job.key_parts))
        else:
            groups.append(group)
    run_on = engine or EngineConfig()
    resources = resources or RunResources()
    threads = ray_threads(resources.threads) if run_on.is_ray else None

    def write(group: list[PlannedRun], results: list[dict[str, Any]]) -> None:
        for job, result in zip(group, results, strict=True):
            atomic_write_json(job.path, result)

    run_stage(
        groups,
        GroupTrainer(train_group, features, items, context, threads),
        write,
        engine=run_on,
        options=run_options(resources.cpus, resources.gpus),
        label="benchmark runs",
        total=len(groups),
    )
    paths = {}
    for task_name, jobs in requested.items():
        earlier, left_out = _earlier_runs(out, task_name, jobs, config, features, items, row_digests)
        runs: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for job in sorted(jobs + earlier, key=lambda j: (j.split.tag, j.seed)):
            result = json.loads(job.path.read_text(encoding="utf-8"))
            result["split_tag"] = job.split.tag
            runs.setdefault((job.model, job.setting.name), []).append(result)
        definition = config.definitions.get(task_name) or config.prepared.get(task_name)
        models = list(config.models) + sorted({j.model for j in earlier} - set(config.models))
        paths[task_name] = write_task_reports(
            out,
            specs_by_task[task_name],
            settings_by_task[task_name],
            models,
            runs,
            config.splits,
            dataset=definition.dataset if definition is not None else "finefake",
            measured_on=config.measured_on,
            left_out=left_out,
        )
        add_shift_comparison(paths[task_name])  # cross-dataset / temporal: the drop beside in-domain
    return paths


def _earlier_runs(
    out: Path,
    task_name: str,
    jobs: list[PlannedRun],
    config: BenchConfig,
    features: FeatureSet,
    items: ItemTable,
    row_digests: list[bytes],
) -> tuple[list[PlannedRun], list[str]]:
    """Finished run files of ``task_name`` that this command did not ask for (other models, other seeds),
    each checked against the key it would have now: matching ones join the report, the others are named.

    A model is keyed with this command's overrides of its hyper-parameters (its defaults when it was not
    requested), so only runs made with that configuration on the same data and split match.
    """
    folder = Path(out) / task_name / "runs"
    if not folder.is_dir():
        return [], []
    requested = {j.path for j in jobs}
    settings = {(j.split.tag, j.setting.name): j for j in jobs}
    digests = {
        at: setting_digest(job.task, job.setting, items, row_digests, job.split)
        for at, job in settings.items()
    }
    earlier: list[PlannedRun] = []
    left_out: dict[str, int] = {}
    params_of: dict[str, dict[str, Any] | None] = {}
    for model_dir in sorted(p for p in folder.iterdir() if p.is_dir()):
        model = model_dir.name
        if model not in params_of:
            try:
                hparams = dict(config.hparams.get(model, {}))
                params_of[model] = {
                    **get_model(model, **hparams).get_params(),
                    "inputs": input_keys(features, model_class(model).inputs),
                    **_spec_key(task_name, config),
                }
            except (FinefakeError, TypeError, ValueError):
                params_of[model] = None  # a model no longer registered (or its parameters changed)
        for at, job in sorted(settings.items()):
            setting_folder = run_path(out, task_name, model, job.setting, 0, job.split).parent
            for path in sorted(setting_folder.glob("seed-*.json")):
                if path in requested:
                    continue
                try:
                    seed = int(path.stem.split("-", 1)[1])
                    existing = json.loads(path.read_text(encoding="utf-8"))
                except (ValueError, OSError):
                    left_out[model] = left_out.get(model, 0) + 1
                    continue
                params = params_of[model]
                key = run_key({**params, "seed": seed}, digests[at]) if params is not None else None
                if key is None or existing.get("run_key") != key:
                    left_out[model] = left_out.get(model, 0) + 1
                    continue
                earlier.append(
                    PlannedRun(job.task, job.setting, job.split, model, seed, path, key, "", dict(
                        config.hparams.get(model, {})))
                )  # fmt: skip
    notes = [
        f"{n} run file(s) of {model} made with other data, split or hyper-parameters"
        for model, n in sorted(left_out.items())
    ]
    return earlier, notes


def _task_settings(
    task_name: str, items: Any, config: BenchConfig, split: BenchSplit
) -> tuple[TaskSpec, list[Setting]]:
    """A task's spec and settings under ``split``: from its definition (tasks as data) or the built-in
    FineFake task."""
    if task_name in config.prepared:
        return config.prepared[task_name].spec, config.prepared[task_name].settings
    definition = config.definitions.get(task_name)
    if definition is None:
        return get_task(task_name), build_settings(task_name, items, split=split)
    from finefake.benchmarks.specs import build_task_settings

    official = split.kind == "official"
    settings = build_task_settings(
        definition,
        items,
        split_seed=int(split.seed or 0),
        assignment=split.assignment if official else None,
        assignment_source=str(split.path or "the split file"),
    )
    return definition.task_spec(), settings


def _spec_key(task_name: str, config: BenchConfig) -> dict[str, Any]:
    """What identifies a data-defined task in run keys and provenance (nothing for built-in tasks)."""
    prepared = config.prepared.get(task_name)
    if prepared is not None:
        return {"dataset": prepared.dataset, "task_spec_hash": prepared.spec_hash}
    definition = config.definitions.get(task_name)
    if definition is None:
        return {}
    return {"dataset": definition.dataset, "task_spec_hash": definition.spec_hash()}


@dataclass(frozen=True)
class RunContext:
    """What every training of one benchmark shares besides the data: plain values, cheap to ship to a worker."""

    fingerprint: str
    spec_keys: dict[str, dict[str, Any]]  # per task name: ``_spec_key`` (empty for built-in tasks)


@dataclass(frozen=True)
class RunResources:
    """What one run asks of a Ray cluster (ignored by the local engine, which runs one training at a time).

    ``cpus``: CPUs reserved per run (None: what the model declares, its ``num_threads`` when set, else 1).
    ``gpus``: GPUs per run (1 when the models train on CUDA; None: one when the cluster has GPUs, for
    ``--device auto``).
    ``threads``: torch / BLAS threads inside the run; None = the count this process uses, so a run trains
    with the same thread count, hence the same floating-point reduction order, as on the local engine.
    """

    cpus: float | None = None
    gpus: float | None = 0.0
    threads: int | None = None


def _groups(plan: list[PlannedRun]) -> list[list[PlannedRun]]:
    """The planned runs as units of training: all seeds of a seed-invariant model on one (split, task,
    setting) share one fit (the first seed's), every other run is a unit of its own. Plan order is kept."""
    groups: list[list[PlannedRun]] = []
    by_key: dict[tuple[str, str, str, str], list[PlannedRun]] = {}
    for job in plan:
        if model_class(job.model).seed_invariant:
            key = (job.task.name, job.split.tag, job.setting.slug, job.model)
            if key in by_key:
                by_key[key].append(job)
                continue
            by_key[key] = [job]
            groups.append(by_key[key])
        else:
            groups.append([job])
    return groups


def train_group(
    group: list[PlannedRun], features: FeatureSet, items: ItemTable, context: RunContext
) -> list[dict[str, Any]]:
    """The run files of one unit of training: the first job trained, the others (seeds of a seed-invariant
    model) filed as copies of it. Runs wherever the engine puts it (this process or a Ray worker)."""
    first = group[0]
    result = run_one(first.task, first.setting, first.model, first.seed, features, items, first.hparams)
    inputs = input_keys(features, model_class(first.model).inputs)
    spec = context.spec_keys.get(first.task.name, {})
    result.update(
        run_key=first.key,
        key_parts=first.key_parts,
        shared_key=first.shared_key,
        features=context.fingerprint,
        split=first.split.describe(),
    )
    result["provenance"] = {
        "finefake_version": __version__,
        "features": context.fingerprint,
        "inputs": inputs,
        "params": result["params"],
        "seed": first.seed,
        "split": first.split.describe(),
        "split_file": first.split.path,
        "split_file_sha256": first.split.sha256,
        **spec,
    }
    return [result] + [reused(result, job.seed, job.key, job.key_parts) for job in group[1:]]
