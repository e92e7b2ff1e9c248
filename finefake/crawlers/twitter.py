"""Twitter/X with tweepy ``Client`` (API v2): tweets by id (from Snopes links or given) or a recent search.

Requests ask for the ``attachments.media_keys`` and ``author_id`` expansions; media URLs and author names are
joined from ``includes``. Replies are gathered by ``conversation_id`` search where the account's access tier
allows it. Access tiers differ and change often, so every API error is recorded (per batch, per tweet id, or
once for replies) and the crawl goes on with what it can fetch; ``wait_on_rate_limit`` waits out 429s.

The bearer token comes from ``TWITTER_BEARER_TOKEN``. tweepy hard-codes ``https://api.twitter.com``; to use
another base URL (a local server for the demo and tests) :func:`twitter_client` mounts a
:class:`RebaseAdapter` on the client's own ``requests.Session``: requests to the API host are rewritten to
``api_base`` at the transport level, so every tweepy code path (auth header, errors, rate limits) still runs.

Every API exchange is archived in the stage's WARC next to the images (under the ``api.twitter.com`` URL
tweepy asked for, the bearer token left out) by an :class:`~finefake.crawlers.archive.ArchivingAdapter` that
also does the rebasing; ``replay`` rebuilds the same items from such an archive with no network and no token.
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests

from finefake.crawlers.archive import ArchivingAdapter
from finefake.crawlers.extract import parse_date
from finefake.crawlers.frontier import Task
from finefake.crawlers.http import Fetcher, HttpConfig
from finefake.crawlers.runner import CrawlReport, Outcome, store_images
from finefake.crawlers.session import config_dict, hosts_of, run_crawl
from finefake.crawlers.snopes import STAGE as SNOPES_STAGE
from finefake.crawlers.snopes import fact_check_of
from finefake.errors import FinefakeError, MissingCredentials
from finefake.ids import item_id
from finefake.workspace import Workspace

STAGE = "crawl/twitter"
API_HOST = "https://api.twitter.com"
TWEET_FIELDS = [
    "created_at",
    "author_id",
    "conversation_id",
    "public_metrics",
    "lang",
    "entities",
    "attachments",
    "in_reply_to_user_id",
    "referenced_tweets",
    "edit_history_tweet_ids",
]
MEDIA_FIELDS = [
    "url",
    "preview_image_url",
    "type",
    "width",
    "height",
    "alt_text",
    "media_key",
    "variants",
    "duration_ms",
]
USER_FIELDS = ["username", "name"]
#: Referenced tweets (a retweet's original, a quote, a reply's parent) and the later versions of an edited
#: tweet come back in ``includes.tweets``; their media in ``includes.media``.
EXPANSIONS = [
    "attachments.media_keys",
    "author_id",
    "referenced_tweets.id",
    "referenced_tweets.id.attachments.media_keys",
    "edit_history_tweet_ids",
]
_STATUS = re.compile(r"/status(?:es)?/(\d{1,25})(?:/|$)")


@dataclass
class TwitterConfig:
    """Everything ``finefake crawl twitter`` can be told."""

    ids: tuple[str, ...] = ()
    from_snopes: bool = True
    query: str | None = None
    search_pages: int = 1
    max_results: int = 100
    replies: bool = True
    max_replies: int = 100
    limit: int | None = None
    max_images: int = 4
    api_base: str = API_HOST
    wait_on_rate_limit: bool = True
    http: HttpConfig = field(default_factory=HttpConfig)
    replay: str | None = None


class RebaseAdapter(requests.adapters.HTTPAdapter):
    """Sends requests for ``https://api.twitter.com/...`` to ``base`` instead (same path and query)."""

    def __init__(self, base: str, **kwargs: Any):
        self.base = base.rstrip("/")
        super().__init__(**kwargs)

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        if request.url and request.url.startswith(API_HOST):
            request.url = self.base + request.url[len(API_HOST) :]
        return super().send(request, **kwargs)


def twitter_client(config: TwitterConfig):
    """A tweepy.Client with the bearer token from the environment (and a rebased API host if configured).

    A replay needs no token (a placeholder stands in; its requests never leave the archive).
    """
    import tweepy

    token = os.environ.get("TWITTER_BEARER_TOKEN") or ("replay" if config.replay else None)
    if not token:
        raise MissingCredentials("Twitter/X API v2 (tweepy)", ["TWITTER_BEARER_TOKEN"])
    client = tweepy.Client(bearer_token=token, wait_on_rate_limit=config.wait_on_rate_limit)
    if config.api_base.rstrip("/") != API_HOST:
        client.session.mount(API_HOST, RebaseAdapter(config.api_base))
    return client


def tweet_id(value: str) -> str | None:
    value = value.strip()
    if value.isdigit():
        return value
    host = (urlsplit(value).hostname or "").lower()
    if any(host == d or host.endswith("." + d) for d in ("twitter.com", "x.com")):
        match = _STATUS.search(urlsplit(value).path)
        return match.group(1) if match else None
    return None


def _describe(exc: Exception) -> str:
    import tweepy

    if isinstance(exc, tweepy.HTTPException):
        detail = "; ".join(exc.api_messages) or str(exc)
        return f"twitter_{exc.response.status_code}:{detail[:300]}"
    return f"twitter_{type(exc).__name__}:{str(exc)[:300]}"


def _is_tweet_error(error: dict[str, Any], asked: set[str]) -> bool:
    """Whether an entry of a response's ``errors`` says that an asked-for tweet could not be fetched.

    The same array also reports expanded objects that are gone (a suspended mentioned user, a deleted
    quoted tweet): those are not unfetched tweets of this crawl.
    """
    value = str(error.get("value") or error.get("resource_id") or "")
    if error.get("resource_type") not in (None, "tweet"):
        return False
    return value in asked or error.get("parameter") in ("ids", "id")


def best_mp4(variants: list[dict[str, Any]] | None) -> str | None:
    """The highest-bit-rate MP4 of a video or GIF's ``variants`` (HLS playlists are skipped)."""
    mp4 = [v for v in variants or [] if v.get("content_type") == "video/mp4" and v.get("url")]
    return max(mp4, key=lambda v: v.get("bit_rate") or 0)["url"] if mp4 else None


def media_of(objects: list) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Images to store (photos, and the preview frame of videos/GIFs) and the videos' playable files."""
    images, videos = [], []
    for m in objects:
        url = m.url or m.preview_image_url
        if url:
            images.append({"url": url, "alt": getattr(m, "alt_text", None)})
        if m.type in ("video", "animated_gif"):
            videos.append(
                {
                    "media_key": m.media_key,
                    "type": m.type,
                    "preview": m.preview_image_url,
                    "mp4": best_mp4(m.variants),
                    "variants": list(m.variants or []),
                    "duration_ms": m.duration_ms,
                }
            )
    return images, videos


def _latest_version(tweet, referenced: dict) -> tuple[Any, dict[str, Any] | None]:
    """The latest version of a tweet (the last of ``edit_history_tweet_ids``) and a note of the edit.

    Looking a tweet up by an older id returns that older text; the ``edit_history_tweet_ids`` expansion brings
    the later versions, so the item keeps the latest text and records the chain.
    """
    history = [str(i) for i in (getattr(tweet, "edit_history_tweet_ids", None) or [])]
    if len(history) <= 1:
        return tweet, None
    latest_id = history[-1]
    latest = tweet if str(tweet.id) == latest_id else referenced.get(latest_id)
    edit = {"history": history, "latest_id": latest_id, "fetched_id": str(tweet.id)}
    if latest is None:
        edit["latest_missing"] = True
        return tweet, edit
    if latest is not tweet:
        edit["original_text"] = tweet.text
    return latest, edit


class TwitterHandler:
    def __init__(self, ws: Workspace, fetcher: Fetcher, client, config: TwitterConfig, api: ArchivingAdapter):
        self.ws, self.fetcher, self.client, self.config, self.api = ws, fetcher, client, config, api
        self.replies_unavailable: str | None = None
        self.unfetched: list[dict[str, str]] = []
        self.partial_errors: list[dict[str, str]] = []

    def __call__(self, task: Task) -> Outcome:
        import tweepy

        fields_ = {
            "expansions": EXPANSIONS,
            "tweet_fields": TWEET_FIELDS,
            "media_fields": MEDIA_FIELDS,
            "user_fields": USER_FIELDS,
        }
        try:
            if task.kind == "ids":
                response = self.client.get_tweets(task.context["ids"], **fields_)
                new_tasks: list[Task] = []
            else:
                params = dict(fields_, max_results=self.config.max_results)
                if task.context.get("next_token"):
                    params["next_token"] = task.context["next_token"]
                response = self.client.search_recent_tweets(task.context["query"], **params)
                token = (response.meta or {}).get("next_token")
                page = task.context.get("page", 1)
                new_tasks = (
                    [
                        Task(
                            f"twitter:search:{task.context['query']}:{token}",
                            "search",
                            {"query": task.context["query"], "next_token": token, "page": page + 1},
                        )
                    ]
                    if token and page < self.config.search_pages
                    else []
                )
        except (tweepy.TweepyException, requests.RequestException) as exc:
            return Outcome(error=_describe(exc))
        fetched_at = self.api.last_fetched_at  # this response's WARC-Date, the same when replayed
        asked = set(task.context.get("ids") or [])
        for error in response.errors or []:
            if _is_tweet_error(error, asked):
                self.unfetched.append(
                    {
                        "id": str(error.get("value") or error.get("resource_id")),
                        "error": f"{error.get('title')}: {error.get('detail')}",
                    }
                )
            else:
                self.partial_errors.append(
                    {
                        "resource_type": str(error.get("resource_type") or ""),
                        "value": str(error.get("value") or error.get("resource_id") or ""),
                        "error": f"{error.get('title')}: {error.get('detail')}",
                    }
                )
        includes = response.includes or {}
        media = {m.media_key: m for m in includes.get("media", [])}
        users = {str(u.id): u for u in includes.get("users", [])}
        referenced = {str(t.id): t for t in includes.get("tweets", [])}
        contexts = task.context.get("contexts", {})
        items = [
            self._item(tweet, media, users, referenced, contexts.get(str(tweet.id), {}), fetched_at)
            for tweet in response.data or []
        ]
        return Outcome(items=items, new_tasks=new_tasks)

    def _item(
        self,
        tweet,
        media: dict,
        users: dict,
        referenced: dict,
        context: dict[str, Any],
        fetched_at: str,
    ) -> dict[str, Any]:
        user = users.get(str(tweet.author_id))
        username = user.username if user is not None else None
        refs = [{"type": str(r["type"]), "id": str(r["id"])} for r in (tweet.referenced_tweets or [])]
        latest, edit = _latest_version(tweet, referenced)
        original = next((referenced.get(r["id"]) for r in refs if r["type"] == "retweeted"), None)
        # A retweet's own text is "RT @user: " and the original cut to 140 characters; the original's full
        # text (and its media) come with the referenced_tweets.id expansion.
        shown = original if original is not None else latest
        media_keys = (shown.attachments or {}).get("media_keys") or (tweet.attachments or {}).get(
            "media_keys", []
        )
        images, videos = media_of([media[k] for k in media_keys if k in media])
        stored = store_images(self.ws, self.fetcher, images, self.config.max_images)
        metadata: dict[str, Any] = {
            "conversation_id": str(tweet.conversation_id or ""),
            "lang": tweet.lang,
            "public_metrics": tweet.public_metrics,
            "username": username,
            "referenced_tweets": refs,
            "replied_to": next((r["id"] for r in refs if r["type"] == "replied_to"), None),
            "quoted": next((r["id"] for r in refs if r["type"] == "quoted"), None),
        }
        if original is not None:
            metadata["retweet_of"] = str(original.id)
            metadata["retweet_text"] = tweet.text
            original_user = users.get(str(original.author_id))
            metadata["retweet_author"] = original_user.username if original_user is not None else None
        elif any(r["type"] == "retweeted" for r in refs):
            metadata["retweet_of"] = next(r["id"] for r in refs if r["type"] == "retweeted")
            metadata["retweet_truncated"] = True  # the original was not in includes (deleted or withheld)
        if edit:
            metadata["edit"] = edit
        if videos:
            metadata["videos"] = videos
        metadata |= {k: context[k] for k in ("snopes_id", "via") if context.get(k)}
        comments = []
        if self.config.replies and tweet.conversation_id:
            comments, note = self._replies(str(tweet.conversation_id), str(tweet.id))
            if note:
                metadata["replies"] = note
        return {
            "id": item_id("twitter", platform_id=str(tweet.id)),
            "platform": "twitter",
            "url": f"https://twitter.com/{username or 'i/web'}/status/{tweet.id}",
            "title": "",
            "text": shown.text or "",
            "authors": [f"@{username}"] if username else [],
            "published": parse_date(tweet.created_at.isoformat()) if tweet.created_at else None,
            "images": stored,
            "comments": comments,
            "fact_check": context.get("fact_check"),
            "topic": context.get("topic"),
            "fetched_at": fetched_at,
            "metadata": metadata,
        }

    def _replies(self, conversation_id: str, root_id: str) -> tuple[list[dict[str, Any]], str | None]:
        import tweepy

        if self.replies_unavailable:
            return [], self.replies_unavailable
        try:
            response = self.client.search_recent_tweets(
                f"conversation_id:{conversation_id}",
                tweet_fields=TWEET_FIELDS,
                expansions=["author_id"],
                user_fields=USER_FIELDS,
                max_results=min(100, max(10, self.config.max_replies)),
            )
        except (tweepy.Forbidden, tweepy.Unauthorized) as exc:
            self.replies_unavailable = f"unavailable for this access tier ({_describe(exc)})"
            return [], self.replies_unavailable
        except (tweepy.TweepyException, requests.RequestException) as exc:
            return [], f"failed ({_describe(exc)})"
        users = {str(u.id): u.username for u in (response.includes or {}).get("users", [])}
        out = []
        for reply in (response.data or [])[: self.config.max_replies]:
            if str(reply.id) == root_id:
                continue
            parent = next(
                (r["id"] for r in (reply.referenced_tweets or []) if r["type"] == "replied_to"), None
            )
            out.append(
                {
                    "id": str(reply.id),
                    "author": users.get(str(reply.author_id)),
                    "text": reply.text,
                    "created": parse_date(reply.created_at.isoformat()) if reply.created_at else None,
                    "parent_id": str(parent) if parent else None,
                    "score": (reply.public_metrics or {}).get("like_count"),
                }
            )
        return out, None


def seed_tasks(ws: Workspace, config: TwitterConfig) -> list[Task]:
    """Batches of up to 100 ids (one API call each) and the first search page."""
    contexts: dict[str, dict[str, Any]] = {}
    for value in config.ids:
        tid = tweet_id(value)
        if tid is None:
            raise FinefakeError(f"not a tweet id or status URL: {value!r}")
        contexts.setdefault(tid, {"via": "id"})
    if config.from_snopes and ws.has_records(SNOPES_STAGE):
        for item in ws.read(SNOPES_STAGE):
            for link in item.get("links") or []:
                tid = tweet_id(link) if "://" in link else None
                if tid:
                    contexts.setdefault(tid, fact_check_of(item) | {"via": "snopes"})
    tasks = []
    ids = sorted(contexts, key=int)
    for start in range(0, len(ids), 100):
        batch = ids[start : start + 100]
        key = hashlib.sha1(",".join(batch).encode()).hexdigest()[:16]
        tasks.append(
            Task(f"twitter:ids:{key}", "ids", {"ids": batch, "contexts": {i: contexts[i] for i in batch}})
        )
    if config.query:
        tasks.append(Task(f"twitter:search:{config.query}", "search", {"query": config.query, "page": 1}))
    if not tasks:
        raise FinefakeError(
            "nothing to crawl on Twitter: give tweet ids/URLs or a query, or crawl snopes first"
        )
    return tasks


def crawl_twitter(ws: Workspace, config: TwitterConfig) -> CrawlReport:
    """Crawl tweets into ``crawl/twitter``; API failures are recorded, never fatal.

    API responses are archived in the stage's WARC; with ``config.replay`` (a WARC file or folder) the items are
    rebuilt from the archive with no network.
    """
    client = twitter_client(config)

    def handler(fetcher: Fetcher) -> TwitterHandler:
        api = ArchivingAdapter(fetcher.archive, replay=fetcher.replay, rebase={API_HOST: config.api_base})
        client.session.mount("https://", api)
        client.session.mount("http://", api)
        client.session.mount(API_HOST, api)  # replaces the RebaseAdapter: this one rebases too
        return TwitterHandler(ws, fetcher, client, config, api)

    def finish(handler: TwitterHandler, report: CrawlReport) -> dict[str, int]:
        report.failures = report.failures + handler.unfetched
        if handler.replies_unavailable:
            report.failure_reasons["replies_unavailable"] = 1
        return {"tweets_unfetched": len(handler.unfetched), "expansion_errors": len(handler.partial_errors)}

    return run_crawl(
        ws,
        STAGE,
        config.http,
        seed_tasks(ws, config),
        handler,
        inputs=[SNOPES_STAGE] if config.from_snopes else [],
        settings=config_dict(config),
        replay=config.replay,
        allow_hosts=hosts_of([config.api_base]) if config.api_base.rstrip("/") != API_HOST else (),
        finish=finish,
        limit=config.limit,
        workers=1,
        per_host=1,
        commit_every=1,
        description="twitter",
    )
