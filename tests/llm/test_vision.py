"""``--llm-vision``: llm-zero sends each item's image to a vision model behind the server as an OpenAI content
part (a base64 data URL of a re-encoded, size-capped image), falls back to text for items without one and
counts them; the local text-only backend refuses it in one line."""

from __future__ import annotations

import base64
import io
import json

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from finefake.baselines.base import Batch
from finefake.baselines.registry import get_model
from finefake.cli import app
from finefake.errors import FinefakeError
from finefake.llm.backends import get_client
from finefake.llm.client import LLMSettings
from finefake.llm.images import image_data_url

from .openai_server import ChatHandler


@pytest.fixture
def served(httpserver, tmp_path, monkeypatch):
    monkeypatch.setenv("FINEFAKE_LLM_CACHE", str(tmp_path / "responses.sqlite"))
    handler = ChatHandler()
    httpserver.expect_request("/v1/chat/completions").respond_with_handler(handler)
    return handler, httpserver.url_for("/v1")


def _batch(tmp_path, n_classes=2):
    big = tmp_path / "big.png"
    Image.new("RGB", (1200, 600), (200, 30, 30)).save(big)
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"not an image")
    content = np.asarray(["SHOCKING moon claim", "Bridge opens in spring", "Rates unchanged"], dtype=object)
    images = np.asarray([str(big), "", str(broken)], dtype=object)
    return Batch(
        ["a", "b", "c"], {"content": content, "content_image": images}, np.array([0, 1, 1]), n_classes
    )


def test_the_image_goes_as_a_content_part_and_items_without_one_as_text(served, tmp_path):
    handler, url = served
    batch = _batch(tmp_path)
    model = get_model("llm-zero", backend="server", llm_endpoint=url, llm_model="vlm", vision=True)
    proba = model.fit(batch).predict_proba(batch.unlabeled())
    assert proba.shape == (3, 2) and proba[0, 0] > 0.5  # "shocking" -> fake, with or without the image
    with_image = [r["json"] for r in handler.seen if isinstance(r["json"]["messages"][-1]["content"], list)]
    assert len(with_image) == 1 and len(handler.seen) == 3
    text_part, image_part = with_image[0]["messages"][-1]["content"]
    assert text_part["type"] == "text" and "SHOCKING moon claim" in text_part["text"]
    assert image_part["type"] == "image_url"
    data_url = image_part["image_url"]["url"]
    assert data_url.startswith("data:image/jpeg;base64,")
    sent = Image.open(io.BytesIO(base64.b64decode(data_url.split(",", 1)[1])))
    assert sent.format == "JPEG" and max(sent.size) == 512 and sent.size == (512, 256)  # capped, aspect kept
    info = model.fit_info()["llm"]
    assert info["modality"] == "text+image"
    assert info["images"] == {"with_image": 1, "without_image": 2}  # no image, and an unreadable one


def test_text_runs_say_text_and_send_no_image(served, tmp_path):
    handler, url = served
    batch = _batch(tmp_path)
    model = get_model("llm-zero", backend="server", llm_endpoint=url, llm_model="plain")
    model.fit(batch).predict_proba(batch.unlabeled())
    assert all(isinstance(r["json"]["messages"][-1]["content"], str) for r in handler.seen)
    assert model.fit_info()["llm"]["modality"] == "text" and model.fit_info()["llm"]["images"] is None


def test_image_data_url_is_deterministic_and_none_for_missing_files(tmp_path):
    path = tmp_path / "a.png"
    Image.new("RGBA", (40, 30), (1, 2, 3, 100)).save(path)
    first = image_data_url(path)
    assert first == image_data_url(path) and first.startswith("data:image/png;base64,")  # alpha kept as PNG
    assert image_data_url(tmp_path / "missing.jpg") is None and image_data_url("") is None


def test_the_local_backend_is_text_only(tmp_path):
    with pytest.raises(FinefakeError, match="text-only"):
        get_client(LLMSettings(backend="local", vision=True))
    result = CliRunner().invoke(
        app, ["-w", str(tmp_path / "ws"), "bench", "binary", "--models", "llm-zero", "--llm-vision"]
    )
    assert result.exit_code != 0 and isinstance(result.exception, FinefakeError)  # the CLI's one-line errors
    assert "text-only" in str(result.exception)


@pytest.mark.slow
def test_bench_binary_with_llm_vision_records_the_modality(workspace, served, tmp_path):
    from finefake.dataset.synthetic import write_synthetic

    handler, url = served
    write_synthetic(workspace, 40, seed=5)
    args = ["-w", str(workspace.root), "bench", "binary", "--models", "llm-zero", "--seeds", "1"]
    args += ["--llm-endpoint", url, "--llm-model", "vlm", "--llm-vision", "--out", str(tmp_path / "out")]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    run = (tmp_path / "out" / "binary" / "runs" / "llm-zero" / "all" / "seed-0.json").read_text()
    llm = json.loads(run)["fit_info"]["llm"]
    assert llm["modality"] == "text+image" and sum(llm["images"].values()) == len(handler.seen) > 0
    parts = [r["json"]["messages"][-1]["content"] for r in handler.seen]
    assert sum(isinstance(p, list) for p in parts) == llm["images"]["with_image"] > 0
