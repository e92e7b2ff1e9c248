"""Entity linking in Ray actors: ``align-knowledge --engine ray``.

Linking (spaCy NER + candidate lookup + rho) is the CPU-heavy part of the stage, and each item is linked on its
own, so it is what runs in parallel: a pool of actors, one per cluster CPU, each holding ONE linker built once
from the stage's configuration (the store or ``build-kb`` index must be on a filesystem every node sees). The
actors return the candidates of each chunk; everything else stays on the driver, in chunk order, exactly as on
the local engine: thresholds and reviewer decisions, the review queue, the one-hop triples and the shards.

The triples are fetched by the driver's single ``KnowledgeFetcher``: each chunk's distinct qids in one batched
query, each qid once across the whole run (and across runs: the fetcher's cache is on disk in the workspace).
That is the shared cache: the actors never query the knowledge backend, so no entity is fetched once per worker.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from finefake.engine import user_error
from finefake.errors import FinefakeError
from finefake.knowledge.linking.base import Candidate

#: Linkers that are CPU-bound and offline. TagMe and Wikidata search are bound by a remote API's rate and
#: politeness, which parallel actors would multiply; they stay on the local engine.
RAY_LINKERS = ("local",)


class _LinkerActor:
    """One linker per actor, built where it runs (a spaCy pipeline is not shipped, it is loaded)."""

    def __init__(self, workspace: str, config: Any, make_linker: Callable[..., Any]):
        from finefake.workspace import Workspace

        self.error: FinefakeError | None = None
        try:
            self.linker = make_linker(Workspace(workspace), config, fetcher=None)
        except FinefakeError as exc:  # raised again by ``link``, where the driver gets it back as itself
            self.error = exc

    def link(self, texts: list[str]) -> list[list[Candidate]]:
        if self.error is not None:
            raise self.error
        return self.linker.link_many(texts)


def check_ray_linker(linker: str) -> None:
    if linker not in RAY_LINKERS:
        raise FinefakeError(
            f"--engine ray links with the offline linker (local, or --kb); {linker} is bound by its API's rate, "
            "not by CPUs: use --engine local"
        )


def link_on_ray(
    ray: Any, workspace: str, config: Any, chunks: list[list[str]], make_linker: Callable[..., Any]
) -> Iterator[list[list[Candidate]]]:
    """The candidates of every chunk of texts, linked by a pool of linker actors, yielded in chunk order
    (at most one chunk in flight per actor, so memory stays bounded by the pool).

    Each actor builds its linker with ``make_linker(workspace, config, fetcher=None)``: the stage hands its
    factory in, so this adapter never imports the stage (no import circle)."""
    from ray.util import ActorPool

    check_ray_linker(config.linker)
    if not chunks:
        return
    cpus = max(1, int(ray.cluster_resources().get("CPU", 1)))
    actor = ray.remote(num_cpus=1)(_LinkerActor)
    actors = [actor.remote(workspace, config, make_linker) for _ in range(min(cpus, len(chunks)))]
    try:
        yield from ActorPool(actors).map(lambda a, texts: a.link.remote(texts), chunks)
    except ray.exceptions.RayError as exc:
        raise (user_error(exc) or exc) from None
    finally:
        if ray.is_initialized():
            for a in actors:
                ray.kill(a)
