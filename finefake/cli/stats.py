"""``finefake stats DATASET``: Table 3, figures and a Markdown report of a packaged dataset."""

from __future__ import annotations

from pathlib import Path

import typer

from finefake.console import console


def stats(
    ctx: typer.Context,
    dataset: Path = typer.Argument(
        None, help="Packaged dataset folder (default: the workspace's `dataset` stage)."
    ),
    out: Path = typer.Option(None, "--out", "-o", help="Output folder (default: the workspace's `stats`)."),
    top_words: int = typer.Option(12, "--top-words", min=1, help="Words shown per domain."),
    top_entities: int = typer.Option(20, "--top-entities", min=1, help="Entities shown in the ranking."),
    emotion_model: Path = typer.Option(
        None,
        "--emotion-model",
        exists=True,
        file_okay=False,
        help="Local folder of a transformers emotion classifier (default: the built-in lexicon scorer).",
    ),
) -> None:
    """Analyse a packaged dataset like the paper's section 4 (works on an imported FineFake release too).

    Writes stats.json, table3.md, figures/*.png (top words and emotion tendency per domain, fine-grained
    label and topic proportions, entity counts real vs fake, most frequent entities) and report.md.
    """
    from finefake.cli import get_context
    from finefake.stats.report import StatsConfig, write_stats

    cli = get_context(ctx)
    source = (dataset or cli.workspace.root / "dataset").resolve()
    target = (out or cli.workspace.stage_dir("stats")).resolve()
    config = StatsConfig(
        top_words=top_words,
        top_entities=top_entities,
        emotion_model=str(emotion_model) if emotion_model else None,
    )
    report = write_stats(source, target, config)
    t3 = report.stats["table3"]["overall"]
    console.print(
        f"{t3['total']} items ({t3['real']} real, {t3['fake']} fake), {t3['avg_words']} words and "
        f"{t3['avg_entities']} entities on average"
    )
    console.print(f"report: {report.report}")
    console.print(f"figures: {target / 'figures'}")


def register(app: typer.Typer) -> None:
    app.command("stats")(stats)
