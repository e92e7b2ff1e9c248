"""The mini-web's Reddit and Twitter: API answers in the real APIs' shapes, media hosts, robots.txt."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from finefake.dataset.synthetic import COMMON_WORDS, TOPIC_WORDS
from finefake.demo.sites.hosts import (
    ARCHIVE,
    REDDIT_MEDIA,
    REDDIT_OAUTH,
    REDDIT_WWW,
    TWITTER_API,
    TWITTER_MEDIA,
    TWITTER_WWW,
)
from finefake.demo.sites.writer import SiteWriter


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def reddit_thread(rng: random.Random, row: dict[str, Any]) -> list[dict[str, Any]]:
    """The JSON of ``GET /comments/<id>``: [listing with the t3 submission, listing of t1 comments]."""
    pid, created = row["platform_id"], _epoch(row["published"])
    permalink = row["url"].split(REDDIT_WWW, 1)[1]
    text = "\n\n".join(row["paragraphs"])
    submission: dict[str, Any] = {
        "id": pid,
        "name": f"t3_{pid}",
        "title": row["title"],
        "selftext": text,
        "author": f"u_{pid[:4]}",
        "created_utc": created,
        "score": rng.randint(1, 5000),
        "upvote_ratio": round(rng.uniform(0.5, 1), 2),
        "subreddit": row["subreddit"],
        "subreddit_name_prefixed": f"r/{row['subreddit']}",
        "permalink": permalink,
        "num_comments": 0,
        "over_18": False,
        "is_self": not row["has_image"],
        "is_video": False,
        "spoiler": False,
        "locked": False,
        "stickied": False,
        "link_flair_text": None,
    }
    if row["has_image"]:
        if row["index"] % 4 == 0:  # a gallery post: media_metadata + gallery_data
            media_id = f"m{pid}"
            submission |= {
                "url": f"http://{REDDIT_WWW}/gallery/{pid}",
                "domain": "reddit.com",
                "is_gallery": True,
                "gallery_data": {"items": [{"media_id": media_id, "id": rng.randrange(10**8)}]},
                "media_metadata": {
                    media_id: {
                        "status": "valid",
                        "e": "Image",
                        "m": "image/jpg",
                        "id": media_id,
                        "s": {"u": row["image_url"], "x": 160, "y": 120},
                        "p": [],
                    }
                },
            }
        else:
            submission |= {
                "url": row["image_url"],
                "domain": REDDIT_MEDIA,
                "post_hint": "image",
                "preview": {
                    "enabled": True,
                    "images": [
                        {
                            "id": pid,
                            "source": {"url": row["image_url"], "width": 160, "height": 120},
                            "resolutions": [],
                            "variants": {},
                        }
                    ],
                },
            }
    else:
        submission |= {"url": f"http://{REDDIT_WWW}{permalink}", "domain": f"self.{row['subreddit']}"}
    comments = []
    for j in range(rng.randint(0, 3)):
        cid = f"{pid[:3]}c{j}{rng.randrange(100)}"
        comments.append(
            {
                "kind": "t1",
                "data": {
                    "id": cid,
                    "name": f"t1_{cid}",
                    "author": f"commenter{rng.randrange(1000)}",
                    "body": " ".join(
                        rng.choices(TOPIC_WORDS[row["topic"]] + COMMON_WORDS, k=rng.randint(5, 15))
                    ),
                    "created_utc": created + 3600 * (j + 1),
                    "score": rng.randint(-5, 300),
                    "parent_id": f"t3_{pid}",
                    "link_id": f"t3_{pid}",
                    "depth": 0,
                    "replies": "",
                    "subreddit": row["subreddit"],
                    "permalink": f"{permalink}{cid}/",
                },
            }
        )
    submission["num_comments"] = len(comments)

    def listing(children: list[dict[str, Any]]) -> dict[str, Any]:
        return {
            "kind": "Listing",
            "data": {
                "after": None,
                "dist": len(children) or None,
                "modhash": "",
                "geo_filter": "",
                "children": children,
                "before": None,
            },
        }

    return [listing([{"kind": "t3", "data": submission}]), listing(comments)]


def tweet(rng: random.Random, row: dict[str, Any]) -> dict[str, Any]:
    """A tweet as API v2 returns it with ``expansions=attachments.media_keys,author_id``, plus its replies."""
    tid, user = row["platform_id"], row["user"]
    text = " ".join(row["paragraphs"])[:275]
    tweet: dict[str, Any] = {
        "id": tid,
        "text": text,
        "author_id": user["id"],
        "created_at": row["published"].replace("Z", ".000Z"),
        "conversation_id": tid,
        "lang": row["language"],
        "edit_history_tweet_ids": [tid],
        "public_metrics": {
            "retweet_count": rng.randrange(500),
            "reply_count": 0,
            "like_count": rng.randrange(5000),
            "quote_count": rng.randrange(50),
        },
    }
    media = []
    if row["has_image"]:
        key = f"3_{tid}"
        tweet["attachments"] = {"media_keys": [key]}
        media.append(
            {"media_key": key, "type": "photo", "url": row["image_url"], "width": 160, "height": 120}
        )
    replies = []
    for j in range(rng.randint(0, 2)):
        replies.append(
            {
                "id": str(int(tid) + j + 1),
                "text": " ".join(rng.choices(TOPIC_WORDS[row["topic"]], k=8)),
                "author_id": str(rng.randrange(10**9, 10**10)),
                "conversation_id": tid,
                "in_reply_to_user_id": user["id"],
                "created_at": row["published"].replace("Z", ".000Z"),
                "lang": "en",
                "edit_history_tweet_ids": [str(int(tid) + j + 1)],
            }
        )
    tweet["public_metrics"]["reply_count"] = len(replies)
    users = [
        {"id": user["id"], "name": user["username"].replace("_", " ").title(), "username": user["username"]}
    ]
    return {"tweet": tweet, "media": media, "users": users, "replies": replies}


def write_reddit_post(writer: SiteWriter, rng: random.Random, row: dict[str, Any]) -> None:
    """The Reddit API's answer for one post, and its image on i.redd.it."""
    image = row.get("image_bytes")
    writer.api("reddit", row["platform_id"], reddit_thread(rng, row))
    if image:
        writer.site(REDDIT_MEDIA, row["image_url"].split(REDDIT_MEDIA, 1)[1], image)


def write_tweet(writer: SiteWriter, rng: random.Random, row: dict[str, Any]) -> None:
    """The Twitter API's answer for one tweet, and its photo on pbs.twimg.com."""
    image = row.get("image_bytes")
    writer.api("twitter", row["platform_id"], tweet(rng, row))
    if image:
        writer.site(TWITTER_MEDIA, row["image_url"].split(TWITTER_MEDIA, 1)[1], image)


def write_social_hosts(writer: SiteWriter) -> None:
    for host in (REDDIT_WWW, REDDIT_OAUTH, REDDIT_MEDIA, TWITTER_API, TWITTER_WWW, TWITTER_MEDIA, ARCHIVE):
        writer.site(host, "/robots.txt", "User-agent: *\nAllow: /\n")
