"""The ``finefake`` command line: a thin Typer app.

Each verb group lives in a module of this package that defines ``register(app)``; modules are discovered
here, so adding a stage never touches this file. Command modules parse options and call the stage functions
of the pipeline packages; they hold no logic and import heavy libraries inside the command bodies so that
``finefake --help`` stays fast.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer
import yaml

from finefake import __version__
from finefake.console import console, setup_logging
from finefake.errors import FinefakeError
from finefake.records import RecordError
from finefake.workspace import Workspace

app = typer.Typer(
    name="finefake",
    help="Build and benchmark FineFake-style multimodal fake-news datasets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@dataclass
class CliContext:
    """What every command gets: the workspace, the YAML configuration and the verbosity."""

    workspace: Workspace
    config: dict[str, Any] = field(default_factory=dict)
    verbose: int = 0

    def section(self, name: str) -> dict[str, Any]:
        """The ``name:`` section of the config file (options given on the command line override it)."""
        value = self.config.get(name, {}) or {}
        if not isinstance(value, dict):
            raise FinefakeError(f"config section {name!r} must be a mapping, got {type(value).__name__}")
        return value


def get_context(ctx: typer.Context) -> CliContext:
    """The CliContext of the root command (commands call this instead of reading globals)."""
    root = ctx.find_root()
    if not isinstance(root.obj, CliContext):
        root.obj = CliContext(Workspace("finefake-data"))
    return root.obj


def _load_config(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise FinefakeError(f"cannot read config file {path}: {exc}") from exc
    if not isinstance(data, dict):
        raise FinefakeError(f"config file {path} must hold a mapping of sections, got {type(data).__name__}")
    return data


def _version(value: bool) -> None:
    if value:
        typer.echo(f"finefake {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    workspace: Path = typer.Option(
        Path("finefake-data"),
        "--workspace",
        "-w",
        envvar="FINEFAKE_WORKSPACE",
        help="Folder holding every stage's output.",
    ),
    config: Path | None = typer.Option(
        None,
        "--config",
        "-c",
        exists=True,
        dir_okay=False,
        help="YAML file with one section per stage (crawl, clean, align, ...).",
    ),
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More logging (-vv for debug)."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Build and benchmark FineFake-style multimodal fake-news datasets."""
    setup_logging(verbose)
    ctx.obj = CliContext(Workspace(workspace), _load_config(config), verbose)


def _register_commands() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if callable(register):
            register(app)


_register_commands()


def main() -> None:
    """Console-script entry point: runs the app and turns expected failures into readable messages."""
    verbose = any(arg.startswith("-v") or arg == "--verbose" for arg in sys.argv[1:])
    try:
        app()
    except (FinefakeError, RecordError, FileNotFoundError) as exc:
        if verbose:
            console.print_exception()
        console.print(f"[bold red]error:[/] {exc}")
        sys.exit(2)
