"""The host names the mini-web answers for (the real ones, served over plain http by the demo's server)."""

from __future__ import annotations

SNOPES = "www.snopes.com"
NEWS_HOSTS: dict[str, str] = {
    "apnews": "apnews.com",
    "cnn": "www.cnn.com",
    "nytimes": "www.nytimes.com",
    "washingtonpost": "www.washingtonpost.com",
    "cdc": "www.cdc.gov",
}
SITE_NAMES = {
    "apnews": "AP News",
    "cnn": "CNN",
    "nytimes": "The New York Times",
    "washingtonpost": "The Washington Post",
    "cdc": "Centers for Disease Control and Prevention",
}
ARCHIVE = "web.archive.org"
REDDIT_WWW, REDDIT_OAUTH, REDDIT_MEDIA = "www.reddit.com", "oauth.reddit.com", "i.redd.it"
TWITTER_API, TWITTER_WWW, TWITTER_MEDIA = "api.twitter.com", "twitter.com", "pbs.twimg.com"
#: Every host the mini-web answers for (the demo allows exactly these, and nothing else, to be fetched).
HOSTS: tuple[str, ...] = (
    SNOPES,
    *NEWS_HOSTS.values(),
    ARCHIVE,
    REDDIT_WWW,
    REDDIT_OAUTH,
    REDDIT_MEDIA,
    TWITTER_API,
    TWITTER_WWW,
    TWITTER_MEDIA,
)
SUBREDDITS = {
    "politics": "politics",
    "entertainment": "movies",
    "business": "business",
    "health": "Health",
    "society": "technology",
    "conflict": "worldnews",
}
