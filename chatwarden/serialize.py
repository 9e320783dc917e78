"""Plain-data forms of domain values, shared by the CLI, the web app and the store.

The JSON shapes here are the documented output schema (docs/parse-schema.md); change them
only together with the docs and their tests.
"""

from __future__ import annotations

from typing import Any

from chatwarden.model import (
    Attachment,
    Chat,
    Decision,
    Explanation,
    Finding,
    MediaMember,
    Message,
    ParseWarning,
    Participant,
    SystemEvent,
)

SCHEMA_VERSION = 1


def attachment_dict(a: Attachment) -> dict[str, Any]:
    return {
        "name": a.name,
        "media_type": a.media_type,
        "member": a.member,
        "sha256": a.sha256,
        "size": a.size,
        "missing": a.missing,
        "omitted": a.omitted,
    }


def event_dict(e: SystemEvent | None) -> dict[str, Any] | None:
    if e is None:
        return None
    out: dict[str, Any] = {"actor": e.actor, "subject": e.subject}
    if e.value is not None:
        out["value"] = e.value
    if e.timer_days is not None:
        out["timer_days"] = e.timer_days
    if e.language is not None:
        out["language"] = e.language
    return out


def message_dict(m: Message) -> dict[str, Any]:
    out: dict[str, Any] = {
        "index": m.index,
        "timestamp": m.timestamp.isoformat(timespec="seconds"),
        "sender": m.sender,
        "sender_phone": m.sender_phone,
        "text": m.text,
        "kind": m.kind,
        "attachments": [attachment_dict(a) for a in m.attachments],
        "line": m.line,
        "end_line": m.end_line,
        "edited": m.edited,
        "event": event_dict(m.event),
    }
    out["continuations"] = [{"line": n.line, "reason": n.reason} for n in m.continuations]
    return out


def participant_dict(p: Participant) -> dict[str, Any]:
    return {"name": p.name, "phone": p.phone, "messages": p.messages, "first_line": p.first_line, "seen_in": p.seen_in}


def media_dict(m: MediaMember) -> dict[str, Any]:
    return {"name": m.name, "size": m.size, "sha256": m.sha256, "referenced": m.referenced}


def chat_dict(c: Chat, *, with_participants: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": c.name,
        "name_source": c.name_source,
        "source": c.source,
        "sha256": c.sha256,
        "size": c.size,
        "platform": c.platform,
        "date_order": c.date_order,
        "date_order_reason": c.date_order_reason,
        "encoding": c.encoding,
        "chat_member": c.chat_member,
        "is_group": c.is_group,
        "lines": c.lines,
    }
    if with_participants:
        out["participants"] = [participant_dict(p) for p in c.participants]
        out["media"] = [media_dict(m) for m in c.media]
    return out


def warning_dict(w: ParseWarning) -> dict[str, Any]:
    return {"code": w.code, "line": w.line, "detail": w.detail}


def explanation_dict(e: Explanation) -> dict[str, Any]:
    return {
        "detector": e.detector,
        "version": e.version,
        "pattern": e.pattern,
        "validation": e.validation,
        "context": list(e.context),
        "related_messages": list(e.related_messages),
        "score": round(e.score, 4),
        "reason": e.reason,
    }


def finding_dict(f: Finding) -> dict[str, Any]:
    return {
        "detector": f.detector,
        "label": f.label,
        "message_index": f.message_index,
        "span": None if f.span is None else [f.span.start, f.span.end],
        "score": round(f.score, 4),
        "explanation": explanation_dict(f.explanation),
    }


def decision_dict(d: Decision) -> dict[str, Any]:
    return {
        "rule": d.rule,
        "title": d.title,
        "category": d.category,
        "severity": d.severity,
        "message_index": d.message_index,
        "span": None if d.span is None else [d.span.start, d.span.end],
        "citation": {"document": d.citation.document, "section": d.citation.section, "quote": d.citation.quote},
        "action": d.action,
        "explanation": d.explanation,
        "score": round(d.score, 4),
        "evidence": [finding_dict(f) for f in d.findings],
    }
