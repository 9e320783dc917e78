"""Runs of digits: phone numbers, NHS numbers, payment cards, sort codes, account numbers,
passport numbers.

All of these are written as 6-19 digits in groups separated by single spaces or hyphens,
so one pattern finds the run and :func:`classify` decides what it is from the number of
digits, the grouping, the check digits and the context.  A run that is nothing as a whole
(``4728 1124 5900 9193 2`` - a card number followed by a count) is retried as its sub-runs,
longest first from the left, so an identifier next to another number is still found.

Scores (before context):

* phone: allocated UK range 0.85, Ofcom drama range 0.8, possible but unallocated 0.6;
  context ("mobile", "call", "tel" ...) adds 0.1-0.2;
* NHS number passing mod 11: 0.75 when written 3-3-4 or as ten digits, 0.6 otherwise;
  "NHS" nearby makes it 1.0.  One random 10-digit number in 11 passes mod 11, which is why a
  bare ten-digit number does not score higher;
* payment card passing Luhn with a known issuer prefix: 0.9 (context 1.0);
* sort code ``99-99-99``: 0.6 alone, 0.95 with "sort code"; a dashed value that is also a
  real date (``12-03-24``) and undashed six digits need the context;
* account number (6-8 digits) and passport number (9 digits): context only.
"""

from __future__ import annotations

from chatwarden.detect.identifiers.checks import calendar_date_ok, card_issuer, luhn_ok, nhs_check_ok
from chatwarden.detect.identifiers.phone import classify_international, classify_nsn
from chatwarden.detect.identifiers.state import Recognizer, Scan

_PHONE_BASE = {"valid": 0.85, "drama": 0.8, "possible": 0.6}
_PHONE_WHY = {
    "valid": "libphonenumber GB metadata: valid number",
    "drama": "Ofcom drama range (possible, not allocated to a subscriber)",
    "possible": "possible UK number (right length), not in an allocated range",
}


def classify(sc: Scan, start: int, end: int, groups: list[str]) -> bool:
    """Decide what the run ``sc.text[start:end]`` (made of ``groups``) is; add a hit."""
    digits = "".join(groups)
    n = len(digits)
    first = digits[0]
    if first == "0":
        if digits.startswith("00") and n >= 10:
            res = classify_international(digits[2:])
            if res is not None:
                status, region = res
                ctx = sc.context("phone_number", start, end)
                sc.add("phone_number", start, end, _PHONE_BASE[status] - 0.05, "phone.international",
                       f"{_PHONE_WHY[status]} ({region})", ctx, 0.15)
                return True
            return False
        if n == 10 and nhs_check_ok(digits) and sc.anchored("nhs_number", start, end):
            pass  # a Scottish CHI / NHS number that starts with 0, named as such: below
        elif n in (10, 11):
            status = classify_nsn(digits[1:])
            if status is not None:
                ctx = sc.context("phone_number", start, end)
                sc.add("phone_number", start, end, _PHONE_BASE[status], "phone.national", _PHONE_WHY[status],
                       ctx, 0.15 if status != "possible" else 0.2)
                return True
    if n == 10 and nhs_check_ok(digits):
        ctx = sc.context("nhs_number", start, end)
        strong = any(w in ("nhs", "nhs no", "nhs number", "nhs num", "chi", "chi number") for w in ctx)
        base = 0.75 if tuple(map(len, groups)) in ((3, 3, 4), (10,)) else 0.6
        sc.add("nhs_number", start, end, base, "nhs.mod11", "mod 11 check digit valid", ctx,
               0.25 if strong else 0.1)
        return True
    if 13 <= n <= 19:
        issuer = card_issuer(digits)
        if issuer is not None and luhn_ok(digits):
            ctx = sc.context("payment_card", start, end)
            sc.add("payment_card", start, end, 0.9, "card.pan", f"Luhn valid; {issuer} issuer prefix", ctx, 0.1)
            return True
        return False
    if n == 6:
        dashed = (  # 99-99-99 (six digits in three groups, the first two of two digits)
            len(groups) == 3 and len(groups[0]) == 2 and len(groups[1]) == 2
            and sc.text[start + 2] == "-" and sc.text[start + 5] == "-"
        )
        is_date = dashed and calendar_date_ok(int(groups[0]), int(groups[1]), 2000 + int(groups[2]))
        ctx = sc.anchored("sort_code", start, end)
        if ctx or (dashed and not is_date):
            sc.add("sort_code", start, end, 0.6 if dashed else 0.75, "bank.sort_code",
                   "99-99-99 shape" if dashed else "six digits after 'sort code'",
                   ctx or sc.context("sort_code", start, end), 0.35 if dashed else 0.15)
            return True
    if 6 <= n <= 8 and len(groups) == 1:
        ctx = sc.anchored("bank_account", start, end)
        if ctx:
            sc.add("bank_account", start, end, 0.85, "bank.account", "context: " + repr(ctx[0]), ctx,
                   0.1 if ("sort code" in ctx or "sortcode" in ctx) else 0.0)
            return True
        return False
    if n == 9 and len(groups) == 1:
        ctx = sc.anchored("passport_number", start, end)
        if ctx:
            sc.add("passport_number", start, end, 0.9, "passport.digits", "context: " + repr(ctx[0]), ctx, 0.0)
            return True
    return False


def digit_run(sc: Scan, m: object) -> bool:
    start, end = m.start(), m.end()  # type: ignore[attr-defined]
    raw = sc.text[start:end]
    groups = raw.replace("-", " ").split(" ")
    if classify(sc, start, end, groups):
        return True
    g = len(groups)
    if g == 1:
        return False
    if 13 <= end - start - (g - 1) <= 19 and min(len(x) for x in groups) >= 3:
        return False  # shaped like a card number that failed Luhn: its parts are not identifiers
    starts = [0]
    for x in groups[:-1]:
        starts.append(starts[-1] + len(x) + 1)
    found = False
    i = 0
    while i < g:
        for j in range(g, i, -1):
            if i == 0 and j == g:
                continue
            if sum(len(x) for x in groups[i:j]) < 6:
                break
            s = start + starts[i]
            e = start + starts[j - 1] + len(groups[j - 1])
            if classify(sc, s, e, groups[i:j]):
                found = True
                i = j - 1
                break
        i += 1
    return found


RECOGNIZERS = [
    # first digit consumed; 5-18 more, in groups split by one space or hyphen
    Recognizer("num", "0-9", r"(?P<num>(?:[ \-]?\d){5,18}(?!\w))", digit_run),
]
