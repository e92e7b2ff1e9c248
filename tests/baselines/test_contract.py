"""The shared contract every registered model must pass (like scikit-learn's check_estimator).

Models are built with small-but-real hyper-parameters here (few epochs) to keep the suite fast; the library
defaults stay the paper's.
"""

from __future__ import annotations

import numpy as np
import pytest
from benchmarks.tinydata import gaussian_shift_features
from llm.tiny import tiny_llm_folder

from baselines.allinputs import input_batches
from finefake.baselines import get_model, list_models
from finefake.baselines.base import INPUTS, Batch, RowView
from finefake.baselines.registry import model_class
from finefake.benchmarks.metrics import classification_report

TINY_LLM = tiny_llm_folder()

#: Small-but-real settings per model (the library defaults are the papers' and train for far longer).
FAST = {
    "kean": {"epochs": 12},
    "mmfnd": {"epochs": 20, "lr": 1e-3, "dropout": 0.0},
    "coolant": {"epochs": 20, "batch_size": 16},
    "crome": {"epochs": 20, "batch_size": 16},
    "mdfend": {
        "epochs": 6, "filters": 8, "gate_hidden": 16, "mlp_hidden": 16, "kernel_sizes": (1, 2, 3), "lr": 3e-3,
    },
    "eann": {"epochs": 8, "batch_size": 32, "filters": 8, "hidden": 16, "lr": 3e-3},
    "safe": {"epochs": 8, "batch_size": 32, "filters": 8, "hidden": 16, "lr": 3e-3},
    "m3fend": {
        "epochs": 6, "semantic_experts": 2, "emotion_experts": 2, "style_experts": 1, "lnn_dim": 4,
        "kernel_sizes": (1, 2), "filters": 8, "expert_hidden": 16, "gate_hidden": 16, "mlp_hidden": 16,
        "memory_slots": 3, "lr": 3e-3,
    },
    "canmd": {"hidden": 32, "epochs": 5, "adapt_epochs": 3, "batch_size": 32},
    "kan": {"hidden": 16, "heads": 2, "feedforward": 32, "epochs": 8, "batch_size": 32},
    "kdcn": {"feature_dim": 32, "epochs": 10, "batch_size": 32},
    "comparenet": {"hidden": 16, "n_topics": 4, "lda_max_iter": 3, "epochs": 8},
    "mvae": {"epochs": 20, "patience": 0, "batch_size": 32, "lstm_hidden": 8, "image_hidden": 32, "lr": 3e-3},
    # issue 30: the prompted LLMs on a tiny random Llama (same client code as SmolLM2; tests/llm/tiny.py)
    "llm-zero": {"llm_model": str(TINY_LLM), "batch_size": 32},
    "llm-few": {"llm_model": str(TINY_LLM), "batch_size": 32, "shots_per_class": 1, "shot_chars": 60},
    "arg": {"epochs": 3, "mlp_hidden": 16, "lr": 3e-3, "batch_size": 32},
    "arg-d": {"epochs": 3, "mlp_hidden": 16, "lr": 3e-3, "batch_size": 32, "heads": 2},
}  # fmt: skip
#: Prompted LLMs learn nothing from training labels (llm-few reads a few shots): a planted signal in random
#: features is not theirs to find; their quality is measured by the benchmark on real text.
UNTRAINED = {"llm-zero", "llm-few"}
#: The input that carries the planted label for the floor test, where it is not the text (MVAE's text
#: exception went with its official objective scaling, issue 26).
SIGNAL: dict[str, str] = {}
MODELS = list_models()


def build(name: str, seed: int = 0, **extra):
    return get_model(name, seed=seed, **{**FAST.get(name, {}), **extra})


def batches(name: str, **kwargs) -> dict[str, Batch]:
    """All-input Batches restricted to the model's declared inputs, as the harness hands them."""
    return {k: v.restricted(model_class(name).inputs) for k, v in input_batches(**kwargs).items()}


def test_registry_lists_the_issue_baselines():
    assert {"majority", "logreg", "kean"} <= set(MODELS)


@pytest.mark.parametrize("name", MODELS)
def test_valid_probabilities_for_two_and_six_classes(name):
    for k in (2, 6):
        b = batches(name, n_classes=k, seed=k)
        model = build(name).fit(b["train"], b["validation"])
        proba = model.predict_proba(b["test"].unlabeled())
        assert proba.shape == (len(b["test"]), k)
        assert np.all(np.isfinite(proba)) and np.all(proba >= 0)
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
        assert set(model.predict(b["test"].unlabeled())) <= set(range(k))


@pytest.mark.parametrize("name", MODELS)
def test_deterministic_under_a_seed(name):
    b = batches(name, target_shift=0.5)

    def run():
        model = build(name, seed=3).fit(b["train"], b["validation"], b["target"])
        return model.predict_proba(b["test"].unlabeled())

    np.testing.assert_array_equal(run(), run())


@pytest.mark.parametrize("name", MODELS)
def test_items_without_image_or_entities(name):
    b = input_batches(signal="text")["train"]
    bare_arrays = dict(b.arrays)
    for key in ("image", "kg", "entity_transe", "entity_context", "entity_desc", "sentences"):
        bare_arrays[key] = np.zeros_like(b.arrays[key])
    for key in ("image_mask", "kg_mask", "entity_mask"):
        bare_arrays[key] = np.zeros_like(b.arrays[key])
    bare = Batch(b.ids, bare_arrays, b.y, 2, b.info)
    half = np.arange(len(b)) % 2 == 0  # mix: half the items lack both image and knowledge
    mixed_arrays = {
        k: np.where(half.reshape(-1, *[1] * (np.ndim(v) - 1)), bare_arrays[k], v)
        if k in bare_arrays and not isinstance(v, RowView)
        else v
        for k, v in b.arrays.items()
    }
    mixed = Batch(b.ids, mixed_arrays, b.y, 2, b.info)
    for train in (bare, mixed):
        model = build(name).fit(train.restricted(model_class(name).inputs))
        proba = model.predict_proba(bare.restricted(model_class(name).inputs))
        assert np.all(np.isfinite(proba)) and proba.shape == (len(b), 2)


@pytest.mark.parametrize("name", MODELS)
def test_a_task_without_knowledge_gets_masked_knowledge(name):
    b = {k: v.restricted(model_class(name).inputs) for k, v in input_batches(knowledge=False).items()}
    assert not b["train"].has_knowledge
    model = build(name).fit(b["train"], b["validation"])
    assert np.all(np.isfinite(model.predict_proba(b["test"].unlabeled())))


@pytest.mark.parametrize("name", MODELS)
def test_declared_inputs_only(name):
    """Every model runs on Batches holding exactly its declared inputs (no more, as the harness hands them)."""
    declared = model_class(name).inputs
    assert declared <= set(INPUTS), f"{name} declares unknown inputs {declared - set(INPUTS)}"
    b = {k: v.restricted(declared) for k, v in input_batches(n_classes=6, seed=2).items()}
    model = build(name).fit(
        b["train"], b["validation"], b["target"] if model_class(name).uses_target else None
    )
    proba = model.predict_proba(b["test"].unlabeled())
    assert proba.shape == (len(b["test"]), 6)


@pytest.mark.parametrize("name", [m for m in MODELS if m not in UNTRAINED])
def test_beats_the_majority_floor_on_a_planted_signal(name):
    b = batches(name, signal=SIGNAL.get(name, "text"), n=300)
    test_y = b["test"].y
    floor = build("majority").fit(b["train"])
    floor_report = classification_report(test_y, floor.predict(b["test"]), 2)
    model = build(name).fit(b["train"], b["validation"])
    report = classification_report(test_y, model.predict(b["test"].unlabeled()), 2)
    if name == "majority":  # the floor itself: exactly the majority class share
        majority = np.bincount(b["train"].y).argmax()
        assert report["accuracy"] == pytest.approx(np.mean(test_y == majority))
    else:
        assert report["macro_f1"] >= floor_report["macro_f1"] + 0.25
        assert report["accuracy"] >= floor_report["accuracy"] + 0.1


def _da_batches(seed: int):
    features, y, domain = gaussian_shift_features(seed=seed)
    source, target = np.flatnonzero(domain == 0), np.flatnonzero(domain == 1)
    train, val = source[: int(0.8 * len(source))], source[int(0.8 * len(source)) :]
    cut = lambda rows, labelled=True: Batch.from_features(  # noqa: E731
        features, rows, y=y[rows] if labelled else None, n_classes=2
    )
    return cut(train), cut(val), cut(target), cut(target, labelled=False)


def test_kean_reweighting_beats_no_reweighting_under_label_shift():
    gains = []
    for seed in range(2):
        train, val, test, target = _da_batches(seed)
        accuracy = {}
        for reweight in (True, False):
            model = build("kean", seed=seed, reweight=reweight).fit(train, val, target)
            accuracy[reweight] = float(np.mean(model.predict(test) == test.y))
            if reweight:
                w = model.fit_info()["bbse"]["weights"]
                # the target is ~90% class 1, the source 50% (true w = 0.2, 1.8; BBSE shrinks towards 1)
                assert w[1] > 1.2 and w[0] < 0.7
        gains.append(accuracy[True] - accuracy[False])
    assert np.mean(gains) > 0.04, gains
