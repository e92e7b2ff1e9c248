"""Terminal output: one rich console, progress bars for long work, and log verbosity (secrets redacted)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TypeVar

from rich.console import Console
from rich.logging import RichHandler
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from finefake.logs import install_redaction

T = TypeVar("T")
console = Console(stderr=True)


def setup_logging(verbose: int) -> None:
    """Log to the console at WARNING, INFO (``-v``) or DEBUG (``-vv``), with secrets redacted on every handler.

    At DEBUG, libraries log their HTTP traffic (tweepy its Authorization header): the redacting filter is
    installed on every handler there is, the root one and any a library added itself.
    """
    level = logging.WARNING if verbose <= 0 else logging.INFO if verbose == 1 else logging.DEBUG
    logging.basicConfig(
        level=level,
        format="%(message)s",
        handlers=[RichHandler(console=console, show_path=False)],
        force=True,
    )
    install_redaction()


def make_progress(*, transient: bool = False) -> Progress:
    """A rich Progress with the columns we use everywhere; disabled when stderr is not a terminal."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=transient,
        disable=not sys.stderr.isatty(),
    )


def track(
    items: Iterable[T],
    description: str,
    total: int | None = None,
    weight: Callable[[T], int] | None = None,
) -> Iterator[T]:
    """Iterate with a progress bar (shown only on a terminal).

    ``weight`` counts each element as that many units (a chunk as its items: ``total`` is then the number of
    items), so a bar over a few large chunks still counts items and its time estimate means something.
    """
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with make_progress() as progress:
        task = progress.add_task(description, total=total)
        for item in items:
            yield item
            progress.advance(task, weight(item) if weight is not None else 1)
