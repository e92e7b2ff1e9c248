"""The verbs end to end: crawl snopes -> crawl news (replayed too) -> clean, through the Typer app."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from crawlers.conftest import build_news_site, build_snopes_site
from finefake.cli import app
from finefake.workspace import Workspace


def run(*args: str) -> str:
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.slow
def test_crawl_and_clean_verbs(tmp_path, httpserver, news_server):
    news = build_news_site(news_server)
    base = build_snopes_site(httpserver, news)
    ws = str(tmp_path / "ws")
    run("-w", ws, "crawl", "snopes", "--base-url", base, "--rate", "200")
    host = news.split("//")[1]
    run("-w", ws, "crawl", "news", "--host-platform", f"{host}=cnn", "--allow-host", host, "--rate", "200")
    run("-w", ws, "clean")
    workspace = Workspace(ws)
    kept = {i["id"]: i for i in workspace.read("clean", "news_item")}
    platforms = sorted(i["platform"] for i in kept.values())
    assert platforms == ["cnn", "cnn", "snopes", "snopes", "snopes"]
    report = json.loads((workspace.root / "clean/report.json").read_text())
    assert report["totals"]["input"] == 6 and report["totals"]["kept"] == 5
    assert report["totals"]["dropped"] == {"no_usable_image": 1}  # the legacy page's only image is junk
    assert all(i["fact_check"] for i in kept.values())

    # replay the news crawl from its archive into a fresh workspace: same items, no network
    other = str(tmp_path / "ws2")
    run("-w", other, "crawl", "snopes", "--base-url", base, "--replay", ws + "/crawl/snopes/warc")
    httpserver.clear_log()
    news_server.clear_log()
    run("-w", other, "crawl", "news", "--host-platform", f"{host}=cnn", "--replay", ws + "/crawl/news/warc")
    assert httpserver.log == [] and news_server.log == []
    original = sorted(Workspace(ws).read("crawl/news"), key=lambda i: i["id"])
    assert sorted(Workspace(other).read("crawl/news"), key=lambda i: i["id"]) == original


def test_clean_without_crawl_is_a_readable_error(tmp_path):
    result = CliRunner().invoke(app, ["-w", str(tmp_path / "empty"), "clean"])
    assert result.exit_code != 0
    assert "run `finefake crawl" in str(result.exception)
