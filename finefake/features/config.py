"""What the features stage computes (``FeatureConfig``) and over what (``FeatureInput``, one record's slice).

Their own module so that the stage (:mod:`finefake.features.pipeline`) and its helpers
(:mod:`finefake.features.inputs`) share the types without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from finefake.features.knowledge import TransEConfig


@dataclass
class FeatureConfig:
    """What to compute; the defaults are the offline encoders (MiniLM, EfficientNet-Lite0 on ONNX, TransE)."""

    text_encoder: str = "minilm"
    image_encoder: str = "efficientnet-lite0"
    text_options: dict[str, Any] = field(default_factory=dict)  # e.g. {"model": "/path/to/bert"}
    image_options: dict[str, Any] = field(default_factory=dict)  # e.g. {"backend": "torch"}
    knowledge: str = "transe"  # "transe" (train on the dataset's triples) or "release" (knowledge_embedding)
    transe: TransEConfig = field(default_factory=TransEConfig)
    batch_size: int = 64
    stage: str = "records"
    force: bool = False  # recompute even when cached
    max_tokens: int = 128  # token states / word ids per item (wordpieces, title first)
    max_entities: int = 8  # entities per item in the ``entities`` input, by rho
    text_views: list[str] = field(default_factory=list)  # further text encoders (MMFND, CroMe views)
    image_views: list[str] = field(default_factory=list)  # further image encoders
    view_options: dict[str, dict[str, Any]] = field(default_factory=dict)  # per view encoder name
    emotion_model: str | None = None  # local folder of a transformers emotion model (default: the lexicon)
    llm: Any = None  # finefake.llm.client.LLMSettings for the ``rationales`` input (None: the local default)


@dataclass
class FeatureInput:
    """The slice of one record that feature extraction reads (kept small: 17k records fit easily)."""

    id: str
    text: str
    image: str | None
    image_sha: str | None
    nodes: list[str]
    triples: list[tuple[str, str, str]]
    knowledge_embedding: list[float] | None
    entities: list[dict[str, Any]] = field(default_factory=list)  # qid, rho, start, label, description
