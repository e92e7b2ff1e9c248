"""Where the planned benchmark trainings run: one after the other in this process, or as Ray tasks.

The runner plans (keys, skipped files, seed-invariant groups) and writes every run file itself; an executor
only turns units of training into results. That keeps one planner for both engines, so the run files, their
keys and the resume rule ("a run whose file exists is skipped") are the same whichever engine trained them.

On Ray every unit is one task declaring its needs (``num_cpus``: ``--cpus-per-run``, else the model's
``num_threads`` when set, else 1; ``num_gpus`` when the models train on CUDA); the FeatureSet and the item table go to the object store once and every task reads them from there
(zero-copy on the node). Results come back as they finish and the driver writes each run file at once, so a
run killed half-way keeps every finished file, exactly like a killed local run. Inside a task torch and BLAS use
the thread count of the driver (``RunResources.threads``): the same reduction order, hence the same numbers for
the same seeds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from finefake.console import track
from finefake.engine import EngineConfig, ray_session, user_error
from finefake.features.featureset import FeatureSet

Results = tuple[list[Any], list[dict[str, Any]]]
#: The runner's ``train_group``: (group, features, items, context) -> the group's run results.
Train = Callable[[list[Any], FeatureSet, Any, Any], list[dict[str, Any]]]


def execute(
    groups: list[list[Any]],
    features: FeatureSet,
    items: Any,
    context: Any,
    engine: EngineConfig,
    resources: Any,
    train: Train,
) -> Iterator[Results]:
    """Yield ``(group, results)`` for every unit of training (``train``: the runner's ``train_group``), in
    plan order on the local engine and in order of completion on Ray. ``resources`` is the runner's
    ``RunResources``. The runner owns this module and hands in what it needs, so it never imports the runner."""
    if not groups:
        return
    if not engine.is_ray:
        for group in track(groups, "benchmark runs"):
            yield group, train(group, features, items, context)
        return
    threads = local_threads()
    if resources.threads:
        threads = {"torch": resources.threads, "blas": resources.threads}
    with ray_session(engine) as ray:
        gpus = resources.gpus
        if gpus is None:  # --device auto: a GPU per run where the cluster has them
            gpus = 1.0 if ray.cluster_resources().get("GPU", 0) else 0.0
        remote = ray.remote(_train_in_task)
        features_ref, items_ref = ray.put(features), ray.put(items)
        pending = {
            remote.options(num_cpus=resources.cpus or declared_cpus(group[0]), num_gpus=gpus).remote(
                group, features_ref, items_ref, context, threads, train
            ): group
            for group in groups
        }
        done = track(range(len(pending)), "benchmark runs (ray)")
        try:
            for _ in done:
                ready, _ = ray.wait(list(pending), num_returns=1)
                group = pending.pop(ready[0])
                yield group, _result(ray, ready[0])
        finally:
            for ref in pending:
                ray.cancel(ref, force=True)


def declared_cpus(job: Any) -> float:
    """The CPUs a run of ``job``'s model declares: its ``num_threads`` hyper-parameter when set (the torch
    models' thread cap), else 1."""
    from finefake.baselines.registry import get_model

    threads = get_model(job.model, **job.hparams).get_params().get("num_threads") or 0
    return float(max(1, int(threads)))


def local_threads() -> dict[str, int]:
    """The torch intra-op and BLAS thread counts of this process: what a local run trains with."""
    import torch
    from threadpoolctl import threadpool_info

    blas = [pool["num_threads"] for pool in threadpool_info() if pool.get("user_api") == "blas"]
    return {"torch": int(torch.get_num_threads()), "blas": int(max(blas, default=1))}


def _result(ray: Any, ref: Any) -> list[dict[str, Any]]:
    """The results of a finished task; a user's mistake raised in the task comes back as itself."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayTaskError as exc:
        mistake = user_error(exc)
        if mistake is not None:
            raise mistake from None
        raise


def _train_in_task(
    group: list[Any], features: FeatureSet, items: Any, context: Any, threads: dict[str, int], train: Train
) -> Any:
    """One unit of training inside a Ray worker, with the driver's torch and BLAS thread counts."""
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(threads["torch"])
    with threadpool_limits(limits=threads["blas"], user_api="blas"):
        return train(group, features, items, context)
