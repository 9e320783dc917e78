"""Contact details: phone numbers written with ``+`` or a bracketed area code (the plain
digit runs are in :mod:`numbers`), e-mail addresses, IP addresses and postcodes.

* E-mail: a conventional ``local@domain.tld`` shape (RFC 5322 allows far more, people do
  not use it), 0.9.
* IPv4 / IPv6: Python's ``ipaddress`` must accept the value (so ``999.1.1.1`` and the time
  ``10:30:00`` fail), 0.75, context ("IP", "server", "logged in") 0.95.  IPv6 is only
  looked for when the text has ``::`` or seven colons.
* Postcode: the BS 7666 position rules (letters allowed in each position of the outward
  code, inward letters never C I K M O V), upper case, 0.75 with the space and 0.6 without;
  an address word nearby adds 0.15.  ``GIR 0AA`` is accepted.
"""

from __future__ import annotations

import ipaddress
import re

from chatwarden.detect.identifiers.checks import postcode_ok
from chatwarden.detect.identifiers.numbers import _PHONE_BASE, _PHONE_WHY
from chatwarden.detect.identifiers.phone import classify_international, classify_nsn
from chatwarden.detect.identifiers.state import Recognizer, Scan

_NOT_DIGIT = re.compile(r"\D")
# Four ASCII octets 0-255 without leading zeros: a subset of what ``ipaddress.IPv4Address``
# accepts (anything else is still put to it), checked ten times faster.
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_IPV4_OK = re.compile(rf"{_OCTET}(?:\.{_OCTET}){{3}}")


def international(sc: Scan, m: object) -> bool:
    start, end = m.start(), m.end()  # type: ignore[attr-defined]
    digits = _NOT_DIGIT.sub("", sc.text[start:end])
    res = classify_international(digits)
    if res is None:
        return False
    status, region = res
    sc.add("phone_number", start, end, _PHONE_BASE[status], "phone.international", f"{_PHONE_WHY[status]} ({region})",
           sc.context("phone_number", start, end), 0.15)
    return True


def bracketed(sc: Scan, m: object) -> bool:
    start, end = m.start(), m.end()  # type: ignore[attr-defined]
    digits = _NOT_DIGIT.sub("", sc.text[start:end])
    status = classify_nsn(digits[1:])
    if status is None:
        return False
    sc.add("phone_number", start, end, _PHONE_BASE[status], "phone.national", _PHONE_WHY[status],
           sc.context("phone_number", start, end), 0.15)
    return True


def ipv4(sc: Scan, m: object) -> bool:
    start, end = m.start(), m.end()  # type: ignore[attr-defined]
    raw = sc.text[start:end]
    if _IPV4_OK.fullmatch(raw) is None:  # the common valid form is settled without the library
        try:
            ipaddress.IPv4Address(raw)
        except ValueError:
            return False
    sc.add("ip_address", start, end, 0.75, "ip.v4", "ipaddress: valid IPv4", sc.context("ip_address", start, end), 0.2)
    return True


def postcode(sc: Scan, m: object) -> bool:
    start, end = m.start(), m.end()  # type: ignore[attr-defined]
    raw = sc.text[start:end]
    compact = raw.replace(" ", "")
    outward, inward = compact[:-3], compact[-3:]
    if not postcode_ok(outward, inward):
        return False
    spaced = " " in raw
    sc.add("postcode", start, end, 0.75 if spaced else 0.6, "postcode", "BS 7666 position rules ok",
           sc.context("postcode", start, end), 0.15)
    return True


EMAIL = re.compile(
    r"(?<![\w.%+\-])[A-Za-z0-9](?:[A-Za-z0-9._%+\-]{0,62}[A-Za-z0-9_%+\-])?@"
    r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)*"
    r"\.[A-Za-z]{2,24}(?![\w\-]|\.[A-Za-z0-9])"
)
IPV6 = re.compile(r"(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?:(?<=:)\d{1,3}(?:\.\d{1,3}){3})?(?![\w:])")


def emails(sc: Scan) -> None:
    for m in EMAIL.finditer(sc.text):
        start, end = m.span()
        sc.add("email", start, end, 0.9, "email", "local@domain.tld shape", sc.context("email", start, end), 0.1)


def ipv6(sc: Scan) -> None:
    for m in IPV6.finditer(sc.text):
        raw = m.group()
        if raw.count(":") < 2:
            continue
        try:
            ipaddress.IPv6Address(raw)
        except ValueError:
            continue
        start, end = m.span()
        sc.add("ip_address", start, end, 0.8, "ip.v6", "ipaddress: valid IPv6", sc.context("ip_address", start, end),
               0.15)


# ``rest`` patterns start after the first character (see state.Recognizer).
RECOGNIZERS_DIGIT = [
    Recognizer("ip4", "0-9", r"(?P<ip4>\d{0,2}\.\d{1,3}\.\d{1,3}\.\d{1,3}(?!\w)(?!\.\d))", ipv4),
]
RECOGNIZERS_PLUS = [
    Recognizer("intl", r"+", r"(?P<intl>\d{1,3}(?:[ \-]?\(0\))?(?:[ \-]?\d){6,13}(?!\w))", international),
]
RECOGNIZERS_PAREN = [
    Recognizer("paren", r"(", r"(?P<paren>0\d{2,4}\)[ \-]?\d{3,4}[ \-]?\d{3,4}(?!\w))", bracketed),
]
RECOGNIZERS_UPPER = [
    Recognizer("postcode", "A-Z", r"(?P<postcode>(?:[A-Z]?\d[A-Z\d]?|IR) ?\d[A-Z]{2}(?!\w))", postcode),
]
