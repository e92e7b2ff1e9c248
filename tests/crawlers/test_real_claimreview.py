"""``crawl claimreview`` on real ClaimReview data (fixtures/real/claimreview, sources in fixtures/real/README.md).

The API test serves the recorded ``claims:search`` claims from a local server, two pages joined by a
``nextPageToken``; the feed test reads a Data Commons feed entry as Google published it.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from werkzeug.wrappers import Request, Response

from finefake.crawlers.claimreview import ClaimReviewConfig, crawl_claimreview, verdict_of
from finefake.crawlers.news import NewsConfig, seed_tasks
from finefake.errors import FinefakeError, MissingCredentials

REAL = Path(__file__).parent / "fixtures" / "real" / "claimreview"


def _claims(name: str) -> list[dict]:
    return json.loads((REAL / name).read_text(encoding="utf-8"))["claims"]


@pytest.mark.parametrize(
    ("rating", "verdict"),
    [
        ("False", "fake"),
        ("This is false", "fake"),
        (
            "False. No such policy has been announced. Social media videos claiming this feature fake audio",
            "fake",
        ),
        ("user's claim is mostly false.", "fake"),
        ("Pants on Fire", "fake"),
        ("Incorrect", "fake"),
        ("Mostly True", "real"),
        ("True", "real"),
        ("This is misleading. While there were around 35,000 immigration returns", "excluded"),
        ("Needs Context", "excluded"),
        ("Half True", "excluded"),
        ("Partly false", "excluded"),
        ('There have been <a href="https://apnews', "unmapped"),
        ("Reker hat diesen Satz nie gesagt. «Völliger Unsinn», heißt es dazu", "unmapped"),
    ],
)
def test_published_ratings_are_normalised_through_the_table(rating, verdict):
    # every rating above is verbatim from a recorded claims:search answer or the data feed
    assert verdict_of(rating)[0] == verdict


@pytest.fixture
def factcheck_api(httpserver, monkeypatch):
    monkeypatch.setenv("FACTCHECK_API_KEY", "k-123-secret")
    pages = {
        None: {"claims": _claims("ai_debate_claims_search_2025.json"), "nextPageToken": "CAo"},
        "CAo": {"claims": _claims("ai_debate_claims_search_health.json")},
    }
    asked: list[dict] = []

    def answer(request: Request) -> Response:
        asked.append(dict(request.args))
        return Response(json.dumps(pages[request.args.get("pageToken")]), content_type="application/json")

    httpserver.expect_request("/v1alpha1/claims:search").respond_with_handler(answer)
    return httpserver.url_for("/v1alpha1/claims:search"), asked


def test_api_pages_publishers_and_no_key_in_the_stage(workspace, factcheck_api):
    url, asked = factcheck_api
    report = crawl_claimreview(workspace, ClaimReviewConfig(query="election", api_url=url, rate=0))
    assert report.api_pages == 2 and [a.get("pageToken") for a in asked] == [None, "CAo"]
    assert asked[0]["key"] == "k-123-secret" and asked[0]["query"] == "election"
    records = {r["review_url"]: r for r in workspace.read("crawl/claimreview")}
    # 56 reviews in the two answers, 7 of them a second claim checked by the same article
    assert report.written == len(records) == 49 and report.skipped_duplicate == 7
    afp = records["https://factcheck.afp.com/doc.afp.com.792N7G3"]
    assert (
        afp["claim"] == "Woman arrives in US from non-existent country Torenza" and afp["claimant"] == "Tunde"
    )
    assert afp["reviewer"] == {"name": "AFP Fact Check", "site": "factcheck.afp.com"}
    assert afp["review_date"] == "2025-10-17T12:09:00Z" and afp["verdict"] == "fake"
    assert afp["fact_check"] == {
        "url": "https://factcheck.afp.com/doc.afp.com.792N7G3",
        "claim": "Woman arrives in US from non-existent country Torenza",
        "rating": "False",
        "categories": [],
        "label": 0,
    }
    stage = workspace.stage_dir("crawl/claimreview")
    assert not any("k-123-secret" in p.read_text(errors="ignore") for p in stage.rglob("*") if p.is_file())


def test_publisher_filter(workspace, factcheck_api):
    url, asked = factcheck_api
    report = crawl_claimreview(
        workspace, ClaimReviewConfig(query="x", api_url=url, rate=0, publishers=("fullfact.org",))
    )
    assert asked[0]["reviewPublisherSiteFilter"] == "fullfact.org"
    names = {r["reviewer"]["name"] for r in workspace.read("crawl/claimreview")}
    assert names == {"Full Fact"} and report.skipped_publisher > 0


def test_feed_and_its_appearances_feed_crawl_news(workspace):
    report = crawl_claimreview(workspace, ClaimReviewConfig(feed=REAL / "datacommons_feed_2019.json"))
    (record,) = workspace.read("crawl/claimreview")
    assert report.written == 1 and record["source"] == "feed"
    assert record["claim"].startswith("Im Netz sorgt ein angebliches Zitat von Kölns Oberbürgermeisterin")
    assert record["reviewer"] == {"name": "Deutsche Presse-Agentur", "site": "presseportal.de"}
    assert record["review_date"] == "2019-09-20T00:00:00Z" and record["claimant"] == "Irmin Suhl"
    assert record["verdict"] == "unmapped" and record["fact_check"]["label"] is None
    facebook = "https://www.facebook.com/photo.php?fbid=389949688569877&set=a.155170952047753&type=3&theater"
    assert record["links"] == [facebook]
    # the appearance is followed like a Snopes source link once its host is a news platform
    tasks, ignored = seed_tasks(
        workspace, NewsConfig(from_snopes=False, host_platforms={"www.facebook.com": "cnn"})
    )
    (task,) = tasks
    assert task.url == facebook and task.context["via"] == "claimreview"
    assert (
        task.context["fact_check"] == record["fact_check"] and task.context["claimreview_id"] == record["id"]
    )
    tasks, ignored = seed_tasks(workspace, NewsConfig(from_snopes=False, urls=("https://www.cnn.com/a/b",)))
    assert ignored["not_a_news_link"] == 1


def test_clear_errors(workspace, monkeypatch):
    for name in ("FACTCHECK_API_KEY", "GOOGLE_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(MissingCredentials):
        crawl_claimreview(workspace, ClaimReviewConfig(query="x", api_url="http://127.0.0.1:9/"))
    with pytest.raises(FinefakeError, match="--feed FILE"):
        crawl_claimreview(workspace, ClaimReviewConfig())
    bad = workspace.root / "bad.json"
    bad.parent.mkdir(parents=True, exist_ok=True)
    bad.write_text('{"dataFeedElement": [{"item": [', encoding="utf-8")
    with pytest.raises(FinefakeError, match="not valid JSON"):
        crawl_claimreview(workspace, ClaimReviewConfig(feed=bad))


def test_cli_crawl_claimreview_from_a_feed(tmp_path):
    from typer.testing import CliRunner

    from finefake.cli import app

    feed = str(REAL / "datacommons_feed_2019.json")
    result = CliRunner().invoke(app, ["-w", str(tmp_path / "ws"), "crawl", "claimreview", "--feed", feed])
    assert result.exit_code == 0, result.output
    stage = (tmp_path / "ws" / "crawl" / "claimreview").resolve()
    assert f"claimreview: 1 fact-check(s) in {stage}" in "".join(result.output.split("\n"))
    other = CliRunner().invoke(
        app,
        [
            "-w",
            str(tmp_path / "ws2"),
            "crawl",
            "claimreview",
            "--feed",
            feed,
            "--publisher",
            "politifact.com",
        ],
    )
    said = " ".join(other.output.split())  # the console wraps long lines
    assert other.exit_code == 0 and "0 fact-check(s)" in said and "1 other publisher(s)" in said
