"""Encoders (a registry), knowledge embeddings and the feature cache that the benchmarks read."""
