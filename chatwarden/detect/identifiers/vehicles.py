"""GB vehicle registration marks (VRMs), upper case only.

* Current format ``AA99 AAA`` (since September 2001): memory tag without I, Q, Z; age
  identifier YY (March) or YY+50 (September) from 02/51 up to this year; last three letters
  without I, Q.  0.75 alone, 0.95 with "reg", "VRM", "plate", "ANPR", "keeper" ... nearby.
* Prefix ``A999 AAA`` (1983-2001) and suffix ``AAA 999A`` (1963-1983): the year letter
  sets of those schemes; 0.55 alone, 0.9 with context.  Three-letter groups that are
  ordinary words or police acronyms in capitals ("M25 AND", "A40 WAS") never fire.
* Dateless ``ABC 123`` / ``AB 1234`` (and Northern Ireland marks): far too loose to be
  anything on their own, so they fire only with a strong context word (0.8).
Lower-case look-alikes (``m25 and``, ``a40 was``) never match: the patterns are case-sensitive.
"""

from __future__ import annotations

import re

from chatwarden.detect.identifiers.checks import vrm_current_ok, vrm_prefix_ok, vrm_suffix_ok
from chatwarden.detect.identifiers.state import Recognizer, Scan

STOP_LETTERS = frozenset(
    """AND THE WAS FOR ARE BUT NOT YOU ALL ANY CAN HAD HER HIS ONE OUR OUT NOW NEW OLD GET GOT HAS HOW MAN MEN
    WHO WHY YES PER VIA ASB ARV IRV TSG CID DSU OCG MIT CPS FME ABH GBH RTC CAD NFA RUI TIC PND BWV LFR AID MPS
    NCA PNC CRO DOB VRM REG AKA ETA ASAP TBC FYI OIC SIO DCI PCS PCSO LOL OMG WTF AGM APP DVLA ATM BTW IMO SUV
    MPH KPH HRS MIN MINS DAY DAYS OFF LET SEE SAW PUT RAN RUN SET TOP END VAN CAR BUS SHE HIM ITS OWN TOO TWO
    SIX TEN BIG BAD RED ROAD""".split()
)


def current(sc: Scan, m: object) -> bool:
    start, end = m.start(), m.end()  # type: ignore[attr-defined]
    raw = sc.text[start:end].replace(" ", "")
    if not vrm_current_ok(raw[:2], raw[2:4], raw[4:]):
        return False
    ctx = sc.context("vehicle_registration", start, end)
    sc.add("vehicle_registration", start, end, 0.75, "vrm.current", "memory tag, age identifier and letter sets ok",
           ctx, 0.2)
    return True


def prefix(sc: Scan, m: object) -> bool:
    start, end = m.start(), m.end()  # type: ignore[attr-defined]
    raw = sc.text[start:end].replace(" ", "")
    letters = raw[-3:]
    if letters in STOP_LETTERS or not vrm_prefix_ok(raw[0], letters):
        return False
    sc.add("vehicle_registration", start, end, 0.55, "vrm.prefix", "year letter and letter sets ok",
           sc.context("vehicle_registration", start, end), 0.35)
    return True


def suffix(sc: Scan, m: object) -> bool:
    start, end = m.start(), m.end()  # type: ignore[attr-defined]
    raw = sc.text[start:end].replace(" ", "")
    letters = raw[:3]
    if letters in STOP_LETTERS or not vrm_suffix_ok(letters, raw[-1]):
        return False
    sc.add("vehicle_registration", start, end, 0.55, "vrm.suffix", "year letter and letter sets ok",
           sc.context("vehicle_registration", start, end), 0.35)
    return True


# Road and junction numbers (A2, M25, B2110, J15) look like dateless marks.
_ROAD = re.compile(r"[ABMJ] ?\d{1,4}")


def dateless(sc: Scan, m: object) -> bool:
    start, end = m.start(), m.end()  # type: ignore[attr-defined]
    raw = sc.text[start:end]
    letters = raw.split(" ")[0].rstrip("0123456789")
    if letters in STOP_LETTERS or _ROAD.fullmatch(raw) is not None:
        return False
    ctx = sc.anchored("vehicle_registration", start, end)  # after the cheap tests: it tokenises
    if not ctx:
        return False
    sc.add("vehicle_registration", start, end, 0.8, "vrm.dateless", "context: " + repr(ctx[0]), ctx)
    return True


# ``rest`` patterns start after the first character (see state.Recognizer).
RECOGNIZERS_UPPER = [
    Recognizer("vrm_current", "A-Z", r"(?P<vrm_current>[A-Z]\d\d ?[A-Z]{3}(?!\w))", current),
]
RECOGNIZERS_UPPER_LATE = [
    Recognizer("vrm_prefix", "A-Z", r"(?P<vrm_prefix>\d{1,3} ?[A-Z]{3}(?!\w))", prefix),
    Recognizer("vrm_suffix", "A-Z", r"(?P<vrm_suffix>[A-Z]{2} ?\d{1,3} ?[A-Z](?!\w))", suffix),
]
RECOGNIZERS_UPPER_LAST = [
    Recognizer("vrm_dateless", "A-Z", r"(?P<vrm_dateless>[A-Z]{0,2} ?\d{1,4}(?![\w/]))", dateless),
]
