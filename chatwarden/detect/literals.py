"""Required literals of a regular expression: strings of which every match contains one.

:func:`required_literals` reads a compiled pattern's parse tree and returns a small set of
plain strings such that *any* non-empty match of the pattern contains at least one of them
(or None when it cannot name such a set).  A detector can then skip running the pattern
over a text that contains none of them: ``any(s in text for s in needs)`` is a few C-level
substring searches, where the regular-expression engine would try a match at every
position.  The answer is only ever used to *skip* work, never to find anything, so a
text gets exactly the matches it would get without it.

The reading is conservative: what it does not understand (character classes with more than
a few characters, back-references, case-insensitive parts, repeats that may be empty)
counts as "could be anything", which only makes the set less useful, never wrong.
Zero-width parts (``\\b``, ``^``, look-arounds) match the empty string.  Within a
concatenation the longest run of exactly-known parts is used (all its spellings, while
there are at most :data:`LIMIT`); an alternation needs every branch to name one.
"""

from __future__ import annotations

import re
from re import _constants as C  # the parser's op codes
from re import _parser as P

__all__ = ["LIMIT", "required_literals"]

LIMIT = 64  # at most this many strings in a set
_SMALL_CLASS = 6  # a character class with more characters than this is "anything"


class _Info:
    """What one part of a pattern can match: ``exact`` (every string it matches, when few)
    and ``needs`` (a set of which every match contains one), either may be None."""

    __slots__ = ("exact", "needs")

    def __init__(self, exact: frozenset[str] | None, needs: frozenset[str] | None) -> None:
        self.exact = exact
        self.needs = needs if needs is not None else exact


_ANYTHING = _Info(None, None)
_EMPTY = _Info(frozenset({""}), None)


def _better(a: frozenset[str] | None, b: frozenset[str] | None) -> frozenset[str] | None:
    """The more selective of two required sets: the one whose shortest string is longer."""
    if a is None or "" in a:
        return None if b is None or "" in b else b
    if b is None or "" in b:
        return a
    ka, kb = (min(map(len, a)), -len(a)), (min(map(len, b)), -len(b))
    return b if kb > ka else a


def _product(a: frozenset[str], b: frozenset[str]) -> frozenset[str] | None:
    if len(a) * len(b) > LIMIT:
        return None
    return frozenset(x + y for x in a for y in b)


def _seq(items: list, flags: int) -> _Info:
    run: frozenset[str] = frozenset({""})  # every spelling of the current run of exact parts
    best: frozenset[str] | None = None
    all_exact = True
    for op, av in items:
        info = _node(op, av, flags)
        if info.exact is not None:
            joined = _product(run, info.exact)
            if joined is None:  # too many spellings: keep the run so far, start a new one
                best = _better(best, run)
                all_exact = False
                joined = info.exact
            run = joined
        else:
            all_exact = False
            best = _better(_better(best, run), info.needs)
            run = frozenset({""})
    if all_exact:
        return _Info(run, None)
    return _Info(None, _better(best, run))


def _node(op, av, flags: int) -> _Info:  # one case per op code
    if op is C.LITERAL:
        return _Info(frozenset({chr(av).lower() if flags & re.IGNORECASE else chr(av)}), None)
    if op in (C.AT, C.ASSERT, C.ASSERT_NOT):
        return _EMPTY
    if op is C.SUBPATTERN:
        _group, add_flags, _del_flags, sub = av
        if add_flags & re.IGNORECASE and not flags & re.IGNORECASE:
            return _ANYTHING
        return _seq(list(sub), flags)
    if op is C.ATOMIC_GROUP:
        return _seq(list(av), flags)
    if op is C.BRANCH:
        _, alternatives = av
        infos = [_seq(list(alt), flags) for alt in alternatives]
        if all(i.exact is not None for i in infos):
            union = frozenset().union(*(i.exact for i in infos))  # type: ignore[arg-type]
            if len(union) <= LIMIT:
                return _Info(union, None)
        needs: set[str] = set()
        for i in infos:
            if i.needs is None or "" in i.needs:
                return _ANYTHING
            needs |= i.needs
        return _Info(None, frozenset(needs)) if len(needs) <= LIMIT else _ANYTHING
    if op is C.IN:
        chars: set[str] = set()
        for kind, value in av:
            if kind is C.LITERAL:
                chars.add(chr(value))
            elif kind is C.RANGE and value[1] - value[0] < _SMALL_CLASS:
                chars.update(chr(c) for c in range(value[0], value[1] + 1))
            else:
                return _ANYTHING
        if flags & re.IGNORECASE:
            chars = {c.lower() for c in chars}
        if not chars or len(chars) > _SMALL_CLASS:
            return _ANYTHING
        return _Info(frozenset(chars), None)
    if op in (C.MAX_REPEAT, C.MIN_REPEAT, C.POSSESSIVE_REPEAT):
        lo, hi, sub = av
        if lo == 0:
            return _ANYTHING
        inner = _seq(list(sub), flags)
        if inner.exact is not None and lo == hi:
            total: frozenset[str] | None = frozenset({""})
            for _ in range(lo):
                total = _product(total, inner.exact) if total is not None else None
            if total is not None:
                return _Info(total, None)
        return _Info(None, inner.needs)
    return _ANYTHING  # ANY, NOT_LITERAL, GROUPREF, GROUPREF_EXISTS, CATEGORY ...


def required_literals(pattern: re.Pattern[str], *, ignore_case: bool = False, min_len: int = 2,
                      ) -> tuple[str, ...] | None:
    """Strings of which every non-empty match of ``pattern`` contains one, shortest first,
    or None when no such set (with every string at least ``min_len`` long) is found.

    A case-insensitive pattern gives None, unless ``ignore_case``: then every part is read
    as case-insensitive, the strings are lower case and only ASCII, and they hold for the
    lower-cased copy of an *ASCII* text (``any(s in text.lower() ...)``): in other
    scripts a case-insensitive match and ``str.lower`` disagree (``\u017f`` matches ``s``).
    """
    if not isinstance(pattern.pattern, str):
        return None
    flags = pattern.flags
    if ignore_case:
        flags |= re.IGNORECASE
    elif flags & re.IGNORECASE:
        return None
    try:
        tree = P.parse(pattern.pattern, pattern.flags)
    except re.error:  # pragma: no cover - the pattern compiled already
        return None
    info = _seq(list(tree), flags)
    needs = info.needs
    if needs is None or not needs or min(map(len, needs)) < min_len:
        return None
    if ignore_case and not all(s.isascii() for s in needs):
        return None
    # A string containing another of the set adds nothing: keep the shorter one.
    out: list[str] = []
    for s in sorted(needs, key=lambda x: (len(x), x)):
        if not any(o in s for o in out):
            out.append(s)
    return tuple(out)
