"""Police references: collar numbers, CAD references, custody record numbers, exhibit
references and crime references.

None of these has a published format or check character (see IDENTIFIERS.md), so each is
anchored on the words police write with it, and the span is the reference alone, without
the anchor word:

* collar number after a rank: ``PC 1234AB`` (Met: number + two-letter borough code),
  ``PS 41AB``, ``DC 123``, ``PCSO 7123``, ``Sgt 42``; 0.85;
* CAD reference after ``CAD``: ``CAD 1234/12JAN24``, ``CAD 4567``; 0.9;
* custody record number after "custody record"/"custody no"; 0.85;
* exhibit reference ``AP/1``, ``AEP/001``, ``AP/1/1``: only with "exhibit", "exh" or
  "seized" nearby (without them it collides with fractions and shorthand); 0.85;
* crime reference ``1234567/23`` (the CRIS-era shape, unconfirmed): 0.6 alone, 0.9 with
  "crime", "CRIS", "ref" nearby.
"""

from __future__ import annotations

import re

from chatwarden.detect.identifiers.state import Recognizer, Scan


def collar(sc: Scan, m: object) -> bool:
    start, end = m.span("collar_no")  # type: ignore[attr-defined]
    raw = sc.text[start:end]
    digits = raw.rstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    if sc.text[start - 1].isalpha() and digits == raw and len(digits) < 3:
        return False  # "PS5", "DC2": a product or a shorthand, not a rank and number
    shape = "Met number and borough code" if len(raw) - len(digits) == 2 else "rank and number"
    rank = sc.text[m.start():start].strip(" .")  # type: ignore[attr-defined]
    sc.add("collar_number", start, end, 0.85, "collar_number", f"{shape} after rank '{rank}'",
           sc.context("collar_number", start, end) or (rank.lower(),), 0.0)
    return True


def cad(sc: Scan, m: object) -> bool:
    start, end = m.span("cad_no")  # type: ignore[attr-defined]
    sc.add("cad_reference", start, end, 0.9, "cad_reference", "after the word 'CAD'", ("cad",), 0.0)
    return True


def exhibit(sc: Scan, m: object) -> bool:
    start, end = m.start(), m.end()  # type: ignore[attr-defined]
    ctx = sc.anchored("exhibit_reference", start, end)
    if not ctx:
        return False
    sc.add("exhibit_reference", start, end, 0.85, "exhibit_reference", "context: " + repr(ctx[0]), ctx)
    return True


def crime_ref(sc: Scan, m: object) -> bool:
    start, end = m.start(), m.end()  # type: ignore[attr-defined]
    year = int(sc.text[end - 2:end])
    if year == 0:
        return False
    sc.add("crime_reference", start, end, 0.6, "crime_reference.cris", "seven digits / two-digit year",
           sc.context("crime_reference", start, end), 0.3)
    return True


CUSTODY = re.compile(
    r"\b[Cc]ustody (?:[Rr]ecord|[Rr]ef(?:erence)?|[Nn]o\.?|[Nn]umber)(?: (?:[Nn]o\.?|[Nn]umber|[Rr]ef))?"
    r"(?: (?:is|was|for \w+ is))?[:#]? ?(?P<ref>[A-Za-z0-9](?:[A-Za-z0-9/\-]{2,24}[A-Za-z0-9])?)(?![\w/])"
)


def custody(sc: Scan) -> None:
    for m in CUSTODY.finditer(sc.text):
        ref = m.group("ref")
        if not any(c.isdigit() for c in ref) or len(ref) < 4:
            continue
        start, end = m.span("ref")
        sc.add("custody_record", start, end, 0.85, "custody_record", "after 'custody record'", ("custody record",))


# ``rest`` patterns start after the first character (see state.Recognizer).
RECOGNIZERS_DIGIT = [
    Recognizer("crime_ref", "0-9", r"(?P<crime_ref>\d{6}/\d\d(?![\w/]))", crime_ref),
]
RECOGNIZERS_UPPER = [
    Recognizer(
        "collar", "PDST",
        r"(?P<collar>(?:(?<=P)(?:CSO|C|S)|(?<=D)[CS]|(?<=S)(?:gt|C)|(?<=T)DC)\.? ?"
        r"(?P<collar_no>\d{1,5}[A-Z]{0,2})(?!\w))",
        collar,
    ),
    Recognizer(
        "cad", "C",
        r"(?P<cad>AD(?: ?(?:[Nn]o|[Rr]ef|[Ll]og)\.?)? ?:? ?(?P<cad_no>\d{1,5}(?:/\d{1,2}[A-Za-z]{3}\d{0,4})?)(?![\w/]))",
        cad,
    ),
]
RECOGNIZERS_UPPER_LATE = [
    Recognizer("exhibit", "A-Z", r"(?P<exhibit>[A-Z]{0,3}/\d{1,4}(?:/\d{1,3})*(?![\w/]))", exhibit),
]
