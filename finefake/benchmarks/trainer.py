"""The bench stage on the engine driver: a unit of training is one batch, the trainer is its worker factory.

The runner plans (keys, skipped files, seed-invariant groups) and writes every run file itself; the driver
(``finefake.engines.run_stage``) maps the units of training through the engine's mapper and hands the results
back in plan order, so the run files, their keys and the resume rule ("a run whose file exists is skipped")
are the same whichever engine trained them, and every file is written as soon as its unit (and those before
it) is done.

On Ray every unit is one task declaring its needs (``num_cpus``: ``--cpus-per-run``, else the model's
``num_threads`` when set, else 1; ``num_gpus`` when the models train on CUDA); the trainer, with the
FeatureSet and the item table, goes to the object store once and every task reads it from there (zero-copy
on the node). Inside a task torch and BLAS use the thread count of the driver (``RunResources.threads``): the
same reduction order, hence the same numbers for the same seeds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from finefake.features.featureset import FeatureSet

#: The runner's ``train_group``: (group, features, items, context) -> the group's run results.
Train = Callable[[list[Any], FeatureSet, Any, Any], list[dict[str, Any]]]


@dataclass(frozen=True)
class GroupTrainer:
    """The bench stage's worker factory: its worker trains one unit (a group of planned runs) with ``train``
    (the runner's ``train_group``, handed in so this module never imports the runner). ``threads``: the torch
    and BLAS thread counts to train with (None: leave the process's own, as the local engine does)."""

    train: Train
    features: FeatureSet
    items: Any
    context: Any
    threads: dict[str, int] | None = None

    def __call__(self) -> Callable[[list[Any]], list[dict[str, Any]]]:
        return self.train_group

    def train_group(self, group: list[Any]) -> list[dict[str, Any]]:
        if self.threads is None:
            return self.train(group, self.features, self.items, self.context)
        import torch
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(self.threads["torch"])
        with threadpool_limits(limits=self.threads["blas"], user_api="blas"):
            return self.train(group, self.features, self.items, self.context)


def ray_threads(threads: int | None) -> dict[str, int]:
    """The threads a run trains with on Ray: ``threads`` for both, else what this process uses (the local
    engine's count, so the numbers are the same)."""
    return {"torch": threads, "blas": threads} if threads else local_threads()


def run_options(
    cpus: float | None, gpus: float | None
) -> Callable[[list[Any], dict[str, float]], dict[str, float]]:
    """The Ray resources of one unit of training: ``cpus`` per run (None: what its model declares) and
    ``gpus`` (None: one when the cluster has GPUs, for ``--device auto``)."""

    def options(group: list[Any], cluster: dict[str, float]) -> dict[str, float]:
        per_run = gpus if gpus is not None else (1.0 if cluster.get("GPU", 0) else 0.0)
        return {"num_cpus": cpus or declared_cpus(group[0]), "num_gpus": per_run}

    return options


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
