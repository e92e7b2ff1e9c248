"""Prompt templates (versioned data files), few-shot choice from training rows only, rationale judgements."""

from __future__ import annotations

import numpy as np
import pytest

from finefake.baselines.llm_prompt import choose_shots
from finefake.errors import FinefakeError
from finefake.llm.client import choice_logprobs
from finefake.llm.prompts import detection_template, load_template, template_names, templates_markdown
from finefake.llm.rationales import judgement


def test_every_template_loads_with_a_version_and_detection_has_one_choice_per_class():
    for name in template_names():
        template = load_template(name)
        assert template.version >= 1 and "{content}" in template.user
    assert detection_template(2).choices == ("fake", "real")  # FineFake's binary class order
    assert detection_template(6).classes[0] == "real" and len(set(detection_template(6).choices)) == 6
    with pytest.raises(FinefakeError, match="3 classes"):
        detection_template(3)
    assert "detect-binary@v1" in templates_markdown() and "```yaml" in templates_markdown()


def test_few_shot_messages_put_the_shots_before_the_item():
    template = detection_template(2)
    messages = template.render("the item", [("shot one", 1), ("shot two", 0)])
    assert [m["role"] for m in messages] == ["system", "user", "assistant", "user", "assistant", "user"]
    assert messages[2]["content"] == "real" and messages[4]["content"] == "fake"
    assert "the item" in messages[-1]["content"]


def test_shots_are_chosen_by_a_seeded_rule_independent_of_row_order():
    ids = [f"item-{i}" for i in range(40)]
    y = np.arange(40) % 2
    shots = choose_shots(ids, y, 2, 2, seed=0)
    assert len(shots) == 4 and sorted(y[shots].tolist()) == [0, 0, 1, 1]
    order = np.random.default_rng(0).permutation(40)
    shuffled = choose_shots([ids[i] for i in order], y[order], 2, 2, seed=0)
    assert [ids[order[i]] for i in shuffled] == [ids[i] for i in shots]
    assert choose_shots(ids, y, 2, 2, seed=1) != shots


def test_llm_few_reads_only_training_labels():
    """The shots come from the train Batch; changing every non-training label cannot change them."""
    from baselines.allinputs import input_batches
    from baselines.test_contract import build

    b = input_batches(n=60)
    model = build("llm-few", seed=2).fit(b["train"], b["validation"])
    poisoned_val = b["validation"]
    poisoned_val.y[:] = 1 - poisoned_val.y
    other = build("llm-few", seed=2).fit(b["train"], poisoned_val)
    assert model.shot_ids_ == other.shot_ids_ and model.shots_ == other.shots_
    assert set(model.shot_ids_) <= set(b["train"].ids)


def test_answer_tokens_are_matched_across_casing_and_spaces():
    logprobs, matched = choice_logprobs(
        {"Fake": np.log(0.5), " fake": np.log(0.2), "REAL": np.log(0.1)}, ["fake", "real"]
    )
    assert matched
    np.testing.assert_allclose(np.exp(logprobs), [0.7, 0.1])
    _, matched = choice_logprobs({"The": 0.0}, ["fake", "real"])
    assert not matched


def test_rationale_judgement_is_the_last_verdict_word():
    assert judgement("It sounds plausible, but overall this news is fake.") == 0
    assert judgement("Some call it fake; in fact it is true.") == 1
    assert judgement("The tone is calm and measured.") == 2
