"""encode_full (pooled + token states + sentence vectors from one pass), the ONNX text backend, the splitter."""

from __future__ import annotations

import numpy as np
import pytest

from finefake.errors import FinefakeError
from finefake.features.registry import get_encoder
from finefake.features.sentences import sentence_spans

TEXTS = [
    'Senate passes the bill\nThe senate passed the election bill. Officials said "no!" Then they left.',
    "Vaccine claim\nA viral post says the vaccine changes DNA. Experts disagree.",
    "short",
    "",
    "Long story\n" + "Lawmakers in congress voted on the new campaign finance law. " * 40,
]


@pytest.fixture(scope="module")
def bert_pair(tiny_bert, onnx_dir):
    options = dict(model=str(tiny_bert), max_length=64, cache_dir=onnx_dir)
    return get_encoder("bert", backend="torch", **options), get_encoder("bert", backend="onnx", **options)


@pytest.mark.slow  # loads sentence-transformers (the reference) and exports MiniLM to ONNX
def test_minilm_pooled_is_what_sentence_transformers_gives(minilm, onnx_dir):
    reference = minilm.model.encode(TEXTS, batch_size=2, convert_to_numpy=True)
    assert minilm.backend == "torch" and minilm.max_length == 256
    np.testing.assert_allclose(minilm.encode(TEXTS, batch_size=2), reference, atol=1e-5)
    torch_full = minilm.encode_full(TEXTS, batch_size=3)
    np.testing.assert_allclose(torch_full.pooled, reference, atol=1e-5)
    onnx = get_encoder("minilm", backend="onnx", cache_dir=onnx_dir)
    np.testing.assert_allclose(onnx.encode(TEXTS, batch_size=2), reference, atol=1e-5)
    onnx_full = onnx.encode_full(TEXTS, batch_size=3)
    np.testing.assert_allclose(onnx_full.pooled, reference, atol=1e-5)
    np.testing.assert_allclose(onnx_full.tokens, torch_full.tokens, atol=1e-3)
    assert minilm.version == onnx.version  # switching the backend keeps the feature cache
    assert minilm.input_embeddings().shape == (30522, 384) == (minilm.vocab_size, minilm.dim)


def test_shapes_masks_and_dtypes(bert_pair, tiny_bert):
    from transformers import AutoTokenizer

    encoder = bert_pair[1]
    out = encoder.encode_full(TEXTS, batch_size=2, max_tokens=16)
    n, d = len(TEXTS), encoder.dim
    assert out.pooled.shape == (n, d) and out.pooled.dtype == np.float32
    assert out.tokens.shape == (n, 16, d) and out.tokens.dtype == np.float16
    assert out.token_mask.shape == out.token_ids.shape == (n, 16) and out.token_mask.dtype == bool
    assert out.token_ids.dtype == np.int32
    assert out.sentence_vectors.shape == (n, 16, d) and out.sentence_vectors.dtype == np.float32
    assert out.sentence_mask.shape == (n, 16)
    tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
    ids = tokenizer(TEXTS, truncation=True, max_length=64)["input_ids"]
    for row, expected in enumerate(ids):
        kept = min(len(expected), 16)
        assert out.token_mask[row].sum() == kept and out.token_mask[row, :kept].all()
        np.testing.assert_array_equal(out.token_ids[row, :kept], expected[:kept])
        assert not out.tokens[row, kept:].any() and not out.token_ids[row, kept:].any()
    assert (out.token_ids[:, 0] == tokenizer.cls_token_id).all()
    assert out.sentence_mask.sum(1).tolist()[:4] == [4, 3, 1, 0]
    assert not out.sentence_vectors[~out.sentence_mask].any()
    wide = encoder.encode_full(TEXTS[2:3], batch_size=1, max_tokens=300)  # more than the window: zero-padded
    assert wide.tokens.shape == (1, 300, d) and wide.token_mask.sum() == 3


def test_onnx_matches_torch_and_pooled_matches_encode(bert_pair):
    torch_enc, onnx_enc = bert_pair
    a, b = torch_enc.encode_full(TEXTS, batch_size=2), onnx_enc.encode_full(TEXTS, batch_size=3)
    for field in ("pooled", "tokens", "sentence_vectors"):
        np.testing.assert_allclose(getattr(a, field), getattr(b, field), atol=1e-3)
    np.testing.assert_allclose(a.pooled, b.pooled, atol=1e-5)
    np.testing.assert_array_equal(a.token_ids, b.token_ids)
    np.testing.assert_allclose(onnx_enc.encode(TEXTS, batch_size=4), b.pooled, atol=1e-6)
    one_by_one = np.concatenate([onnx_enc.encode([t]) for t in TEXTS])  # sorting restores the order
    np.testing.assert_allclose(one_by_one, b.pooled, atol=1e-5)
    assert torch_enc.version == onnx_enc.version and onnx_enc.onnx_path().exists()


def test_sentence_vectors_are_means_of_their_wordpieces(bert_pair, tiny_bert):
    import torch
    from transformers import AutoModel, AutoTokenizer

    text = TEXTS[0]
    out = bert_pair[0].encode_full([text], batch_size=1)
    tokenizer, model = AutoTokenizer.from_pretrained(tiny_bert), AutoModel.from_pretrained(tiny_bert).eval()
    enc = tokenizer([text], return_offsets_mapping=True, return_tensors="pt")
    offsets = enc.pop("offset_mapping")[0].tolist()
    with torch.no_grad():
        hidden = model(**enc).last_hidden_state[0].numpy()
    spans = sentence_spans(text)
    for k, (start, end) in enumerate(spans):
        rows = [i for i, (a, b) in enumerate(offsets) if b > a and start <= a < end]
        np.testing.assert_allclose(out.sentence_vectors[0, k], hidden[rows].mean(0), atol=1e-5)


def test_sentences_outside_the_window_are_masked(tiny_bert, onnx_dir):
    encoder = get_encoder("bert", model=str(tiny_bert), max_length=10, cache_dir=onnx_dir)
    out = encoder.encode_full(["Title\nOne two three. Four five six. Seven eight nine."], batch_size=1)
    assert out.sentence_mask[0].tolist()[:4] == [
        True,
        True,
        True,
        False,
    ]  # [CLS] + 8 wordpieces + [SEP]: sentence 3 is cut


def test_sentence_splitter():
    text = 'Title here\n  Officials said "no!" Then (he left.) Now. e.g. this one. In the U.S. they met.\n\nEnd?  '
    assert [text[a:b] for a, b in sentence_spans(text)] == [
        "Title here",
        'Officials said "no!"',
        "Then (he left.)",
        "Now. e.g. this one.",
        "In the U.S. they met.",
        "End?",
    ]
    assert sentence_spans("") == sentence_spans(" \n ") == []
    assert len(sentence_spans("Yes. " * 40)) == 16 and len(sentence_spans("Yes. " * 40, limit=3)) == 3


def test_embedding_table_and_options(bert_pair, tiny_bert):
    from transformers import AutoModel

    encoder = bert_pair[1]
    table = encoder.input_embeddings()
    expected = AutoModel.from_pretrained(tiny_bert).embeddings.word_embeddings.weight.detach().numpy()
    assert table.shape == (encoder.vocab_size, 24) and table.dtype == np.float32
    np.testing.assert_array_equal(table, expected)
    empty = encoder.encode_full([], batch_size=4)
    assert empty.pooled.shape == (0, 24) and empty.tokens.shape == (0, 128, 24)
    with pytest.raises(FinefakeError, match="backend"):
        get_encoder("bert", model=str(tiny_bert), backend="tensorrt")
    with pytest.raises(FinefakeError, match="max_tokens"):
        encoder.encode_full(TEXTS, batch_size=2, max_tokens=0)
