"""``finefake annotate``: push tasks to Label Studio, export annotations, agreement, consensus, adjudication."""

from __future__ import annotations

from pathlib import Path

import typer

from finefake.cli import get_context
from finefake.console import console

annotate_app = typer.Typer(
    help="Label Studio annotation loop: push, export, agreement, consensus (server or offline files).",
    no_args_is_help=True,
)


def _annotators(names: str | None, count: int) -> list[str]:
    from finefake.annotation.files import check_annotator_name, default_annotators

    if names:
        return [check_annotator_name(n.strip()) for n in names.split(",") if n.strip()]
    return default_annotators(count)


ANNOTATORS_OPT = typer.Option(
    None, "--annotators", help="Comma-separated annotator names (default: annotator-1..N)."
)
COUNT_OPT = typer.Option(
    5, "--count", "-n", min=1, help="Number of annotators when --annotators is not given."
)
PREFIX_OPT = typer.Option(
    "FineFake", "--project-prefix", help="Projects are titled '<prefix> · <annotator>'."
)
URL_OPT = typer.Option(
    None, "--url", help="Label Studio URL (default: $LABEL_STUDIO_URL; token: $LABEL_STUDIO_API_KEY)."
)


@annotate_app.command("push")
def push_cmd(
    ctx: typer.Context,
    annotators: str | None = ANNOTATORS_OPT,
    count: int = COUNT_OPT,
    project_prefix: str = PREFIX_OPT,
    url: str | None = URL_OPT,
    to_files: Path | None = typer.Option(
        None,
        "--to-files",
        file_okay=False,
        help="Offline: write <annotator>.tasks.json + config here, no server.",
    ),
    image_base_url: str | None = typer.Option(
        None, "--image-base-url", help="Serve images from <url>/images/... instead of their source URL."
    ),
    batch_size: int = typer.Option(500, "--batch-size", min=1, help="Tasks per import request."),
    limit: int | None = typer.Option(None, "--limit", min=1, help="Push only the first N aligned items."),
) -> None:
    """Create one project per annotator and import the aligned items as tasks (pushing twice adds nothing)."""
    from finefake.annotation import pipeline
    from finefake.annotation.client import LabelStudioServer

    cli = get_context(ctx)
    names = _annotators(annotators, count)
    if to_files is not None:
        paths = pipeline.write_tasks(
            cli.workspace, to_files, names, image_base_url=image_base_url, limit=limit
        )
        console.print(f"wrote {len(paths)} task files (+ labeling_config.xml, guidelines) to {to_files}")
        return
    server = LabelStudioServer.from_env(url=url)
    config = pipeline.PushConfig(
        annotators=names,
        project_prefix=project_prefix,
        image_base_url=image_base_url,
        batch_size=batch_size,
        limit=limit,
    )
    result = pipeline.push(cli.workspace, server, config)
    for project in result["projects"].values():
        console.print(
            f"{project['title']} (project {project['project_id']}): {project['imported']} imported, "
            f"{project['updated']} updated, {project['unchanged']} already there"
        )


@annotate_app.command("export")
def export_cmd(
    ctx: typer.Context,
    from_files: Path | None = typer.Option(
        None,
        "--from-files",
        file_okay=False,
        help="Offline: read <annotator>.json exports (JSON or JSON-MIN) here.",
    ),
    annotators: str | None = typer.Option(
        None, "--annotators", help="Only these annotators' projects (server)."
    ),
    project_prefix: str = PREFIX_OPT,
    url: str | None = URL_OPT,
    expected: int | None = typer.Option(
        None,
        "--expected",
        min=1,
        help="Annotators each item should have (default: number of projects/files).",
    ),
    conflict_policy: str = typer.Option(
        "fine_grained",
        "--conflict-policy",
        help="Binary/fine-grained conflicts: 'fine_grained' (binary follows the "
        "class) or 'drop'. Both are reported.",
    ),
) -> None:
    """Pull every annotation, merge by item id, validate, and write annotation records."""
    from finefake.annotation import pipeline
    from finefake.annotation.client import LabelStudioServer

    cli = get_context(ctx)
    config = pipeline.ExportConfig(expected_annotators=expected, conflict_policy=conflict_policy)
    if from_files is not None:
        report = pipeline.export_from_files(cli.workspace, from_files, config=config)
    else:
        names = _annotators(annotators, 1) if annotators else None
        server = LabelStudioServer.from_env(url=url)
        report = pipeline.export_from_server(
            cli.workspace, server, project_prefix=project_prefix, annotators=names, config=config
        )
    console.print(
        f"{report.records} annotations of {report.items} items from {len(report.annotators)} annotators"
    )
    if report.unusable_summary:
        console.print(f"[yellow]{report.unusable_summary}[/]")
    problems = {k: v for k, v in report.problem_counts().items() if v}
    if problems:
        details = ", ".join(f"{k}: {v}" for k, v in problems.items())
        console.print(
            f"[yellow]reported[/] {details} (see {cli.workspace.root / 'annotations/export_report.json'})"
        )


@annotate_app.command("agreement")
def agreement_cmd(
    ctx: typer.Context,
    out: Path | None = typer.Option(
        None, "--out", file_okay=False, help="Report folder (default: <workspace>/annotations/agreement)."
    ),
) -> None:
    """Cohen (pairwise), Fleiss and Krippendorff agreement, overall and per platform group and topic."""
    from finefake.annotation import pipeline

    report, paths = pipeline.agreement(get_context(ctx).workspace, out)
    for kind, scopes in report["labels"].items():
        s = scopes["overall"]
        fmt = lambda v: "n/a" if v is None else f"{v:.3f}"  # noqa: E731
        console.print(
            f"{kind}: Cohen mean {fmt(s['cohen_mean'])}, Fleiss {fmt(s['fleiss_kappa'])}, "
            f"Krippendorff alpha {fmt(s['krippendorff_alpha'])} ({s['n_items']} items)"
        )
    console.print(f"report: {paths['html']}")


@annotate_app.command("consensus")
def consensus_cmd(
    ctx: typer.Context,
    min_agreement: float = typer.Option(
        0.6,
        "--min-agreement",
        min=0.0,
        max=1.0,
        help="Items whose majority share is below this go to discussion.",
    ),
) -> None:
    """Majority vote into final records; ties and low agreement go to records/discussion.json."""
    from finefake.annotation import pipeline

    cli = get_context(ctx)
    result = pipeline.consensus(cli.workspace, min_agreement=min_agreement)
    console.print(
        f"{len(result.records)} records ({result.counts['majority']} majority, "
        f"{result.counts['adjudicated']} adjudicated); {len(result.discussion)} for discussion; "
        f"{len(result.unannotated)} unannotated"
    )


@annotate_app.command("adjudicate")
def adjudicate_cmd(
    ctx: typer.Context,
    path: Path = typer.Argument(
        ...,
        exists=True,
        dir_okay=False,
        help="JSON list or JSONL of {item_id, fine_grained_label, adjudicator}.",
    ),
) -> None:
    """Import adjudicated decisions (they win over the vote at the next consensus run)."""
    from finefake.annotation import pipeline

    count = pipeline.import_adjudications(get_context(ctx).workspace, path)
    console.print(f"imported {count} adjudicated decisions; run `finefake annotate consensus` to apply them")


def register(app: typer.Typer) -> None:
    app.add_typer(annotate_app, name="annotate")
