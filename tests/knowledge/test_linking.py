"""Linkers: rho thresholds, TagMe + MediaWiki against cassettes, local-linker disambiguation by context."""

from __future__ import annotations

import pytest

from finefake.errors import MissingCredentials
from finefake.knowledge.http import ServiceError
from finefake.knowledge.linking.base import Thresholds
from finefake.knowledge.linking.tagme import TagMeClient, TagMeLinker
from finefake.knowledge.mediawiki import MediaWikiClient
from finefake.knowledge.store import LocalStore
from finefake.knowledge.triples import KnowledgeFetcher

TAGME_TEXT = "Apple said on Monday that Washington and the CDC fought the flu."


@pytest.mark.parametrize(
    ("rho", "verdict"),
    [(0.2999, "drop"), (0.3, "queue"), (0.4999, "queue"), (0.5, "keep"), (0.0, "drop"), (1.0, "keep")],
)
def test_threshold_boundaries(rho, verdict):
    assert Thresholds().decide(rho) == verdict


def test_thresholds_are_configurable_and_checked():
    assert Thresholds(keep=0.7, review=0.2).decide(0.6) == "queue"
    with pytest.raises(ValueError):
        Thresholds(keep=0.2, review=0.3)


def test_tagme_without_token_is_a_readable_error(monkeypatch):
    monkeypatch.delenv("TAGME_TOKEN", raising=False)
    monkeypatch.delenv("GCUBE_TOKEN", raising=False)
    with pytest.raises(MissingCredentials, match="TAGME_TOKEN"):
        TagMeClient()


def test_tagme_client_parses_real_shape_after_429(cassette):
    waits: list[float] = []
    client = TagMeClient("secret-token-123", sleep=waits.append)
    with cassette("tagme_tag.yaml"):
        anns = client.annotate(TAGME_TEXT)
    assert waits == [3.0]
    by_spot = {a.spot: a for a in anns}
    assert by_spot["Washington"].rho == 0.3  # given as the string "0.3"
    assert by_spot["CDC"].title is None and by_spot["CDC"].page_id == 169938  # optional title missing
    for a in anns:
        assert TAGME_TEXT[a.start : a.end] == a.spot
    assert "secret-token-123" not in repr(client)


def test_tagme_html_error_page_raises_not_none(cassette):
    with cassette("tagme_html_error.yaml"), pytest.raises(ServiceError, match="HTML"):
        TagMeClient("t", sleep=lambda s: None).annotate(TAGME_TEXT)


def test_tagme_linker_maps_pages_through_mediawiki(cassette, tmp_path):
    fetcher = KnowledgeFetcher(LocalStore(), tmp_path / "cache")
    mediawiki = MediaWikiClient(cache_path=tmp_path / "mw.jsonl")
    linker = TagMeLinker(TagMeClient("t", sleep=lambda s: None), mediawiki, fetcher.info)
    with cassette("tagme_linking.yaml"):
        (cands,) = linker.link_many([TAGME_TEXT])
    got = {c.mention: (c.qid, c.rho) for c in cands}
    assert got == {
        "Apple": ("Q312", 0.5),
        "Washington": ("Q1223", 0.3),
        "CDC": ("Q583725", 0.4999),
    }  # flu dropped
    assert {c.mention: c.label for c in cands}["CDC"] == "Centers for Disease Control and Prevention"
    assert mediawiki.calls == 2
    # cached: a second mapping needs no HTTP at all (no cassette active, so a request would fail)
    again = MediaWikiClient(cache_path=tmp_path / "mw.jsonl")
    assert again.qids_for_titles(["Washington State"]) == {"Washington State": "Q1223"}
    assert again.qids_for_pageids([169938]) == {169938: "Q583725"} and again.calls == 0


def test_local_linker_disambiguates_apple_by_context(local_linker):
    business = (
        "Apple shares rose on Wall Street after the technology company reported record iPhone sales, "
        "chief executive Tim Cook told investors in Cupertino."
    )
    health = (
        "Apple slices and other fruit make a healthy snack, nutritionists say; "
        "the fruit of the apple tree is rich in fiber."
    )
    (b,), (h,) = [
        [c for c in cands if c.mention == "Apple"] for cands in local_linker.link_many([business, health])
    ]
    assert b.qid == "Q312" and b.rho >= 0.5
    assert h.qid == "Q89" and h.rho >= 0.5
    assert business[b.start : b.end] == "Apple" and health[h.start : h.end] == "Apple"


def test_local_linker_amazon_company_vs_river(local_linker):
    company = "Amazon shares fell as Jeff Bezos sold stock; the e-commerce company is based in Seattle."
    river = (
        "The Amazon River floods each year; the river flows through Brazil and Peru into the Atlantic Ocean."
    )
    river_short = "In Brazil the Amazon floods every year as the river rises, Peru reports."
    c, r, rs = local_linker.link_many([company, river, river_short])
    assert {x.mention: x.qid for x in c}["Amazon"] == "Q3884"
    assert {x.mention: x.qid for x in r}["Amazon River"] == "Q3783"
    assert {x.mention: x.qid for x in rs}["Amazon"] == "Q3783"


def test_local_rho_is_in_range_and_ambiguity_without_context_is_not_kept(local_linker):
    (cands,) = local_linker.link_many(["Washington said nothing on Tuesday."])
    (w,) = [c for c in cands if c.mention == "Washington"]
    assert 0.0 <= w.rho < 0.5
    (cands,) = local_linker.link_many(["Barack Obama met Angela Merkel."])
    assert all(0.5 <= c.rho <= 1.0 for c in cands) and {c.qid for c in cands} == {"Q76", "Q567"}


def test_mediawiki_pageprops_batches_and_redirects(cassette):
    with cassette("mediawiki_pageprops.yaml"):
        client = MediaWikiClient()
        assert client.qids_for_titles(["Apple Inc.", "Washington State"]) == {
            "Apple Inc.": "Q312",
            "Washington State": "Q1223",
        }
        assert client.qids_for_pageids([169938]) == {169938: "Q583725"}
    assert client.session.headers["User-Agent"].startswith("finefake/")
