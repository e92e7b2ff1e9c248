"""``finefake bench TASK``: train and evaluate baselines on the benchmark tasks, resumably, with reports."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from finefake.console import console

bench_app = typer.Typer(
    help="Benchmark baselines on the FineFake tasks (tables shaped like the paper's Tables 4 and 5).",
    no_args_is_help=True,
)

TASK_HELP = {
    "binary": "Binary fake/real detection from text + image (6:2:2 split).",
    "binary-kg": "Binary detection from text + image + knowledge (6:2:2 split).",
    "fine-grained": "Six-class fine-grained detection with knowledge (6:2:2 split).",
    "topic-da": "Topic adaptation: P+B+H+S -> entertainment / conflict, per platform group.",
    "platform-da": "Platform adaptation on politics: each platform group -> each other group.",
    "dual-da": "Topic + platform adaptation: conflict of group A -> politics of group B.",
    "all": "Every task above, then an overview table of the classification tasks.",
}


def _parse_models(text: str) -> list[str]:
    from finefake.baselines.registry import parse_model_names

    return parse_model_names(text)


def _load_features(ctx: typer.Context, features_dir: Path | None):
    from finefake.errors import FinefakeError
    from finefake.features.featureset import FeatureSet

    if features_dir is not None:
        try:
            return FeatureSet.load(features_dir)
        except (OSError, KeyError, ValueError) as exc:
            raise FinefakeError(f"cannot load features from {features_dir}: {exc}") from exc
    try:
        from finefake.features.pipeline import FeatureConfig, compute_features
    except ImportError as exc:
        raise FinefakeError(
            "the feature pipeline (finefake.features.pipeline) is not available; pass --features DIR with a "
            f"saved FeatureSet ({exc})"
        ) from exc
    from finefake.cli import get_context

    return compute_features(get_context(ctx).workspace, FeatureConfig())


def run_task(
    ctx: typer.Context,
    task: str,
    models: str,
    seeds: int,
    out: Path | None,
    features_dir: Path | None,
    split_seed: int,
    epochs: int | None,
) -> None:
    from finefake.benchmarks.reports import write_overview
    from finefake.benchmarks.runner import BenchConfig, run_benchmark
    from finefake.benchmarks.tasks import TASK_NAMES, ItemTable
    from finefake.benchmarks.terminal import terminal_table
    from finefake.cli import get_context
    from finefake.errors import RECORDS_HINT

    ws = get_context(ctx).workspace
    model_names = _parse_models(models)
    ws.require("records", RECORDS_HINT)
    features = _load_features(ctx, features_dir)
    items = ItemTable.from_records(ws.read("records"))
    tasks = list(TASK_NAMES) if task == "all" else [task]
    hparams = {"kean": {"epochs": epochs}} if epochs is not None and "kean" in model_names else {}
    config = BenchConfig(
        tasks=tasks,
        models=model_names,
        seeds=list(range(seeds)),
        out=out or ws.stage_dir("bench"),
        split_seed=split_seed,
        hparams=hparams,
    )
    paths = run_benchmark(features, items, config)
    for name, path in paths.items():
        console.print(terminal_table(json.loads(path.read_text(encoding="utf-8"))))
        console.print(f"{name}: table.md, table.tex, plots and results.json in {path.parent.resolve()}")
    if task == "all":
        overview = write_overview(config.out, tasks)
        if overview:
            console.print(f"classification overview: {overview.resolve()}")


def _make_command(task: str):
    def command(
        ctx: typer.Context,
        models: str = typer.Option(
            "majority,logreg,kean", "--models", "-m", help="Comma-separated model names."
        ),
        seeds: int = typer.Option(3, "--seeds", min=1, help="Number of training seeds (0..N-1); mean ± std."),
        out: Path | None = typer.Option(
            None, "--out", "-o", help="Results folder (default: the workspace's bench folder)."
        ),
        features: Path | None = typer.Option(
            None,
            "--features",
            exists=True,
            file_okay=False,
            help="A saved FeatureSet folder (features.npz + meta.json) instead of the workspace feature cache.",
        ),
        split_seed: int = typer.Option(0, "--split-seed", help="Seed of the train/validation/test split."),
        epochs: int | None = typer.Option(
            None, "--epochs", min=1, help="Override KEAN's epochs (default 20)."
        ),
    ) -> None:
        run_task(ctx, task, models, seeds, out, features, split_seed, epochs)

    command.__doc__ = (
        f"{TASK_HELP[task]}\n\nFinished (task, setting, model, seed) runs are kept and skipped on a rerun; "
        "results.json, table.md, table.tex and plots go to the task's folder under --out."
    )
    return command


for _task in TASK_HELP:
    bench_app.command(_task)(_make_command(_task))


def register(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="bench")
