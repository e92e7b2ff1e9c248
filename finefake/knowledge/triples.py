"""Fetching one-hop triples (and labels) for entities: batched ``VALUES`` queries behind an on-disk cache."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from finefake.knowledge.cache import JsonLinesCache
from finefake.knowledge.sparql import (
    EntityTriples,
    entity_info_query,
    one_hop_query,
    parse_entity_info,
    parse_one_hop,
    validate_qid,
)


class SparqlBackend(Protocol):
    """What both knowledge backends offer: SPARQL SELECT -> decoded SPARQL JSON results."""

    name: str
    queries_issued: int

    def select(self, query: str) -> dict[str, Any]: ...


class KnowledgeFetcher:
    """One-hop triples and entity labels, each entity queried at most once across runs (cache on disk).

    The cache key includes the backend name and the query options, so switching from the local store to
    Wikidata (or keeping external ids) never serves answers made under other settings.
    """

    def __init__(
        self,
        backend: SparqlBackend,
        cache_dir: str | Path,
        *,
        batch_size: int = 50,
        max_per_entity: int | None = 200,
        include_external_ids: bool = False,
    ):
        self.backend, self.batch_size = backend, max(1, batch_size)
        self.max_per_entity, self.include_external_ids = max_per_entity, include_external_ids
        cache_dir = Path(cache_dir)
        self._triples = JsonLinesCache(cache_dir / f"triples-{backend.name}.jsonl")
        self._info = JsonLinesCache(cache_dir / f"labels-{backend.name}.jsonl")
        self._suffix = f"|ext={int(include_external_ids)}|cap={max_per_entity}"

    @property
    def queries_issued(self) -> int:
        return self.backend.queries_issued

    def _missing(self, qids: Iterable[str], cache: JsonLinesCache, suffix: str) -> list[str]:
        seen: dict[str, None] = {}
        for qid in qids:
            validate_qid(qid)
            if qid + suffix not in cache:
                seen.setdefault(qid)
        return list(seen)

    def triples(self, qids: Iterable[str]) -> dict[str, EntityTriples]:
        """Triples of every given entity (an entity without statements gets an empty EntityTriples)."""
        qids = list(dict.fromkeys(qids))
        missing = self._missing(qids, self._triples, self._suffix)
        for i in range(0, len(missing), self.batch_size):
            batch = missing[i : i + self.batch_size]
            answer = self.backend.select(one_hop_query(batch, include_external_ids=self.include_external_ids))
            parsed = parse_one_hop(
                answer, max_per_entity=self.max_per_entity, include_external_ids=self.include_external_ids
            )
            self._triples.put_many(
                (q + self._suffix, parsed.get(q, EntityTriples()).as_dict()) for q in batch
            )
        return {q: EntityTriples.from_dict(self._triples.get(q + self._suffix)) for q in qids}

    def info(self, qids: Iterable[str]) -> dict[str, dict[str, str]]:
        """English label and description of every given entity (empty strings when the backend has none)."""
        qids = list(dict.fromkeys(qids))
        missing = self._missing(qids, self._info, "")
        for i in range(0, len(missing), self.batch_size):
            batch = missing[i : i + self.batch_size]
            parsed = parse_entity_info(self.backend.select(entity_info_query(batch)))
            self._info.put_many((q, parsed.get(q, {"label": "", "description": ""})) for q in batch)
        return {q: self._info.get(q) for q in qids}
