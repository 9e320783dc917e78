"""Context words: whole words near a candidate that make it more likely to be what it looks like.

Matching is on whole words (never substrings: "reg" must not fire inside "regular"), in a
window of about six words before and three after the candidate, case-insensitively.  Two-
and three-word phrases ("sort code", "date of birth") are matched as phrases.  The window
is tokenised only for candidates that already passed their pattern and checks, so the cost
is paid rarely.
"""

from __future__ import annotations

import re

BEFORE = 50  # characters looked at before a candidate (about seven words)
AFTER = 24  # and after it

_WORD = re.compile(r"[a-z0-9][a-z0-9/.'&]*[a-z0-9]|[a-z]")

VOCAB: dict[str, frozenset[str]] = {
    "pnc_id": frozenset({"pnc", "pnc id", "pncid", "pnc no", "pnc number", "pnc ref", "pnc'd", "record", "printout"}),
    "cro_number": frozenset({"cro", "cro no", "cro number", "criminal records office", "livescan", "ident",
                             "fingerprints", "fingerprint", "sf"}),
    "ni_number": frozenset({"ni", "nino", "ni no", "ni number", "national insurance", "insurance", "nat ins",
                            "dwp", "hmrc", "payslip"}),
    "nhs_number": frozenset({"nhs", "nhs no", "nhs number", "nhs num", "chi", "chi number", "gp", "hospital",
                             "a&e", "patient"}),
    "vehicle_registration": frozenset({"reg", "registration", "vrm", "vrn", "plate", "plates", "number plate",
                                       "reg plate", "reg plates", "reg no", "index", "anpr", "vehicle", "car", "van",
                                       "keeper", "registered keeper", "motor", "moped", "bike", "driver", "dvla",
                                       "pnc", "corsa", "golf", "audi", "bmw", "mercedes", "transit"}),
    "postcode": frozenset({"postcode", "post code", "address", "lives", "living", "lives at", "resides", "flat",
                           "road", "street", "avenue", "lane", "grove", "close", "court", "drive", "terrace",
                           "house", "estate", "gardens", "way", "place", "crescent", "hill", "rd", "st"}),
    "phone_number": frozenset({"phone", "mobile", "mob", "tel", "telephone", "number", "no", "call", "ring",
                               "text", "landline", "contact", "whatsapp", "cell", "phone number", "mobile number",
                               "contact number", "call back", "ring back", "calls", "called", "texts", "texted"}),
    "email": frozenset({"email", "e-mail", "mail", "address", "gmail"}),
    "payment_card": frozenset({"card", "visa", "mastercard", "amex", "debit", "credit", "card no", "card number",
                               "long number", "pan", "bank card", "debit card", "credit card", "cloned", "skimmed"}),
    "bank_account": frozenset({"account", "acc", "acct", "a/c", "account number", "account no", "acc no",
                               "acc number", "bank", "bank account", "sort code", "sortcode", "transfer",
                               "transferred", "paid into", "iban"}),
    "sort_code": frozenset({"sort code", "sortcode", "s/c", "sort", "bank", "account", "acc", "a/c", "bank details"}),
    "passport_number": frozenset({"passport", "passport no", "passport number", "travel document"}),
    "driving_licence": frozenset({"licence", "license", "driving licence", "driving license", "dvla", "licence no",
                                  "licence number", "dl", "provisional", "endorsements"}),
    "date_of_birth": frozenset({"dob", "d.o.b", "born", "date of birth", "birth", "birthday", "age", "aged"}),
    "ip_address": frozenset({"ip", "ip address", "ipv4", "ipv6", "ip addr", "server", "router", "logged",
                             "login", "isp", "address", "subscriber", "vpn"}),
    "crime_reference": frozenset({"crime", "cris", "crn", "ref", "reference", "crime ref", "crime reference",
                                  "crime no", "crime number", "connect", "report", "cr"}),
    "custody_record": frozenset({"custody", "custody record", "custody no", "custody number", "custody ref"}),
    "exhibit_reference": frozenset({"exhibit", "exhibits", "exh", "exhibit ref", "seized", "property",
                                    "booked", "bagged", "label", "labelled", "lab", "sent", "download"}),
    "collar_number": frozenset({"collar", "collar number", "shoulder number", "warrant number", "officer"}),
}

# The strongest words only: those that make a loose format (a bare 9-digit number, an
# 8-digit account number, a dateless plate) an identifier.
ANCHORS: dict[str, frozenset[str]] = {
    "vehicle_registration": frozenset({"reg", "registration", "vrm", "vrn", "plate", "plates", "number plate",
                                       "reg plate", "reg plates", "reg no", "index", "anpr", "registered keeper",
                                       "keeper", "dvla"}),
    "bank_account": frozenset({"account", "acc", "acct", "a/c", "account number", "account no", "acc no",
                               "acc number", "bank account", "sort code", "sortcode"}),
    "sort_code": frozenset({"sort code", "sortcode", "s/c", "sort"}),
    "passport_number": frozenset({"passport", "passport no", "passport number", "travel document"}),
    "date_of_birth": frozenset({"dob", "d.o.b", "born", "date of birth", "birth", "birthday", "age", "aged"}),
    "exhibit_reference": frozenset({"exhibit", "exhibits", "exh", "exhibit ref", "seized"}),
    "nhs_number": frozenset({"nhs", "nhs no", "nhs number", "nhs num", "chi", "chi number"}),
}


# For each vocabulary, the first words of its phrases: the phrase loop runs only when one
# of them is in the window.
_FIRSTS: dict[frozenset[str], frozenset[str]] = {}


def _firsts(vocab: frozenset[str]) -> frozenset[str]:
    f = _FIRSTS.get(vocab)
    if f is None:
        f = _FIRSTS[vocab] = frozenset(p.split(" ")[0] for p in vocab if " " in p)
    return f


def window_words(low: str, start: int, end: int) -> list[str]:
    """The lower-cased whole words around ``low[start:end]`` (about seven words before,
    three after; the candidate itself excluded)."""
    s = start - BEFORE
    if s <= 0:
        s = 0
    elif low[s - 1] not in " \n\t":
        j = low.find(" ", s, start)
        s = j if j >= 0 else start
    e = end + AFTER
    if e < len(low) and low[e] not in " \n\t":
        j = low.rfind(" ", end, e)
        e = j if j >= 0 else end
    return _WORD.findall(low[s:start] + " ~ " + low[end:e])


def find_context(words: list[str], vocab: frozenset[str]) -> tuple[str, ...]:
    """Words and 2-3 word phrases of ``vocab`` present in ``words``, in order, deduplicated."""
    firsts = _FIRSTS.get(vocab)
    if firsts is None:
        firsts = _firsts(vocab)
    if vocab.isdisjoint(words) and firsts.isdisjoint(words):
        return ()
    found = [w for w in words if w in vocab]
    if not firsts.isdisjoint(words):
        n = len(words)
        for i, w in enumerate(words):
            if w in firsts and i + 1 < n:
                bi = w + " " + words[i + 1]
                if bi in vocab:
                    found.append(bi)
                elif i + 2 < n:
                    tri = bi + " " + words[i + 2]
                    if tri in vocab:
                        found.append(tri)
    return tuple(dict.fromkeys(found))
