"""Defensive image handling shared by every stage that touches untrusted image bytes.

Images come from the open web and from third-party releases, so every decode goes through the checks here:
a byte-size cap, a pixel cap checked from the header *before* decoding (decompression bombs), Pillow's
``verify()`` and a full decode. Nothing here changes Pillow's global settings.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, UnidentifiedImageError

MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_IMAGE_PIXELS = 40_000_000
ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp", "BMP": "bmp"}


class ImageRejected(ValueError):
    """Image bytes that must not be stored; ``reason`` is a short machine-readable cause."""

    def __init__(self, reason: str, detail: str = "") -> None:
        self.reason = reason
        super().__init__(f"{reason}: {detail}" if detail else reason)


@dataclass(frozen=True)
class ImageInfo:
    format: str
    extension: str
    width: int
    height: int


def inspect_image(
    data: bytes, *, max_bytes: int = MAX_IMAGE_BYTES, max_pixels: int = MAX_IMAGE_PIXELS
) -> ImageInfo:
    """Check untrusted image bytes and return their format and size, or raise ImageRejected."""
    if not data:
        raise ImageRejected("empty", "no bytes")
    if len(data) > max_bytes:
        raise ImageRejected("too_large", f"{len(data)} bytes > cap {max_bytes}")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as probe:
                fmt = probe.format or ""
                width, height = probe.size
                if fmt not in ALLOWED_FORMATS:
                    raise ImageRejected("unsupported_format", fmt or "unknown")
                if width < 1 or height < 1 or width * height > max_pixels:
                    raise ImageRejected("decompression_bomb", f"{width}x{height} > {max_pixels} pixels")
                probe.verify()
            with Image.open(io.BytesIO(data)) as full:
                full.load()
        except ImageRejected:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRejected("decompression_bomb", str(exc)) from exc
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError) as exc:
            raise ImageRejected("undecodable", str(exc)[:200]) from exc
    return ImageInfo(fmt, ALLOWED_FORMATS[fmt], width, height)


def open_rgb(path: str | Path, *, max_pixels: int = MAX_IMAGE_PIXELS) -> Image.Image:
    """Open a stored image as RGB for a model, with the same pixel cap (stored files can be swapped)."""
    data = Path(path).read_bytes()
    inspect_image(data, max_pixels=max_pixels)
    with Image.open(io.BytesIO(data)) as img:
        return img.convert("RGB")
