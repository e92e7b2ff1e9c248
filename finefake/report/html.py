"""HTML building blocks of the report: escaping, Markdown with inlined images, data URIs, the page shell.

The page is self-contained (every image a ``data:`` URI, the style inline, no script), so it can be mailed,
archived or opened from a USB stick and shows the same thing everywhere. Text that comes from crawled items is
untrusted: it is always escaped, and links are only made for http(s) URLs.
"""

from __future__ import annotations

import base64
import io
from html import escape
from pathlib import Path
from typing import Any

#: Figures larger than this are left out (with a note) rather than bloating the page.
MAX_FIGURE_BYTES = 8 * 1024 * 1024

STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 0; color: #1d232a;
       background: #f6f7f9; }
header { background: #1f3a5f; color: #fff; padding: 18px 32px; }
header h1 { margin: 0 0 4px; font-size: 24px; }
header p { margin: 0; opacity: .85; }
nav { background: #fff; border-bottom: 1px solid #dde1e6; padding: 8px 32px; position: sticky; top: 0; z-index: 1; }
nav a { margin-right: 18px; color: #1f3a5f; text-decoration: none; font-weight: 600; }
main { padding: 8px 32px 40px; max-width: 1240px; }
section { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 4px 20px 16px;
          margin: 18px 0; }
h2 { border-bottom: 2px solid #1f3a5f; padding-bottom: 4px; }
h3 { font-size: 20px; margin-top: 22px; } h4 { font-size: 16px; margin: 18px 0 6px; }
table { border-collapse: collapse; margin: 10px 0; font-size: 13px; display: block; overflow-x: auto; max-width: 100%; }
th, td { border: 1px solid #d0d5db; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #eef1f5; }
td:not(:first-child) { font-variant-numeric: tabular-nums; }
figure { margin: 12px 0; }
main img { max-width: 100%; height: auto; border: 1px solid #e3e6ea; }
figcaption { font-size: 13px; color: #555; }
.muted { color: #66707a; font-size: 13px; }
.item { border: 1px solid #dde1e6; border-radius: 6px; margin: 10px 0; padding: 8px 12px; }
.item summary { cursor: pointer; font-weight: 600; }
.item img { float: right; max-width: 240px; margin: 0 0 8px 12px; border: 1px solid #ccc; }
.tag { display: inline-block; border-radius: 3px; padding: 0 6px; margin-right: 4px; font-size: 12px;
       background: #e8edf3; }
.fake { background: #fbe1dc; } .real { background: #dcefe3; }
.text { white-space: pre-wrap; clear: none; }
.missing { color: #a33; }
code, pre { font-size: 12px; background: #f1f3f5; }
pre { padding: 8px; overflow-x: auto; }
"""


def esc(value: Any) -> str:
    return escape("" if value is None else str(value), quote=True)


def data_uri(data: bytes, mime: str) -> str:
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def figure_uri(path: Path) -> str | None:
    """A figure file as a data URI (PNG/JPEG/SVG), or None when it is missing, unknown or too large."""
    mime = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}.get(
        path.suffix.lower()
    )
    if mime is None or not path.is_file() or path.stat().st_size > MAX_FIGURE_BYTES:
        return None
    return data_uri(path.read_bytes(), mime)


def thumbnail_uri(path: Path, max_side: int = 320) -> str | None:
    """A small JPEG of an item image (the page stays light with dozens of items); None if unreadable."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            image = image.convert("RGB")
            image.thumbnail((max_side, max_side))
            buffer = io.BytesIO()
            image.save(buffer, "JPEG", quality=80)
    except (OSError, UnidentifiedImageError, ValueError):
        return None
    return data_uri(buffer.getvalue(), "image/jpeg")


def markdown_html(text: str, base: Path) -> str:
    """Markdown (tables included) as HTML; raw HTML is escaped; images relative to ``base`` are inlined."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")

    def image(renderer, tokens, idx, options, env):  # markdown-it's renderer rule signature
        token = tokens[idx]
        src = str(token.attrGet("src") or "")
        alt = renderer.renderInlineAsText(token.children or [], options, env)
        uri = None
        if "://" not in src and not src.startswith(("/", "data:")):
            uri = figure_uri(base / src)
        if uri is None:
            return f'<span class="missing">[figure not found: {esc(src)}]</span>'
        return f'<img src="{uri}" alt="{esc(alt)}">'

    md.add_render_rule("image", image)
    tokens = md.parse(text)
    for token in tokens:  # the page's sections are <h2>: the document's own headings go below them
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + 2)}"
    return md.renderer.render(tokens, md.options, {})


def page(title: str, subtitle: str, sections: list[tuple[str, str, str]]) -> str:
    """The whole document: header, a navigation bar and one ``<section>`` per (anchor, title, body)."""
    nav = "".join(f'<a href="#{esc(anchor)}">{esc(name)}</a>' for anchor, name, _ in sections)
    body = "".join(
        f'<section id="{esc(anchor)}"><h2>{esc(name)}</h2>{html}</section>' for anchor, name, html in sections
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>"
        f"<header><h1>{esc(title)}</h1><p>{esc(subtitle)}</p></header>"
        f"<nav>{nav}</nav><main>{body}</main></body></html>\n"
    )
