"""A same-length view of message text for detection.

Detectors match against :func:`detection_view`, which replaces look-alike characters with
plain ones *without changing the length*, so every offset found in the view is an offset
into the exact text that the export holds (which is never altered).
"""

from __future__ import annotations

import re

_SAME_LENGTH = str.maketrans(
    {
        "\u00a0": " ", "\u202f": " ", "\u2007": " ", "\u2009": " ", "\u200a": " ", "\u2002": " ", "\u2003": " ",
        "\u200b": " ", "\u200e": " ", "\u200f": " ", "\u202a": " ", "\u202b": " ", "\u202c": " ", "\u202d": " ",
        "\u202e": " ", "\u2066": " ", "\u2067": " ", "\u2068": " ", "\u2069": " ", "\ufeff": " ",
        "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
        "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00ab": '"', "\u00bb": '"',
        "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
        "\uff0f": "/", "\u2044": "/",
    }
)


# Any character the table replaces: a text without one (every view already made, and most
# texts with emoji or accents) is returned as it is, without translate's character walk.
_REPLACED = re.compile("[" + "".join(re.escape(chr(c)) for c in _SAME_LENGTH) + "]")


def detection_view(text: str) -> str:
    """``text`` with invisible marks and typographic look-alikes replaced one-for-one.

    Every character replaced is outside ASCII, so an ASCII text (most messages) is
    returned as it is, without the per-character table walk of ``str.translate``."""
    if text.isascii() or _REPLACED.search(text) is None:
        return text
    return text.translate(_SAME_LENGTH)


# File names WhatsApp generates for media: iOS ``00000012-PHOTO-2025-03-14-18-22-05.jpg``
# (and the ``00000022-`` sequence prefix it puts before a document's own name), Android
# ``IMG-20250314-WA0012.jpg``.  They say nothing about the content, but their digit runs
# look like dates, phone numbers and reference numbers to the detectors.
_GENERATED_MEDIA_NAME = re.compile(
    r"(?<![\w-])\d{8}-(?:(?:PHOTO|VIDEO|AUDIO|GIF|STICKER)-\d{4}(?:-\d{2}){5}(?:\.\w{1,5})?)?"
    r"|(?<![\w-])(?:IMG|VID|AUD|PTT|STK|DOC)-\d{8}-WA\d{3,}(?:\.\w{1,5})?"
)


def _blank(m: re.Match[str]) -> str:
    return " " * (m.end() - m.start())


def media_name_view(text: str) -> str:
    """``text`` with the file names WhatsApp generates for media blanked out (same length).

    For attachment messages: a caption and a name a person gave a document ("Discharge
    summary.pdf") stay; the generated sequence numbers and time stamps go, so a photo
    alone is not read as holding a date of birth or a phone number."""
    if "-" not in text:
        return text
    return _GENERATED_MEDIA_NAME.sub(_blank, text)
