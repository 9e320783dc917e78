"""People's names as police write them.

Labels:

* ``person.officer`` - a rank or title of office and a name or collar number:
  "PC Priya SHAH", "DS Jones", "Sgt 123AB", "Insp. Walsh", "Detective Sergeant Kaur";
* ``person.name`` - anyone else: "John MARSH", "Mr Ade OKAFOR", "Mrs Smith",
  "Kelly-Ann O'NEILL", "MARSH, John", a SURNAME in capitals after a word such as
  "suspect" or "victim", or (with a lower score) a known first name followed by a
  capitalised surname ("Priya Shah").

Evidence used, in order of strength: a rank; a courtesy title; the police convention of
writing surnames in capitals; a list of common first names; words that announce a person.
Guards: capitals that are acronyms or have no vowel (CCTV, PNC, TSG) are not surnames;
street, place and organisation words ("Croydon ROAD", "Victoria Station") are not
surnames; ambiguous first names ("Will", "May") need a surname in capitals or a title;
a rank word alone ("the DS said") is nothing; messages written mostly in capitals are not
read for all-capital names.

Word lists are data (``lexicons/names.yaml``), loaded once and validated strictly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar

from chatwarden.detect.base import Hit, TextDetector
from chatwarden.detect.lexicons import read_text, trie_pattern
from chatwarden.detect.text import detection_view
from chatwarden.errors import ConfigError
from chatwarden.yamlstrict import line_of, load_text

__all__ = ["LABELS", "NameDetector", "NameLexicon", "load_lexicon"]

LABELS = frozenset({"person.name", "person.officer"})

LIST_KEYS = ("titles", "ranks", "ranks_need_surname", "particles", "first_names", "ambiguous_first_names",
             "not_surnames", "acronyms", "common_words", "person_cues", "person_verbs")
TOP_KEYS = {"detector", "version", *LIST_KEYS}

_CAP = "A-ZÀ-ÖØ-ÞĀĂĄĆČĎĐĒĘĚĞĪİŁŃŇŌŐŒŘŚŞŠŢŤŪŮŰŹŻŽ"
_LETTER = r"[^\W\d_]"
_NAMETOK = rf"[{_CAP}]{_LETTER}*(?:['\-]{_LETTER}+)*"
_COLLAR = r"\d{1,5}[A-Z]{0,2}(?![\w/])"
_VOWELS = frozenset("AEIOUYÀÁÂÃÄÅÆÈÉÊËÌÍÎÏÒÓÔÕÖØÙÚÛÜÝĀĂĄĒĘĚĪİŌŐŒŪŮŰ")
_SHOUTING = 0.6  # share of capital letters above which a message is read as shouting

SCORES = {
    "officer.full": 0.9,
    "officer.collar": 0.85,
    "officer.first_name": 0.7,
    "name.title": 0.85,
    "name.first_caps": 0.9,
    "name.caps_first": 0.8,
    "name.cue_caps": 0.7,
    "name.all_caps": 0.6,
    "name.first_title": 0.6,
}
REASONS = {
    "officer.full": "a police rank followed by a name",
    "officer.collar": "a police rank followed by a collar number",
    "officer.first_name": "a police rank followed by a first name",
    "name.title": "a courtesy title followed by a name",
    "name.first_caps": "a first name followed by a surname in capitals",
    "name.caps_first": "a surname in capitals followed by a first name",
    "name.cue_caps": "a surname in capitals announced as a person (suspect, victim, arrested ...)",
    "name.all_caps": "a first name and surname written in capitals",
    "name.first_title": "a common first name followed by a capitalised surname",
}


@dataclass(frozen=True)
class NameLexicon:
    titles: frozenset[str]
    need_surname: frozenset[str]
    first: frozenset[str]  # lower case, unambiguous
    ambiguous: frozenset[str]  # lower case
    not_surnames: frozenset[str]  # lower case
    acronyms: frozenset[str]  # upper case
    common: frozenset[str]  # upper case
    officer: re.Pattern[str]
    run: re.Pattern[str]
    cue_before: re.Pattern[str]
    verb_after: re.Pattern[str]
    version: str


def _flatten(value: Any) -> list[Any]:
    out: list[Any] = []
    for item in value:
        if isinstance(item, list):
            out.extend(item)
        else:
            out.append(item)
    return out


def _rank_forms(rank: str) -> set[str]:
    """A rank as written and, for word forms with capitals, with small first letters."""
    words = rank.split(" ")
    lowered = [w if (w.isupper() or not w[0].isupper()) else w[0].lower() + w[1:] for w in words]
    return {rank, " ".join(lowered)}


def load_lexicon(text: str, filename: str) -> NameLexicon:
    data, problems = load_text(text, filename)
    if problems:
        raise ConfigError(f"{filename}: {len(problems)} problem(s)", problems)
    if not isinstance(data, dict):
        raise ConfigError(f"{filename}: expected a mapping at the top level")
    for key in data:
        if key not in TOP_KEYS:
            problems.append(f"{filename}:{line_of(data, key)}: unknown key {key!r}")
    for key in sorted(TOP_KEYS - set(data)):
        problems.append(f"{filename}:{line_of(data)}: missing key {key!r}")
    if data.get("detector") not in (None, NameDetector.name):
        problems.append(f"{filename}:{line_of(data, 'detector')}: file is for another detector")
    lists: dict[str, list[str]] = {}
    for key in LIST_KEYS:
        raw = data.get(key)
        if not isinstance(raw, list):
            if key in data:
                problems.append(f"{filename}:{line_of(data, key)}: {key} must be a list")
            lists[key] = []
            continue
        items = _flatten(raw)
        bad = [i for i, v in enumerate(items) if not isinstance(v, str) or not v.strip()]
        if bad:
            problems.append(f"{filename}:{line_of(data, key)}: {key}: {len(bad)} item(s) are not plain words "
                            "(quote words YAML reads as true/false, such as Yes, No, On)")
        lists[key] = [v.strip() for v in items if isinstance(v, str) and v.strip()]
    for r in lists["ranks_need_surname"]:
        if r not in lists["ranks"]:
            problems.append(f"{filename}:{line_of(data, 'ranks_need_surname')}: {r!r} is not in ranks")
    if problems:
        raise ConfigError(f"{filename}: {len(problems)} problem(s)", problems)

    # One trie per first letter, the boundary checked after that letter, so that re can
    # skip quickly to letters that can start a rank.
    groups: dict[str, list[str]] = {}
    for form in sorted({f for r in lists["ranks"] for f in _rank_forms(r)}):
        groups.setdefault(form[0], []).append(form[1:])
    rank_alt = "(?:" + "|".join(
        re.escape(c) + r"(?<![\w/].)" + trie_pattern(rest) for c, rest in sorted(groups.items())) + ")"
    particles = "|".join(re.escape(p) for p in sorted(set(lists["particles"]), key=len, reverse=True))
    officer = re.compile(
        rf"(?P<rank>{rank_alt})\.?[ \t]+"
        rf"(?P<rest>(?:{_COLLAR}|{_NAMETOK}\.?)(?:[ \t]+(?:{_COLLAR}|{_NAMETOK}\.?)){{0,3}})"
    )
    run = re.compile(  # the boundary is checked after the first capital so that re can skip to capitals
        rf"[{_CAP}](?<![\w'\-/].){_LETTER}*(?:['\-]{_LETTER}+)*\.?"
        rf"(?:(?:,?[ \t]+|[ \t]+(?:{particles})[ \t]+){_NAMETOK}\.?)*"
    )
    cues = "|".join(re.escape(c) for c in sorted({c.lower() for c in lists["person_cues"]}, key=len, reverse=True))
    cue_before = re.compile(
        rf"(?i:\b(?:{cues})\b[ \t]*[:,\-]?[ \t]*(?:(?:is|was|named|called|as|now|to|with|by)[ \t]+)*)$"
    )
    verbs = "|".join(re.escape(v.lower()) for v in sorted(set(lists["person_verbs"]), key=len, reverse=True))
    verb_after = re.compile(
        rf"(?i:[ \t]+(?:has|have|had|was|were|is|got|gets|being)[ \t]+(?:been[ \t]+|just[ \t]+|now[ \t]+)*"
        rf"(?:{verbs})\b)"
    )
    first_all = {f.lower() for f in lists["first_names"]}
    ambiguous = {f.lower() for f in lists["ambiguous_first_names"]}
    return NameLexicon(
        titles=frozenset(lists["titles"]),
        need_surname=frozenset(lists["ranks_need_surname"]),
        first=frozenset(first_all - ambiguous),
        ambiguous=frozenset(ambiguous),
        not_surnames=frozenset(w.lower() for w in lists["not_surnames"]),
        acronyms=frozenset(w.upper() for w in lists["acronyms"]),
        common=frozenset(w.upper() for w in lists["common_words"]),
        officer=officer,
        run=run,
        cue_before=cue_before,
        verb_after=verb_after,
        version=str(data.get("version", "")),
    )


@lru_cache(maxsize=1)
def _lexicon() -> NameLexicon:
    text, name = read_text("names.yaml")
    return load_lexicon(text, name)


_MEMO_MAX = 50_000  # words remembered by a NameDetector's word tests
_TOKEN = re.compile(rf"{_NAMETOK}\.?|{_COLLAR}")
_COLLAR_RE = re.compile(_COLLAR)
_INITIAL = re.compile(rf"[{_CAP}]\.?")
_LETTERS = re.compile(_LETTER)
_CAPITALS = re.compile(rf"[{_CAP}]")


def _is_caps(tok: str) -> bool:
    if tok.startswith(("Mc", "Mac")) and len(tok) > 3:
        rest = tok[2:] if tok[2].isupper() else tok[3:]
        return rest.isupper() and len(rest) >= 2
    return tok.isupper() and sum(c.isalpha() for c in tok) >= 2


def _is_title(tok: str) -> bool:
    return tok[0].isupper() and any(c.islower() for c in tok[1:])


class NameDetector(TextDetector):
    """Names of people (members of the public and officers) in one message text."""

    name: ClassVar[str] = "names"
    version: ClassVar[str] = "1.0.0"
    labels: ClassVar[frozenset[str]] = LABELS

    def __init__(self) -> None:
        self.lex = _lexicon()
        # The word tests below are pure functions of the word; the same words (ranks,
        # acronyms, surnames of the day) come back in message after message, so their
        # answers are kept (bounded: emptied when full).
        self._caps_memo: dict[str, bool] = {}

    # -- word tests ------------------------------------------------------------------
    def _first(self, tok: str, *, strict: bool) -> bool:
        """``tok`` is a first name (every part of a hyphenated one); ``strict`` leaves out
        ambiguous ones."""
        low = tok.rstrip(".").lower()
        names = self.lex.first if strict else None
        parts = low.split("-") if "-" in low else (low,)
        for p in parts:
            if p in self.lex.first:
                continue
            if names is None and p in self.lex.ambiguous:
                continue
            return False
        return True

    def _caps_surname(self, tok: str) -> bool:
        memo = self._caps_memo
        found = memo.get(tok)
        if found is None:
            if len(memo) >= _MEMO_MAX:
                memo.clear()
            found = memo[tok] = self._caps_surname_uncached(tok)
        return found

    def _caps_surname_uncached(self, tok: str) -> bool:
        tok = tok.rstrip(".")
        if not _is_caps(tok):
            return False
        up = tok.upper()
        if up in self.lex.acronyms or up in self.lex.common or tok.lower() in self.lex.not_surnames:
            return False
        return not _VOWELS.isdisjoint(up)

    def _title_surname(self, tok: str) -> bool:
        tok = tok.rstrip(".")
        return _is_title(tok) and tok.lower() not in self.lex.not_surnames and tok.upper() not in self.lex.common

    def _name_word(self, tok: str) -> bool:
        return self._caps_surname(tok) or self._title_surname(tok)

    # -- scanning --------------------------------------------------------------------
    def scan(self, text: str) -> list[Hit]:
        view = text if text.isascii() else detection_view(text)
        lex = self.lex
        hits: list[Hit] = []
        if view.lower() == view:  # no capital letter: no name as police write them
            return hits
        officer_spans: list[tuple[int, int]] = []
        for m in lex.officer.finditer(view):
            h = self._officer(m)
            if h is not None:
                hits.append(h)
                officer_spans.append((h.start, h.end))
        for m in lex.run.finditer(view):
            g = m.group()
            if " " not in g and "\t" not in g and (
                    not (g.isupper() or g.startswith(("Mc", "Mac"))) or not self._caps_surname(g)):
                continue  # one word: a sentence start, a place, a first name alone, an acronym
            run_start = m.start()
            toks = [(t.group(), run_start + t.start(), run_start + t.end()) for t in _TOKEN.finditer(g)]
            for h in self._persons(view, toks):
                if not any(a < h.end and h.start < b for a, b in officer_spans):
                    hits.append(h)
        if len(hits) > 1:
            hits.sort(key=lambda h: h.start)
        return hits

    def _hit(self, label: str, rule: str, start: int, end: int) -> Hit:
        return Hit(label, start, end, SCORES[rule], rule, None, (), REASONS[rule])

    def _officer(self, m: re.Match[str]) -> Hit | None:
        rank = m.group("rank")
        rest_start = m.start("rest")
        names: list[tuple[str, int, int]] = []
        end = None
        collar = False
        for t in _TOKEN.finditer(m.group("rest")):
            tok, s, e = t.group(), rest_start + t.start(), rest_start + t.end()
            if _COLLAR_RE.fullmatch(tok):
                collar, end = True, e
                break
            if not (self._name_word(tok) or (_INITIAL.fullmatch(tok) and names == [])):
                break
            names.append((tok, s, e))
            end = e
        if end is None:
            return None
        if not names:
            return self._hit("person.officer", "officer.collar", m.start(), end)
        if rank in self.lex.need_surname and len(names) == 1 and not collar and not _is_caps(names[0][0]):
            return None
        if len(names) == 1 and not collar and not _is_caps(names[0][0]) and self._first(names[0][0], strict=False):
            return self._hit("person.officer", "officer.first_name", m.start(), end)
        return self._hit("person.officer", "officer.full", m.start(), end)

    @staticmethod
    def _shouting(view: str) -> bool:
        return len(_CAPITALS.findall(view)) > _SHOUTING * max(1, len(_LETTERS.findall(view)))

    def _persons(self, view: str, toks: list[tuple[str, int, int]]) -> list[Hit]:
        out: list[Hit] = []
        n = len(toks)
        i = 0

        def sep_is_comma(k: int) -> bool:  # between toks[k-1] and toks[k]
            return "," in view[toks[k - 1][2]:toks[k][1]]

        while i < n:
            tok, s, e = toks[i]
            bare = tok.rstrip(".")
            nxt = toks[i + 1] if i + 1 < n and not sep_is_comma(i + 1) else None
            # Mr / Mrs / Dr ... + up to three name words
            if bare in self.lex.titles and nxt is not None:
                j = i + 1
                while j < n and j <= i + 3 and not sep_is_comma(j) and (
                        self._name_word(toks[j][0]) or (_INITIAL.fullmatch(toks[j][0]) and j < n - 1)):
                    j += 1
                if j > i + 1 and not _INITIAL.fullmatch(toks[j - 1][0]):
                    out.append(self._hit("person.name", "name.title", s, toks[j - 1][2]))
                    i = j
                    continue
            if nxt is not None and _is_title(bare) and self._first(bare, strict=False):
                # First [Middle] SURNAME
                j = i + 1
                if (j + 1 < n and not sep_is_comma(j + 1) and _is_title(toks[j][0])
                        and self._first(toks[j][0], strict=False) and self._caps_surname(toks[j + 1][0])):
                    j += 1
                if self._caps_surname(toks[j][0]):
                    while j + 1 < n and not sep_is_comma(j + 1) and self._caps_surname(toks[j + 1][0]):
                        j += 1
                    out.append(self._hit("person.name", "name.first_caps", s, toks[j][2]))
                    i = j + 1
                    continue
                if self._first(bare, strict=True) and self._title_surname(nxt[0]) and not self._first(
                        nxt[0], strict=False):
                    out.append(self._hit("person.name", "name.first_title", s, nxt[2]))
                    i += 2
                    continue
            # JOHN MARSH (not in a message written in capitals)
            if (nxt is not None and tok.isupper() and self._first(bare, strict=True)
                    and self._caps_surname(nxt[0]) and not self._shouting(view)):
                out.append(self._hit("person.name", "name.all_caps", s, nxt[2]))
                i += 2
                continue
            if self._caps_surname(tok):
                # SURNAME, First  /  SURNAME First
                if i + 1 < n and _is_title(toks[i + 1][0]) and self._first(toks[i + 1][0], strict=False):
                    out.append(self._hit("person.name", "name.caps_first", s, toks[i + 1][2]))
                    i += 2
                    continue
                # suspect MARSH / victim Jane DOE
                start = s
                if i > 0 and _is_title(toks[i - 1][0]) and not sep_is_comma(i) and toks[i - 1][0].lower() not in \
                        self.lex.not_surnames:
                    start = toks[i - 1][1]
                if (self.lex.cue_before.search(view, max(0, start - 40), start)
                        or (i == n - 1 and self.lex.verb_after.match(view, e))):
                    out.append(self._hit("person.name", "name.cue_caps", start, e))
                    i += 1
                    continue
            i += 1
        return out
