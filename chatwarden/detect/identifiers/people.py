"""Identifiers of people: PNC ID, CRO number, National Insurance number, driving licence
number, passport number (old letter forms) and dates of birth.

* PNC ID ``YY/NNNNNNNC`` / ``YYYY/NNNNNNNC`` and CRO ``NNNNNN/YYC`` / ``SFYY/NNNNNNC`` fire
  only when the mod-23 check letter is right (one look-alike in 23 passes by chance): 0.9
  for PNC, 0.85 for CRO, 1.0 with "PNC"/"CRO" nearby.  When a value is valid in both
  shapes (``12/34A``) the context decides, PNC by default.
* NI number: prefix rules (HMRC NIM39110) and suffix A-D, 0.85 (0.8 written without
  spaces), context 1.0.  HMRC's documentation prefix ``QQ`` fails the prefix rules but is
  what training material and test data use, so it fires at 0.7 ("documentation prefix").
* Driving licence (GB, 16 characters): the embedded month (01-12, or 51-62 for women) and
  day must be a real date and the surname field letters padded with 9s; 0.85, context or a
  date of birth in the same message that matches the embedded one 1.0.
* Date of birth: a real past date at most 120 years ago, with "DOB"/"born"/"date of
  birth"/"age" before it (no other number in between) or "(DOB)" right after it (0.9), or
  in brackets right after a capitalised full name, ``Grace ADEBAYO (17/03/1985)`` (0.75).
  A date with none of these is not a date of birth (meetings, court dates).
"""

from __future__ import annotations

import re

from chatwarden.detect.identifiers.checks import (
    NINO_DOC_PREFIX,
    cro_check_ok,
    cro_sf_check_ok,
    date_of_birth_ok,
    expand_year,
    licence_dob,
    nino_prefix_ok,
    pnc_check_ok,
)
from chatwarden.detect.identifiers.state import Recognizer, Scan

_CRO_WORDS = frozenset({"cro", "cro no", "cro number", "criminal records office", "sf"})


def pnc_or_cro(sc: Scan, m: object) -> bool:
    start, end = m.start(), m.end()  # type: ignore[attr-defined]
    left, _, right = sc.text[start:end].partition("/")
    letter, digits = right[-1], right[:-1]
    pnc = len(left) in (2, 4) and pnc_check_ok(left, digits, letter)
    cro = len(digits) == 2 and len(left) <= 6 and cro_check_ok(left, digits, letter)
    if not (pnc or cro):
        return False
    if pnc and cro:
        ctx = sc.context("cro_number", start, end)
        if any(w in _CRO_WORDS for w in ctx):
            pnc = False
    if pnc:
        form = "long" if len(left) == 4 else "short"
        sc.add("pnc_id", start, end, 0.9, f"pnc_id.{form}", "mod-23 check letter valid",
               sc.context("pnc_id", start, end), 0.1)
    else:
        sc.add("cro_number", start, end, 0.85, "cro_number", "mod-23 check letter valid",
               sc.context("cro_number", start, end), 0.15)
    return True


def cro_sf(sc: Scan, m: object) -> bool:
    year, serial, letter = m.group("sf_year"), m.group("sf_serial"), m.group("sf_letter")  # type: ignore
    if not cro_sf_check_ok(year, serial, letter):
        return False
    start, end = m.start(), m.end()  # type: ignore[attr-defined]
    sc.add("cro_number", start, end, 0.85, "cro_number.sf", "mod-23 check letter valid",
           sc.context("cro_number", start, end), 0.15)
    return True


def nino(sc: Scan, m: object) -> bool:
    start, end = m.start(), m.end()  # type: ignore[attr-defined]
    raw = sc.text[start:end]
    prefix = raw[:2]
    if prefix == NINO_DOC_PREFIX:
        base, why = 0.7, "HMRC documentation prefix QQ"
    elif nino_prefix_ok(prefix):
        base, why = (0.85 if " " in raw else 0.8), "prefix rules ok"
    else:
        return False
    sc.add("ni_number", start, end, base, "ni_number", why, sc.context("ni_number", start, end), 0.2)
    return True


def licence(sc: Scan, m: object) -> bool:
    start, end = m.start(), m.end()  # type: ignore[attr-defined]
    number = sc.text[start:end].replace(" ", "")
    fields = licence_dob(number)
    if fields is None:
        return False
    yy, month, day, sex = fields
    sc.licences.append(len(sc.hits))
    sc.add("driving_licence", start, end, 0.85, "driving_licence.gb",
           f"embedded date of birth fields valid (month {month:02d}, day {day:02d}, year ..{yy:02d}, {sex})",
           sc.context("driving_licence", start, end), 0.15)
    return True


_DOB_BEFORE = re.compile(r"\b(?:dob|d\.o\.b|date of birth|born|birth|birthday|aged?)\b")
_DOB_AFTER = re.compile(r"[\s(\[,:-]{0,3}(?:dob|d\.o\.b|born)\b")
_NAME_BEFORE = re.compile(r"\b[A-Z][a-z'\-]+ (?:[A-Z][a-z'\-]+ )?([A-Z][A-Za-z'\-]+) ?$")
_NOT_NAMES = frozenset(
    "Monday Tuesday Wednesday Thursday Friday Saturday Sunday January February March April May June July "
    "August September October November December Court Room Meeting Hearing Trial Date Today".split()
)
_MONTHS = {m: i for i, m in enumerate(("jan feb mar apr may jun jul aug sep oct nov dec").split(), 1)}


def _dob_context(sc: Scan, start: int, end: int) -> tuple[str, ...] | None:
    low = sc.low
    last = None
    for w in _DOB_BEFORE.finditer(low, max(0, start - 40), start):
        last = w
    if last is not None and not any(c.isdigit() for c in low[last.end():start]):
        return (last.group().rstrip("."),)
    after = _DOB_AFTER.match(low, end, end + 10)
    if after is not None:
        return (after.group().strip(" ([,:-"),)
    return None


def _record_dob(sc: Scan, start: int, end: int, day: int, month: int, year: int, pattern: str) -> bool:
    if not date_of_birth_ok(day, month, year):
        return False
    ctx = _dob_context(sc, start, end)
    if ctx is not None:
        base, why = 0.9, "real date; context: " + repr(ctx[0])
    else:
        text = sc.text
        if start < 2 or text[start - 1] != "(" or text[end:end + 1] != ")":
            return False
        name = _NAME_BEFORE.search(text, max(0, start - 60), start - 1)
        if name is None or name.group(1) in _NOT_NAMES:
            return False
        base, why, ctx = 0.75, "real date in brackets after a capitalised name", ()
    sc.dobs.append((year, month, day))
    sc.add("date_of_birth", start, end, base, pattern, why, ctx)
    return True


def numeric_date(sc: Scan, m: object) -> bool:
    start, end = m.start(), m.end()  # type: ignore[attr-defined]
    parts = sc.text[start:end].split(m.group("dsep"))  # type: ignore[attr-defined]
    if len(parts) != 3:
        return False
    day, month, y = int(parts[0]), int(parts[1]), parts[2]
    year = int(y) if len(y) == 4 else expand_year(int(y))
    return _record_dob(sc, start, end, day, month, year, "date_of_birth.numeric")


def worded_date(sc: Scan, m: object) -> bool:
    start, end = m.start(), m.end()  # type: ignore[attr-defined]
    raw = sc.text[start:end]
    day = int(raw[:2]) if raw[1:2].isdigit() else int(raw[0])
    month = _MONTHS[m.group("dw_month")[:3].lower()]  # type: ignore[attr-defined]
    year = int(m.group("dw_year"))  # type: ignore[attr-defined]
    return _record_dob(sc, start, end, day, month, year, "date_of_birth.words")


def passport_letter(sc: Scan, m: object) -> bool:
    start, end = m.start(), m.end()  # type: ignore[attr-defined]
    ctx = sc.anchored("passport_number", start, end)
    if not ctx:
        return False
    sc.add("passport_number", start, end, 0.85, "passport.letter", "context: " + repr(ctx[0]), ctx)
    return True


_MONTH_WORDS = (
    r"(?i:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?"
    r"|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)

# ``rest`` patterns start after the first character (see state.Recognizer).
RECOGNIZERS_DIGIT = [
    Recognizer(
        "datew", "0-9",
        r"(?P<datew>(?:\d)?(?:st|nd|rd|th)? (?:of )?(?P<dw_month>" + _MONTH_WORDS + r")\.?,? "
        r"(?P<dw_year>(?:19|20)\d\d)(?!\w))",
        worded_date,
    ),
    Recognizer(
        "date", "0-9",
        r"(?P<date>\d?(?P<dsep>[/.\-])\d{1,2}(?P=dsep)(?:\d{4}|\d{2})(?![\w/])(?![.\-]\d))",
        numeric_date,
    ),
    Recognizer(
        "pnc_cro", "0-9",
        r"(?P<pnc_cro>\d{0,5}/\d{1,7}[A-Z](?![\w/]))",
        pnc_or_cro,
    ),
]

RECOGNIZERS_UPPER = [
    Recognizer("cro_sf", "S", r"(?P<cro_sf>F(?P<sf_year>\d\d)/(?P<sf_serial>\d{1,6})(?P<sf_letter>[A-Z])(?!\w))", cro_sf),
    Recognizer("ni", "A-Z", r"(?P<ni>[A-Z] ?\d\d ?\d\d ?\d\d ?[A-D](?!\w))", nino),
    Recognizer(
        "dl", "A-Z",
        r"(?P<dl>[A-Z9]{4} ?\d[0156]\d[0-3]\d\d ?[A-Z9]{2}\d[A-Z]{2}(?!\w))",
        licence,
    ),
]

RECOGNIZERS_PASSPORT_LETTER = [
    Recognizer("passport_l", "A-Z", r"(?P<passport_l>\d{6}(?!\w))", passport_letter),
]
