"""Fixture web pages for the crawler tests: three Snopes layouts, news articles, sitemaps, images.

Pages are built from templates here (no copied markup); they reproduce the structures the parsers rely on
(JSON-LD ClaimReview / NewsArticle, OpenGraph, lazy-loaded images, archive links).
"""

from __future__ import annotations

import io
import json
import random

from PIL import Image


def png(seed: int, size: tuple[int, int] = (64, 48)) -> bytes:
    rng = random.Random(seed)
    img = Image.new("RGB", size)
    img.putdata(
        [(rng.randrange(256), rng.randrange(256), rng.randrange(256)) for _ in range(size[0] * size[1])]
    )
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


BODY = (
    "The image was shared widely on social media in March with a caption claiming it showed the senator at a "
    "rally. We traced the photograph back to an agency archive and found it was taken years earlier at a "
    "different event in another state."
)


WORDS = (
    "city council budget senator rally photo archive agency state election vote school hospital road "
    "worker union river storm flood bridge court judge police report mayor governor festival museum "
    "market price farm vaccine doctor nurse teacher student train airport harbor ship factory"
).split()


def body(n: int) -> str:
    """A distinct English paragraph per page (pages must not be near-duplicates of each other)."""
    rng = random.Random(n)
    extra = " ".join(
        f"The {rng.choice(WORDS)} and the {rng.choice(WORDS)} were {rng.choice(('seen', 'named', 'shown'))}"
        f" near the {rng.choice(WORDS)}."
        for _ in range(12)
    )
    return f"{BODY} {extra}"


def snopes_modern(base: str, n: int, *, cnn: str, extra_links: str = "") -> str:
    review = {
        "@context": "https://schema.org",
        "@type": "ClaimReview",
        "url": f"{base}/fact-check/modern-{n}/",
        "claimReviewed": f"A photograph shows senator number {n} at a rally in March.",
        "datePublished": f"2023-03-{10 + n:02d}T12:00:00+00:00",
        "author": {"@type": "Organization", "name": "Snopes"},
        "reviewRating": {
            "@type": "Rating",
            "ratingValue": 1,
            "bestRating": 5,
            "alternateName": "Miscaptioned",
        },
        "itemReviewed": {
            "@type": "Claim",
            "appearance": [
                {"@type": "CreativeWork", "url": f"https://twitter.com/someone/status/{1000 + n}"}
            ],
        },
    }
    article = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": f"Senator {n} Rally Photo",
        "author": [{"@type": "Person", "name": "Dan Evon"}],
        "articleSection": "Fauxtography",
        "datePublished": f"2023-03-{10 + n:02d}T12:00:00+00:00",
        "keywords": "senator, rally",
    }
    return f"""<!doctype html><html><head><title>Senator {n} | Snopes.com</title>
<meta property="og:image" content="/img/lead-{n}.png">
<script type="application/ld+json">{json.dumps(review)}</script>
<script type="application/ld+json">{json.dumps(article)}</script></head>
<body><div class="breadcrumbs"><a href="/fact-check/">Fact Checks</a>
<a href="/fact-check/category/fauxtography/">Fauxtography</a></div>
<h1>Senator {n} Rally Photo</h1><div class="author_name"><a href="/author/x/">Dan Evon</a></div>
<h3 class="publish_date">Published March {10 + n}, 2023</h3>
<div class="claim_cont">A photograph shows senator number {n} at a rally in March.</div>
<div class="rating_title_wrap">Miscaptioned</div>
<article id="article-content"><p>{body(n)}</p>
<p><img src="data:image/gif;base64,R0lGOD" data-src="/img/body-{n}.png" alt="the photo"></p>
<p><img srcset="/img/small-{n}.png 300w, /img/big-{n}.png 1200w" alt="big"></p>
<p><img src="/pixel.gif" width="1" height="1"></p>
<p>Sources:</p><p><a href="{cnn}">CNN report</a>
<a href="https://web.archive.org/web/20230301000000/https://www.cnn.com/2023/03/01/politics/rally">archived</a>
<a href="https://archive.ph/AbCdE">archive.ph copy</a>
<a href="https://www.reddit.com/r/pics/comments/abc{n}/senator_photo/">reddit post</a>
<a href="https://www.facebook.com/sharer/sharer.php?u=x">share</a>
<a href="/fact-check/other/">internal</a>{extra_links}</p></article></body></html>"""


def snopes_2017(base: str, n: int) -> str:
    return f"""<html><head><title>Old {n}</title></head><body>
<ol class="breadcrumb"><li class="breadcrumb-item"><a href="/">Home</a></li>
<li class="breadcrumb-item"><a href="/fact-check/category/politics/">Politics</a></li></ol>
<h1 class="title">Did candidate {n} say that?</h1>
<a class="author" href="/author/y/">David Mikkelson</a>
<span class="date-published">12 June 2019</span>
<div class="claim"><p>Candidate {n} said voters should stay home.</p></div>
<div class="media rating"><div class="media-body"><span class="rating-name">False</span></div></div>
<div class="content"><p>{body(n)}</p>
<noscript><img src="/img/noscript-{n}.png" alt="noscript"></noscript>
<p><a href="https://apnews.com/article/candidate-{n}">AP</a></p></div></body></html>"""


def snopes_legacy(base: str, n: int) -> str:
    return f"""<html><head><title>Legacy {n}</title></head><body>
<div class="breadcrumb-nav"><a href="/category/facts/health/">Medical</a></div>
<h1 class="article-title">Flu shot rumor {n}</h1>
<div class="article-text"><p><b>Claim:</b> The flu shot number {n} contains microchips.</p>
<p><b>Status:</b> False.</p><p><b>Origins:</b> {body(n)}</p>
<p><img data-lazy-src="/img/legacy-{n}.png"></p>
<p>Last updated: 2 February 2011</p></div></body></html>"""


def listing(links: list[str], next_url: str | None, dates: list[str]) -> str:
    items = "".join(
        f'<article><a class="outer_article_link_wrapper" href="{u}">x</a><span class="article_date">'
        f"{d}</span></article>"
        for u, d in zip(links, dates, strict=True)
    )
    nxt = f'<a rel="next" href="{next_url}">Next</a>' if next_url else ""
    return f"<html><body>{items}{nxt}</body></html>"


def news_article(n: int, *, jsonld: bool, image: str) -> str:
    head = f'<meta property="og:title" content="OG title {n}"><meta property="og:image" content="{image}">'
    head += '<meta property="article:published_time" content="2023-03-02T08:00:00Z">'
    head += '<meta name="author" content="Jane Reporter">'
    if jsonld:
        obj = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": f"Rally report {n}",
            "datePublished": "2023-03-01T10:00:00-05:00",
            "author": [{"@type": "Person", "name": "Ann Writer"}],
            "image": [{"@type": "ImageObject", "url": image}],
            "articleSection": "Politics",
        }
        head += f'<script type="application/ld+json">{json.dumps(obj)}</script>'
    paragraphs = "".join(f"<p>Paragraph {i} of article {n}: {body(100 * n + i)}</p>" for i in range(3))
    return (
        f"<html><head><title>Article {n}</title>{head}</head><body><nav>menu</nav><article>"
        f"<h1>Rally report {n}</h1>{paragraphs}</article><footer>contact</footer></body></html>"
    )
