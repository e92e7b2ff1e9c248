"""Verbs ``align-knowledge`` and ``review``: thin wrappers over finefake.knowledge."""

from __future__ import annotations

from pathlib import Path

import typer

from finefake.cli import get_context
from finefake.cli.engine import ENGINE_OPTION, RAY_ADDRESS_OPTION, engine_config
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
    kb: Path = typer.Option(
        None,
        file_okay=False,
        help="A `knowledge build-kb` folder: its index for the local linker and its store.nt for triples.",
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
    engine: str | None = ENGINE_OPTION,
    ray_address: str | None = RAY_ADDRESS_OPTION,
) -> None:
    """Link entities (TagMe or offline) and attach Wikidata one-hop triples: clean -> aligned."""
    from finefake.knowledge.aligner import AlignConfig, align

    cli = get_context(ctx)
    options = {
        "linker": linker,
        "knowledge": knowledge,
        "store_path": str(store) if store else (str(kb / "store.nt") if kb else None),
        "kb_path": str(kb) if kb else None,
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
    report = align(cli.workspace, config, engine=engine_config(ctx, engine, ray_address))
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


knowledge_app = typer.Typer(
    help="Build and inspect the offline knowledge base (the linker's index and the triple store).",
    no_args_is_help=True,
)


@knowledge_app.command("build-kb")
def build_kb_command(
    ctx: typer.Context,
    dump: Path = typer.Argument(
        ..., dir_okay=False, help="Wikidata JSON dump (.json, .json.gz or .json.bz2)."
    ),
    out: Path = typer.Option(
        None, "--out", file_okay=False, help="Folder for index.sqlite and store.nt [<workspace>/kb]."
    ),
    types: str = typer.Option(
        None, "--types", help="Keep only items that are instances of these classes, e.g. Q5,Q515,Q43229."
    ),
    limit: int = typer.Option(
        None, "--limit", min=1, help="Read at most this many dump lines now (resumable)."
    ),
    restart: bool = typer.Option(False, "--restart", help="Discard an earlier (partial) build in --out."),
    wait: bool = typer.Option(
        False, "--wait", help="If another build is writing the same --out, wait for it instead of stopping."
    ),
) -> None:
    """Stream a Wikidata JSON dump into the local linker's index and the embedded triple store (resumable).

    Use the result with `finefake align-knowledge --kb <out>`.
    """
    from finefake.knowledge.kb import BuildKbConfig, build_kb

    target = out or get_context(ctx).workspace.root / "kb"
    qids = tuple(t.strip() for t in (types or "").split(",") if t.strip())
    bad = [t for t in qids if not t.startswith("Q") or not t[1:].isdigit()]
    if bad:
        raise FinefakeError(f"--types: not Wikidata item ids: {', '.join(bad)}")
    report = build_kb(
        BuildKbConfig(dump=dump, out=target, types=qids, limit=limit, restart=restart, wait=wait)
    )
    state = "finished" if report.finished else "stopped at --limit (run again to continue)"
    console.print(
        f"{state}: {report.entities} entities, {report.surfaces} names, {report.triples} triples "
        f"({report.lines_read} dump lines read this run, {report.skipped_type} skipped by --types) -> {target}"
    )
    if report.skipped_bad or report.skipped_duplicate:
        shown = "; ".join(report.bad_lines[:5]) + ("; ..." if len(report.bad_lines) > 5 else "")
        console.print(
            f"[yellow]skipped[/] {report.skipped_bad} unusable line(s)"
            + (f" ({shown})" if shown else "")
            + f" and {report.skipped_duplicate} repeated entity id(s)"
        )


def register(app: typer.Typer) -> None:
    app.command("align-knowledge")(align_knowledge)
    app.command("review")(review)
    app.add_typer(knowledge_app, name="knowledge")
