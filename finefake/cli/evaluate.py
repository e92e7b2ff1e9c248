"""``finefake evaluate PREDICTIONS --task T``: score an outside model's predictions like ``bench`` scores ours."""

from __future__ import annotations

from pathlib import Path

import typer

from finefake.console import console


def evaluate_command(
    ctx: typer.Context,
    predictions: Path = typer.Argument(
        ..., help="CSV, JSON or JSONL of (id, predicted class or class probabilities[, setting])."
    ),
    task: str = typer.Option(
        ..., "--task", "-t", help="A task of the workspace's dataset (see `bench --list`)."
    ),
    name: str = typer.Option(None, "--name", help="Model name in the tables (default: the file's stem)."),
    out: Path = typer.Option(None, "--out", "-o", help="Results folder (default: <workspace>/evaluate)."),
    split_seed: int = typer.Option(0, "--split-seed", help="Seed of ratio splits (as `bench --split-seed`)."),
    splits: Path = typer.Option(
        None, "--splits", exists=True, dir_okay=False, help="A published split file (as `bench --splits`)."
    ),
) -> None:
    """Score predictions against the workspace's task, with the same metrics and tables as `bench`.

    Every test item of every setting must be predicted; predictions of other items are ignored and counted.
    The papers' published numbers follow the table when dataset and task match.
    """
    from finefake.benchmarks.evaluate import evaluate_predictions, read_predictions
    from finefake.benchmarks.specs import (
        DatasetItems,
        build_task_settings,
        dataset_of,
        find_task,
        published_split,
    )
    from finefake.cli import get_context
    from finefake.dataset.specs import load_spec

    ws = get_context(ctx).workspace
    ws.require("records", "finefake import NAME PATH` or `finefake package")
    records = list(ws.read("records"))
    dataset = dataset_of(records)
    definition = find_task(dataset, task)
    items = DatasetItems.from_records(records, load_spec(dataset))
    assignment, provenance = published_split(ws.root, dataset, splits)
    settings = build_task_settings(
        definition,
        items,
        split_seed=split_seed,
        assignment=assignment,
        assignment_source=str(provenance.get("split_file")),
    )
    parsed = read_predictions(predictions, definition.class_names)
    model = name or predictions.stem
    folder = out or ws.stage_dir("evaluate")
    results = evaluate_predictions(
        definition,
        settings,
        items,
        parsed,
        folder,
        model,
        provenance={"split_seed": split_seed, **provenance},
    )
    console.print(f"{dataset} {task}: results in {results.parent}")
    console.print((results.parent / "table.md").read_text(encoding="utf-8"), markup=False, highlight=False)


def register(app: typer.Typer) -> None:
    app.command("evaluate")(evaluate_command)
