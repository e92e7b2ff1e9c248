"""Crawl stages: Snopes, news sites, Reddit, Twitter/X -> ``crawl/<source>``, then ``clean`` (its own package).

Stage functions (each takes the Workspace and a config dataclass, no globals):

- :func:`finefake.crawlers.snopes.crawl_snopes` (``SnopesConfig``) -> ``crawl/snopes``
- :func:`finefake.crawlers.news.crawl_news` (``NewsConfig``) -> ``crawl/news``
- :func:`finefake.crawlers.reddit.crawl_reddit` (``RedditConfig``) -> ``crawl/reddit``
- :func:`finefake.crawlers.twitter.crawl_twitter` (``TwitterConfig``) -> ``crawl/twitter``
- :func:`finefake.clean.engines.clean` (``CleanConfig``, package :mod:`finefake.clean`) -> ``clean`` (+ report.json,
  duplicate_clusters.json)

The crawlers share :mod:`~finefake.crawlers.http` (politeness, safety, retries), :mod:`~finefake.crawlers.frontier`
(SQLite state), :mod:`~finefake.crawlers.archive` (WARC write/replay) and :mod:`~finefake.crawlers.runner` (the
resumable crawl loop). Modules are imported on use so that ``finefake --help`` stays fast.
"""
