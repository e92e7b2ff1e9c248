"""Write the vcrpy cassettes replayed by tests/crawlers/test_social.py (run: python make_cassettes.py).

The exchanges are built from ``api_data`` (response shapes from the Reddit and Twitter API v2 docs), on the
real API hosts, in vcrpy's cassette format. No credentials are stored: request headers carry only the
User-Agent, as the ``filter_headers`` scrubbing of a real recording would leave them.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))

from crawlers import api_data, sites  # noqa: E402

UA = {"User-Agent": ["finefake-tests"]}


def exchange(method: str, uri: str, body, status: int = 200, ctype: str = "application/json") -> dict:
    if isinstance(body, (dict, list)):
        body = json.dumps(body)
    return {
        "request": {"body": None, "headers": UA, "method": method, "uri": uri},
        "response": {
            "body": {"string": body},
            "headers": {"Content-Type": [ctype]},
            "status": {"code": status, "message": {200: "OK", 403: "Forbidden", 404: "Not Found"}[status]},
        },
    }


def reddit() -> list[dict]:
    token = {"access_token": "scrubbed", "token_type": "bearer", "expires_in": 86400, "scope": "*"}
    out = [exchange("POST", "https://www.reddit.com/api/v1/access_token", token)]
    for sid in ("abc123", "gal456"):
        out.append(
            exchange(
                "GET",
                f"https://oauth.reddit.com/comments/{sid}/?limit=2048&sort=top&raw_json=1",
                api_data.reddit_comments(sid, "https://i.redd.it"),
            )
        )
        out.append(
            exchange("POST", "https://oauth.reddit.com/api/morechildren/?raw_json=1", api_data.reddit_more())
        )
    out.append(
        exchange(
            "GET",
            "https://oauth.reddit.com/comments/gone99/?limit=2048&sort=top&raw_json=1",
            {"message": "Not Found", "error": 404},
            status=404,
        )
    )
    out.append(exchange("GET", "https://i.redd.it/robots.txt", "", status=404, ctype="text/plain"))
    for i, name in enumerate(("i/abc123.png", "gallery/m2.png", "gallery/m1.png?a=1&b=2")):
        out.append(exchange("GET", f"https://i.redd.it/{name}", sites.png(900 + i), ctype="image/png"))
    return out


def twitter() -> list[dict]:
    base = "https://api.twitter.com/2"
    out = [
        exchange(
            "GET",
            f"{base}/tweets?ids=100,101,404",
            api_data.twitter_tweets(["100", "101", "404"], "https://pbs.twimg.com"),
        )
    ]
    for tid in ("100", "101"):
        out.append(
            exchange(
                "GET",
                f"{base}/tweets/search/recent?query=conversation_id:{tid}",
                api_data.twitter_forbidden(),
                status=403,
            )
        )
    out.append(exchange("GET", "https://pbs.twimg.com/robots.txt", "", status=404, ctype="text/plain"))
    for i, tid in enumerate(("100", "101")):
        out.append(
            exchange("GET", f"https://pbs.twimg.com/media/{tid}.png", sites.png(950 + i), ctype="image/png")
        )
    return out


if __name__ == "__main__":
    for name, interactions in (("reddit", reddit()), ("twitter", twitter())):
        path = HERE / f"{name}.yaml"
        path.write_text(yaml.safe_dump({"interactions": interactions, "version": 1}, sort_keys=False))
        print(f"wrote {path} ({len(interactions)} interactions)")
