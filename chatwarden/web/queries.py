"""Read use cases the web pages and the JSON API share and the CLI does not (yet) have:
the dashboard's trends and overdue work, chats and people with their finding history,
the report of one import, media of a message, and unmasking pseudonymised review.

Like every use case they take the store and the actor, check the permission action
first, and never commit outside :meth:`Store.transaction` (reads that reveal message
content are audited in the same transaction).
"""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import and_, case, func, literal, select

from chatwarden.cases.review import pseudonymise
from chatwarden.errors import NotFoundError, WorkflowError
from chatwarden.model import Actor
from chatwarden.permissions import require
from chatwarden.store import Store, audit
from chatwarden.store.tables import (
    audit_log,
    cases,
    chats,
    evidence_packages,
    exports,
    findings,
    media,
    messages,
    participants,
    scans,
)

# When work counts as overdue on the dashboard (days).
FINDING_DUE_DAYS = 7  # an open finding should be triaged within a week
SECOND_APPROVAL_DUE_DAYS = 2  # a dismissal awaiting the second reviewer
HANDOFF_DUE_DAYS = 2  # evidence must reach the evidence and records systems "as soon as possible"
TREND_WEEKS = 12
MEDIA_MAX_BYTES = 25 * 1024**2
IMAGE_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
}


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(at: datetime | None) -> datetime | None:
    if at is None:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


# --------------------------------------------------------------------------- dashboard
def trend(store: Store, actor: Actor, *, weeks: int = TREND_WEEKS) -> list[dict[str, Any]]:
    """Findings per week (of the message's date; a chat-level finding counts in the week it
    was found) by severity, for the most recent ``weeks`` weeks that hold any."""
    require(actor, "dashboard.view")
    day = func.date(func.coalesce(messages.c.timestamp, findings.c.created_at))
    q = (
        select(day.label("day"), findings.c.severity, func.count())
        .select_from(findings.outerjoin(messages, messages.c.id == findings.c.message_id))
        .group_by(day, findings.c.severity)
    )
    with store.read() as conn:
        rows = conn.execute(q).all()
    buckets: dict[date, dict[str, int]] = {}
    for d, sev, n in rows:
        if d is None:
            continue
        day_value = d if isinstance(d, date) else date.fromisoformat(str(d)[:10])
        monday = day_value - timedelta(days=day_value.weekday())
        b = buckets.setdefault(monday, {})
        b[sev] = b.get(sev, 0) + n
    if not buckets:
        return []
    last = max(buckets)
    out = []
    for i in range(weeks - 1, -1, -1):
        monday = last - timedelta(weeks=i)
        b = buckets.get(monday, {})
        out.append(
            {
                "week": monday.isoformat(),
                "total": sum(b.values()),
                **{s: b.get(s, 0) for s in ("low", "medium", "high", "critical")},
            }
        )
    return out


def overdue(store: Store, actor: Actor) -> dict[str, Any]:
    """Work past its due time: open findings, dismissals awaiting a second reviewer, and
    evidence packages with hand-offs still to do."""
    require(actor, "dashboard.view")
    now = _now()
    with store.read() as conn:
        open_late = conn.execute(
            select(func.count(), func.min(findings.c.created_at)).where(
                findings.c.status == "open", findings.c.created_at < now - timedelta(days=FINDING_DUE_DAYS)
            )
        ).one()
        second_late = conn.execute(
            select(func.count()).where(
                findings.c.status == "pending-second",
                findings.c.updated_at < now - timedelta(days=SECOND_APPROVAL_DUE_DAYS),
            )
        ).scalar_one()
        handoff_late = conn.execute(
            select(func.count())
            .select_from(evidence_packages)
            .where(
                evidence_packages.c.created_at < now - timedelta(days=HANDOFF_DUE_DAYS),
                (
                    evidence_packages.c.uploaded_at.is_(None)
                    | evidence_packages.c.recorded_at.is_(None)
                    | evidence_packages.c.supervisor_informed_at.is_(None)
                ),
            )
        ).scalar_one()
        open_cases = conn.execute(select(func.count()).select_from(cases).where(cases.c.status == "open")).scalar_one()
    return {
        "findings": open_late[0],
        "oldest_open": _aware(open_late[1]),
        "second_approvals": second_late,
        "handoffs": handoff_late,
        "open_cases": open_cases,
        "finding_due_days": FINDING_DUE_DAYS,
        "second_due_days": SECOND_APPROVAL_DUE_DAYS,
        "handoff_due_days": HANDOFF_DUE_DAYS,
    }


# --------------------------------------------------------------------------- chats
def list_chats(store: Store, actor: Actor, *, limit: int = 500) -> list[dict[str, Any]]:
    require(actor, "chat.view")
    counts = (
        select(
            findings.c.chat_id,
            func.count().label("findings"),
            func.sum(case((findings.c.status == "open", 1), else_=0)).label("open"),
            func.sum(case((findings.c.status.in_(("confirmed", "escalated")), 1), else_=0)).label("upheld"),
        )
        .group_by(findings.c.chat_id)
        .subquery()
    )
    q = (
        select(
            chats.c.id,
            chats.c.name,
            chats.c.platform,
            chats.c.is_group,
            chats.c.message_count,
            chats.c.first_message_at,
            chats.c.last_message_at,
            func.coalesce(counts.c.findings, 0).label("findings"),
            func.coalesce(counts.c.open, 0).label("open"),
            func.coalesce(counts.c.upheld, 0).label("upheld"),
        )
        .select_from(chats.outerjoin(counts, counts.c.chat_id == chats.c.id))
        .where(chats.c.disposed.is_(False))
        .order_by(func.coalesce(counts.c.open, 0).desc(), chats.c.id)
        .limit(limit)
    )
    with store.read() as conn:
        rows = [dict(r) for r in conn.execute(q).mappings()]
    if pseudonymise(actor):
        for r in rows:
            if not r["is_group"]:
                r["name"] = f"one-to-one chat {r['id']}"
    return rows


def chat_detail(store: Store, actor: Actor, chat_id: int) -> dict[str, Any]:
    """A chat: participants (with their findings), exports, and finding counts by category
    and status."""
    require(actor, "chat.view")
    with store.read() as conn:
        c = conn.execute(select(chats).where(chats.c.id == chat_id)).mappings().first()
        if c is None:
            raise NotFoundError(f"chat {chat_id} not found")
        out = dict(c)
        out["exports"] = [
            dict(r)
            for r in conn.execute(
                select(
                    exports.c.id,
                    exports.c.file_name,
                    exports.c.sha256,
                    exports.c.messages,
                    exports.c.new_messages,
                    exports.c.captured_by,
                    exports.c.captured_at,
                )
                .where(exports.c.chat_id == chat_id)
                .order_by(exports.c.id)
            ).mappings()
        ]
        people = _person_expr()
        per_person = dict(
            conn.execute(
                select(people, func.count())
                .select_from(findings.outerjoin(messages, messages.c.id == findings.c.message_id))
                .where(findings.c.chat_id == chat_id)
                .group_by(people)
            ).all()
        )
        out["participants"] = [
            dict(r) | {"findings": per_person.get(r["name"], 0)}
            for r in conn.execute(
                select(participants.c.name, participants.c.messages, participants.c.seen_in)
                .where(participants.c.chat_id == chat_id)
                .order_by(participants.c.messages.desc(), participants.c.name)
            ).mappings()
        ]
        out["by_category"] = [
            dict(r)
            for r in conn.execute(
                select(findings.c.category, findings.c.status, func.count().label("n"))
                .where(findings.c.chat_id == chat_id)
                .group_by(findings.c.category, findings.c.status)
                .order_by(findings.c.category)
            ).mappings()
        ]
    if pseudonymise(actor):
        if not out["is_group"]:
            out["name"] = f"one-to-one chat {chat_id}"
            for e in out["exports"]:
                e["file_name"] = f"export {e['id']}"
        names: dict[str, str] = {}
        for p in out["participants"]:
            p["name"] = names.setdefault(p["name"], f"Participant {chr(65 + len(names) % 26)}")
    return out


def _person_expr() -> Any:
    return func.coalesce(func.nullif(findings.c.subject, ""), messages.c.sender, literal("(whole chat)")).label(
        "person"
    )


def list_people(store: Store, actor: Actor, *, limit: int = 500) -> list[dict[str, Any]]:
    """Everyone with findings across all chats, most open findings first: repeated conduct
    shows up together."""
    require(actor, "chat.view")
    _names_visible(actor)
    person = _person_expr()
    q = (
        select(
            person,
            func.count().label("findings"),
            func.sum(case((findings.c.status == "open", 1), else_=0)).label("open"),
            func.sum(case((findings.c.status.in_(("confirmed", "escalated")), 1), else_=0)).label("upheld"),
            func.count(func.distinct(findings.c.chat_id)).label("chats"),
            func.max(findings.c.severity_rank).label("worst"),
        )
        .select_from(findings.outerjoin(messages, messages.c.id == findings.c.message_id))
        .group_by(person)
        .order_by(func.count().desc())
        .limit(limit)
    )
    with store.read() as conn:
        rows = [dict(r) for r in conn.execute(q).mappings()]
    from chatwarden.policy.rules import SEVERITIES

    for r in rows:
        r["worst"] = SEVERITIES[r["worst"]] if r["worst"] is not None else None
    return [r for r in rows if r["person"] != "(whole chat)"]


def person_history(store: Store, actor: Actor, name: str, *, limit: int = 500) -> dict[str, Any]:
    """One person's findings across every chat (sender of the message, or the participant
    a chat-level finding is about), with counts by category, chat and status."""
    require(actor, "chat.view")
    require(actor, "finding.view")
    _names_visible(actor)
    from chatwarden.cases.review import review_queue

    rows = review_queue(store, actor, status=None, person=name, limit=limit)
    rows.sort(key=lambda r: r["timestamp"] or r["created_at"].replace(tzinfo=None), reverse=True)
    by: dict[str, dict[str, int]] = {"category": {}, "chat": {}, "status": {}}
    for r in rows:
        for key, value in (
            ("category", r["category"]),
            ("chat", r["chat_name"] or f"chat {r['chat_id']}"),
            ("status", r["status"]),
        ):
            by[key][value] = by[key].get(value, 0) + 1
    return {
        "name": name,
        "findings": rows,
        "by_category": by["category"],
        "by_chat": by["chat"],
        "by_status": by["status"],
        "cases": sorted({r["case_id"] for r in rows if r["case_id"]}),
    }


def _names_visible(actor: Actor) -> None:
    """People pages are lists of names: closed to first-line reviewers while review is
    pseudonymised."""
    if pseudonymise(actor):
        from chatwarden.errors import PermissionDenied

        raise PermissionDenied("permission denied: names are masked in first-line review ('finding.unmask')")


# --------------------------------------------------------------------------- imports
def export_report(store: Store, actor: Actor, export_id: int) -> dict[str, Any]:
    """What one import found: the export, its scan and its findings by rule."""
    require(actor, "finding.view")
    with store.read() as conn:
        e = (
            conn.execute(
                select(exports, chats.c.name.label("chat_name"))
                .select_from(exports.join(chats, chats.c.id == exports.c.chat_id))
                .where(exports.c.id == export_id)
            )
            .mappings()
            .first()
        )
        if e is None:
            raise NotFoundError(f"export {export_id} not found")
        scan = conn.execute(select(scans).where(scans.c.export_id == export_id).order_by(scans.c.id)).mappings().first()
        rows = []
        if scan is not None:
            rows = [
                dict(r)
                for r in conn.execute(
                    select(
                        findings.c.id,
                        findings.c.rule,
                        findings.c.title,
                        findings.c.category,
                        findings.c.severity,
                        findings.c.status,
                        findings.c.citation,
                        findings.c.action,
                        messages.c.timestamp,
                    )
                    .select_from(findings.outerjoin(messages, messages.c.id == findings.c.message_id))
                    .where(findings.c.scan_id == scan["id"])
                    .order_by(findings.c.severity_rank.desc(), findings.c.id)
                    .limit(2000)
                ).mappings()
            ]
    by_category: dict[str, int] = {}
    by_severity: dict[str, int] = {}
    rules: dict[str, dict[str, Any]] = {}
    for r in rows:
        by_category[r["category"]] = by_category.get(r["category"], 0) + 1
        by_severity[r["severity"]] = by_severity.get(r["severity"], 0) + 1
        g = rules.setdefault(
            r["rule"],
            {
                "rule": r["rule"],
                "title": r["title"],
                "category": r["category"],
                "severity": r["severity"],
                "citation": r["citation"],
                "action": r["action"],
                "findings": [],
            },
        )
        g["findings"].append(r)
    out = dict(e)
    out.pop("blob", None)
    if pseudonymise(actor):
        with store.read() as conn:
            group = conn.execute(select(chats.c.is_group).where(chats.c.id == e["chat_id"])).scalar()
        if not group:
            out["chat_name"] = f"one-to-one chat {e['chat_id']}"
            out["file_name"] = f"export {export_id}"
        out["account"] = out["device"] = None
    out["scan"] = dict(scan) if scan else None
    out["findings"] = len(rows)
    out["by_category"] = by_category
    out["by_severity"] = by_severity
    out["rules"] = list(rules.values())
    return out


# --------------------------------------------------------------------------- media
def message_media(store: Store, actor: Actor, message_id: int, n: int) -> tuple[str, bytes, str]:
    """The ``n``-th attachment of a message, read from the stored export (zip): name,
    bytes and content type (images only are given an image type).  Audited."""
    require(actor, "message.view")
    with store.transaction() as conn:
        m = (
            conn.execute(
                select(messages.c.attachments, messages.c.export_id, messages.c.disposed).where(
                    messages.c.id == message_id
                )
            )
            .mappings()
            .first()
        )
        if m is None or m["disposed"]:
            raise NotFoundError(f"message {message_id} not found")
        atts = m["attachments"] or []
        if not 0 <= n < len(atts) or not atts[n].get("member"):
            raise NotFoundError(f"message {message_id} has no stored attachment {n}")
        member = atts[n]["member"]
        e = conn.execute(select(exports.c.blob).where(exports.c.id == m["export_id"])).mappings().one()
        known = conn.execute(
            select(media.c.size).where(media.c.export_id == m["export_id"], media.c.name == member)
        ).first()
        if known is None:
            raise NotFoundError(f"message {message_id}: the attachment is not in the stored export")
        if known.size > MEDIA_MAX_BYTES:
            raise WorkflowError("the attachment is too large to show here; build an evidence package instead")
        path = store.blobs.path(e["blob"])
        try:
            with zipfile.ZipFile(path) as zf:
                info = zf.getinfo(member)
                if info.file_size > MEDIA_MAX_BYTES:
                    raise WorkflowError("the attachment is too large to show here")
                data = zf.read(info)
        except (zipfile.BadZipFile, KeyError, OSError):
            raise NotFoundError(f"message {message_id}: the attachment cannot be read from the stored export") from None
        audit.record(conn, actor, "media.view", "message", message_id, after={"attachment": n, "bytes": len(data)})
    name = PurePosixPath(member).name
    ctype = IMAGE_TYPES.get(PurePosixPath(name).suffix.lower(), "application/octet-stream")
    return name, data, ctype


def is_zip(data: bytes) -> bool:
    return zipfile.is_zipfile(io.BytesIO(data))


# --------------------------------------------------------------------------- pseudonymised review
def unmask(store: Store, actor: Actor, finding_id: int, reason: str) -> None:
    """A supervisor lifts the pseudonyms of one finding for first-line reviewers.  The
    audit entry is the record (who, when, why) that later reads look for."""
    require(actor, "finding.unmask")
    if not reason.strip():
        raise WorkflowError("unmasking needs a reason")
    with store.transaction() as conn:
        if conn.execute(select(findings.c.id).where(findings.c.id == finding_id)).first() is None:
            raise NotFoundError(f"finding {finding_id} not found")
        audit.record(conn, actor, "finding.unmask", "finding", finding_id, after={"reason": reason.strip()})


def unmasked_by(store: Store, finding_id: int) -> dict[str, Any] | None:
    """Who unmasked a finding, if anyone (latest entry)."""
    with store.read() as conn:
        row = (
            conn.execute(
                select(audit_log.c.actor_name, audit_log.c.at)
                .where(
                    and_(
                        audit_log.c.subject_type == "finding",
                        audit_log.c.subject_id == str(finding_id),
                        audit_log.c.action == "finding.unmask",
                    )
                )
                .order_by(audit_log.c.id.desc())
                .limit(1)
            )
            .mappings()
            .first()
        )
    return dict(row) if row else None


def finding_for(store: Store, actor: Actor, finding_id: int, *, context: int = 5) -> dict[str, Any]:
    """:func:`chatwarden.cases.review.finding_detail` plus pseudonym lifting: a masked
    reviewer sees names once a supervisor has unmasked this finding."""
    from chatwarden.cases.review import finding_detail

    f = finding_detail(store, actor, finding_id, context=context)
    f["masked"] = False
    f["unmasked_by"] = None
    if pseudonymise(actor):
        who = unmasked_by(store, finding_id)
        ids = [m["id"] for m in f["thread"]]
        with store.read() as conn:
            real = dict(conn.execute(select(messages.c.id, messages.c.sender).where(messages.c.id.in_(ids))).all())
            others = (
                conn.execute(
                    select(participants.c.name)
                    .where(participants.c.chat_id == f["chat_id"])
                    .order_by(participants.c.id)
                )
                .scalars()
                .all()
            )
        if who is None:
            f["masked"] = True
            f["subject"] = "(masked)" if f.get("subject") else ""
            f["evidence"] = []  # detector evidence can quote names
            _mask_thread(f["thread"], real, others)
        else:
            f["unmasked_by"] = who
            for m in f["thread"]:
                m["sender"] = real.get(m["id"], m["sender"])
    return f


def _mask_thread(thread: list[dict[str, Any]], real: dict[int, str | None], others: list[str]) -> None:
    """Pseudonyms in the text too: the same "Participant X" the core gave each sender (in
    order of appearance), then the chat's other participants; names inside message bodies
    and system events ("… added …") are replaced, and event details dropped."""
    import re

    names: dict[str, str] = {}
    for m in thread:
        sender = real.get(m["id"])
        if sender is not None:
            names.setdefault(sender, f"Participant {chr(65 + len(names) % 26)}")
    for name in others:
        names.setdefault(name, f"Participant {chr(65 + len(names) % 26)}")
    names.pop("You", None)
    if not names:
        return
    pattern = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True) if n.strip()))
    for m in thread:
        m["text"] = pattern.sub(lambda x: names[x.group(0)], m["text"])
        m["event"] = None
        m["sender_phone"] = None


def mask_chat_names(store: Store, actor: Actor, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A one-to-one chat is named after the other person: while review is pseudonymised,
    first-line reviewers see "one-to-one chat N" instead."""
    if not pseudonymise(actor) or not rows:
        return rows
    with store.read() as conn:
        single = set(conn.execute(select(chats.c.id).where(chats.c.is_group.is_(False))).scalars())
    for r in rows:
        if r.get("chat_id") in single:
            r["chat_name"] = f"one-to-one chat {r['chat_id']}"
    return rows
