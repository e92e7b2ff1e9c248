"""The ``finefake`` command line: a thin Typer app.

Each verb group lives in a module of this package that defines ``register(app)``; modules are discovered
here, so adding a stage never touches this file. Command modules parse options and call the stage functions
of the pipeline packages; they hold no logic and import heavy libraries inside the command bodies so that
``finefake --help`` stays fast.
"""

from __future__ import annotations

import functools
import importlib
import inspect
import pkgutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape
from typer._click.exceptions import NoArgsIsHelpError
from typer.core import TyperGroup, TyperOption

from finefake import __version__
from finefake.config import load_config
from finefake.console import console, setup_logging
from finefake.errors import FinefakeError
from finefake.records import RecordError
from finefake.threads import configure_threads
from finefake.workspace import Workspace

# Before any command module loads numpy or torch: thread pools sleep instead of spinning while they wait,
# sized to the cores this process may use (CPU time must not grow with the machine's load; issue 31).
configure_threads()

#: ``--help`` lists the verbs in the order a dataset is built; verbs not named here follow, alphabetically.
PIPELINE_ORDER = (
    "crawl",
    "clean",
    "align-knowledge",
    "review",
    "annotate",
    "import",
    "synthesize",
    "package",
    "features",
    "bench",
    "evaluate",
    "stats",
    "report",
    "verify",
    "demo",
)


class PipelineGroup(TyperGroup):
    """The root command group: verbs listed in pipeline order rather than in registration order."""

    def list_commands(self, ctx: typer.Context) -> list[str]:
        names = super().list_commands(ctx)
        rank = {name: i for i, name in enumerate(PIPELINE_ORDER)}
        return sorted(names, key=lambda n: (rank.get(n, len(rank)), n))


def _display_type_rich(self: TyperOption, ctx: typer.Context) -> str | None:
    """Flags (``--help``, ``--force``) and counters (``-v``) take no value: show no ``<bool>``/``<int>``."""
    if self.is_flag or self.count:
        return None
    return _typer_display_type_rich(self, ctx)


_typer_display_type_rich = TyperOption.display_type_rich
TyperOption.display_type_rich = _display_type_rich  # type: ignore[method-assign]

app = typer.Typer(
    name="finefake",
    help="Build and benchmark FineFake-style multimodal fake-news datasets.",
    cls=PipelineGroup,
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
        help="YAML file with one section per stage (crawl, clean, align, package, features) and engine; "
        "every key and value is checked before anything runs.",
    ),
    verbose: int = typer.Option(0, "--verbose", "-v", count=True, help="More logging (-vv for debug)."),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Build and benchmark FineFake-style multimodal fake-news datasets."""
    setup_logging(verbose)
    console.soft_wrap = True  # never break a path or a table row at 80 columns: the terminal wraps
    ctx.obj = CliContext(Workspace(workspace), load_config(config), verbose)
    _LAST_WORKSPACE[:] = [ctx.obj.workspace.root]


def _reflow(text: str) -> str:
    """One line per paragraph, so the help re-flows to the terminal instead of breaking where the source did."""
    return "\n\n".join(" ".join(p.split()) for p in inspect.cleandoc(text).split("\n\n"))


def _absolute_paths(callback: Any) -> None:
    """Path options and arguments resolve to absolute paths, so every path a command prints is absolute."""
    for parameter in inspect.signature(callback).parameters.values():
        info = parameter.default
        if isinstance(info, typer.models.ParameterInfo) and "Path" in str(parameter.annotation):
            info.resolve_path = True


#: Verbs (or groups of verbs) that write stages under a lock (see ``Workspace.run``): they take ``--wait``.
LOCKING_VERBS = frozenset(
    {"crawl", "clean", "align-knowledge", "review", "annotate", "import", "synthesize", "package", "features"}
)
WAIT_HELP = "If another finefake process is writing the same stage, wait for it instead of stopping."


def _with_wait(callback: Any) -> Any:
    """``callback`` with a ``--wait`` flag that makes the workspace wait for a busy stage's lock."""
    signature = inspect.signature(callback)
    if "wait" in signature.parameters or "ctx" not in signature.parameters:
        return callback

    @functools.wraps(callback)
    def command(*args: Any, wait: bool = False, **kwargs: Any) -> Any:
        ctx = kwargs.get("ctx") or next(a for a in args if isinstance(a, typer.Context))
        get_context(ctx).workspace.wait = wait
        return callback(*args, **kwargs)

    option = inspect.Parameter(
        "wait",
        inspect.Parameter.KEYWORD_ONLY,
        default=typer.Option(False, "--wait", help=WAIT_HELP),
        annotation=bool,
    )
    params = list(signature.parameters.values())
    command.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=[p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in params] + [option]
    )
    command.__annotations__ = dict(getattr(callback, "__annotations__", {}), wait=bool)
    return command


def _polish(typer_app: typer.Typer, locking: bool = False) -> None:
    """Help paragraphs re-flowed and path parameters resolved, for every command of every group; the
    stage-writing verbs (:data:`LOCKING_VERBS`) get ``--wait``."""
    for info in typer_app.registered_commands:
        doc = info.help or inspect.getdoc(info.callback)
        if doc:
            info.help = _reflow(doc)
        if info.callback is not None:
            _absolute_paths(info.callback)
            name = info.name or info.callback.__name__.replace("_", "-")
            if locking or name in LOCKING_VERBS:
                info.callback = _with_wait(info.callback)
    for group in typer_app.registered_groups:
        _polish(group.typer_instance, locking or group.name in LOCKING_VERBS)


def _register_commands() -> None:
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):  # __main__ (python -m finefake.cli) is no verb module
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        register = getattr(module, "register", None)
        if callable(register):
            register(app)
    _absolute_paths(root)
    _polish(app)


_register_commands()


#: The workspace folder of the command being run (for the hints after an error or an interruption).
_LAST_WORKSPACE: list[Path] = []
#: Where ``finefake demo`` puts its workspace by default, relative to the folder it was run in.
DEMO_WORKSPACE = Path("finefake-demo") / "workspace"
#: The exit status of a command stopped with Ctrl-C (128 + SIGINT), as shells report it.
INTERRUPTED = 130


def workspace_hints() -> list[str]:
    """What may explain a failure about missing inputs: a workspace folder that does not exist, or the
    demo's workspace next to an empty default one."""
    if not _LAST_WORKSPACE:
        return []
    root = _LAST_WORKSPACE[0]
    hints = []
    if not root.exists():
        hints.append(f"the workspace folder {root} does not exist (give another with -w/--workspace)")
    demo = DEMO_WORKSPACE.resolve()
    if demo.is_dir() and demo != root.resolve() and not any((root / "records").glob("data/part-*.jsonl")):
        hints.append(f"the demo's workspace is {DEMO_WORKSPACE}: add -w {DEMO_WORKSPACE}")
    return hints


def _interrupted(args: list[str]) -> None:
    """After Ctrl-C: what is kept and how to go on (every stage saves complete work as it goes)."""
    where = _LAST_WORKSPACE[0] if _LAST_WORKSPACE else Path("finefake-data")
    console.print(
        f"[bold yellow]interrupted:[/] {escape(' '.join(['finefake', *args]))} stopped; everything it had "
        f"completed is saved in {escape(str(where))} (crawls keep their frontier and archive, bench its "
        "finished runs, the other stages their finished output). Run the same command again to resume.",
        soft_wrap=True,
    )


#: Failures that are the user's to fix (bad input, missing stage output, unreadable files): one line, status 2.
USER_ERRORS = (FinefakeError, RecordError, OSError)


def _message(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.filename and exc.strerror:
        text = f"{exc.strerror}: {exc.filename}"
    elif isinstance(exc, typer.TyperException):
        ctx = getattr(exc, "ctx", None)
        text = (f"{ctx.command_path}: " if ctx is not None else "") + exc.format_message()
    else:
        text = str(exc)
    return " ".join(text.split())


def run(args: list[str] | None = None) -> int:
    """Run the CLI on ``args`` (default: sys.argv) and return its exit status instead of exiting.

    Every mistake a user can make ends in one line ``error: ...`` and status 2: usage errors (unknown option,
    bad value), FinefakeError from the stages, unreadable files, a prompt that got no input. ``-v`` adds the
    traceback. Anything else is a bug and keeps its traceback.
    """
    args = sys.argv[1:] if args is None else list(args)
    verbose = any(a == "--verbose" or (a.startswith("-v") and set(a[1:]) == {"v"}) for a in args)
    try:
        result = app(args=args, prog_name="finefake", standalone_mode=False)
    except NoArgsIsHelpError as exc:  # a bare group (`finefake bench`): its help, as click does
        exc.show()
        return 2
    except (typer.TyperException, typer.Abort, *USER_ERRORS) as exc:
        if verbose and not isinstance(exc, typer.TyperException):
            console.print_exception()
        if isinstance(exc, typer.Abort):
            text = "no answer on standard input; give the value as an option instead (see --help)"
        else:
            text = _message(exc)
        if _LAST_WORKSPACE and str(_LAST_WORKSPACE[0]) in text:  # a failure about the workspace's content
            text += "".join(f" ({hint})" for hint in workspace_hints())
        console.print(f"[bold red]error:[/] {escape(text)}", soft_wrap=True)
        return 2
    except KeyboardInterrupt:  # raised outside a command body (Typer turns one inside into exit 130)
        result = INTERRUPTED
    if result == INTERRUPTED:
        _interrupted(args)
    return result if isinstance(result, int) else 0


def main() -> None:
    """Console-script entry point."""
    sys.exit(run())
