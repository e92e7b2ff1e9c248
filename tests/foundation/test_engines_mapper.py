"""The batch mapper contract every stage relies on (``finefake.engines``): results in input order, the worker
built once per process and only when there is work, a user's mistake as one line naming the batch."""

from __future__ import annotations

import os
import sys

import pytest

from finefake.engine import EngineConfig
from finefake.engines import LocalMapper, open_mapper, run_stage
from finefake.errors import FinefakeError


class Squares:
    """A worker factory: counts how often it builds a worker; the worker squares a batch of numbers."""

    def __init__(self, fail_on: int | None = None, broken: bool = False):
        self.built = 0
        self.fail_on, self.broken = fail_on, broken

    def __call__(self):
        if self.broken:
            raise FinefakeError("index not found: build it first")
        self.built += 1
        return self.square

    def square(self, batch: list[int]) -> tuple[int, list[int]]:
        if self.fail_on in batch:
            raise FinefakeError(f"item {self.fail_on}: field 'text' must be a string")
        if -1 in batch:
            raise ValueError("a bug")
        return (os.getpid(), self.built), [x * x for x in batch]


BATCHES = [[i, i + 1] for i in range(0, 20, 2)]


def test_local_mapper_keeps_order_and_builds_one_worker() -> None:
    factory = Squares()
    results = list(LocalMapper().map(factory, iter(BATCHES), label="squaring"))
    assert [r[1] for r in results] == [[x * x for x in b] for b in BATCHES]
    assert factory.built == 1
    empty = Squares()
    assert list(LocalMapper().map(empty, [])) == [] and empty.built == 0  # no work: nothing is loaded


def test_driver_hands_each_batch_with_its_result_to_the_writer() -> None:
    written: list[tuple[list[int], list[int]]] = []
    n = run_stage(iter(BATCHES), Squares(), lambda batch, out: written.append((batch, out[1])))
    assert n == len(BATCHES)
    assert written == [(b, [x * x for x in b]) for b in BATCHES]


def test_errors_name_the_batch_and_keep_what_was_written() -> None:
    written: list[list[int]] = []
    with pytest.raises(FinefakeError, match=r"^item 7: field 'text' must be a string \(squaring, batch 4\)$"):
        run_stage(BATCHES, Squares(fail_on=7), lambda b, _: written.append(b), label="squaring")
    assert written == BATCHES[:3]  # the batches before the failing one were handed on
    with pytest.raises(FinefakeError, match="^index not found"):  # building the worker concerns no batch
        run_stage(BATCHES, Squares(broken=True), lambda b, _: None)
    with pytest.raises(ValueError, match="a bug") as info:  # a bug keeps its type, with a note
        run_stage([[1], [-1]], Squares(), lambda b, _: None)
    assert "batch 2" in info.value.__notes__[0]


def test_a_batch_with_a_name_is_named_by_it() -> None:
    """A stage whose batches are names (clean: one crawl stage per batch) is told by the name, not the rank."""

    def factory():
        def worker(stage: str) -> None:
            raise FinefakeError(f"no items in {stage}")

        return worker

    with pytest.raises(FinefakeError, match=r"^no items in crawl/news \(clean, crawl/news\)$"):
        run_stage(["crawl/news"], factory, lambda b, _: None, label="clean")


@pytest.mark.slow
def test_ray_mapper_keeps_order_builds_once_per_process_and_names_mistakes(ray_cluster) -> None:
    from ray import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the test module is not importable there
    with open_mapper(EngineConfig(engine="ray")) as mapper:
        assert list(mapper.map(Squares(), [])) == []
        results = list(mapper.map(Squares(), BATCHES, options=lambda batch, cluster: {"num_cpus": 1}))
        assert [r[1] for r in results] == [[x * x for x in b] for b in BATCHES]
        processes = {where for where, _ in results}
        assert len(processes) <= 2 and {built for _, built in processes} == {1}  # one worker per process
        with pytest.raises(FinefakeError, match=r"^item 7: .* \(batch 4\)$"):
            list(mapper.map(Squares(fail_on=7), BATCHES))
        with pytest.raises(FinefakeError, match="^index not found"):
            list(mapper.map(Squares(broken=True), BATCHES))
