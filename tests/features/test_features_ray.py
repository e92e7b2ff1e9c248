"""``features --engine ray``: encoder actor pools give the local features (within float tolerance) in the same
cache, and a Ray run stopped half-way resumes from its finished chunks."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

import finefake.features.chunks as chunks_module
import finefake.features.pipeline as pipeline_module
from finefake.engine import EngineConfig
from finefake.features.encoding import Encoding, encoder_placement
from finefake.features.knowledge import TransEConfig
from finefake.features.pipeline import FeatureConfig, compute_features
from finefake.workspace import Workspace

pytest.importorskip("ray")

RAY = EngineConfig(engine="ray")
CONFIG = FeatureConfig(transe=TransEConfig(dim=16, epochs=5))
# Ray's one-CPU actors run torch on one thread and may batch texts differently (padding): the same encoder
# then sums in another order. 1e-5 on unit-norm 384-d / ReLU-pooled image vectors is float rounding.
ATOL = 1e-5


def _copy(feature_ws: Workspace, tmp_path, name: str) -> Workspace:
    target = tmp_path / name
    shutil.copytree(feature_ws.root, target, ignore=shutil.ignore_patterns("features"))
    return Workspace(target)


TOKENS = ("text_tokens", "sentences")


@pytest.fixture(scope="module")
def local(feature_ws, tmp_path_factory):
    """The local engine's features of a copy of the shared workspace (encoders built from the config), then
    the same set with the token-state inputs of the text encoder's full pass."""
    ws = _copy(feature_ws, tmp_path_factory.mktemp("local"), "ws")
    return compute_features(ws, CONFIG), compute_features(ws, CONFIG, inputs=TOKENS)


def _assert_same(ray, local) -> None:
    assert ray.ids == local.ids
    np.testing.assert_allclose(ray.text, local.text, atol=ATOL, rtol=0)
    np.testing.assert_allclose(ray.image, local.image, atol=ATOL, rtol=0)
    np.testing.assert_array_equal(ray.kg, local.kg)
    np.testing.assert_array_equal(ray.image_mask, local.image_mask)
    np.testing.assert_array_equal(ray.kg_mask, local.kg_mask)
    assert ray.meta["set_key"] == local.meta["set_key"]
    assert ray.meta["image_dropped"] == local.meta["image_dropped"]


def test_ray_features_equal_local_features(ray_cluster, feature_ws, local, tmp_path):
    local_set, local_tokens = local
    ws = _copy(feature_ws, tmp_path, "ws")
    features = compute_features(ws, CONFIG, engine=RAY)
    _assert_same(features, local_set)
    assert features.meta["cached"] is False
    # the same cache: the local engine now finds the Ray run's set without encoding anything
    again = compute_features(ws, CONFIG)
    assert again.meta["cached"] is True
    np.testing.assert_array_equal(again.text, features.text)
    # the token states' pass (the torch detectors' inputs) on Ray too
    tokens = compute_features(ws, CONFIG, inputs=TOKENS, engine=RAY)
    for name in ("text_tokens_mask", "sentence_mask"):
        np.testing.assert_array_equal(tokens.inputs[name], local_tokens.inputs[name])
    np.testing.assert_allclose(
        tokens.inputs["sentences"], local_tokens.inputs["sentences"], atol=ATOL, rtol=0
    )
    # token states are stored as float16 (3 significant digits): compared at float16 resolution
    np.testing.assert_allclose(
        np.asarray(tokens.inputs["text_tokens"], np.float32),
        np.asarray(local_tokens.inputs["text_tokens"], np.float32),
        atol=2e-3,
        rtol=1e-3,
    )


@pytest.mark.long  # kill and resume on Ray: run by .ci/run with the science checks
@pytest.mark.slow
def test_stopped_ray_run_resumes_from_its_chunks(ray_cluster, feature_ws, local, tmp_path, monkeypatch):
    ws = _copy(feature_ws, tmp_path, "ws")
    monkeypatch.setattr(pipeline_module, "TEXT_CHUNK", 8)  # 40 texts -> 5 chunks
    writes = {"n": 0}
    original = chunks_module.atomic_write_json

    def failing(path, data):
        if path.name == "progress.json":
            writes["n"] += 1
            if writes["n"] == 3:
                raise KeyboardInterrupt("stopped after two chunks")
        return original(path, data)

    monkeypatch.setattr(chunks_module, "atomic_write_json", failing)
    with pytest.raises(KeyboardInterrupt):
        compute_features(ws, CONFIG, engine=RAY)
    monkeypatch.setattr(chunks_module, "atomic_write_json", original)

    starts = []
    encode = Encoding.encode

    def spy(self, encoder, name, options, modality, inputs, ranges):
        starts.append((modality, ranges[0][0], len(ranges)))
        return encode(self, encoder, name, options, modality, inputs, ranges)

    monkeypatch.setattr(Encoding, "encode", spy)
    features = compute_features(ws, CONFIG, engine=RAY)
    assert starts[0] == ("text", 16, 3)  # the two finished chunks were kept, three were left
    _assert_same(features, local[0])


@pytest.mark.parametrize(
    ("resources", "name", "options", "expected"),
    [
        ({"CPU": 16, "GPU": 2}, "minilm", {}, ({"num_gpus": 1}, {"device": "cuda"})),
        ({"CPU": 16, "GPU": 2}, "efficientnet-lite0", {}, ({"num_gpus": 1}, {})),  # onnx: CPU
        ({"CPU": 16, "GPU": 2}, "minilm", {"device": "cuda:1"}, ({"num_gpus": 1}, {"device": "cuda:1"})),
        ({"CPU": 4}, "minilm", {}, ({"num_cpus": 1}, {})),
    ],
)
def test_one_gpu_per_chunk_else_one_cpu(resources, name, options, expected):
    from finefake.features.registry import encoder_spec

    assert encoder_placement(encoder_spec(name).factory, options, resources) == expected
