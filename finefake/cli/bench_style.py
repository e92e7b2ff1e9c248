"""``finefake bench style-robustness``: detectors on the original and LLM-restyled test items (issue 30)."""

from __future__ import annotations

from pathlib import Path

import typer

from finefake.cli.llm_options import LLM_ENDPOINT_OPTION, LLM_MODEL_OPTION
from finefake.console import console


def style_robustness(
    ctx: typer.Context,
    models: str = typer.Option("majority,logreg", "--models", "-m", help="Comma-separated model names."),
    seeds: int = typer.Option(1, "--seeds", min=1, help="Training seeds (0..N-1); scores are their mean."),
    styles: str = typer.Option(
        "", "--styles", help="Comma-separated styles of restyle.yaml (default: all: wire, tabloid, social)."
    ),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Results folder (default: the workspace's bench)."
    ),
    epochs: int | None = typer.Option(None, "--epochs", min=1, help="Override the epochs of trained models."),
    llm_endpoint: str | None = LLM_ENDPOINT_OPTION,
    llm_model: str | None = LLM_MODEL_OPTION,
) -> None:
    """Style robustness (SheepDog, Wu et al. 2024): the binary task's test items are rewritten by the LLM in
    fixed styles (cached, versioned), every model is trained as usual and scored on the original and each
    restyled test set; the table shows each model's macro F1 and its drop per style."""
    from finefake.baselines.registry import model_overrides, parse_model_names
    from finefake.benchmarks.style import StyleConfig, run_style_robustness, style_table
    from finefake.cli import get_context
    from finefake.cli.llm_options import llm_overrides, llm_settings
    from finefake.errors import RECORDS_HINT

    ws = get_context(ctx).workspace
    ws.require("records", RECORDS_HINT)
    names = parse_model_names(models)
    config = StyleConfig(
        models=names,
        seeds=list(range(seeds)),
        styles=[s.strip() for s in styles.split(",") if s.strip()],
        out=out or ws.stage_dir("bench"),
        hparams=model_overrides(names, epochs=epochs, **llm_overrides(llm_endpoint, llm_model)),
        llm=llm_settings(llm_endpoint, llm_model),
    )
    path = run_style_robustness(ws, config)
    import json

    console.print(style_table(json.loads(path.read_text(encoding="utf-8"))), markup=False, highlight=False)
    console.print(f"style-robustness: results.json and table.md in {path.parent.resolve()}")
