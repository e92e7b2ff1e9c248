"""``finefake demo``: every stage of the pipeline, for real, against a generated mini-web on 127.0.0.1.

Order: generate the mini-web -> serve it -> crawl snopes, news, reddit, twitter (the real crawlers, real HTTP
layer, robots.txt, rate limit, WARC archives; Reddit through praw, Twitter through tweepy, both against the
local API answers) -> clean -> align-knowledge (local linker + shipped Wikidata subset, review queue resolved
with the recorded reviewer's decisions) -> annotate (task files, five annotators' Label Studio exports,
agreement, consensus) -> package -> features (offline encoders) -> bench (all six tasks) -> stats -> report.

Resuming: a stage whose ``demo/state.json`` entry says it completed for the same demo inputs (items, seed) is
skipped; every stage is also resumable on its own (crawls restart from their frontier and WARC archive).

The mini-web is reached with its real host names over plain http: the demo sets ``HTTP_PROXY`` to the local
server for its own duration and allows exactly the mini-web's hosts, so nothing leaves the machine.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from finefake.baselines.registry import DEFAULT_MODELS
from finefake.console import console, counting
from finefake.demo import miniweb
from finefake.demo.server import MiniWebServer, proxy_environment
from finefake.ids import canonical_url
from finefake.workspace import Workspace, atomic_write_json

#: Demo-only API credentials for the local Reddit/Twitter answers (not secrets: the local server accepts any).
DEMO_ENV = {
    "REDDIT_CLIENT_ID": "finefake-demo",
    "REDDIT_CLIENT_SECRET": "finefake-demo",
    "REDDIT_USER_AGENT": "finefake-demo/1.0 (offline mini-web)",
    "TWITTER_BEARER_TOKEN": "finefake-demo",
    # The demo prints its own progress: a model loader's "Loading weights" bar would leak into it.
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",
}


#: The demo's default models: the package's one default list (``finefake.baselines.registry.DEFAULT_MODELS``,
#: also ``bench``'s). ``finefake demo --models all`` runs every registered detector.
DEMO_MODELS: tuple[str, ...] = DEFAULT_MODELS


@dataclass
class DemoConfig:
    """Size and places of one demo run."""

    out: Path = Path("finefake-demo")
    items: int = 600
    seed: int = 0
    rate: float = 100.0
    """Requests per second per host against the local server (the live-web default is 1)."""
    bench_seeds: int = 3
    kean_epochs: int = 20
    """KEAN's library default; early stopping on the source validation loss keeps the demo fast."""
    models: tuple[str, ...] | None = None
    """Models to benchmark (default: ``DEMO_MODELS``, the ones that fit the demo's time budget)."""


@dataclass
class DemoResult:
    """What each stage reported (printed as it goes) and where the outputs are."""

    stages: dict[str, dict[str, Any]] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    paths: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0


class _State:
    """``demo/state.json``: which stages completed for which inputs."""

    def __init__(self, path: Path, fingerprint: str):
        self.path, self.fingerprint = path, fingerprint
        self.data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
        if self.data.get("fingerprint") != fingerprint:
            self.data = {"fingerprint": fingerprint, "stages": {}}

    def done(self, stage: str) -> dict[str, Any] | None:
        return self.data["stages"].get(stage)

    def complete(self, stage: str, summary: dict[str, Any]) -> None:
        self.data["stages"][stage] = summary
        atomic_write_json(self.path, self.data)


def _http_config(config: DemoConfig):
    from finefake.crawlers.http import HttpConfig

    return HttpConfig(
        rate=config.rate, retries=1, backoff=0.05, timeout=10.0, allowed_private_hosts=tuple(miniweb.HOSTS)
    )


def _quiet_model_loaders() -> None:
    """Switch off the progress bars of Hugging Face loaders ("Loading weights") that were imported before the
    demo set ``HF_HUB_DISABLE_PROGRESS_BARS`` (the variable is read at import; later imports read it)."""
    if "huggingface_hub" in sys.modules:
        from huggingface_hub.utils import disable_progress_bars

        disable_progress_bars()
    if "transformers" in sys.modules:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()


class _Env:
    """Set environment variables for the demo's duration and restore them afterwards."""

    def __init__(self, values: dict[str, str]):
        self.values, self.saved = values, {}

    def __enter__(self) -> None:
        self.saved = {k: os.environ.get(k) for k in self.values}
        os.environ.update(self.values)
        if self.values.get("HF_HUB_DISABLE_PROGRESS_BARS"):
            _quiet_model_loaders()

    def __exit__(self, *exc: object) -> None:
        for key, value in self.saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


# --- stages ---------------------------------------------------------------------------------------------
def _crawl_report(report: Any) -> dict[str, Any]:
    return {
        "items": report.items_total,
        "written": report.items_written,
        "failures": report.failure_reasons,
        "image_errors": report.image_errors,
        "requests": report.network_requests,
        "archive": report.archive,
    }


def stage_crawl_snopes(ws: Workspace, web: miniweb.MiniWeb, config: DemoConfig) -> dict[str, Any]:
    from finefake.crawlers.snopes import SnopesConfig, crawl_snopes

    report = crawl_snopes(
        ws, SnopesConfig(base_url=f"http://{miniweb.SNOPES}", http=_http_config(config), workers=8)
    )
    return _crawl_report(report)


def stage_crawl_news(ws: Workspace, web: miniweb.MiniWeb, config: DemoConfig) -> dict[str, Any]:
    from finefake.crawlers.news import NewsConfig, crawl_news

    report = crawl_news(ws, NewsConfig(sitemaps=tuple(web.sitemaps), http=_http_config(config), workers=8))
    return _crawl_report(report)


def stage_crawl_reddit(ws: Workspace, web: miniweb.MiniWeb, config: DemoConfig) -> dict[str, Any]:
    from finefake.crawlers.reddit import RedditConfig, crawl_reddit

    report = crawl_reddit(
        ws,
        RedditConfig(
            oauth_url=f"http://{miniweb.REDDIT_OAUTH}",
            reddit_url=f"http://{miniweb.REDDIT_WWW}",
            http=_http_config(config),
        ),
    )
    return _crawl_report(report)


def stage_crawl_twitter(ws: Workspace, web: miniweb.MiniWeb, config: DemoConfig) -> dict[str, Any]:
    from finefake.crawlers.twitter import TwitterConfig, crawl_twitter

    report = crawl_twitter(
        ws,
        TwitterConfig(
            api_base=f"http://{miniweb.TWITTER_API}", http=_http_config(config), wait_on_rate_limit=False
        ),
    )
    return _crawl_report(report)


def stage_clean(ws: Workspace, web: miniweb.MiniWeb, config: DemoConfig) -> dict[str, Any]:
    from finefake.clean.config import CleanConfig
    from finefake.clean.engines import clean

    report = clean(ws, CleanConfig())
    return {"totals": report.totals, "clusters": report.clusters, "image_rejections": report.image_rejections}


def stage_align(ws: Workspace, web: miniweb.MiniWeb, config: DemoConfig) -> dict[str, Any]:
    """align-knowledge with the local linker and shipped subset, then the recorded reviewer's decisions."""
    from finefake.knowledge.aligner import AlignConfig, align, apply_reviews
    from finefake.knowledge.review import ReviewQueue, record_decisions_file

    report = align(ws, AlignConfig())
    decisions = reviewer_decisions(ws, web, ReviewQueue(ws).pending())
    path = ws.stage_dir("aligned") / "review" / "demo_decisions.json"
    atomic_write_json(path, decisions)
    recorded = record_decisions_file(ws, path, reviewer="demo-reviewer") if decisions else 0
    applied = apply_reviews(ws, AlignConfig()) if recorded else {}
    summary = {"report": report.as_dict() if hasattr(report, "as_dict") else str(report)}
    summary["review"] = {
        "queued": len(decisions),
        "recorded": recorded,
        "accepted": sum(d["decision"] == "accept" for d in decisions),
        "rejected": sum(d["decision"] == "reject" for d in decisions),
        "applied": applied,
    }
    return summary


def reviewer_decisions(
    ws: Workspace, web: miniweb.MiniWeb, pending: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """The recorded reviewer's answer for each queued candidate: accept when the page's author meant that
    entity by that mention (``review_decisions.json`` of the mini-web), reject otherwise."""
    meant = json.loads((web.root / "review_decisions.json").read_text(encoding="utf-8"))
    by_page: dict[str, set[tuple[str, str]]] = {}
    for row in meant:
        by_page.setdefault(row["url"], set()).add((row["mention"].lower(), row["qid"]))
    items = {i["id"]: i for i in ws.read("aligned")} if pending else {}
    out = []
    for entry in pending:
        item = items.get(entry["item_id"])
        truth = match_truth(item, web) if item else None
        ok = truth is not None and (entry["mention"].lower(), entry["qid"]) in by_page.get(
            truth["key"], set()
        )
        out.append(
            {"key": entry["key"], "decision": "accept" if ok else "reject", "reviewer": "demo-reviewer"}
        )
    return out


def match_truth(item: dict[str, Any], web: miniweb.MiniWeb) -> dict[str, Any] | None:
    """The mini-web row an item was crawled from: by canonical URL, else by platform id in its id."""
    row = web.by_url().get(canonical_url(item["url"]))
    if row is None and ":" in item.get("id", ""):
        platform, _, pid = item["id"].partition(":")
        row = web.by_platform_id().get((platform, pid))
    return row


def write_annotator_exports(
    ws: Workspace, web: miniweb.MiniWeb, tasks_dir: Path, exports_dir: Path
) -> dict[str, int]:
    """The five recorded annotators answer the tasks of their task files: Label Studio JSON exports.

    Each export holds every task of the annotator's file with one annotation whose result uses the labeling
    config's two choice tags, exactly as Label Studio exports a project. Tasks of items the mini-web did not
    plant (there are none unless the crawl found foreign pages) are left unannotated.
    """
    from finefake.annotation.label_config import BINARY_TAG, FINE_GRAINED_TAG, choice_result
    from finefake.contract import FINE_GRAINED_NAMES, LABEL_NAMES
    from finefake.dataset.synthetic import ANNOTATORS

    items = {i["id"]: i for i in ws.read("aligned")}
    counts = {"annotated": 0, "unmatched": 0}
    files = {a: json.loads((tasks_dir / f"{a}.tasks.json").read_text(encoding="utf-8")) for a in ANNOTATORS}
    with counting("annotators answering", sum(len(t) for t in files.values())) as bar:
        for number, annotator in enumerate(ANNOTATORS):
            tasks = files[annotator]
            export = []
            for task_number, task in enumerate(tasks, 1):
                item = items.get(task["data"]["item_id"])
                row = match_truth(item, web) if item else None
                entry = {"id": task_number, "data": task["data"], "annotations": [], "predictions": []}
                if row is None:
                    counts["unmatched"] += number == 0
                else:
                    answer = row["annotations"][number]
                    entry["annotations"].append(
                        {
                            "id": task_number * 10 + number,
                            "completed_by": number + 1,
                            "was_cancelled": False,
                            "lead_time": 20.0 + (task_number * 7 + number * 3) % 40,
                            "created_at": "2024-05-01T10:00:00.000000Z",
                            "updated_at": "2024-05-01T10:00:00.000000Z",
                            "result": [
                                choice_result(BINARY_TAG, LABEL_NAMES[answer["label"]]),
                                choice_result(
                                    FINE_GRAINED_TAG, FINE_GRAINED_NAMES[answer["fine_grained_label"]]
                                ),
                            ],
                        }
                    )
                    counts["annotated"] += number == 0
                export.append(entry)
                bar.advance(1)
            atomic_write_json(exports_dir / f"{annotator}.json", export)
    return counts


def stage_annotate(ws: Workspace, web: miniweb.MiniWeb, config: DemoConfig) -> dict[str, Any]:
    from finefake.annotation.pipeline import agreement, consensus, export_from_files, write_tasks
    from finefake.dataset.synthetic import ANNOTATORS

    folder = ws.stage_dir("annotations") / "demo"
    tasks_dir, exports_dir = folder / "tasks", folder / "exports"
    write_tasks(ws, tasks_dir, list(ANNOTATORS))
    matched = write_annotator_exports(ws, web, tasks_dir, exports_dir)
    export = export_from_files(ws, exports_dir)
    report, paths = agreement(ws)
    result = consensus(ws)
    return {
        "tasks": matched,
        "annotations": export.records,
        "agreement": _kappas(report),
        "consensus": dict(result.counts),
        "records": len(result.records),
        "agreement_report": str(paths.get("markdown", next(iter(paths.values()), ""))),
    }


def _kappas(report: dict[str, Any]) -> dict[str, Any]:
    """Fleiss' kappa per label (binary, fine_grained) over all items, from the agreement report."""
    labels = report.get("labels") or {}
    return {
        name: (value.get("overall") or {}).get("fleiss_kappa")
        for name, value in labels.items()
        if isinstance(value, dict)
    }


def stage_package(ws: Workspace, web: miniweb.MiniWeb, config: DemoConfig) -> dict[str, Any]:
    from finefake.dataset.package import PackageConfig, package

    report = package(ws, PackageConfig(seed=config.seed))
    return {
        "records": report.total,
        "splits": report.splits,
        "missing_images": report.missing_images,
        "output": str(report.output),
    }


def stage_features(ws: Workspace, web: miniweb.MiniWeb, config: DemoConfig) -> dict[str, Any]:
    from finefake.features.pipeline import FeatureConfig, compute_features

    features = compute_features(ws, FeatureConfig())
    return {"rows": len(features.ids) if hasattr(features, "ids") else None}


def stage_bench(ws: Workspace, web: miniweb.MiniWeb, config: DemoConfig) -> dict[str, Any]:
    from finefake.benchmarks.runner import BenchConfig, run_benchmark
    from finefake.benchmarks.splits import official_split
    from finefake.benchmarks.tasks import TASK_NAMES, ItemTable
    from finefake.features.pipeline import FeatureConfig, compute_features

    models = demo_models(config)
    bench_dir = ws.stage_dir("bench")
    if any(bench_dir.iterdir()):  # results of earlier inputs: the demo owns this workspace, start afresh
        shutil.rmtree(bench_dir)
    features = compute_features(ws, FeatureConfig())
    items = ItemTable.from_records(ws.read("records"))
    hparams = {"kean": {"epochs": config.kean_epochs}} if "kean" in models else {}
    paths = run_benchmark(
        features,
        items,
        BenchConfig(
            tasks=list(TASK_NAMES),
            models=models,
            seeds=list(range(config.bench_seeds)),
            out=ws.stage_dir("bench"),
            splits=[official_split(ws.root)],
            hparams=hparams,
        ),
    )
    return {
        "models": models,
        "seeds": config.bench_seeds,
        "tables": {t: str(p.parent / "table.md") for t, p in paths.items()},
    }


def demo_models(config: DemoConfig) -> list[str]:
    """The models the demo benchmarks: those asked for, else the registered ones of ``DEMO_MODELS``."""
    from finefake.baselines.registry import list_models

    return list(config.models or [m for m in DEMO_MODELS if m in list_models()])


def stage_stats(ws: Workspace, web: miniweb.MiniWeb, config: DemoConfig) -> dict[str, Any]:
    from finefake.stats.report import write_stats

    report = write_stats(ws.root / "dataset", ws.stage_dir("stats"))
    return {"report": str(report.report), "table3": report.stats["table3"]["overall"]}


def stage_report(ws: Workspace, web: miniweb.MiniWeb, config: DemoConfig) -> dict[str, Any]:
    from finefake.report import write_report

    result = write_report(ws)
    return {"report": str(result.path), "sections": result.sections}


STAGES: tuple[tuple[str, Callable[[Workspace, miniweb.MiniWeb, DemoConfig], dict[str, Any]]], ...] = (
    ("crawl snopes", stage_crawl_snopes),
    ("crawl news", stage_crawl_news),
    ("crawl reddit", stage_crawl_reddit),
    ("crawl twitter", stage_crawl_twitter),
    ("clean", stage_clean),
    ("align-knowledge", stage_align),
    ("annotate", stage_annotate),
    ("package", stage_package),
    ("features", stage_features),
    ("bench", stage_bench),
    ("stats", stage_stats),
    ("report", stage_report),
)
NEEDS_SERVER = {"crawl snopes", "crawl news", "crawl reddit", "crawl twitter"}


def run_demo(
    config: DemoConfig,
    *,
    stop_after: str | None = None,
    report: Callable[[str, dict[str, Any]], None] | None = None,
) -> DemoResult:
    """Run (or resume) the whole demo into ``config.out``; returns every stage's summary and the paths."""
    t0 = time.perf_counter()
    out = Path(config.out)
    ws = Workspace(out / "workspace")
    fingerprint = hashlib.sha1(f"{config.items}:{config.seed}".encode()).hexdigest()[:12]
    state = _State(out / "demo" / "state.json", fingerprint)
    web_dir = out / "miniweb"
    if state.done("miniweb") and (web_dir / "miniweb.json").is_file():
        web = miniweb.load_miniweb(web_dir)
    else:
        web = miniweb.generate_miniweb(web_dir, miniweb.MiniWebConfig(items=config.items, seed=config.seed))
        state.complete("miniweb", {"items": len(web.truth), "root": str(web_dir)})
    result = DemoResult(paths={"miniweb": str(web_dir), "workspace": str(ws.root)})
    server = MiniWebServer(web_dir).start()
    try:
        with proxy_environment(server), _Env(DEMO_ENV):
            rerun = False  # once a stage runs again, every later stage must too (its inputs changed)
            for name, fn in STAGES:
                previous = None if rerun else state.done(name)
                if (
                    name == "bench"
                    and previous is not None
                    and (
                        previous.get("models") != demo_models(config)
                        or previous.get("seeds") != config.bench_seeds
                    )
                ):
                    previous = None  # other models or seeds asked for: benchmark again
                if previous is not None:
                    result.stages[name] = previous
                    result.skipped.append(name)
                    if report:
                        report(name, previous | {"skipped": True})
                    continue
                rerun = True
                started = time.perf_counter()
                summary = fn(ws, web, config)
                summary["seconds"] = round(time.perf_counter() - started, 2)
                state.complete(name, summary)
                result.stages[name] = summary
                if report:
                    report(name, summary)
                if name == stop_after:
                    break
    finally:
        server.stop()
    result.paths |= {
        "dataset": str(ws.root / "dataset"),
        "stats": str(ws.root / "stats"),
        "bench": str(ws.root / "bench"),
        "report": str(ws.root / "report" / "report.html"),
    }
    result.seconds = round(time.perf_counter() - t0, 2)
    return result


def print_stage(name: str, summary: dict[str, Any]) -> None:
    """One readable block per stage on the console."""
    tag = " (done before, skipped)" if summary.get("skipped") else ""
    console.print(f"[bold]{name}[/]{tag}")
    for key, value in summary.items():
        if key != "skipped":
            console.print(
                f"  {key}: {json.dumps(value, default=str) if isinstance(value, (dict, list)) else value}"
            )
