"""The CPU speed-ups keep answers exact: a prompt's answer does not depend on its batch (left padding with
positions counted from its first token), on the order prompts arrive in (length-sorted batches), and a change
of the decoding settings is a new cache key. Runs the tiny random model (same LocalClient code as SmolLM2)."""

from __future__ import annotations

import numpy as np
import pytest

from finefake.llm import client as client_module
from finefake.llm.cache import ResponseCache
from finefake.llm.local import LocalClient
from finefake.llm.rationales import judgement

from .tiny import tiny_llm_folder

SHORT = [{"role": "user", "content": "Is it fake?"}]
LONG = [{"role": "user", "content": "Officials said the bridge opens next spring after long delays. " * 12}]


@pytest.fixture(scope="module")
def tiny():
    return tiny_llm_folder()


def _client(folder, tmp_path, name="c", **kwargs) -> LocalClient:
    return LocalClient(folder, cache=ResponseCache(tmp_path / f"{name}.sqlite"), **kwargs)


def test_a_prompts_label_probabilities_do_not_depend_on_its_batch(tiny, tmp_path):
    alone = _client(tiny, tmp_path, "alone")._choice_logprobs([SHORT], ["fake", "real"])[0][0]
    padded = _client(tiny, tmp_path, "padded")._choice_logprobs([LONG, SHORT], ["fake", "real"])[1][0]
    np.testing.assert_allclose(padded, alone, rtol=1e-4, atol=1e-5)


def test_generations_are_the_same_whatever_the_arrival_order(tiny, tmp_path):
    prompts = [[{"role": "user", "content": f"News {i}: " + "word " * (3 * i)}] for i in range(6)]
    forward = _client(tiny, tmp_path, "f", generate_batch_size=3).generate(prompts, max_tokens=4, tag="t@v1")
    backward = _client(tiny, tmp_path, "b", generate_batch_size=3)
    assert backward.generate(prompts[::-1], max_tokens=4, tag="t@v1") == forward[::-1]


def test_other_decoding_settings_are_other_cache_keys(tiny, tmp_path, monkeypatch):
    c = _client(tiny, tmp_path)
    c.generate([SHORT], max_tokens=3, tag="t@v1")
    c.generate([SHORT], max_tokens=3, tag="t@v1")
    assert c.usage.calls == 1 and c.usage.cached == 1
    c.generate([SHORT], max_tokens=4, tag="t@v1")  # another length
    assert c.usage.calls == 2
    monkeypatch.setitem(client_module.GENERATION, "repetition_penalty", 1.1)  # another decoding setting
    c.generate([SHORT], max_tokens=4, tag="t@v1")
    assert c.usage.calls == 3


def test_a_negated_verdict_is_the_opposite_one():
    assert judgement("The news is not real. The tone is promotional.") == 0
    assert judgement("This isn't fake: the figures match.") == 1
    assert judgement("Not true at all.") == 0
