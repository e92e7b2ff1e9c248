from __future__ import annotations

import numpy as np
from PIL import Image

from finefake.features.image import preprocess_lite
from finefake.features.registry import get_encoder


def _images() -> list[Image.Image]:
    rng = np.random.default_rng(0)
    red = np.clip(rng.normal((220, 30, 30), 20, (60, 90, 3)), 0, 255).astype(np.uint8)
    blue = np.clip(rng.normal((30, 30, 220), 20, (80, 50, 3)), 0, 255).astype(np.uint8)
    grey = np.full((224, 300, 3), 128, np.uint8)
    grey[::8] = 0
    return [Image.fromarray(a) for a in (red, blue, grey)]


def test_preprocess_crops_to_a_normalised_square():
    pixels = preprocess_lite(Image.new("RGB", (40, 90), (255, 127, 0)))
    assert pixels.shape == (3, 224, 224) and pixels.dtype == np.float32
    np.testing.assert_allclose(pixels[:, 100, 100], [(255 - 127) / 128, 0.0, -127 / 128], atol=1e-6)


def test_lite0_onnx_matches_torch_and_separates_images(lite0, onnx_dir):
    images = _images()
    onnx = lite0.encode(images, batch_size=2)
    assert onnx.shape == (3, 1280) and onnx.dtype == np.float32 and np.isfinite(onnx).all()
    assert lite0.onnx_path().parent == onnx_dir and lite0.onnx_path().exists()
    reference = get_encoder("efficientnet-lite0", backend="torch").encode(images, batch_size=3)
    np.testing.assert_allclose(onnx, reference, atol=1e-3, rtol=1e-3)
    distance = np.linalg.norm(onnx[:, None] - onnx[None], axis=2)
    assert distance[0, 1] > 1.0 and (onnx >= 0).all()  # ReLU6 features, different images differ


def test_onnx_graph_is_exported_once(lite0, onnx_dir):
    lite0.encode(_images()[:1])
    stamp = lite0.onnx_path().stat().st_mtime_ns
    again = get_encoder("efficientnet-lite0", cache_dir=onnx_dir)
    again.encode(_images()[:1])
    assert again.onnx_path() == lite0.onnx_path() and lite0.onnx_path().stat().st_mtime_ns == stamp


def test_clip_image_tower_loads_from_a_folder(tiny_clip):
    encoder = get_encoder("clip-image", model=str(tiny_clip))
    vectors = encoder.encode(_images(), batch_size=2)
    assert vectors.shape == (3, 16) and encoder.dim == 16 and np.isfinite(vectors).all()
    np.testing.assert_allclose(encoder.encode(_images()[2:]), vectors[2:], atol=1e-5)
    assert not np.allclose(vectors[0], vectors[2])
