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
