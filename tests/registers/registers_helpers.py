"""Helpers of the register tests (imported by name; pytest puts this folder on the path)."""

from __future__ import annotations

import io
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
RTB_EXPORT = EXAMPLES / "WhatsApp Chat with Response Team B.txt"


def actor(role: str):
    from chatwarden.model import Actor

    return Actor(f"u:{role}", f"{role.title()} USER", (role,))


def draw_crest(size: int = 240):
    """A synthetic 'crest': a shield with a star (test data only)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    s = size / 240
    d.polygon([(30 * s, 20 * s), (210 * s, 20 * s), (210 * s, 130 * s), (120 * s, 220 * s), (30 * s, 130 * s)],
              fill=(20, 40, 120, 255))
    d.ellipse([80 * s, 50 * s, 160 * s, 130 * s], fill=(240, 240, 240, 255))
    d.polygon([(120 * s, 58 * s), (132 * s, 122 * s), (108 * s, 122 * s)], fill=(200, 160, 40, 255))
    return img


def as_screenshot(img, size: int, crop: int, fmt: str = "JPEG"):
    """Screenshot, crop, resize and re-encode: what the set-up steps do to the crest."""
    from PIL import Image

    flat = Image.new("RGB", img.size, (255, 255, 255))
    flat.paste(img, mask=img.split()[3])
    w, h = flat.size
    out = flat.crop((crop, crop, w - crop, h - crop)).resize((size, size))
    buf = io.BytesIO()
    out.save(buf, fmt, quality=80) if fmt == "JPEG" else out.save(buf, fmt)
    buf.seek(0)
    return Image.open(buf)
