"""The message envelope: one message as a capture connector hands it to chatwarden.

Connectors (archiving gateways, the WhatsApp Business Cloud API webhook, a back-scan of
archives) all speak this one JSON shape, version 1.  The JSON Schema beside this module
(``envelope.schema.json``) describes it for connector authors; :func:`validate` is the
strict check chatwarden itself runs (hand-written for speed and for reasons that name the
field).  Both agree on every case in ``tests/stream/test_envelope.py``.

::

    {
      "version": 1,
      "source": "whatsapp-cloud-api",          # connector name, [a-z0-9][a-z0-9._-]{0,63}
      "account": "106540352242922",            # capturing account / business number id
      "device": null,                          # device id of the force phone, when known
      "chat": {"id": "447700900123", "name": "Response Team B", "is_group": true},
      "message_id": "wamid.HBgM...",           # the platform's id: stable across retries
      "timestamp": "2026-05-01T09:30:00+01:00",  # RFC 3339 with a zone (Z or +hh:mm)
      "sender": {"id": "447700900123", "name": "PC Sam OKAFOR", "phone": "+447700900123"},
      "kind": "message",                       # chatwarden.model.ALL_KINDS
      "text": "...",
      "attachments": [{"sha256": "<64 hex>", "media_type": "image", "size": 48213,
                       "ref": "graph:1234567890", "name": null, "mime_type": "image/jpeg"}],
      "event": null,                           # system kinds only: actor/subject/value/timer_days
      "edited": false,
      "received_at": "2026-05-01T08:30:01Z"    # optional: when the connector received it
    }

Rejections carry one reason per problem, each naming the field (``chat.id: required``,
``attachments[0].sha256: not 64 lower-case hex characters``); reasons never quote a value.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from chatwarden.errors import InputError
from chatwarden.model import ALL_KINDS, Attachment, Message, SystemEvent

VERSION = 1
MEDIA_TYPES = ("image", "video", "audio", "voice", "sticker", "gif", "document", "contact", "other")
MAX_TEXT = 65_536
MAX_ID = 256
MAX_NAME = 512
MAX_REF = 1024
MAX_ATTACHMENTS = 32
MAX_SIZE = 1 << 40
SCHEMA_FILE = "envelope.schema.json"

_SOURCE = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}\Z")
_HEX64 = re.compile(r"[0-9a-f]{64}\Z")
_PHONE = re.compile(r"\+[1-9][0-9]{6,14}\Z")
_MIME = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\Z")
_RFC3339 = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_KEY = re.compile(r"[a-z_][a-z0-9_]{0,39}\Z")

TOP_FIELDS = ("version", "source", "account", "device", "chat", "message_id", "timestamp", "sender", "kind", "text",
              "attachments", "event", "edited", "received_at")
REQUIRED = ("version", "source", "account", "chat", "message_id", "timestamp", "kind", "text")
CHAT_FIELDS = ("id", "name", "is_group")
SENDER_FIELDS = ("id", "name", "phone")
ATTACHMENT_FIELDS = ("sha256", "media_type", "size", "ref", "name", "mime_type")
EVENT_FIELDS = ("actor", "subject", "value", "timer_days")


class EnvelopeError(InputError):
    """An envelope that fails validation.  ``reasons`` lists every problem, each naming a
    field; none quotes a value."""

    def __init__(self, reasons: list[str], *, source: str | None = None, line: int | None = None) -> None:
        self.reasons = list(reasons)
        super().__init__("envelope rejected: " + "; ".join(self.reasons), source=source, line=line)


@dataclass(frozen=True, slots=True)
class EnvelopeAttachment:
    media_type: str
    ref: str
    sha256: str | None = None
    size: int | None = None
    name: str | None = None
    mime_type: str | None = None


@dataclass(frozen=True, slots=True)
class EnvelopeEvent:
    actor: str | None = None
    subject: str | None = None
    value: str | None = None
    timer_days: float | None = None


@dataclass(frozen=True, slots=True)
class Envelope:
    """One validated message (see the module docstring for the JSON form)."""

    source: str
    account: str
    chat_id: str
    message_id: str
    timestamp: datetime  # timezone-aware
    kind: str
    text: str
    chat_name: str | None = None
    is_group: bool | None = None
    device: str | None = None
    sender_id: str | None = None
    sender_name: str | None = None
    sender_phone: str | None = None
    attachments: tuple[EnvelopeAttachment, ...] = ()
    event: EnvelopeEvent | None = None
    edited: bool = False
    received_at: datetime | None = None

    # ------------------------------------------------------------------ identities
    @property
    def identity(self) -> str:
        """The stored message's identity (40 hex): stable across redeliveries."""
        return message_identity(self.source, self.account, self.message_id)

    @property
    def chat_key(self) -> str:
        return chat_key(self.source, self.account, self.chat_id)

    @property
    def sender(self) -> str | None:
        """The name the reviewer sees: display name, else phone, else platform id."""
        if self.kind.startswith("system:"):
            return None
        return self.sender_name or self.sender_phone or self.sender_id

    # ------------------------------------------------------------------ conversions
    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "version": VERSION, "source": self.source, "account": self.account, "device": self.device,
            "chat": {"id": self.chat_id, "name": self.chat_name, "is_group": self.is_group},
            "message_id": self.message_id, "timestamp": _iso(self.timestamp),
            "sender": None if self.kind.startswith("system:") else
            {"id": self.sender_id, "name": self.sender_name, "phone": self.sender_phone},
            "kind": self.kind, "text": self.text,
            "attachments": [{"sha256": a.sha256, "media_type": a.media_type, "size": a.size, "ref": a.ref,
                             "name": a.name, "mime_type": a.mime_type} for a in self.attachments],
            "event": None if self.event is None else {
                "actor": self.event.actor, "subject": self.event.subject, "value": self.event.value,
                "timer_days": self.event.timer_days},
            "edited": self.edited,
        }
        if self.received_at is not None:
            d["received_at"] = _iso(self.received_at)
        return d

    def to_json(self) -> bytes:
        return orjson.dumps(self.to_dict())

    def local_timestamp(self, tz: str) -> datetime:
        """Wall-clock time in ``tz`` without a zone, as exports record time."""
        return self.timestamp.astimezone(_zone(tz)).replace(tzinfo=None)

    def to_message(self, index: int, tz: str = "Europe/London") -> Message:
        atts = tuple(Attachment(name=a.name, media_type=a.media_type, member=None, sha256=a.sha256, size=a.size)
                     for a in self.attachments)
        ev = None
        if self.event is not None:
            ev = SystemEvent(actor=self.event.actor, subject=self.event.subject, value=self.event.value,
                             timer_days=self.event.timer_days)
        lines = self.text.count("\n")
        return Message(index, self.local_timestamp(tz), self.sender, self.text, self.kind, 0, lines,
                       self.sender_phone, atts, self.edited, ev)


def message_identity(source: str, account: str, message_id: str) -> str:
    """sha1(source, account, message id): the ``messages.identity`` of a streamed message.
    For ``source == "export"`` (back-scans of exports) the message id already is the
    import's identity and is used as it is."""
    if source == "export" and len(message_id) == 40:
        return message_id
    raw = f"{source}\x1f{account}\x1f{message_id}"
    return hashlib.sha1(raw.encode("utf-8", "surrogatepass")).hexdigest()


def chat_key(source: str, account: str, chat_id: str) -> str:
    """The ``chats.key`` of a streamed chat.  For ``source == "export"`` the chat id
    already is the import's chat key and is used as it is."""
    if source == "export" and len(chat_id) == 64:
        return chat_id
    raw = f"stream\x1f{source}\x1f{account}\x1f{chat_id}"
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


@lru_cache(maxsize=16)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _iso(dt: datetime) -> str:
    if dt.utcoffset() == UTC.utcoffset(None):
        return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return dt.isoformat()


# ------------------------------------------------------------------------------------ validation
def _field_name(key: Any) -> str:
    """An unknown key is named only when it looks like a field name (it could be data)."""
    text = str(key)
    return text if _KEY.match(text) else "(a key that is not a field name)"


def _check_keys(obj: dict, allowed: tuple[str, ...], where: str, problems: list[str]) -> None:
    for k in obj:
        if k not in allowed:
            problems.append(f"{where}{_field_name(k)}: unknown field")


def _opt_str(obj: dict, key: str, where: str, problems: list[str], limit: int, *, control_ok: bool = False) -> None:
    v = obj.get(key)
    if v is None:
        return
    if not isinstance(v, str):
        problems.append(f"{where}{key}: must be a string or null")
    elif len(v) > limit:
        problems.append(f"{where}{key}: longer than {limit} characters")
    elif not control_ok and _CONTROL.search(v):
        problems.append(f"{where}{key}: contains control characters")


def _req_str(obj: dict, key: str, where: str, problems: list[str], limit: int) -> None:
    v = obj.get(key)
    if key not in obj or v is None:
        problems.append(f"{where}{key}: required")
    elif not isinstance(v, str):
        problems.append(f"{where}{key}: must be a string")
    elif not v:
        problems.append(f"{where}{key}: must not be empty")
    elif len(v) > limit:
        problems.append(f"{where}{key}: longer than {limit} characters")
    elif _CONTROL.search(v):
        problems.append(f"{where}{key}: contains control characters")


def parse_timestamp(value: Any, name: str, problems: list[str]) -> datetime | None:
    if not isinstance(value, str):
        problems.append(f"{name}: must be an RFC 3339 string")
        return None
    m = _RFC3339.match(value)
    if m is None:
        if re.match(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?(\.\d+)?\Z", value):
            problems.append(f"{name}: no time zone (add Z or an offset such as +01:00)")
        else:
            problems.append(f"{name}: not an RFC 3339 date-time (YYYY-MM-DDThh:mm:ss with Z or +hh:mm)")
        return None
    year = int(m.group(1))
    if not 2000 <= year <= 2100:
        problems.append(f"{name}: year outside 2000-2100")
        return None
    frac = m.group(7) or ""
    zone = m.group(8)
    text = value[: m.start(7)] if frac else value[: m.start(8)]
    if frac:
        text += frac[:7]  # at most microseconds
    text += "+00:00" if zone == "Z" else zone
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        problems.append(f"{name}: not a real date or time")
        return None
    off = dt.utcoffset()
    if off is not None and abs(off.total_seconds()) > 18 * 3600:
        problems.append(f"{name}: time zone offset out of range")
        return None
    return dt


_TOP_SET = frozenset(TOP_FIELDS)
_CHAT_SET = frozenset(CHAT_FIELDS)
_SENDER_SET = frozenset(SENDER_FIELDS)


def _plain(v: Any, limit: int) -> bool:
    """A non-empty string within ``limit`` without control characters."""
    return type(v) is str and 0 < len(v) <= limit and _CONTROL.search(v) is None


def _fast(obj: Any) -> Envelope | None:
    """The envelope of a plain, well-formed message (no attachments, no event) in fewer
    steps than :func:`_check`; None for anything else, which :func:`_check` then judges.
    Accepts only what :func:`_check` accepts, building the same envelope
    (``tests/stream/test_envelope.py`` compares the two)."""
    if type(obj) is not dict or not _TOP_SET.issuperset(obj):
        return None
    version = obj.get("version")
    src = obj.get("source")
    account = obj.get("account")
    message_id = obj.get("message_id")
    device = obj.get("device")
    if type(version) is not int or version != VERSION or type(src) is not str or _SOURCE.match(src) is None \
            or not _plain(account, MAX_ID) or not _plain(message_id, MAX_ID) \
            or (device is not None and (type(device) is not str or len(device) > MAX_ID
                                        or _CONTROL.search(device) is not None)):
        return None
    chat = obj.get("chat")
    if type(chat) is not dict or not _CHAT_SET.issuperset(chat):
        return None
    chat_id, chat_name, is_group = chat.get("id"), chat.get("name"), chat.get("is_group")
    if not _plain(chat_id, MAX_ID) or (is_group is not None and type(is_group) is not bool) \
            or (chat_name is not None and (type(chat_name) is not str or len(chat_name) > MAX_NAME
                                           or _CONTROL.search(chat_name) is not None)):
        return None
    kind, text = obj.get("kind"), obj.get("text")
    if type(kind) is not str or kind not in ALL_KINDS or type(text) is not str or len(text) > MAX_TEXT:
        return None
    sender = obj.get("sender")
    s_id = s_name = s_phone = None
    if kind.startswith("system:"):
        if sender is not None:
            return None
    else:
        if type(sender) is not dict or not _SENDER_SET.issuperset(sender):
            return None
        s_id, s_name, s_phone = sender.get("id"), sender.get("name"), sender.get("phone")
        for v, limit in ((s_id, MAX_ID), (s_name, MAX_NAME)):
            if v is not None and (type(v) is not str or len(v) > limit or _CONTROL.search(v) is not None):
                return None
        if s_phone is not None and (type(s_phone) is not str or _PHONE.match(s_phone) is None):
            return None
        if not (s_id or s_name or s_phone):
            return None
    atts = obj.get("attachments")
    if (atts is not None and (type(atts) is not list or atts)) or obj.get("event") is not None:
        return None
    edited = obj.get("edited", False)
    if edited is None:
        edited = False
    elif type(edited) is not bool:
        return None
    problems: list[str] = []
    ts = obj.get("timestamp")
    ts = parse_timestamp(ts, "timestamp", problems) if ts is not None else None
    received = obj.get("received_at")
    if received is not None:
        received = parse_timestamp(received, "received_at", problems)
    if ts is None or problems:
        return None
    return Envelope(src, account, chat_id, message_id, ts, kind, text, chat_name, is_group, device, s_id, s_name,
                    s_phone, (), None, edited, received)


def validate(obj: Any) -> tuple[Envelope | None, list[str]]:
    """Check a decoded JSON value; return (envelope, []) or (None, reasons)."""
    env = _fast(obj)
    if env is not None:
        return env, []
    return _check(obj)


def _check(obj: Any) -> tuple[Envelope | None, list[str]]:
    """The full check: every problem, each naming its field."""
    problems: list[str] = []
    if not isinstance(obj, dict):
        return None, ["envelope: must be a JSON object"]
    _check_keys(obj, TOP_FIELDS, "", problems)
    for k in REQUIRED:
        if k not in obj or (obj[k] is None and k != "text"):
            problems.append(f"{k}: required")
    version = obj.get("version")
    if "version" in obj and version is not None and (type(version) is not int or version != VERSION):
        problems.append(f"version: must be {VERSION}")
    src = obj.get("source")
    if src is not None and (not isinstance(src, str) or not _SOURCE.match(src)):
        problems.append("source: must match [a-z0-9][a-z0-9._-]{0,63}")
    if obj.get("account") is not None:
        _req_str(obj, "account", "", problems, MAX_ID)
    _opt_str(obj, "device", "", problems, MAX_ID)
    if obj.get("message_id") is not None:
        _req_str(obj, "message_id", "", problems, MAX_ID)

    chat = obj.get("chat")
    chat_id = chat_name = is_group = None
    if chat is not None:
        if not isinstance(chat, dict):
            problems.append("chat: must be an object")
        else:
            _check_keys(chat, CHAT_FIELDS, "chat.", problems)
            _req_str(chat, "id", "chat.", problems, MAX_ID)
            _opt_str(chat, "name", "chat.", problems, MAX_NAME)
            g = chat.get("is_group")
            if g is not None and not isinstance(g, bool):
                problems.append("chat.is_group: must be true, false or null")
            chat_id, chat_name, is_group = chat.get("id"), chat.get("name"), g

    ts = parse_timestamp(obj["timestamp"], "timestamp", problems) if obj.get("timestamp") is not None else None
    received = None
    if obj.get("received_at") is not None:
        received = parse_timestamp(obj["received_at"], "received_at", problems)

    kind = obj.get("kind")
    is_system = False
    if kind is not None:
        if not isinstance(kind, str) or kind not in ALL_KINDS:
            problems.append("kind: not a known message kind (see chatwarden.model)")
            kind = None
        else:
            is_system = kind.startswith("system:")

    text = obj.get("text")
    if "text" in obj:
        if not isinstance(text, str):
            problems.append("text: must be a string")
        elif len(text) > MAX_TEXT:
            problems.append(f"text: longer than {MAX_TEXT} characters")

    sender = obj.get("sender")
    s_id = s_name = s_phone = None
    if sender is not None:
        if not isinstance(sender, dict):
            problems.append("sender: must be an object or null")
        else:
            _check_keys(sender, SENDER_FIELDS, "sender.", problems)
            _opt_str(sender, "id", "sender.", problems, MAX_ID)
            _opt_str(sender, "name", "sender.", problems, MAX_NAME)
            p = sender.get("phone")
            if p is not None and (not isinstance(p, str) or not _PHONE.match(p)):
                problems.append("sender.phone: must be E.164 (+ and 7 to 15 digits) or null")
            s_id, s_name, s_phone = sender.get("id"), sender.get("name"), sender.get("phone")
            if is_system:
                problems.append("sender: must be null for a system event")
            elif not any(isinstance(v, str) and v for v in (s_id, s_name, s_phone)):
                problems.append("sender: needs at least one of id, name, phone")
    elif kind is not None and not is_system:
        problems.append("sender: required for a message from a person")

    atts_out: list[EnvelopeAttachment] = []
    atts = obj.get("attachments")
    if atts is not None:
        if not isinstance(atts, list):
            problems.append("attachments: must be a list")
        elif len(atts) > MAX_ATTACHMENTS:
            problems.append(f"attachments: more than {MAX_ATTACHMENTS}")
        else:
            for i, a in enumerate(atts):
                w = f"attachments[{i}]."
                if not isinstance(a, dict):
                    problems.append(f"attachments[{i}]: must be an object")
                    continue
                n0 = len(problems)
                _check_keys(a, ATTACHMENT_FIELDS, w, problems)
                h = a.get("sha256")
                if h is not None and (not isinstance(h, str) or not _HEX64.match(h)):
                    problems.append(f"{w}sha256: not 64 lower-case hex characters")
                mt = a.get("media_type")
                if mt is None:
                    problems.append(f"{w}media_type: required")
                elif mt not in MEDIA_TYPES:
                    problems.append(f"{w}media_type: must be one of {', '.join(MEDIA_TYPES)}")
                size = a.get("size")
                if size is not None and (type(size) is not int or not 0 <= size <= MAX_SIZE):
                    problems.append(f"{w}size: must be a whole number of bytes (0 to 2^40) or null")
                _req_str(a, "ref", w, problems, MAX_REF)
                _opt_str(a, "name", w, problems, MAX_NAME)
                mime = a.get("mime_type")
                if mime is not None and (not isinstance(mime, str) or not _MIME.match(mime)):
                    problems.append(f"{w}mime_type: not a media type such as image/jpeg")
                if len(problems) == n0:
                    atts_out.append(EnvelopeAttachment(mt, a["ref"], h, size, a.get("name"), mime))

    event = obj.get("event")
    ev_out = None
    if event is not None:
        if not isinstance(event, dict):
            problems.append("event: must be an object or null")
        else:
            _check_keys(event, EVENT_FIELDS, "event.", problems)
            for k in ("actor", "subject", "value"):
                _opt_str(event, k, "event.", problems, MAX_NAME)
            td = event.get("timer_days")
            if td is not None and (isinstance(td, bool) or not isinstance(td, (int, float)) or not 0 <= td <= 366):
                problems.append("event.timer_days: must be a number of days (0 to 366) or null")
            if kind is not None and not is_system:
                problems.append("event: only system events carry one")
            ev_out = EnvelopeEvent(event.get("actor"), event.get("subject"), event.get("value"),
                                   float(td) if isinstance(td, (int, float)) and not isinstance(td, bool) else None)

    edited = obj.get("edited", False)
    if edited is None:
        edited = False
    if not isinstance(edited, bool):
        problems.append("edited: must be true or false")

    if problems:
        return None, problems
    return Envelope(
        source=src, account=obj["account"], chat_id=chat_id, message_id=obj["message_id"], timestamp=ts,
        kind=kind, text=text, chat_name=chat_name, is_group=is_group, device=obj.get("device"),
        sender_id=s_id, sender_name=s_name, sender_phone=s_phone, attachments=tuple(atts_out), event=ev_out,
        edited=edited, received_at=received,
    ), []


def parse_envelope(data: bytes | str | dict) -> Envelope:
    """Decode (when given bytes or text) and validate; raise :class:`EnvelopeError`."""
    obj: Any = data
    if isinstance(data, (bytes, bytearray, memoryview, str)):
        try:
            obj = orjson.loads(data)
        except orjson.JSONDecodeError:
            raise EnvelopeError(["envelope: not valid JSON (UTF-8)"]) from None
    env, problems = validate(obj)
    if env is None:
        raise EnvelopeError(problems)
    return env


def schema() -> dict[str, Any]:
    """The shipped JSON Schema (draft 2020-12)."""
    from importlib import resources

    return orjson.loads((resources.files("chatwarden.stream") / SCHEMA_FILE).read_bytes())
