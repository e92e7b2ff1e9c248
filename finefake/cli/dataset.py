"""CLI verbs of the dataset stage: ``finefake package`` and ``finefake import finefake-release``."""

from __future__ import annotations

from pathlib import Path

import typer

from finefake.console import console

import_app = typer.Typer(
    help="Import third-party datasets as final records (stage `records`).",
    no_args_is_help=True,
)


def package_command(
    ctx: typer.Context,
    seed: int = typer.Option(None, "--seed", help="Seed of the stratified split (default 0, or config)."),
    splits: str = typer.Option(None, "--splits", help="train:validation:test ratios (default 6:2:2)."),
    license: str = typer.Option(
        None,
        "--license",
        help="License id for the dataset card and croissant.json, e.g. cc-by-4.0 (config: package.license).",
    ),
    rows_per_shard: int = typer.Option(
        None, "--rows-per-shard", min=1, help="Rows per Parquet shard (5000)."
    ),
    validate: bool = typer.Option(
        None, "--validate/--no-validate", help="Re-check every record against the schema before packaging."
    ),
) -> None:
    """Package the final records as a Hugging Face dataset (save_to_disk + Parquet + dataset card).

    Reads stage `records`, writes stage `dataset`: dataset/hf, dataset/parquet/<split>-*.parquet and
    dataset/README.md with the Table-3 statistics. Config section: `package`.
    """
    from finefake.cli import get_context
    from finefake.dataset.package import PackageConfig, package
    from finefake.dataset.splits import parse_ratios
    from finefake.errors import FinefakeError

    cli = get_context(ctx)
    section = cli.section("package")
    options = {"seed": seed, "license": license, "rows_per_shard": rows_per_shard, "validate": validate}
    settings = {k: v for k, v in section.items() if k in PackageConfig.__dataclass_fields__}
    settings.update({k: v for k, v in options.items() if v is not None})
    ratio_text = splits if splits is not None else section.get("splits")
    try:
        if ratio_text is not None:
            settings["ratios"] = parse_ratios(str(ratio_text))
        config = PackageConfig(**settings)
    except (ValueError, TypeError) as exc:
        raise FinefakeError(f"package options: {exc}") from exc
    report = package(cli.workspace, config)
    sizes = ", ".join(f"{name} {n}" for name, n in report.splits.items())
    console.print(f"packaged {report.total} records ({sizes}) into {report.output}")
    if config.license == "unknown":
        console.print("[yellow]no license given: the card says 'license: unknown' (use --license ID)[/]")
    if report.missing_images:
        console.print(f"[yellow]{report.missing_images} record(s) have no lead image file[/]")
    for reason, n in report.excluded.items():
        if n:
            console.print(f"[yellow]left out {n} record(s): {reason.replace('_', ' ')}[/]")


@import_app.command("finefake-release")
def import_finefake_release(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="The release's pickled DataFrame (e.g. FineFake.pkl)."),
    images: Path = typer.Option(
        None,
        "--images",
        file_okay=False,
        help="Folder the release's image_path values are relative to (default: the pickle's folder).",
    ),
    trust_pickle: bool = typer.Option(
        False,
        "--trust-pickle",
        help="Unpickle without the allow-list. Pickles can run code: only for files you trust.",
    ),
) -> None:
    """Import the official FineFake release into stage `records` (then run `finefake package`).

    The pickle is loaded with a restricted unpickler that admits only the pandas/numpy types a DataFrame needs.
    Missing image files, unreadable dates and skipped rows are counted in records/import_report.json.
    """
    from finefake.cli import get_context
    from finefake.dataset.release import ImportConfig, import_release

    cli = get_context(ctx)
    report = import_release(cli.workspace, ImportConfig(path=path, images=images, trust_pickle=trust_pickle))
    console.print(f"imported {report.written} of {report.rows} rows into {cli.workspace.root / 'records'}")
    problems = {
        "skipped rows": sum(report.skipped.values()),
        "missing image files": report.missing_images,
        "rejected images": sum(report.rejected_images.values()),
        "rows without image_path": report.without_image_path,
        "unparsed dates": report.unparsed_dates,
    }
    for what, count in problems.items():
        if count:
            console.print(f"[yellow]{what}: {count}[/]")
    if report.skipped:
        for reason, count in report.skipped.most_common(5):
            console.print(f"  skipped {count}: {reason}")


def register(app: typer.Typer) -> None:
    """Add `package` and the `import` group to the root app."""
    app.command("package")(package_command)
    app.add_typer(import_app, name="import")
