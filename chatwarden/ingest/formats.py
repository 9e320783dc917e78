"""WhatsApp message-header shapes, kept as data.

A header is the timestamp (and the `` - `` or ``]`` that ends it) at the start of a line.
WhatsApp writes it in the phone's locale, so the shapes vary a lot:

* bracketed (iOS) ``[27/03/2022, 21:41:35] Name: text`` or dashed (Android)
  ``27/03/2022, 21:41 - Name: text``; an older colon form ``27/03/2022 21:41: Name: text``;
* time first (Vietnamese iOS) ``[21:41:35, 27/3/22] Name: text``;
* dates with ``/``, ``.`` or ``-``, 2- or 4-digit years, year first, day/month in either
  order, trailing dots (``2022. 3. 27.``), Japanese-era (``R4``), Buddhist-era (``2565``)
  and Minguo (``111``) years;
* 12- or 24-hour clocks, ``:`` or ``.`` between hours and minutes, with or without
  seconds, AM/PM markers after (``PM``, ``p. m.``, ``م``) or before (``午後``, ``오후``) the
  time, separated by a space, U+00A0 or U+202F;
* invisible direction marks (U+200E, U+200F, U+202A..U+202E, U+2066..U+2069) anywhere in
  the header; digits in any script that Unicode calls decimal (Arabic-Indic included).

Each layout is one regular expression with the same named groups; :func:`header_fields`
turns a match into plain values.  Nothing here reads files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MARKS = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
M = f"[{MARKS}]*"
SP = "[ \u00a0\u202f]"

# AM/PM markers: (regex, is_pm).  Order matters: longer forms first.
AMPM_MARKERS: tuple[tuple[str, bool], ...] = (
    (r"a\.[ \u00a0\u202f]?m\.", False),
    (r"p\.[ \u00a0\u202f]?m\.", True),
    (r"a\.m", False),
    (r"p\.m", True),
    (r"AM", False),
    (r"PM", True),
    (r"am", False),
    (r"pm", True),
    (r"ص", False),  # Arabic sabahan
    (r"م", True),  # Arabic masa'an
    (r"午前", False),
    (r"午後", True),
    (r"上午", False),
    (r"下午", True),
    (r"오전", False),
    (r"오후", True),
    (r"SA", False),  # Vietnamese sáng
    (r"CH", True),  # Vietnamese chiều
    (r"π\.μ\.", False),
    (r"μ\.μ\.", True),
    (r"vorm\.", False),
    (r"nachm\.", True),
    (r"ق\.ظ", False),  # Persian
    (r"ب\.ظ", True),
    (r"पूर्वाह्न", False),
    (r"अपराह्न", True),
)
_AMPM_ALT = "|".join(f"(?:{rx})" for rx, _ in AMPM_MARKERS)
_AMPM_COMPILED = [(re.compile(rx + r"\Z"), pm) for rx, pm in AMPM_MARKERS]

ERA = r"(?:[RHSTrhst]|令和|平成|昭和)"
DATE_SEP = r"[./\-]"

# One date: three numeric fields (any order), optional era letter before a field,
# optional trailing dot, optional space after each separator, marks anywhere.
DATE = (
    rf"(?P<e1>{ERA})?(?P<d1>\d{{1,4}}){M}(?P<ds>{DATE_SEP}){SP}?{M}"
    rf"(?P<e2>{ERA})?(?P<d2>\d{{1,2}}){M}(?P=ds){SP}?{M}"
    rf"(?P<e3>{ERA})?(?P<d3>\d{{1,4}})(?:{SP}?(?P<be>BE|พ\.ศ\.))?\.?"
)
TIME = (
    rf"(?:(?P<ap1>{_AMPM_ALT}){SP}?)?"
    rf"(?P<H>\d{{1,2}}){M}(?P<ts>[:.])(?P<Mi>\d{{2}})(?:(?P=ts)(?P<S>\d{{2}}))?"
    rf"(?:{SP}?{M}(?P<ap2>{_AMPM_ALT}))?"
)
DT_SEP = rf"{M}[,\u060c]?{SP}?{M}"

# name -> pattern matching the whole header, with `rest` = everything after it on the line
LAYOUTS: dict[str, str] = {
    "bracket": rf"{M}\[{M}(?P<date>{DATE}){DT_SEP}(?P<time>{TIME}){M}\]{SP}?{M}(?P<rest>[^\n]*)",
    "bracket-time-first": rf"{M}\[{M}(?P<time>{TIME}){DT_SEP}(?P<date>{DATE}){M}\]{SP}?{M}(?P<rest>[^\n]*)",
    "dash": rf"{M}(?P<date>{DATE}){DT_SEP}(?P<time>{TIME}){M}{SP}[-\u2013]{SP}(?P<rest>[^\n]*)",
    "colon": rf"{M}(?P<date>{DATE}){DT_SEP}(?P<time>{TIME}):{SP}(?P<rest>[^\n]*)",
}
PLATFORM_OF_LAYOUT = {
    "bracket": "ios",
    "bracket-time-first": "ios",
    "dash": "android",
    "colon": "unknown",
}

# Compiled once: anchored at the start of a line (for line-by-line use) and MULTILINE
# (for scanning a whole chunk at C speed).
LINE_RE = {name: re.compile(rx) for name, rx in LAYOUTS.items()}
SCAN_RE = {name: re.compile(r"^" + rx, re.MULTILINE) for name, rx in LAYOUTS.items()}


_STRIP = str.maketrans("", "", MARKS)
DATE_ONLY = re.compile(DATE)
TIME_ONLY = re.compile(TIME)


@dataclass(frozen=True, slots=True)
class DateParts:
    """The three numeric fields of a written date, the digits written in the first and
    last field (to tell 2- from 4-digit years) and an era marker with the field it sits in
    (``"R3"`` = Reiwa era in field 3; ``"BE3"`` = Buddhist era)."""

    d1: int
    d2: int
    d3: int
    w1: int
    w3: int
    era: str | None


def date_parts(text: str) -> DateParts | None:
    m = DATE_ONLY.fullmatch(text.translate(_STRIP))
    if m is None:
        return None
    g = m.group
    era = None
    for key, pos in (("e1", "1"), ("e2", "2"), ("e3", "3")):
        e = g(key)
        if e:
            era = e + pos
    if g("be"):
        era = "BE3"
    d1, d2, d3 = g("d1"), g("d2"), g("d3")
    return DateParts(int(d1), int(d2), int(d3), len(d1), len(d3), era)


def _ampm_is_pm(marker: str) -> bool | None:
    for rx, pm in _AMPM_COMPILED:
        if rx.match(marker):
            return pm
    return None


def time_parts(text: str) -> tuple[int, int, int] | None:
    """(hour, minute, second) in 24-hour form, or None when the time is impossible."""
    m = TIME_ONLY.fullmatch(text.translate(_STRIP))
    if m is None:
        return None
    g = m.group
    hour = int(g("H"))
    minute = int(g("Mi"))
    sec = g("S")
    second = int(sec) if sec else 0
    marker = g("ap1") or g("ap2")
    if marker:
        pm = _ampm_is_pm(marker)
        if hour > 12:
            return None
        if pm and hour != 12:
            hour += 12
        elif not pm and hour == 12:
            hour = 0
    if hour > 23 or minute > 59 or second > 59:
        return None
    return hour, minute, second


def year_first(parts: DateParts) -> bool:
    """True when the first field must be the year (4 digits, 3-digit Minguo, or an era)."""
    if parts.w1 >= 3:
        return True
    return bool(parts.era and parts.era.endswith("1"))


# ------------------------------------------------------------------------------------------
# Years
# ------------------------------------------------------------------------------------------
_ERA_BASE = {"R": 2018, "H": 1988, "S": 1925, "T": 1911, "令和": 2018, "平成": 1988, "昭和": 1925}


def full_year(value: int, width: int, era: str | None) -> int | None:
    """Turn a written year into a Gregorian year, or None when impossible."""
    if era and not era.startswith("BE"):
        base = _ERA_BASE.get(era[:-1].upper() if era[:-1].isascii() else era[:-1])
        if base is None:
            return None
        return base + value
    if era and era.startswith("BE"):
        return value - 543
    if width <= 2:
        return 2000 + value
    if width == 3:  # Minguo (Republic of China) calendar: 111 = 2022
        return value + 1911
    if value >= 2400:  # Buddhist era written without a marker (Thai locale)
        return value - 543
    return value


def ymd(parts: DateParts, order: str) -> tuple[int, int, int] | None:
    """(year, month, day) of a written date read in ``order``, or None when impossible."""
    if order == "ymd":
        yv, yw = parts.d1, parts.w1
        era = parts.era if parts.era and parts.era.endswith("1") else None
        month, day = parts.d2, parts.d3
    else:
        yv, yw = parts.d3, parts.w3
        era = parts.era if parts.era and (parts.era.endswith("3") or parts.era.startswith("BE")) else None
        if order == "dmy":
            day, month = parts.d1, parts.d2
        else:
            month, day = parts.d1, parts.d2
    year = full_year(yv, yw, era)
    if year is None or not (1 <= month <= 12) or not (1 <= day <= 31) or not (1900 <= year <= 2999):
        return None
    if day > _days_in_month(year, month):
        return None
    return year, month, day


def _days_in_month(year: int, month: int) -> int:
    if month == 2:
        leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
        return 29 if leap else 28
    return 30 if month in (4, 6, 9, 11) else 31
