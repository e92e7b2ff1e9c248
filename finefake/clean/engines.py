"""``finefake clean``: one entry point, two engines with the same output (records, clusters, report).

``--engine local`` maps the batches in this process (:func:`finefake.clean.stage.clean_local`); ``--engine
ray`` runs the same filters and duplicate rules as Ray Data map stages and key shuffles
(:func:`finefake.clean.ray_engine.clean_ray`, imported only then, so Ray stays optional). This module is the
only one that knows both: the stage never imports its Ray adapter.
"""

from __future__ import annotations

from finefake.clean.config import CleanConfig
from finefake.clean.stage import CleanReport, clean_local
from finefake.engine import EngineConfig
from finefake.workspace import Workspace


def clean(ws: Workspace, config: CleanConfig, engine: EngineConfig | None = None) -> CleanReport:
    """Run the clean stage over ``crawl/*`` into ``clean`` (replacing it) on ``engine`` (local by default)."""
    if engine is not None and engine.is_ray:
        from finefake.clean.ray_engine import clean_ray

        return clean_ray(ws, config, engine)
    return clean_local(ws, config)
