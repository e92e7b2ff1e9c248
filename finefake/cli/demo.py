"""``finefake demo``: the whole pipeline offline, against a generated mini-web served on 127.0.0.1."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console

from finefake.console import console


def demo(
    items: int = typer.Option(600, "--items", "-n", min=20, help="Items in the generated mini-web."),
    out: Path = typer.Option(
        Path("finefake-demo"), "--out", "-o", help="Folder for the mini-web and workspace."
    ),
    seed: int = typer.Option(0, "--seed", help="Seed of the mini-web (same seed, same pages)."),
    bench_seeds: int = typer.Option(3, "--bench-seeds", min=1, help="Training seeds per benchmark run."),
    models: str = typer.Option(
        None,
        "--models",
        "-m",
        help="Comma-separated detectors to benchmark, or 'all' for every registered one (default: "
        "majority,logreg, the one default of bench and demo; add kean with --models majority,logreg,kean).",
    ),
) -> None:
    """Run the whole pipeline for real on a local mini-web: crawl to package, bench (six tasks), stats, report.

    Progress goes to stderr; the result tables and the output paths go to stdout.

    Nothing leaves the machine: the pages (Snopes, news sites, Reddit and Twitter API answers, images) are
    generated and served on 127.0.0.1. Re-running resumes: completed stages are skipped.
    """
    from finefake.baselines.registry import parse_model_names
    from finefake.benchmarks.terminal import terminal_table
    from finefake.demo.pipeline import DemoConfig, print_stage, run_demo

    chosen = tuple(parse_model_names(models)) if models else None
    config = DemoConfig(out=out.resolve(), items=items, seed=seed, bench_seeds=bench_seeds, models=chosen)
    result = run_demo(config, report=print_stage)  # progress: stderr
    results_out = Console()  # the results (tables, where the outputs are): stdout, for pipes and files
    for path in result.stages.get("bench", {}).get("tables", {}).values():
        results = Path(path).with_name("results.json")
        table = json.loads(results.read_text(encoding="utf-8"))
        results_out.print(terminal_table(table, width=results_out.width))
    for name, path in result.paths.items():
        results_out.print(f"{name}: {path}", soft_wrap=True, highlight=False)  # a path is never broken
    console.print(f"demo finished in {result.seconds:.0f} s")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
