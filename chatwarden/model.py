"""Domain values shared by every layer of chatwarden.

Everything here is an immutable value (frozen dataclass with slots): no I/O, no third-party
imports, no behaviour beyond small derived properties.  Parsers produce :class:`Chat`,
:class:`Message` and :class:`ParseWarning`; detectors produce :class:`Finding`; the policy
turns findings into :class:`Decision` values.

Message text is kept byte-exact as it appeared in the export (after decoding); nothing in
this module normalises it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# --------------------------------------------------------------------------------------
# Message kinds.  ``message`` is an ordinary text message; the others carry a sender too
# (a person did something).  System events have no sender and their kind starts with
# ``system:``.
# --------------------------------------------------------------------------------------
KIND_MESSAGE = "message"
SENDER_KINDS = frozenset(
    {
        "message",
        "deleted",  # "This message was deleted" / "You deleted this message"
        "media_omitted",  # "<Media omitted>", "image omitted", "sticker omitted" ...
        "attachment",  # "<attached: X>", "X (file attached)" (body may carry a caption)
        "location",  # "location: https://maps..." or a venue with a URL
        "contact",  # "Contact card omitted" / "X.vcf (file attached)"
        "poll",  # "POLL:" block
        "view_once",  # Android "null" body of a view-once media message
        "missed_call",  # "Missed voice call" / "Missed video call"
    }
)
SYSTEM_KINDS = frozenset(
    {
        "system:encryption",
        "system:group_created",
        "system:subject_changed",
        "system:description_changed",
        "system:description_deleted",
        "system:icon_changed",
        "system:icon_deleted",
        "system:settings_changed",
        "system:participant_added",
        "system:participant_removed",
        "system:participant_left",
        "system:participant_joined_via_link",
        "system:admin_promoted",
        "system:admin_demoted",
        "system:disappearing_on",
        "system:disappearing_off",
        "system:security_code_changed",
        "system:number_changed",
        "system:missed_call",
        "system:blocked",
        "system:unblocked",
        "system:business_account",
        "system:community",
        "system:unknown",
    }
)
ALL_KINDS = SENDER_KINDS | SYSTEM_KINDS


@dataclass(frozen=True, slots=True)
class Attachment:
    """A media file a message refers to.

    ``name`` is the file name as written in the transcript; ``member`` is the archive
    member it was linked to (None when the export has no such file).  ``media_type`` is one
    of image, video, audio, voice, sticker, gif, document, contact, other.
    """

    name: str | None
    media_type: str
    member: str | None = None
    sha256: str | None = None
    size: int | None = None
    missing: bool = False
    omitted: bool = False  # the export was made "without media": only a marker remains


@dataclass(frozen=True, slots=True)
class SystemEvent:
    """What a system line says: who did it (actor) to whom/what (subject).

    ``actor`` and ``subject`` are names or numbers as shown, ``"You"`` being the account
    that made the export.  ``timer_days`` is set for disappearing-message events (0.0 when
    turned off; 1.0 for 24 hours); ``value`` holds a new subject/name where one is given.
    """

    actor: str | None = None
    subject: str | None = None
    value: str | None = None
    timer_days: float | None = None
    language: str | None = None


@dataclass(frozen=True, slots=True)
class ContinuationNote:
    """A line that looked like a message header but was kept as part of a message body."""

    line: int
    reason: str  # "chronology" | "unknown-sender" | "format"


@dataclass(frozen=True, init=False)
class Message:
    """One entry of a chat: a message from a person or a system event.

    ``timestamp`` is the local wall-clock time written in the export (exports carry no time
    zone).  ``line``/``end_line`` are 1-based input line numbers.  ``text`` is the body
    exactly as exported, including invisible marks and internal line breaks.
    ``continuations`` lists lines inside the body that looked like message headers.

    (Frozen like every domain value; the hand-written ``__init__`` sets all fields in one
    step because parsers create millions of these.)
    """

    index: int
    timestamp: datetime
    sender: str | None
    text: str
    kind: str = KIND_MESSAGE
    line: int = 0
    end_line: int = 0
    sender_phone: str | None = None
    attachments: tuple[Attachment, ...] = ()
    edited: bool = False
    event: SystemEvent | None = None
    continuations: tuple[ContinuationNote, ...] = ()

    def __init__(
        self,
        index: int,
        timestamp: datetime,
        sender: str | None,
        text: str,
        kind: str = KIND_MESSAGE,
        line: int = 0,
        end_line: int = 0,
        sender_phone: str | None = None,
        attachments: tuple[Attachment, ...] = (),
        edited: bool = False,
        event: SystemEvent | None = None,
        continuations: tuple[ContinuationNote, ...] = (),
    ) -> None:
        _set_dict(
            self,
            "__dict__",
            {
                "index": index, "timestamp": timestamp, "sender": sender, "text": text, "kind": kind,
                "line": line, "end_line": end_line, "sender_phone": sender_phone, "attachments": attachments,
                "edited": edited, "event": event, "continuations": continuations,
            },
        )

    @property
    def is_system(self) -> bool:
        return self.kind.startswith("system:")


_set_dict = object.__setattr__


@dataclass(frozen=True, slots=True)
class Participant:
    """Someone who posts in a chat or is named by its system events."""

    name: str
    phone: str | None = None
    messages: int = 0
    first_line: int | None = None
    seen_in: str = "sender"  # "sender" | "event"


@dataclass(frozen=True, slots=True)
class MediaMember:
    """A file inside a zip export, hashed at capture."""

    name: str
    size: int
    sha256: str
    referenced: bool = False


@dataclass(frozen=True, slots=True)
class ParseWarning:
    """Something the parser wants a person to know.  Never carries message text."""

    code: str
    line: int | None
    detail: str


@dataclass(frozen=True, slots=True)
class Chat:
    """What is known about one exported chat."""

    name: str | None
    name_source: str | None
    source: str
    sha256: str
    platform: str  # "android" | "ios" | "unknown"
    date_order: str  # "dmy" | "mdy" | "ymd"
    date_order_reason: str  # "day>12" | "year-first" | "chronology" | "hint" | "default"
    participants: tuple[Participant, ...] = ()
    encoding: str = "utf-8"
    chat_member: str | None = None  # the .txt member inside a zip export
    media: tuple[MediaMember, ...] = ()
    lines: int = 0
    size: int = 0
    is_group: bool = False


# --------------------------------------------------------------------------------------
# Detection
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Span:
    """Character offsets into a message's ``text`` (end exclusive)."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Explanation:
    """How a detector reached a finding; rendered for reviewers.  Holds no message text
    beyond what the reviewer is already entitled to see (the matched span is referenced by
    offsets, not copied)."""

    detector: str
    version: str
    pattern: str | None = None
    validation: str | None = None
    context: tuple[str, ...] = ()
    related_messages: tuple[int, ...] = ()
    score: float = 0.0
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Finding:
    """One detector output: a label on a message (or on the whole chat when
    ``message_index`` is None)."""

    detector: str
    label: str
    message_index: int | None
    span: Span | None
    score: float
    explanation: Explanation
    attributes: tuple[tuple[str, Any], ...] = ()

    def attr(self, key: str, default: Any = None) -> Any:
        for k, v in self.attributes:
            if k == key:
                return v
        return default

    def at(self, message_index: int | None) -> Finding:
        """The same finding on another message index (a window of a chat renumbers its
        messages); ``dataclasses.replace`` without its per-call field introspection."""
        if message_index == self.message_index:
            return self
        return Finding(self.detector, self.label, message_index, self.span, self.score, self.explanation,
                       self.attributes)


@dataclass(frozen=True, slots=True)
class Citation:
    document: str
    section: str
    quote: str = ""


@dataclass(frozen=True, slots=True)
class Decision:
    """A policy rule applied to findings: a breach (or a notice) a person should act on."""

    rule: str
    title: str
    category: str
    severity: str
    message_index: int | None
    span: Span | None
    citation: Citation
    action: str
    explanation: str
    findings: tuple[Finding, ...] = field(default=())
    score: float = 1.0


# --------------------------------------------------------------------------------------
# People acting on the system
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Actor:
    """Who does something: a user of the web app, a CLI user, or a service.  Audit entries
    keep ``id`` and ``name`` as text so they survive the account's deletion."""

    id: str
    name: str
    roles: tuple[str, ...] = ()

    @staticmethod
    def system(name: str = "chatwarden") -> "Actor":
        return Actor(f"system:{name}", name, ("system",))
