"""Features of the topic classifier, shared by training (``training/train_topics.py``) and
run time so that both see exactly the same thing.

A message is normalised once with a 256-byte translation table (C speed):

* the text is encoded as ASCII, dropping anything else (emoji, accents, typographic
  apostrophes);
* letters are lower-cased, every digit becomes ``0`` and apostrophes are deleted
  (``he's`` -> ``hes``); ``/`` is kept inside tokens (``00/00/0000`` is a date,
  ``0/a/p`` a grading); every other character separates tokens.

Numbers therefore become token *classes* (``00000`` and ``000000`` together are a phone
number, ``s00`` a section of an Act, ``0000`` a time or a year) and no number written in a
message is ever a feature.  The features, counted with multiplicity, are:

* word unigrams (``w:`` in the model file; ``bytes`` at run time);
* adjacent-word bigrams (``b:`` with one space; a ``tuple`` of two ``bytes`` at run time);
* the first five characters of every token longer than five (``p:``; ``str`` at run
  time), which carry inflections (``state`` for statement, statements; ``autho`` for
  authorise, authorised, authorisation);
* one shape class, ``s:postcode`` (``#postcode`` at run time), for each UK postcode shape
  (``se00 0ab``), whose inward part alone would be too rare a token to learn from.

The kinds are three Python types at run time, so they can never collide in the one
weight dictionary, and every step is a C-implemented call (``translate``, ``split``,
``pairwise``, one regular expression): a typical message costs a few microseconds.  Python's
string hashing (per process) is used only for dictionary look-ups and never stored.
Scoring uses :func:`lookup_parts`, the same features with the word starts of a text without
``/`` in a second key form that is cheaper to find (see :func:`run_aliases`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import pairwise

__all__ = ["MAX_CHARS", "PREFIX_LEN", "feature_names", "lookup_parts", "parts", "render", "run_aliases", "runtime_key",
           "runtime_keys"]

PREFIX_LEN = 5
# Very long texts are cut: the classifier judges a chat message, not a document, and the
# cost of one message stays bounded.
MAX_CHARS = 4000


def _table() -> bytes:
    table = bytearray(range(256))
    for c in range(256):
        ch = chr(c)
        if "0" <= ch <= "9":
            table[c] = ord("0")
        elif "a" <= ch <= "z" or ch == "/":
            pass
        elif "A" <= ch <= "Z":
            table[c] = ord(ch.lower())
        else:
            table[c] = ord(" ")
    return bytes(table)


_TABLE = _table()
_PREFIX = re.compile(rf"\b([a-z0-9/]{{{PREFIX_LEN}}})[a-z0-9/]")
# The same matches on a normalised text without ``/`` (only ``[a-z0 ]`` is left), searched in
# the text behind one space: there a word boundary before a letter is a space (or the start),
# the match consumes that space and its six characters, and the search resumes where
# ``_PREFIX``'s does.  A pattern that starts with a literal lets the regular expression
# engine jump from space to space instead of testing a word boundary at every position.
_PREFIX_AFTER_SPACE = re.compile(rf" ([a-z0]{{{PREFIX_LEN}}})[a-z0]")
# The same matches again, as whole matches (no group to copy out): the space, the prefix and
# the character after it (see lookup_parts).
_PREFIX_RUN = re.compile(rb" [a-z0]{%d}" % (PREFIX_LEN + 1))
_RUN_BODY = re.compile(rf"[a-z0]{{{PREFIX_LEN}}}")
_RUN_NEXT = b"abcdefghijklmnopqrstuvwxyz0"
_POSTCODE = re.compile(rb"\b[a-z]{1,2}0[0a-z]? 0[a-z]{2}\b")
POSTCODE_KEY = "#postcode"
_SLASH, _ZERO = ord("/"), ord("0")  # an int operand makes ``in`` on bytes a plain byte search


def _normalise(text: str) -> bytes:
    return text[:MAX_CHARS].encode("ascii", "ignore").translate(_TABLE, b"'")


def parts(text: str) -> tuple[list[bytes], list[str]]:
    """(tokens, others) of ``text``: the normalised tokens (``bytes``), then the
    ``PREFIX_LEN``-character prefixes of the tokens longer than that and the shape
    classes (``str``)."""
    norm = _normalise(text)
    if _SLASH in norm:
        others = _PREFIX.findall(norm.decode("ascii"))
    else:
        others = _PREFIX_AFTER_SPACE.findall(" " + norm.decode("ascii"))
    if _ZERO in norm and b" 0" in norm:
        others += [POSTCODE_KEY] * len(_POSTCODE.findall(norm))
    return norm.split(), others


def lookup_parts(text: str) -> tuple[list[bytes], list[bytes | str]]:
    """:func:`parts` for scoring, where a word start may take a second run-time form.

    In a text without ``/`` every word start is found as ``b" " + start + next`` (a space,
    the start, and the token's next character), which one regular expression returns
    without copying groups out; :func:`run_aliases` gives the keys of that form that stand
    for one stored word start.  A space never occurs inside a token, so these keys cannot
    meet a word's.  Texts with ``/`` get exactly :func:`parts`."""
    norm = text[:MAX_CHARS].encode("ascii", "ignore").translate(_TABLE, b"'")  # _normalise, inlined
    others: list[bytes | str]
    if _SLASH in norm:
        others = _PREFIX.findall(norm.decode("ascii"))  # type: ignore[assignment]
    else:
        others = _PREFIX_RUN.findall(b" " + norm)  # type: ignore[assignment]
    if _ZERO in norm and b" 0" in norm:
        others += [POSTCODE_KEY] * len(_POSTCODE.findall(norm))
    return norm.split(), others


def run_aliases(name: str) -> list[bytes]:
    """The keys that :func:`lookup_parts` may give for the stored feature ``name``: for a
    word start made of ``[a-z0]`` only, one per character that can follow it in a text
    without ``/``; for anything else none (its :func:`runtime_key` is used)."""
    kind, _, body = name.partition(":")
    if kind != "p" or not _RUN_BODY.fullmatch(body):
        return []
    head = b" " + body.encode("ascii")
    return [head + bytes((c,)) for c in _RUN_NEXT]


def feature_names(text: str) -> list[str]:
    """The features of ``text`` as the strings the model file stores (``w:``, ``b:``,
    ``p:``), with multiplicity, in text order.  Used by training and by explanations."""
    toks, others = parts(text)
    words = [t.decode("ascii") for t in toks]
    out = ["w:" + w for w in words]
    out += ["b:" + a + " " + b for a, b in pairwise(words)]
    out += ["s:" + o[1:] if o.startswith("#") else "p:" + o for o in others]
    return out


def runtime_key(name: str) -> bytes | tuple[bytes, bytes] | str:
    """The run-time dictionary key of a stored feature name (see the module docstring)."""
    kind, _, body = name.partition(":")
    if kind == "w":
        return body.encode("ascii")
    if kind == "b":
        a, _, b = body.partition(" ")
        return (a.encode("ascii"), b.encode("ascii"))
    if kind == "p":
        return body
    if kind == "s":
        return "#" + body
    raise ValueError(f"unknown feature kind {kind!r}")


def runtime_keys(text: str) -> Iterator[bytes | tuple[bytes, bytes] | str]:
    """The run-time keys of ``text`` (what :func:`feature_names` gives, as keys)."""
    toks, others = parts(text)
    yield from toks
    yield from pairwise(toks)
    yield from others


def render(name: str) -> str:
    """A stored feature name as a reviewer reads it: a word, a word pair, a word start
    (``state…``) or a shape class (``<postcode>``); digits are already the class ``0``."""
    kind, _, body = name.partition(":")
    if kind == "p":
        return body + "\u2026"
    if kind == "s":
        return "<" + body + ">"
    return body
