"""``finefake bench TASK``: train and evaluate baselines on the benchmark tasks, resumably, with reports."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from finefake.baselines.registry import DEFAULT_MODELS, model_overrides
from finefake.cli.engine import ENGINE_OPTION, RAY_ADDRESS_OPTION, engine_config
from finefake.cli.llm_options import LLM_ENDPOINT_OPTION, LLM_MODEL_OPTION, LLM_VISION_OPTION
from finefake.console import console
from finefake.engine import EngineConfig

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
    from finefake.baselines.registry import parse_model_names

    return parse_model_names(text)


def _load_features(
    ctx: typer.Context,
    features_dir: Path | None,
    inputs: set[str] | None = None,
    engine: EngineConfig | None = None,
    llm=None,
):
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

    # the inputs the chosen models declare that are not cached yet are computed now (with progress bars)
    return compute_features(
        get_context(ctx).workspace, FeatureConfig(llm=llm), inputs=sorted(inputs or ()), engine=engine
    )


def run_task(
    ctx: typer.Context,
    task: str,
    models: str,
    seeds: int,
    out: Path | None,
    features_dir: Path | None,
    split_seed: int | None,
    epochs: int | None,
    split_seeds: int | None = None,
    device: str | None = None,
    splits_file: Path | None = None,
    engine: EngineConfig | None = None,
    cpus_per_run: float | None = None,
    llm_endpoint: str | None = None,
    llm_model: str | None = None,
    llm_vision: bool = False,
) -> None:
    from finefake.benchmarks.reports import write_overview
    from finefake.benchmarks.runner import BenchConfig, RunResources, run_benchmark
    from finefake.benchmarks.specs import FINEFAKE, DatasetItems, dataset_of, dataset_tasks, find_task
    from finefake.benchmarks.splits import BenchSplit, load_split_file, official_split
    from finefake.benchmarks.tasks import TASK_NAMES, ItemTable
    from finefake.benchmarks.terminal import terminal_table
    from finefake.cli import get_context
    from finefake.cli.llm_options import llm_overrides, llm_settings
    from finefake.dataset.specs import load_spec
    from finefake.errors import RECORDS_HINT

    llm = llm_settings(llm_endpoint, llm_model, llm_vision)  # a bad LLM option fails before any work
    ws = get_context(ctx).workspace
    model_names = _parse_models(models)
    ws.require("records", RECORDS_HINT)
    from finefake.baselines.registry import required_inputs

    records = list(ws.read("records"))
    dataset = dataset_of(records)
    features = _load_features(ctx, features_dir, required_inputs(model_names), engine, llm)
    hparams = model_overrides(
        model_names, epochs=epochs, device=device, **llm_overrides(llm_endpoint, llm_model, llm_vision)
    )
    definitions: dict = {}
    if dataset == FINEFAKE:
        items = ItemTable.from_records(records)
        tasks = list(TASK_NAMES) if task == "all" else [find_task(dataset, task).name]
        # FineFake's tasks that exist only as data (temporal, issue 28) run from their spec entries
        extra = {n: d for n, d in dataset_tasks(FINEFAKE).items() if n not in TASK_NAMES}
        tasks += list(extra) if task == "all" else []
        definitions = {n: extra[n] for n in tasks if n in extra}
    else:  # tasks as data: the dataset's own specs
        definitions = dataset_tasks(dataset) if task == "all" else {task: find_task(dataset, task)}
        items = DatasetItems.from_records(records, load_spec(dataset))
        tasks = list(definitions)
    if splits_file is not None:
        splits = [load_split_file(splits_file)]
        console.print(f"split: the published split {Path(splits_file).resolve()}")
    elif split_seed is None and split_seeds is None:
        if dataset == FINEFAKE or (ws.root / "records" / "splits.json").is_file():
            splits = [official_split(ws.root, ids=[str(r["id"]) for r in records])]
            if all(n in definitions and definitions[n].kind == "temporal" for n in tasks):
                console.print(
                    "split: cut by publication date (the cut dates are in the setting's name), beside a random split of the same items"
                )
            else:
                console.print(f"split: the official split {Path(splits[0].path).resolve()}")
        else:  # the spec's own split (the release's split field, or stratified ratios with seed 0)
            splits = [BenchSplit.resplit(0)]
    else:
        first = split_seed or 0
        splits = [BenchSplit.resplit(first + k) for k in range(split_seeds or 1)]
        console.print("split: re-split with seed(s) " + ", ".join(str(s.seed) for s in splits))
    from finefake.dataset.modalities import describe, inputs_of

    measured_on = inputs_of(records, _import_conditions(ws))
    console.print(describe(measured_on["modality_counts"], measured_on["items"]))
    conditions = {k: v for k, v in measured_on.items() if k in ("subset", "label_mapping")}
    if conditions:
        console.print("data: " + ", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in conditions.items()))
    config = BenchConfig(
        tasks=tasks,
        models=model_names,
        seeds=list(range(seeds)),
        out=out or ws.stage_dir("bench"),
        splits=splits,
        hparams=hparams,
        definitions=definitions,
        measured_on=measured_on,
    )
    gpus = None if device == "auto" else 1.0 if device is not None and device.startswith("cuda") else 0.0
    resources = RunResources(cpus=cpus_per_run, gpus=gpus)
    paths = run_benchmark(features, items, config, engine=engine, resources=resources)
    for name, path in paths.items():
        results = json.loads(path.read_text(encoding="utf-8"))
        console.print(terminal_table(results))
        _print_incomparable(results.get("published") or [])
        console.print(  # soft_wrap: a long path is printed whole, never broken mid-word by rich
            f"{name}: table.md, table.tex, plots and results.json in {path.parent.resolve()}", soft_wrap=True
        )
    if task == "all" and dataset == "finefake":
        overview = write_overview(config.out, [t for t in tasks if t in TASK_NAMES])
        if overview:
            console.print(f"classification overview: {overview.resolve()}")


def _import_conditions(ws) -> dict:
    """The import's ``conditions`` (subset, label mapping) from ``records/import_report.json``, if any."""
    path = ws.root / "records" / "import_report.json"
    if not path.is_file():
        return {}
    try:
        return dict(json.loads(path.read_text(encoding="utf-8")).get("conditions") or {})
    except (ValueError, AttributeError):
        return {}


def _print_incomparable(published: list[dict]) -> None:
    """One line per paper whose rows are left out of the table as not comparable, with what differs."""
    seen: dict[str, list[str]] = {}
    for row in published:
        if not row["comparable"]:
            seen.setdefault(row["source"], row["mismatches"])
    for source, differs in seen.items():
        console.print(f"[yellow]published rows not comparable, left out:[/] {source}: {'; '.join(differs)}")


def _make_command(task: str, help_text: str):
    def command(
        ctx: typer.Context,
        models: str = typer.Option(
            ",".join(DEFAULT_MODELS),
            "--models",
            "-m",
            help="Comma-separated model names, or all (default: majority,logreg, the one default of bench and "
            "demo; add kean with --models majority,logreg,kean).",
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
        split_seed: int | None = typer.Option(
            None,
            "--split-seed",
            help="Re-split train/validation/test with this seed instead of using the official (packaged) split.",
        ),
        split_seeds: int | None = typer.Option(
            None,
            "--split-seeds",
            min=1,
            help="Run on K re-splits (seeds --split-seed .. +K-1); tables show the std over seeds and over splits.",
        ),
        splits: Path | None = typer.Option(
            None,
            "--splits",
            exists=True,
            dir_okay=False,
            help="A published split file (id -> train/validation/test, e.g. dataset/splits.json) to cut every "
            "setting from, so two labs compare on the same items.",
        ),
        epochs: int | None = typer.Option(
            None,
            "--epochs",
            min=1,
            help="Override the epochs of every trained model (default: each paper's).",
        ),
        device: str | None = typer.Option(
            None,
            "--device",
            help="auto, cpu or cuda for the torch models (auto: a GPU when one is visible; default cpu).",
        ),
        engine: str | None = ENGINE_OPTION,
        ray_address: str | None = RAY_ADDRESS_OPTION,
        cpus_per_run: float | None = typer.Option(
            None,
            "--cpus-per-run",
            min=0.1,
            help="With --engine ray: CPUs reserved for each (model, setting, seed) run (the model's "
            "num_threads, else 1); with --device cuda (or auto on a cluster with GPUs) each run also reserves "
            "one GPU.",
        ),
        llm_endpoint: str | None = LLM_ENDPOINT_OPTION,
        llm_model: str | None = LLM_MODEL_OPTION,
        llm_vision: bool = LLM_VISION_OPTION,
    ) -> None:
        if device is not None and device not in ("auto", "cpu") and not device.startswith("cuda"):
            raise typer.BadParameter(f"--device must be auto, cpu or cuda[:N], not {device!r}")
        run_task(
            ctx,
            task,
            models,
            seeds,
            out,
            features,
            split_seed,
            epochs,
            split_seeds,
            device,
            splits,
            engine_config(ctx, engine, ray_address),
            cpus_per_run,
            llm_endpoint,
            llm_model,
            llm_vision,
        )

    command.__doc__ = (
        f"{help_text}\n\nUses the workspace's official split (dataset/splits.json from `package`, else "
        "records/splits.json from `synthesize` or an import) unless --splits FILE gives a published one or "
        "--split-seed / --split-seeds re-split explicitly. "
        "Finished (task, setting, model, seed) runs are kept and skipped on a rerun; "
        "results.json, table.md, table.tex and plots go to the task's folder under --out."
    )
    return command


for _task, _help in {**TASK_HELP, **_spec_task_help()}.items():
    bench_app.command(_task)(_make_command(_task, _help))


# --- cross-dataset tasks (issue 28): train on one workspace's dataset, test on another's ---------------------
@bench_app.command("cross")
def cross(
    ctx: typer.Context,
    train: Path = typer.Option(
        ...,
        "--train",
        exists=True,
        file_okay=False,
        help="Workspace of the dataset to train on (its records).",
    ),
    test: Path = typer.Option(
        ..., "--test", exists=True, file_okay=False, help="Workspace of the dataset to test on (its records)."
    ),
    models: str = typer.Option("majority,logreg", "--models", "-m", help="Comma-separated model names."),
    seeds: int = typer.Option(3, "--seeds", min=1, help="Number of training seeds (0..N-1); mean ± std."),
    out: Path | None = typer.Option(
        None, "--out", "-o", help="Results folder (default: the --test workspace's bench folder)."
    ),
    features_train: Path | None = typer.Option(
        None, "--features-train", exists=True, file_okay=False, help="A saved FeatureSet of --train."
    ),
    features_test: Path | None = typer.Option(
        None, "--features-test", exists=True, file_okay=False, help="A saved FeatureSet of --test."
    ),
) -> None:
    """Cross-dataset task: train on --train's dataset, test on --test's, over the binary fake/real label.

    Two settings test on the same items of --test (its test split; MediaEval -> FineFake keeps the Twitter
    items): trained in-domain on --test's own train split, and trained on --train's train split with
    --train's validation split for model selection (the test dataset's labels never select anything). The
    label mappings (finefake/data/cross_datasets.yaml) are shown with the table; both sides use the same
    encoders (knowledge features are left out: each workspace's TransE space is its own).
    """
    from finefake.baselines.registry import required_inputs
    from finefake.benchmarks.cross import build_cross_task, load_side
    from finefake.benchmarks.runner import BenchConfig, run_benchmark
    from finefake.benchmarks.splits import BenchSplit
    from finefake.benchmarks.terminal import terminal_table

    model_names = _parse_models(models)
    inputs = required_inputs(model_names)
    from finefake.dataset.modalities import count_modalities, describe

    sides = [load_side(train, features_train, inputs), load_side(test, features_test, inputs)]
    for side in sides:  # what each dataset's items actually have, before the pair limits the inputs
        console.print(f"{side.dataset}: {describe(*count_modalities(side.records))}", markup=False)
    task = build_cross_task(*sides)
    console.print(f"inputs used on both sides: {'+'.join(task.pair.inputs)} (no knowledge features)")
    for setting in task.settings:
        if setting.skipped is None:
            console.print(f"{setting.name}: train {setting.details['train_split']}", markup=False)
    for dataset, mapping in task.settings[0].details["label_mapping"].items():
        console.print(f"labels of {dataset}: {mapping}", markup=False)
    config = BenchConfig(
        tasks=[task.spec.name],
        models=model_names,
        seeds=list(range(seeds)),
        out=out or Path(test) / "bench",
        # each side keeps its own split (named in every setting's train_split / test_split)
        splits=[BenchSplit("official", path="each dataset's own split (see the settings)")],
        prepared={task.spec.name: task},
    )
    paths = run_benchmark(task.features, task.items, config)
    for name, path in paths.items():
        console.print(terminal_table(json.loads(path.read_text(encoding="utf-8"))))
        console.print(f"{name}: table.md, table.tex, plots and results.json in {path.parent.resolve()}")


def register(app: typer.Typer) -> None:
    app.add_typer(bench_app, name="bench")


def _register_style_robustness() -> None:
    """``bench style-robustness`` (issue 30; its own module)."""
    from finefake.cli.bench_style import style_robustness

    bench_app.command("style-robustness")(style_robustness)


_register_style_robustness()
