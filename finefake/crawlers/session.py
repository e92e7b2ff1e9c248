"""Opening a crawl run: its frontier, its archive (resume or replay) and its fetcher, in one place."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import asdict, fields, is_dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from finefake.crawlers.archive import WarcArchive
from finefake.crawlers.frontier import Frontier, Task
from finefake.crawlers.http import Fetcher, HttpConfig, host_key
from finefake.crawlers.runner import CrawlReport, Handler, compact_stage, run_tasks
from finefake.errors import FinefakeError
from finefake.workspace import Workspace


def hosts_of(urls: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """``host:port`` keys of URLs the user typed: those are allowed even when private (explicit opt-in)."""
    return tuple(sorted({host_key(u) for u in urls if u and urlsplit(u).hostname}))


def open_crawl(
    ws: Workspace,
    stage: str,
    http: HttpConfig,
    *,
    replay: str | Path | None = None,
    allow_hosts: tuple[str, ...] = (),
    session: Any = None,
) -> tuple[Frontier, Fetcher]:
    """The frontier and fetcher of a crawl run in ``ws/stage``.

    Live runs archive into ``<stage>/warc/`` and reuse responses already archived there (so a resumed run
    does not refetch them). Replay runs read only the given archive, never touch the network, and keep their
    frontier apart (``state/frontier-replay.sqlite``) from the live crawl's.
    """
    stage_dir = ws.stage_dir(stage)
    if replay is not None:
        replay_path = Path(replay)
        if not replay_path.exists():
            raise FinefakeError(f"replay archive {replay_path} does not exist")
        archive = WarcArchive([replay_path])
        if not len(archive):
            raise FinefakeError(f"replay archive {replay_path} holds no WARC records")
        frontier = Frontier(stage_dir / "state" / "frontier-replay.sqlite")
        return frontier, Fetcher(http, archive=archive, replay=True, allow_hosts=allow_hosts)
    warc_dir = stage_dir / "warc"
    existing = [warc_dir] if warc_dir.exists() and any(warc_dir.iterdir()) else []
    archive = WarcArchive(existing, write_dir=warc_dir, prefix=stage.replace("/", "-"))
    frontier = Frontier(stage_dir / "state" / "frontier.sqlite")
    return frontier, Fetcher(http, archive=archive, allow_hosts=allow_hosts, session=session)


def config_dict(config: Any) -> dict[str, Any]:
    """A JSON-friendly view of a config dataclass for the manifest (no secrets are held in configs)."""
    data = {f.name: getattr(config, f.name) for f in fields(config) if f.name != "session"}
    return {
        k: (asdict(v) if is_dataclass(v) else str(v) if isinstance(v, Path) else v) for k, v in data.items()
    }


def run_crawl(
    ws: Workspace,
    stage: str,
    http: HttpConfig,
    tasks: Iterable[Task],
    make_handler: Callable[[Fetcher], Handler],
    *,
    inputs: list[str],
    settings: dict[str, Any],
    replay: str | Path | None = None,
    allow_hosts: tuple[str, ...] = (),
    finish: Callable[[Handler, CrawlReport], dict[str, int]] | None = None,
    **run_options: Any,
) -> CrawlReport:
    """One crawl stage run, the same for every source: manifest, frontier + archive, seed tasks, run, close.

    ``make_handler`` builds the source's handler on the opened fetcher; ``finish`` may amend the report after
    the run and returns extra manifest counts; ``run_options`` go to :func:`run_tasks`.
    """
    with ws.run(stage, inputs=inputs, config=settings) as manifest:
        frontier, fetcher = open_crawl(ws, stage, http, replay=replay, allow_hosts=allow_hosts)
        try:
            handler = make_handler(fetcher)
            frontier.add(tasks)
            frontier.commit()
            report = run_tasks(ws, stage, frontier, fetcher, handler, **run_options)
            # Same web, same stage: one copy per item, in id order, whatever order the fetches finished in.
            report.items_total = compact_stage(ws, stage)
        finally:
            archive = fetcher.archive.write_path if fetcher.archive else None
            fetcher.close()
            frontier.close()
        report.archive = str(archive) if archive else None
        damaged = fetcher.archive.damaged if fetcher.archive else []
        if damaged:  # left out of the index: refetched live, missing (not_in_archive) on replay
            report.failure_reasons["damaged_archive_record"] = len(damaged)
            manifest.extra["archive_damaged"] = damaged[:200]
        extra = finish(handler, report) if finish else {}
        manifest.counts.update(items_written=report.items_written, items_total=report.items_total, **extra)
        manifest.extra["crawl"] = report.as_dict()
    return report
