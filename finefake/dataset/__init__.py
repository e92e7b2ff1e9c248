"""Records <-> Hugging Face datasets: features, splits, dataset card, packaging, importers, synthetic data."""
