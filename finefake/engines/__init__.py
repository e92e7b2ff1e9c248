"""One engine layer for every stage: a batch mapper (local or Ray) and the driver that runs a stage on it.

A stage gives the driver three things: its input batches, a *worker factory* (a picklable callable that builds
the stateful per-process worker: a linker, an encoder, a training closure) whose worker maps ONE batch to one
result, and a writer that takes the results in input order. The engine decides only where the batches run:
:class:`~finefake.engines.mapper.LocalMapper` (this process) or :class:`~finefake.engines.ray_mapper.RayMapper`
(Ray tasks, imported only for ``--engine ray``). This package imports no stage: stages import it, so there is no
import circle and no stage module imports Ray.
"""

from finefake.engines.driver import open_mapper, run_stage
from finefake.engines.mapper import LocalMapper, Mapper

__all__ = ["LocalMapper", "Mapper", "open_mapper", "run_stage"]
