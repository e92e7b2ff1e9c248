"""A tiny, randomly initialised Llama with the real SmolLM2 tokenizer, for tests that need many LLM answers fast.

It runs through exactly the same ``LocalClient`` code as SmolLM2 (chat template, left padding, logits of the
answer tokens, greedy generation); only its weights are random, so its answers carry no knowledge -- tests
that need a real model's behaviour use the real SmolLM2 (``tests/llm/test_local.py``).
"""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

VERSION = 1
_lock = threading.Lock()


def tiny_llm_folder() -> Path:
    """The tiny model's folder (built once per machine under the temp dir; a few seconds)."""
    folder = Path(tempfile.gettempdir()) / f"finefake-tiny-llm-v{VERSION}"
    with _lock:
        if (folder / "config.json").is_file():
            return folder
        import torch
        from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

        from finefake.llm.local import default_gguf

        gguf = default_gguf()
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        torch.manual_seed(0)
        config = LlamaConfig(
            vocab_size=len(tokenizer),
            hidden_size=16,
            intermediate_size=32,
            num_hidden_layers=1,
            num_attention_heads=2,
            num_key_value_heads=1,
            max_position_embeddings=2048,
            tie_word_embeddings=True,
            bos_token_id=tokenizer.bos_token_id,
            eos_token_id=tokenizer.eos_token_id,
        )
        model = LlamaForCausalLM(config)
        tmp = folder.with_name(folder.name + ".tmp")
        model.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        try:
            tmp.rename(folder)
        except OSError:
            pass
        return folder
