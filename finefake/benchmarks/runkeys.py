"""Run keys: content hashes of everything that determines one benchmark run (the setting's rows and their
feature content, where the split comes from, the model's hyper-parameters and seed), kept by part so that a
changed key can say what changed."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import numpy as np

from finefake.benchmarks.splits import BenchSplit
from finefake.benchmarks.tasks import ItemTable, Setting, TaskSpec
from finefake.features.featureset import FeatureSet


def feature_row_digests(features: FeatureSet) -> list[bytes]:
    """A content digest of every feature row (id, text, image, knowledge and both masks), all of it hashed."""
    digests = []
    for i, item_id in enumerate(features.ids):
        digest = hashlib.sha256(item_id.encode())
        for array in (features.text, features.image, features.kg, features.image_mask, features.kg_mask):
            row = np.ascontiguousarray(array[i])
            digest.update(f"{row.dtype}{row.shape}".encode())
            digest.update(row.tobytes())
        digests.append(digest.digest())
    return digests


def feature_fingerprint(features: FeatureSet) -> str:
    """A short content hash of the whole FeatureSet (every row; metadata such as ``cached`` left out)."""
    digest = hashlib.sha256()
    for row in feature_row_digests(features):
        digest.update(row)
    return digest.hexdigest()[:16]


def setting_digest(
    task: TaskSpec, setting: Setting, items: ItemTable, row_digests: list[bytes], split: BenchSplit
) -> str:
    """A hash of everything in the data that determines a run of ``setting``: for each part (train,
    validation, test) the rows' ids, task labels, topics, platform groups and feature content, plus where the
    split comes from (official or the re-split seed; never the split file's path, so a copied or moved
    workspace keys the same). ``items`` is aligned to the FeatureSet the digests come from."""
    return combine(setting_digests(task, setting, items, row_digests, split))


#: What a run's data key is made of, in the words ``bench`` uses to say what changed.
DATA_PARTS: dict[str, str] = {
    "items": "the items in train/validation/test",
    "labels": "labels",
    "domains": "topics or platform groups",
    "features": "feature content",
}


def setting_digests(
    task: TaskSpec, setting: Setting, items: ItemTable, row_digests: list[bytes], split: BenchSplit
) -> dict[str, str]:
    """``setting_digest`` by part (``DATA_PARTS``), so a changed key can say what changed."""
    labels = items.labels_for(task)
    head = json.dumps([task.name, setting.name, split.key()], sort_keys=True).encode()
    digests = {name: hashlib.sha256(head) for name in DATA_PARTS}
    for part in ("train", "validation", "test"):
        rows = getattr(setting, part)
        for digest in digests.values():
            digest.update(f"|{part}:{len(rows)}|".encode())
        for i in rows:
            digests["items"].update(json.dumps(items.ids[i]).encode())
            digests["labels"].update(json.dumps(int(labels[i])).encode())
            digests["domains"].update(
                json.dumps([str(items.topic[i]), str(items.platform_group[i])]).encode()
            )
            digests["features"].update(row_digests[i])
    return {name: digest.hexdigest() for name, digest in digests.items()}


def combine(parts: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def run_key(model_params: dict[str, Any], data_digest: str) -> str:
    """The key of one run: model hyper-parameters (seed included) and the setting's ``setting_digest``."""
    payload = json.dumps({"params": model_params, "data": data_digest}, sort_keys=True, default=str)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def key_parts(model_params: dict[str, Any], data_parts: dict[str, str]) -> dict[str, str]:
    """The short hashes a run file keeps beside its key: one per ``DATA_PARTS`` entry, the hyper-parameters
    and the seed, so a later run with another key can say which of them differ."""
    params = {k: v for k, v in model_params.items() if k != "seed"}
    out = {name: digest[:16] for name, digest in data_parts.items()}
    out["hyper-parameters"] = hashlib.sha256(
        json.dumps(params, sort_keys=True, default=str).encode()
    ).hexdigest()[:16]
    out["seed"] = str(model_params.get("seed"))
    return out


def what_changed(old: dict[str, Any], parts: dict[str, str]) -> str:
    """In words, which key parts of an existing run file differ from ``parts`` (the run about to replace it)."""
    if not old:
        return "the run file cannot be read"
    before = old.get("key_parts")
    if not isinstance(before, dict):
        return "made by an earlier finefake version (run key without parts)"
    names = [DATA_PARTS.get(name, name) for name in parts if before.get(name) != parts[name]]
    return ", ".join(names) + " changed" if names else "other run key"
