"""Where the heavy stages run: in this process (``local``) or on a Ray cluster (``ray``).

The engine changes where the work is done, never what is computed: every stage writes the same records,
caches and run files with either engine, and the workspace stays the single source of truth (a killed Ray run
resumes from the workspace exactly like a killed local run). Ray is an optional extra (``pip install
"finefake[ray]"``); it is imported only when ``--engine ray`` is asked for.

With no ``--ray-address`` a local Ray is started for the run (all CPUs, or ``num_cpus``) and shut down after
it; ``--ray-address auto`` joins the cluster this machine belongs to (``ray start --head`` / ``ray start
--address``) and ``ray://HOST:10001`` joins a remote one through Ray Client. A Ray that the caller has already
initialised (a notebook, a test) is used as it is and left running.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from finefake.errors import FinefakeError

ENGINES = ("local", "ray")


@dataclass(frozen=True)
class EngineConfig:
    """The ``engine:`` section of the config file, or ``--engine`` / ``--ray-address`` of a command."""

    engine: str = "local"
    ray_address: str | None = None
    num_cpus: int | None = None

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise FinefakeError(f"engine must be one of {', '.join(ENGINES)}, got {self.engine!r}")
        if self.num_cpus is not None and self.num_cpus < 1:
            raise FinefakeError(f"engine num_cpus must be at least 1, got {self.num_cpus}")
        if self.engine == "local" and self.ray_address:
            raise FinefakeError("--ray-address needs --engine ray")

    @property
    def is_ray(self) -> bool:
        return self.engine == "ray"


def import_ray() -> Any:
    """The ``ray`` module, or a one-line error telling how to install it."""
    try:
        import ray
    except ImportError as exc:
        raise FinefakeError('--engine ray needs Ray: pip install "finefake[ray]"') from exc
    return ray


@contextmanager
def ray_session(config: EngineConfig) -> Iterator[Any]:
    """Ray, initialised for one run: joined at ``config.ray_address`` or started locally, and shut down
    afterwards only if this run started it."""
    ray = import_ray()
    if ray.is_initialized():
        yield ray
        return
    options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": "ERROR"}
    if config.ray_address:
        options["address"] = config.ray_address
    else:
        options["num_cpus"] = config.num_cpus
    try:
        ray.init(**options)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        where = config.ray_address or "a local Ray"
        raise FinefakeError(f"could not start or join {where}: {exc}") from exc
    try:
        yield ray
    finally:
        ray.shutdown()


def user_error(exc: BaseException) -> FinefakeError | None:
    """The FinefakeError (a user's mistake: a missing index, unreadable weights) that a Ray error carries, if
    any. Ray re-raises what a task or actor raised wrapped in its own exception types with the remote
    traceback as the message; finefake reports the mistake as its one line instead."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, FinefakeError) and type(current).__module__.startswith("finefake"):
            return current
        cause = getattr(current, "cause", None)
        current = cause if isinstance(cause, BaseException) else current.__cause__
    return None
