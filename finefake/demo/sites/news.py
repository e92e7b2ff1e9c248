"""The mini-web's five news sites: article pages per site profile, sitemap indexes, robots.txt, home pages."""

from __future__ import annotations

import random
from typing import Any

from finefake.demo import templates
from finefake.demo.sites.hosts import NEWS_HOSTS, SITE_NAMES
from finefake.demo.sites.writer import SiteWriter


def write_article(writer: SiteWriter, rng: random.Random, row: dict[str, Any]) -> None:
    """One article page in its site's markup, and its image."""
    platform = row["platform"]
    image = row.get("image_bytes")
    host = NEWS_HOSTS[platform]
    art = {
        "url": row["url"],
        "title": row["title"],
        "published": row["published"],
        "authors": [rng.choice(("Jane Doe", "Carlos Ruiz", "Mei Chen", "Sam Okafor", "Lena Fischer"))],
        "image": row["image_url"] if image else None,
        "caption": f"A photo about {row['topic']}.",
        "section": row["topic"].capitalize(),
        "site_name": SITE_NAMES[platform],
        "description": row["paragraphs"][0][:150],
        "paragraphs": row["paragraphs"],
    }
    writer.site(host, row["url"].split(host, 1)[1], templates.news_article(platform, art))
    if image:
        writer.site(host, row["image_url"].split(host, 1)[1], image)


def write_news_sites(writer: SiteWriter, articles: list[dict[str, Any]]) -> None:
    for platform, host in NEWS_HOSTS.items():
        own = sorted((a for a in articles if a["platform"] == platform), key=lambda a: a["published"])
        half = len(own) // 2
        children = [f"http://{host}/sitemaps/news-1.xml", f"http://{host}/sitemaps/news-2.xml"]
        writer.site(host, "/sitemap.xml", templates.sitemap_index(children))
        writer.site(
            host, "/sitemaps/news-1.xml", templates.sitemap([(a["url"], a["published"]) for a in own[:half]])
        )
        writer.site(
            host, "/sitemaps/news-2.xml", templates.sitemap([(a["url"], a["published"]) for a in own[half:]])
        )
        writer.site(
            host,
            "/robots.txt",
            f"User-agent: *\nDisallow: /search\nDisallow: /account/\nSitemap: http://{host}/sitemap.xml\n",
        )
        writer.site(
            host,
            "/",
            f"<html><head><title>{SITE_NAMES[platform]}</title></head><body>"
            f"<h1>{SITE_NAMES[platform]}</h1></body></html>",
        )
