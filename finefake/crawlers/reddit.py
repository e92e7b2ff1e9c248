"""Reddit with praw: submissions by id/URL (from Snopes links or given) or by subreddit/search listings.

Each submission becomes a raw_item with its title, self text, author, creation time, score, media (direct
image link, gallery items in order, or the preview's source image) and the comment tree flattened in
breadth-first order, its "load more comments" stubs expanded up to ``comment_limit`` comments (see
:func:`comments_of`). Credentials come from the environment
(``REDDIT_CLIENT_ID``, ``REDDIT_CLIENT_SECRET``, ``REDDIT_USER_AGENT``); application-only (read-only) OAuth.

To talk to a local server (demo, tests), set ``oauth_url`` / ``reddit_url`` in :class:`RedditConfig`: they are
praw's own endpoint settings, passed straight to ``praw.Reddit``; ``session`` hands praw a custom
``requests.Session`` through ``requestor_kwargs``.

Every API exchange (token request included, with its credentials left out and its token redacted) is archived
in the stage's WARC next to the images by an :class:`~finefake.crawlers.archive.ArchivingAdapter` mounted on
praw's session; ``replay`` rebuilds the same items from such an archive with no network and no credentials.
"""

from __future__ import annotations

import html
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import requests

from finefake.crawlers.archive import ArchivingAdapter
from finefake.crawlers.frontier import Task
from finefake.crawlers.http import Fetcher, HttpConfig
from finefake.crawlers.runner import CrawlReport, Outcome, store_images
from finefake.crawlers.session import config_dict, hosts_of, run_crawl
from finefake.crawlers.snopes import STAGE as SNOPES_STAGE
from finefake.crawlers.snopes import fact_check_of
from finefake.errors import FinefakeError, MissingCredentials
from finefake.ids import item_id
from finefake.workspace import Workspace

STAGE = "crawl/reddit"
ENV = ("REDDIT_CLIENT_ID", "REDDIT_CLIENT_SECRET", "REDDIT_USER_AGENT")
IMAGE_EXT = (".jpg", ".jpeg", ".png", ".gif", ".webp")
_ID = re.compile(r"^[a-z0-9]{3,12}$")
#: Comments kept per submission by default. Reddit's first answer holds ~88% of a thread; the rest hides
#: behind "load more comments" stubs that cost one API call each (about 100 comments per call).
COMMENT_LIMIT = 2000
#: Calls beyond the 100-comments-per-call estimate, for "continue this thread" stubs (a few comments each).
_EXTRA_CALLS = 8


@dataclass
class RedditConfig:
    """Everything ``finefake crawl reddit`` can be told."""

    ids: tuple[str, ...] = ()
    from_snopes: bool = True
    subreddits: tuple[str, ...] = ()
    query: str | None = None
    sort: str = "new"
    time_filter: str = "all"
    listing_limit: int = 100
    limit: int | None = None
    replace_more_limit: int | None = None
    comment_limit: int = COMMENT_LIMIT
    max_images: int = 10
    oauth_url: str = "https://oauth.reddit.com"
    reddit_url: str = "https://www.reddit.com"
    http: HttpConfig = field(default_factory=HttpConfig)
    replay: str | None = None
    session: Any = field(default=None, repr=False, compare=False)


def submission_id(value: str) -> str | None:
    """The base-36 id of a submission from an id, ``t3_`` fullname, or reddit.com / redd.it URL."""
    value = value.strip()
    if value.startswith("t3_"):
        value = value[3:]
    if _ID.match(value):
        return value
    parts = urlsplit(value)
    host = (parts.hostname or "").lower()
    bits = [b for b in parts.path.split("/") if b]
    if host == "redd.it" and bits and _ID.match(bits[0]):
        return bits[0]
    if host.endswith("reddit.com") and "comments" in bits:
        i = bits.index("comments")
        if i + 1 < len(bits) and _ID.match(bits[i + 1]):
            return bits[i + 1]
    return None


#: Credentials a replay hands praw: the archived token response answers its token request, so none are real.
REPLAY_CREDENTIALS = {"REDDIT_CLIENT_ID": "replay", "REDDIT_CLIENT_SECRET": "replay"}


def reddit_client(config: RedditConfig, session: requests.Session | None = None):
    """A read-only praw.Reddit from the environment's credentials (clear error when they are missing).

    A replay needs no credentials (placeholders stand in; its requests never leave the archive).
    """
    import praw

    env = (REPLAY_CREDENTIALS | {"REDDIT_USER_AGENT": "finefake-replay"}) if config.replay else {}
    env |= {name: os.environ[name] for name in ENV if os.environ.get(name)}
    missing = [name for name in ENV if not env.get(name)]
    if missing:
        raise MissingCredentials("Reddit (praw)", missing)
    kwargs: dict[str, Any] = {
        "client_id": env["REDDIT_CLIENT_ID"],
        "client_secret": env["REDDIT_CLIENT_SECRET"],
        "user_agent": env["REDDIT_USER_AGENT"],
        "oauth_url": config.oauth_url,
        "reddit_url": config.reddit_url,
        "check_for_updates": False,
        "check_for_async": False,
    }
    session = session if session is not None else config.session
    if session is not None:
        kwargs["requestor_kwargs"] = {"session": session}
    return praw.Reddit(**kwargs)


def _iso(ts: float | None) -> str | None:
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ") if ts else None


def media_of(submission) -> list[dict[str, Any]]:
    """Image URLs of a submission: gallery items in order, a direct image link, else the preview source."""
    data = vars(submission)
    out: list[dict[str, Any]] = []
    if data.get("is_gallery") and isinstance(data.get("gallery_data"), dict):
        metadata = data.get("media_metadata") or {}
        for entry in data["gallery_data"].get("items", []):
            source = (metadata.get(entry.get("media_id")) or {}).get("s") or {}
            url = source.get("u") or source.get("gif")
            if url:
                out.append({"url": html.unescape(url), "alt": entry.get("caption")})
    link = data.get("url") or ""
    if not out and (data.get("post_hint") == "image" or urlsplit(link).path.lower().endswith(IMAGE_EXT)):
        out.append({"url": link, "alt": None})
    if not out:
        for image in (data.get("preview") or {}).get("images", [])[:1]:
            url = (image.get("source") or {}).get("url")
            if url:
                out.append({"url": html.unescape(url), "alt": None})
    return out


def comments_of(
    submission, replace_more_limit: int | None, comment_limit: int
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The comment tree flattened breadth-first, expanded up to ``comment_limit`` comments, and its counts.

    Each "load more comments" stub costs one API call and brings at most 100 comments. A thread that reports
    no more than ``comment_limit`` comments is expanded completely; a larger one gets enough calls (largest
    stubs first) to reach the limit. ``replace_more_limit`` overrides that number of calls. What stays behind
    is reported: ``missing`` is the number of comments the thread reports minus those kept.
    """
    initial = len(submission.comments.list())
    reported = getattr(submission, "num_comments", None)
    budget = replace_more_limit
    if budget is None and isinstance(reported, int) and reported > comment_limit:
        budget = max(0, comment_limit - initial) // 100 + _EXTRA_CALLS
    left = submission.comments.replace_more(limit=budget)
    flat = submission.comments.list()
    out = []
    for comment in flat[:comment_limit]:
        out.append(
            {
                "id": comment.id,
                "author": str(comment.author) if comment.author else None,
                "text": comment.body or "",
                "created": _iso(getattr(comment, "created_utc", None)),
                "parent_id": comment.parent_id,
                "score": getattr(comment, "score", None),
            }
        )
    counts = {
        "kept": len(out),
        "reported": reported,
        "missing": max(0, reported - len(out)) if isinstance(reported, int) else None,
        "stubs_left": len(left),
        "limit": comment_limit,
    }
    return out, counts


class RedditHandler:
    def __init__(self, ws: Workspace, fetcher: Fetcher, reddit, config: RedditConfig, api: ArchivingAdapter):
        self.ws, self.fetcher, self.reddit, self.config, self.api = ws, fetcher, reddit, config, api
        self.comments_missing = 0
        self.threads_incomplete = 0

    def __call__(self, task: Task) -> Outcome:
        import praw.exceptions
        import prawcore

        try:
            if task.kind == "listing":
                return self._listing(task)
            return self._submission(task)
        except prawcore.exceptions.PrawcoreException as exc:
            return Outcome(error=f"reddit_{type(exc).__name__}:{exc}")
        except praw.exceptions.PRAWException as exc:
            return Outcome(error=f"reddit_{type(exc).__name__}:{exc}")

    def _listing(self, task: Task) -> Outcome:
        sub = self.reddit.subreddit(task.context["subreddit"])
        limit = self.config.listing_limit
        if task.context.get("query"):
            listing = sub.search(
                task.context["query"],
                sort="new" if self.config.sort == "new" else "relevance",
                time_filter=self.config.time_filter,
                limit=limit,
            )
        else:
            listing = getattr(sub, self.config.sort)(limit=limit)
        return Outcome(new_tasks=[Task(f"reddit:{s.id}", "submission", {"via": task.url}) for s in listing])

    def _submission(self, task: Task) -> Outcome:
        sid = task.url.split(":", 1)[1]
        submission = self.reddit.submission(id=sid)
        submission.comment_sort = "top"
        title = submission.title  # the first attribute access fetches the submission and its comments
        fetched_at = self.api.last_fetched_at  # that response's WARC-Date, the same when replayed
        comments, comment_counts = comments_of(
            submission, self.config.replace_more_limit, self.config.comment_limit
        )
        if comment_counts["missing"]:
            self.comments_missing += comment_counts["missing"]
            self.threads_incomplete += 1
        images = store_images(self.ws, self.fetcher, media_of(submission), self.config.max_images)
        metadata = {
            "subreddit": str(submission.subreddit),
            "score": submission.score,
            "num_comments": submission.num_comments,
            "upvote_ratio": getattr(submission, "upvote_ratio", None),
            "link_url": submission.url,
            "over_18": submission.over_18,
            "comments": comment_counts,
        }
        metadata |= {k: task.context[k] for k in ("snopes_id", "via") if task.context.get(k)}
        return Outcome(
            items=[
                {
                    "id": item_id("reddit", platform_id=sid),
                    "platform": "reddit",
                    "url": f"https://www.reddit.com{submission.permalink}",
                    "title": title,
                    "text": submission.selftext or "",
                    "authors": [str(submission.author)] if submission.author else [],
                    "published": _iso(submission.created_utc),
                    "images": images,
                    "comments": comments,
                    "fact_check": task.context.get("fact_check"),
                    "topic": task.context.get("topic"),
                    "fetched_at": fetched_at,
                    "metadata": metadata,
                }
            ]
        )


def seed_tasks(ws: Workspace, config: RedditConfig) -> list[Task]:
    tasks: list[Task] = []
    for value in config.ids:
        sid = submission_id(value)
        if sid is None:
            raise FinefakeError(f"not a Reddit submission id or URL: {value!r}")
        tasks.append(Task(f"reddit:{sid}", "submission", {"via": "id"}))
    for name in config.subreddits or (("all",) if config.query else ()):
        key = f"reddit-listing:{name}:{config.sort}:{config.query or ''}"
        tasks.append(Task(key, "listing", {"subreddit": name, "query": config.query}))
    if config.from_snopes and ws.has_records(SNOPES_STAGE):
        for item in ws.read(SNOPES_STAGE):
            for link in item.get("links") or []:
                sid = submission_id(link) if "redd" in link else None
                if sid:
                    tasks.append(Task(f"reddit:{sid}", "submission", fact_check_of(item) | {"via": "snopes"}))
    if not tasks:
        raise FinefakeError(
            "nothing to crawl on Reddit: give ids/URLs, subreddits or a query, or crawl snopes first"
        )
    return tasks


def crawl_reddit(ws: Workspace, config: RedditConfig) -> CrawlReport:
    """Crawl Reddit submissions into ``crawl/reddit`` (resumable; API responses and images archived in WARC).

    With ``config.replay`` (a WARC file or folder) the items are rebuilt from the archive with no network.
    """
    session = config.session if config.session is not None else requests.Session()
    reddit = reddit_client(config, session)

    def handler(fetcher: Fetcher) -> RedditHandler:
        api = ArchivingAdapter(fetcher.archive, replay=fetcher.replay)
        session.mount("https://", api)
        session.mount("http://", api)
        return RedditHandler(ws, fetcher, reddit, config, api)

    return run_crawl(
        ws,
        STAGE,
        config.http,
        seed_tasks(ws, config),
        handler,
        inputs=[SNOPES_STAGE] if config.from_snopes else [],
        settings=config_dict(config),
        replay=config.replay,
        allow_hosts=hosts_of([config.oauth_url, config.reddit_url]),
        finish=lambda handler, report: {
            "comments_missing": handler.comments_missing,
            "threads_incomplete": handler.threads_incomplete,
        },
        limit=config.limit,
        workers=1,
        per_host=1,
        commit_every=20,
        description="reddit",
    )
