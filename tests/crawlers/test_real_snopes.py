"""Snopes: the rating vocabulary (real lists, fixtures/real/snopes) and the page furniture of today's layout.

No full saved Snopes fact-check page is available offline (see fixtures/real/README.md), so the page test below
is markup written after the class names of Snopes' 2022+ layout (``article#article-content``,
``#fact_check_rating_container``, ``claim_cont``, ``rating_link_wrapper``, ``#sources_rows``); its claim block
is copied from a real 2024 page as a public project stored it (melisekm/sm-natdis-detect,
micro-services/dl_service/app/examples.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from finefake.contract import label_for_rating, rating_verdict
from finefake.crawlers.snopes import parse_fact_check

REAL = Path(__file__).parent / "fixtures" / "real" / "snopes"
URL = "https://www.snopes.com/fact-check/japanese-american-pledge-allegiance/"


@pytest.mark.parametrize("name", ["snopes_ratings_2021.json", "snopes_ratings_2022.json"])
def test_every_rating_snopes_lists_is_mapped(name):
    ratings = [r["display"] for r in json.loads((REAL / name).read_text(encoding="utf-8"))]
    assert len(ratings) >= 16
    unmapped = [r for r in ratings if rating_verdict(r) not in ("real", "fake", "excluded")]
    assert unmapped == []


@pytest.mark.parametrize(
    ("rating", "verdict", "label"),
    [
        ("True", "real", 1),
        ("Correct Attribution", "real", 1),
        ("Recall", "real", 1),
        ("Mostly False", "fake", 0),
        ("Miscaptioned", "fake", 0),
        ("Misattributed", "fake", 0),
        ("Mixture", "excluded", None),
        ("Mixture of Fact and Fiction", "excluded", None),
        ("Unproven (retired)", "excluded", None),
        ("Labeled Satire", "excluded", None),
        ("Scam", "excluded", None),
        ("Lost Legend", "excluded", None),
        ("Half Baked", "unmapped", None),
        ("", None, None),
    ],
)
def test_rating_verdicts(rating, verdict, label):
    assert rating_verdict(rating) == verdict and label_for_rating(rating) == label


# The claim/rating block is verbatim from the stored 2024 page; the rest follows the layout's class names.
CLAIM_BLOCK = """<div id="fact_check_rating_container">
<p class="wrapper_title">Claim:</p><p class="claim_cont">
A black-and-white photo that circulated on social media in March 2024 showed a Japanese American girl pledging
allegiance to the U.S. flag before being incarcerated with her family during World War II.</p>
<p class="wrapper_title">Rating:</p>
<a class="rating_link_wrapper" href="/fact-check/rating/true">
<img class="lazy-image" alt="True">
<p>About this rating
</p>
<div class="rating_title_wrap">True</div></a>
</div>"""
PAGE = f"""<html><head><title>Japanese American Girl Pledges Allegiance? | Snopes.com</title></head><body>
<nav class="breadcrumbs"><a href="/">Home</a> <a href="/fact-check/">Fact Checks</a>
<a href="/fact-check/category/history/">History</a>
<a href="{URL}">Japanese American Girl Pledges Allegiance to US Flag Before WWII Incarceration?</a></nav>
<section class="title-container"><h1>Japanese American Girl Pledges Allegiance to US Flag Before WWII
Incarceration?</h1></section>
<article id="article-content">{CLAIM_BLOCK}
<p>On March 8, 2024, Reddit account <a href="https://www.reddit.com/r/pics/comments/1b9m8ew/a_japaneseamerican_girl_pledging_allegiance_to_us/">phoeebsy</a>
uploaded a black-and-white photo of what appeared to be a young girl taking part in the U.S. Pledge of
Allegiance during World War II <a href="https://archive.is/nPKln">(archived here)</a>.</p>
<img srcset="https://www.snopes.com/tachyon/2020/03/ss_corona_beer.png?resize=400,209 400w,
 https://www.snopes.com/tachyon/2020/03/ss_corona_beer.png?resize=865,452 865w" alt="photo">
<div id="sources_rows"><p>Sources: Dorothea Lange photograph, National Archives.</p></div>
<div class="snopes_donation_cta"><p>Snopes needs your help! Donate today.</p>
<img src="https://www.snopes.com/tachyon/2023/01/donate-banner.png?resize=600,200"></div>
<h3>Snopes is an independent publication owned by Snopes Media Group.</h3>
<p>Become a Snopes member to remove ads.</p>
<ul class="staff_list"><li>David Mikkelson, Founder</li><li>Doreen Marchionni, Vice President</li></ul>
</article></body></html>"""


def test_body_stops_at_the_appeal_and_the_title_is_no_category():
    parsed = parse_fact_check(PAGE, URL)
    assert parsed["rating"] == "True" and parsed["claim"].startswith("A black-and-white photo")
    assert parsed["categories"] == ["History"]
    text = parsed["text"]
    assert text.startswith("On March 8, 2024, Reddit account phoeebsy uploaded a black-and-white photo")
    assert "Pledge of Allegiance during World War II" in text and "Sources: Dorothea Lange" in text
    assert "About this rating" not in text  # the claim/rating box is not article text
    for furniture in ("Donate", "independent publication", "Become a Snopes member", "Mikkelson"):
        assert furniture not in text, furniture
    images = [i["url"] for i in parsed["images"]]
    assert images == ["https://www.snopes.com/tachyon/2020/03/ss_corona_beer.png?resize=865,452"]
    assert (
        "https://www.reddit.com/r/pics/comments/1b9m8ew/a_japaneseamerican_girl_pledging_allegiance_to_us/"
        in (parsed["links"])
    )
