"""``crawl claimreview --pages`` turns fact-check pages into items that ``finefake clean`` takes in.

A local server serves the REAL saved pages (fixtures/real/factchecks: AFP 2020, PolitiFact 2025, Snopes 2025)
behind a ClaimReview feed built from the real Data Commons feed record (fixtures/real/claimreview). The pages'
own image folders are served by the same server (their absolute image URLs are pointed at it, nothing else
in the markup changes), with an image generated here.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pytest
import yaml
from PIL import Image

from crawlers.conftest import fast_http, write_feed
from finefake.clean.config import CleanConfig
from finefake.clean.engines import clean
from finefake.clean.stage import crawl_stages
from finefake.contract import ALL_PLATFORM_GROUP
from finefake.crawlers.claimreview import STAGE, ClaimReviewConfig, crawl_claimreview
from finefake.crawlers.factcheck import ITEM_STAGE, platform_of
from finefake.crawlers.fidelity import read_page
from finefake.errors import FinefakeError

REAL = Path(__file__).parent / "fixtures" / "real"
PAGES = REAL / "factchecks"
EXPECTED = {e["file"]: e for e in yaml.safe_load((PAGES / "expected.yaml").read_text(encoding="utf-8"))}
AFP = "afp/afp-factcheck-en-2020-cdc-flu-pneumonia-covid-false.html.gz"
POLITIFACT = "politifact/politifact-2025-trump-conceal-carry-reciprocity-false.html.gz"
SNOPES = "snopes-2025/snopes-2025-trump-eo-food-stamps-false.html.gz"
#: absolute image origins of the pages -> the local path they are served under
IMAGE_ORIGINS = {
    "https://factcheck.afp.com/sites/": "/sites/",
    "https://mediaproxy.snopes.com/": "/mediaproxy/",
    "https://media-proxy.snopes.com/": "/media-proxy/",
}


def _png() -> bytes:
    pixels = np.random.default_rng(0).integers(0, 255, (120, 160, 3), dtype=np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, format="PNG")
    return out.getvalue()


def _local(html: str, origin: str) -> str:
    for remote, path in IMAGE_ORIGINS.items():
        html = html.replace(remote, origin + path)
    return html


@pytest.fixture
def crawled(workspace, httpserver, tmp_path):
    origin = httpserver.url_for("/").rstrip("/")
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    pages = {"/afp": AFP, "/politifact": POLITIFACT, "/snopes": SNOPES}
    for path, name in pages.items():
        html = _local(read_page(PAGES / name), origin)
        httpserver.expect_request(path).respond_with_data(html, content_type="text/html; charset=utf-8")
    odd = _local(read_page(PAGES / AFP), origin).replace(
        '"alternateName": "False"', '"alternateName": "Sort of"'
    )
    httpserver.expect_request("/odd").respond_with_data(odd, content_type="text/html; charset=utf-8")
    png = _png()
    for prefix in IMAGE_ORIGINS.values():
        httpserver.expect_request(re.compile("^" + prefix + ".*")).respond_with_data(
            png, content_type="image/png"
        )
    real_feed = json.loads((REAL / "claimreview" / "datacommons_feed_2019.json").read_text())
    review = real_feed["dataFeedElement"][0]["item"][0]
    # the feed's rating is empty for PolitiFact and Snopes (the page gives it) and "Mostly False" for AFP,
    # whose page says "False": the page's rating wins
    ratings = (("/afp", "Mostly False"), ("/politifact", ""), ("/snopes", ""), ("/odd", ""))
    feed = write_feed(tmp_path / "feed.json", review, [(httpserver.url_for(p), r) for p, r in ratings])
    http = fast_http(allowed_private_hosts=("127.0.0.1", "localhost"))
    report = crawl_claimreview(workspace, ClaimReviewConfig(feed=feed, pages=True, max_images=3, http=http))
    items = {urlsplit(i["url"]).path: i for i in workspace.read(ITEM_STAGE, "raw_item")}
    return report, items, origin


def test_pages_become_items_with_text_authors_images_and_the_pages_label(crawled):
    report, items, origin = crawled
    assert report.items == len(items) == 4
    for path, name in (("/afp", AFP), ("/politifact", POLITIFACT), ("/snopes", SNOPES)):
        item, expected = items[path], EXPECTED[name]
        assert item["text"].startswith(expected["first"]) and item["text"].endswith(expected["last"])
        assert item["authors"] == expected["authors"] and item["title"] == expected["title"]
        assert item["fact_check"]["claim"] == expected["claim"]
        assert item["fact_check"]["rating"] == expected["rating"] == "False"
        assert item["fact_check"]["label"] == 0 and item["metadata"]["verdict"] == "fake"
        # the images written down by hand come first (expected.yaml has them without their query)
        wanted = [_local(u, origin) for u in expected["images"]]
        assert [i["url"].split("?")[0] for i in item["images"]][: len(wanted)] == wanted
        assert all(i["path"] and i["sha256"] and i["width"] == 160 for i in item["images"])
    assert [items[p]["platform"] for p in ("/afp", "/politifact", "/snopes", "/odd")] == [
        "afp",
        "politifact",
        "snopes",
        "afp",
    ]
    assert items["/snopes"]["id"].startswith("snopes:") and items["/afp"]["id"].startswith("afp:")
    assert items["/snopes"]["topic"] == "politics"
    # a rating in no table: the item is kept without a label, and counted
    assert items["/odd"]["fact_check"]["rating"] == "Sort of" and items["/odd"]["fact_check"]["label"] is None
    assert report.pages == {"pages": 4, "rating_unmapped": 1}
    assert report.ratings == {"False": 3, "Sort of": 1}


def test_manifest_counts_items_per_platform_and_verdict(crawled, workspace):
    manifest = json.loads((workspace.root / ITEM_STAGE / "manifest.json").read_text())
    counts = manifest["counts"]
    assert counts["items"] == 4 and counts["verdict_fake"] == 3 and counts["verdict_unmapped"] == 1
    assert (
        counts["platform_afp"] == 2 and counts["platform_snopes"] == 1 and counts["platform_politifact"] == 1
    )


def test_clean_takes_the_items_in_and_leaves_the_seed_records_out(crawled, workspace, caplog):
    assert workspace.has_records(STAGE) and crawl_stages(workspace) == [ITEM_STAGE]
    assert "crawl/claimreview left out" in caplog.text
    report = clean(workspace, CleanConfig(default_topic="politics"))
    assert report.platforms["snopes"] == {"input": 1, "kept": 1, "dropped": {}}
    assert report.platforms["politifact"] == {"input": 1, "kept": 0, "dropped": {"text_only": 1}}
    afp = report.platforms["afp"]  # the page and its copy with the odd rating: the same text, one kept
    assert afp["input"] == 2 and afp["kept"] == 1 and afp["dropped"] == {"exact_duplicate": 1}
    kept = {r["platform"]: r for r in workspace.read("clean", "news_item")}
    assert kept["afp"]["platform_group"] == kept["snopes"]["platform_group"] == "fact_check"
    assert kept["snopes"]["fact_check"]["label"] == 0 and kept["snopes"]["authors"] == ["Taija PerryCook"]
    with pytest.raises(FinefakeError, match="crawl/claimreview holds no items"):
        clean(workspace, CleanConfig(stages=(STAGE,)))


def test_publishers_without_a_platform_of_their_own_are_factcheck():
    assert platform_of("politifact") == "politifact" and platform_of("snopes") == "snopes"
    assert platform_of("claimreview") == "factcheck" and platform_of("cnn") == "factcheck"
    assert ALL_PLATFORM_GROUP["factcheck"] == "fact_check"
