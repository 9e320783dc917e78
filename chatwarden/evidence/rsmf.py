"""RSMF 2.0.0 (Relativity Short Message Format) writer, reader and validator.

An ``.rsmf`` file is an RFC 5322 message (``X-RSMF-Version: 2.0.0``) with a ``text/plain``
preview and one attachment, ``rsmf.zip``, that holds ``rsmf_manifest.json`` and every media
file the manifest refers to.  Review platforms (Relativity, Reveal and others) load it, so a
preserved chat can go to the disclosure team in the form their tools read.

How a WhatsApp export maps to RSMF events:

===============================================  ==========================================
export entry                                     RSMF event
===============================================  ==========================================
a person's message (text, media, poll, ...)      ``message``; ``body`` is the exported text,
                                                 character for character
"This message was deleted"                       ``message`` with ``deleted: true``
"<This message was edited>"                      ``message`` with one ``edits[]`` entry that
                                                 has no ``previous`` (the export keeps only
                                                 the new text)
added / joined by link                           ``join`` (participant: who joined)
left / removed                                   ``leave`` (participant: who left)
end-to-end encryption notice, security code      ``disclaimer``
changed, business-account notices
subject / description / icon / disappearing      ``history`` (participant: who changed it)
timer / settings / admin / number changes,
group created
anything else (an unrecognised system line)      ``unknown``
===============================================  ==========================================

Every event carries ``custom[]`` entries with its source line(s) in the transcript and its
message index (as in ``messages.json``); the conversation carries the export's SHA-256 at
capture.  A message that policy decisions point at gets ``importance: high`` and one
``Policy finding N`` custom entry per decision (rule id, title, category, severity, guidance).

**Time zones.**  WhatsApp exports carry the phone's local wall-clock time and no zone.  By
default timestamps are written as ISO 8601 local times *without* an offset (as the RSMF
samples do), the ``Date`` header uses the RFC 5322 "zone unknown" offset ``-0000``, and the
conversation says so in a ``Timestamps`` custom entry.  Give ``tz`` (for example
``ZoneInfo("Europe/London")``) only when the phone's zone is known: times are then written with
their offset, and a time that falls in a clock-change gap or overlap is flagged on its event.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta, tzinfo
from email import charset as email_charset
from email import encoders
from email.generator import BytesGenerator
from email.header import Header, decode_header, make_header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.parser import BytesParser
from email.policy import compat32
from email.utils import format_datetime, formataddr
from functools import lru_cache
from importlib import resources
from typing import Any

from chatwarden import __version__
from chatwarden.errors import ArchiveError, InputError, IntegrityError
from chatwarden.evidence.names import UniqueNames
from chatwarden.ingest.archive import ArchiveLimits, check_members, member_stream
from chatwarden.ingest.markers import YOU_WORDS
from chatwarden.model import Chat, Decision, Message

__all__ = [
    "EVENT_TYPE_OF_KIND",
    "RSMF_VERSION",
    "build_manifest",
    "build_rsmf",
    "load_schema",
    "read_rsmf",
    "validate_manifest",
]

RSMF_VERSION = "2.0.0"
MANIFEST_NAME = "rsmf_manifest.json"
ZIP_NAME = "rsmf.zip"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)

EVENT_TYPE_OF_KIND: dict[str, str] = {
    "system:participant_added": "join",
    "system:participant_joined_via_link": "join",
    "system:participant_left": "leave",
    "system:participant_removed": "leave",
    "system:encryption": "disclaimer",
    "system:security_code_changed": "disclaimer",
    "system:business_account": "disclaimer",
    "system:group_created": "history",
    "system:subject_changed": "history",
    "system:description_changed": "history",
    "system:description_deleted": "history",
    "system:icon_changed": "history",
    "system:icon_deleted": "history",
    "system:settings_changed": "history",
    "system:disappearing_on": "history",
    "system:disappearing_off": "history",
    "system:admin_promoted": "history",
    "system:admin_demoted": "history",
    "system:number_changed": "history",
    "system:blocked": "history",
    "system:unblocked": "history",
    "system:community": "history",
    "system:missed_call": "unknown",
    "system:unknown": "unknown",
}
_SUBJECT_FIRST = frozenset({"join", "leave"})

_UNFOLD = re.compile(r"\r?\n(?=[ \t])")
MediaSource = Callable[[str], "bytes | None"]


# ======================================================================== manifest
class _People:
    """Participant ids (P1, P2, ...) for names as shown in the export."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []
        self._by_name: dict[str, str] = {}
        self.custodian_id: str | None = None

    def add(self, name: str, *, phone: str | None = None, custom: list[dict[str, str]] | None = None) -> str:
        pid = f"P{len(self.items) + 1}"
        item: dict[str, Any] = {"id": pid, "display": name}
        if phone:
            item["account_id"] = phone
        if custom:
            item["custom"] = custom
        self.items.append(item)
        self._by_name[name] = pid
        return pid

    def get(self, name: str | None) -> str | None:
        """The id for a name an event shows; "You" (in any language) is the custodian."""
        if name is None or not name.strip():
            return None
        pid = self._by_name.get(name) or self._by_name.get(name.strip())
        if pid is not None:
            return pid
        if name.strip() in YOU_WORDS:
            if self.custodian_id is not None:
                return self.custodian_id
            return self.add(name.strip(), custom=[_c("Role", "the account that made the export (custodian not named)")])
        return self.add(name.strip(), custom=[_c("Named by", "a system event only")])


def _c(name: str, value: object) -> dict[str, str]:
    """A custom name/value pair (the schema wants both non-empty)."""
    return {"name": name, "value": str(value) or "-"}


def _timestamp(ts: datetime, tz: tzinfo | None) -> tuple[str, str | None]:
    """ISO 8601 text for an export's wall-clock time, and a note when it is doubtful."""
    if ts.tzinfo is not None:  # already placed in time by the caller
        return (ts if tz is None else ts.astimezone(tz)).isoformat(timespec="seconds"), None
    if tz is None:
        return ts.isoformat(timespec="seconds"), None
    early = ts.replace(tzinfo=tz, fold=0)
    late = ts.replace(tzinfo=tz, fold=1)
    e_off, l_off = early.utcoffset() or timedelta(), late.utcoffset() or timedelta()
    if e_off == l_off:
        return early.isoformat(timespec="seconds"), None
    if e_off > l_off:
        note = "ambiguous local time (the clocks went back); read as the first of the two"
    else:
        note = "local time that did not exist (the clocks went forward); read with the earlier offset"
    return early.isoformat(timespec="seconds"), note


def _decision_text(d: Decision) -> str:
    cite = " ".join(x for x in (d.citation.document, d.citation.section) if x)
    parts = [d.rule, d.title, f"category {d.category}", f"severity {d.severity}"]
    if cite:
        parts.append(f"guidance: {cite}")
    if d.action:
        parts.append(f"action: {d.action}")
    return " | ".join(p for p in parts if p)


def build_manifest(
    chat: Chat,
    messages: Sequence[Message],
    *,
    media: MediaSource,
    custodian: str | None,
    decisions: Sequence[Decision] = (),
    tz: tzinfo | None = None,
    event_collection_id: str | None = None,
) -> tuple[dict[str, Any], dict[str, bytes]]:
    """The RSMF manifest for a chat and the files it refers to (name in ``rsmf.zip`` -> bytes).

    ``media(member)`` returns the bytes of an export member (``Attachment.member``), or None
    when they are not available; bytes whose SHA-256 differs from the one recorded at
    capture raise :class:`~chatwarden.errors.IntegrityError`.
    """
    people = _People()
    for p in chat.participants:
        custom = [_c("Messages in export", p.messages)]
        if p.seen_in == "event":
            custom.append(_c("Named by", "system events only"))
        if custodian is not None and p.name == custodian:
            custom.append(_c("Role", "custodian (the account that made the export)"))
        pid = people.add(p.name, phone=p.phone, custom=custom)
        if custodian is not None and p.name == custodian:
            people.custodian_id = pid
    if custodian is not None and people.custodian_id is None:
        if not custodian.strip():
            raise InputError("the custodian name is blank")
        people.custodian_id = people.add(
            custodian, custom=[_c("Role", "custodian (the account that made the export); posted no message in it")]
        )

    by_message: dict[int, list[Decision]] = {}
    chat_level: list[Decision] = []
    indices = {m.index for m in messages}
    for d in decisions:
        if d.message_index is not None and d.message_index in indices:
            by_message.setdefault(d.message_index, []).append(d)
        else:
            chat_level.append(d)

    names = UniqueNames(reserved=(MANIFEST_NAME,))
    file_of_member: dict[str, str] = {}
    files: dict[str, bytes] = {}
    events: list[dict[str, Any]] = []
    for m in messages:
        events.append(_event(m, people, by_message.get(m.index, ()), tz, media, names, file_of_member, files))

    conv_custom = [
        _c("Source", "WhatsApp chat export"),
        _c("Export SHA-256", chat.sha256),
        _c("Export size (bytes)", chat.size),
        _c("Export platform", chat.platform),
        _c("Date order", f"{chat.date_order} ({chat.date_order_reason})"),
    ]
    if chat.chat_member:
        conv_custom.append(_c("Transcript member", chat.chat_member))
    conv_custom.append(
        _c("Timestamps", "phone's local wall-clock time; the export records no time zone")
        if tz is None
        else _c("Timestamps", f"export's local wall-clock time read as zone {tz}")
    )
    for k, d in enumerate(chat_level, 1):
        where = "" if d.message_index is None else f" (message #{d.message_index}, not in this file)"
        conv_custom.append(_c(f"Policy finding {k}", _decision_text(d) + where))
    conversation: dict[str, Any] = {
        "id": "C1",
        "display": chat.name or "WhatsApp chat",
        "platform": "whatsapp",
        "type": "channel" if chat.is_group else "direct",
        "participants": [p["id"] for p in people.items],
        "custom": conv_custom,
    }
    if people.custodian_id is not None:
        conversation["custodian"] = people.custodian_id
    manifest: dict[str, Any] = {
        "version": RSMF_VERSION,
        "participants": people.items,
        "conversations": [conversation],
        "events": events,
    }
    if event_collection_id:
        manifest["eventcollectionid"] = event_collection_id
    return manifest, files


def _event(
    m: Message,
    people: _People,
    decisions: Sequence[Decision],
    tz: tzinfo | None,
    media: MediaSource,
    names: UniqueNames,
    file_of_member: dict[str, str],
    files: dict[str, bytes],
) -> dict[str, Any]:
    etype = "message" if not m.is_system else EVENT_TYPE_OF_KIND.get(m.kind, "unknown")
    ts, note = _timestamp(m.timestamp, tz)
    ev: dict[str, Any] = {"id": f"m{m.index}", "type": etype, "body": m.text}
    pid: str | None = None
    if not m.is_system:
        pid = people.get(m.sender)
    elif m.event is not None:
        e = m.event
        first, second = (e.subject, e.actor) if etype in _SUBJECT_FIRST else (e.actor, e.subject)
        pid = people.get(first) or people.get(second)
    if pid is not None:
        ev["participant"] = pid
    ev["conversation"] = "C1"
    ev["timestamp"] = ts
    custom = [
        _c("Source line", m.line if m.end_line <= m.line else f"{m.line}-{m.end_line}"),
        _c("Message index", m.index),
    ]
    if m.kind != "message":
        custom.append(_c("Export entry kind", m.kind))
    if note:
        custom.append(_c("Timestamp note", note))
    kept = m.continuations
    if kept:
        custom.append(_c("Header-like lines kept in the body", ", ".join(str(n.line) for n in kept)))
    if m.kind == "deleted":
        ev["deleted"] = True
    if m.edited and pid is not None:
        ev["edits"] = [{"participant": pid}]
        custom.append(_c("Edited", "marked edited in the export; the earlier text is not kept"))
    if people.custodian_id is not None and not m.is_system and pid is not None:
        ev["direction"] = "outgoing" if pid == people.custodian_id else "incoming"
    attachments = []
    for a in m.attachments:
        label = a.name or a.media_type
        if a.omitted:
            custom.append(_c("Media", f"{label}: omitted (export made without media)"))
            continue
        if a.member is None or a.missing:
            custom.append(_c("Media", f"{label}: not in the export"))
            continue
        fname = file_of_member.get(a.member)
        if fname is None:
            data = media(a.member)
            if data is None:
                custom.append(_c("Media", f"{label}: not available when this file was made"))
                continue
            if a.sha256 and hashlib.sha256(data).hexdigest() != a.sha256:
                raise IntegrityError(
                    f"media of message #{m.index} does not match the SHA-256 recorded at capture"
                )
            fname = names.take(a.name or a.member, default="attachment")
            file_of_member[a.member] = fname
            files[fname] = data
        item: dict[str, Any] = {"id": fname, "display": a.name or fname, "size": len(files[fname])}
        attachments.append(item)
        if a.sha256:
            custom.append(_c(f"SHA-256 of {fname}", a.sha256))
    if attachments:
        ev["attachments"] = attachments
    if decisions:
        ev["importance"] = "high"
        for k, d in enumerate(decisions, 1):
            custom.append(_c(f"Policy finding {k}", _decision_text(d)))
    ev["custom"] = custom
    return ev


# ======================================================================== writing
def _zip_bytes(manifest: dict[str, Any], files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        entries = [(MANIFEST_NAME, _json_bytes(manifest)), *sorted(files.items())]
        for name, data in entries:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            zf.writestr(info, data, compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
    return buf.getvalue()


def _json_bytes(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False, indent=2).encode("utf-8")


def _preview(chat: Chat, manifest: dict[str, Any]) -> str:
    display = {p["id"]: p.get("display", p["id"]) for p in manifest["participants"]}
    lines = [chat.name or "WhatsApp chat", ""]
    lines.append("Participants: " + ", ".join(display.values()))
    lines.append(f"Export SHA-256: {chat.sha256}")
    lines.append("")
    for ev in manifest["events"]:
        who = display.get(ev.get("participant", ""), "")
        head = f"[{ev.get('timestamp', '')}]"
        if ev["type"] == "message":
            lines.append(f"{head} {who}: {ev.get('body', '')}")
        else:
            lines.append(f"{head} ({ev['type']}) {ev.get('body', '')}")
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    """Header text: no line breaks or other control characters (no header injection)."""
    return " ".join("".join(" " if ord(c) < 32 or ord(c) == 127 else c for c in text).split())


def _header_text(text: str) -> str:
    text = _one_line(text)
    return text if text.isascii() else Header(text, "utf-8").encode(maxlinelen=76)


def _addr(name: str) -> str:
    return formataddr((_one_line(name), ""), charset="utf-8")


def build_rsmf(
    chat: Chat,
    messages: Sequence[Message],
    *,
    media: MediaSource,
    custodian: str | None,
    decisions: Sequence[Decision] = (),
    generator: str = f"chatwarden {__version__}",
    tz: tzinfo | None = None,
    event_collection_id: str | None = None,
) -> bytes:
    """An RSMF 2.0.0 file (RFC 5322 bytes, CRLF line ends) for a parsed chat.

    ``media`` maps an export member name to its bytes (None when unavailable); ``custodian``
    is the display name of the account the export came from (None when unknown).  The
    output depends only on the inputs: the same chat gives the same bytes.  The manifest is
    checked against the RSMF 2.0.0 schema before anything is returned.
    """
    msgs = list(messages)
    manifest, files = build_manifest(
        chat, msgs, media=media, custodian=custodian, decisions=decisions, tz=tz,
        event_collection_id=event_collection_id,
    )
    problems = validate_manifest(manifest, files=set(files))
    if problems:  # a bug in this module, not a property of the chat: say where, not what
        raise RuntimeError(f"built an invalid RSMF manifest ({len(problems)} problems; first: {problems[0]})")
    zbytes = _zip_bytes(manifest, files)

    utf8_qp = email_charset.Charset("utf-8")
    utf8_qp.header_encoding = email_charset.BASE64
    utf8_qp.body_encoding = email_charset.QP
    outer = MIMEMultipart("mixed", boundary="RSMF-" + hashlib.sha256(zbytes).hexdigest()[:40])
    display = {p["id"]: p.get("display", p["id"]) for p in manifest["participants"]}
    sender = display.get(manifest["conversations"][0].get("custodian", ""))
    others = [d for pid, d in display.items() if pid != manifest["conversations"][0].get("custodian")]
    outer["From"] = _addr(sender) if sender else _addr(generator)
    if others:
        outer["To"] = ", ".join(_addr(o) for o in others)
    outer["Subject"] = _header_text(chat.name or "WhatsApp chat")
    if msgs:
        first = min(msgs, key=lambda m: (m.timestamp.replace(tzinfo=None), m.index)).timestamp
        if tz is not None and first.tzinfo is None:
            first = first.replace(tzinfo=tz)
        outer["Date"] = format_datetime(first)  # naive -> "-0000": zone unknown (RFC 5322 3.3)
    outer["X-RSMF-Version"] = RSMF_VERSION
    outer["X-RSMF-Generator"] = _header_text(generator)
    outer["X-RSMF-EventCount"] = str(len(manifest["events"]))

    preview = MIMEText(_preview(chat, manifest), "plain", utf8_qp)  # type: ignore[arg-type]
    del preview["MIME-Version"]
    outer.attach(preview)
    part = MIMEBase("application", "octet-stream", name=ZIP_NAME)
    part.set_payload(zbytes)
    encoders.encode_base64(part)
    part.add_header("Content-Disposition", "attachment", filename=ZIP_NAME)
    outer.attach(part)

    out = io.BytesIO()
    BytesGenerator(out, mangle_from_=False, maxheaderlen=78, policy=compat32.clone(linesep="\r\n")).flatten(outer)
    return out.getvalue()


# ======================================================================== reading
def read_rsmf(
    data: bytes, *, limits: ArchiveLimits | None = None
) -> tuple[dict[str, str], dict[str, Any], dict[str, bytes]]:
    """Open an ``.rsmf`` file: (headers, manifest, files in ``rsmf.zip`` other than the
    manifest).  Header values are decoded to text; the zip is read with the same guards as
    an export (no traversal, no bombs).  Raises :class:`~chatwarden.errors.InputError` when
    the bytes are not an RSMF file."""
    msg = BytesParser(policy=compat32).parsebytes(data)
    headers: dict[str, str] = {}
    for key, value in msg.items():
        if key not in headers:
            value = _UNFOLD.sub("", str(value))
            try:
                headers[key] = str(make_header(decode_header(value)))
            except (UnicodeDecodeError, LookupError, ValueError):
                headers[key] = value
    if not any(k.lower() == "x-rsmf-version" for k in headers):
        raise InputError("not an RSMF file (no X-RSMF-Version header)")
    zpart = None
    for part in msg.walk():
        if part.get_filename() == ZIP_NAME:
            zpart = part
            break
    if zpart is None:
        raise InputError("the RSMF file has no rsmf.zip attachment")
    payload = zpart.get_payload(decode=True)
    if not isinstance(payload, bytes) or not payload:
        raise InputError("the rsmf.zip attachment is empty")
    lim = limits or ArchiveLimits()
    try:
        zf = zipfile.ZipFile(io.BytesIO(payload))
    except zipfile.BadZipFile:
        raise ArchiveError("rsmf.zip is not a readable zip archive", source=ZIP_NAME) from None
    with zf:
        members = check_members(zf, ZIP_NAME, lim)
        files: dict[str, bytes] = {}
        for info in members:
            files[info.filename] = b"".join(member_stream(zf, info, ZIP_NAME, lim))
    raw = files.pop(MANIFEST_NAME, None)
    if raw is None:
        raise InputError("rsmf.zip holds no rsmf_manifest.json")
    try:
        manifest = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise InputError("rsmf_manifest.json is not valid JSON") from None
    if not isinstance(manifest, dict):
        raise InputError("rsmf_manifest.json is not a JSON object")
    return headers, manifest, files


# ======================================================================== validation
@lru_cache(maxsize=1)
def load_schema() -> dict[str, Any]:
    """The RSMF 2.0.0 manifest schema shipped with chatwarden (see schema/README.md)."""
    text = resources.files("chatwarden.evidence").joinpath("schema", "rsmf_schema_2_0_0.json").read_text("utf-8")
    return json.loads(text)


def _iso8601(value: object) -> bool:
    if not isinstance(value, str):
        return True
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return "T" in value or " " not in value


@lru_cache(maxsize=1)
def _validator() -> Any:
    import jsonschema

    checker = jsonschema.FormatChecker(formats=())
    # The schema asks for ISO 8601 date-times; its own examples have no offset, so the
    # RFC 3339 check jsonschema would apply (offset required) is replaced by an ISO 8601 one.
    checker.checks("date-time")(_iso8601)
    cls = jsonschema.validators.validator_for(load_schema())
    cls.check_schema(load_schema())
    return cls(load_schema(), format_checker=checker)


def _describe(err: Any) -> str:
    """A schema error in words, without the offending value (it may be message text)."""
    path = "/".join(str(p) for p in err.absolute_path) or "(root)"
    kw, want = err.validator, err.validator_value
    if kw == "required":
        missing = [r for r in want if isinstance(err.instance, dict) and r not in err.instance]
        return f"{path}: missing required property {', '.join(missing) or want}"
    if kw == "type":
        return f"{path}: must be of type {want}"
    if kw == "enum":
        return f"{path}: must be one of {', '.join(map(str, want))}"
    if kw == "minLength":
        return f"{path}: must be at least {want} character(s) long"
    if kw == "format":
        return f"{path}: is not a valid {want}"
    return f"{path}: fails the schema's {kw!r} rule"


def validate_manifest(manifest: dict[str, Any], *, files: set[str] | None = None) -> list[str]:
    """Problems with an RSMF manifest: the 2.0.0 JSON Schema, then what the schema's own
    descriptions require but cannot express (ids unique, every participant / conversation /
    parent reference resolves, the custodian is in its conversation) and, when ``files`` (the
    names in ``rsmf.zip``) is given, every attachment, avatar and icon is present.  An
    empty list means valid.  Problems name JSON paths, never values."""
    problems = sorted(_describe(e) for e in _validator().iter_errors(manifest))
    if problems or not isinstance(manifest, dict):
        return problems
    pids = [p.get("id") for p in manifest.get("participants", [])]
    known_p = set(pids)
    if len(known_p) != len(pids):
        problems.append("participants: ids are not unique")
    cids = [c.get("id") for c in manifest.get("conversations", [])]
    known_c = set(cids)
    if len(known_c) != len(cids):
        problems.append("conversations: ids are not unique")
    wanted_files: list[tuple[str, str]] = []
    for i, p in enumerate(manifest.get("participants", [])):
        if "avatar" in p:
            wanted_files.append((f"participants/{i}/avatar", p["avatar"]))
    for i, c in enumerate(manifest.get("conversations", [])):
        for j, ref in enumerate(c.get("participants", [])):
            if ref not in known_p:
                problems.append(f"conversations/{i}/participants/{j}: no such participant")
        if "custodian" in c and c["custodian"] not in c.get("participants", []):
            problems.append(f"conversations/{i}/custodian: not a participant of the conversation")
        if "icon" in c:
            wanted_files.append((f"conversations/{i}/icon", c["icon"]))
    ids_in: dict[str | None, set[str]] = {}
    for i, ev in enumerate(manifest.get("events", [])):
        if "id" in ev:
            seen = ids_in.setdefault(ev.get("conversation"), set())
            if ev["id"] in seen:
                problems.append(f"events/{i}/id: not unique within its conversation")
            seen.add(ev["id"])
    for i, ev in enumerate(manifest.get("events", [])):
        if "participant" in ev and ev["participant"] not in known_p:
            problems.append(f"events/{i}/participant: no such participant")
        if "conversation" in ev and ev["conversation"] not in known_c:
            problems.append(f"events/{i}/conversation: no such conversation")
        if "parent" in ev and ev["parent"] not in ids_in.get(ev.get("conversation"), set()):
            problems.append(f"events/{i}/parent: no such event in the conversation")
        for key in ("edits", "read_receipts"):
            for j, item in enumerate(ev.get(key, [])):
                if item.get("participant") not in known_p:
                    problems.append(f"events/{i}/{key}/{j}/participant: no such participant")
        for j, r in enumerate(ev.get("reactions", [])):
            for k, ref in enumerate(r.get("participants", [])):
                if ref not in known_p:
                    problems.append(f"events/{i}/reactions/{j}/participants/{k}: no such participant")
        for j, a in enumerate(ev.get("attachments", [])):
            wanted_files.append((f"events/{i}/attachments/{j}/id", a["id"]))
    if files is not None:
        for where, name in wanted_files:
            if name not in files:
                problems.append(f"{where}: no such file in rsmf.zip")
    return problems
