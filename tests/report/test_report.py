"""`finefake report`: one self-contained page from what the stages wrote, checked in headless Chromium."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from finefake.cli import run
from finefake.report import ReportConfig, item_html, write_report
from finefake.workspace import Workspace

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
#: Injected only into the test's copy of the page: records load errors and console errors, checks images.
PROBE = """<script>
window.__errors = [];
window.addEventListener('error', e => window.__errors.push(
  e.message || ('failed to load ' + ((e.target && (e.target.src || e.target.href)) || '?').slice(0, 80))), true);
const realError = console.error;
console.error = (...args) => { window.__errors.push(args.join(' ')); realError(...args); };
window.addEventListener('load', () => {
  const images = [...document.images];
  const broken = images.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.alt);
  document.body.setAttribute('data-probe', JSON.stringify({images: images.length, broken, errors: window.__errors}));
});
</script>"""


def test_page_has_every_section_and_embeds_every_image(full_workspace, tmp_path):
    result = write_report(full_workspace, tmp_path / "r.html")
    html = result.path.read_text(encoding="utf-8")
    assert result.sections == ["dataset", "stats", "agreement", "bench", "sample"] and not result.missing
    for anchor in ("dataset", "stats", "agreement", "bench", "sample", "provenance"):
        assert f'<section id="{anchor}">' in html
    sources = re.findall(r'<img src="([^"]*)"', html)
    assert len(sources) >= 6 + 2 + 3 and all(s.startswith("data:image/") for s in sources)
    assert "figure not found" not in html and "<script" not in html
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


@pytest.mark.slow
def test_page_in_headless_chromium(full_workspace, tmp_path):
    """The page loads in a real browser, every image decodes, no console error; a screenshot is saved."""
    chromium = _chromium()
    page = write_report(full_workspace).path
    probe = tmp_path / "probe.html"
    probe.write_text(
        page.read_text(encoding="utf-8").replace("<head>", "<head>" + PROBE, 1), encoding="utf-8"
    )
    flags = [*CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", "--virtual-time-budget=10000"]
    dom = subprocess.run(
        [chromium, *flags, "--dump-dom", probe.as_uri()], capture_output=True, text=True, timeout=180
    )
    found = re.search(r"data-probe=\"([^\"]*)\"", dom.stdout)
    assert found, dom.stderr[-2000:]
    state = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
    assert state["images"] >= 11 and state["broken"] == [] and state["errors"] == [], state
    shot = page.parent / "screenshot.png"
    subprocess.run(
        [
            chromium,
            *flags,
            "--hide-scrollbars",
            "--window-size=1280,2200",
            f"--screenshot={shot}",
            page.as_uri(),
        ],
        capture_output=True,
        timeout=180,
        check=True,
    )
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 20_000
    if os.environ.get("FINEFAKE_SCREENSHOT_DIR"):  # to look at it: FINEFAKE_SCREENSHOT_DIR=/tmp pytest ...
        shutil.copy(shot, Path(os.environ["FINEFAKE_SCREENSHOT_DIR"]) / "report-screenshot.png")
