"""CLI verbs ``finefake crawl snopes|news|reddit|twitter`` and ``finefake clean``.

Options override the ``crawl`` / ``clean`` sections of the config file (``crawl: {snopes: {...}, http: {...}}``).
The commands only build configuration and call the stage functions of :mod:`finefake.crawlers`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from finefake.cli.engine import ENGINE_OPTION, RAY_ADDRESS_OPTION
from finefake.console import console

crawl_app = typer.Typer(
    help="Collect raw items (stages crawl/<source>), politely, resumably, archived as WARC.",
    no_args_is_help=True,
)

RATE = typer.Option(None, "--rate", min=0.01, help="Requests per second per host (default 1).")
USER_AGENT = typer.Option(None, "--user-agent", help="User-Agent with a contact (default names finefake).")
ALLOW = typer.Option(None, "--allow-host", help="Private/loopback host (or host:port) that may be fetched.")
LIMIT = typer.Option(None, "--limit", min=1, help="Stop after this many items in the stage.")
SINCE = typer.Option(None, "--since", help="Skip items published before this date (YYYY-MM-DD).")
REPLAY = typer.Option(
    None, "--replay", exists=True, help="Rebuild the items from this WARC file/folder with no network at all."
)


def _settings(ctx: typer.Context, name: str, options: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """Merge config-file section values with the options given on the command line (those win)."""
    from finefake.cli import get_context
    from finefake.crawlers.http import HttpConfig

    cli = get_context(ctx)
    section = cli.section("crawl")
    source = dict(section.get(name) or {})
    http_values = dict(section.get("http") or {}) | dict(source.pop("http", {}) or {})
    for key, value in options.pop("http", {}).items():
        if value is not None and value != []:
            http_values[key] = value
    if "allowed_private_hosts" in http_values:
        http_values["allowed_private_hosts"] = tuple(http_values["allowed_private_hosts"])
    source.update(
        {k: (tuple(v) if isinstance(v, list) else v) for k, v in options.items() if v is not None and v != []}
    )
    try:
        http = HttpConfig(**http_values)
    except TypeError as exc:
        from finefake.errors import FinefakeError

        raise FinefakeError(f"crawl.http config: {exc}") from exc
    return source | {"http": http}, cli.workspace


def _build(cls, values: dict[str, Any]):
    from finefake.errors import FinefakeError

    known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__}
    unknown = sorted(set(values) - set(known))
    if unknown:
        raise FinefakeError(f"unknown {cls.__name__} option(s): {', '.join(unknown)}")
    return cls(**known)


def _print(report, source: str, ws) -> None:
    stage = (ws.root / report.stage).resolve()
    console.print(
        f"{source}: {report.items_written} new item(s), {report.items_total} in {stage}; "
        f"tasks {report.tasks}; {report.network_requests} network request(s)"
    )
    if report.failure_reasons:
        console.print(f"[yellow]failures:[/] {report.failure_reasons} (details in {stage / 'manifest.json'})")
    if report.image_errors:
        console.print(f"[yellow]images not stored:[/] {report.image_errors}")
    if report.ratings:
        console.print(f"ratings: {report.ratings}")


def _http(rate, user_agent, allow) -> dict[str, Any]:
    return {"rate": rate, "user_agent": user_agent, "allowed_private_hosts": allow}


@crawl_app.command("snopes")
def snopes_command(
    ctx: typer.Context,
    base_url: str = typer.Option(None, "--base-url", help="Site root (default https://www.snopes.com)."),
    start_url: list[str] = typer.Option(None, "--start-url", help="Listing or fact-check URL to start from."),
    rating: list[str] = typer.Option(None, "--rating", help="Only these ratings' listings (e.g. false)."),
    category: list[str] = typer.Option(None, "--category", help="Only these categories' listings."),
    since: str = SINCE,
    limit: int = LIMIT,
    max_pages: int = typer.Option(None, "--max-pages", min=1, help="Listing pages to walk per entry point."),
    replay: Path = REPLAY,
    rate: float = RATE,
    user_agent: str = USER_AGENT,
    allow_host: list[str] = ALLOW,
    workers: int = typer.Option(None, "--workers", min=1, help="Concurrent fetches (default 8)."),
) -> None:
    """Crawl Snopes fact-checks (claim, rating, categories, images, source links) into crawl/snopes."""
    from finefake.crawlers.snopes import SnopesConfig, crawl_snopes

    values, ws = _settings(
        ctx,
        "snopes",
        {
            "base_url": base_url,
            "start_urls": start_url,
            "ratings": rating,
            "categories": category,
            "since": since,
            "limit": limit,
            "max_pages": max_pages,
            "replay": str(replay) if replay else None,
            "workers": workers,
            "http": _http(rate, user_agent, allow_host),
        },
    )
    _print(crawl_snopes(ws, _build(SnopesConfig, values)), "snopes", ws)


@crawl_app.command("news")
def news_command(
    ctx: typer.Context,
    url: list[str] = typer.Option(None, "--url", help="Article URL to crawl."),
    sitemap: list[str] = typer.Option(None, "--sitemap", help="Sitemap, sitemap index or RSS/Atom feed."),
    from_snopes: bool = typer.Option(
        None, "--from-snopes/--no-from-snopes", help="Follow the source links of crawl/snopes (default on)."
    ),
    platform: list[str] = typer.Option(None, "--platform", help="Only these platforms (apnews, cnn, ...)."),
    host_platform: list[str] = typer.Option(
        None, "--host-platform", help="HOST=PLATFORM for hosts outside the known domains."
    ),
    since: str = SINCE,
    limit: int = LIMIT,
    replay: Path = REPLAY,
    rate: float = RATE,
    user_agent: str = USER_AGENT,
    allow_host: list[str] = ALLOW,
) -> None:
    """Crawl news articles (AP News, CNN, NYTimes, Washington Post, CDC) into crawl/news."""
    from finefake.crawlers.news import NewsConfig, crawl_news
    from finefake.errors import FinefakeError

    mapping = {}
    for pair in host_platform or []:
        host, sep, name = pair.partition("=")
        if not sep:
            raise FinefakeError(f"--host-platform expects HOST=PLATFORM, got {pair!r}")
        mapping[host.strip()] = name.strip()
    values, ws = _settings(
        ctx,
        "news",
        {
            "urls": url,
            "sitemaps": sitemap,
            "from_snopes": from_snopes,
            "platforms": platform,
            "host_platforms": mapping or None,
            "since": since,
            "limit": limit,
            "replay": str(replay) if replay else None,
            "http": _http(rate, user_agent, allow_host),
        },
    )
    _print(crawl_news(ws, _build(NewsConfig, values)), "news", ws)


@crawl_app.command("reddit")
def reddit_command(
    ctx: typer.Context,
    submission: list[str] = typer.Option(None, "--id", help="Submission id or URL."),
    subreddit: list[str] = typer.Option(None, "--subreddit", help="Subreddit to list."),
    query: str = typer.Option(None, "--query", help="Search query (in --subreddit, or r/all)."),
    from_snopes: bool = typer.Option(None, "--from-snopes/--no-from-snopes", help="Follow Snopes links."),
    comment_limit: int = typer.Option(
        None,
        "--comment-limit",
        min=0,
        help="Comments kept per submission; the whole tree is fetched up to it (default 2000).",
    ),
    replace_more: int = typer.Option(
        None,
        "--replace-more",
        min=0,
        help="Cap on 'load more comments' calls (default: as --comment-limit needs).",
    ),
    limit: int = LIMIT,
    oauth_url: str = typer.Option(None, "--oauth-url", help="API endpoint (local servers; default Reddit)."),
    reddit_url: str = typer.Option(None, "--reddit-url", help="Token endpoint host (default Reddit)."),
    replay: Path = REPLAY,
    rate: float = RATE,
    allow_host: list[str] = ALLOW,
) -> None:
    """Crawl Reddit submissions with praw (REDDIT_CLIENT_ID/SECRET/USER_AGENT) into crawl/reddit.

    API responses and images are archived as WARC; --replay rebuilds the items from it (no credentials needed).
    """
    from finefake.crawlers.reddit import RedditConfig, crawl_reddit

    values, ws = _settings(
        ctx,
        "reddit",
        {
            "ids": submission,
            "subreddits": subreddit,
            "query": query,
            "from_snopes": from_snopes,
            "replace_more_limit": replace_more,
            "comment_limit": comment_limit,
            "limit": limit,
            "oauth_url": oauth_url,
            "reddit_url": reddit_url,
            "replay": str(replay) if replay else None,
            "http": _http(rate, None, allow_host),
        },
    )
    _print(crawl_reddit(ws, _build(RedditConfig, values)), "reddit", ws)


@crawl_app.command("twitter")
def twitter_command(
    ctx: typer.Context,
    tweet: list[str] = typer.Option(None, "--id", help="Tweet id or status URL."),
    query: str = typer.Option(None, "--query", help="Recent-search query."),
    search_pages: int = typer.Option(None, "--search-pages", min=1, help="Result pages of the search."),
    replies: bool = typer.Option(None, "--replies/--no-replies", help="Collect replies (tier permitting)."),
    from_snopes: bool = typer.Option(None, "--from-snopes/--no-from-snopes", help="Follow Snopes links."),
    limit: int = LIMIT,
    api_base: str = typer.Option(
        None, "--api-base", help="API base URL (local servers; default api.twitter.com)."
    ),
    replay: Path = REPLAY,
    rate: float = RATE,
    allow_host: list[str] = ALLOW,
) -> None:
    """Crawl tweets with tweepy's API v2 Client (TWITTER_BEARER_TOKEN) into crawl/twitter.

    API responses and images are archived as WARC; --replay rebuilds the items from it (no token needed).
    """
    from finefake.crawlers.twitter import TwitterConfig, crawl_twitter

    values, ws = _settings(
        ctx,
        "twitter",
        {
            "ids": tweet,
            "query": query,
            "search_pages": search_pages,
            "replies": replies,
            "from_snopes": from_snopes,
            "limit": limit,
            "api_base": api_base,
            "replay": str(replay) if replay else None,
            "http": _http(rate, None, allow_host),
        },
    )
    _print(crawl_twitter(ws, _build(TwitterConfig, values)), "twitter", ws)


def clean_command(
    ctx: typer.Context,
    min_chars: int = typer.Option(
        None, "--min-chars", min=0, help="Drop texts shorter than this (default 40)."
    ),
    text_threshold: float = typer.Option(
        None,
        "--text-threshold",
        min=0.0,
        max=1.0,
        help="MinHash Jaccard for near-duplicate texts (default 0.6).",
    ),
    image_distance: int = typer.Option(
        None,
        "--image-distance",
        min=0,
        max=64,
        help="pHash Hamming distance for near-duplicate images (default 4).",
    ),
    near_duplicates: str = typer.Option(
        None, "--near-duplicates", help="'drop' (default) or 'keep' them, sharing a duplicate_cluster."
    ),
    default_topic: str = typer.Option(None, "--default-topic", help="Topic for items without a fact-check."),
    stage: list[str] = typer.Option(None, "--stage", help="Crawl stages to read (default: every crawl/*)."),
    require_image: bool = typer.Option(
        None,
        "--require-image/--allow-text-only",
        help="Drop items without a usable image (default), or keep them (text-only corpora).",
    ),
    engine: str = ENGINE_OPTION,
    ray_address: str = RAY_ADDRESS_OPTION,
) -> None:
    """Keep English multimodal items, drop duplicates and bad images; write stage clean + report.json."""
    from finefake.clean.config import CleanConfig
    from finefake.clean.engines import clean
    from finefake.cli import get_context
    from finefake.cli.engine import engine_config

    cli = get_context(ctx)
    values = dict(cli.section("clean"))
    options = {
        "min_chars": min_chars,
        "text_threshold": text_threshold,
        "image_distance": image_distance,
        "near_duplicates": near_duplicates,
        "default_topic": default_topic,
        "stages": stage,
        "require_image": require_image,
    }
    values.update(
        {k: (tuple(v) if isinstance(v, list) else v) for k, v in options.items() if v not in (None, [])}
    )
    report = clean(cli.workspace, _build(CleanConfig, values), engine_config(ctx, engine, ray_address))
    console.print(
        f"clean: kept {report.totals['kept']} of {report.totals['input']}; dropped "
        f"{report.totals['dropped']}; {report.clusters} duplicate cluster(s); see "
        f"{cli.workspace.root / 'clean' / 'report.json'}"
    )


@crawl_app.command("claimreview")
def claimreview_command(
    ctx: typer.Context,
    feed: Path = typer.Option(
        None,
        "--feed",
        exists=True,
        dir_okay=False,
        help="A downloaded ClaimReview data feed (Data Commons JSON).",
    ),
    query: str = typer.Option(
        None, "--query", help="Search the Fact Check Tools API (key in FACTCHECK_API_KEY or GOOGLE_API_KEY)."
    ),
    publisher: list[str] = typer.Option(
        None, "--publisher", help="Keep only this publisher (name or site, e.g. politifact.com); repeatable."
    ),
    language: str = typer.Option(None, "--language", help="API languageCode filter, e.g. en."),
    max_age_days: int = typer.Option(None, "--max-age-days", min=1, help="API: reviews at most this old."),
    limit: int = LIMIT,
    pages: bool = typer.Option(
        None,
        "--pages/--no-pages",
        help="Fetch each fact-check's page: its article text, authors, images, as items in crawl/factchecks.",
    ),
) -> None:
    """Collect fact-checks of every publisher from ClaimReview markup into crawl/claimreview.

    Their appearances (the claims' source links) feed `finefake crawl news` like Snopes' source links do.
    With --pages, each fact-check's page becomes an item (text, authors, images, label from the page's
    rating) in crawl/factchecks, which `finefake clean` takes in.
    """
    from finefake.crawlers.claimreview import ClaimReviewConfig, crawl_claimreview

    values, ws = _settings(
        ctx,
        "claimreview",
        {
            "feed": feed,
            "query": query,
            "publishers": publisher,
            "language": language,
            "max_age_days": max_age_days,
            "limit": limit,
            "pages": pages,
        },
    )
    report = crawl_claimreview(ws, _build(ClaimReviewConfig, values))
    console.print(
        f"claimreview: {report.written} fact-check(s) in {(ws.root / STAGE_CLAIMREVIEW).resolve()} "
        f"(verdicts {report.verdicts}); "
        f"{report.skipped_publisher} other publisher(s), {report.skipped_duplicate} duplicate(s), "
        f"{report.skipped_bad} unusable; {report.api_pages} API page(s)"
    )
    if report.pages:
        console.print(f"fact-check pages: {report.pages}")
        console.print(f"fact-check items: {report.items} in {(ws.root / 'crawl' / 'factchecks').resolve()}")
    console.print(f"ratings: {report.ratings}")
    if report.rejected:
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(report.rejected.items()))
        console.print(f"[yellow]rejected:[/] {reasons} (counts in the stage manifest)")


STAGE_CLAIMREVIEW = "crawl/claimreview"


def register(app: typer.Typer) -> None:
    app.add_typer(crawl_app, name="crawl")
    app.command("clean")(clean_command)
