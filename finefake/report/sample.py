"""The sample of items in ``finefake report``: records spread over the fine-grained classes, each with its
labels, lead image, text, entities linked to Wikidata, triples and the annotators' votes.

It is apart from the page's assembly in :mod:`finefake.report` because it is the only part that reads the
records themselves (the other sections read the stages' reports and results).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from finefake.contract import FINE_GRAINED_NAMES, LABEL_NAMES
from finefake.report.html import esc, thumbnail_uri
from finefake.workspace import Workspace


@dataclass
class ReportConfig:
    """How many records the sample shows and how long their texts may be."""

    sample: int = 24
    max_text_chars: int = 1200
    max_triples: int = 12


def _sample(ws: Workspace, n: int) -> list[dict[str, Any]]:
    """``n`` records, spread over the fine-grained classes, in an order fixed by their ids (reproducible)."""
    if not ws.has_records("records"):
        return []
    by_class: dict[Any, list[tuple[str, dict[str, Any]]]] = {}
    for record in ws.read("records"):
        key = hashlib.sha256(str(record.get("id")).encode()).hexdigest()
        by_class.setdefault(record.get("fine_grained_label"), []).append((key, record))
    queues = [
        sorted(rows, key=lambda r: r[0]) for _, rows in sorted(by_class.items(), key=lambda kv: str(kv[0]))
    ]
    chosen: list[dict[str, Any]] = []
    while len(chosen) < n and any(queues):
        for queue in queues:
            if queue and len(chosen) < n:
                chosen.append(queue.pop(0)[1])
    return chosen


def _name(names: tuple[str, ...], value: Any) -> str:
    return names[value] if isinstance(value, int) and 0 <= value < len(names) else str(value)


def _number(value: Any) -> Any:
    return f"{value:.2f}" if isinstance(value, float) else value


def _wikidata(qid: Any, text: Any) -> str:
    qid = str(qid or "")
    if qid.startswith("Q") and qid[1:].isdigit():
        return f'<a href="https://www.wikidata.org/wiki/{qid}">{esc(text or qid)}</a> <span class="muted">{qid}</span>'
    return esc(text or qid)


def item_title(record: dict[str, Any], limit: int = 100) -> str:
    """A readable title: the record's own, or (a post without one, or titled by its id) its text's start."""
    title = " ".join(str(record.get("title") or "").split())
    item_id = str(record.get("id") or "")
    if not title or title == item_id or title.isdigit() or item_id.endswith(":" + title):
        title = " ".join(str(record.get("text") or "").split()) or item_id
    return title if len(title) <= limit else title[: limit - 1].rsplit(" ", 1)[0] + " …"


def item_html(ws: Workspace, record: dict[str, Any], config: ReportConfig) -> str:
    """One record: labels, lead image, text, entities, triples and the annotators' votes (all escaped)."""
    label = _name(LABEL_NAMES, record.get("label"))
    fine = _name(FINE_GRAINED_NAMES, record.get("fine_grained_label"))
    image = ""
    for entry in record.get("images") or []:
        path = (ws.root / str(entry.get("path", ""))).resolve()
        if ws.root in path.parents:
            uri = thumbnail_uri(path)
            if uri:
                image = (
                    f'<figure class="lead"><img src="{uri}" alt="lead image of {esc(record.get("id"))}">'
                    "<figcaption>lead image</figcaption></figure>"
                )
                break
    url = str(record.get("url") or "")
    link = f'<a href="{esc(url)}">{esc(url)}</a>' if url.startswith(("http://", "https://")) else esc(url)
    text = str(record.get("text") or "")
    if len(text) > config.max_text_chars:
        text = text[: config.max_text_chars] + " …"
    unique: dict[tuple[str, str], dict[str, Any]] = {}  # the same mention of the same entity once
    for e in record.get("entities") or []:
        unique.setdefault((str(e.get("mention")), str(e.get("qid"))), e)
    entities = "".join(
        f"<li>{esc(e.get('mention'))} → {_wikidata(e.get('qid'), e.get('label'))}"
        f' <span class="muted">rho {esc(_number(e.get("rho")))}, {esc(e.get("source"))}</span></li>'
        for e in unique.values()
    )
    labels = {e.get("qid"): e.get("label") for e in record.get("entities") or []}
    triples = record.get("relation_triples") or []
    triple_rows = "".join(
        f"<tr><td>{_wikidata(t.get('head'), labels.get(t.get('head')))}</td>"
        f"<td>{esc(t.get('property_label') or t.get('property'))}</td>"
        f"<td>{_wikidata(t.get('tail'), t.get('tail_label'))}</td></tr>"
        for t in triples[: config.max_triples]
    )
    more = (
        f'<p class="muted">and {len(triples) - config.max_triples} more</p>'
        if len(triples) > config.max_triples
        else ""
    )
    votes = "".join(
        f"<tr><td>{esc(a.get('annotator'))}</td><td>{esc(_name(LABEL_NAMES, a.get('label')))}</td>"
        f"<td>{esc(_name(FINE_GRAINED_NAMES, a.get('fine_grained_label')))}</td></tr>"
        for a in record.get("annotations") or []
    )
    fine_tag = "" if fine == label else f'<span class="tag">{esc(fine)}</span>'
    return (
        f'<details class="item" data-label="{esc(label)}"><summary><span class="tag {esc(label)}">'
        f'{esc(label)}</span>{fine_tag}<span class="tag">{esc(record.get("topic"))}</span>'
        f'<span class="tag">{esc(record.get("platform"))}</span>{esc(item_title(record))}'
        f'</summary>{image}<p class="muted">{esc(record.get("id"))} · {link}</p>'
        f'<div class="text">{esc(text)}</div>'
        + (f"<h4>Entities</h4><ul>{entities}</ul>" if entities else "")
        + (
            f"<h4>Relation triples</h4><table><tr><th>head</th><th>property</th><th>tail</th></tr>{triple_rows}</table>{more}"
            if triple_rows
            else ""
        )
        + (
            f"<h4>Annotators' votes</h4><table><tr><th>annotator</th><th>binary</th><th>fine-grained</th></tr>{votes}</table>"
            if votes
            else ""
        )
        + '<div style="clear:both"></div></details>'
    )


def sample_section(ws: Workspace, config: ReportConfig) -> str | None:
    records = _sample(ws, config.sample)
    if not records:
        return None
    labels = sorted({_name(LABEL_NAMES, r.get("label")) for r in records})
    options = "".join(f'<option value="{esc(v)}">{esc(v)}</option>' for v in labels)
    intro = (
        f'<p class="muted">{len(records)} records of stage <code>records</code>, spread over the fine-grained '
        "classes (click one to open it; type to filter by any word of its labels, title, text or entities).</p>"
        '<div class="filters"><input type="search" id="item-filter" placeholder="filter the items" '
        'aria-label="filter the items"><select id="item-label" aria-label="binary label">'
        f'<option value="">all labels</option>{options}</select><span id="item-count" class="muted"></span></div>'
    )
    return intro + "".join(item_html(ws, r, config) for r in records)
