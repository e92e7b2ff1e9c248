"""CompareNet: the heterogeneous document graph compared to the knowledge base (Hu et al., 2021)."""

from __future__ import annotations

import numpy as np

from baselines.knowledge_checks import (
    check_deterministic,
    check_knowledge_is_used,
    check_probabilities,
    declared,
)
from finefake.baselines import get_model
from finefake.baselines.comparenet import CompareNet, bag_of_words


def small(**extra) -> CompareNet:
    base = {"hidden": 16, "n_topics": 4, "lda_max_iter": 3, "epochs": 8, "num_threads": 1, "seed": 1}
    return CompareNet(**{**base, **extra})


def test_registered_with_its_inputs():
    assert isinstance(get_model("comparenet"), CompareNet)
    assert CompareNet.inputs == {"sentences", "entities", "word_ids"}


def test_probabilities_for_two_and_six_classes():
    check_probabilities(small)


def test_deterministic_under_a_seed():
    check_deterministic(small)


def test_knowledge_is_used():
    check_knowledge_is_used(small)


def test_bag_of_words_skips_padding_unknown_and_masked_words():
    ids = np.array([[0, 1, 2, 2, 5], [3, 3, 3, 9, 0]])
    mask = np.array([[True, True, True, True, False], [True, True, False, True, False]])
    counts = bag_of_words(ids, mask, vocabulary=6).toarray()
    np.testing.assert_array_equal(counts, [[0, 0, 2, 0, 0, 0], [0, 0, 0, 2, 0, 0]])  # 9 is out of range


def test_lda_sees_training_rows_only():
    b = declared(CompareNet, n=120)
    last = len(b["train"].info["word_vectors"]) - 1
    for split in ("train", "validation", "test"):  # the word `last` occurs in validation and test only
        ids = b[split].arrays["word_ids"]
        ids[ids == last] = 2
        if split != "train":
            ids[:, 0] = last
            b[split].arrays["word_mask"][:, 0] = True
    model = small(epochs=1).fit(b["train"], b["validation"])
    components = model.lda_.components_
    np.testing.assert_array_equal(components[:, last], model.lda_.topic_word_prior_)
    assert (components[:, 2] > model.lda_.topic_word_prior_).all()
    assert model.fit_info()["lda"]["documents"] == len(b["train"])


def test_topic_inference_is_memoised_per_document():
    b = declared(CompareNet, n=120)
    model = small(epochs=1).fit(b["train"], b["validation"])
    documents = {
        row.tobytes()
        for split in ("train", "validation")
        for row in np.where(b[split].word_mask, b[split].word_ids, 0)
    }
    assert set(model.topic_cache_) == documents  # one inference per distinct document, over all epochs
    first = model.predict_proba(b["test"])
    np.testing.assert_array_equal(first, model.predict_proba(b["test"]))
    topics, present = model.document_topics(b["test"].word_ids[:3], b["test"].word_mask[:3])
    assert topics.shape == (3, 2) and present.all()
    _, none = model.document_topics(np.zeros((1, 10), dtype=np.int64), np.zeros((1, 10), dtype=bool))
    assert not none.any()


def test_learns_from_the_sentences():
    b = declared(CompareNet, n=300, signal="text")
    model = small().fit(b["train"], b["validation"])
    assert np.mean(model.predict(b["test"]) == b["test"].y) > 0.85
