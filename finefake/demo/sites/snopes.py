"""The mini-web's www.snopes.com: fact-check pages in three layouts, paginated listings, robots.txt, sitemap."""

from __future__ import annotations

import random
from datetime import datetime
from typing import Any

from finefake.dataset.synthetic import CATEGORY_FOR_TOPIC
from finefake.demo import templates
from finefake.demo.content import draw_image
from finefake.demo.sites.hosts import ARCHIVE, NEWS_HOSTS, SNOPES
from finefake.demo.sites.writer import SiteWriter

LISTING_PAGE_SIZE = 40
#: Fine-grained class -> Snopes ratings that typically go with it.
RATINGS_BY_CLASS: dict[int, tuple[str, ...]] = {
    0: ("True", "Mostly True", "Correct Attribution"),
    1: ("Miscaptioned",),
    2: ("Misattributed", "False"),
    3: ("False", "Mostly False", "Fake"),
    4: ("Altered Photo", "Fake"),
    5: ("Mostly False", "False"),
}
RATING_VALUE = {"True": 5, "Mostly True": 4, "Correct Attribution": 5}


def fact_check_view(
    row: dict[str, Any], by_key: dict[str, dict[str, Any]], rng: random.Random
) -> dict[str, Any]:
    rating = rng.choice(RATINGS_BY_CLASS[row["fine_grained_label"]])
    categories = [rng.choice(CATEGORY_FOR_TOPIC[row["topic"]])]
    sources: list[tuple[str, str]] = []
    for key in row["cites"]:
        cited = by_key[key]
        url = cited["url"]
        if cited["platform"] in NEWS_HOSTS and rng.random() < 0.25:
            url = f"http://{ARCHIVE}/web/{cited['published'][:10].replace('-', '')}000000/{cited['url']}"
            cited["urls"].append(url)
        sources.append((url, cited["title"]))
    sources.append(("http://www.example-blog.net/" + row["slug"], "A blog post that repeated the claim"))
    when = datetime.fromisoformat(row["published"].replace("Z", "+00:00"))
    author = rng.choice(("Dan Evon", "Bethania Palma", "Alex Kasprak", "Jordan Liles", "Nur Ibrahim"))
    images = [(f"http://{SNOPES}/uploads/{row['slug']}-{i}.jpg", f"Image {i} of the claim") for i in range(1)]
    return {
        "url": row["url"],
        "title": row["title"],
        "subtitle": "What the posts claimed and what we found.",
        "claim": f"{row['title']}: {row['paragraphs'][0].split('.')[0]}.",
        "rating": rating,
        "rating_value": RATING_VALUE.get(rating, 1),
        "rating_slug": rating.lower().replace(" ", "-"),
        "categories": categories,
        "tags": [row["topic"], row["slug"].split("-")[0]],
        "author": author,
        "author_slug": author.lower().replace(" ", "-"),
        "published": row["published"],
        "published_human": when.strftime("%b. %d, %Y"),
        "lead_image": row["lead_image"],
        "images": images,
        "paragraphs": row["paragraphs"],
        "sources": sources,
    }


def write_fact_check(
    writer: SiteWriter,
    rng: random.Random,
    row: dict[str, Any],
    by_key: dict[str, dict[str, Any]],
    signal: float,
    image_size: tuple[int, int],
) -> None:
    """One fact-check page in its layout, its lead image and its inline images."""
    image = row.get("image_bytes")
    view = fact_check_view(row, by_key, rng)
    row["rating"], row["categories"] = view["rating"], view["categories"]
    writer.site(SNOPES, row["url"].split(SNOPES, 1)[1], templates.SNOPES_LAYOUTS[row["layout"]](view))
    writer.site(SNOPES, row["lead_image"].split(SNOPES, 1)[1], image)
    for url, _ in view["images"]:
        writer.site(
            SNOPES,
            url.split(SNOPES, 1)[1],
            draw_image(rng, row["topic"], row["fine_grained_label"], signal, image_size),
        )


def write_snopes_site(writer: SiteWriter, snopes: list[dict[str, Any]]) -> None:
    """Listing pages (newest first, paginated), a disallowed draft, robots.txt and a sitemap."""
    ordered = sorted(snopes, key=lambda r: r["published"], reverse=True)
    entries = [{"url": r["url"], "title": r["title"], "published": r["published"]} for r in ordered]
    entries.insert(
        min(3, len(entries)),
        {
            "url": f"http://{SNOPES}/fact-check/draft-unpublished-claim/",
            "title": "Draft (not for robots)",
            "published": ordered[0]["published"],
        },
    )
    draft = {**ordered[0], "url": entries[min(3, len(entries) - 1)]["url"], "cites": []}
    writer.site(
        SNOPES,
        "/fact-check/draft-unpublished-claim/",
        templates.snopes_2022(
            {
                "url": draft["url"],
                "title": "Draft",
                "subtitle": "",
                "claim": "An unpublished draft.",
                "rating": "False",
                "rating_value": 1,
                "rating_slug": "false",
                "categories": ["Politics"],
                "tags": [],
                "author": "Staff",
                "author_slug": "staff",
                "published": draft["published"],
                "published_human": "",
                "lead_image": "",
                "images": [],
                "paragraphs": ["This draft must never be crawled: robots.txt disallows it."],
                "sources": [],
            }
        ),
    )
    pages = [entries[i : i + LISTING_PAGE_SIZE] for i in range(0, len(entries), LISTING_PAGE_SIZE)] or [[]]
    for number, page in enumerate(pages, 1):
        path = "/fact-check/" if number == 1 else f"/fact-check/page/{number}/"
        nxt = f"http://{SNOPES}/fact-check/page/{number + 1}/" if number < len(pages) else None
        writer.site(SNOPES, path, templates.snopes_listing(page, nxt, number))
    writer.site(
        SNOPES,
        "/robots.txt",
        "User-agent: *\nDisallow: /fact-check/draft-\nDisallow: /search/\n"
        f"Sitemap: http://{SNOPES}/sitemap.xml\n",
    )
    writer.site(SNOPES, "/sitemap.xml", templates.sitemap([(r["url"], r["published"]) for r in ordered]))
