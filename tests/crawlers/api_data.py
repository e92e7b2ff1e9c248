"""API responses shaped like Reddit's and Twitter API v2's (field names and nesting follow their documentation).

``serve_reddit`` / ``serve_twitter`` put them on a local pytest-httpserver; ``cassettes/record.py`` records
the same exchanges through vcrpy into the cassettes the tests replay.
"""

from __future__ import annotations

import json

from werkzeug.wrappers import Request, Response

SECRET_ID, SECRET_KEY, BEARER = "test-client-id", "test-client-secret", "AAAAtest-bearer-token"
CREATED = 1678000000.0


def _comment(cid: str, body: str, parent: str, replies=None, author: str = "commenter") -> dict:
    return {
        "kind": "t1",
        "data": {
            "id": cid,
            "name": f"t1_{cid}",
            "author": author,
            "body": body,
            "created_utc": CREATED + 60,
            "parent_id": parent,
            "link_id": "t3_abc123",
            "score": 5,
            "subreddit": "pics",
            "depth": 0,
            "replies": {"kind": "Listing", "data": {"children": replies or [], "after": None, "before": None}}
            if replies
            else "",
        },
    }


def _submission(sid: str, **extra) -> dict:
    data = {
        "id": sid,
        "name": f"t3_{sid}",
        "title": f"Senator rally photo {sid}",
        "selftext": "Is this real?",
        "author": "poster",
        "created_utc": CREATED,
        "score": 1234,
        "num_comments": 3,
        "upvote_ratio": 0.97,
        "subreddit": "pics",
        "subreddit_name_prefixed": "r/pics",
        "permalink": f"/r/pics/comments/{sid}/senator/",
        "url": f"https://i.redd.it/{sid}.png",
        "post_hint": "image",
        "over_18": False,
        "is_self": False,
        "preview": {
            "images": [
                {
                    "source": {
                        "url": f"https://preview.redd.it/{sid}.png?width=640&amp;s=abc",
                        "width": 640,
                        "height": 480,
                    },
                    "resolutions": [],
                    "id": "p1",
                }
            ]
        },
    }
    data.update(extra)
    return {"kind": "t3", "data": data}


def reddit_comments(sid: str, image_base: str) -> list:
    """``GET /comments/{id}/``: [listing with the submission, listing with the comment tree]."""
    if sid == "gal456":
        sub = _submission(
            sid,
            url=f"https://www.reddit.com/gallery/{sid}",
            post_hint=None,
            is_gallery=True,
            gallery_data={"items": [{"media_id": "m2", "id": 2}, {"media_id": "m1", "id": 1}]},
            media_metadata={
                "m1": {
                    "status": "valid",
                    "e": "Image",
                    "m": "image/png",
                    "s": {"u": f"{image_base}/gallery/m1.png?a=1&amp;b=2", "x": 64, "y": 48},
                },
                "m2": {
                    "status": "valid",
                    "e": "Image",
                    "m": "image/png",
                    "s": {"u": f"{image_base}/gallery/m2.png", "x": 64, "y": 48},
                },
            },
        )
    else:
        sub = _submission(sid, url=f"{image_base}/i/{sid}.png")
    more = {
        "kind": "more",
        "data": {
            "count": 1,
            "name": "t1_c4",
            "id": "c4",
            "parent_id": f"t3_{sid}",
            "depth": 0,
            "children": ["c4"],
        },
    }
    tree = [
        _comment(
            "c1",
            "This photo is from 2015.",
            f"t3_{sid}",
            replies=[_comment("c2", "Source?", "t1_c1", author="asker")],
        ),
        _comment("c3", "Snopes covered it.", f"t3_{sid}"),
        more,
    ]
    return [
        {"kind": "Listing", "data": {"children": [sub], "after": None, "before": None}},
        {"kind": "Listing", "data": {"children": tree, "after": None, "before": None}},
    ]


def reddit_listing(ids: list[str]) -> dict:
    """``GET /r/{subreddit}/new``: a Listing of submissions (t3 things)."""
    children = [_submission(sid) for sid in ids]
    return {
        "kind": "Listing",
        "data": {"children": children, "after": None, "before": None, "dist": len(ids)},
    }


def reddit_more() -> dict:
    """``POST /api/morechildren``: the comments hidden behind a "load more" stub."""
    return {"json": {"errors": [], "data": {"things": [_comment("c4", "Loaded later.", "t3_abc123")]}}}


def serve_reddit(server, image_base: str) -> None:
    token = {"access_token": "fake-access-token", "token_type": "bearer", "expires_in": 86400, "scope": "*"}
    server.expect_request("/api/v1/access_token", method="POST").respond_with_json(token)
    server.expect_request("/api/morechildren/", method="POST").respond_with_json(reddit_more())

    def comments(request: Request) -> Response:
        sid = request.path.strip("/").split("/")[1]
        if sid == "gone99":
            return Response(
                json.dumps({"message": "Not Found", "error": 404}),
                status=404,
                content_type="application/json",
            )
        return Response(json.dumps(reddit_comments(sid, image_base)), content_type="application/json")

    import re

    server.expect_request(re.compile(r"^/comments/\w+/$")).respond_with_handler(comments)


def twitter_tweets(ids: list[str], image_base: str) -> dict:
    """``GET /2/tweets?ids=...`` with media and author expansions; unknown ids come back in ``errors``."""
    data, errors = [], []
    for tid in ids:
        if tid == "404":
            errors.append(
                {
                    "value": tid,
                    "detail": f"Could not find tweet with ids: [{tid}].",
                    "title": "Not Found Error",
                    "resource_type": "tweet",
                    "parameter": "ids",
                    "resource_id": tid,
                    "type": "https://api.twitter.com/2/problems/resource-not-found",
                }
            )
            continue
        data.append(
            {
                "id": tid,
                "text": f"Photo of the senator at the rally today #{tid}",
                "author_id": "42",
                "conversation_id": tid,
                "created_at": "2023-03-05T12:00:00.000Z",
                "lang": "en",
                "attachments": {"media_keys": [f"3_{tid}"]},
                "public_metrics": {"retweet_count": 3, "reply_count": 1, "like_count": 10, "quote_count": 0},
                "edit_history_tweet_ids": [tid],
            }
        )
    out: dict = {
        "data": data,
        "includes": {
            "media": [
                {
                    "media_key": f"3_{t['id']}",
                    "type": "photo",
                    "url": f"{image_base}/media/{t['id']}.png",
                    "width": 64,
                    "height": 48,
                }
                for t in data
            ],
            "users": [{"id": "42", "name": "Some One", "username": "someone"}],
        },
    }
    if errors:
        out["errors"] = errors
    return out


def twitter_forbidden() -> dict:
    return {
        "client_id": "123",
        "detail": "When authenticating requests to the Twitter API v2 endpoints, you must "
        "use keys and tokens from a Twitter developer App that is attached to a Project.",
        "registration_url": "https://developer.twitter.com/en/docs/projects/overview",
        "required_enrollment": "Appropriate Level of API Access",
        "reason": "client-not-enrolled",
        "title": "Client Forbidden",
        "type": "https://api.twitter.com/2/problems/client-forbidden",
    }


def serve_twitter(server, image_base: str, *, replies_allowed: bool = False) -> None:
    def tweets(request: Request) -> Response:
        ids = request.args["ids"].split(",")
        return Response(json.dumps(twitter_tweets(ids, image_base)), content_type="application/json")

    def search(request: Request) -> Response:
        query = request.args["query"]
        if query.startswith("conversation_id:"):
            if not replies_allowed:
                return Response(json.dumps(twitter_forbidden()), status=403, content_type="application/json")
            cid = query.split(":")[1]
            body = {
                "data": [
                    {
                        "id": "9001",
                        "text": "@someone that's old",
                        "author_id": "7",
                        "edit_history_tweet_ids": ["9001"],
                        "conversation_id": cid,
                        "created_at": "2023-03-05T13:00:00.000Z",
                        "referenced_tweets": [{"type": "replied_to", "id": cid}],
                        "public_metrics": {"like_count": 2},
                    }
                ],
                "includes": {"users": [{"id": "7", "name": "R", "username": "replier"}]},
                "meta": {"result_count": 1, "newest_id": "9001", "oldest_id": "9001"},
            }
            return Response(json.dumps(body), content_type="application/json")
        page = twitter_tweets(["555", "556"] if "next_token" not in request.args else ["557"], image_base)
        page["meta"] = {
            "result_count": len(page["data"]),
            "newest_id": page["data"][0]["id"],
            "oldest_id": page["data"][-1]["id"],
        }
        if "next_token" not in request.args:
            page["meta"]["next_token"] = "b26v89c19zqg8o3fpzbkk"
        return Response(json.dumps(page), content_type="application/json")

    server.expect_request("/2/tweets").respond_with_handler(tweets)
    server.expect_request("/2/tweets/search/recent").respond_with_handler(search)
