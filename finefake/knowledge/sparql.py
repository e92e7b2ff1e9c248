"""The one SPARQL text both knowledge backends run, id validation, and parsing of SPARQL JSON results.

Why one text: the embedded pyoxigraph store and query.wikidata.org must give the same relation/attribute split,
so the query uses only standard SPARQL 1.1 and the Wikidata RDF vocabulary (no ``wikibase:label`` service,
which only Blazegraph understands). Both backends hand back SPARQL 1.1 JSON results, parsed by one function.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from finefake.errors import FinefakeError

QID_RE = re.compile(r"^Q[1-9][0-9]*$")
ENTITY_IRI = "http://www.wikidata.org/entity/"
DIRECT_IRI = "http://www.wikidata.org/prop/direct/"
WIKIBASE = "http://wikiba.se/ontology#"

#: Wikibase property types -> the ``datatype`` of an attribute triple (items give relation triples instead).
ATTRIBUTE_TYPES: dict[str, str] = {
    "Time": "time",
    "Quantity": "quantity",
    "String": "string",
    "Monolingualtext": "monolingualtext",
    "Url": "url",
}
RELATION_TYPE = "WikibaseItem"
EXTERNAL_ID_TYPE = "ExternalId"

PREFIXES = """PREFIX wd: <http://www.wikidata.org/entity/>
PREFIX wikibase: <http://wikiba.se/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <http://schema.org/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
"""


class InvalidEntityId(FinefakeError, ValueError):
    """An entity id that is not a plain Wikidata item id; it never reaches a query."""


def validate_qid(qid: Any) -> str:
    """Return ``qid`` if it matches ``^Q[1-9][0-9]*$``; raise InvalidEntityId otherwise."""
    if not isinstance(qid, str) or not QID_RE.fullmatch(qid):
        raise InvalidEntityId(f"not a Wikidata item id: {qid!r} (expected Q followed by digits, e.g. Q42)")
    return qid


def _values(qids: Iterable[str]) -> str:
    checked = [validate_qid(q) for q in qids]
    if not checked:
        raise ValueError("a query needs at least one entity id")
    return " ".join(f"wd:{q}" for q in checked)


def one_hop_query(qids: Iterable[str], *, include_external_ids: bool = False) -> str:
    """All direct (``wdt:``) statements of the given items, with property types and English labels."""
    external = "" if include_external_ids else "  FILTER(?ptype != wikibase:ExternalId)\n"
    return (
        PREFIXES
        + "SELECT ?item ?prop ?ptype ?value ?propLabel ?valueLabel WHERE {\n"
        + f"  VALUES ?item {{ {_values(qids)} }}\n"
        + "  ?item ?direct ?value .\n"
        + "  ?prop wikibase:directClaim ?direct ;\n"
        + "        wikibase:propertyType ?ptype .\n"
        + external
        + '  OPTIONAL { ?prop rdfs:label ?propLabel . FILTER(LANG(?propLabel) = "en") }\n'
        + '  OPTIONAL { ?value rdfs:label ?valueLabel . FILTER(LANG(?valueLabel) = "en") }\n'
        + "}\n"
    )


def entity_info_query(qids: Iterable[str]) -> str:
    """English label and description of the given items (used for TagMe hits and reviewer screens)."""
    return (
        PREFIXES
        + "SELECT ?item ?label ?description WHERE {\n"
        + f"  VALUES ?item {{ {_values(qids)} }}\n"
        + '  OPTIONAL { ?item rdfs:label ?label . FILTER(LANG(?label) = "en") }\n'
        + '  OPTIONAL { ?item schema:description ?description . FILTER(LANG(?description) = "en") }\n'
        + "}\n"
    )


@dataclass
class EntityTriples:
    """One entity's one-hop statements, split as the data contract wants them."""

    relations: list[dict[str, str]] = field(default_factory=list)
    attributes: list[dict[str, str]] = field(default_factory=list)
    truncated: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {"relations": self.relations, "attributes": self.attributes, "truncated": self.truncated}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EntityTriples:
        return cls(
            list(data.get("relations", [])), list(data.get("attributes", [])), bool(data.get("truncated"))
        )


def check_results(payload: Any, *, source: str = "SPARQL endpoint") -> dict[str, Any]:
    """Make sure a decoded answer really is a SPARQL JSON result set (not an error page or other JSON)."""
    if not isinstance(payload, dict) or not isinstance(payload.get("head"), dict):
        raise FinefakeError(f"{source} did not answer with SPARQL JSON results (no 'head')")
    results = payload.get("results")
    if not isinstance(results, dict) or not isinstance(results.get("bindings"), list):
        raise FinefakeError(f"{source} did not answer with SPARQL JSON results (no 'results.bindings')")
    return payload


def _qid_of(term: Mapping[str, Any] | None) -> str | None:
    if not term or term.get("type") != "uri":
        return None
    value = term.get("value", "")
    if value.startswith(ENTITY_IRI):
        local = value[len(ENTITY_IRI) :]
        return local if QID_RE.fullmatch(local) else None
    return None


def _pid_of(term: Mapping[str, Any] | None) -> str | None:
    qid = None if not term else term.get("value", "")
    if qid and qid.startswith(ENTITY_IRI):
        local = qid[len(ENTITY_IRI) :]
        if re.fullmatch(r"P[1-9][0-9]*", local):
            return local
    return None


def _text(term: Mapping[str, Any] | None) -> str | None:
    return None if not term else term.get("value")


def parse_one_hop(
    payload: Mapping[str, Any], *, max_per_entity: int | None = 200, include_external_ids: bool = False
) -> dict[str, EntityTriples]:
    """Split SPARQL JSON bindings of :func:`one_hop_query` into relation and attribute triples per entity.

    Values that are neither items nor typed literals we know (coordinates, media files, ``somevalue`` blank
    nodes) become attributes of datatype ``other``; external ids are dropped unless asked for. The cap keeps hub
    entities (countries hold thousands of statements) from flooding a record; rows are sorted first so the
    same statements survive the cap on every backend.
    """
    rows: dict[str, list[tuple[str, ...]]] = {}
    for b in check_results(payload)["results"]["bindings"]:
        item, pid = _qid_of(b.get("item")), _pid_of(b.get("prop"))
        value = b.get("value")
        if item is None or pid is None or not value or value.get("type") == "bnode":
            continue
        ptype = (_text(b.get("ptype")) or "").removeprefix(WIKIBASE)
        if ptype == EXTERNAL_ID_TYPE and not include_external_ids:
            continue
        if value.get("value", "").startswith("http://www.wikidata.org/.well-known/genid/"):
            continue  # "unknown value" statements carry no information
        prop_label = _text(b.get("propLabel")) or pid
        if ptype == RELATION_TYPE:
            tail = _qid_of(value)
            if tail is None:
                continue
            rows.setdefault(item, []).append(("r", pid, prop_label, tail, _text(b.get("valueLabel")) or tail))
        else:
            datatype = ATTRIBUTE_TYPES.get(ptype, "other")
            rows.setdefault(item, []).append(("a", pid, prop_label, value.get("value", ""), datatype))
    out: dict[str, EntityTriples] = {}
    for item, entries in rows.items():
        unique = sorted(set(entries), key=lambda e: (int(e[1][1:]), e[0], e[3]))
        triples = EntityTriples()
        if max_per_entity is not None and len(unique) > max_per_entity:
            unique, triples.truncated = unique[:max_per_entity], True
        for kind, pid, plabel, value, extra in unique:
            if kind == "r":
                triples.relations.append(
                    {
                        "head": item,
                        "property": pid,
                        "property_label": plabel,
                        "tail": value,
                        "tail_label": extra,
                    }
                )
            else:
                triples.attributes.append(
                    {
                        "subject": item,
                        "property": pid,
                        "property_label": plabel,
                        "value": value,
                        "datatype": extra,
                    }
                )
        out[item] = triples
    return out


def parse_entity_info(payload: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """``{qid: {"label", "description"}}`` from an :func:`entity_info_query` answer (missing -> empty)."""
    info: dict[str, dict[str, str]] = {}
    for b in check_results(payload)["results"]["bindings"]:
        qid = _qid_of(b.get("item"))
        if qid is None:
            continue
        entry = info.setdefault(qid, {"label": "", "description": ""})
        entry["label"] = entry["label"] or (_text(b.get("label")) or "")
        entry["description"] = entry["description"] or (_text(b.get("description")) or "")
    return info
