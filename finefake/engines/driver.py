"""``run_stage``: read a stage's batches, map them on the chosen engine, hand the ordered results on; and
``open_mapper``: the chosen engine's mapper (the only place that knows both engines)."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from finefake.engine import EngineConfig
from finefake.engines.mapper import LocalMapper, Mapper, Options, WorkerFactory


def run_stage(
    batches: Iterable[Any],
    factory: WorkerFactory,
    write: Callable[[Any, Any], None],
    *,
    engine: EngineConfig | None = None,
    mapper: Mapper | None = None,
    options: Options | None = None,
    label: str | None = None,
    total: int | None = None,
    progress: bool = True,
) -> int:
    """Map every batch with the worker ``factory()`` builds and call ``write(batch, result)`` for each, in
    input order (whatever order the engine finished them in). Returns the number of batches written.

    ``mapper`` maps on an already open mapper (several stages' maps in one Ray session); otherwise ``engine``'s
    is opened for this call. ``batches`` is read lazily: the engine takes the next batch when it has room,
    so a stage may stream its input. ``options`` are the Ray resources of a batch (ignored locally), ``label``
    names the batch in errors and the progress bar over batches (``progress=False``: the stage draws its own,
    moved by ``finefake.console.advance`` from the worker)."""
    if mapper is None:
        with open_mapper(engine) as opened:
            return run_stage(
                batches,
                factory,
                write,
                mapper=opened,
                options=options,
                label=label,
                total=total,
                progress=progress,
            )
    sent: deque[Any] = deque()

    def remembered() -> Iterator[Any]:
        for batch in batches:
            sent.append(batch)
            yield batch

    results = mapper.map(factory, remembered(), options=options, label=label, total=total, progress=progress)
    written = 0
    try:
        for result in results:
            write(sent.popleft(), result)
            written += 1
    finally:
        close = getattr(results, "close", None)
        if close is not None:
            close()  # a stopped run cancels what is still in flight
    return written


@contextmanager
def open_mapper(engine: EngineConfig | None) -> Iterator[Mapper]:
    """The mapper of ``engine`` (local when None) for the block: on Ray, Ray is started or joined on the
    first batch (``finefake.engine.ray_session``) and given back when the block ends."""
    if engine is None or not engine.is_ray:
        yield LocalMapper()
        return
    from finefake.engines.ray_mapper import RayMapper

    mapper = RayMapper(engine)
    try:
        yield mapper
    finally:
        mapper.close()
