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


@dataclass(frozen=True, slots=True)
class HeaderFeatures:
    """Which optional parts a file's headers use.  The generic shape allows everything;
    a file-specific shape (learnt from the file's first headers) drops what never occurs
    and fixes the separators, which makes scanning faster.  The parser still checks every
    continuation line against the generic shape, so the fast shape can never hide a
    header."""

    marks: bool = True
    ampm: tuple[str, ...] | None = None  # None: every known marker; (): no 12-hour marker
    era: bool = True
    date_sep: str | None = None  # the one separator used between date fields
    dt_sep: str | None = None  # the exact text between date and time
    time_sep: str | None = None
    seconds: bool | None = None  # None: optional
    trailing_dot: bool | None = None


GENERIC = HeaderFeatures()


def _date(f: HeaderFeatures) -> str:
    m = M if f.marks else ""
    era = (lambda k: rf"(?P<{k}>{ERA})?") if f.era else (lambda k: "")
    be = rf"(?:{SP}?(?P<be>BE|พ\.ศ\.))?" if f.era else ""
    sep = rf"(?P<ds>{DATE_SEP})" if f.date_sep is None else rf"(?P<ds>{re.escape(f.date_sep)})"
    sp = rf"{SP}?" if f.date_sep is None or f.marks else ""
    dot = {None: r"\.?", True: r"\.", False: ""}[f.trailing_dot]
    return (
        rf"{era('e1')}(?P<d1>\d{{1,4}}){m}{sep}{sp}{m}"
        rf"{era('e2')}(?P<d2>\d{{1,2}}){m}(?P=ds){sp}{m}"
        rf"{era('e3')}(?P<d3>\d{{1,4}}){be}{dot}"
    )


def _time(f: HeaderFeatures) -> str:
    m = M if f.marks else ""
    if f.ampm is None:
        alt = _AMPM_ALT
    else:
        alt = "|".join(re.escape(a) for a in sorted(f.ampm, key=len, reverse=True))
    pre = rf"(?:(?P<ap1>{alt}){SP}?)?" if alt else ""
    post = rf"(?:{SP}?{m}(?P<ap2>{alt}))?" if alt else ""
    ts = r"[:.]" if f.time_sep is None else re.escape(f.time_sep)
    sec = {None: r"(?:(?P=ts)(?P<S>\d{2}))?", True: r"(?P=ts)(?P<S>\d{2})", False: ""}[f.seconds]
    return rf"{pre}(?P<H>\d{{1,2}}){m}(?P<ts>{ts})(?P<Mi>\d{{2}}){sec}{post}"


def header_pattern(layout: str, f: HeaderFeatures = GENERIC) -> str:
    """The header of ``layout`` (without the text after it), with named groups."""
    m = M if f.marks else ""
    date, time = rf"(?P<date>{_date(f)})", rf"(?P<time>{_time(f)})"
    sep = rf"{m}[,\u060c]?{SP}?{m}" if f.dt_sep is None else re.escape(f.dt_sep)
    # No marks after "] ": iOS writes U+200E there before a system line's text, and it is
    # part of that text (kept byte-exact).
    if layout == "bracket":
        return rf"{m}\[{m}{date}{sep}{time}{m}\]{SP}?"
    if layout == "bracket-time-first":
        return rf"{m}\[{m}{time}{sep}{date}{m}\]{SP}?"
    if layout == "dash":
        return rf"{m}{date}{sep}{time}{m}{SP}[-\u2013]{SP}"
    if layout == "colon":
        return rf"{m}{date}{sep}{time}:{SP}"
    raise ValueError(layout)


def flatten(pattern: str, keep: frozenset[str] = frozenset({"date", "time"})) -> str:
    """``pattern`` with every named group but ``keep`` made non-capturing (for re.split)."""
    pattern = pattern.replace("(?P=ds)", DATE_SEP).replace("(?P=ts)", "[:.]")
    return re.sub(r"\(\?P<(\w+)>", lambda mm: "(" if mm.group(1) in keep else "(?:", pattern)


DATE = _date(GENERIC)
TIME = _time(GENERIC)
LAYOUT_NAMES = ("bracket", "bracket-time-first", "dash", "colon")
LAYOUTS: dict[str, str] = {name: header_pattern(name) + r"(?P<rest>[^\n]*)" for name in LAYOUT_NAMES}
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


# After a header, for pass 1: the sender (the text before the first ": " of the line, a
# group) and the rest of the line, skipped; or, with no ": " in the line, the rest of the
# line (a group).  For pass 2: the sender and its ": ", if the line has one.  Possessive: a
# line without ": " is given up at once, not by backtracking.
_KEY_OR_LINE = r"(?:((?:[^:\n]++|:(?! ))*+): [^\n]*+|([^\n]*+))"
_SENDER = r"(?:((?:[^:\n]++|:(?! ))*+): )?"


def split_re(layout: str, f: HeaderFeatures) -> re.Pattern[str]:
    """``\\n<header>`` with four groups (header, date, time, sender): ``split`` of
    ``"\\n" + text`` gives [before, header, date, time, sender, rest, header, ...] where
    ``sender`` is the text before the first ": " of the header line and ``rest`` what
    follows that ": " (continuation lines included); without a ": " in the header line
    ``sender`` is None and ``rest`` is all of the text after the header."""
    return re.compile(r"\n(" + flatten(header_pattern(layout, f)) + ")" + _SENDER)


def scan_split_re(layout: str, f: HeaderFeatures) -> re.Pattern[str]:
    """``\\n<header>`` with three groups (date, sender, line): ``split`` of ``"\\n" + text``
    gives [before, date, sender, line, more, date, sender, line, more, ...] where ``sender``
    is the text before the first ": " of the header line (None without one), ``line`` the
    rest of a header line that has no ": " (else None) and ``more`` the continuation lines."""
    return re.compile(r"\n" + flatten(header_pattern(layout, f), frozenset({"date"})) + _KEY_OR_LINE)


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
    n = len(text)
    if (n == 5 or n == 8) and text.isascii() and text[2] == ":" and (n == 5 or text[5] == ":"):
        try:  # the common "HH:MM" / "HH:MM:SS"
            h, mi, sec = int(text[:2]), int(text[3:5]), (int(text[6:8]) if n == 8 else 0)
        except ValueError:
            return None
        return (h, mi, sec) if h < 24 and mi < 60 and sec < 60 else None
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
