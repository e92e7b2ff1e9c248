"""The embedded knowledge backend: a pyoxigraph store loaded from the shipped curated Wikidata subset.

The subset (``data/wikidata_subset.ttl``) is hand-curated: real Wikidata ids, English labels, descriptions,
aliases and a few hundred truthful statements written in Wikidata's own RDF vocabulary, so the very query text
sent to query.wikidata.org runs here unchanged. :func:`shipped_entities` lists what it holds, for writers of
synthetic texts that the local linker should find again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from finefake.errors import FinefakeError

SUBSET_FILE = "wikidata_subset.ttl"


def default_subset_path() -> Path:
    """Path of the shipped curated subset (package data)."""
    return Path(str(resources.files("finefake.knowledge") / "data" / SUBSET_FILE))


@dataclass(frozen=True)
class KbEntity:
    """An item of the knowledge store as the linker and text writers see it."""

    qid: str
    label: str
    aliases: tuple[str, ...]
    description: str
    classes: tuple[str, ...] = ()
    """Labels of its ``instance of`` / ``subclass of`` values (e.g. "human", "city")."""
    neighbours: tuple[str, ...] = ()
    """English labels of the items it points to (context words for disambiguation)."""
    is_class: bool = False
    """True when other items are instances of it (generic nouns such as "city", "human")."""


class LocalStore:
    """A pyoxigraph store answering SPARQL with SPARQL 1.1 JSON results, like query.wikidata.org does."""

    name = "local"

    def __init__(self, path: str | Path | None = None):
        import pyoxigraph as ox

        self.path = Path(path) if path else default_subset_path()
        if not self.path.is_file():
            raise FinefakeError(f"knowledge store file not found: {self.path}")
        fmt = ox.RdfFormat.N_TRIPLES if self.path.suffix in (".nt",) else ox.RdfFormat.TURTLE
        self._store = ox.Store()
        try:
            self._store.load(path=str(self.path), format=fmt)
        except (SyntaxError, ValueError, OSError) as exc:
            raise FinefakeError(f"cannot load knowledge store {self.path}: {exc}") from exc
        self.queries_issued = 0

    def select(self, query: str) -> dict[str, Any]:
        """Run a SELECT query and return the decoded SPARQL JSON results."""
        import pyoxigraph as ox

        self.queries_issued += 1
        solutions = self._store.query(query)
        return json.loads(solutions.serialize(format=ox.QueryResultsFormat.JSON))

    def entities(self) -> list[KbEntity]:
        """Every labelled item of the store with aliases, description, classes and neighbour labels."""
        q = """PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <http://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX wikibase: <http://wikiba.se/ontology#>
SELECT ?item ?kind ?text WHERE {
  ?item rdfs:label ?l . FILTER(STRSTARTS(STR(?item), "http://www.wikidata.org/entity/Q"))
  FILTER NOT EXISTS { ?item a wikibase:Property }
  {
    ?item rdfs:label ?text . FILTER(LANG(?text) = "en") BIND("label" AS ?kind)
  } UNION {
    ?item schema:description ?text . FILTER(LANG(?text) = "en") BIND("description" AS ?kind)
  } UNION {
    ?item skos:altLabel ?text . FILTER(LANG(?text) = "en") BIND("alias" AS ?kind)
  } UNION {
    ?item <http://www.wikidata.org/prop/direct/P31>|<http://www.wikidata.org/prop/direct/P279> ?c .
    ?c rdfs:label ?text . BIND("class" AS ?kind)
  } UNION {
    ?item ?p ?n . FILTER(STRSTARTS(STR(?p), "http://www.wikidata.org/prop/direct/"))
    ?n rdfs:label ?text . BIND("neighbour" AS ?kind)
  } UNION {
    ?x <http://www.wikidata.org/prop/direct/P31> ?item .
    BIND("is_class" AS ?kind) BIND("" AS ?text)
  }
}"""
        acc: dict[str, dict[str, Any]] = {}
        for b in self.select(q)["results"]["bindings"]:
            qid = b["item"]["value"].rsplit("/", 1)[-1]
            e = acc.setdefault(
                qid,
                {
                    "label": "",
                    "description": "",
                    "alias": [],
                    "class": [],
                    "neighbour": [],
                    "is_class": False,
                },
            )
            kind, text = b["kind"]["value"], b.get("text", {}).get("value", "")
            if kind in ("label", "description"):
                e[kind] = text
            elif kind == "is_class":
                e["is_class"] = True
            elif text not in e[kind]:
                e[kind].append(text)
        return [
            KbEntity(
                qid,
                e["label"],
                tuple(sorted(e["alias"])),
                e["description"],
                tuple(sorted(e["class"])),
                tuple(sorted(e["neighbour"])),
                e["is_class"],
            )
            for qid, e in sorted(acc.items(), key=lambda kv: int(kv[0][1:]))
        ]


@lru_cache(maxsize=4)
def _entities_of(path: str) -> tuple[KbEntity, ...]:
    return tuple(LocalStore(path).entities())


def store_entities(path: str | Path | None = None) -> list[KbEntity]:
    """The entities of a store file (cached per path)."""
    return list(_entities_of(str(Path(path) if path else default_subset_path())))


def shipped_entities() -> list[dict[str, Any]]:
    """The shipped subset's entities as plain dicts: ``qid``, ``label``, ``aliases``, ``description``.

    For writers of synthetic texts and mini-web pages: a text that names an entity by its label (or an alias)
    is found again by the local linker. Generic class items (e.g. "city", "human") are left out because the
    linker never links them.
    """
    return [
        {"qid": e.qid, "label": e.label, "aliases": list(e.aliases), "description": e.description}
        for e in store_entities()
        if not e.is_class
    ]
