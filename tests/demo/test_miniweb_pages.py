"""The mini-web's generated pages stay byte for byte what they were when ``miniweb.py`` was split into one
module per site (issue 27): a digest of every text file (pages, API answers, sitemaps, robots.txt, truth) of a
small mini-web. Images are left out: their JPEG bytes depend on the Pillow build, not on this code.

If you change a template or the generator on purpose, the digest changes: check the new pages, then update
``EXPECTED`` (the assertion prints the new value).
"""

from __future__ import annotations

import hashlib

from finefake.demo.miniweb import MiniWebConfig, generate_miniweb

TEXT = {".html", ".json", ".xml", ".txt", ".asp"}
#: Digest of the seed-4, 120-item mini-web's text files as written by the unsplit miniweb.py (commit 4564a10).
EXPECTED = "3aed653abb1e29f5813d4b77aa31ecc62203d02ff0df74b1ee00b0d54417a2a7"


def text_digest(root) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and (p.suffix in TEXT or not p.suffix)):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def test_generated_pages_are_unchanged(tmp_path):
    web = generate_miniweb(tmp_path / "web", MiniWebConfig(items=120, seed=4))
    assert sum(1 for p in web.root.rglob("*.html")) > 50
    assert text_digest(web.root) == EXPECTED, f"mini-web pages changed: digest {text_digest(web.root)}"
