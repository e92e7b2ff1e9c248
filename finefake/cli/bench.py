"""``finefake bench TASK``: train and evaluate baselines on the benchmark tasks, resumably, with reports."""

from __future__ import annotations

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
    "all": "Every task of the workspace's dataset (FineFake: then an overview table of the classification tasks).",
}


def _spec_task_help() -> dict[str, str]:
    """Tasks of the other datasets' specs (``finefake/data/datasets``), named once each."""
    from finefake.benchmarks.specs import dataset_tasks
    from finefake.dataset.specs import dataset_names

    found: dict[str, list[str]] = {}
    for dataset in dataset_names():
        for name, definition in dataset_tasks(dataset).items():
            found.setdefault(name, []).append(f"{dataset}: {definition.description}")
    return {name: "; ".join(texts) for name, texts in found.items() if name not in TASK_HELP}


@bench_app.callback(invoke_without_command=True)
def bench_root(
    ctx: typer.Context,
    list_tasks: bool = typer.Option(
        False, "--list", help="List the tasks of the workspace's dataset and exit."
    ),
) -> None:
    """Benchmark baselines on the tasks of the workspace's dataset (FineFake, MediaEval, LIAR, ...)."""
    if not list_tasks or ctx.invoked_subcommand is not None:
        return
    from finefake.benchmarks.specs import dataset_of, describe_tasks
    from finefake.cli import get_context

    ws = get_context(ctx).workspace
    dataset = dataset_of(ws.read("records")) if ws.has_records("records") else "finefake"
    console.print(f"tasks of dataset {dataset} (finefake/data/datasets/{dataset}.yaml):")
    for row in describe_tasks(dataset):
        console.print(
            f"  {row['task']:<13} {row['kind']:<17} label {row['label']}, split {row['split']}, "
            f"settings: {row['settings']}; metrics: {row['metrics']}\n      {row['description']}",
            markup=False,
            highlight=False,
        )
    raise typer.Exit()


def _parse_models(text: str) -> list[str]:
    from finefake.baselines.registry import model_class

    models = [m.strip() for m in text.split(",") if m.strip()]
    if not models:
        raise typer.BadParameter("give at least one model, e.g. --models kean,logreg")
    for model in models:
        model_class(model)
    return models


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
    splits_file: Path | None = None,
) -> None:
    from finefake.benchmarks.reports import write_overview
    from finefake.benchmarks.runner import BenchConfig, run_benchmark
    from finefake.benchmarks.specs import DatasetItems, dataset_of, dataset_tasks, find_task, published_split
    from finefake.cli import get_context
    from finefake.dataset.specs import load_spec

    ws = get_context(ctx).workspace
    model_names = _parse_models(models)
    ws.require("records", "finefake synthesize`, `finefake import NAME PATH` or `finefake package")
    records = list(ws.read("records"))
    dataset = dataset_of(records)
    definitions = dataset_tasks(dataset) if task == "all" else {task: find_task(dataset, task)}
    assignment, provenance = published_split(ws.root, dataset, splits_file)
    if assignment is not None:
        console.print(f"split: {provenance['split_file']}")
    features = _load_features(ctx, features_dir)
    items = DatasetItems.from_records(records, load_spec(dataset))
    tasks = list(definitions)
    hparams = {"kean": {"epochs": epochs}} if epochs is not None and "kean" in model_names else {}
    config = BenchConfig(
        tasks=tasks,
        models=model_names,
        seeds=list(range(seeds)),
        out=out or ws.stage_dir("bench"),
        split_seed=split_seed,
        hparams=hparams,
        definitions=definitions,
        assignment=assignment,
        provenance=provenance,
    )
    paths = run_benchmark(features, items, config)
    for name, path in paths.items():
        console.print(f"{name}: results in {path.parent}")
        console.print((path.parent / "table.md").read_text(encoding="utf-8"))
    if task == "all" and dataset == "finefake":
        overview = write_overview(config.out, tasks)
        if overview:
            console.print(f"classification overview: {overview}")


def _make_command(task: str, help_text: str):
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
        splits: Path | None = typer.Option(
            None,
            "--splits",
            exists=True,
            dir_okay=False,
            help="A published split file (id -> train/validation/test, e.g. dataset/splits.json) to cut every "
            "setting from, so two labs compare on the same items.",
        ),
        epochs: int | None = typer.Option(
            None, "--epochs", min=1, help="Override KEAN's epochs (default 20)."
        ),
    ) -> None:
        run_task(ctx, task, models, seeds, out, features, split_seed, epochs, splits)

    command.__doc__ = (
        f"{help_text}\n\nFinished (task, setting, model, seed) runs are kept and skipped on a rerun; "
        "results.json, table.md, table.tex and plots go to the task's folder under --out."
    )
    return command


for _task, _help in {**TASK_HELP, **_spec_task_help()}.items():
    bench_app.command(_task)(_make_command(_task, _help))


def register(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="bench")
