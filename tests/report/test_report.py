"""`finefake report`: one self-contained page from what the stages wrote, checked in headless Chromium."""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from finefake.cli import run
from finefake.report import ReportConfig, item_html, write_report
from finefake.workspace import Workspace


def test_page_has_every_section_and_embeds_every_image(full_workspace, tmp_path):
    result = write_report(full_workspace, tmp_path / "r.html")
    html = result.path.read_text(encoding="utf-8")
    assert result.sections == ["summary", "dataset", "agreement", "stats", "bench", "sample"]
    assert not result.missing
    for anchor in ("dataset", "stats", "agreement", "bench", "sample", "provenance"):
        assert f'<section id="{anchor}">' in html
    sources = re.findall(r'<img src="([^"]*)"', html)
    assert len(sources) >= 6 + 2 + 3 and all(s.startswith("data:image/") for s in sources)
    assert "figure not found" not in html and html.count("<script") == 1 and "<script src" not in html
    assert "License: cc-by-4.0." in html and "Table 3" in html  # the dataset card
    assert "Inter-annotator agreement" not in html or "Pairwise Cohen" in html
    results = json.loads((full_workspace.root / "bench" / "binary" / "results.json").read_text())
    assert results["results"] and all(f">{row['model']}<" in html for row in results["results"])
    assert "https://www.wikidata.org/wiki/Q" in html and "Annotators' votes" in html
    assert "<td>0, 1</td>" in html  # the seeds of every benchmark run, in the provenance table


def test_item_text_is_escaped_and_only_web_links_are_made(tmp_path):
    ws = Workspace(tmp_path / "ws")
    record = {
        "id": "x:1",
        "title": "<img src=x onerror=alert(1)>",
        "text": "<script>alert(1)</script>",
        "url": "javascript:alert(1)",
        "images": [{"path": "../../etc/passwd"}],
        "entities": [{"mention": "<b>", "qid": "Q1<script>", "label": "l"}],
        "label": 0,
        "fine_grained_label": 9,
    }
    html = item_html(ws, record, ReportConfig())
    assert "<script>" not in html and "<img" not in html and 'href="javascript' not in html
    assert "wikidata.org/wiki/Q1<" not in html


def test_cli_writes_the_page_and_names_missing_sections(tmp_path, capsys):
    from finefake.dataset.synthetic import write_synthetic

    ws = Workspace(tmp_path / "ws")
    write_synthetic(ws, 20, seed=1)
    assert run(["-w", str(ws.root), "report", "--sample", "5"]) == 0
    err = capsys.readouterr().err
    assert f"report: {ws.root / 'report' / 'report.html'}" in err
    assert "finefake package" in err and "finefake bench all" in err
    assert (ws.root / "report" / "report.html").read_text().count('class="item"') == 5


def _chromium() -> str:
    path = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing in CI: .ci/run installs the Debian package")
        pytest.skip("chromium is not installed (apt-get install -y chromium; .ci/run does it in CI)")
    return path


#: Measured in the page at each width: horizontal scroll, tables wider than their box, section order,
#: images that did not decode, images without a caption.
MEASURE = """() => {
  const tables = [...document.querySelectorAll('table')];
  const images = [...document.images];
  return {
    bodyScroll: document.documentElement.scrollWidth - window.innerWidth,
    wideTables: tables.filter(t => t.offsetParent !== null && (t.scrollWidth > t.clientWidth + 1 ||
      t.getBoundingClientRect().width > t.parentElement.getBoundingClientRect().width + 1))
      .map(t => t.closest('section').id + ': ' + t.innerText.slice(0, 60)),
    sections: [...document.querySelectorAll('main > section')].map(s => s.id),
    firstTable: document.querySelector('main > section table').innerText.slice(0, 40),
    images: images.length,
    broken: images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt),
    uncaptioned: images.filter(i => !((i.closest('figure') || {}).querySelector ?
      i.closest('figure').querySelector('figcaption').textContent.trim() : '')).map(i => i.alt),
    wideImages: images.filter(i => i.offsetParent !== null &&
      i.getBoundingClientRect().right > window.innerWidth + 1).map(i => i.alt),
  };
}"""


def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if os.environ.get("CI"):
            pytest.fail("playwright is missing in CI: it is in the test extras")
        pytest.skip(
            "playwright is not installed (pip install playwright; the browser is the system chromium)"
        )
    return sync_playwright


@pytest.mark.slow
def test_page_in_a_real_browser_at_desktop_and_phone_width(full_workspace, tmp_path):
    """The page in Chromium at 1280 and 390 px: no horizontal scroll, no table wider than its box (1280 px),
    the headline summary first, every image decodes and has a caption, no console error, nothing fetched
    from the network, and the item filter works. The screenshot in docs/ comes from here
    (FINEFAKE_SCREENSHOT_DIR=docs pytest -m slow tests/report -k real_browser)."""
    chromium = _chromium()
    sync_playwright = _playwright()
    page_path = write_report(full_workspace).path
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        try:
            for width, height in ((1280, 900), (390, 844)):
                context = browser.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                errors, fetched = [], []
                page.on("console", lambda m, e=errors: e.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda exc, e=errors: e.append(str(exc)))
                page.on("request", lambda r, f=fetched: f.append(r.url) if r.url.startswith("http") else None)
                page.goto(page_path.as_uri(), wait_until="load")
                for item in page.query_selector_all("details.item"):
                    item.evaluate("d => d.open = true")  # the lead images and tables of every item too
                state = page.evaluate(MEASURE)
                assert state["bodyScroll"] <= 0, (width, state["bodyScroll"])
                assert state["sections"][0] == "summary" and state["firstTable"].startswith("task"), state
                assert state["sections"][1:] == [
                    "dataset",
                    "agreement",
                    "stats",
                    "bench",
                    "sample",
                    "provenance",
                ]
                assert state["images"] >= 11 and state["broken"] == [] and state["uncaptioned"] == [], state
                assert state["wideImages"] == [], (width, state["wideImages"])
                if width == 1280:
                    assert state["wideTables"] == [], state["wideTables"]
                assert errors == [] and fetched == [], (errors, fetched)
                if width == 390:  # a figure too small to read opens at full size in place, the page stays put
                    figure = page.locator("#bench figure").first
                    figure.locator("img").click()
                    zoomed = figure.evaluate(
                        "f => [f.classList.contains('zoomed'), f.scrollWidth > f.clientWidth,"
                        " document.documentElement.scrollWidth - window.innerWidth]"
                    )
                    assert zoomed[:2] == [True, True] and zoomed[2] <= 0, zoomed
                if width == 1280:
                    shot = tmp_path / "report-screenshot.png"  # the top of the page: what a reader sees first
                    page.evaluate("() => window.scrollTo(0, 0)")
                    page.screenshot(
                        path=str(shot), full_page=True, clip={"x": 0, "y": 0, "width": 1280, "height": 1000}
                    )
                    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
                    if os.environ.get("FINEFAKE_SCREENSHOT_DIR"):
                        shutil.copy(
                            shot, Path(os.environ["FINEFAKE_SCREENSHOT_DIR"]) / "report-screenshot.png"
                        )
                    page.fill("#item-filter", "zzzz-no-such-word")
                    assert page.inner_text("#item-count") == "0 shown"
                    page.fill("#item-filter", "")
                    assert page.inner_text("#item-count") == f"{page.locator('details.item').count()} shown"
                context.close()
        finally:
            browser.close()


def test_report_embeds_no_file_from_outside_the_stage_folder(tmp_path):
    """Issue 25: an entity label or a setting name holding ``![x](../../secret.png)`` must not make the
    report inline a file from outside the workspace's output folders; the stage's own figure on a line of its
    own still is."""
    from PIL import Image

    from finefake.report.html import markdown_html

    ws = Workspace(tmp_path / "ws")
    Image.new("RGB", (8, 8), (250, 0, 0)).save(tmp_path / "secret.png")
    stats = ws.stage_dir("stats")
    (stats / "figures").mkdir(parents=True)
    Image.new("RGB", (8, 8), (0, 0, 250)).save(stats / "figures" / "ok.png")
    (stats / "figures" / "link.png").symlink_to(tmp_path / "secret.png")
    payload = "![x](../../secret.png)"
    text = (
        "# Statistics\n\n| entity | items |\n| --- | ---: |\n"
        f"| {payload} | 3 |\n\n- {payload}\n\nsee {payload}\n\n{payload}\n\n"
        "![leaked by a link](figures/link.png)\n\n![our figure](figures/ok.png)\n"
    )
    html = markdown_html(text, stats)
    secret = base64.b64encode((tmp_path / "secret.png").read_bytes()).decode()
    ours = base64.b64encode((stats / "figures" / "ok.png").read_bytes()).decode()
    assert secret not in html and ours in html
    assert html.count("<img") == 1 and "<figcaption>our figure</figcaption>" in html
    (stats / "report.md").write_text(text)
    page = write_report(ws, tmp_path / "r.html").path.read_text()
    assert secret not in page and ours in page


def test_item_mentions_once_one_real_tag_and_a_readable_title(tmp_path):
    ws = Workspace(tmp_path / "ws")
    entity = {"mention": "Paris", "qid": "Q90", "label": "Paris", "rho": 0.9, "source": "wikidata"}
    record = {
        "id": "twitter:1234567890",
        "title": "1234567890",
        "text": "Flooding in Paris closes the metro, officials say. " * 5,
        "url": "https://x.example/" + "long-segment-" * 20,
        "entities": [entity, dict(entity), dict(entity)],
        "label": 1,
        "fine_grained_label": 0,
        "topic": "society",
        "platform": "twitter",
    }
    html = item_html(ws, record, ReportConfig())
    assert html.count("Paris →") == 1
    assert html.count(">real<") == 1  # the binary and the fine-grained label are both "real": one tag
    summary = html.split("<summary>", 1)[1].split("</summary>", 1)[0]
    assert "Flooding in Paris closes the metro" in summary and "1234567890" not in summary
    assert 'data-label="real"' in html


def test_provenance_is_pretty_printed_collapsed_and_says_each_split_once(full_workspace, tmp_path):
    html = write_report(full_workspace, tmp_path / "r.html").path.read_text(encoding="utf-8")
    provenance = html.split('<section id="provenance">', 1)[1]
    assert '<details class="config"><summary>' in provenance and "<pre>{\n  &quot;" in provenance
    assert provenance.count("<summary>split 1</summary>") == 1 and "split 2" not in provenance
    summary = html.split('<section id="summary">', 1)[1].split("</section>", 1)[0]
    assert "<th>best model</th>" in summary and "binary" in summary and "topic-da" in summary


def test_published_numbers_are_one_settings_by_models_table_per_paper_and_task():
    from dataclasses import dataclass, field

    from finefake.benchmarks.published import paper_rows
    from finefake.report.bench import _paper_notes, published_html

    names = ["FC -> ST", "FC -> OF", "ST -> FC", "ST -> OF", "OF -> FC", "OF -> ST"]
    html = published_html(
        {"dataset": "finefake", "task": "platform-da", "settings": [{"name": n} for n in names]}
    )
    sources = {r.source for r in paper_rows("finefake", "platform-da")}
    assert sources and html.count("<table>") == len(sources) and "paper:" not in html
    assert all(f"<td>{n.replace('>', '&gt;')}</td>" in html for n in names)  # settings are the rows

    @dataclass(frozen=True)
    class Row:  # a published row as an importer may extend it
        source: str
        model: str
        metrics: dict = field(default_factory=dict)
        modality: str = ""

    notes = _paper_notes([Row("s", "KEAN", {}, "text+image+knowledge"), Row("s", "SAFE")])
    assert notes.count("<li>") == 1 and "KEAN: modality: text+image+knowledge" in notes
