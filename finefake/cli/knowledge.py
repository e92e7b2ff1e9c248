"""Verbs ``align-knowledge`` and ``review``: thin wrappers over finefake.knowledge."""

from __future__ import annotations

from pathlib import Path

import typer

from finefake.cli import get_context
from finefake.console import console
from finefake.errors import FinefakeError


def align_knowledge(
    ctx: typer.Context,
    linker: str = typer.Option(
        None,
        help="Entity linker: local (offline, default), tagme (needs TAGME_TOKEN) or wikidata (Wikidata search).",
    ),
    knowledge: str = typer.Option(None, help="Triples backend: local (shipped store, default) or wikidata."),
    store: Path = typer.Option(
        None,
        dir_okay=False,
        help="Turtle/N-Triples file for the local store (default: the shipped curated Wikidata subset).",
    ),
    keep: float = typer.Option(None, help="rho at or above which an entity is kept automatically [0.5]."),
    review_min: float = typer.Option(
        None, help="rho at or above which (and below --keep) it is queued [0.3]."
    ),
    max_triples: int = typer.Option(None, help="Cap of one-hop statements per entity [200]."),
    external_ids: bool = typer.Option(
        None, "--external-ids/--no-external-ids", help="Keep external-id statements (dropped by default)."
    ),
    limit: int = typer.Option(None, help="Align at most this many new items."),
    restart: bool = typer.Option(
        False, help="Forget earlier aligned records and start over (cache is kept)."
    ),
) -> None:
    """Link entities (TagMe or offline) and attach Wikidata one-hop triples: clean -> aligned."""
    from finefake.knowledge.aligner import AlignConfig, align

    cli = get_context(ctx)
    options = {
        "linker": linker,
        "knowledge": knowledge,
        "store_path": str(store) if store else None,
        "keep_threshold": keep,
        "review_threshold": review_min,
        "max_triples_per_entity": max_triples,
        "include_external_ids": external_ids,
        "limit": limit,
    }
    section = cli.section("align") | {k: v for k, v in options.items() if v is not None}
    try:
        config = AlignConfig(**section, restart=restart)
    except TypeError as exc:
        raise FinefakeError(f"bad option in config section 'align': {exc}") from exc
    except ValueError as exc:
        raise FinefakeError(str(exc)) from exc
    report = align(cli.workspace, config)
    console.print(
        f"aligned {report.items_aligned} item(s) ({report.items_already_done} already done): "
        f"{report.entities_kept} entities kept, {report.entities_queued} queued for review, "
        f"{report.entities_dropped} dropped; {report.sparql_queries} SPARQL queries for "
        f"{report.distinct_entities} distinct entities"
    )


def review(
    ctx: typer.Context,
    reviewer: str = typer.Option(None, help="Your name, recorded with every decision."),
    decisions: Path = typer.Option(
        None, exists=True, dir_okay=False, help="Record decisions from a JSON/JSONL file instead of asking."
    ),
    export_label_studio: Path = typer.Option(
        None, dir_okay=False, help="Write the pending queue as Label Studio tasks (JSON)."
    ),
    import_label_studio: Path = typer.Option(
        None, exists=True, dir_okay=False, help="Record decisions from a Label Studio JSON export."
    ),
    limit: int = typer.Option(None, help="Review at most this many candidates now."),
) -> None:
    """Work the entity review queue (0.3 <= rho < 0.5) in the terminal, or via files / Label Studio."""
    from finefake.knowledge import review as rq
    from finefake.knowledge.aligner import AlignConfig, apply_reviews

    cli = get_context(ctx)
    ws = cli.workspace
    if export_label_studio:
        n = rq.export_label_studio(ws, export_label_studio)
        console.print(
            f"wrote {n} task(s) to {export_label_studio} (labeling config: label_config.xml beside it)"
        )
        return
    if import_label_studio:
        n = rq.import_label_studio(ws, import_label_studio, reviewer=reviewer)
        console.print(f"recorded {n} decision(s) from {import_label_studio}")
    elif decisions:
        n = rq.record_decisions_file(ws, decisions, reviewer=reviewer)
        console.print(f"recorded {n} decision(s) from {decisions}")
    else:
        if not reviewer:
            reviewer = typer.prompt("reviewer name")
        counts = rq.review_interactive(
            ws,
            reviewer,
            ask=lambda q: typer.prompt(q, default="s", show_default=False),
            show=console.print,
            limit=limit,
        )
        console.print(
            f"accepted {counts['accept']}, rejected {counts['reject']}, skipped {counts['skip']}; "
            f"{counts['pending']} still pending"
        )
    applied = apply_reviews(ws, AlignConfig(**cli.section("align")))
    console.print(
        f"aligned records updated: {applied['added']} reviewed entities added to "
        f"{applied['items_updated']} item(s)"
    )


def register(app: typer.Typer) -> None:
    app.command("align-knowledge")(align_knowledge)
    app.command("review")(review)
