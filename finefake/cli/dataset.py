"""CLI verbs of the dataset stage: ``finefake package`` and ``finefake import NAME PATH``."""

from __future__ import annotations

from pathlib import Path

import typer

from finefake.cli.crawl import ALLOW as CRAWL_ALLOW
from finefake.cli.crawl import RATE as CRAWL_RATE
from finefake.cli.crawl import USER_AGENT as CRAWL_USER_AGENT
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
    dataset/README.md with the Table-3 statistics. An imported dataset (LIAR, MediaEval, FakeNewsNet,
    Fakeddit) is packaged with its own label spaces and domains on the split its import published (--splits
    and --seed re-cut FineFake records only). Config section: `package`.
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


SPLIT_HELP = "Official split of the given file(s) when their names do not tell it (train, validation, test)."
SHOWN_PROBLEMS = 20


def _split_option(value: str | None) -> str | None:
    if value is not None and value not in ("train", "validation", "test"):
        raise typer.BadParameter(f"{value!r} is not one of train, validation, test")
    return value


def _print_import(ctx: typer.Context, report) -> None:
    """The import summary: counts, splits, labels, and each bad row with its file and line."""
    from finefake.cli import get_context

    ws = get_context(ctx).workspace
    console.print(
        f"imported {report.written} of {report.rows} {report.dataset} rows from {len(report.files)} file(s) "
        f"into {ws.root / 'records'}"
    )
    console.print("  splits: " + ", ".join(f"{k} {v}" for k, v in sorted(report.splits.items())))
    console.print("  labels: " + ", ".join(f"{k} {v}" for k, v in sorted(report.labels.items())))
    from finefake.dataset.modalities import describe

    console.print(f"  {describe(report.modalities, report.written)}")
    if report.conditions:
        console.print("  " + ", ".join(f"{k}: {v}" for k, v in report.conditions.items()))
    for reason, count in sorted(report.excluded.items()):
        console.print(f"  left out: {count} {reason}")
    for note in report.notes:
        console.print(f"[yellow]  note: {note}[/]")
    if report.missing_images or report.rejected_images:
        rejected = sum(report.rejected_images.values())
        console.print(f"[yellow]  images: {report.missing_images} missing, {rejected} rejected[/]")
    if report.reasons:
        console.print(f"[yellow]{sum(report.reasons.values())} problem(s):[/]")
        for problem in report.problems[:SHOWN_PROBLEMS]:
            console.print(f"  {problem}", markup=False, highlight=False)
        if len(report.problems) > SHOWN_PROBLEMS or sum(report.reasons.values()) > len(report.problems):
            console.print(f"  ... all of them in {ws.root / 'records' / 'import_report.json'}")


@import_app.command("mediaeval")
def import_mediaeval_command(
    ctx: typer.Context,
    path: Path = typer.Argument(
        ...,
        help="A tweets.txt/posts.txt file, an edition's folder (devset/, testset/), or the whole corpus "
        "(mediaeval2015/, mediaeval2016/: one edition is taken, see --edition).",
    ),
    images: Path = typer.Option(
        None,
        "--images",
        file_okay=False,
        help="Folder holding the corpus images (<image id>.<ext>, any depth).",
    ),
    split: str = typer.Option(None, "--split", callback=_split_option, help=SPLIT_HELP),
    edition: str = typer.Option(
        None,
        "--edition",
        help="2015 or 2016. Default: the edition the path holds; from a folder holding both, 2015 (the "
        "edition of the 'Twitter' set of COOLANT and MMFND). The editions share tweets and are never mixed.",
    ),
    humor: str = typer.Option(
        "fake",
        "--humor",
        help="fake: humor tweets count as fake (the MediaEval task's rule); drop: leave them out (as COOLANT "
        "and MMFND do; needed to compare with their published numbers).",
    ),
) -> None:
    """Import one edition of the MediaEval 2015/2016 "Verifying Multimedia Use" corpus (the "Twitter" set).

    Labels fake/real/humor (humor counted as fake in the binary label, or dropped); the event (the whole
    image name without label and number, e.g. american_soldier_quran) is the domain; devset -> train,
    testset -> test. Bad rows are reported with file and line and never crash it.
    """
    from finefake.cli import get_context
    from finefake.dataset.importers.mediaeval import MediaEvalConfig, import_mediaeval

    ws = get_context(ctx).workspace
    config = MediaEvalConfig(path=path, images=images, split=split, edition=edition, humor=humor)
    _print_import(ctx, import_mediaeval(ws, config))


@import_app.command("fakenewsnet")
def import_fakenewsnet_command(
    ctx: typer.Context,
    path: Path = typer.Argument(
        ..., help="The release's dataset folder (politifact_fake.csv, ...) or one CSV."
    ),
    crawl: bool = typer.Option(
        False,
        "--crawl",
        help="Then fetch the articles (any news host; polite, resumable, Wayback fallback) and, with "
        "TWITTER_BEARER_TOKEN set, the sharing tweets.",
    ),
    tweets: bool = typer.Option(True, "--tweets/--no-tweets", help="With --crawl: fetch the tweets too."),
    rate: float = CRAWL_RATE,
    user_agent: str = CRAWL_USER_AGENT,
    allow_host: list[str] = CRAWL_ALLOW,
) -> None:
    """Import FakeNewsNet (politifact / gossipcop, fake / real CSVs: id, news_url, title, tweet_ids).

    The label comes from the file name; politifact -> topic politics, gossipcop -> entertainment; the
    outlet's host is the `host` domain. --crawl fills in the articles and tweets (a rerun resumes).
    """
    from finefake.cli import get_context
    from finefake.cli.crawl import _http, _settings
    from finefake.dataset.importers.fakenewsnet import (
        CrawlConfig,
        FakeNewsNetConfig,
        crawl_articles,
        import_fakenewsnet,
    )

    ws = get_context(ctx).workspace
    _print_import(ctx, import_fakenewsnet(ws, FakeNewsNetConfig(path=path)))
    if not crawl:
        return
    values, _ = _settings(ctx, "news", {"http": _http(rate, user_agent, allow_host)})
    summary = crawl_articles(ws, CrawlConfig(http=values["http"], tweets=tweets))
    console.print(
        f"crawled: {summary.articles_filled} article(s) filled, {summary.tweets_attached} tweet(s) attached "
        f"to {summary.records_with_tweets} record(s)"
    )
    if summary.not_crawled:
        console.print(f"[yellow]not crawled:[/] {dict(summary.not_crawled)} (see metadata.crawl per record)")
    if summary.tweets_skipped:
        console.print(f"[yellow]tweets skipped:[/] {summary.tweets_skipped}")


@import_app.command("liar")
def import_liar_command(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="The LIAR folder (train.tsv, valid.tsv, test.tsv) or one of them."),
    split: str = typer.Option(None, "--split", callback=_split_option, help=SPLIT_HELP),
) -> None:
    """Import LIAR v1.0 (14-column TSVs without header): six truthfulness labels plus the binary mapping.

    Speaker, party, subjects and credit history are kept as metadata; subjects map to topics through
    finefake/data/liar_subjects.yaml.
    """
    from finefake.cli import get_context
    from finefake.dataset.importers.liar import LiarConfig, import_liar

    ws = get_context(ctx).workspace
    _print_import(ctx, import_liar(ws, LiarConfig(path=path, split=split)))


@import_app.command("fakeddit")
def import_fakeddit_command(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="The folder of multimodal_*.tsv files, or one of them."),
    images: Path = typer.Option(
        None, "--images", file_okay=False, help="Folder of the release's images (<id>.<ext>)."
    ),
    fetch_images: bool = typer.Option(
        False,
        "--fetch-images",
        help="Fetch image_url with the crawler (polite, robots.txt, resumable: responses are archived).",
    ),
    split: str = typer.Option(None, "--split", callback=_split_option, help=SPLIT_HELP),
) -> None:
    """Import Fakeddit TSVs: 2-, 3- and 6-way labels, the subreddit as domain, the official split."""
    from finefake.cli import get_context
    from finefake.dataset.importers.fakeddit import FakedditConfig, import_fakeddit

    ws = get_context(ctx).workspace
    config = FakedditConfig(path=path, images=images, fetch_images=fetch_images, split=split)
    _print_import(ctx, import_fakeddit(ws, config))


def register(app: typer.Typer) -> None:
    """Add `package` and the `import` group to the root app."""
    app.command("package")(package_command)
    app.add_typer(import_app, name="import")
