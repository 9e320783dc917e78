"""Is a WhatsApp profile photo the MPS crest?  (004, Set Up and Configuration, 1.)

The guidance has users screenshot the crest, crop it and pick it from the gallery, so the
photo is never byte-identical to the original: it is compared by a perceptual hash.  We use
a difference hash (dHash): the image is flattened onto white, turned to grey, shrunk to 9×8
pixels and each pixel compared with its right-hand neighbour, giving 64 bits that survive
resizing, re-compression and small colour changes.  A plain border is trimmed first, so a
screenshot cropped a little wider or narrower hashes like the original.  Two images are "the same picture" when
their hashes differ in at most :data:`DEFAULT_THRESHOLD` bits (Hamming distance).

The crest image is configured by whoever runs the audit (``--crest``); chatwarden ships no
crest.  The tests draw a synthetic one.
"""

from __future__ import annotations

import os
import re
from typing import IO, TYPE_CHECKING

from chatwarden.errors import InputError

if TYPE_CHECKING:
    from PIL import Image

HASH_BITS = 64
DEFAULT_THRESHOLD = 10  # of 64 bits; resized/re-encoded copies of one image stay well under
_HEX = re.compile(r"^[0-9a-f]{16}$")


def dhash(image: str | os.PathLike[str] | IO[bytes] | Image.Image) -> str:
    """The 64-bit difference hash of an image as 16 hex digits."""
    from PIL import Image, UnidentifiedImageError

    if isinstance(image, Image.Image):
        img = image
    else:
        name = os.fspath(image) if isinstance(image, (str, os.PathLike)) else "image"
        try:
            img = Image.open(image)
            img.load()
        except (UnidentifiedImageError, OSError):
            raise InputError("not an image Pillow can read", source=os.path.basename(str(name))) from None
    if img.mode in ("RGBA", "LA", "P"):
        img = img.convert("RGBA")
        base = Image.new("RGBA", img.size, (255, 255, 255, 255))
        base.alpha_composite(img)
        img = base
    grey = _trim(img.convert("L")).resize((9, 8), Image.Resampling.LANCZOS)
    px = grey.tobytes()
    bits = 0
    for row in range(8):
        for col in range(8):
            left = px[row * 9 + col]
            right = px[row * 9 + col + 1]
            bits = (bits << 1) | (1 if left > right else 0)
    return f"{bits:016x}"


def _trim(grey: Image.Image) -> Image.Image:
    """Cut away a plain border (the background around a screenshot's crop), so copies
    framed a little differently hash alike."""
    from PIL import Image, ImageChops

    bg = grey.getpixel((0, 0))
    diff = ImageChops.difference(grey, Image.new("L", grey.size, bg)).point(lambda v: 255 if v > 24 else 0)
    box = diff.getbbox()
    if box is None or box[2] - box[0] < 8 or box[3] - box[1] < 8:
        return grey
    return grey.crop(box)


def normalise_hash(text: str) -> str:
    """A hash as stored (16 lower-case hex digits); ValueError otherwise."""
    s = text.strip().lower()
    s = s.removeprefix("0x")
    if not _HEX.match(s):
        raise ValueError("not a 64-bit perceptual hash (16 hex digits)")
    return s


def hamming(a: str, b: str) -> int:
    return (int(normalise_hash(a), 16) ^ int(normalise_hash(b), 16)).bit_count()


def is_crest(photo_hash: str, crest_hash: str, threshold: int = DEFAULT_THRESHOLD) -> bool:
    return hamming(photo_hash, crest_hash) <= threshold
