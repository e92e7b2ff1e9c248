"""An item's image as an OpenAI chat-completions content part, for vision models behind a server (issue 30).

The image is read from the workspace's image store, decoded by Pillow (which refuses decompression bombs),
shrunk so that its longer side is at most ``max_side`` pixels, and re-encoded as JPEG (PNG for images with
transparency), then sent inline as a base64 data URL in the content-part shape of the chat-completions API::

    {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,..."}}

Re-encoding caps what one request carries whatever the stored file's size, and it is deterministic (same file,
same bytes), so the data URL is a stable part of the response cache's key. A file that is missing, too large
to read or not an image gives None: the item is asked as text, and the caller counts it.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

#: Longer side of the image sent to the model, in pixels (vision encoders work at 336-768 px).
MAX_SIDE = 512
#: Stored files larger than this are not read at all.
MAX_FILE_BYTES = 20 * 2**20
JPEG_QUALITY = 85


def image_data_url(path: str | Path | None, max_side: int = MAX_SIDE) -> str | None:
    """The image at ``path`` as a ``data:`` URL (JPEG, or PNG with transparency), or None when there is no
    readable image there."""
    from PIL import Image

    if not path:
        return None
    path = Path(path)
    try:
        if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
            return None
        with Image.open(path) as img:
            img.draft("RGB", (max_side, max_side))  # a JPEG is decoded at a reduced scale: memory stays small
            img.load()
            alpha = img.mode in ("RGBA", "LA") or (img.mode == "P" and "transparency" in img.info)
            img = img.convert("RGBA" if alpha else "RGB")
            img.thumbnail((max_side, max_side))
            buf = io.BytesIO()
            if alpha:
                img.save(buf, format="PNG", optimize=False)
                mime = "image/png"
            else:
                img.save(buf, format="JPEG", quality=JPEG_QUALITY, optimize=False)
                mime = "image/jpeg"
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None
    return f"data:{mime};base64,{base64.b64encode(buf.getvalue()).decode('ascii')}"


def with_image(messages: list[dict[str, Any]], data_url: str) -> list[dict[str, Any]]:
    """``messages`` with the image added to the LAST user turn (the item asked about) as content parts:
    the turn's text first, then the image."""
    out = [dict(m) for m in messages]
    last = max(i for i, m in enumerate(out) if m.get("role") == "user")
    out[last]["content"] = [
        {"type": "text", "text": str(out[last]["content"])},
        {"type": "image_url", "image_url": {"url": data_url}},
    ]
    return out
