"""Tokens and context of one message, for the conduct detector and its classifier.

:func:`quick_tokens` is the cheap prefilter view (a set of lower-case words).  :func:`analyse`
is the full view, run only on candidate messages: normalised tokens with offsets into the
original text, clause and sentence boundaries, quoted regions, negation scope, lexicon and
group matches, and cue words.  Normalisation never changes offsets: look-alike folding is
one character for one, spaced-out letters ("s c u m") become one token spanning them, and
run-together words ("stabthose") are split into parts that share the token's span.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Container

from chatwarden.detect.conduct.lexicon import Entry, Group, Lexicon, TOKEN_RE
from chatwarden.detect.text import detection_view

# Look-alikes people use inside words (h4te, w0men, b1tch, $hit).
_LEET = str.maketrans({"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "9": "g", "@": "a", "$": "s"})
_LEET_CHARS = frozenset("0134579@$")
# "!" for "i" between two letters (n!gger); the tokenizer splits words at "!", so it is
# read as a letter in the lower-cased view itself (one character for one: offsets hold).
_BANG_RE = re.compile(r"(?<=[a-z])!(?=[a-z])")
# A police code such as IC3, MG11 or DV1: up to three letters and then only digits; a
# code is never read as look-alike letters ("ic3" is not "ice").
_CODE_RE = re.compile(r"[a-z]{1,3}[0-9]+")
# Letters spelled out with single spaces ("w o m e n", "k i l l").
_SPACED_RE = re.compile(r"(?<!\w)(?:[^\W\d_] ){2,}[^\W\d_](?!\w)")
# What every match of _SPACED_RE holds (its last two letters), found much faster.
_SPACED_PRE_RE = re.compile(r" \w \w")
_SENTENCE_BREAK = frozenset(".!?\n")
_CLAUSE_BREAK = frozenset(",;:()[]|")
# Any character that can break a sentence or a clause, or a spaced dash.
_BREAK_RE = re.compile(r"[.!?\n,;:()\[\]|]| - ")
_DOUBLE_QUOTE_RE = re.compile(r'"[^"]*"')
_SINGLE_QUOTE_RE = re.compile(r"(?:^|(?<=[\s(\[:,]))'[^'\n]{2,}?'(?=$|[\s.,;:!?)\]])")
# Possessive 's is dropped for look-ups, except after words where 's means "is"/"us".
_KEEP_S = frozenset(
    {"he", "she", "it", "that", "what", "there", "here", "who", "let", "where", "how", "everyone",
     "everybody", "nobody", "someone", "somebody", "one", "this"}
)
_AUXILIARIES = frozenset(
    {"was", "were", "is", "are", "be", "been", "being", "has", "have", "had", "keeps", "kept", "keep", "just",
     "also", "then", "always", "even", "repeatedly", "openly", "allegedly", "apparently", "actually", "literally",
     "basically", "constantly", "would", "will", "did", "does", "do", "to", "and", "not", "never", "reportedly",
     "seriously", "really", "honestly", "genuinely", "still", "can", "could", "can't", "cannot", "cant", "don't",
     "dont", "didn't", "didnt", "should", "shouldn't", "might", "must", "may", "ever", "truly", "all"}
)
_FIRST_PERSON_SUBJECTS = frozenset({"i", "we", "i'd", "id", "i'll", "ill", "i've", "ive", "we'd", "we've", "we'll"})
_SELF_REPORTING_VERBS = frozenset(
    {"heard", "hear", "reported", "report", "reporting", "quoted", "quoting", "complained", "challenged", "repeated"}
)
_VICTIM_OBJECTS = frozenset({"me", "us"})
_PASSIVE = frozenset({"was", "were", "been", "being", "get", "got", "gets", "getting"})
_RHETORICAL_SUBJECTS = frozenset({"it", "you", "they", "we", "he", "she", "i", "u", "ya", "there", "that", "this"})
_QUANTIFIER_NEGATORS = frozenset({"no", "never", "nobody", "none", "neither", "nor"})
_CONDITIONALS = frozenset({"if", "unless", "only", "wish"})
NEGATION_WINDOW = 4

# Cue classes whose words make a message abusive when they are about someone.
OFFENDING_CLASSES = ("hate_verbs", "neg_eval", "dehumanising", "threat", "exclusion")
# Lexicon kinds that an insult frame ("you ...", "typical ...") can confirm.
FRAMED_KINDS = frozenset({"slur", "insult", "dehumanising"})


def same_length_lower(view: str) -> str:
    """``view`` lower-cased, keeping its length, with an "!" between letters read as "i"."""
    low = view.lower()
    if len(low) != len(view):
        # A few characters lower-case to two (for instance a dotted capital I): keep the length.
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in view)
    if "!" in low:
        low = _BANG_RE.sub("i", low)
    return low


def quick_view(text: str) -> tuple[str, str]:
    """(detection view, lower-cased detection view) of ``text``; both keep its length."""
    if text.isascii():
        # the detection view only replaces non-ASCII characters, and ASCII lower-cases
        # one for one (``isascii`` is a flag look-up, not a scan)
        low = text.lower()
        return text, (_BANG_RE.sub("i", low) if "!" in low else low)
    view = detection_view(text)
    return view, same_length_lower(view)


_ASCII_WORD_RE = re.compile(r"[a-z]+")
_HAS_SYMBOL_RE = re.compile(r"[0-9@$*]")
# A word written with look-alikes: a whole run of letters, digits and symbols that starts
# with a letter and holds a digit or symbol ("h4te", "b1tch", "f*ck"; not "mg11x" digits-first).
_LEET_TOKEN_RE = re.compile(r"(?<![a-z0-9@$*])[a-z]+[0-9@$*][a-z0-9@$*]*")
_SPACED_ASCII_RE = re.compile(r"(?<![a-z])[a-z] [a-z] [a-z](?![a-z])")
_SPACED_LETTERS = frozenset("bcdefghjklmnopqrstuvwxyz")


class Prefilter:
    """Decides cheaply whether a message could produce any hit at all.

    Each trigger word maps to None (the word alone is enough: a one-word lexicon term or a
    group word) or to the other words a pattern needs: "asking" is a trigger only with
    "for" and "it" present, a derogatory cue word only with someone it could be about.
    Obfuscated text (digits or symbols inside words, letters spaced out) always passes.
    With a ``gate`` (a callable on the message's word set, see :class:`..model.Gate`), a
    message that no trigger lets through still passes when the gate says it may hold
    implicit misconduct; the word set then also holds ``<class>`` for each mark class
    (emoji) present.
    """

    __slots__ = (
        "rules", "keys", "gate", "marks", "ascii_marks", "min_words", "_short", "_ascii_mark_re", "_always", "_needs",
    )

    def __init__(
        self,
        rules: dict[str, list[tuple[frozenset[str], ...]] | None],
        gate: Callable[[set[str]], bool] | None = None,
        marks: dict[str, tuple[str, ...]] | None = None,
        min_words: int = 0,
    ) -> None:
        self.rules = rules
        self.keys = frozenset(rules)
        # the trigger words that are enough alone (no companions needed)
        self._always = frozenset(w for w, need in rules.items() if need is None)
        # what each other trigger needs: the patterns that need one word of a single set
        # need one word of their union (one set look-up); the others keep their sets
        self._needs = {w: _compile_need(need) for w, need in rules.items() if need is not None}
        self.gate = gate
        self.marks = marks or {}
        # an all-ASCII message can hold only the ASCII marks (";)"), most hold none
        self.ascii_marks = tuple(c for chars in self.marks.values() for c in chars if c.isascii())
        self._ascii_mark_re = _any_of(self.ascii_marks)
        # the gate never passes fewer than ``min_words`` words (mark classes included):
        # a word set smaller than this cannot reach it
        self.min_words = min_words
        self._short = min_words - len(self.marks)

    def with_gate(
        self, gate: Callable[[set[str]], bool] | None, marks: dict[str, tuple[str, ...]], min_words: int = 0
    ) -> Prefilter:
        """This prefilter with a gate; ``min_words`` is the gate's own minimum (a promise
        that ``gate`` rejects smaller word sets, so they are rejected without calling it)."""
        return Prefilter(self.rules, gate, marks, min_words)

    @classmethod
    def from_lexicon(cls, lexicon: Lexicon) -> Prefilter:
        rules: dict[str, list[tuple[frozenset[str], ...]] | None] = {}
        common = lexicon.classes.get("common", frozenset())

        def quick(slot: frozenset[str]) -> frozenset[str] | None:
            words = frozenset(t for t in slot if t.isalpha() and t.isascii())
            return words if words and len(words) == len(slot) else None

        def add(word: str, companions: tuple[frozenset[str], ...] | None) -> None:
            if word in common or not word.isalpha():
                return
            if companions is None or not companions:
                rules[word] = None
            elif rules.get(word, []) is not None:
                rules.setdefault(word, []).append(companions)  # type: ignore[union-attr]

        seen: set[int] = set()
        for patterns in lexicon.index.first.values():
            for p in patterns:
                if id(p) in seen or p.kind == "cue" or (p.kind == "group" and not p.owner.protected):
                    continue
                seen.add(id(p))
                required = [quick(s) for s, opt in zip(p.slots, p.optional) if not opt]
                usable = [(k, s) for k, s in enumerate(required) if s is not None]
                if not usable:
                    continue
                # the rarest position triggers; the others must be present too
                k0, trigger = min(usable, key=lambda ks: (len(ks[1] & common), len(ks[1])))
                others = tuple(s for k, s in usable if k != k0)
                if trigger & common:
                    # a phrase of everyday words only ("up for it"): all of them must be there
                    if not others:
                        continue
                    for word in trigger:
                        if word.isalpha():
                            rules.setdefault(word, [])
                            if rules[word] is not None:
                                rules[word].append(others)  # type: ignore[union-attr]
                    continue
                for word in trigger:
                    add(word, others)
        persons = lexicon.classes.get("persons", frozenset())
        public: set[str] = set()
        for patterns in lexicon.index.first.values():
            for p in patterns:
                if p.kind == "group" and not p.owner.protected:
                    public.update(t for t in p.slots[0] if t.isalpha())
        about = frozenset(persons | public)
        for cue_cls in OFFENDING_CLASSES:
            for word in lexicon.classes.get(cue_cls, ()):
                add(word, (about,))
        return cls(rules)

    def __call__(self, low: str) -> bool:
        # prefilter_words, inlined: this runs on every message
        found = _ASCII_WORD_RE.findall(low)
        if _HAS_SYMBOL_RE.search(low) is not None:
            for tok in _LEET_TOKEN_RE.findall(low):
                if "*" in tok:
                    return True  # a wildcard inside a word (f*ck): always analysed
                found.append(tok.translate(_LEET))
        # the trigger words present, found once (a list holds the same words as its set)
        hits = self.keys.intersection(found)
        if hits and self._matches(hits, found):
            return True
        if not _SPACED_LETTERS.isdisjoint(found) and _SPACED_ASCII_RE.search(low) is not None:
            return True
        gate = self.gate
        if gate is None or len(found) < self._short:
            # too few words for the gate (the set of them is no larger than the list)
            return False
        words = set(found)
        if len(words) < self._short:
            return False
        if self.marks and (not low.isascii() or (self._ascii_mark_re is not None and self._ascii_mark_re.search(low))):
            words.update(mark_words(low, self.marks))
        return gate(words)

    def _matches(self, hits: frozenset[str], found: list[str]) -> bool:
        """Whether a trigger in ``hits`` (the trigger words among ``found``) has all the
        words it needs among ``found``."""
        if not self._always.isdisjoint(hits):
            return True  # a word that is enough alone
        needs = self._needs
        words: set[str] | None = None
        for t in hits:
            need = needs[t]
            if type(need) is frozenset:
                if not need.isdisjoint(found):
                    return True
                continue
            union, multi = need
            if union is not None and not union.isdisjoint(found):
                return True
            if words is None:
                words = set(found)
            for companions in multi:
                for c in companions:
                    if c.isdisjoint(words):
                        break
                else:
                    return True  # every set has a word in the message
        return False


def _compile_need(
    need: list[tuple[frozenset[str], ...]],
) -> frozenset[str] | tuple[frozenset[str] | None, tuple[tuple[frozenset[str], ...], ...]]:
    """A trigger's companion rules for :meth:`Prefilter._matches`: the union of the
    one-set rules alone when there are no others, else (that union or None, the others)."""
    singles = [c[0] for c in need if len(c) == 1]
    multi = tuple(c for c in need if len(c) != 1)
    union = frozenset().union(*singles) if singles else None
    if not multi:
        return union if union is not None else frozenset()
    return union, multi


def prefilter_words(low: str) -> set[str] | None:
    """The lower-case ASCII words of ``low`` as the prefilter and the gate see them, with
    look-alikes inside words read as letters (h4te, b1tch); None when a word holds a
    ``*`` wildcard.  Codes such as MG11 or BX19 read as nothing in particular."""
    words = set(_ASCII_WORD_RE.findall(low))
    if _HAS_SYMBOL_RE.search(low) is not None:
        for tok in _LEET_TOKEN_RE.findall(low):
            if "*" in tok:
                return None
            words.add(tok.translate(_LEET))
    return words


def _any_of(chars: tuple[str, ...]) -> re.Pattern[str] | None:
    """A pattern that finds any of the strings ``chars`` (None for none)."""
    if not chars:
        return None
    return re.compile("|".join(re.escape(c) for c in sorted(chars, key=lambda c: (-len(c), c))))


_ASCII_MARKS: dict[int, tuple[dict[str, tuple[str, ...]], re.Pattern[str] | None]] = {}


def _has_ascii_mark(view: str, marks: dict[str, tuple[str, ...]]) -> bool:
    """Whether any ASCII mark of ``marks`` is in ``view`` (all an ASCII text can hold)."""
    got = _ASCII_MARKS.get(id(marks))
    if got is None or got[0] is not marks:
        if len(_ASCII_MARKS) >= 8:
            _ASCII_MARKS.clear()
        # holding ``marks`` keeps its id from being reused
        got = (marks, _any_of(tuple(c for chars in marks.values() for c in chars if c.isascii())))
        _ASCII_MARKS[id(marks)] = got
    return got[1] is not None and got[1].search(view) is not None


def mark_words(low: str, marks: dict[str, tuple[str, ...]]) -> list[str]:
    """``<class>`` for each mark class (emoji, see cues.yaml ``marks``) present in ``low``."""
    return ["<" + cls + ">" for cls, chars in marks.items() if any(c in low for c in chars)]


class Analysis:
    """Everything the rules and the classifier need about one message."""

    __slots__ = (
        "text_len", "toks", "starts", "ends", "sentence", "clause", "in_quote", "negated", "cue_at",
        "lex", "groups", "quote_spans", "dropped", "marks", "_edges", "word_feats",
    )

    def __init__(self) -> None:
        self.text_len = 0
        self.toks: list[str] = []
        self.starts: list[int] = []
        self.ends: list[int] = []
        self.sentence: list[int] = []
        self.clause: list[int] = []
        self.in_quote: list[bool] = []
        self.negated: list[bool] = []
        # cue class -> list of (start token, end token) spans
        self.cue_at: dict[str, list[tuple[int, int]]] = {}
        self.lex: list[tuple[Entry, int, int]] = []
        self.groups: list[tuple[Group, int, int]] = []
        self.quote_spans: list[tuple[int, int]] = []
        # lexicon matches set aside because a neighbouring word or a word in the message
        # shows the harmless sense ("fit to detain", "packet of ...")
        self.dropped: int = 0
        # cue classes present through a mark (an emoji) rather than a word
        self.marks: frozenset[str] = frozenset()
        self._edges: dict[tuple[str, int], frozenset[int]] = {}
        # the classifiers' word features, once built (see ..features._word_feats)
        self.word_feats: tuple[list[str], list[str], list[str]] | None = None

    # -- small queries ---------------------------------------------------------------
    def has(self, cls: str) -> bool:
        return cls in self.cue_at

    def spans(self, cls: str) -> list[tuple[int, int]]:
        return self.cue_at.get(cls, [])

    def cue_before(self, cls: str, i: int, window: int, same_sentence: bool = True) -> int | None:
        """Index of the nearest token before ``i`` that ends a ``cls`` cue, or None."""
        best = None
        for a, b in self.cue_at.get(cls, ()):
            if b <= i and i - b < window and (not same_sentence or self.sentence[a] == self.sentence[i]):
                if best is None or a > best:
                    best = a
        return best

    def starts_of(self, cls: str) -> frozenset[int]:
        return self._edge(cls, 0)

    def ends_of(self, cls: str) -> frozenset[int]:
        return self._edge(cls, 1)

    def _edge(self, cls: str, side: int) -> frozenset[int]:
        key = (cls, side)
        got = self._edges.get(key)
        if got is None:
            got = frozenset(span[side] for span in self.cue_at.get(cls, ()))
            self._edges[key] = got
        return got

    def token_classes(self, *classes: str) -> set[int]:
        """Indices of tokens covered by a cue of any of ``classes``."""
        out: set[int] = set()
        for cls in classes:
            for a, b in self.cue_at.get(cls, ()):
                out.update(range(a, b))
        return out

    def cue_in_sentence(self, cls: str, i: int) -> bool:
        s = self.sentence[i]
        return any(self.sentence[a] == s for a, _ in self.cue_at.get(cls, ()))


# Normal forms of tokens without a wildcard (a pure function of the token).
_NORM_MEMO: dict[str, str | None] = {}
_NORM_MEMO_LIMIT = 50_000
_MISSING = object()


def _normalise_token(tok: str, wildcard: Callable[[str], str | None]) -> str | None:
    if tok.isalpha():
        return tok
    if "*" in tok:
        core = tok.strip("*")
        if not core or not any(c.isalpha() for c in core):
            return None
        if "*" in core:
            resolved = wildcard(core)
            tok = resolved if resolved is not None else core
        else:
            tok = core
    if tok[0].isalpha() and not _LEET_CHARS.isdisjoint(tok) and _CODE_RE.fullmatch(tok) is None:
        letters = sum(1 for c in tok if c.isalpha())
        if letters >= 2:
            tok = tok.translate(_LEET)
    if tok.endswith("'s") and tok[:-2] not in _KEEP_S and len(tok) > 3:
        tok = tok[:-2]
    return tok


def make_wildcard(lexicon: Lexicon) -> Callable[[str], str | None]:
    by_len = lexicon.single_terms

    def resolve(tok: str) -> str | None:
        cands = by_len.get(len(tok))
        if not cands:
            return None
        for word in cands:
            if all(t == "*" or t == w for t, w in zip(tok, word)):
                return word
        return None

    return resolve


def tokenize(
    low: str,
    wildcard: Callable[[str], str | None],
    known: Container[str] | None = None,
    anchors: Container[str] | None = None,
) -> tuple[list[str], list[int], list[int]]:
    toks = TOKEN_RE.findall(low)
    # Offsets without match objects: between two tokens there is no character a token
    # can start with, so each token's first occurrence from the end of the one before
    # is where it was matched.
    starts: list[int] = []
    ends: list[int] = []
    pos = 0
    find = low.find
    for tok in toks:
        pos = find(tok, pos)
        starts.append(pos)
        pos += len(tok)
        ends.append(pos)
    if toks and not "".join(toks).isalpha():
        # some token is not a plain word (a plain word is its own normal form)
        memo = _NORM_MEMO
        dropped: list[int] = []
        for k in [k for k, tok in enumerate(toks) if not tok.isalpha()]:
            tok = toks[k]
            if "*" in tok:
                norm = _normalise_token(tok, wildcard)
            else:
                # without a wildcard the normal form depends on the token alone
                norm = memo.get(tok, _MISSING)  # type: ignore[assignment]
                if norm is _MISSING:
                    norm = _normalise_token(tok, wildcard)
                    if len(memo) >= _NORM_MEMO_LIMIT:
                        memo.clear()
                    memo[tok] = norm
            if norm is None:
                dropped.append(k)
            else:
                toks[k] = norm
        for k in reversed(dropped):
            del toks[k], starts[k], ends[k]
    if _SPACED_PRE_RE.search(low) is not None and _SPACED_RE.search(low) is not None:
        toks, starts, ends = _merge_spaced(low, toks, starts, ends, known)
    if known is not None and anchors is not None:
        toks, starts, ends = _split_compounds(toks, starts, ends, known, anchors)
    return toks, starts, ends


def _merge_spaced(
    low: str, toks: list[str], starts: list[int], ends: list[int], known: Container[str] | None
) -> tuple[list[str], list[int], list[int]]:
    out_t: list[str] = []
    out_s: list[int] = []
    out_e: list[int] = []
    i = 0
    n = len(toks)
    while i < n:
        j = i
        while (
            j + 1 < n and len(toks[j]) == 1 and len(toks[j + 1]) == 1 and toks[j].isalpha() and toks[j + 1].isalpha()
            and starts[j + 1] == ends[j] + 1 and low[ends[j]] == " "
        ):
            j += 1
        if j - i >= 3 and toks[i] in ("a", "i"):
            # "nothing but a s c u m": the article is a word of its own, unless the whole
            # run spells a known word ("i m m i g r a n t s").
            full = "".join(toks[i : j + 1])
            rest = full[1:]
            whole_is_word = known is not None and full in known and rest not in known
            if not whole_is_word:
                out_t.append(toks[i])
                out_s.append(starts[i])
                out_e.append(ends[i])
                i += 1
        if j - i >= 2:
            out_t.append("".join(toks[i : j + 1]))
            out_s.append(starts[i])
            out_e.append(ends[j])
            i = j + 1
        else:
            out_t.append(toks[i])
            out_s.append(starts[i])
            out_e.append(ends[i])
            i += 1
    return out_t, out_s, out_e


# Remembered splits of run-together words, per (known, anchors) pair of containers: a
# word's split depends only on the word and those two (the result is the same either way).
_SPLIT_MEMO: dict[tuple[int, int], tuple[Container[str], Container[str], dict[str, tuple[str, str] | None]]] = {}
_SPLIT_MEMO_LIMIT = 50_000


def _split_memo(known: Container[str], anchors: Container[str]) -> dict[str, tuple[str, str] | None]:
    key = (id(known), id(anchors))
    got = _SPLIT_MEMO.get(key)
    if got is None or got[0] is not known or got[1] is not anchors:
        if len(_SPLIT_MEMO) >= 8:
            _SPLIT_MEMO.clear()
        got = (known, anchors, {})
        _SPLIT_MEMO[key] = got  # holding the containers keeps their ids from being reused
    return got[2]


def _best_split(t: str, known: Container[str], anchors: Container[str]) -> tuple[str, str] | None:
    """The two known halves of ``t`` (one a derogatory cue or lexicon word) with the
    longest shorter half, or None."""
    if not t.isalpha():
        return None
    best = None
    for k in range(2, len(t) - 1):
        a, b = t[:k], t[k:]
        if a in known and b in known and (a in anchors or b in anchors):
            score = min(len(a), len(b))
            if best is None or score > best[0]:
                best = (score, a, b)
    return None if best is None else (best[1], best[2])


def _split_compounds(
    toks: list[str], starts: list[int], ends: list[int], known: Container[str], anchors: Container[str]
) -> tuple[list[str], list[int], list[int]]:
    """Split run-together words ("stabthose", "absolutefilth") when both halves are known
    words and one is a derogatory cue or lexicon word (so "translate" stays whole); both
    parts keep the whole token's span."""
    memo: dict[str, tuple[str, str] | None] | None = None
    splits: list[tuple[int, tuple[str, str]]] = []
    for k, t in enumerate(toks):
        if len(t) < 5 or t in known:
            continue
        if memo is None:
            memo = _split_memo(known, anchors)
        parts = memo.get(t, _MISSING)
        if parts is _MISSING:
            parts = _best_split(t, known, anchors)
            if len(memo) >= _SPLIT_MEMO_LIMIT:
                memo.clear()
            memo[t] = parts  # type: ignore[assignment]
        if parts is not None:
            splits.append((k, parts))  # type: ignore[arg-type]
    if not splits:
        return toks, starts, ends
    out_t: list[str] = []
    out_s: list[int] = []
    out_e: list[int] = []
    done = 0
    for k, (a, b) in splits:
        out_t.extend(toks[done:k])
        out_s.extend(starts[done:k])
        out_e.extend(ends[done:k])
        s, e = starts[k], ends[k]
        out_t.extend((a, b))
        out_s.extend((s, s))
        out_e.extend((e, e))
        done = k + 1
    out_t.extend(toks[done:])
    out_s.extend(starts[done:])
    out_e.extend(ends[done:])
    return out_t, out_s, out_e


def _quote_spans(view: str) -> list[tuple[int, int]]:
    # each pattern needs two of its quote marks (one apostrophe, as in "don't", is none)
    spans = [(m.start(), m.end()) for m in _DOUBLE_QUOTE_RE.finditer(view)] if view.count('"') >= 2 else []
    if view.count("'") >= 2:
        spans.extend((m.start(), m.end()) for m in _SINGLE_QUOTE_RE.finditer(view))
    return spans


def _breaks(
    low: str, toks: list[str], starts: list[int], ends: list[int], scope_breakers: Container[str],
    sentence: list[int], clause: list[int],
) -> None:
    """Fill in each token's sentence and clause number from the text between tokens."""
    sid = cid = 0
    for k in range(1, len(toks)):
        gap = low[ends[k - 1] : starts[k]]
        if gap == " ":
            pass  # the usual gap: no break
        elif gap and not gap.isspace():
            if any(c in _SENTENCE_BREAK for c in gap):
                sid += 1
                cid += 1
            elif any(c in _CLAUSE_BREAK for c in gap) or " - " in gap:
                cid += 1
        elif "\n" in gap:
            sid += 1
            cid += 1
        if toks[k] in scope_breakers:
            cid += 1
        sentence[k] = sid
        clause[k] = cid


def analyse(
    text: str,
    lexicon: Lexicon,
    wildcard: Callable[[str], str | None],
    known: Container[str] | None = None,
    *,
    view: str | None = None,
    low: str | None = None,
) -> Analysis:
    if view is None:
        view = detection_view(text)
    if low is None:
        low = same_length_lower(view)
    an = Analysis()
    an.text_len = len(text)
    toks, starts, ends = tokenize(low, wildcard, known, lexicon.anchors)
    an.toks, an.starts, an.ends = toks, starts, ends
    n = len(toks)
    classes = lexicon.classes
    scope_breakers = classes["scope_breakers"]

    # Sentences and clauses.
    sentence = [0] * n
    clause = [0] * n
    if _BREAK_RE.search(low) is None:
        # no break character anywhere (none is ever part of a token): one sentence,
        # clauses split by scope breakers alone
        if not scope_breakers.isdisjoint(toks):
            cid = 0
            for k in range(1, n):
                if toks[k] in scope_breakers:
                    cid += 1
                clause[k] = cid
    else:
        _breaks(low, toks, starts, ends, scope_breakers, sentence, clause)
    an.sentence, an.clause = sentence, clause

    # Quotes.
    spans = _quote_spans(view) if ('"' in view or "'" in view) else []
    an.quote_spans = spans
    if spans:
        ordered = sorted(spans)
        in_quote = [False] * n
        q = 0
        for k, s in enumerate(starts):  # token starts ascend: one sweep
            while q < len(ordered) and ordered[q][1] <= s:
                q += 1
            in_quote[k] = any(a <= s < b for a, b in ordered[q : q + 2])
        an.in_quote = in_quote
    else:
        an.in_quote = [False] * n

    # Lexicon, group and multi-token cue matches (one pass over the shared index).
    cue_at: dict[str, list[tuple[int, int]]] = {}
    for pattern, i, j in lexicon.index.find(toks):
        if pattern.kind == "lex":
            an.lex.append((pattern.owner, i, j))
        elif pattern.kind == "group":
            g = pattern.owner
            if (j < n and toks[j] in g.not_before) or (i > 0 and toks[i - 1] in g.not_after):
                continue
            an.groups.append((g, i, j))
        else:
            cue_at.setdefault(pattern.owner, []).append((i, j))
    # Possessive forms ("woman's") were normalised above, so single-token cues are plain
    # set look-ups.
    token_cues = lexicon.token_cues
    for k, tok in enumerate(toks):
        found = token_cues.get(tok)
        if found:
            for cls in found:
                cue_at.setdefault(cls, []).append((k, k + 1))
    an.cue_at = cue_at
    marks = lexicon.marks
    if marks and (not view.isascii() or _has_ascii_mark(view, marks)):
        an.marks = frozenset(cls for cls, chars in marks.items() if any(c in view for c in chars))

    # Negation scope: a negator covers the next few tokens of its clause ("no"/"never"
    # cover the rest of the clause); a negated auxiliary followed by a subject pronoun opens
    # a (rhetorical) question and negates nothing.
    negated = [False] * n
    for a, b in cue_at.get("negators", ()):
        if b + 1 <= n and b - a == 1 and b < n and toks[a].endswith("n't") and toks[b] in _RHETORICAL_SUBJECTS and (
            a == 0 or clause[a - 1] != clause[a]
        ):
            continue
        if a >= 2 and toks[a - 2] in _CONDITIONALS and toks[a - 1] in _RHETORICAL_SUBJECTS:
            # "if they weren't such ...": a counterfactual, not a denial.
            continue
        limit = n if toks[a] in _QUANTIFIER_NEGATORS and b - a == 1 else min(n, b + NEGATION_WINDOW)
        for k in range(b, limit):
            if clause[k] != clause[a]:
                break
            negated[k] = True
    an.negated = negated

    # Lexicon matches whose harmless sense is evident are set aside before anything else
    # (the rules and the classifier) looks at them.
    if an.lex:
        token_set = set(toks)
        kept: list[tuple[Entry, int, int]] = []
        for entry, i, j in an.lex:
            if (j < n and toks[j] in entry.not_before) or (i > 0 and toks[i - 1] in entry.not_after):
                an.dropped += 1
                continue
            if entry.homonym_words and not entry.homonym_words.isdisjoint(token_set):
                if not (entry.kind in FRAMED_KINDS and insult_frame(an, i, j, lexicon)):
                    an.dropped += 1
                    continue
            kept.append((entry, i, j))
        an.lex = kept
    return an


# --------------------------------------------------------------------------------------
# Context rules
# --------------------------------------------------------------------------------------


def _subject_of(an: Analysis, k: int) -> tuple[str | None, int]:
    """The word that governs the reporting verb at token ``k`` (skipping auxiliaries)."""
    m = k - 1
    while m >= 0 and an.sentence[m] == an.sentence[k] and an.toks[m] in _AUXILIARIES:
        m -= 1
    if m < 0 or an.sentence[m] != an.sentence[k]:
        return None, m
    return an.toks[m], m


def report_context(an: Analysis, i: int, j: int, lexicon: Lexicon) -> str | None:
    """Why the tokens ``i:j`` are someone else's words being reported, quoted or
    challenged, or None when they are the writer's own.

    Returns "quotation", "reporting", "counter_speech" or "training_notice".
    """
    classes = lexicon.classes
    has_counter = an.has("counter_cues")
    has_offence = an.has("offence_cues")
    has_training = an.has("training_cues")
    in_quote = an.in_quote[i] if i < len(an.in_quote) else False
    if in_quote:
        outside_report = any(not an.in_quote[a] for cls in ("reporting_verbs", "report_nouns") for a, _ in an.spans(cls))
        if outside_report or has_counter or has_offence or has_training:
            return "quotation"
    if an.quote_spans and not in_quote:
        # With quotation marks in the message, the quoted words are the reported ones;
        # everything outside them is the writer's own.
        if has_counter and any(an.sentence[a] == an.sentence[i] and a >= j for a, _ in an.spans("report_nouns")):
            return "training_notice" if has_training else "counter_speech"
        return None
    # A reporting verb or noun earlier in the sentence.
    for k in range(i - 1, max(-1, i - 12), -1):
        if an.sentence[k] != an.sentence[i]:
            break
        tok = an.toks[k]
        is_verb = tok in classes["reporting_verbs"]
        is_noun = not is_verb and (k + 1) in an.ends_of("report_nouns")
        if not (is_verb or is_noun):
            continue
        if is_verb:
            if k > 0 and an.toks[k - 1] in _PASSIVE and an.sentence[k - 1] == an.sentence[k]:
                return "reporting"  # "was called a ...": the person it was said to is telling
            subj, _m = _subject_of(an, k)
            victim = k + 1 < len(an.toks) and an.toks[k + 1] in _VICTIM_OBJECTS
            own_words = subj in _FIRST_PERSON_SUBJECTS and tok not in _SELF_REPORTING_VERBS
            if own_words and not has_counter:
                return None
            if has_training and has_counter:
                return "training_notice"
            if has_counter:
                return "counter_speech"
            if has_offence or victim or in_quote:
                return "reporting"
            return None
        # "words like X", "the term X": only with a counter or training cue.
        if has_training:
            return "training_notice"
        if has_counter or has_offence:
            return "counter_speech"
        return None
    # Counter-speech after the term ("X is not a word we use here").
    if has_counter and any(an.sentence[a] == an.sentence[i] and a >= j for a, _ in an.spans("report_nouns")):
        return "training_notice" if has_training else "counter_speech"
    return None


def insult_frame(an: Analysis, i: int, j: int, lexicon: Lexicon) -> bool:
    toks = an.toks
    before = lexicon.classes["insult_before"]
    after = lexicon.classes["insult_after"]
    if i > 0 and toks[i - 1] in before and an.sentence[i - 1] == an.sentence[i]:
        return True
    ends = an.ends_of("insult_before")
    if i in ends or (i - 1 in ends and toks[i - 1] in ("a", "an", "the")):
        return True
    if j < len(toks) and toks[j] in after and an.sentence[j] == an.sentence[j - 1]:
        return True
    return j in an.starts_of("insult_after")


def reclaim_frame(an: Analysis, i: int, j: int, lexicon: Lexicon) -> bool:
    toks = an.toks
    before = lexicon.classes["reclaim_before"]
    after = lexicon.classes["reclaim_after"]
    for back in (1, 2):
        k = i - back
        if k < 0 or an.clause[k] != an.clause[i]:
            break
        if toks[k] in before:
            return True
        if toks[k] not in ("a", "an", "the", "so", "really", "very", "happily", "both", "proud", "that"):
            break
    ends = an.ends_of("reclaim_before")
    if i in ends or (i - 1 in ends and toks[i - 1] in ("a", "an", "the")):
        return True
    if j < len(toks) and toks[j] in after:
        return True
    return j in an.starts_of("reclaim_after")
