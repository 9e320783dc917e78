"""UK telephone numbers, validated against libphonenumber's metadata for +44.

``phonenumbers.parse`` + ``is_valid_number`` cost tens of microseconds a call, far too much
for a detector that sees every message.  The rules it applies to a GB number are data in
its metadata: a national significant number (NSN, the digits after the trunk ``0`` or the
``+44``) is *valid* when it matches the general pattern and the pattern of at least one
number type (fixed line, mobile, freephone, ...) of one of the regions that share +44 (GB,
Guernsey, Jersey, Isle of Man), and *possible* when its length is one the
general description allows.  This module compiles those patterns once, so the answer is the
same as the library's (``tests/detect/test_identifiers.py`` checks that on random numbers)
at a fraction of the cost.  Numbers in other countries' formats (``+33 ...``) are handed
to ``phonenumbers`` itself: they are rare in these chats.

Ofcom's drama ranges (``07700 900000``-``900999``, ``01632 960000``-``960999`` and the
geographic ``... 496 0xxx`` / ``020 7946 0xxx`` blocks) are set aside for fiction and
training, and police test data uses them.  libphonenumber calls the first two *possible but
not valid*; we still report them as phone numbers (their validation says "Ofcom drama
range") because a real-looking number in a chat is the thing to flag.
"""

from __future__ import annotations

import re

import phonenumbers
from phonenumbers import PhoneMetadata

# +44 is shared by GB, Guernsey, Jersey and the Isle of Man: libphonenumber calls a number
# valid when it is valid in any of them.
_REGIONS = phonenumbers.COUNTRY_CODE_TO_REGION_CODE[44]
_TYPE_NAMES = (
    "premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan", "voicemail",
    "fixed_line", "mobile",
)


def _compile_region(region: str) -> tuple[re.Pattern[str], frozenset[int], dict[int, re.Pattern[str] | None]]:
    """The general pattern, its possible lengths and, for NSN lengths 9 and 10, one pattern
    that matches whole when any number type of that length does (the types joined)."""
    md = PhoneMetadata.metadata_for_region(region)
    types = []
    for name in _TYPE_NAMES:
        d = getattr(md, name)
        if d is not None and d.national_number_pattern:
            types.append((d.national_number_pattern, frozenset(d.possible_length or ())))
    by_length: dict[int, re.Pattern[str] | None] = {}
    for n in (9, 10):
        fitting = [p for p, lengths in types if not lengths or n in lengths]
        by_length[n] = re.compile("|".join(f"(?:{p})" for p in fitting)) if fitting else None
    general = md.general_desc
    return re.compile(general.national_number_pattern), frozenset(general.possible_length), by_length


_COMPILED = [_compile_region(r) for r in _REGIONS]
_GENERAL_LENGTHS = frozenset().union(*(c[1] for c in _COMPILED))


_DRAMA = re.compile(
    r"7700900\d{3}|1632960\d{3}|2079460\d{3}|1(?:1[3-8]|[2-6]1)4960\d{3}|1914980\d{3}|"
    r"2896496\d{3}|2920180\d{3}|3069990\d{3}|8081570\d{3}|9098790\d{3}"
)


def classify_nsn(nsn: str) -> str | None:
    """``"valid"``, ``"drama"`` (Ofcom drama range), ``"possible"`` or None for the national
    significant number of a GB number (digits only, no trunk prefix)."""
    n = len(nsn)
    if n not in (9, 10):  # 7-digit NSNs are special services (0800 1111) only
        return None
    if _DRAMA.fullmatch(nsn) is not None:
        return "drama"
    for general, lengths, types in _COMPILED:
        if n in lengths and general.fullmatch(nsn) is not None:
            joined = types[n]
            if joined is not None and joined.fullmatch(nsn) is not None:
                return "valid"
    return "possible" if n in _GENERAL_LENGTHS else None


def classify_international(digits: str) -> tuple[str, str] | None:
    """For digits written after ``+``: ``(status, region)`` or None.  ``+44`` goes through the
    GB metadata above; other country codes through ``phonenumbers`` itself."""
    if digits.startswith("44"):
        nsn = digits[2:]
        if nsn.startswith("0"):  # "+44 (0)20 ..." written without the brackets
            nsn = nsn[1:]
        status = classify_nsn(nsn)
        return (status, "GB") if status else None
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(number) or "ZZ"
    if phonenumbers.is_valid_number(number):
        return "valid", region
    if phonenumbers.is_possible_number(number):
        return "possible", region
    return None
