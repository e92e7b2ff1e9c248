"""Dataset specs: each dataset's label spaces (class names), domain kinds and benchmark tasks, as data.

One small YAML file per dataset under ``finefake/data/datasets/`` (``mediaeval.yaml``, ``liar.yaml``, ...).
Records of a dataset carry class *indices* per label space (``record["labels"]``); the names live here once,
so every stage (import, bench, evaluate, reports) reads the same class order. The binary fake/real mappings
of the datasets' own label names are a separate table (``finefake/data/binary_mappings.yaml``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from finefake.contract import LABEL_NAMES
from finefake.errors import FinefakeError


@dataclass(frozen=True)
class DatasetSpec:
    """What a dataset's records mean: label spaces (name -> class names), domain kinds, task entries."""

    name: str
    title: str
    label_spaces: dict[str, tuple[str, ...]]
    domain_kinds: tuple[str, ...] = ()
    tasks: dict[str, dict[str, Any]] = field(default_factory=dict)

    def classes(self, space: str) -> tuple[str, ...]:
        """The class names of ``space`` (index = encoded value); error naming the known spaces."""
        try:
            return self.label_spaces[space]
        except KeyError:
            raise FinefakeError(
                f"dataset {self.name} has no label space {space!r}; known: {', '.join(self.label_spaces)}"
            ) from None

    def index(self, space: str, class_name: str) -> int:
        """The encoded value of ``class_name`` in ``space`` (case-insensitive); ValueError when unknown."""
        names = [c.lower() for c in self.classes(space)]
        key = class_name.strip().lower()
        if key not in names:
            raise ValueError(f"unknown {space} class {class_name!r}; expected one of {', '.join(names)}")
        return names.index(key)


def dataset_names() -> tuple[str, ...]:
    """Datasets that ship a spec file."""
    folder = resources.files("finefake.data").joinpath("datasets")
    return tuple(sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".yaml")))


@cache
def load_spec(name: str) -> DatasetSpec:
    """The spec of dataset ``name`` (from ``finefake/data/datasets/<name>.yaml``)."""
    if name not in dataset_names():
        raise FinefakeError(f"no spec for dataset {name!r}; known: {', '.join(dataset_names())}")
    text = resources.files("finefake.data").joinpath("datasets", f"{name}.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text) or {}
    spaces = {str(k): tuple(str(c) for c in v) for k, v in (data.get("label_spaces") or {}).items()}
    for space, classes in spaces.items():
        if len(set(c.lower() for c in classes)) != len(classes) or len(classes) < 2:
            raise FinefakeError(f"dataset spec {name}: label space {space} needs 2+ distinct class names")
    return DatasetSpec(
        name=str(data.get("name", name)),
        title=str(data.get("title", name)),
        label_spaces=spaces,
        domain_kinds=tuple(data.get("domain_kinds") or ()),
        tasks={str(k): dict(v) for k, v in (data.get("tasks") or {}).items()},
    )


@cache
def binary_mapping(dataset: str) -> dict[str, int]:
    """Own class name (lower case) -> binary label (0 fake, 1 real) for ``dataset``."""
    text = resources.files("finefake.data").joinpath("binary_mappings.yaml").read_text(encoding="utf-8")
    table = (yaml.safe_load(text) or {}).get(dataset)
    if not table:
        raise FinefakeError(f"no binary mapping for dataset {dataset!r} in binary_mappings.yaml")
    mapping: dict[str, int] = {}
    for binary_name, classes in table.items():
        for cls in classes:
            mapping[str(cls).strip().lower()] = LABEL_NAMES.index(str(binary_name))
    return mapping
