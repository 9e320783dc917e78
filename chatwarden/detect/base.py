"""The detector protocol.

A detector is a small class with a ``name``, a ``version`` and the ``labels`` it can emit.
Most detectors look at one message at a time: they implement :meth:`TextDetector.scan`,
a pure function from a text to :class:`Hit` values (character offsets into that text).
Detectors that need neighbouring messages implement :meth:`Detector.detect` over the whole
sequence.  Detectors never import parsers or the policy; the policy names detectors and
labels by string.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import ClassVar

from chatwarden.model import Explanation, Finding, Message, Span

# Kinds whose text is written by a person (attachments may carry a caption).
TEXT_KINDS = frozenset({"message", "attachment", "location", "poll", "contact"})


@dataclass(frozen=True, slots=True)
class Hit:
    """One match inside one text.  ``start``/``end`` index the text given to ``scan``."""

    label: str
    start: int
    end: int
    score: float
    pattern: str | None = None
    validation: str | None = None
    context: tuple[str, ...] = ()
    reason: str = ""


class Detector(ABC):
    name: ClassVar[str]
    version: ClassVar[str]
    labels: ClassVar[frozenset[str]]

    @abstractmethod
    def detect(self, messages: Sequence[Message]) -> Iterable[Finding]:
        """Findings for a sequence of messages of one chat (in chat order)."""


class TextDetector(Detector):
    """A detector that looks at one message text at a time."""

    @abstractmethod
    def scan(self, text: str) -> list[Hit]:
        """Hits in ``text``; must be pure and fast (it runs on every message)."""

    def detect(self, messages: Sequence[Message]) -> Iterator[Finding]:
        for m in messages:
            if m.kind not in TEXT_KINDS or not m.text:
                continue
            for hit in self.scan(m.text):
                yield self.finding(m.index, hit)

    def finding(self, message_index: int | None, hit: Hit) -> Finding:
        return Finding(
            detector=self.name,
            label=hit.label,
            message_index=message_index,
            span=Span(hit.start, hit.end),
            score=hit.score,
            explanation=Explanation(
                detector=self.name,
                version=self.version,
                pattern=hit.pattern,
                validation=hit.validation,
                context=hit.context,
                score=hit.score,
                reason=hit.reason,
            ),
        )
