"""Fact-check pages as the sites served them (fixtures/real/factchecks, sources in fixtures/real/README.md).

Every page is compared with the values written by hand from reading it (fixtures/real/factchecks/expected.yaml),
through the same code as ``perf/page_fidelity.py`` (:mod:`finefake.crawlers.fidelity`): 46 Snopes pages of the
2017-2022 WordPress layout (with and without ClaimReview), one of today's layout, an AFP and a PolitiFact page.
"""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest
import yaml

from crawlers.conftest import fast_http, write_feed
from finefake.contract import label_for_rating, rating_verdict
from finefake.crawlers.claimreview import ClaimReviewConfig, crawl_claimreview
from finefake.crawlers.factcheck import attach_pages, parse_page
from finefake.crawlers.fidelity import (
    body_problems,
    bogus_images,
    differences,
    measure,
    read_page,
    report_lines,
)
from finefake.crawlers.http import Fetcher
from finefake.crawlers.snopes import SnopesConfig, crawl_snopes

PAGES = Path(__file__).parent / "fixtures" / "real" / "factchecks"
EXPECTED = yaml.safe_load((PAGES / "expected.yaml").read_text(encoding="utf-8"))
BY_FILE = {e["file"]: e for e in EXPECTED}
AFP = "afp/afp-factcheck-en-2020-cdc-flu-pneumonia-covid-false.html.gz"
POLITIFACT = "politifact/politifact-2025-trump-conceal-carry-reciprocity-false.html.gz"
NO_CLAIMREVIEW = "snopes-2022-served/vin-diesel-death-hoax.html.gz"  # rating only in the badge
CURRENT = "snopes-2025/snopes-2025-trump-eo-food-stamps-false.html.gz"


def test_every_saved_page_has_expected_values():
    saved = sorted(p.relative_to(PAGES).as_posix() for p in PAGES.rglob("*.html.gz"))
    assert saved == sorted(BY_FILE) and len(saved) == 49


@pytest.mark.parametrize("entry", EXPECTED, ids=[e["file"].split("/")[-1][:40] for e in EXPECTED])
def test_page_reads_as_written_by_hand(entry):
    parsed = parse_page(read_page(PAGES / entry["file"]), entry["url"])
    assert differences(parsed, entry) == []
    assert body_problems(parsed["text"]) == []
    assert bogus_images(parsed["images"]) == []
    assert rating_verdict(parsed["rating"]) in ("fake", "real", "excluded")


def test_the_2022_layouts_with_and_without_claimreview_are_both_covered():
    layouts = {e["layout"] for e in EXPECTED if e["file"].startswith("snopes-2022")}
    assert layouts == {"2017", "2017+jsonld"}
    without = [e for e in EXPECTED if e["layout"] == "2017"]
    assert len(without) >= 10 and all(e["rating"] for e in without)


def test_image_urls_stay_whole():
    # today's Snopes serves images through a proxy whose URLs end in another URL; PolitiFact's thumbnails
    # carry a stray full stop after the file name and two alt attributes
    current = parse_page(read_page(PAGES / CURRENT), BY_FILE[CURRENT]["url"])
    assert current["images"][0]["url"] == (
        "https://mediaproxy.snopes.com/width/1200/https://media.snopes.com/2025/01/food_stamps_satire.jpg"
    )
    html = read_page(PAGES / POLITIFACT)
    assert '.jpg."' in html
    parsed = parse_page(html, BY_FILE[POLITIFACT]["url"])
    assert all(not i["url"].endswith(".") for i in parsed["images"])
    assert parsed["reviewer"] == "PolitiFact" and parsed["rating"] == "False"


def _folder(tmp_path: Path, files: list[str]) -> Path:
    for name in files:
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(PAGES / name, target)
    return tmp_path


def test_fidelity_counts_fields_per_site_and_lists_failures(tmp_path):
    folder = _folder(tmp_path / "pages", [NO_CLAIMREVIEW, CURRENT, AFP])
    news = Path(__file__).parent / "fixtures" / "real" / "news" / "cnn_main_site.html.gz"
    shutil.copy(news, folder / "cnn_main_site.html.gz")  # a front page: no fact-check
    result = measure(folder)
    assert dict(result.pages) == {"snopes": 2, "afp": 1, "unknown": 1}
    assert result.yields["snopes"]["rating"] == 2 and result.yields["snopes"]["authors"] == 2
    assert result.yields["snopes"]["clean_body"] == 2 and result.yields["afp"]["text"] == 1
    assert [(f, d.split(":")[0]) for f, _, d in result.failures] == [
        ("cnn_main_site.html.gz", "not_a_fact_check")
    ]
    lines = report_lines(result)
    assert lines[0].split()[:3] == ["site", "pages", "rating"]
    assert "ratings snopes: False: 2" in lines


def test_perf_script_prints_the_same_report(tmp_path, capsys):
    import importlib.util

    spec = importlib.util.spec_from_file_location("page_fidelity", Path("perf/page_fidelity.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    folder = _folder(tmp_path, [AFP])
    assert module.main([str(folder)]) == 0
    out = capsys.readouterr().out
    assert "afp" in out and "failures: 0" in out
    assert module.main([str(tmp_path / "missing")]) == 2


def _unmapped_afp(tmp_path: Path) -> str:
    """The real AFP page with its verdict changed to one no table holds (no real page shows one)."""
    html = read_page(PAGES / AFP).replace('"alternateName": "False"', '"alternateName": "Sort of"')
    assert "Sort of" in html
    return html


def test_a_rating_in_no_table_is_reported(tmp_path):
    folder = tmp_path / "afp"
    folder.mkdir()
    (folder / "page.html.gz").write_bytes(gzip.compress(_unmapped_afp(tmp_path).encode()))
    result = measure(tmp_path)
    assert ("afp/page.html.gz", "rating", "unmapped:Sort of") in result.failures
    assert result.yields["afp"]["rating"] == 1 and result.yields["afp"]["rating_mapped"] == 0


def _serve(httpserver, pages: dict[str, str]) -> None:
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    for path, html in pages.items():
        httpserver.expect_request(path).respond_with_data(html, content_type="text/html; charset=utf-8")


def test_snopes_crawl_of_real_pages_labels_items_from_the_page(workspace, httpserver):
    names = [
        NO_CLAIMREVIEW,
        "snopes-2022-served/alexa-cpr.html.gz",
        "snopes-2022-served/tear-gas-banned-warfare.html.gz",
        CURRENT,
    ]
    pages = {f"/fact-check/{Path(n).name.removesuffix('.html.gz')}/": read_page(PAGES / n) for n in names}
    _serve(httpserver, pages)
    config = SnopesConfig(
        base_url=httpserver.url_for("/").rstrip("/"),
        start_urls=tuple(httpserver.url_for(p) for p in pages),
        max_images=0,
        workers=1,
        http=fast_http(),
    )
    report = crawl_snopes(workspace, config)
    items = {i["url"].rsplit("/", 2)[-2]: i for i in workspace.read("crawl/snopes", "raw_item")}
    assert len(items) == 4
    for name in names:
        entry = BY_FILE[name]
        item = items[Path(name).name.removesuffix(".html.gz")]
        assert item["fact_check"]["rating"] == entry["rating"]
        assert item["fact_check"]["label"] == label_for_rating(entry["rating"])
        assert item["authors"] == entry["authors"] and item["text"]
    assert report.ratings == {"False": 2, "Mixture": 1, "True": 1}
    manifest = json.loads((workspace.root / "crawl" / "snopes" / "manifest.json").read_text())
    assert manifest["counts"]["verdict_fake"] == 2 and manifest["counts"]["verdict_excluded"] == 1


def test_claimreview_records_get_the_fact_check_article(workspace, httpserver, tmp_path):
    _serve(
        httpserver,
        {
            "/afp": read_page(PAGES / AFP),
            "/politifact": read_page(PAGES / POLITIFACT),
            "/odd": _unmapped_afp(tmp_path),
        },
    )
    # the real Data Commons feed item (dpa, 2019), pointed at the local pages; the PolitiFact page has no
    # ClaimReview, so its record comes without a rating and takes the Truth-O-Meter's
    real = json.loads(
        (
            Path(__file__).parent / "fixtures" / "real" / "claimreview" / "datacommons_feed_2019.json"
        ).read_text()
    )
    review = real["dataFeedElement"][0]["item"][0]
    ratings = (("/afp", "False"), ("/politifact", ""), ("/odd", ""))
    feed = write_feed(tmp_path / "feed.json", review, [(httpserver.url_for(p), r) for p, r in ratings])
    http = fast_http(allowed_private_hosts=("127.0.0.1", "localhost"))
    report = crawl_claimreview(workspace, ClaimReviewConfig(feed=feed, pages=True, max_images=0, http=http))
    assert report.pages == {"pages": 3, "rating_unmapped": 1}
    records = {r["review_url"].rsplit("/", 1)[-1]: r for r in workspace.read("crawl/claimreview")}
    afp = records["afp"]["page"]
    assert afp["text"].startswith(BY_FILE[AFP]["first"]) and afp["authors"] == ["Claire Savage"]
    politifact = records["politifact"]
    assert politifact["rating"] == "False" and politifact["fact_check"]["label"] == 0
    assert politifact["page"]["text"].endswith(BY_FILE[POLITIFACT]["last"])
    assert records["odd"]["verdict"] == "unmapped"
    assert report.verdicts == {"fake": 2, "unmapped": 1}


def test_feed_hosts_are_not_fetched_when_private(httpserver):
    _serve(httpserver, {"/afp": read_page(PAGES / AFP)})
    records = [{"review_url": httpserver.url_for("/afp"), "links": [], "fact_check": {}}]
    fetcher = Fetcher(fast_http())
    try:
        counts = attach_pages(records, fetcher)
    finally:
        fetcher.close()
    assert counts["pages"] == 0 and sum(counts.values()) == 1 and "page" not in records[0]


@pytest.mark.slow
def test_crawl_of_every_real_snopes_page_counts_each_rating(workspace, httpserver):
    snopes = [e for e in EXPECTED if e["file"].startswith("snopes")]
    pages = {f"/fact-check/{Path(e['file']).name.removesuffix('.html.gz')}/": e for e in snopes}
    _serve(httpserver, {path: read_page(PAGES / e["file"]) for path, e in pages.items()})
    config = SnopesConfig(
        base_url=httpserver.url_for("/").rstrip("/"),
        start_urls=tuple(httpserver.url_for(p) for p in pages),
        max_images=0,
        workers=2,
        http=fast_http(),
    )
    report = crawl_snopes(workspace, config)
    items = {i["url"]: i for i in workspace.read("crawl/snopes", "raw_item")}
    assert len(items) == len(snopes) == 47
    for path, entry in pages.items():
        item = items[httpserver.url_for(path)]
        assert (item["fact_check"]["rating"], item["authors"]) == (entry["rating"], entry["authors"])
        assert item["fact_check"]["label"] == label_for_rating(entry["rating"])
    expected_counts: dict[str, int] = {}
    for entry in snopes:
        expected_counts[entry["rating"]] = expected_counts.get(entry["rating"], 0) + 1
    assert report.ratings == dict(sorted(expected_counts.items()))
    assert report.failure_reasons == {}
