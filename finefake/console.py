"""Terminal output: one rich console, progress bars for long work, and log verbosity (secrets redacted)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

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


class Bar:
    """One open progress bar that work deep inside a step moves on (``advance``) and the step then tops up.

    ``advance(n)`` is the small callback handed down to the code doing the work (an encoder per batch, a
    linker per text); ``reach(done)`` brings the bar to ``done`` units once a step is finished, so work that
    reports nothing still moves the bar a step at a time and reported work is never counted twice.
    """

    def __init__(self, progress: Progress, task: Any) -> None:
        self._progress, self._task = progress, task
        self.count = 0

    def advance(self, n: int = 1) -> None:
        self.count += n
        self._progress.advance(self._task, n)

    def reach(self, done: int) -> None:
        if done > self.count:
            self.advance(done - self.count)


_open_bars: list[Bar] = []


def advance(n: int = 1) -> None:
    """Move the innermost bar opened by :func:`counting` on by ``n`` units (nothing when none is open).

    For code that does the work in batches (an encoder's batch loop) without knowing whose bar it is.
    """
    if _open_bars:
        _open_bars[-1].advance(n)


@contextmanager
def counting(description: str, total: int | None) -> Iterator[Bar]:
    """A progress bar over ``total`` units (items) moved by :meth:`Bar.advance` and :func:`advance`.

    Shown only on a terminal, like :func:`track`; its time estimate follows the items as they are done.
    """
    with make_progress() as progress:
        bar = Bar(progress, progress.add_task(description, total=total))
        _open_bars.append(bar)
        try:
            yield bar
        finally:
            _open_bars.remove(bar)


def ticking(items: Iterable[T], step: Callable[[int], None]) -> Iterator[T]:
    """``items``, calling ``step(1)`` when the next one is asked for (the one before is then done): progress
    per item from code that takes an iterable and works through it lazily."""
    for item in items:
        yield item
        step(1)
