"""The model registry: benchmarks look baselines up by name, so adding a model never touches the runner.

Model modules register themselves with ``@register_model("name")``; the registry imports the known modules
lazily on first look-up, so importing ``finefake.baselines`` stays cheap (no torch until a model is built).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from finefake.errors import FinefakeError

#: The detectors ``finefake bench`` and ``finefake demo`` run when ``--models`` is not given: the majority-class
#: floor and logistic regression on the frozen features, the two that train in seconds on 2 cores (the demo's
#: six tasks x three seeds stay within its 5-minute budget). KEAN and the published detectors are one option
#: away: ``--models majority,logreg,kean`` or ``--models all``.
DEFAULT_MODELS: tuple[str, ...] = ("majority", "logreg")

if TYPE_CHECKING:
    from finefake.baselines.base import Model

#: Modules that define registered models; imported on first use of the registry.
MODEL_MODULES: tuple[str, ...] = (
    "finefake.baselines.majority",
    "finefake.baselines.logreg",
    "finefake.baselines.kean",
    "finefake.baselines.mdfend",
    "finefake.baselines.eann",
    "finefake.baselines.safe",
    "finefake.baselines.m3fend",
    "finefake.baselines.canmd",
    "finefake.baselines.mvae",
    "finefake.baselines.mmfnd",
    "finefake.baselines.coolant",
    "finefake.baselines.crome",
    "finefake.baselines.kan",
    "finefake.baselines.kdcn",
    "finefake.baselines.comparenet",
    "finefake.baselines.llm_prompt",
    "finefake.baselines.arg",
)
_REGISTRY: dict[str, type[Model]] = {}
_loaded = False


def register_model(name: str):
    """Class decorator: make ``cls`` available as ``get_model(name, ...)``."""

    def decorate(cls: type[Model]) -> type[Model]:
        existing = _REGISTRY.get(name)
        if existing is not None and existing is not cls:
            raise ValueError(f"model name {name!r} is already registered by {existing.__module__}")
        cls.name = name
        _REGISTRY[name] = cls
        return cls

    return decorate


def _load() -> None:
    global _loaded
    if not _loaded:
        for module in MODEL_MODULES:
            importlib.import_module(module)
        _loaded = True


def list_models() -> list[str]:
    """Names of every registered model, sorted."""
    _load()
    return sorted(_REGISTRY)


def model_class(name: str) -> type[Model]:
    """The class registered under ``name`` (FinefakeError naming the known models otherwise)."""
    _load()
    try:
        return _REGISTRY[name]
    except KeyError:
        raise FinefakeError(
            f"unknown model {name!r}; registered models: {', '.join(sorted(_REGISTRY))}"
        ) from None


def required_inputs(names: list[str] | None = None) -> set[str]:
    """The union of the inputs that the named models (default: every registered model) declare."""
    return set().union(*(model_class(n).inputs for n in (names if names is not None else list_models())))


def get_model(name: str, **hparams: Any) -> Model:
    """Build the model registered under ``name`` with keyword hyper-parameters (defaults = the paper's)."""
    cls = model_class(name)
    try:
        return cls(**hparams)
    except TypeError as exc:
        raise FinefakeError(f"bad hyper-parameters for model {name!r}: {exc}") from exc


def parse_model_names(text: str) -> list[str]:
    """``"kean,logreg"`` -> registered model names in the given order; ``"all"`` -> every registered model.

    Every unknown name is reported at once (one FinefakeError), so a list with two typos needs one fix, not two.
    """
    names = list(dict.fromkeys(n.strip() for n in text.split(",") if n.strip()))
    if names == ["all"]:
        return list_models()
    if not names:
        raise FinefakeError("give at least one model name, e.g. --models logreg,kean (or --models all)")
    known = list_models()
    unknown = [n for n in names if n not in known]
    if unknown:
        import difflib

        guesses = [" or ".join(map(repr, difflib.get_close_matches(n, known, n=2))) for n in unknown]
        hint = f"; did you mean {', '.join(g for g in guesses if g)}?" if any(guesses) else ";"
        raise FinefakeError(
            f"unknown model(s) {', '.join(map(repr, unknown))}{hint} registered models: {', '.join(known)} "
            "(or all)"
        )
    return names


def model_overrides(model_names: list[str], **values) -> dict[str, dict]:
    """Per model, the given hyper-parameter values (None = not given) that its constructor accepts (the bench
    verbs' shared options, e.g. ``--epochs``, reach only the models that take them)."""
    import inspect

    out: dict[str, dict] = {}
    for name in model_names:
        accepted = inspect.signature(model_class(name).__init__).parameters
        given = {k: v for k, v in values.items() if v is not None and k in accepted}
        if given:
            out[name] = given
    return out
