"""The mini-web generator and server: determinism, proportions, page shapes the real parsers read."""

from __future__ import annotations

import json
from collections import Counter

import pytest
import requests

from finefake.contract import PLATFORMS, TOPICS, label_for_rating, topic_for_categories
from finefake.crawlers.news import parse_article, parse_sitemap, platform_for
from finefake.crawlers.snopes import parse_fact_check, parse_listing, unwrap_archive
from finefake.demo.miniweb import NEWS_HOSTS, MiniWebConfig, generate_miniweb, load_miniweb
from finefake.demo.server import MiniWebServer, proxy_environment


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    return generate_miniweb(tmp_path_factory.mktemp("mw") / "web", MiniWebConfig(items=120, seed=4))


@pytest.fixture(scope="module")
def served(web):
    with MiniWebServer(web.root) as server, proxy_environment(server):
        yield server


def test_deterministic_and_covering(web, tmp_path):
    again = generate_miniweb(tmp_path / "again", MiniWebConfig(items=120, seed=4))
    assert again.truth == web.truth
    other = generate_miniweb(tmp_path / "other", MiniWebConfig(items=120, seed=5))
    assert other.truth != web.truth
    kept = [r for r in web.truth if r["expect"] == "keep"]
    assert len(kept) == 120
    assert {r["platform"] for r in kept} == set(PLATFORMS)
    assert {r["topic"] for r in kept} == set(TOPICS)
    assert set(Counter(r["fine_grained_label"] for r in kept)) == set(range(6))
    assert Counter(r["expect"] for r in web.truth)["drop:near_duplicate"] >= 1
    assert load_miniweb(web.root).truth == web.truth


def test_label_shares_follow_platform_groups(tmp_path):
    big = generate_miniweb(tmp_path / "big", MiniWebConfig(items=600, seed=1))
    kept = [r for r in big.truth if r["expect"] == "keep"]
    share = {
        g: sum(r["label"] for r in kept if r["platform_group"] == g)
        / sum(r["platform_group"] == g for r in kept)
        for g in ("fact_check", "stream", "official")
    }
    assert share["fact_check"] < share["stream"] < share["official"]
    assert Counter(r["platform"] for r in kept)["snopes"] == 132  # 22% of 600, allocated exactly


def test_annotators_disagree_realistically(web):
    rows = [r for r in web.truth if r["expect"] == "keep"]
    agree_all = sum(len({a["fine_grained_label"] for a in r["annotations"]}) == 1 for r in rows)
    correct = sum(a["fine_grained_label"] == r["fine_grained_label"] for r in rows for a in r["annotations"])
    assert 0 < agree_all < len(rows)
    assert 0.7 < correct / (5 * len(rows)) < 0.97


def test_snopes_pages_parse_in_every_layout(web, served):
    listing = requests.get("http://www.snopes.com/fact-check/", timeout=10)
    links, next_url, _ = parse_listing(listing.text, "http://www.snopes.com/fact-check/")
    assert next_url is None and len(links) == sum(r["platform"] == "snopes" for r in web.truth) + 1
    truth = web.by_url()
    layouts = Counter()
    for row in (r for r in web.truth if r["platform"] == "snopes"):
        html = requests.get(row["url"], timeout=10).text
        parsed = parse_fact_check(html, row["url"])
        layouts[parsed["layout"]] += 1
        assert parsed["rating"] == row["rating"]
        assert label_for_rating(parsed["rating"]) == row["label"]
        assert topic_for_categories(parsed["categories"]) == row["topic"]
        assert parsed["images"], row["url"]
        cited = {truth[u]["key"] for u in map(_canon_source, parsed["links"]) if u in truth}
        assert cited == set(row["cites"])
    assert {"2022+jsonld", "2017", "legacy"} <= set(layouts)
    robots = requests.get("http://www.snopes.com/robots.txt", timeout=10).text
    assert "Disallow: /fact-check/draft-" in robots


def _canon_source(url: str) -> str:
    from finefake.ids import canonical_url

    return canonical_url(unwrap_archive(url) or url)


def test_news_profiles_sitemaps_and_archive(web, served):
    for platform, host in NEWS_HOSTS.items():
        rows = [r for r in web.truth if r["platform"] == platform]
        children, _ = parse_sitemap(requests.get(f"http://{host}/sitemap.xml", timeout=10).content, host)
        urls = [u for c in children for u, _ in parse_sitemap(requests.get(c, timeout=10).content, c)[1]]
        assert sorted(urls) == sorted(r["url"] for r in rows)
        row = rows[0]
        parsed = parse_article(requests.get(row["url"], timeout=10).text, row["url"])
        assert platform_for(row["url"]) == platform
        assert parsed["title"] == row["title"] and parsed["published"] == row["published"]
        assert parsed["images"] and len(parsed["text"].split()) > 60
        assert parsed["jsonld"] == (platform != "washingtonpost")
    archived = next(u for r in web.truth for u in r["urls"] if "web.archive.org" in u)
    page = requests.get(archived, timeout=10)
    assert page.status_code == 200 and "WAYBACK" in page.text


def test_reddit_and_twitter_api_shapes(web, served):
    post = next(r for r in web.truth if r["platform"] == "reddit" and r["has_image"])
    token = requests.post(
        "http://www.reddit.com/api/v1/access_token", data={"grant_type": "client_credentials"}, timeout=10
    ).json()
    assert token["token_type"] == "bearer"
    unauth = requests.get(f"http://oauth.reddit.com/comments/{post['platform_id']}/", timeout=10)
    assert unauth.status_code == 401
    thread = requests.get(
        f"http://oauth.reddit.com/comments/{post['platform_id']}/",
        headers={"Authorization": f"bearer {token['access_token']}"},
        timeout=10,
    ).json()
    assert [x["kind"] for x in thread] == ["Listing", "Listing"]
    submission = thread[0]["data"]["children"][0]
    assert submission["kind"] == "t3" and submission["data"]["id"] == post["platform_id"]
    assert all(c["kind"] == "t1" for c in thread[1]["data"]["children"])
    tweet = next(r for r in web.truth if r["platform"] == "twitter" and r["has_image"])
    answer = requests.get(
        "http://api.twitter.com/2/tweets",
        headers={"Authorization": "Bearer x"},
        timeout=10,
        params={"ids": f"{tweet['platform_id']},42", "expansions": "attachments.media_keys,author_id"},
    )
    body = answer.json()
    assert body["data"][0]["id"] == tweet["platform_id"]
    key = body["data"][0]["attachments"]["media_keys"][0]
    assert body["includes"]["media"][0]["media_key"] == key
    assert body["includes"]["users"][0]["id"] == body["data"][0]["author_id"]
    assert body["errors"][0]["resource_id"] == "42"
    image = requests.get(body["includes"]["media"][0]["url"], timeout=10)
    assert image.headers["content-type"] == "image/jpeg" and image.content[:2] == b"\xff\xd8"


def test_server_never_forwards_and_shuts_down(web):
    server = MiniWebServer(web.root).start()
    port = server.port
    with proxy_environment(server):
        assert requests.get("http://example.com/", timeout=10).status_code == 502
        assert requests.get("http://www.snopes.com/../../etc/passwd", timeout=10).status_code in (400, 404)
    server.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(f"http://127.0.0.1:{port}/", timeout=2, proxies={"http": None})
    assert json.loads((web.root / "miniweb.json").read_text())["items"] == len(web.truth)
