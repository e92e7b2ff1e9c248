"""The ``align-knowledge`` stage: news_item (stage ``clean``) -> aligned_item (stage ``aligned``).

Per chunk of items: link entities (local linker or TagMe), sort each candidate by rho into kept / review queue
/ dropped, fetch one-hop triples of the kept entities (batched, cached on disk in ``aligned/cache``), write the
aligned records as one shard. A killed run resumes after the last complete shard; reviewer decisions already
recorded are applied to re-linked items instead of queueing them again.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

from finefake.console import advance, counting, ticking
from finefake.engine import EngineConfig
from finefake.engines import run_stage
from finefake.errors import FinefakeError
from finefake.knowledge.linking.base import Candidate, Thresholds
from finefake.knowledge.review import ReviewQueue, review_key
from finefake.knowledge.triples import KnowledgeFetcher, SparqlBackend
from finefake.knowledge.wikidata import WIKIDATA_SPARQL
from finefake.records import project
from finefake.workspace import Workspace


@dataclass
class AlignConfig:
    """Options of the align-knowledge stage (defaults: offline linker and the shipped store)."""

    linker: str = "local"
    """``local`` (spaCy NER + store or a ``build-kb`` index), ``tagme`` (TagMe API; token in TAGME_TOKEN) or
    ``wikidata`` (candidates from Wikidata's wbsearchentities)."""
    knowledge: str = "local"
    """``local`` (pyoxigraph store) or ``wikidata`` (query.wikidata.org)."""
    store_path: str | None = None
    kb_path: str | None = None
    """A ``build-kb`` folder: the local linker looks names up in its index (millions of entities)."""
    keep_threshold: float = 0.5
    review_threshold: float = 0.3
    max_triples_per_entity: int | None = 200
    include_external_ids: bool = False
    query_batch_size: int = 50
    chunk_size: int = 500
    restart: bool = False
    limit: int | None = None
    wikidata_endpoint: str = WIKIDATA_SPARQL
    tagme_endpoint: str = "https://tagme.d4science.org/tagme/tag"
    mediawiki_endpoint: str = "https://en.wikipedia.org/w/api.php"
    wikidata_api: str = "https://www.wikidata.org/w/api.php"
    wikidata_rate: float = 5.0
    """Requests per second to the Wikidata API (``--linker wikidata``)."""

    def thresholds(self) -> Thresholds:
        return Thresholds(keep=self.keep_threshold, review=self.review_threshold)


@dataclass
class AlignReport:
    items_in: int = 0
    items_aligned: int = 0
    items_already_done: int = 0
    entities_kept: int = 0
    entities_queued: int = 0
    entities_dropped: int = 0
    entities_rejected_before: int = 0
    entities_accepted_before: int = 0
    relation_triples: int = 0
    attribute_triples: int = 0
    sparql_queries: int = 0
    distinct_entities: int = 0
    seconds: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def make_backend(config: AlignConfig) -> SparqlBackend:
    if config.knowledge == "local":
        from finefake.knowledge.store import LocalStore

        return LocalStore(config.store_path)
    if config.knowledge == "wikidata":
        from finefake.knowledge.wikidata import WikidataSparql

        return WikidataSparql(config.wikidata_endpoint)
    raise FinefakeError(f"unknown knowledge backend {config.knowledge!r}; use local or wikidata")


def make_fetcher(
    ws: Workspace, config: AlignConfig, backend: SparqlBackend | None = None
) -> KnowledgeFetcher:
    return KnowledgeFetcher(
        backend or make_backend(config),
        ws.stage_dir("aligned") / "cache",
        batch_size=config.query_batch_size,
        max_per_entity=config.max_triples_per_entity,
        include_external_ids=config.include_external_ids,
    )


def make_linker(ws: Workspace, config: AlignConfig, fetcher: KnowledgeFetcher | None) -> Any:
    """The configured linker; ``fetcher`` gives TagMe its entity labels (the offline linkers need none)."""
    if config.linker == "local" and config.kb_path:
        from finefake.knowledge.linking.indexed import IndexedLinker

        return IndexedLinker(config.kb_path)
    if config.linker == "local":
        from finefake.knowledge.linking.local import LocalLinker
        from finefake.knowledge.store import store_entities

        return LocalLinker(store_entities(config.store_path))
    if config.linker == "tagme":
        from finefake.knowledge.linking.tagme import TagMeClient, TagMeLinker
        from finefake.knowledge.mediawiki import MediaWikiClient

        mediawiki = MediaWikiClient(
            config.mediawiki_endpoint, cache_path=ws.stage_dir("aligned") / "cache" / "mediawiki.jsonl"
        )
        return TagMeLinker(
            TagMeClient(endpoint=config.tagme_endpoint), mediawiki, fetcher.info, config.thresholds()
        )
    if config.linker == "wikidata":
        from finefake.knowledge.linking.wikidata import WikidataLinker, WikidataSearch

        search = WikidataSearch(
            config.wikidata_api,
            rate=config.wikidata_rate,
            cache_path=ws.stage_dir("aligned") / "cache" / "wbsearch.jsonl",
        )
        return WikidataLinker(search)
    raise FinefakeError(f"unknown linker {config.linker!r}; use local, tagme or wikidata")


def _chunks(items: list[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def attach_triples(record: dict[str, Any], fetcher: KnowledgeFetcher) -> None:
    """Set the record's relation/attribute triples from its entities (deduplicated, in entity order)."""
    qids = list(dict.fromkeys(e["qid"] for e in record["entities"]))
    triples = fetcher.triples(qids) if qids else {}
    rel: dict[tuple, dict[str, str]] = {}
    att: dict[tuple, dict[str, str]] = {}
    for q in qids:
        for t in triples[q].relations:
            rel.setdefault(tuple(t.values()), t)
        for t in triples[q].attributes:
            att.setdefault(tuple(t.values()), t)
    record["relation_triples"] = list(rel.values())
    record["attribute_triples"] = list(att.values())


#: Linkers that are CPU-bound and offline. TagMe and Wikidata search are bound by a remote API's rate and
#: politeness, which parallel Ray workers would multiply; they stay on the local engine.
RAY_LINKERS = ("local",)


def check_ray_linker(linker: str) -> None:
    """Refuse, before any Ray starts, a linker that parallel workers would only make hit its API harder."""
    if linker not in RAY_LINKERS:
        raise FinefakeError(
            f"--engine ray links with the offline linker (local, or --kb); {linker} is bound by its API's rate, "
            "not by CPUs: use --engine local"
        )


class LinkChunk:
    """The stage's per-batch function: the candidates of a chunk of texts, by one linker (the worker).

    The linker takes the texts one by one, so the open progress bar moves per item as they are linked."""

    def __init__(self, linker: Any):
        self.linker = linker

    def __call__(self, texts: list[str]) -> list[list[Candidate]]:
        return self.linker.link_many(ticking(texts, advance))


@dataclass(frozen=True)
class LinkerFactory:
    """Builds a :class:`LinkChunk` where it runs (a spaCy pipeline is loaded there, not shipped): the worker
    factory of ``--engine ray``. The store or ``build-kb`` index must be on a filesystem every node sees; the
    workers never query the knowledge backend (the driver's single fetcher does, each qid once)."""

    workspace: str
    config: AlignConfig

    def __call__(self) -> LinkChunk:
        return LinkChunk(make_linker(Workspace(self.workspace), self.config, fetcher=None))


def align(
    ws: Workspace,
    config: AlignConfig,
    *,
    linker: Any = None,
    backend: SparqlBackend | None = None,
    engine: EngineConfig | None = None,
) -> AlignReport:
    """Link entities and attach one-hop triples for every cleaned item not aligned yet.

    The chunks' texts are linked through the engine driver (``finefake.engines.run_stage``): here by one
    linker, or on Ray by one linker per worker process (:class:`LinkerFactory`). Everything after linking
    (thresholds and reviewer decisions, the review queue, the one-hop triples fetched by this process's single
    fetcher, the shards) runs here in chunk order, so the records, triples and review queue are the same on
    both engines.
    """
    t0 = time.perf_counter()
    ws.require("clean", "finefake clean")
    on_ray = engine is not None and engine.is_ray
    if on_ray:
        if linker is not None:
            raise FinefakeError("--engine ray builds a linker on every worker from the configuration")
        check_ray_linker(config.linker)
    thresholds = config.thresholds()
    if config.restart:
        shutil.rmtree(ws.stage_dir("aligned") / "data", ignore_errors=True)
    report = AlignReport()
    done = {r["id"] for r in ws.read("aligned")}
    todo = []
    for item in ws.read("clean", "news_item"):
        report.items_in += 1
        if item["id"] in done:
            report.items_already_done += 1
        elif config.limit is None or len(todo) < config.limit:
            todo.append(item)
    fetcher = make_fetcher(ws, config, backend)
    queries_before = fetcher.queries_issued
    if on_ray:
        factory: Any = LinkerFactory(str(ws.root), config)
    else:
        local = LinkChunk(linker or make_linker(ws, config, fetcher))
        factory = lambda: local  # noqa: E731 - this process's linker (or the caller's)
    queue = ReviewQueue(ws)
    decided = queue.decisions()
    known = set(queue.entries()) | set(decided)
    qids_seen: set[str] = set()
    with (
        ws.run("aligned", inputs=["clean"], config=asdict(config)) as manifest,
        ws.writer("aligned", "aligned_item", mode="append", shard_size=max(1, config.chunk_size)) as writer,
        counting(f"aligning {len(todo)} items", len(todo)) as bar,
    ):
        chunks = list(_chunks(todo, max(1, config.chunk_size)))
        in_order = iter(chunks)

        def write(texts: list[str], linked: list[list[Candidate]]) -> None:
            chunk = next(in_order)
            records = [
                _align_item(item, candidates, thresholds, decided, queue, known, report)
                for item, candidates in zip(chunk, linked, strict=True)
            ]
            fetcher.triples(e["qid"] for r in records for e in r["entities"])  # one batched fetch per chunk
            for record in records:
                attach_triples(record, fetcher)
                qids_seen.update(e["qid"] for e in record["entities"])
                report.relation_triples += len(record["relation_triples"])
                report.attribute_triples += len(record["attribute_triples"])
                writer.write(record)
                report.items_aligned += 1
            writer.flush()
            bar.reach(report.items_aligned)

        texts = ([item["text"] for item in chunk] for chunk in chunks)
        run_stage(
            texts, factory, write, engine=engine, options={"num_cpus": 1}, label="aligning", progress=False
        )
        report.sparql_queries = fetcher.queries_issued - queries_before
        report.distinct_entities = len(qids_seen)
        report.seconds = round(time.perf_counter() - t0, 3)
        manifest.counts.update({k: v for k, v in report.as_dict().items() if isinstance(v, int)})
    return report


def _align_item(
    item: dict[str, Any],
    candidates: list[Candidate],
    thresholds: Thresholds,
    decided: dict[str, dict[str, Any]],
    queue: ReviewQueue,
    known: set[str],
    report: AlignReport,
) -> dict[str, Any]:
    record = project("news_item", item)
    entities: list[dict[str, Any]] = []
    to_queue: list[Candidate] = []
    for c in candidates:
        decision = decided.get(review_key(item["id"], c.start, c.end, c.qid))
        if decision is not None:
            if decision["decision"] == "accept":
                report.entities_accepted_before += 1
                entities.append(
                    c.as_entity(source="reviewed", reviewer=decision["reviewer"], reviewed_at=decision["at"])
                )
            else:
                report.entities_rejected_before += 1
            continue
        verdict = thresholds.decide(c.rho)
        if verdict == "keep":
            report.entities_kept += 1
            entities.append(c.as_entity())
        elif verdict == "queue":
            report.entities_queued += 1
            to_queue.append(c)
        else:
            report.entities_dropped += 1
    queue.add(item, to_queue, known=known)
    record["entities"] = entities
    return record


def apply_reviews(
    ws: Workspace, config: AlignConfig | None = None, *, backend: SparqlBackend | None = None
) -> dict[str, int]:
    """Bring recorded decisions into the aligned records: accepted entities (and their triples) are added,
    rejected ones recorded only. Rewrites the ``aligned`` stage atomically; safe to run any number of times."""
    config = config or AlignConfig()
    queue = ReviewQueue(ws)
    entries, decisions = queue.entries(), queue.decisions()
    accepted: dict[str, list[dict[str, Any]]] = {}
    for key, d in decisions.items():
        if d["decision"] == "accept" and key in entries:
            accepted.setdefault(entries[key]["item_id"], []).append(entries[key] | {"decision": d})
    counts = {
        "accepted": sum(len(v) for v in accepted.values()),
        "rejected": sum(d["decision"] == "reject" for d in decisions.values()),
        "added": 0,
        "items_updated": 0,
    }
    if not accepted or not ws.has_records("aligned"):
        return counts
    fetcher = make_fetcher(ws, config, backend)
    records = []
    for record in ws.read("aligned", "aligned_item"):
        todo = accepted.get(record["id"], [])
        present = {(e["start"], e["end"], e["qid"]) for e in record["entities"]}
        added = 0
        for e in todo:
            if (e["start"], e["end"], e["qid"]) in present:
                continue
            cand = Candidate(
                e["mention"],
                e["start"],
                e["end"],
                e["qid"],
                e["label"],
                e["description"],
                e["rho"],
                e.get("wikipedia_title"),
            )
            record["entities"].append(
                cand.as_entity(
                    source="reviewed", reviewer=e["decision"]["reviewer"], reviewed_at=e["decision"]["at"]
                )
            )
            added += 1
        if added:
            record["entities"].sort(key=lambda x: (x["start"], x["end"]))
            attach_triples(record, fetcher)
            counts["added"] += added
            counts["items_updated"] += 1
        records.append(record)
    if counts["items_updated"]:
        ws.write_records("aligned", "aligned_item", records, mode="replace")
    return counts
