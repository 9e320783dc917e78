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
from dataclasses import dataclass, fields
from typing import ClassVar

from chatwarden.model import Explanation, Finding, Message, Span

# Kinds whose text is written by a person (attachments may carry a caption).
TEXT_KINDS = frozenset({"message", "attachment", "location", "poll", "contact"})


@dataclass(frozen=True, slots=True, init=False)
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


def _hit_setters() -> tuple:
    names = tuple(f.name for f in fields(Hit))
    if names != ("label", "start", "end", "score", "pattern", "validation", "context", "reason"):
        raise AssertionError("Hit fields changed: update _hit_init")  # pragma: no cover
    return tuple(getattr(Hit, n).__set__ for n in names)


_SET_LABEL, _SET_START, _SET_END, _SET_SCORE, _SET_PATTERN, _SET_VALIDATION, _SET_CONTEXT, _SET_REASON = (
    _hit_setters()
)


def _hit_init(self: Hit, label: str, start: int, end: int, score: float, pattern: str | None = None,
              validation: str | None = None, context: tuple[str, ...] = (), reason: str = "") -> None:
    # What the generated __init__ of a frozen dataclass does (object.__setattr__ per field),
    # through the slot descriptors directly: detectors build many hits, and this takes
    # half the time.  The class stays a frozen dataclass (fields, asdict, eq, hash, repr).
    _SET_LABEL(self, label)
    _SET_START(self, start)
    _SET_END(self, end)
    _SET_SCORE(self, score)
    _SET_PATTERN(self, pattern)
    _SET_VALIDATION(self, validation)
    _SET_CONTEXT(self, context)
    _SET_REASON(self, reason)


Hit.__init__ = _hit_init  # type: ignore[method-assign]


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
        if _FAST_FINDING:
            return _finding(self.name, self.version, message_index, hit)
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


# Building a finding from a hit is the engine's innermost step.  The three frozen model
# dataclasses set each field through ``object.__setattr__`` in their generated __init__;
# setting the slots through their descriptors makes the same objects in half the time.
# Used only while the model classes have exactly the fields below and no __post_init__
# (checked once here); otherwise ``finding`` falls back to the constructors.
_FINDING_FIELDS = {
    Span: ("start", "end"),
    Explanation: ("detector", "version", "pattern", "validation", "context", "related_messages", "score", "reason"),
    Finding: ("detector", "label", "message_index", "span", "score", "explanation", "attributes"),
}


def _slot_setters(cls: type) -> tuple | None:
    try:
        names = tuple(f.name for f in fields(cls))
        if names != _FINDING_FIELDS[cls] or hasattr(cls, "__post_init__") or "__slots__" not in cls.__dict__:
            return None
        return tuple(cls.__dict__[n].__set__ for n in names)
    except (TypeError, KeyError, AttributeError):  # pragma: no cover - a model change
        return None


_SPAN_SET = _slot_setters(Span)
_EXPL_SET = _slot_setters(Explanation)
_FIND_SET = _slot_setters(Finding)
_FAST_FINDING = None not in (_SPAN_SET, _EXPL_SET, _FIND_SET)
if _FAST_FINDING:
    _S_START, _S_END = _SPAN_SET  # type: ignore[misc]
    _E_DET, _E_VER, _E_PAT, _E_VAL, _E_CTX, _E_REL, _E_SCORE, _E_REASON = _EXPL_SET  # type: ignore[misc]
    _F_DET, _F_LABEL, _F_INDEX, _F_SPAN, _F_SCORE, _F_EXPL, _F_ATTRS = _FIND_SET  # type: ignore[misc]
_new = object.__new__


def _finding(name: str, version: str, message_index: int | None, hit: Hit) -> Finding:
    span = _new(Span)
    _S_START(span, hit.start)
    _S_END(span, hit.end)
    score = hit.score
    expl = _new(Explanation)
    _E_DET(expl, name)
    _E_VER(expl, version)
    _E_PAT(expl, hit.pattern)
    _E_VAL(expl, hit.validation)
    _E_CTX(expl, hit.context)
    _E_REL(expl, ())
    _E_SCORE(expl, score)
    _E_REASON(expl, hit.reason)
    f = _new(Finding)
    _F_DET(f, name)
    _F_LABEL(f, hit.label)
    _F_INDEX(f, message_index)
    _F_SPAN(f, span)
    _F_SCORE(f, score)
    _F_EXPL(f, expl)
    _F_ATTRS(f, ())
    return f
