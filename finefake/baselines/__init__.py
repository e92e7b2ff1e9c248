"""Fake-news detectors behind one API (``base.Model``) and one registry (``get_model``, ``list_models``)."""

from finefake.baselines.registry import get_model, list_models, register_model

__all__ = ["get_model", "list_models", "register_model"]
