"""Per-text scanning state shared by the recognizer handlers, and the recognizer record."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from chatwarden.detect.base import Hit
from chatwarden.detect.identifiers.context import ANCHORS, VOCAB, find_context, window_words


_ROUNDED: dict[float, float] = {}  # score + boost -> round(score + boost, 2): few distinct sums


class Scan:
    """One call of ``IdentifierDetector.scan``: the text, its lower-cased copy, and the hits
    so far.  Made only for a text in which a candidate was found (most of those then ask
    for context words, so the lower-cased copy is made at once)."""

    __slots__ = ("text", "low", "hits", "dobs", "licences")

    def __init__(self, text: str) -> None:
        self.text = text
        self.low = text.lower()
        self.hits: list[Hit] = []
        self.dobs: list[tuple[int, int, int]] = []  # (year, month, day) of dates of birth found
        self.licences: list[int] = []  # indexes into hits of driving licence numbers

    def context(self, label: str, start: int, end: int) -> tuple[str, ...]:
        return find_context(window_words(self.low, start, end), VOCAB[label])

    def anchored(self, label: str, start: int, end: int) -> tuple[str, ...]:
        """Only the strong context words (see ``context.ANCHORS``)."""
        return find_context(window_words(self.low, start, end), ANCHORS[label])

    def add(
        self,
        label: str,
        start: int,
        end: int,
        score: float,
        pattern: str,
        validation: str,
        context: tuple[str, ...] = (),
        boost: float = 0.0,
        reason: str = "",
    ) -> Hit:
        """Record a hit; ``boost`` is added to ``score`` when ``context`` is not empty."""
        if context and boost:
            total = score + boost
            rounded = _ROUNDED.get(total)
            if rounded is None:  # round(x, 2) formats the float: ~0.5 us, so each sum is rounded once
                rounded = _ROUNDED[total] = round(total, 2)
            score = 1.0 if rounded > 1.0 else rounded
        hit = Hit(label, start, end, score, pattern, validation, context, reason)
        self.hits.append(hit)
        return hit


Handler = Callable[[Scan, "object"], bool]


class Recognizer(NamedTuple):
    """One pattern of the rule tier.

    ``first`` is a character class for the candidate's first character (the scanners
    group recognizers by it); ``rest`` is the regular expression for the remaining
    characters and holds exactly one outer named group, ``(?P<name>...)``.  ``handler``
    validates a match, adds hits to the :class:`Scan` and returns True, or returns False
    to let the next recognizer try the same position.
    """

    name: str
    first: str
    rest: str
    handler: Callable[[Scan, object], bool]


@dataclass(frozen=True, slots=True)
class Score:
    """A recognizer's base score and the boost that context words give it."""

    base: float
    boost: float
