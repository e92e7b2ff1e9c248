"""News extraction on real saved pages (fixtures/real/news, sources in the README there).

Expected values were written by hand from reading each page: its byline, headline, JSON-LD dates and images.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

from crawlers.conftest import fast_http
from finefake.crawlers import extract as ex
from finefake.crawlers.news import NewsConfig, crawl_news, not_an_article, parse_article

REAL = Path(__file__).parent / "fixtures" / "real" / "news"


def page(name: str) -> str:
    return gzip.decompress((REAL / f"{name}.html.gz").read_bytes()).decode("utf-8", errors="replace")


@pytest.mark.parametrize(
    ("name", "url", "authors"),
    [
        (
            "cnn_article",
            "http://www.cnn.com/2013/11/27/justice/tucson-arizona-captive-girls/index.html",
            ["Dana A. Ford", "James S.A. Corey", "Chien-Ming Wang", "Tom Watkins"],
        ),
        (
            "theguardian.com.academics",
            "https://www.theguardian.com/education/2020/jan/20/x",
            ["Richard Adams"],
        ),
        ("foxnews.com2", "http://www.foxnews.com/us/2014/12/23/teen-desperate-for-baby/", []),
        (
            "mercurynews.com.2023.01.16.letters-1119",
            "https://www.mercurynews.com/2023/01/16/letters-1119/",
            [],
        ),
        ("reuters.com.parasite", "https://www.reuters.com/article/us-awards-sag/x", ["Jill Serjeant"]),
        ("theverge.com.ios13", "https://www.theverge.com/2019/7/3/20680681/ios-13-beta-3", ["Jon Porter"]),
    ],
)
def test_authors_are_people_one_per_entry(name, url, authors):
    # CNN glues the outlet and several people into one meta author; the Guardian's article:author is a
    # profile URL; Fox News' account widget reads "Account You're logged"; letters carry no person.
    assert parse_article(page(name), url)["authors"] == authors


def test_bylines_as_published():
    assert ex.person_names(["Rob Picheta, CNN"]) == ["Rob Picheta"]
    assert ex.person_names(["Analysis by Maeve Reston, CNN"]) == ["Maeve Reston"]
    assert ex.person_names(
        [
            'By <a href="/profiles/meg-wagner">Meg Wagner</a>, <a href="/profiles/veronica-rocha">Veronica '
            "Rocha</a>, Melissa Macaya and Rob Picheta, CNN"
        ]
    ) == ["Meg Wagner", "Veronica Rocha", "Melissa Macaya", "Rob Picheta"]
    assert ex.person_names(["Jane Doe for The Outlet"], ["The Outlet"]) == ["Jane Doe"]
    assert ex.person_names(["Martin Luther King, Jr."]) == ["Martin Luther King, Jr."]


def test_headline_wins_over_a_social_og_title():
    parsed = parse_article(page("scmp.com.playbook"), "https://www.scmp.com/comment/opinion/article/3046833")
    # og:title and twitter:title say "Carrie Lam should study Tsai Ing-wen’s playbook"; the page's h1 and <title>:
    assert parsed["title"] == (
        "Taiwanese President Tsai Ing-wen’s political playbook should be essential reading for Hong Kong "
        "leader Carrie Lam"
    )
    letters = parse_article(page("mercurynews.com.2023.01.16.letters-1119"), "https://www.mercurynews.com/x/")
    assert letters["title"].startswith("Letters: Coddling criminals | Undermining road")


def test_dates_keep_their_time_zone():
    scmp = parse_article(page("scmp.com.playbook"), "https://www.scmp.com/comment/opinion/article/3046833")
    assert scmp["published"] == "2020-01-20T10:00:08+08:00"
    assert scmp["modified"] == "2020-01-20T10:09:41+08:00"
    verge = parse_article(page("theverge.com.ios13"), "https://www.theverge.com/2019/7/3/20680681/ios-13")
    assert verge["published"] == "2019-07-03T04:22:07-04:00"
    reuters = parse_article(page("reuters.com.parasite"), "https://www.reuters.com/article/us-awards-sag/x")
    assert reuters["published"] == "2020-01-19T12:25:36Z" and reuters["modified"] == "2020-01-20T09:49:32Z"


def test_front_pages_section_pages_and_redirect_stubs_are_not_articles():
    assert not_an_article(page("cnn_main_site"), "http://edition.cnn.com/") == "front_page"
    assert not_an_article(page("cnn_main_site"), "http://edition.cnn.com/us") == "section_page"
    assert not_an_article(page("google_meta_refresh"), "https://www.google.com/url?q=x") == "meta_refresh"
    for name in ("cnn_article", "foxnews.com2", "scmp.com.playbook", "theguardian.com.academics"):
        assert not_an_article(page(name), "https://example.com/2020/01/01/story/") is None, name


def test_srcset_urls_with_commas_stay_whole():
    html = page("wikimediafoundation.org.turkey")
    url = "https://wikimediafoundation.org/news/2020/01/15/access-to-wikipedia-restored-in-turkey/"
    urls = [i["url"] for i in ex.image_candidates(ex.soup_of(html).body, url)]
    assert not any(u.endswith(("/600", "/157", "/1075")) for u in urls), urls
    assert "https://wikimediafoundation.org/wp-content/uploads/2020/01/TurkeyUnblock_English.png" in urls
    assert (
        "https://wikimediafoundation.org/wp-content/uploads/2019/07/Blue-Mosque-Courtyard-Dusk-Wikimedia-"
        "Commons.jpg?resize=800,600" in urls
    )
    assert ex.srcset_candidates("a.jpg?resize=1200,1216 1200w, b.jpg?x=1,2 2x") == [
        ("a.jpg?resize=1200,1216", 1200.0),
        ("b.jpg?x=1,2", 2.0),
    ]


def test_crawl_records_non_articles_as_failures(workspace, httpserver):
    serve = httpserver.expect_request
    serve("/robots.txt").respond_with_data("", status=404)
    serve("/").respond_with_data(page("cnn_main_site"), content_type="text/html")
    serve("/go").respond_with_data(page("google_meta_refresh"), content_type="text/html")
    serve("/2013/11/27/us/weather/index.html").respond_with_data(
        page("cnn_article"), content_type="text/html"
    )
    base = httpserver.url_for("").rstrip("/")
    config = NewsConfig(
        from_snopes=False,
        urls=(f"{base}/", f"{base}/go", f"{base}/2013/11/27/us/weather/index.html"),
        host_platforms={"127.0.0.1": "cnn", "localhost": "cnn"},
        max_images=0,
        http=fast_http(),
    )
    report = crawl_news(workspace, config)
    items = list(workspace.read("crawl/news", "raw_item"))
    assert [i["url"] for i in items] == [f"{base}/2013/11/27/us/weather/index.html"]
    assert report.failure_reasons == {"front_page": 1, "meta_refresh": 1}


# Pages of the article extraction benchmark (scrapinghub/article-extraction-benchmark): the instant each
# states in its microdata or article:published_time, read from the page by hand.
BENCHMARK = [
    (
        "nytimes.2019.business-trump-trade-war-china",
        "https://www.nytimes.com/2019/11/18/business/trump-trade-war-china.html",
        "2019-11-18T17:56:27Z",
        "Trump’s Made-for-TV Trade War Keeps World Guessing",
    ),
    (
        "nytimes.2019.opinion-republicans-elections-impeachment",
        "https://www.nytimes.com/2019/11/19/opinion/republicans-elections-impeachment.html",
        "2019-11-19T11:00:09Z",
        "Republicans Are Following Trump to Nowhere",
    ),
    (
        "cnn.2019.asian-market-latest",
        "https://www.cnn.com/2019/11/18/investing/asian-market-latest/index.html",
        "2019-11-19T02:34:30Z",
        "Investors don't seem to know what to make of the US-China trade war",
    ),
    (
        "cnn.2019.donald-trump-health-walter-reed",
        "https://www.cnn.com/2019/11/18/politics/donald-trump-health-walter-reed/index.html",
        "2019-11-18T16:18:00Z",
        "Why you just can't trust the White House on Donald Trump's health",
    ),
    (
        "ap.hosted.2019.sondland-trump-ukraine",
        "https://hosted.ap.org/berkshireeagle/article/6486944b076b4df99a583a3a7c85574d/unpredictable-sondland-"
        "faces-questions-about-trump-ukraine",
        "2019-11-20T05:52:20-05:00",
        "Unpredictable Sondland faces questions about Trump, Ukraine",
    ),
    (
        "ap.hosted.2019.uk-tories-twitter-name-switch",
        "https://hosted.ap.org/citizensvoice/article/2896af5086674d4bbbbd454dec217c63/uk-tories-under-fire-"
        "twitter-name-switch-during-debate",
        "2019-11-20T06:01:44-05:00",
        "UK Tories under fire for Twitter name switch during debate",
    ),
]


@pytest.mark.parametrize(("name", "url", "published", "title"), BENCHMARK, ids=[b[0] for b in BENCHMARK])
def test_the_stated_instant_is_kept_with_its_zone(name, url, published, title):
    html = page(name)
    assert not_an_article(html, url) is None
    parsed = parse_article(html, url)
    assert parsed["published"] == published and not parsed["published"].endswith("T00:00:00Z")
    assert parsed["title"] == title


def test_hosted_ap_story_under_a_generic_title_is_an_article_with_its_headline():
    # newspaper4k's "ap_meta_refresh" page: <title> "News from The Associated Press" and a 600 s self-refresh,
    # but the body is one hNews story (hentry, entry-title, byline, 29 paragraphs), not a front page
    html = page("ap_meta_refresh")
    url = "https://hosted.ap.org/dynamic/stories/A/AS_NIGHTCLUB_SHOOTING_FATHER"
    assert not_an_article(html, url) is None
    parsed = parse_article(html, url)
    assert parsed["title"] == "Father of Orlando gunman known for rambling political videos"
    assert parsed["text"].startswith("KABUL, Afghanistan") and parsed["authors"] == ["LYNNE O'DONNELL"]
