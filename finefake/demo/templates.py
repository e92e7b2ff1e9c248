"""HTML of the mini-web: Snopes fact-checks in three historical layouts, listings, and five news-site profiles.

The markup imitates what the real sites serve (class names, JSON-LD blocks, OpenGraph tags, lazy-loaded
images) so that the real parsers run on it unchanged. Every string from the generator is escaped here.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any


def _e(text: str) -> str:
    return escape(text, quote=True)


def _jsonld(obj: dict[str, Any]) -> str:
    # "</" must not appear inside a script element.
    return json.dumps(obj, ensure_ascii=False, indent=1).replace("</", "<\\/")


def _paragraphs(paragraphs: list[str]) -> str:
    return "\n".join(f"<p>{p}</p>" for p in paragraphs)


def _source_list(sources: list[tuple[str, str]]) -> str:
    items = "\n".join(
        f'<li><a href="{_e(url)}" target="_blank" rel="noopener">{_e(text)}</a></li>' for url, text in sources
    )
    return f"<ul>\n{items}\n</ul>" if items else ""


def snopes_2022(fc: dict[str, Any]) -> str:
    """Today's snopes.com article: ClaimReview + NewsArticle JSON-LD, ``claim_cont``, ``rating_title_wrap``."""
    review = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": fc["url"],
        "claimReviewed": fc["claim"],
        "datePublished": fc["published"],
        "author": {"@type": "Organization", "name": "Snopes", "url": "http://www.snopes.com"},
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": fc["rating_value"],
            "bestRating": 5,
            "worstRating": 1,
            "alternateName": fc["rating"],
        },
        "itemReviewed": {
            "@type": "Claim",
            "datePublished": fc["published"],
            "appearance": [{"@type": "CreativeWork", "url": u} for u, _ in fc["sources"][:1]],
        },
    }
    article = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": fc["title"],
        "datePublished": fc["published"],
        "dateModified": fc["published"],
        "author": [{"@type": "Person", "name": fc["author"]}],
        "articleSection": fc["categories"],
        "image": {"@type": "ImageObject", "url": fc["lead_image"], "width": 1200, "height": 630},
        "publisher": {"@type": "Organization", "name": "Snopes.com"},
    }
    crumbs = "".join(
        f'<a href="/fact-check/category/{_e(c.lower().replace(" ", "-"))}/">{_e(c)}</a>'
        for c in fc["categories"]
    )
    body_images = "".join(
        f'<figure><img class="lazyload" src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" '
        f'data-src="{_e(u)}" alt="{_e(alt)}" width="1200" height="630"></figure>'
        for u, alt in fc["images"]
    )
    return f"""<!DOCTYPE html>
<html lang="en-US"><head><meta charset="utf-8">
<title>{_e(fc["title"])} | Snopes.com</title>
<meta property="og:type" content="article"><meta property="og:title" content="{_e(fc["title"])}">
<meta property="og:image" content="{_e(fc["lead_image"])}">
<meta property="article:published_time" content="{_e(fc["published"])}">
<script type="application/ld+json">{_jsonld(review)}</script>
<script type="application/ld+json">{_jsonld(article)}</script>
</head><body>
<header class="site-header"><nav><a href="/">Snopes</a> <a href="/fact-check/">Fact Checks</a></nav></header>
<main><article id="article-main">
<section class="breadcrumbs"><a href="/">Home</a> <a href="/fact-check/">Fact Checks</a> {crumbs}</section>
<h1 class="title">{_e(fc["title"])}</h1>
<h2 class="subtitle">{_e(fc["subtitle"])}</h2>
<div class="author_name"><a href="/author/{_e(fc["author_slug"])}/">{_e(fc["author"])}</a></div>
<h3 class="publish_date">Published {_e(fc["published_human"])}</h3>
<div class="claim_wrapper"><div class="claim_cont">{_e(fc["claim"])}</div></div>
<div class="rating_wrapper"><a href="/fact-check/rating/{_e(fc["rating_slug"])}/" class="rating_link_wrapper">
<div class="rating_title_wrap">{_e(fc["rating"])}<div class="rating_desc">About this rating</div></div></a></div>
<div id="article-content">
{_paragraphs(fc["paragraphs"])}
{body_images}
<p>Sources:</p>
{_source_list(fc["sources"])}
</div>
<div class="tag_wrapper">{"".join(f'<a href="/tag/{_e(t)}/">{_e(t)}</a>' for t in fc["tags"])}</div>
<div class="share"><a href="https://www.facebook.com/sharer/sharer.php?u={_e(fc["url"])}">Share</a></div>
</article></main></body></html>
"""


def snopes_2017(fc: dict[str, Any]) -> str:
    """The 2017-2021 layout: no JSON-LD, ``div.claim``, ``rating-name``, ``breadcrumb-item``, srcset images."""
    crumbs = "".join(
        f'<li class="breadcrumb-item"><a href="/category/facts/{_e(c.lower())}/">{_e(c)}</a></li>'
        for c in fc["categories"]
    )
    body_images = "".join(
        f'<img srcset="{_e(u)}?w=300 300w, {_e(u)} 1200w" sizes="(max-width: 600px) 300px, 1200px" '
        f'alt="{_e(alt)}">'
        for u, alt in fc["images"]
    )
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>FACT CHECK: {_e(fc["title"])}</title>
<meta property="og:title" content="{_e(fc["title"])}">
<meta property="og:image" content="{_e(fc["lead_image"])}">
</head><body>
<ol class="breadcrumb"><li class="breadcrumb-item"><a href="/">Home</a></li>{crumbs}</ol>
<article class="main-article">
<header><h1 class="card-title">{_e(fc["title"])}</h1>
<ul class="list-unstyled"><li><a class="author-link" href="/author/{_e(fc["author_slug"])}/">{_e(fc["author"])}</a></li>
<li><span class="date-published">{_e(fc["published_human"])}</span></li></ul></header>
<div class="claim"><p>{_e(fc["claim"])}</p></div>
<div class="media rating"><div class="media-body"><span class="rating-name">{_e(fc["rating"])}</span></div></div>
<div class="single-body card-body rich-text">
{_paragraphs(fc["paragraphs"])}
{body_images}
<p><strong>Sources:</strong></p>
{_source_list(fc["sources"])}
</div>
</article></body></html>
"""


def snopes_legacy(fc: dict[str, Any]) -> str:
    """The pre-2017 ``.asp``-era layout: table markup, bold ``Claim:`` / ``Rating:`` labels, noscript images."""
    body_images = "".join(
        f'<noscript><img src="{_e(u)}" alt="{_e(alt)}"></noscript>' for u, alt in fc["images"]
    )
    categories = " ".join(f'<a href="/category/{_e(c.lower())}/">{_e(c)}</a>' for c in fc["categories"])
    return f"""<html><head><meta http-equiv="Content-Type" content="text/html; charset=utf-8">
<title>snopes.com: {_e(fc["title"])}</title></head>
<body bgcolor="#FFFFFF"><table width="100%"><tr><td>
<div class="navHeader">{categories}</div>
<h1>{_e(fc["title"])}</h1>
<div class="article-text">
<p><b>Claim:</b> {_e(fc["claim"])}</p>
<p><b>Rating:</b> {_e(fc["rating"])}</p>
{_paragraphs(fc["paragraphs"])}
{body_images}
<p>Sources:</p>
{_source_list(fc["sources"])}
<p><span class="date">Last updated: {_e(fc["published_human"])}</span></p>
<p><a rel="author" href="/author/{_e(fc["author_slug"])}/">{_e(fc["author"])}</a></p>
</div></td></tr></table></body></html>
"""


SNOPES_LAYOUTS = {"2022": snopes_2022, "2017": snopes_2017, "legacy": snopes_legacy}


def snopes_listing(entries: list[dict[str, Any]], next_url: str | None, page: int) -> str:
    """A fact-check listing page (``outer_article_link_wrapper`` cards) with ``rel=next`` pagination."""
    cards = "\n".join(
        f'<article class="article_wrapper"><a class="outer_article_link_wrapper" href="{_e(e["url"])}">'
        f'<h3 class="article_title">{_e(e["title"])}</h3>'
        f'<span class="article_date"><time datetime="{_e(e["published"])}">{_e(e["published"])}</time></span>'
        f"</a></article>"
        for e in entries
    )
    nxt = f'<link rel="next" href="{_e(next_url)}">' if next_url else ""
    more = f'<a class="next-page" rel="next" href="{_e(next_url)}">Next</a>' if next_url else ""
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Fact Checks - page {page}</title>{nxt}</head>
<body><main><h1>Latest Fact Checks</h1>
<div class="article_list">
{cards}
</div>
<div class="pagination">{more}</div>
</main></body></html>
"""


def news_article(profile: str, art: dict[str, Any]) -> str:
    """A news article in one site's markup; JSON-LD NewsArticle for the sites that ship it, OpenGraph for all."""
    jsonld = ""
    if profile in ("apnews", "cnn", "nytimes", "cdc"):
        obj = {
            "@context": "https://schema.org",
            "@type": "MedicalWebPage" if profile == "cdc" else "NewsArticle",
            "headline": art["title"],
            "datePublished": art["published"],
            "dateModified": art["published"],
            "author": [{"@type": "Person", "name": a} for a in art["authors"]],
            "image": [{"@type": "ImageObject", "url": art["image"], "width": 1200, "height": 800}]
            if art["image"]
            else [],
            "articleSection": art["section"],
            "publisher": {"@type": "Organization", "name": art["site_name"]},
            "mainEntityOfPage": art["url"],
        }
        jsonld = f'<script type="application/ld+json">{_jsonld(obj)}</script>'
    og_image = f'<meta property="og:image" content="{_e(art["image"])}">' if art["image"] else ""
    figure = ""
    if art["image"]:
        if profile == "nytimes":
            figure = (
                f'<figure><picture><source srcset="{_e(art["image"])}?w=600 600w, {_e(art["image"])} 1200w">'
                f'<img alt="{_e(art["caption"])}" src="{_e(art["image"])}?w=600"></picture>'
                f"<figcaption>{_e(art['caption'])}</figcaption></figure>"
            )
        else:
            figure = (
                f'<figure class="media"><img data-src="{_e(art["image"])}" alt="{_e(art["caption"])}">'
                f"<figcaption>{_e(art['caption'])}</figcaption></figure>"
            )
    body_class = {
        "apnews": 'div class="RichTextStoryBody RichTextBody"',
        "cnn": 'div class="article__content" data-editable="content"',
        "nytimes": 'section name="articleBody" class="meteredContent"',
        "washingtonpost": 'div class="article-body grid-body"',
        "cdc": 'div class="cdc-dfe-body__center"',
    }[profile]
    close = body_class.split()[0]
    byline = ", ".join(art["authors"])
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{_e(art["title"])} | {_e(art["site_name"])}</title>
<meta name="description" content="{_e(art["description"])}">
<meta property="og:type" content="article"><meta property="og:site_name" content="{_e(art["site_name"])}">
<meta property="og:title" content="{_e(art["title"])}"><meta property="og:url" content="{_e(art["url"])}">
<meta property="og:description" content="{_e(art["description"])}">{og_image}
<meta property="article:published_time" content="{_e(art["published"])}">
<meta property="article:section" content="{_e(art["section"])}">
<meta name="author" content="{_e(byline)}">
{jsonld}
</head><body>
<header><nav class="site-nav"><a href="/">{_e(art["site_name"])}</a></nav></header>
<main><article>
<h1>{_e(art["title"])}</h1>
<div class="byline">By {_e(byline)}</div>
<time datetime="{_e(art["published"])}">{_e(art["published"])}</time>
{figure}
<{body_class}>
{_paragraphs(art["paragraphs"])}
</{close}>
</article></main>
<footer><p>Copyright {_e(art["site_name"])}. All rights reserved.</p></footer>
</body></html>
"""


def sitemap(urls: list[tuple[str, str]]) -> str:
    """A Google News style sitemap (``urlset`` with ``news:publication_date``)."""
    rows = "\n".join(
        f"<url><loc>{_e(u)}</loc><news:news><news:publication_date>{_e(d)}</news:publication_date>"
        f"</news:news></url>"
        for u, d in urls
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n' + rows + "\n</urlset>\n"
    )


def sitemap_index(children: list[str]) -> str:
    rows = "\n".join(f"<sitemap><loc>{_e(c)}</loc></sitemap>" for c in children)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + rows + "\n</sitemapindex>\n"
    )
