"""Validated identifiers in message text: the identifier half of the rule tier.

:class:`IdentifierDetector` finds UK personal, financial and police identifiers.  Each
recognizer is a compiled pattern, a base score, a validation (check character, structural
rule or library check) and whole-word context words that raise the score; look-alikes that
fail validation do not fire, and loose formats fire only with context.  The family modules
document their rules and scores:

===================  ===================================================================
module               labels
===================  ===================================================================
:mod:`.people`       pnc_id, cro_number, ni_number, driving_licence, passport_number
                     (letter forms), date_of_birth
:mod:`.numbers`      phone_number, nhs_number, payment_card, sort_code, bank_account,
                     passport_number (digit runs)
:mod:`.contact`      phone_number (``+44``, ``(020)``), email, ip_address, postcode
:mod:`.vehicles`     vehicle_registration
:mod:`.police`       collar_number, cad_reference, custody_record, exhibit_reference,
                     crime_reference
===================  ===================================================================

Speed.  The detector runs on every message, so the work is arranged to cost almost nothing
for the common case.  A text with neither a digit nor ``@`` is dismissed by one C-level
search (every identifier except an e-mail address contains a digit); for ASCII text that
search is the candidate search itself (every candidate holds a digit), the digit-or-``@``
gate then runs only when it finds nothing.  Two combined expressions do the finding: one
for candidates starting with a digit, ``+`` or ``(``, one for candidates starting with a
capital letter.  Each begins with a plain character class, so the regular-expression
engine skips to possible starting characters in C; which branch may follow is chosen by a one-character look-behind, and a second
look-behind rejects starts in the middle of a word or number.  Python code runs only for
a candidate that matched a branch; when its validation fails, the later recognizers are
tried at the same position.  Context words are tokenised only for candidates that passed.
E-mail, IPv6 and custody-record patterns run only when a substring check says they can
match.  ``benchmarks/bench_detect.py`` measures the result (see docs/benchmarks/detect.md).

Offsets.  ``scan`` works on :func:`chatwarden.detect.text.detection_view` of the text (a
same-length normalisation of no-break spaces, invisible marks and typographic dashes), so
every span indexes the exact text given.  The engine passes the view already; ``scan``
applies it again only to non-ASCII text (it is idempotent).

Not done here: bank sort code + account modulus checking (it needs Pay.UK's
``valacdos.txt`` table shipped and kept current), so account numbers are context-anchored.
"""

from __future__ import annotations

import re
from typing import ClassVar

from chatwarden.detect.base import Hit, TextDetector
from chatwarden.detect.identifiers import contact, numbers, people, police, vehicles
from chatwarden.detect.identifiers.checks import licence_dob
from chatwarden.detect.identifiers.state import Recognizer, Scan
from chatwarden.detect.text import detection_view

__all__ = ["IdentifierDetector", "LABELS", "scan_text"]

LABELS: frozenset[str] = frozenset(
    {
        "pnc_id", "cro_number", "ni_number", "nhs_number", "vehicle_registration", "postcode", "phone_number",
        "email", "payment_card", "bank_account", "sort_code", "passport_number", "driving_licence",
        "date_of_birth", "ip_address", "crime_reference", "cad_reference", "custody_record", "exhibit_reference",
        "collar_number",
    }
)

# Candidates that start with a digit (order = priority at one position).
_DIGIT: list[Recognizer] = [
    *people.RECOGNIZERS_DIGIT,  # worded date, numeric date, PNC/CRO
    *police.RECOGNIZERS_DIGIT,  # crime reference
    *contact.RECOGNIZERS_DIGIT,  # IPv4
    *numbers.RECOGNIZERS,  # digit runs
]
_PLUS: list[Recognizer] = contact.RECOGNIZERS_PLUS
_PAREN: list[Recognizer] = contact.RECOGNIZERS_PAREN
_UPPER: list[Recognizer] = [
    *people.RECOGNIZERS_UPPER,  # CRO SF form, NI, driving licence (before collar: "PC 30 71 71 D")
    *police.RECOGNIZERS_UPPER,  # collar, CAD
    *vehicles.RECOGNIZERS_UPPER,  # current VRM
    *contact.RECOGNIZERS_UPPER,  # postcode
    *vehicles.RECOGNIZERS_UPPER_LATE,  # prefix and suffix VRMs
    *police.RECOGNIZERS_UPPER_LATE,  # exhibit
    *people.RECOGNIZERS_PASSPORT_LETTER,
    *vehicles.RECOGNIZERS_UPPER_LAST,  # dateless VRM (context only)
]

# Starts inside a word or a number never count: after the first character, look back.
# Then a look-ahead that every recognizer of the group satisfies fails fast on ordinary
# words and short numbers, before any branch is tried.
_GUARD_DIGIT = (
    r"(?<![A-Za-z0-9_£$€#+]\d)(?<!\d[.,:/\-]\d)"
    r"(?=\d{0,6}[/.\-]\d|\d?(?:st|nd|rd|th)? (?:of )?[JFMASONDjfmasond]|(?:[ \-]?\d){5})"
)
_GUARD_PLUS = r"(?<![A-Za-z0-9_]\+)"
_GUARD_UPPER = r"(?<![A-Za-z0-9_][A-Z])(?=[A-Z9]{0,4}[ .:/]{0,2}\d|gt\.? ?\d|AD)"


def _branch(rec: Recognizer, family_first: str) -> str:
    if rec.first == family_first:
        return rec.rest
    return f"(?<=[{re.escape(rec.first) if len(rec.first) == 1 else rec.first}]){rec.rest}"


def _build(groups: list[tuple[str, str, list[Recognizer]]]) -> tuple[re.Pattern[str], dict[str, tuple]]:
    """One expression ``[firsts](?:(?<=[first1])guard1(?:branches1)|...)`` and, per branch
    name, its handler and the (pattern, handler) pairs of the recognizers after it."""
    firsts = "".join(first if len(first) > 1 else re.escape(first) for first, _, _ in groups)
    parts = []
    table: dict[str, tuple] = {}
    for first, guard, recs in groups:
        cls = first if len(first) > 1 else re.escape(first)
        branches = "|".join(_branch(r, first) for r in recs)
        lead = f"(?<=[{cls}])" if len(groups) > 1 else ""
        parts.append(f"{lead}{guard}(?:{branches})")
        singles = [(re.compile(f"[{cls}]{guard}{_branch(r, first)}"), r.handler) for r in recs]
        for i, r in enumerate(recs):
            table[r.name] = (r.handler, singles[i + 1:])
    pattern = re.compile(f"[{firsts}](?:{'|'.join(parts)})")
    return pattern, table


_SCANNER, _TABLE = _build(
    [("0-9", _GUARD_DIGIT, _DIGIT), ("A-Z", _GUARD_UPPER, _UPPER), ("+", _GUARD_PLUS, _PLUS), ("(", "", _PAREN)]
)
_GATE = re.compile(r"[0-9@]")


def _run(pattern: re.Pattern[str], table: dict[str, tuple], sc: Scan, m: re.Match[str] | None) -> None:
    """Find candidates left to right.  A candidate that no recognizer accepts does not
    hide what starts inside it (``DOB 16.03.1962`` first looks like a dateless plate
    ``DOB 16``): after a letter-led candidate the search resumes one character after its
    start.  ``m`` is the first candidate (``scan_text`` has searched already)."""
    text = sc.text
    search = pattern.search
    while m is not None:
        handler, later = table[m.lastgroup]
        if handler(sc, m):
            m = search(text, m.end())
            continue
        start = m.start()
        for single, h in later:
            m2 = single.match(text, start)
            if m2 is not None and h(sc, m2):
                m = search(text, m2.end())
                break
        else:  # digit-led candidates already tried their own sub-runs: skip them whole
            m = search(text, start + 1 if text[start].isalpha() else m.end())


def _confirm_licences(sc: Scan) -> None:
    """A licence number whose embedded birth date equals a date of birth in the message."""
    for i in sc.licences:
        hit = sc.hits[i]
        fields = licence_dob(sc.text[hit.start:hit.end].replace(" ", ""))
        if fields is None:
            continue
        yy, month, day, _ = fields
        if any(y % 100 == yy and mo == month and d == day for y, mo, d in sc.dobs):
            sc.hits[i] = Hit(hit.label, hit.start, hit.end, 1.0, hit.pattern,
                             hit.validation + "; matches the date of birth in the message",  # type: ignore[operator]
                             hit.context, hit.reason)


def _resolve(hits: list[Hit]) -> list[Hit]:
    """Overlapping hits: keep the higher score (then the longer span)."""
    prev = hits[0]
    for h in hits[1:]:
        if h.start < prev.end:
            break
        prev = h
    else:  # found left to right and apart (the usual case): nothing to resolve
        return hits
    hits.sort(key=lambda h: (h.start, -h.end))
    out: list[Hit] = []
    for h in hits:
        if out and h.start < out[-1].end:
            prev = out[-1]
            if (h.score, h.end - h.start) > (prev.score, prev.end - prev.start):
                out[-1] = h
            continue
        out.append(h)
    return out


def scan_text(text: str) -> list[Hit]:
    """Identifier hits in ``text`` (offsets index ``text``)."""
    if text.isascii():
        m = _SCANNER.search(text)  # a candidate holds an ASCII digit: it answers the gate too
        at = "@" in text
        if m is None and (not at and "ustody" not in text and ":" not in text or _GATE.search(text) is None):
            return []
    else:
        if _GATE.search(text) is None:  # (a non-ASCII \d is no ASCII digit: the gate comes first)
            return []
        text = detection_view(text)
        m = _SCANNER.search(text)
        at = "@" in text
        if m is None and not at and "ustody" not in text and ":" not in text:
            return []
    sc = Scan(text)
    if at:
        contact.emails(sc)
    if m is not None:
        _run(_SCANNER, _TABLE, sc, m)
    if ":" in text and ("::" in text or text.count(":") >= 7):
        contact.ipv6(sc)
    if "ustody" in text:
        police.custody(sc)
    hits = sc.hits
    if len(hits) > 1:
        if sc.licences and sc.dobs:
            _confirm_licences(sc)
        return _resolve(hits)
    return hits


class IdentifierDetector(TextDetector):
    """UK identifiers (see the module docstring for the labels and how they are validated)."""

    name: ClassVar[str] = "identifiers"
    version: ClassVar[str] = "1.0.0"
    labels: ClassVar[frozenset[str]] = LABELS

    scan = staticmethod(scan_text)  # the function itself: one call less per message
