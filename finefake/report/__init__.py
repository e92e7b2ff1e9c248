"""``finefake report``: one self-contained HTML page that shows everything a workspace holds.

It reads what the other stages wrote, in the formats they wrote it (nothing is recomputed, so the page shows
the same numbers as the files). The page answers first: a headline table of the best model of every task and
setting, its margin over the majority reference and over the runner-up, and its seeds. Then, in the pipeline's
and the paper's order: the dataset card (``dataset/README.md``, Table 3 and splits) and its Croissant file,
``annotations/agreement/agreement.md`` with the kappa heatmaps, ``stats/report.md`` with its figures, every
benchmark task (from ``bench/<task>/results.json``: one row per model, or one block per adaptation setting with
each model's difference from the reference; the papers' published numbers beside ours; the plots with
captions that say what they show), a searchable sample of the final records (text, lead image, entities
linked to Wikidata, triples, labels and each annotator's vote), and the provenance: every stage's
``manifest.json`` (versions, configuration pretty-printed and collapsed, counts, times), the seeds and splits
of the benchmark runs (each distinct split written once) and the feature fingerprints. Sections whose inputs
are missing are listed as not yet run. Tasks are rendered generically: a task this module does not know
appears after the paper's tasks, with the same table and figures.

This module assembles the page; the benchmark sections are in :mod:`finefake.report.bench`, the sample
of items in :mod:`finefake.report.sample`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finefake.errors import FinefakeError
from finefake.report.bench import _active_settings, _read_json, bench_section, summary_section
from finefake.report.bench import headline_rows as headline_rows  # re-exported: its old import path
from finefake.report.bench import load_results as load_results
from finefake.report.bench import published_html as published_html
from finefake.report.html import esc, markdown_html, page
from finefake.report.prompts import prompts_section
from finefake.report.sample import ReportConfig, sample_section
from finefake.report.sample import item_html as item_html
from finefake.report.sample import item_title as item_title
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
class ReportResult:
    """Where the page went and which sections had something to show."""

    path: Path
    sections: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)


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
        config = manifest.get("config") or {}
        shown = (
            f'<details class="config"><summary>{len(config)} setting{"s" if len(config) != 1 else ""}</summary>'
            f"<pre>{esc(json.dumps(config, sort_keys=True, indent=2, default=str))}</pre></details>"
            if config
            else '<span class="muted">none</span>'
        )
        rows.append(
            f"<tr><td>{esc(stage)}</td><td>{esc(manifest.get('status'))}</td>"
            f"<td>{esc(manifest.get('finefake_version'))}</td><td>{esc(manifest.get('ended'))}</td>"
            f"<td>{esc(counts)}</td><td>{shown}</td></tr>"
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
    splits_seen: dict[str, int] = {}
    for result in results:
        split = json.dumps(result.get("splits") or [], sort_keys=True, indent=2, default=str)
        split_no = splits_seen.setdefault(split, len(splits_seen) + 1)
        by_model: dict[tuple[str, str], list[str]] = {}  # (model, seeds) -> settings: repeated values once
        for row in result.get("results", []):
            seeds = ", ".join(str(s) for s in row.get("seeds", []))
            by_model.setdefault((str(row.get("model")), seeds), []).append(str(row.get("setting")))
        n_settings = len(_active_settings(result))
        for (model, seeds), settings in by_model.items():
            where = "every setting" if len(settings) == n_settings else "; ".join(settings)
            bench_rows.append(
                f"<tr><td>{esc(result.get('task'))}</td><td>{esc(model)}</td><td>{esc(seeds)}</td>"
                f"<td>{esc(where)}</td><td>split {split_no}</td></tr>"
            )
    if bench_rows:
        split_list = "".join(
            f'<details class="config"><summary>split {n}</summary><pre>{esc(text)}</pre></details>'
            for text, n in splits_seen.items()
        )
        html += (
            "<h3>Benchmark runs</h3><table><tr><th>task</th><th>model</th><th>seeds</th><th>settings</th>"
            "<th>split</th></tr>" + "".join(bench_rows) + "</table>" + split_list
        )
    feature_rows = []
    for meta_path in sorted(ws.root.glob("features/sets/*/meta.json")):
        meta = _read_json(meta_path)
        if isinstance(meta, dict):
            versions = {k: v for k, v in meta.items() if "version" in k or "fingerprint" in k}
            feature_rows.append(
                f"<tr><td><code>{esc(meta_path.parent.name)}</code></td>"
                f"<td>{esc(meta.get('text_encoder'))}, {esc(meta.get('image_encoder'))}, "
                f'{esc(meta.get("knowledge"))}</td><td><details class="config"><summary>{len(versions)} values'
                f"</summary><pre>{esc(json.dumps(versions, indent=2, default=str))}</pre></details></td></tr>"
            )
    if feature_rows:
        html += (
            "<h3>Feature sets</h3><table><tr><th>set</th><th>encoders</th><th>versions and fingerprints</th></tr>"
            + "".join(feature_rows)
            + "</table>"
        )
    return html


def write_report(ws: Workspace, out: Path | None = None, config: ReportConfig | None = None) -> ReportResult:
    """Write ``report.html`` (default ``<workspace>/report/report.html``) from whatever the workspace holds.

    Raises:
        FinefakeError: when the workspace holds none of the outputs the page shows.
    """
    config = config or ReportConfig()
    bench_html, results = bench_section(ws)
    # The answer first, then the pipeline's (and the paper's) order: the dataset and how it was annotated,
    # its statistics, the benchmark, the items themselves.
    candidates = [
        ("summary", "Summary", summary_section(results), "finefake bench all"),
        ("dataset", "Dataset", dataset_section(ws), "finefake package"),
        ("agreement", "Annotation agreement", agreement_section(ws), "finefake annotate agreement"),
        ("stats", "Statistics", stats_section(ws), "finefake stats"),
        ("bench", "Benchmarks", bench_html, "finefake bench all"),
        ("sample", "Sample of items", sample_section(ws, config), "finefake synthesize / annotate consensus"),
    ]
    shifts = shift_section(results)  # issue 28: only where cross-dataset / temporal tasks were run
    if shifts:
        candidates.insert(5, ("shifts", "Cross-dataset and temporal shifts", shifts, "finefake bench cross"))
    if prompts := prompts_section(results):  # issue 30: the prompt templates of runs that used an LLM
        candidates.insert(5, ("prompts", "Prompt templates", prompts, "finefake bench --models llm-zero"))
    present = [(a, t, h) for a, t, h, _ in candidates if h]
    missing = [f"{t} (run `{verb}`)" for a, t, h, verb in candidates if not h and a != "summary"]
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
