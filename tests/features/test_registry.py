from __future__ import annotations

import pytest

from finefake.errors import FinefakeError
from finefake.features.registry import Encoder, get_encoder, list_encoders, weights_fingerprint


def test_registry_lists_both_modalities():
    assert {"minilm", "bert", "clip-text"} == set(list_encoders("text"))
    assert {"efficientnet-lite0", "clip-image"} == set(list_encoders("image"))
    assert set(list_encoders()) == set(list_encoders("text")) | set(list_encoders("image"))


def test_unknown_encoder_and_bad_options_are_readable_errors(tmp_path):
    with pytest.raises(FinefakeError, match="unknown encoder 'resnet'"):
        get_encoder("resnet")
    with pytest.raises(FinefakeError, match="bad options"):
        get_encoder("minilm", colour="blue")
    with pytest.raises(FinefakeError, match="backend"):
        get_encoder("efficientnet-lite0", backend="tensorrt")
    with pytest.raises(FinefakeError, match="neither a local folder"):
        get_encoder("bert", model=str(tmp_path / "no-such-model"))


def test_encoders_are_cheap_to_construct_and_carry_a_content_version(tmp_path):
    encoder = get_encoder("efficientnet-lite0", cache_dir=tmp_path)
    assert isinstance(encoder, Encoder)
    assert encoder._session is None and encoder._torch is None  # nothing loaded yet
    assert encoder.version == get_encoder("efficientnet-lite0", backend="torch").version


def test_weights_fingerprint_follows_content(tmp_path):
    (tmp_path / "a.bin").write_bytes(b"one")
    first = weights_fingerprint(tmp_path)
    assert weights_fingerprint(tmp_path) == first
    (tmp_path / "a.bin").write_bytes(b"two")
    assert weights_fingerprint(tmp_path) != first
