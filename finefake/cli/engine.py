"""The ``--engine`` and ``--ray-address`` options shared by the heavy verbs (clean, align-knowledge, features,
bench), merged with the config file's ``engine:`` section (options on the command line win)."""

from __future__ import annotations

import typer

from finefake.engine import EngineConfig

ENGINE_OPTION = typer.Option(
    None,
    "--engine",
    help="Where the work runs: local (this process) or ray (a Ray cluster; pip install 'finefake\\[ray]'). "
    "Config: engine.engine.",
)
RAY_ADDRESS_OPTION = typer.Option(
    None,
    "--ray-address",
    help="Ray cluster to join (auto, or ray://HOST:10001); default: start a local Ray for this run. "
    "Config: engine.ray_address.",
)


def engine_config(ctx: typer.Context, engine: str | None, ray_address: str | None) -> EngineConfig:
    """The engine of this command: the config file's ``engine:`` section overridden by the options."""
    from finefake.cli import get_context

    settings = dict(get_context(ctx).section("engine"))
    if engine is not None:
        settings["engine"] = engine
    if ray_address is not None:
        settings["ray_address"] = ray_address
    return EngineConfig(**settings)
