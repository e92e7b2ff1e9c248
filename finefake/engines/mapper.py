"""The batch mapper contract and its local implementation (the Ray one: ``finefake.engines.ray_mapper``).

``mapper.map(factory, batches)`` yields one result per batch, in input order: ``factory()`` builds the worker
(once per process: once here, once per Ray worker process on Ray) and ``worker(batch)`` maps one batch. The
worker is built only when the first batch arrives, so an empty run loads nothing (and on Ray starts nothing).

Errors: a user's mistake (a :class:`FinefakeError`) raised while mapping a batch comes back as one line naming
the batch (``... (aligning, batch 3)``); one raised while building the worker (a missing index, unreadable
weights) comes back as it is, since it concerns no batch. Any other exception is a bug: it keeps its type and
traceback, with a note naming the batch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any, Protocol

from finefake.console import track
from finefake.errors import FinefakeError

#: Builds one stage worker; the worker maps one batch to one result.
WorkerFactory = Callable[[], Callable[[Any], Any]]
#: Ray resources of one batch's task (``num_cpus``, ``num_gpus``), given the batch and the cluster's resources.
Options = dict[str, float] | Callable[[Any, dict[str, float]], dict[str, float]]


class Mapper(Protocol):
    """Maps batches through a worker built by a factory; yields the results in input order."""

    def map(
        self,
        factory: WorkerFactory,
        batches: Iterable[Any],
        *,
        options: Options | None = None,
        label: str | None = None,
        total: int | None = None,
        progress: bool = True,
    ) -> Iterator[Any]: ...

    def resources(self) -> dict[str, float]:
        """The resources where the batches run (``CPU``, ``GPU``); on Ray this starts or joins it."""
        ...


class BatchFailed(FinefakeError):
    """A user's mistake met while mapping one batch, said in one line that names the batch."""


def call_batch(worker: Callable[[Any], Any], batch: Any, index: int, label: str | None) -> Any:
    """``worker(batch)``, with a failure naming the batch (see the module docstring): by its own name when
    the batch is one (a stage's name, a file), else by its position."""
    name = batch if isinstance(batch, str) and 0 < len(batch) <= 120 else f"batch {index + 1}"
    where = f"{label}, {name}" if label else name
    try:
        return worker(batch)
    except BatchFailed:
        raise
    except FinefakeError as exc:
        raise BatchFailed(f"{exc} ({where})") from exc
    except Exception as exc:
        exc.add_note(f"finefake: raised while mapping {where}")
        raise


class LocalMapper:
    """Batches mapped in this process, one after the other, by one worker built on the first batch."""

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
        worker = None
        shown = track(batches, label, total) if label and progress else batches
        for index, batch in enumerate(shown):
            if worker is None:
                worker = factory()
            yield call_batch(worker, batch, index, label)

    def resources(self) -> dict[str, float]:
        import os

        return {"CPU": float(os.cpu_count() or 1)}
