"""Batches mapped as Ray tasks: the Ray side of every stage (``--engine ray``); imported only then.

Each batch is one task, with the resources the stage asks for it (``num_cpus`` / ``num_gpus``, per batch when
they differ: a benchmark run reserves what its model declares). The worker factory goes to the object store
once per map; each Ray worker process builds the worker from it on its first batch and keeps it for the next
ones (one linker / encoder per process, as an actor pool would, but with per-batch resources). At most one
batch per cluster CPU is in flight, so memory is bounded by the cluster, not by the input, and the results are
taken in input order: what the stage writes never depends on which task finished first. A stopped map cancels
what is still in flight.

Ray is started or joined (``finefake.engine.ray_session``) when the first batch arrives and given back when
the mapper closes, so a run with nothing to do never starts it. A user's mistake raised in a task comes back
as the FinefakeError itself (``finefake.engine.user_error``), not as Ray's wrapped traceback.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import ExitStack
from typing import Any

from finefake.console import track
from finefake.engine import EngineConfig, ray_session, user_error
from finefake.engines.mapper import Options, WorkerFactory, call_batch

#: The worker of this Ray worker process: (the factory's object id, the worker). Only the latest map's worker
#: is kept, so a long-lived cluster holds at most one stage worker per process.
_built: dict[str, Any] = {}


def _map_in_task(boxed: list[Any], batch: Any, index: int, label: str | None) -> Any:
    """One batch in a Ray worker process (``boxed``: the factory's ObjectRef, boxed so Ray does not fetch it
    for every task)."""
    import ray

    key = boxed[0].hex()
    if key not in _built:
        _built.clear()
        _built[key] = ray.get(boxed[0])()
    return call_batch(_built[key], batch, index, label)


class RayMapper:
    """The Ray mapper of one run (see the module docstring); :meth:`close` gives Ray back."""

    def __init__(self, engine: EngineConfig):
        self.engine = engine
        self._stack = ExitStack()
        self._ray: Any = None

    def ray(self) -> Any:
        if self._ray is None:
            self._ray = self._stack.enter_context(ray_session(self.engine))
        return self._ray

    def resources(self) -> dict[str, float]:
        return dict(self.ray().cluster_resources())

    def close(self) -> None:
        self._stack.close()
        self._ray = None

    def map(
        self,
        factory: WorkerFactory,
        batches: Iterable[Any],
        *,
        options: Options | None = None,
        label: str | None = None,
        total: int | None = None,
        progress: bool = True,
    ) -> Iterator[Any]:
        source = iter(batches)
        first = next(source, _END)
        if first is _END:
            return
        ray = self.ray()
        cluster = self.resources()
        task = ray.remote(max_calls=0)(_map_in_task)  # keep the built worker across tasks, GPU ones too
        boxed = [ray.put(factory)]
        window = max(1, int(cluster.get("CPU", 1)))
        pending: deque[Any] = deque()

        def submit(index: int, batch: Any) -> None:
            asked = options(batch, cluster) if callable(options) else dict(options or {"num_cpus": 1})
            pending.append(task.options(**asked).remote(boxed, batch, index, label))

        def ordered() -> Iterator[Any]:
            submit(0, first)
            index = 1
            for batch in source:
                if len(pending) >= window:
                    yield _result(ray, pending.popleft())
                submit(index, batch)
                index += 1
            while pending:
                yield _result(ray, pending.popleft())

        results = ordered()
        try:
            yield from (track(results, f"{label} (ray)", total) if label and progress else results)
        finally:
            results.close()
            if ray.is_initialized():
                for ref in pending:
                    ray.cancel(ref, force=True)


_END = object()


def _result(ray: Any, ref: Any) -> Any:
    """A finished task's result; a user's mistake raised in the task comes back as itself."""
    try:
        return ray.get(ref)
    except ray.exceptions.RayError as exc:
        mistake = user_error(exc)
        if mistake is not None:
            raise mistake from None
        raise
