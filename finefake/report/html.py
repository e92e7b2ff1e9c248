"""HTML building blocks of the report: escaping, Markdown with inlined images, data URIs, the page shell.

The page is self-contained (every image a ``data:`` URI, the style and one small script inline, nothing
fetched), so it can be mailed, archived or opened from a USB stick offline and shows the same thing
everywhere. Text that comes from crawled items is untrusted: it is always escaped, and links are only made for
http(s) URLs.

Only files inside the folder of the stage output being shown are ever embedded: a Markdown report of a stage
may show its own figures, and only as a figure on a line of its own (``![caption](figures/x.png)``, the way
the stages write them). An image reference anywhere else -- inside a table cell or a list, where text from the
data (an entity label, a setting name) ends up -- or one that leaves the folder (``../``, an absolute path, a
symbolic link out) is shown as plain text and never read.
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
*, *::before, *::after { box-sizing: border-box; }
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
table { border-collapse: collapse; margin: 10px 0; font-size: 13px; display: block; overflow-x: auto;
        max-width: 100%; }
th, td { border: 1px solid #d0d5db; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #eef1f5; }
td:not(:first-child) { font-variant-numeric: tabular-nums; }
figure { margin: 12px 0; overflow-x: auto; }
main img { max-width: 100%; height: auto; border: 1px solid #e3e6ea; }
figure img { cursor: zoom-in; }
figure.zoomed img { max-width: none; width: auto; cursor: zoom-out; }
figcaption { font-size: 13px; color: #444; max-width: 80ch; }
.num { text-align: right; white-space: nowrap; }
td.best { font-weight: 700; }
tr.ref td { font-style: italic; color: #555; background: #fafbfc; }
tr.group td { background: #eef1f5; font-weight: 600; }
.pos { color: #1a6b35; } .neg { color: #a33; }
details.config summary { cursor: pointer; color: #1f3a5f; }
details.config pre { white-space: pre-wrap; overflow-wrap: anywhere; max-height: 360px; overflow-y: auto; }
main p, main li, td, figcaption { overflow-wrap: break-word; }  /* long URLs break, words in cells do not */
.item p, .item .text { overflow-wrap: anywhere; }
.filters { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin: 8px 0; }
.filters input { flex: 1 1 220px; min-width: 0; padding: 6px 8px; font: inherit; }
.filters select { padding: 5px; font: inherit; }
.muted { color: #66707a; font-size: 13px; }
.item { border: 1px solid #dde1e6; border-radius: 6px; margin: 10px 0; padding: 8px 12px; }
.item summary { cursor: pointer; font-weight: 600; }
.item figure.lead { float: right; max-width: 240px; margin: 0 0 8px 12px; }
.item figure.lead img { border: 1px solid #ccc; cursor: default; }
.tag { display: inline-block; border-radius: 3px; padding: 0 6px; margin-right: 4px; font-size: 12px;
       background: #e8edf3; }
.fake { background: #fbe1dc; } .real { background: #dcefe3; }
.text { white-space: pre-wrap; clear: none; }
.missing { color: #a33; }
code, pre { font-size: 12px; background: #f1f3f5; }
pre { padding: 8px; overflow-x: auto; }
@media (max-width: 700px) {
  header, nav { padding-left: 10px; padding-right: 10px; }
  main { padding: 4px 6px 24px; }
  section { padding: 2px 10px 12px; margin: 10px 0; }
  .item figure.lead { float: none; max-width: 100%; margin: 6px 0; }
  nav a { display: inline-block; margin: 2px 10px 2px 0; }
}
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


def inside(path: Path, folder: Path) -> bool:
    """True when ``path`` (symbolic links followed) lies inside ``folder``."""
    try:
        path.resolve().relative_to(folder.resolve())
    except (OSError, ValueError):
        return False
    return True


def figure_html(uri: str, alt: str, caption: str) -> str:
    """An embedded figure with its caption (click to see it at full size)."""
    return f'<figure><img src="{uri}" alt="{esc(alt)}"><figcaption>{esc(caption)}</figcaption></figure>'


def markdown_html(text: str, base: Path) -> str:
    """Markdown (tables included) as HTML; raw HTML is escaped; a figure on a line of its own whose file lies
    inside ``base`` is inlined with its alt text as caption. Every other image reference stays text."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False}).enable("table")
    tokens = md.parse(text)
    figures: set[int] = set()  # ids of the image tokens standing alone in a top-level paragraph
    for k, token in enumerate(tokens):
        if token.type in ("heading_open", "heading_close"):  # the page's sections are <h2>
            token.tag = f"h{min(6, int(token.tag[1]) + 2)}"
        if (
            token.type == "inline"
            and token.level == 1
            and k > 0
            and tokens[k - 1].type == "paragraph_open"
            and tokens[k - 1].level == 0
            and [c.type for c in token.children or []] == ["image"]
        ):
            figures.add(id(token.children[0]))
            tokens[k - 1].tag = tokens[k + 1].tag = "div"

    def image(renderer, tokens, idx, options, env):  # markdown-it's renderer rule signature
        token = tokens[idx]
        src = str(token.attrGet("src") or "")
        alt = renderer.renderInlineAsText(token.children or [], options, env)
        if id(token) not in figures:
            return esc(f"![{alt}]({src})")  # text from the data never references a file
        uri = None
        if "://" not in src and not src.startswith(("/", "data:", "\\")) and inside(base / src, base):
            uri = figure_uri(base / src)
        if uri is None:
            return f'<span class="missing">[figure not found: {esc(src)}]</span>'
        return figure_html(uri, alt, alt)

    md.add_render_rule("image", image)
    return md.renderer.render(tokens, md.options, {})


#: The page's one script: click a figure to see it at full size, filter the sample of items. Plain JS, inline.
SCRIPT = """
document.querySelectorAll('figure:not(.lead) img').forEach(img => img.addEventListener('click', () =>
  img.parentElement.classList.toggle('zoomed')));
const box = document.getElementById('item-filter'), label = document.getElementById('item-label');
if (box && label) {
  const apply = () => {
    const words = box.value.toLowerCase().split(/\\s+/).filter(Boolean);
    let shown = 0;
    document.querySelectorAll('.item').forEach(item => {
      const text = item.textContent.toLowerCase();
      const ok = words.every(w => text.includes(w)) && (!label.value || item.dataset.label === label.value);
      item.hidden = !ok; shown += ok;
    });
    document.getElementById('item-count').textContent = shown + ' shown';
  };
  box.addEventListener('input', apply); label.addEventListener('change', apply); apply();
}
"""


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
        f"<nav>{nav}</nav><main>{body}</main><script>{SCRIPT}</script></body></html>\n"
    )
