"""``finefake verify RESULTS``: re-train one recorded benchmark run and say whether its numbers match."""

from __future__ import annotations

from pathlib import Path

import typer

from finefake.console import console


def verify(
    ctx: typer.Context,
    results: Path = typer.Argument(
        ...,
        exists=True,
        dir_okay=False,
        help="A run file (bench/<task>/runs/<model>/<setting>/seed-<k>.json) or a task's results.json.",
    ),
    model: str = typer.Option(None, "--model", "-m", help="With a results.json: the model's run to verify."),
    setting: str = typer.Option(None, "--setting", help="With a results.json: the setting's run to verify."),
    seed: int = typer.Option(None, "--seed", help="With a results.json: the seed's run to verify."),
) -> None:
    """Train one benchmark run again from its record (task, setting, model, hyper-parameters, seed, split)
    on this workspace and compare every metric with the recorded one.

    With a results.json, the first run behind it is verified (a trained model before the majority reference);
    --model, --setting and --seed pick another. Exits 0 when the numbers match, 1 when they do not.
    """
    from finefake.benchmarks.verify import find_run_file, verify_run
    from finefake.cli import get_context

    ws = get_context(ctx).workspace
    run_file = find_run_file(results, model=model, setting=setting, seed=seed)
    console.print(f"verifying {run_file}", markup=False, highlight=False)
    outcome = verify_run(ws.root, run_file)
    for check, ok in outcome.checks.items():
        console.print(f"  {check}: {'yes' if ok else 'NO'}", markup=False, highlight=False)
    for line in outcome.differences[:20]:
        console.print(f"  differs: {line}", markup=False, highlight=False)
    what = f"{outcome.task} / {outcome.setting} / {outcome.model} / seed {outcome.seed}"
    if outcome.matches:
        console.print(f"match: {what} reproduces its recorded numbers", markup=False, highlight=False)
        return
    console.print(f"no match: {what} gives other numbers now", markup=False, highlight=False)
    raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("verify")(verify)
