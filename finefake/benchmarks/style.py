"""``bench style-robustness``: every detector scored on the original test items and on the same items rewritten
by the LLM in fixed styles -- SheepDog's finding (Wu et al., "Fake News in Sheep's Clothing", KDD 2024) that
detectors lose up to 38% F1 when fake news is restyled, measured on our harness.

How a run goes (binary task, the official split):

1. each TEST item of the setting is rewritten by the LLM in each style of ``finefake/data/prompts/
   restyle.yaml`` (neutral wire-service, tabloid, social-media post; greedy, cached by template version,
   style, model and text) and written as a restyled copy of the records stage, ``style-<name>`` (training
   and validation items are copied unchanged; a manifest names the template version and the model);
2. features are computed for each restyled stage like for the original (same encoders and cache);
3. each detector is trained as usual on the original training rows (validation for selection only) and
   predicts the original test rows and each restyled version of them; the drop is the original macro F1
   minus the restyled one, in points, per model and style (mean over seeds).

Training, validation and every label stay exactly as in ``bench binary``; only the test texts change.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from finefake.errors import FinefakeError
from finefake.workspace import Workspace, atomic_write_json, atomic_write_text, utcnow

TASK = "binary"


@dataclass
class StyleConfig:
    models: list[str]
    seeds: list[int] = field(default_factory=lambda: [0])
    styles: list[str] = field(default_factory=list)  # empty: every style of the template
    out: Path = Path("bench")
    hparams: dict[str, dict[str, Any]] = field(default_factory=dict)
    llm: Any = None  # finefake.llm.client.LLMSettings (None: the local default)
    max_chars: int = 1000


def restyle_stage(
    ws: Workspace, records: list[dict[str, Any]], test_ids: set[str], style: str, client: Any, max_chars: int
) -> str:
    """Write the records with the test items rewritten in ``style`` to stage ``style-<style>``; its name."""
    from finefake.baselines.llm_prompt import cut
    from finefake.console import make_progress
    from finefake.llm.prompts import load_template

    template = load_template("restyle")
    if style not in template.styles:
        raise FinefakeError(f"unknown style {style!r}; restyle.yaml has {', '.join(template.styles)}")
    tests = [r for r in records if r["id"] in test_ids]
    prompts = [
        template.render(
            cut(f"{r['title']}\n{r['text']}", max_chars), instruction=template.styles[style].strip()
        )
        for r in tests
    ]
    with make_progress() as progress:
        task = progress.add_task(f"restyling the test items: {style}", total=len(prompts))
        texts = client.generate(
            prompts,
            max_tokens=template.max_tokens,
            tag=f"{template.tag}:{style}",
            progress=lambda n: progress.advance(task, n),
        )
    rewritten = {r["id"]: t for r, t in zip(tests, texts, strict=True)}
    stage = f"style-{style}"
    out = []
    for record in records:
        if record["id"] in rewritten:
            text = rewritten[record["id"]] or record["text"]  # an empty reply keeps the original text
            record = {**record, "title": "", "text": text}
        out.append(record)
    ws.write_records(stage, None, out)
    atomic_write_json(
        ws.stage_dir(stage) / "restyle.json",
        {"style": style, "template": template.tag, "model": client.model_id, "test_items": len(tests)},
    )
    return stage


def run_style_robustness(ws: Workspace, config: StyleConfig, *, split: Any = None) -> Path:
    """Train every model on the binary task's official split, score it on the original and restyled test
    sets; write ``<out>/style-robustness/results.json`` and ``table.md``; returns the results path."""
    from finefake.baselines.registry import get_model, model_class, required_inputs
    from finefake.benchmarks.metrics import classification_report
    from finefake.benchmarks.runner import make_batches
    from finefake.benchmarks.splits import official_split
    from finefake.benchmarks.tasks import ItemTable, build_settings, get_task
    from finefake.features.pipeline import FeatureConfig, compute_features
    from finefake.llm.backends import get_client
    from finefake.llm.client import LLMSettings
    from finefake.llm.prompts import load_template

    for name in config.models:
        model_class(name)
    template = load_template("restyle")
    styles = list(config.styles or template.styles)
    llm = config.llm or LLMSettings()
    records = list(ws.read("records"))
    inputs = required_inputs(config.models)
    features = compute_features(ws, FeatureConfig(llm=llm), inputs=sorted(inputs))
    items = ItemTable.from_records(records).aligned_to(features)
    task = get_task(TASK)
    split = split or official_split(ws.root)
    (setting,) = build_settings(TASK, items, split=split)
    test_ids = {items.ids[i] for i in setting.test}
    client = get_client(llm)
    restyled = {}
    for style in styles:
        stage = restyle_stage(ws, records, test_ids, style, client, config.max_chars)
        restyled[style] = compute_features(ws, FeatureConfig(stage=stage, llm=llm), inputs=sorted(inputs))
        if restyled[style].ids != features.ids:
            raise FinefakeError(f"the restyled features of {style} are not aligned with the original ones")
    runs: list[dict[str, Any]] = []
    for name in config.models:
        declared = model_class(name).inputs
        for seed in config.seeds:
            model = get_model(name, **{**config.hparams.get(name, {}), "seed": seed})
            train, val, test, _ = make_batches(task, setting, features, items, declared)
            started = time.perf_counter()
            model.fit(train, val)
            scores = {}
            for version, feats in [("original", features), *restyled.items()]:
                batch = (
                    test if version == "original" else make_batches(task, setting, feats, items, declared)[2]
                )
                pred = np.asarray(model.predict_proba(batch.unlabeled())).argmax(axis=1)
                report = classification_report(batch.y, pred, task.n_classes, task.class_names)
                scores[version] = {
                    "macro_f1": report["macro_f1"],
                    "accuracy": report["accuracy"],
                    "degenerate": bool(len(np.unique(pred)) == 1),
                }
            runs.append(
                {
                    "model": name,
                    "seed": seed,
                    "params": model.get_params(),
                    "scores": scores,
                    "fit_info": model.fit_info(),
                    "seconds": round(time.perf_counter() - started, 3),
                }
            )
    results = summarise(runs, config.models, styles)
    results.update(
        task=TASK,
        split=split.describe(),
        template=template.tag,
        llm=client.describe(),
        styles=styles,
        seeds=list(config.seeds),
        test_items=len(setting.test),
        runs=runs,
        finished=utcnow(),
    )
    folder = Path(config.out) / "style-robustness"
    path = atomic_write_json(folder / "results.json", results)
    atomic_write_text(folder / "table.md", style_table(results))
    from finefake.llm.prompts import templates_markdown

    atomic_write_text(folder / "prompts.md", templates_markdown())  # the prompts, as harnesses show them
    return path


def summarise(runs: list[dict[str, Any]], models: Sequence[str], styles: Sequence[str]) -> dict[str, Any]:
    """Per model: macro F1 (mean over seeds) on the original and each restyled test set, and the drops."""
    rows = []
    for name in models:
        mine = [r for r in runs if r["model"] == name]
        row: dict[str, Any] = {"model": name, "scores": {}, "drop": {}, "degenerate": {}}
        for version in ["original", *styles]:
            values = [r["scores"][version]["macro_f1"] for r in mine]
            row["scores"][version] = float(np.mean(values))
            row["degenerate"][version] = any(r["scores"][version]["degenerate"] for r in mine)
        for style in styles:
            row["drop"][style] = row["scores"]["original"] - row["scores"][style]
        row["mean_drop"] = float(np.mean(list(row["drop"].values()))) if styles else 0.0
        rows.append(row)
    return {"metric": "macro_f1", "results": rows}


def style_table(results: dict[str, Any]) -> str:
    """The Markdown table: macro F1 (%) on the original and each style, with the drop in points; a
    degenerate cell (one predicted class) is marked with a dagger."""
    styles = results["styles"]
    head = ["model", "original", *[f"{s} (drop)" for s in styles], "mean drop"]
    lines = [
        f"Style robustness ({results['task']}, macro F1 %, test items rewritten by {results['llm']['model']} "
        f"with {results['template']}; mean over seeds {results['seeds']})",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "---|" * len(head),
    ]
    for row in results["results"]:
        mark = {v: " †" if flag else "" for v, flag in row["degenerate"].items()}.get
        cells = [row["model"], f"{100 * row['scores']['original']:.2f}{mark('original')}"]
        for s in styles:
            cells.append(f"{100 * row['scores'][s]:.2f}{mark(s)} ({-100 * row['drop'][s]:+.2f})")
        cells.append(f"{-100 * row['mean_drop']:+.2f}")
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "† degenerate: the model predicted a single class on that test set (never bold)."]
    return "\n".join(lines) + "\n"


def load_results(path: Path) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))
