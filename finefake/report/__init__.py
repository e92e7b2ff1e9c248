"""``finefake report``: one self-contained HTML page that shows everything a workspace holds.

It reads what the other stages wrote, in the formats they wrote it (nothing is recomputed, so the page shows
the same numbers as the files): the dataset card (``dataset/README.md``, Table 3 and splits) and its Croissant
file, ``stats/report.md`` with its figures, ``annotations/agreement/agreement.md`` with the kappa heatmaps,
``bench/<task>/table.md`` with the plots listed in ``results.json`` (and ``bench/classification.md``), every
stage's ``manifest.json`` (versions, configuration, counts, times), the seeds and feature fingerprints of the
benchmark runs, and a browsable sample of the final records (text, lead image, entities linked to Wikidata,
triples, labels and each annotator's vote). Sections whose inputs are missing are listed as not yet run.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finefake.contract import FINE_GRAINED_NAMES, LABEL_NAMES
from finefake.errors import FinefakeError
from finefake.report.html import esc, figure_uri, markdown_html, page, thumbnail_uri
from finefake.report.shifts import shift_section
from finefake.workspace import Workspace, atomic_write_text, utcnow

#: Stages whose manifest.json is shown in the provenance table, in pipeline order.
PROVENANCE_STAGES = (
    "crawl/snopes",
    "crawl/news",
    "crawl/reddit",
    "crawl/twitter",
    "clean",
    "aligned",
    "annotations",
    "records",
    "dataset",
)


@dataclass
class ReportConfig:
    """How many records the sample shows and how long their texts may be."""

    sample: int = 24
    max_text_chars: int = 1200
    max_triples: int = 12


@dataclass
class ReportResult:
    """Where the page went and which sections had something to show."""

    path: Path
    sections: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _strip_front_matter(text: str) -> str:
    if text.startswith("---\n"):
        end = text.find("\n---\n", 4)
        if end != -1:
            return text[end + 5 :]
    return text


def dataset_section(ws: Workspace) -> str | None:
    """The dataset card without its YAML header (splits, labels, license, Table 3) and the Croissant file."""
    card = ws.root / "dataset" / "README.md"
    if not card.is_file():
        return None
    body = _strip_front_matter(card.read_text(encoding="utf-8"))
    parts = body.split("\n## ")
    body = "\n## ".join(
        p for p in parts if not p.startswith("Loading")
    )  # code for notebooks, not for the page
    html = markdown_html(body, card.parent)
    croissant = ws.root / "dataset" / "croissant.json"
    if croissant.is_file():
        html += f'<p class="muted">Croissant metadata: <code>{esc(croissant)}</code></p>'
    return html


def stats_section(ws: Workspace) -> str | None:
    report = ws.root / "stats" / "report.md"
    if not report.is_file():
        return None
    text = report.read_text(encoding="utf-8").split("\n", 1)[1]  # the page has its own heading
    parts = text.split("\n## ")
    text = "\n## ".join(p for p in parts if not p.startswith("Table 3"))  # shown with the dataset card
    return markdown_html(text, report.parent)


def agreement_section(ws: Workspace) -> str | None:
    report = ws.root / "annotations" / "agreement" / "agreement.md"
    if not report.is_file():
        return None
    text = report.read_text(encoding="utf-8").split("\n", 1)[1]
    return markdown_html(text, report.parent)


def bench_section(ws: Workspace) -> tuple[str | None, list[dict[str, Any]]]:
    """Every task's table and plots, the classification overview first; also the loaded results.json files."""
    bench = ws.root / "bench"
    parts, results = [], []
    overview = bench / "classification.md"
    if overview.is_file():
        parts.append("<h3>Classification overview</h3>" + markdown_html(overview.read_text("utf-8"), bench))
    for folder in sorted(p for p in bench.glob("*") if (p / "results.json").is_file()):
        result = _read_json(folder / "results.json")
        if not isinstance(result, dict):
            continue
        results.append(result)
        html = f"<h3>{esc(result.get('task', folder.name))}</h3>"
        if (folder / "table.md").is_file():
            html += markdown_html((folder / "table.md").read_text(encoding="utf-8"), folder)
        for name in result.get("plots", []):
            uri = figure_uri(folder / str(name))
            if uri:
                html += f'<figure><img src="{uri}" alt="{esc(name)}"><figcaption>{esc(name)}</figcaption></figure>'
        parts.append(html)
    return ("".join(parts) or None), results


def _manifest_rows(ws: Workspace) -> list[str]:
    rows = []
    stages = list(PROVENANCE_STAGES) + [
        str(p.parent.relative_to(ws.root)) for p in sorted(ws.root.glob("annotations/*/manifest.json"))
    ]
    for stage in stages:
        manifest = _read_json(ws.root / stage / "manifest.json")
        if not isinstance(manifest, dict):
            continue
        counts = ", ".join(f"{k} {v}" for k, v in (manifest.get("counts") or {}).items())
        config = json.dumps(manifest.get("config") or {}, sort_keys=True, default=str)
        rows.append(
            f"<tr><td>{esc(stage)}</td><td>{esc(manifest.get('status'))}</td>"
            f"<td>{esc(manifest.get('finefake_version'))}</td><td>{esc(manifest.get('ended'))}</td>"
            f"<td>{esc(counts)}</td><td><code>{esc(config)}</code></td></tr>"
        )
    return rows


def provenance_section(ws: Workspace, results: list[dict[str, Any]]) -> str:
    """Versions, times, configurations and counts of every stage; seeds and fingerprints of the benchmark."""
    from finefake import __version__

    rows = _manifest_rows(ws)
    html = f"<p>Report written {esc(utcnow())} by finefake {esc(__version__)} from <code>{esc(ws.root)}</code>.</p>"
    if rows:
        html += (
            "<table><tr><th>stage</th><th>status</th><th>finefake</th><th>finished</th><th>counts</th>"
            "<th>configuration</th></tr>" + "".join(rows) + "</table>"
        )
    bench_rows = []
    for result in results:
        split = "; ".join(str(s) for s in result.get("splits") or []) or "n/a"
        for row in result.get("results", []):
            seeds = ", ".join(str(s) for s in row.get("seeds", []))
            bench_rows.append(
                f"<tr><td>{esc(result.get('task'))}</td><td>{esc(row.get('setting'))}</td>"
                f"<td>{esc(row.get('model'))}</td><td>{esc(seeds)}</td><td>{esc(split)}</td></tr>"
            )
    if bench_rows:
        html += (
            "<h3>Benchmark runs</h3><table><tr><th>task</th><th>setting</th><th>model</th><th>seeds</th>"
            "<th>split</th></tr>" + "".join(bench_rows) + "</table>"
        )
    feature_rows = []
    for meta_path in sorted(ws.root.glob("features/sets/*/meta.json")):
        meta = _read_json(meta_path)
        if isinstance(meta, dict):
            versions = {k: v for k, v in meta.items() if "version" in k or "fingerprint" in k}
            feature_rows.append(
                f"<tr><td><code>{esc(meta_path.parent.name)}</code></td>"
                f"<td>{esc(meta.get('text_encoder'))}, {esc(meta.get('image_encoder'))}, "
                f"{esc(meta.get('knowledge'))}</td><td><code>{esc(json.dumps(versions, default=str))}</code></td></tr>"
            )
    if feature_rows:
        html += (
            "<h3>Feature sets</h3><table><tr><th>set</th><th>encoders</th><th>versions and fingerprints</th></tr>"
            + "".join(feature_rows)
            + "</table>"
        )
    return html


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
                image = f'<img src="{uri}" alt="lead image of {esc(record.get("id"))}">'
                break
    url = str(record.get("url") or "")
    link = f'<a href="{esc(url)}">{esc(url)}</a>' if url.startswith(("http://", "https://")) else esc(url)
    text = str(record.get("text") or "")
    if len(text) > config.max_text_chars:
        text = text[: config.max_text_chars] + " …"
    entities = "".join(
        f"<li>{esc(e.get('mention'))} → {_wikidata(e.get('qid'), e.get('label'))}"
        f' <span class="muted">rho {esc(_number(e.get("rho")))}, {esc(e.get("source"))}</span></li>'
        for e in record.get("entities") or []
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
    return (
        f'<details class="item"><summary><span class="tag {esc(label)}">{esc(label)}</span>'
        f'<span class="tag">{esc(fine)}</span><span class="tag">{esc(record.get("topic"))}</span>'
        f'<span class="tag">{esc(record.get("platform"))}</span>{esc(record.get("title") or record.get("id"))}'
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
    intro = (
        f'<p class="muted">{len(records)} records of stage <code>records</code>, spread over the fine-grained '
        "classes (click one to open it).</p>"
    )
    return intro + "".join(item_html(ws, r, config) for r in records)


def write_report(ws: Workspace, out: Path | None = None, config: ReportConfig | None = None) -> ReportResult:
    """Write ``report.html`` (default ``<workspace>/report/report.html``) from whatever the workspace holds.

    Raises:
        FinefakeError: when the workspace holds none of the outputs the page shows.
    """
    config = config or ReportConfig()
    bench_html, results = bench_section(ws)
    candidates = [
        ("dataset", "Dataset", dataset_section(ws), "finefake package"),
        ("stats", "Statistics", stats_section(ws), "finefake stats"),
        ("agreement", "Annotation agreement", agreement_section(ws), "finefake annotate agreement"),
        ("bench", "Benchmarks", bench_html, "finefake bench all"),
        ("sample", "Sample of items", sample_section(ws, config), "finefake synthesize / annotate consensus"),
    ]
    shifts = shift_section(results)  # issue 28: only where cross-dataset / temporal tasks were run
    if shifts:
        candidates.insert(4, ("shifts", "Cross-dataset and temporal shifts", shifts, "finefake bench cross"))
    present = [(a, t, h) for a, t, h, _ in candidates if h]
    missing = [f"{t} (run `{verb}`)" for _, t, h, verb in candidates if not h]
    if not present:
        raise FinefakeError(
            f"nothing to report in {ws.root}: no dataset card, statistics, agreement, benchmark or records yet"
        )
    provenance = provenance_section(ws, results)
    if missing:
        provenance += '<p class="muted">Not in this workspace yet: ' + esc("; ".join(missing)) + ".</p>"
    sections = present + [("provenance", "Provenance", provenance)]
    path = Path(out) if out is not None else ws.stage_dir("report") / "report.html"
    html = page("finefake report", f"workspace {ws.root}", sections)
    atomic_write_text(path, html)
    return ReportResult(path.resolve(), [a for a, _, _ in present], missing)
