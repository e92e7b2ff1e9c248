"""finefake: build and benchmark FineFake-style fake-news datasets.

The package is laid out by the nouns of the pipeline (crawlers, knowledge, annotation, dataset, features,
benchmarks, baselines); the records that travel between stages are plain dicts checked against ``schemas/``.
"""

__version__ = "0.1.0"
