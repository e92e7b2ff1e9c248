"""The ``--config`` YAML file, validated as a whole against typed models of every stage's options.

The models are built from the stages' own configuration dataclasses (``SnopesConfig``, ``CleanConfig``, ...), so
a new option needs no second declaration here: the dataclass is the one place an option is defined. Every key
is checked before any stage runs. An unknown key or section is an error with a "did you mean" suggestion (a typo
that is silently ignored costs a researcher a whole crawl); a value of the wrong type is an error naming the
section, the key and the expected type, instead of landing in a manifest as given.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import importlib
import types
import typing
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from finefake.errors import FinefakeError

#: section -> the stage's configuration dataclass ("module:Class"), or a nested table of those.
SECTIONS: dict[str, Any] = {
    "crawl": {
        "http": "finefake.crawlers.http:HttpConfig",
        "snopes": "finefake.crawlers.snopes:SnopesConfig",
        "news": "finefake.crawlers.news:NewsConfig",
        "reddit": "finefake.crawlers.reddit:RedditConfig",
        "twitter": "finefake.crawlers.twitter:TwitterConfig",
    },
    "clean": "finefake.clean.config:CleanConfig",
    "align": "finefake.knowledge.aligner:AlignConfig",
    "package": "finefake.dataset.package:PackageConfig",
    "features": "finefake.features.pipeline:FeatureConfig",
    "engine": "finefake.engine:EngineConfig",
}
#: Options that exist only in the file (the command turns them into dataclass fields) or never come from it.
EXTRA_KEYS: dict[str, dict[str, Any]] = {"PackageConfig": {"splits": str}}
HIDDEN_KEYS: dict[str, set[str]] = {
    "RedditConfig": {"session"},  # a live requests session, set by code
    "PackageConfig": {"ratios"},  # given as `splits: "6:2:2"`, like --splits
}

_STRICT = ConfigDict(extra="forbid", arbitrary_types_allowed=False)


def _dataclass(ref: str) -> type:
    module, _, name = ref.partition(":")
    return getattr(importlib.import_module(module), name)


def _model_for(cls: type) -> type[BaseModel]:
    """A pydantic model with the dataclass's fields and types, forbidding any other key."""
    hints = typing.get_type_hints(cls)
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name in HIDDEN_KEYS.get(cls.__name__, set()):
            continue
        kind = hints[f.name]
        if dataclasses.is_dataclass(kind):
            kind = _model_for(kind)  # type: ignore[arg-type]
        fields[f.name] = (kind, None)  # the default is never used: the dump keeps only the keys given
    for name, kind in EXTRA_KEYS.get(cls.__name__, {}).items():
        fields[name] = (kind, None)
    with warnings.catch_warnings():  # a field called `validate` shadows BaseModel.validate: harmless here
        warnings.simplefilter("ignore", UserWarning)
        return create_model(cls.__name__, __config__=_STRICT, **fields)


@cache
def config_model() -> type[BaseModel]:
    """The model of the whole file: one optional section per stage."""
    sections: dict[str, Any] = {}
    for name, ref in SECTIONS.items():
        if isinstance(ref, dict):
            inner = {key: (_model_for(_dataclass(r)) | None, None) for key, r in ref.items()}
            sections[name] = (create_model(f"{name}_section", __config__=_STRICT, **inner) | None, None)
        else:  # `package:` with nothing under it is an empty section, as before
            sections[name] = (_model_for(_dataclass(ref)) | None, None)
    return create_model("FinefakeConfig", __config__=_STRICT, **sections)


def _describe(kind: Any) -> str:
    """A type as a person reads it: 'integer', 'list of strings', 'number or null'."""
    origin = typing.get_origin(kind)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in typing.get_args(kind))
    if origin in (tuple, list):
        return f"list of {_describe(typing.get_args(kind)[0])}s"
    if origin is dict or kind is dict:
        return "mapping"
    if isinstance(kind, type) and issubclass(kind, BaseModel):
        return "mapping"
    names = {int: "integer", float: "number", bool: "true/false", str: "string", type(None): "null"}
    return names.get(kind, getattr(kind, "__name__", str(kind)))


def _field_type(model: type[BaseModel], loc: tuple[Any, ...]) -> Any:
    """The annotation of the field at ``loc`` (None when the location is not a declared field)."""
    kind: Any = model
    for part in loc:
        while typing.get_origin(kind) in (typing.Union, types.UnionType):
            kind = next(a for a in typing.get_args(kind) if a is not type(None))
        if isinstance(kind, type) and issubclass(kind, BaseModel) and isinstance(part, str):
            if part not in kind.model_fields:
                return None
            kind = kind.model_fields[part].annotation
        else:
            return kind
    return kind


def _parent_fields(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    kind = _field_type(model, loc) if loc else model
    while typing.get_origin(kind) in (typing.Union, types.UnionType):
        kind = next(a for a in typing.get_args(kind) if a is not type(None))
    return list(kind.model_fields) if isinstance(kind, type) and issubclass(kind, BaseModel) else []


def _explain(model: type[BaseModel], error: dict[str, Any]) -> str:
    loc = tuple(p for p in error["loc"] if not isinstance(p, int))
    where = ".".join(str(p) for p in loc)
    if error["type"] == "extra_forbidden":
        known = _parent_fields(model, loc[:-1])
        what = f"unknown section {loc[0]!r}" if len(loc) == 1 else f"unknown key {where!r}"
        close = difflib.get_close_matches(str(loc[-1]), known, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else f" (known: {', '.join(known)})"
        return what + hint
    if len(loc) == 1:
        return f"section {loc[0]!r} must be a mapping of keys, got {error['input']!r}"
    section = ".".join(str(p) for p in loc[:-1])
    kind = _field_type(model, loc)
    expected = _describe(kind) if kind is not None else error["msg"]
    return f"section {section!r}, key {str(loc[-1])!r}: expected {expected}, got {error['input']!r}"


def _dates_as_text(value: Any) -> Any:
    """YAML reads an unquoted ``2020-01-01`` as a date; the stages take dates as ISO text (``since``)."""
    if isinstance(value, dict):
        return {k: _dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    return value.isoformat() if isinstance(value, datetime.date) else value


def load_config(path: Path | None) -> dict[str, Any]:
    """Read and validate a ``--config`` file; returns ``{section: {key: value}}`` with only the keys given.

    Raises:
        FinefakeError: unreadable file, YAML syntax error (with file, line and column), a top level that is
            not a mapping, unknown sections or keys, or values of the wrong type; all on one line.
    """
    if path is None:
        return {}
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FinefakeError(f"cannot read config file {path}: {exc}") from exc
    try:
        data = yaml.safe_load(text) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else str(path)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise FinefakeError(f"config file {where}: YAML syntax error: {problem}") from None
    if not isinstance(data, dict):
        raise FinefakeError(f"config file {path} must hold a mapping of sections, got {type(data).__name__}")
    model = config_model()
    try:
        validated = model.model_validate(_dates_as_text(data))
    except ValidationError as exc:
        problems = "; ".join(_explain(model, e) for e in exc.errors())
        raise FinefakeError(f"config file {path}: {problems}") from None
    values = validated.model_dump(exclude_unset=True)
    problems = _value_problems(values)
    if problems:
        raise FinefakeError(f"config file {path}: {'; '.join(problems)}")
    return values


def _choices(section: str, key: str) -> tuple[str, ...]:
    """The values a string option may take, for the options that have a fixed set (checked up front, so a
    typo stops the command before any stage runs instead of when its stage starts)."""
    if section == "features" and key in ("text_encoder", "image_encoder"):
        from finefake.features.registry import list_encoders

        return tuple(list_encoders(key.split("_")[0]))
    fixed = {
        ("clean", "near_duplicates"): ("drop", "keep"),
        ("features", "knowledge"): ("transe", "release"),
        ("engine", "engine"): ("local", "ray"),
    }
    return fixed.get((section, key), ())


def _value_problems(values: dict[str, Any]) -> list[str]:
    """Values of the right type that no stage would accept: one readable line each (section and key named)."""
    problems = []
    for section, keys in values.items():
        for key, value in (keys or {}).items():
            choices = _choices(section, key) if isinstance(value, str) else ()
            if choices and value not in choices:
                close = difflib.get_close_matches(value, choices, n=1, cutoff=0.6)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                known = ", ".join(map(repr, choices))
                problems.append(f"section {section!r}, key {key!r}: {value!r} is not one of {known}{hint}")
    package = values.get("package") or {}
    if isinstance(package.get("splits"), str):
        from finefake.dataset.splits import SPLIT_NAMES, parse_ratios

        names = package.get("split_names") or SPLIT_NAMES
        try:
            ratios = parse_ratios(package["splits"])
        except ValueError as exc:
            problems.append(f"section 'package', key 'splits': {exc}")
        else:
            if len(ratios) != len(names):
                problems.append(
                    f"section 'package', key 'splits': {package['splits']!r} gives {len(ratios)} ratios for "
                    f"{len(names)} splits ({', '.join(names)}); e.g. 6:2:2"
                )
    return problems


def known_sections() -> list[str]:
    """The section names a config file may hold."""
    return list(SECTIONS)
