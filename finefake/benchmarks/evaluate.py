"""Scoring an outside model's predictions against a workspace task, with the metrics and tables of ``bench``.

A predictions file holds one row per item: its ``id`` and either the predicted class (index or class name;
column ``prediction``, ``predicted`` or ``label``) or class probabilities (JSON ``probabilities``: a list in
class order; CSV: one ``prob_<class name or index>`` column per class). An optional ``setting`` column gives
per-setting predictions for domain-adaptation tasks (a model trained per source domain predicts differently in
each setting); without it, one prediction per item serves every setting. Formats: ``.csv``, ``.json`` (a
list, or ``{"predictions": [...]}``) and ``.jsonl``.

Each setting's test items must all be predicted (a missing one is an error naming it); predictions for other
items are ignored and counted. The scores are written as run files of a model named after the predictions, so
``results.json``, ``table.md`` and ``table.tex`` are exactly what ``bench`` writes; a run that predicts one
class only is flagged ``degenerate``.
"""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from finefake import __version__
from finefake.benchmarks.metrics import classification_report
from finefake.benchmarks.specs import DatasetItems, TaskDefinition
from finefake.benchmarks.tasks import Setting
from finefake.errors import FinefakeError
from finefake.workspace import atomic_write_json, utcnow

PREDICTION_KEYS = ("prediction", "predicted", "label")
MAX_PREDICTION_BYTES = 2 * 1024**3


@dataclass
class Predictions:
    """Predicted class per (setting or None, item id), from one file."""

    path: Path
    by_item: dict[tuple[str | None, str], int] = field(default_factory=dict)
    sha256: str = ""

    def lookup(self, setting: str, item: str) -> int | None:
        found = self.by_item.get((setting, item))
        return found if found is not None else self.by_item.get((None, item))


def _class_index(value: Any, classes: tuple[str, ...], where: str) -> int:
    if isinstance(value, bool):
        raise FinefakeError(f"{where}: prediction {value!r} is not a class")
    if isinstance(value, (int, float)) or (isinstance(value, str) and value.strip().lstrip("-").isdigit()):
        number = int(float(value))
        if float(value) != number or not 0 <= number < len(classes):
            raise FinefakeError(f"{where}: prediction {value!r} is not a class index 0..{len(classes) - 1}")
        return number
    names = [c.lower() for c in classes]
    key = str(value).strip().lower()
    if key not in names:
        raise FinefakeError(f"{where}: prediction {value!r} is not one of {', '.join(classes)}")
    return names.index(key)


def _from_probabilities(values: list[Any], classes: tuple[str, ...], where: str) -> int:
    try:
        array = np.asarray([float(v) for v in values], dtype=np.float64)
    except (TypeError, ValueError):
        raise FinefakeError(f"{where}: probabilities must be numbers") from None
    if len(array) != len(classes) or not np.all(np.isfinite(array)):
        raise FinefakeError(f"{where}: expected {len(classes)} finite class probabilities, got {len(array)}")
    return int(array.argmax())


def _rows(path: Path) -> list[tuple[int, dict[str, Any]]]:
    """(line or position, row) pairs of a predictions file."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".jsonl":
            with open(path, encoding="utf-8") as fh:
                return [(n, json.loads(line)) for n, line in enumerate(fh, start=1) if line.strip()]
        if suffix == ".json":
            data = json.loads(path.read_text(encoding="utf-8"))
            if isinstance(data, dict):
                data = data.get("predictions")
            if not isinstance(data, list):
                raise FinefakeError(f"{path}: expected a list of predictions (or {{'predictions': [...]}})")
            return list(enumerate(data, start=1))
        with open(path, encoding="utf-8", newline="") as fh:
            reader = csv.DictReader(fh)
            return [(reader.line_num, dict(row)) for row in reader]
    except json.JSONDecodeError as exc:
        raise FinefakeError(f"{path}: not valid JSON ({exc})") from exc
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise FinefakeError(f"cannot read predictions {path}: {exc}") from exc


def read_predictions(path: Path, classes: tuple[str, ...]) -> Predictions:
    """Parse a predictions file; a bad row raises a one-line error naming its line and field."""
    if not path.is_file():
        raise FinefakeError(f"predictions file {path} does not exist")
    if path.stat().st_size > MAX_PREDICTION_BYTES:
        raise FinefakeError(f"predictions file {path} is larger than {MAX_PREDICTION_BYTES} bytes")
    predictions = Predictions(path, sha256=hashlib.sha256(path.read_bytes()).hexdigest())
    prob_columns = {f"prob_{c}".lower(): i for i, c in enumerate(classes)}
    prob_columns |= {f"prob_{i}": i for i in range(len(classes))}
    for line, row in _rows(path):
        where = f"{path.name}:{line}"
        if not isinstance(row, dict):
            raise FinefakeError(f"{where}: expected an object with id and prediction")
        row = {str(k).strip().lower(): v for k, v in row.items() if k is not None}
        item = str(row.get("id") or "").strip()
        if not item:
            raise FinefakeError(f"{where}: field 'id' is missing")
        setting = str(row["setting"]).strip() if row.get("setting") not in (None, "") else None
        key = next((k for k in PREDICTION_KEYS if row.get(k) not in (None, "")), None)
        if key is not None:
            predicted = _class_index(row[key], classes, f"{where} field '{key}'")
        elif isinstance(row.get("probabilities"), list):
            predicted = _from_probabilities(row["probabilities"], classes, f"{where} field 'probabilities'")
        elif any(k in prob_columns for k in row):
            probs = [None] * len(classes)
            for column, value in row.items():
                if column in prob_columns:
                    probs[prob_columns[column]] = value
            if any(p in (None, "") for p in probs):
                raise FinefakeError(f"{where}: probability columns must cover all {len(classes)} classes")
            predicted = _from_probabilities(probs, classes, f"{where} prob_* columns")
        else:
            raise FinefakeError(
                f"{where}: no prediction (columns: {', '.join(PREDICTION_KEYS)}, probabilities)"
            )
        previous = predictions.by_item.get((setting, item))
        if previous is not None and previous != predicted:
            raise FinefakeError(f"{where}: item {item} is predicted twice with different classes")
        predictions.by_item[(setting, item)] = predicted
    if not predictions.by_item:
        raise FinefakeError(f"predictions file {path} holds no predictions")
    return predictions


def score_setting(
    task: TaskDefinition, setting: Setting, items: DatasetItems, predictions: Predictions
) -> dict:
    """Metrics of one setting's test items; every test item must be predicted."""
    rows = setting.test
    ids = [items.ids[i] for i in rows]
    predicted = [predictions.lookup(setting.name, item) for item in ids]
    missing = [item for item, p in zip(ids, predicted, strict=True) if p is None]
    if missing:
        raise FinefakeError(
            f"predictions miss {len(missing)} of the {len(ids)} test items of {task.name} setting "
            f"{setting.name!r} (first: {missing[0]})"
        )
    y_pred = np.asarray(predicted, dtype=np.int64)
    report = classification_report(
        items.labels[task.label][rows], y_pred, len(task.class_names), task.class_names
    )
    return {"metrics": report, "degenerate": bool(len(np.unique(y_pred)) < 2)}


def evaluate_predictions(
    task: TaskDefinition,
    settings: list[Setting],
    items: DatasetItems,
    predictions: Predictions,
    out: Path,
    model: str,
    provenance: dict[str, Any] | None = None,
) -> Path:
    """Score every active setting, write run files and the bench reports; returns results.json."""
    from finefake.benchmarks.reports import write_task_reports
    from finefake.benchmarks.runner import run_path
    from finefake.benchmarks.splits import BenchSplit

    given = provenance or {}
    split = (
        BenchSplit("official", None, None, given["split_file"], given.get("split_file_sha256"))
        if given.get("split_file")
        else BenchSplit.resplit(int(given.get("split_seed") or 0))
    )
    runs: dict[tuple[str, str], list[dict[str, Any]]] = {}
    active = [s for s in settings if not s.skipped]
    if not active:
        reasons = "; ".join(f"{s.name}: {s.skipped}" for s in settings)
        raise FinefakeError(f"task {task.name} has no setting to score on this workspace ({reasons})")
    wanted = {items.ids[i] for s in active for i in s.test}
    ignored = sum(1 for _, item in predictions.by_item if item not in wanted)
    degenerate = []
    for setting in active:
        scored = score_setting(task, setting, items, predictions)
        if scored["degenerate"]:
            degenerate.append(setting.name)
        result = {
            "task": task.name,
            "dataset": task.dataset,
            "setting": setting.name,
            "source": setting.source,
            "target": setting.target,
            "model": model,
            "seed": 0,
            "params": {"predictions": str(predictions.path)},
            "sizes": {
                "train": len(setting.train),
                "validation": len(setting.validation),
                "test": len(setting.test),
            },
            **scored,
            "fit_seconds": 0.0,  # trained outside finefake: no fit time is known
            "external": True,
            "predictions_ignored": ignored,
            "provenance": {
                "finefake_version": __version__,
                "task_spec_hash": task.spec_hash(),
                "predictions_sha256": predictions.sha256,
                **(provenance or {}),
            },
            "finished": utcnow(),
            "version": __version__,
        }
        atomic_write_json(run_path(out, task.name, model, setting, 0, split), result)
        runs[(model, setting.name)] = [{**result, "split": split.describe(), "split_tag": split.tag}]
    results = write_task_reports(
        out, task.task_spec(), settings, [model], runs, [split], dataset=task.dataset
    )
    if degenerate:  # one predicted class: the numbers say nothing about the model
        table = results.parent / "table.md"
        note = f"\nDegenerate (one predicted class) in: {', '.join(degenerate)}\n"
        table.write_text(table.read_text(encoding="utf-8") + note, encoding="utf-8")
    return results
