"""The profile-photo check: a screenshot of the crest, cropped, resized and re-encoded,
is still the crest; other pictures are not."""

from __future__ import annotations

import pytest
from registers_helpers import as_screenshot, draw_crest

from chatwarden.errors import InputError
from chatwarden.registers import crest


def test_copies_of_the_crest_match(crest_file):
    ref = crest.dhash(crest_file)
    for size, cut, fmt in ((96, 4, "JPEG"), (640, 10, "JPEG"), (200, 0, "PNG")):
        copy = as_screenshot(draw_crest(), size, cut, fmt)
        assert crest.hamming(crest.dhash(copy), ref) <= crest.DEFAULT_THRESHOLD
        assert crest.is_crest(crest.dhash(copy), ref)


def test_other_pictures_do_not(crest_file):
    from PIL import Image, ImageDraw

    ref = crest.dhash(crest_file)
    pint = Image.new("RGB", (200, 200), (30, 110, 40))
    ImageDraw.Draw(pint).polygon([(60, 30), (140, 30), (130, 180), (70, 180)], fill=(190, 120, 20))
    face = Image.new("RGB", (200, 200), (120, 160, 200))
    ImageDraw.Draw(face).ellipse([50, 30, 150, 150], fill=(224, 172, 140))
    for img in (pint, face, draw_crest().rotate(180)):
        assert crest.hamming(crest.dhash(img), ref) > crest.DEFAULT_THRESHOLD


def test_hash_format_and_bad_input(tmp_path):
    assert crest.normalise_hash("0xD0CCCCC4CC70B254") == "d0ccccc4cc70b254"
    with pytest.raises(ValueError):
        crest.normalise_hash("not-a-hash")
    bad = tmp_path / "photo.png"
    bad.write_bytes(b"not an image")
    with pytest.raises(InputError, match="photo.png"):
        crest.dhash(bad)
