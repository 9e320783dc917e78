"""Protective markings and intelligence gradings in message text: the marking half of the
rule tier.

Labels
------
``marking.official_sensitive``  OFFICIAL-SENSITIVE (with or without the hyphen), with the
                                descriptors COMMERCIAL, LOCSEN, PERSONAL inside the span
``marking.secret``              SECRET (GSCP, and GPMS before 2014)
``marking.top_secret``          TOP SECRET
``marking.restricted``          RESTRICTED (GPMS, pre-2014)
``marking.confidential``        CONFIDENTIAL (GPMS, pre-2014)
``marking.caveat``              national caveats: UK EYES ONLY, UK/US EYES ONLY, UKEO
``marking.mention``             a marking *talked about* rather than applied (a reminder,
                                training notice or question about markings)
``grading.intelligence``        an intelligence grade: 3x5x2 (``1A P``, ``2/B/P``, ``3-C-C``,
                                ``graded 1A``), legacy 5x5x5 (``B2 4``, ``E41``, ``A/1/1``) and
                                ``handling code C``

Heuristics
----------
*Case.*  Markings are written in capitals (GSCP), so SECRET, TOP SECRET, RESTRICTED,
CONFIDENTIAL and the caveats fire only in capitals: "secret santa", "top secret recipe",
"restricted parking", "in confidence", "a confidential chat" never fire.  OFFICIAL-
SENSITIVE is the exception: police write it in lower case too, and nobody says "official
sensitive" in banter, so lower/title case fires with a lower score (0.7 as a banner, 0.6
in a sentence, against 0.95 and 0.75 in capitals).

*Excluded phrases.*  Capitals are also used for shouting, so common capitalised phrases are
skipped: SECRET SANTA / AGENT / WEAPON / RECIPE ..., RESTRICTED AREA / ACCESS / PARKING /
ZONE ..., AGE RESTRICTED, CONFIDENTIAL WASTE / HELPLINE / CHAT ....  In a message written
mostly in capitals (shouting) a marking fires only in banner position.

*Applied or mentioned.*  A marking is *applied* when it labels the message: in banner
position (at the start of the message or of a line, or at its very end, followed by a
separator such as ``:``, ``-``, ``.``, a descriptor, a caveat or the end of the line) or,
failing that, used in a sentence with no sign of being discussed.  It is *mentioned* when
the message talks about markings: words of rules and training ("reminder", "training",
"course", "guidance", "policy", "never", "must not", "or above", "marked", "marking",
"clearance", "vetting", "what counts as", "does anyone know" ...), or a question about
it.  A mention gets ``marking.mention`` *instead of* the marking's own label, so a reminder
that OFFICIAL-SENSITIVE material must never go on WhatsApp is not itself flagged as marked
material.  A marking in banner position stays applied even when the message holds such a
word (a marked briefing may say "never"), with its score lowered to 0.7.

*Gradings.*  A grade string on its own (``B2``, ``1AP``) is too common to flag, so:
the slash/hyphen 3x5x2 form (``1/A/P``, ``2-C-C``) fires alone (0.7) and with context
(0.95); compact and spaced forms (``1AP``, ``2B P``, ``3 E C``) need an intelligence word
in the message ("intel", "int", "IR", "source", "CHIS", "graded", "3x5x2", ...; 0.85, 0.95
with "graded"/"3x5x2"); a grade without handling code (``graded 1A``) needs "graded"/
"grading"/"3x5x2" (0.8); legacy 5x5x5 grades need "5x5x5", "graded" or "grading" (0.9);
"handling code C" on its own is 0.7.
"""

from __future__ import annotations

import re
from typing import ClassVar

from chatwarden.detect.base import Hit, TextDetector
from chatwarden.detect.text import detection_view

__all__ = ["LABELS", "MarkingDetector", "scan_text"]

LABELS: frozenset[str] = frozenset(
    {
        "marking.official_sensitive", "marking.secret", "marking.top_secret", "marking.restricted",
        "marking.confidential", "marking.caveat", "marking.mention", "grading.intelligence",
    }
)

_MARKING = re.compile(
    r"(?<![A-Za-z\-])(?:"
    r"(?P<os>OFFICIAL[ _\-]{0,3}SENSITIVE(?:[ :\-/]{1,3}(?:COMMERCIAL|LOCSEN|PERSONAL)(?![A-Za-z]))?)"
    r"|(?P<os_low>[Oo]fficial[ _\-]{0,3}[Ss]ensitive(?:[ :\-/]{1,3}(?:[Cc]ommercial|COMMERCIAL|[Ll]ocsen|LOCSEN"
    r"|[Pp]ersonal|PERSONAL)(?![A-Za-z]))?)"
    r"|(?P<ts>TOP[ \-]SECRET)"
    r"|(?P<caveat>(?:(?:[A-Z]{2,3}/)*UK(?:/[A-Z]{2,3})*[ \-]EYES(?: ONLY)?|UKEO))"
    r"|(?P<secret>SECRET)"
    r"|(?P<restricted>RESTRICTED)"
    r"|(?P<confidential>CONFIDENTIAL)"
    r")(?![A-Za-z])"
)
_LABEL = {
    "os": "marking.official_sensitive", "os_low": "marking.official_sensitive", "ts": "marking.top_secret",
    "caveat": "marking.caveat", "secret": "marking.secret", "restricted": "marking.restricted",
    "confidential": "marking.confidential",
}
_EXCLUDE_AFTER = {
    "secret": re.compile(
        r" ?(?:SANTA|SANTAS|AGENT|AGENTS|WEAPON|RECIPE|SERVICE|ADMIRER|HANDSHAKE|DIARY|INGREDIENT|MENU|SAUCE|GARDEN"
        r"|SQUIRREL|SOCIETY|CINEMA|LIFE|CODE|TUNNEL|PASSAGE|MISSION|PLAN|SHOPPER|FORMULA|LAIR|STASH)\b|'S\b"
    ),
    "ts": re.compile(r" ?(?:RECIPE|MISSION|PLAN|SANTA|FORMULA|PROJECT|STASH)\b"),
    "restricted": re.compile(
        r" ?(?:AREA|AREAS|ACCESS|PARKING|ZONE|ENTRY|BYWAY|ROAD|DUTIES|DUTY|VIEW|DRIVING|LICENCE|HOURS|SPEED|STAFF"
        r"|CONTENT|MODE|SECTION)\b"
    ),
    "confidential": re.compile(
        r" ?(?:WASTE|HELPLINE|LINE|CHAT|SERVICE|SUPPORT|COUNSELLING|REPORTING|BIN|BINS|SHREDDING|ADVICE)\b"
    ),
}
_EXCLUDE_BEFORE = re.compile(r"(?:AGE|AGE-|PARTIALLY|ACCESS) ?$")
_AFTER_BANNER = re.compile(r"[ \t]*(?:$|\n|[:\-|/.\])!,]|(?:[A-Z]{2,}[ \-/]*)+(?:$|\n|[:\-|/.\])]))")
_BEFORE_BANNER = re.compile(r"(?:^|\n)[\s\"'*\[(>_~-]*(?:(?:subject|re|fw|fwd|marking|classification)\s*:\s*)?$", re.I)
_APPLIED = re.compile(
    r"\b(?:do not|don'?t|not to be|never) (?:forward|share|disseminate|copy|circulate|distribute|pass (?:it |this )?on)"
    r"|\bnot for (?:onward|further|wider)|\bneed to know\b|\bhandle with care\b"
)
_TALK = re.compile(r"\b(?:(?:GSCP|GSC|GPMS)(?: [Mm]arkings?| [Cc]lassifications?)?|[Pp]rotective [Mm]arkings?|[Ss]ecurity [Cc]lassifications?|[Gg]overnment [Ss]ecurity [Cc]lassifications?)\b")
_TRAILING = re.compile(r"[\s.!)\]]*$")  # nothing but punctuation after it: it closes the message
_BEFORE_TRAILER = re.compile(r"[.!\n:|\-]\s*$")
_MENTION = re.compile(
    r"\b(?:remind(?:er|ers|ing)?|remember|training|trained|course|courses|e-?learning|ncalt|guidance|policy|policies"
    r"|gscp?|classifications?|protective marking|markings?|re-?mark(?:ed|ing)?|marked|clearance|vetting|vetted"
    r"|counts? as|what (?:is|does|counts|are|do)|or above|and above|never|must not|mustn'?t|not allowed"
    r"|not permitted|prohibited|means|definition|e\.g|such as|for example|information assurance|info assurance"
    r"|anyone know|does anyone|quiz|workshop|presentation|slides|poster|refresher|intranet|handbook|explained?"
    r"|rules?|allowed on|on whatsapp|on here|on this app|level of|how (?:do|to|should))\b"
)

# --------------------------------------------------------------------------- gradings
_G_SEP = re.compile(r"[1-3](?<![\w/][1-3])(?P<s>[/\-])[A-E](?P=s)[PC](?![\w/])")
_G_COMPACT = re.compile(r"[1-3](?<![\w/.£$:][1-3]) ?[A-E](?: ?(?P<h>[PC]))?(?![\w/])")
_G_LEGACY = re.compile(r"[A-E](?<![\w/][A-E])(?:(?P<s>[/\-])[1-5](?P=s)[1-5]|[1-5](?: ?[1-5])?)(?![\w/])")
_G_HANDLING = re.compile(r"\b[Hh]andling [Cc]ode:? ?(?P<code>[PC1-5])(?![\w/])")
_G_STRONG = re.compile(r"\b(?:graded|grading|grade|3x5x2|5x5x5|3 ?x ?5 ?x ?2|5 ?x ?5 ?x ?5|handling code)\b")
_G_INTEL = re.compile(
    r"\b(?:intel|int|intelligence|ir|irs|source|sources|chis|informant|dsu|reliable|reporting|sir|crimestoppers"
    r"|graded|grading|3x5x2|5x5x5|handling code)\b"
)
_G_LEGACY_CTX = re.compile(r"\b(?:5x5x5|5 ?x ?5 ?x ?5|graded|grading)\b")


def _shouting(text: str) -> bool:
    letters = upper = 0
    for c in text:
        if c.isalpha():
            letters += 1
            if c.isupper():
                upper += 1
    return letters >= 12 and upper >= 0.8 * letters


def _markings(text: str, hits: list[Hit]) -> None:
    low: str | None = None
    shouting: bool | None = None
    for m in _MARKING.finditer(text):
        kind = m.lastgroup
        assert kind is not None
        start, end = m.span()
        excl = _EXCLUDE_AFTER.get(kind)
        if excl is not None and excl.match(text, end) is not None:
            continue
        if kind in ("restricted", "confidential") and _EXCLUDE_BEFORE.search(text, max(0, start - 12), start):
            continue
        if low is None:
            low = text.lower()
        after = _AFTER_BANNER.match(text, end) is not None
        banner = after and (
            _BEFORE_BANNER.search(text, max(0, start - 40), start) is not None  # heads the message or a line
            or _TRAILING.match(text, end) is not None and _BEFORE_TRAILER.search(text, 0, start) is not None
            or _chained(hits, start, text)  # "SECRET - UK EYES ONLY"
        )
        if not banner:
            if shouting is None:
                shouting = _shouting(text)
            if shouting:
                continue
        cues = _cues(low, start, end)
        question = "?" in text[end:] and not banner
        lower_case = kind == "os_low"
        if (cues or question) and not banner:
            why = "talked about, not applied: " + (", ".join(repr(c) for c in cues) if cues else "a question")
            hits.append(Hit("marking.mention", start, end, 0.9 if cues else 0.7, f"mention.{kind}",
                            "marking in a sentence about markings", cues, why))
            continue
        if banner:
            score = 0.7 if lower_case else 0.95
            where = "banner position"
            if cues:
                score = min(score, 0.7)
                where += "; mention words " + ", ".join(repr(c) for c in cues) + " lower the score"
        else:
            applied = _APPLIED.search(low)
            if applied is not None:
                score = 0.7 if lower_case else 0.8
                where = f"in a sentence with the handling instruction {applied.group()!r}"
            else:
                score = 0.6 if lower_case else (0.5 if kind in ("restricted", "confidential") else 0.65)
                where = "in a sentence"
        validation = ("lower/title case" if lower_case else "capitals") + "; " + where
        hits.append(Hit(_LABEL[kind], start, end, score, f"marking.{kind}", validation, cues, ""))


def _talk(text: str, hits: list[Hit]) -> None:
    """The marking scheme named without a marking ("training on GSC markings"): a mention."""
    for m in _TALK.finditer(text):
        start, end = m.span()
        if any(h.start < end and start < h.end for h in hits):
            continue
        hits.append(Hit("marking.mention", start, end, 0.8, "mention.scheme", "the marking scheme named", (),
                        "talks about protective markings"))


def _chained(hits: list[Hit], start: int, text: str) -> bool:
    """Directly after another marking (``SECRET - UK EYES ONLY``): part of the same banner."""
    if not hits:
        return False
    prev = hits[-1]
    return prev.label != "marking.mention" and prev.end <= start and not text[prev.end:start].strip(" -:/|")


def _cues(low: str, start: int, end: int) -> tuple[str, ...]:
    found: list[str] = []
    for m in _MENTION.finditer(low):
        if start <= m.start() < end:
            continue
        w = m.group()
        if w not in found:
            found.append(w)
    return tuple(found)


def _gradings(text: str, hits: list[Hit]) -> None:
    low = text.lower()
    strong = tuple(dict.fromkeys(x.group() for x in _G_STRONG.finditer(low)))
    intel = tuple(dict.fromkeys(x.group() for x in _G_INTEL.finditer(low)))
    found: list[tuple[int, int, float, str, str, tuple[str, ...]]] = []
    for m in _G_SEP.finditer(text):
        found.append((m.start(), m.end(), 0.95 if (strong or intel) else 0.7, "grading.3x5x2.separated",
                      "source 1-3, assessment A-E, handling P/C", strong + tuple(w for w in intel if w not in strong)))
    if "andling" in text:
        for m in _G_HANDLING.finditer(text):
            found.append((m.start("code"), m.end("code"), 0.7, "grading.handling_code", "after 'handling code'",
                          ("handling code",)))
    if strong or intel:
        for m in _G_COMPACT.finditer(text):
            if m.group("h"):
                found.append((m.start(), m.end(), 0.95 if strong else 0.85, "grading.3x5x2.compact",
                              "source 1-3, assessment A-E, handling P/C; intelligence context", strong or intel))
            elif strong:
                found.append((m.start(), m.end(), 0.8, "grading.3x5x2.partial", "source 1-3, assessment A-E; 'graded'",
                              strong))
        legacy = tuple(dict.fromkeys(x.group() for x in _G_LEGACY_CTX.finditer(low)))
        if legacy:
            for m in _G_LEGACY.finditer(text):
                found.append((m.start(), m.end(), 0.9, "grading.5x5x5", "source A-E, intelligence 1-5, handling 1-5",
                              legacy))
    taken: list[tuple[int, int]] = []
    for start, end, score, pattern, validation, context in found:
        if any(s < end and start < e for s, e in taken):
            continue
        taken.append((start, end))
        hits.append(Hit("grading.intelligence", start, end, score, pattern, validation, context, ""))


def scan_text(text: str) -> list[Hit]:
    """Marking and grading hits in ``text`` (offsets index ``text``)."""
    if not text.isascii():
        text = detection_view(text)
    hits: list[Hit] = []
    if (
        "OFFICIAL" in text or "SECRET" in text or "RESTRICTED" in text or "CONFIDENTIAL" in text
        or "EYES" in text or "UKEO" in text or "fficial" in text
    ):
        _markings(text, hits)
    if "GSC" in text or "GPMS" in text or "arking" in text or "lassification" in text:
        _talk(text, hits)
    if _ANY_GRADE.search(text) is not None or "andling" in text:
        _gradings(text, hits)
    return hits


# Any grade-shaped string (a superset of the three grade patterns), to skip the rest fast.
_ANY_GRADE = re.compile(
    r"[1-3A-E](?<![\w/][1-3A-E])(?:(?<=[1-3])(?:([/\-])[A-E]\1[PC]| ?[A-E](?: ?[PC])?)"
    r"|(?<=[A-E])(?:([/\-])[1-5]\2[1-5]|[1-5](?: ?[1-5])?))(?![\w/])"
)


class MarkingDetector(TextDetector):
    """Protective markings, caveats, mentions of markings and intelligence gradings."""

    name: ClassVar[str] = "markings"
    version: ClassVar[str] = "1.0.0"
    labels: ClassVar[frozenset[str]] = LABELS

    scan = staticmethod(scan_text)  # the function itself: one call less per message
