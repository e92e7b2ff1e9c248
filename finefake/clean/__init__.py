"""The clean stage: ``crawl/*`` raw_items -> English multimodal ``clean`` news_items, duplicates clustered.

- :mod:`~finefake.clean.config`: ``CleanConfig`` (what the stage can be told);
- :mod:`~finefake.clean.filters`: the per-record filters and the news_item they produce;
- :mod:`~finefake.clean.dedup`: the duplicate rules (MinHash LSH, pHash bands, clusters);
- :mod:`~finefake.clean.stage`: the stage over a batch of records and its local driver;
- :mod:`~finefake.clean.ray_engine`: the same rules on a Ray cluster;
- :mod:`~finefake.clean.engines`: :func:`~finefake.clean.engines.clean`, which picks the engine.

Engines import the stage, never the reverse. Modules are imported on use so that ``finefake --help`` stays fast.
"""
