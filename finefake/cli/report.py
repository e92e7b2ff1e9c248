"""``finefake report``: one self-contained HTML page of a workspace (dataset, stats, agreement, benchmarks)."""

from __future__ import annotations

from pathlib import Path

import typer

from finefake.console import console


def report(
    ctx: typer.Context,
    out: Path = typer.Option(
        None,
        "--out",
        "-o",
        dir_okay=False,
        help="HTML file to write (default: <workspace>/report/report.html).",
    ),
    sample: int = typer.Option(24, "--sample", min=0, help="Records shown in the browsable sample."),
) -> None:
    """Write one self-contained HTML page: dataset card and Table 3, stats figures, annotation agreement,
    every benchmark table with its plots, provenance (versions, seeds, fingerprints) and a sample of items.

    It reads what the other verbs wrote and recomputes nothing; sections whose verb has not run yet are listed
    as missing. Images are embedded, so the one file can be shared on its own.
    """
    from finefake.cli import get_context
    from finefake.report import ReportConfig, write_report

    cli = get_context(ctx)
    result = write_report(cli.workspace, out.resolve() if out else None, ReportConfig(sample=sample))
    console.print(f"report: {result.path}")
    if result.missing:
        console.print(f"[yellow]not in this workspace yet:[/] {'; '.join(result.missing)}")


def register(app: typer.Typer) -> None:
    app.command("report")(report)
