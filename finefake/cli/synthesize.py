"""``finefake synthesize``: write a synthetic dataset with planted signals into the workspace's records stage."""

from __future__ import annotations

import typer

from finefake.console import console


def synthesize(
    ctx: typer.Context,
    items: int = typer.Option(2000, "--items", "-n", min=1, help="Number of records to generate."),
    seed: int = typer.Option(0, "--seed", help="Random seed (same seed, same records and images)."),
    signal: float = typer.Option(
        0.75,
        "--signal",
        min=0.0,
        max=1.0,
        help="Probability that a planted label cue fires (1 = separable, 0 = none).",
    ),
) -> None:
    """Generate schema-valid synthetic records (text, images, entities, triples, 5 annotators) for testing.

    The records carry planted label cues, covariate shift between topics and label shift between platform
    groups, so benchmarks on them have a known answer. They replace the workspace's `records` stage.
    """
    from finefake.cli import get_context
    from finefake.dataset.synthetic import SyntheticConfig, write_synthetic

    cli = get_context(ctx)
    n = write_synthetic(cli.workspace, items, seed=seed, config=SyntheticConfig(signal=signal))
    console.print(f"wrote {n} synthetic records to {cli.workspace.root / 'records'}")


def register(app: typer.Typer) -> None:
    app.command("synthesize")(synthesize)
