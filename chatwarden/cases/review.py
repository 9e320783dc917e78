"""The review queue and triage: confirm, dismiss with a reason, escalate to a case.

Dismissing a finding of a four-eyes severity (high and critical by default) needs a second
reviewer: the first dismissal puts it in ``pending-second``; another person approves
(``dismissed``) or rejects it (back to ``open``).  Nobody approves their own dismissal.
Reading a finding with its message text is audited.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from chatwarden.errors import NotFoundError, WorkflowError
from chatwarden.model import Actor
from chatwarden.permissions import PSEUDONYMISED_ROLES, allowed, require
from chatwarden.store import Store, audit, records
from chatwarden.store.tables import findings, messages, reviews

ESCALATION_KINDS = ("misconduct-referral", "data-protection-incident", "supervisor-advice")
STATUSES = ("open", "confirmed", "dismissed", "escalated", "pending-second")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def review_queue(store: Store, actor: Actor, *, status: str | None = "open", category: str | None = None,
                 severity: str | None = None, chat_id: int | None = None, person: str | None = None,
                 rule: str | None = None, after_id: int | None = None, limit: int = 50) -> list[dict[str, Any]]:
    """A page of findings (no message text) for the queue."""
    require(actor, "finding.view")
    if status is not None and status not in STATUSES:
        raise WorkflowError(f"unknown status {status!r} (one of {', '.join(STATUSES)})")
    limit = max(1, min(limit, 500))
    with store.read() as conn:
        rows = records.queue(conn, status=status, category=category, severity=severity, chat_id=chat_id,
                             person=person, rule=rule, after_id=after_id, limit=limit)
    masked = pseudonymise(actor)
    out = []
    for r in rows:
        d = {k: r[k] for k in ("id", "chat_id", "message_id", "rule", "title", "category", "severity", "score",
                               "status", "case_id", "subject", "policy_version", "created_at", "chat_name",
                               "sender", "timestamp")}
        if masked:
            d["sender"] = None if d["sender"] is None else "(masked)"
            d["subject"] = "(masked)" if d["subject"] else ""
        out.append(d)
    return out


def pseudonymise(actor: Actor) -> bool:
    """First-line reviewers see "Participant A" instead of names when the setting is on
    (applied by the caller that knows the setting) and they cannot unmask."""
    return bool(set(actor.roles) & PSEUDONYMISED_ROLES) and not allowed(actor, "finding.unmask") and _MASK[0]


_MASK = [False]


def set_pseudonymised_review(on: bool) -> None:
    _MASK[0] = on


def finding_detail(store: Store, actor: Actor, finding_id: int, *, context: int = 5) -> dict[str, Any]:
    """A finding with the conversation around its message.  The read is audited."""
    require(actor, "finding.view")
    require(actor, "message.view")
    with store.transaction() as conn:
        f = dict(records.get_finding(conn, finding_id))
        thread = []
        if f["message_id"] is not None:
            seq = conn.execute(select(messages.c.seq).where(messages.c.id == f["message_id"])).scalar_one()
            before = conn.execute(select(messages).where(messages.c.chat_id == f["chat_id"], messages.c.seq <= seq)
                                  .order_by(messages.c.seq.desc()).limit(context + 1)).mappings().all()
            after = conn.execute(select(messages).where(messages.c.chat_id == f["chat_id"], messages.c.seq > seq)
                                 .order_by(messages.c.seq).limit(context)).mappings().all()
            thread = [dict(r) for r in reversed(before)] + [dict(r) for r in after]
        history = [dict(r) for r in conn.execute(select(reviews).where(reviews.c.finding_id == finding_id)
                                                  .order_by(reviews.c.id)).mappings()]
        audit.record(conn, actor, "view", "finding", finding_id,
                     after={"message_id": f["message_id"], "context_messages": len(thread)})
    if pseudonymise(actor):
        names: dict[str, str] = {}
        for m in thread:
            if m["sender"] is not None:
                m["sender"] = names.setdefault(m["sender"], f"Participant {chr(65 + len(names) % 26)}")
    f["thread"] = thread
    f["reviews"] = history
    return f


def _transition(conn: Connection, actor: Actor, f: Any, new_status: str, action: str, reason: str | None,
                extra: dict | None = None) -> None:
    before = {"status": f["status"], "case_id": f["case_id"]}
    values = {"status": new_status, "updated_at": _now()}
    if extra:
        values.update(extra)
    conn.execute(update(findings).where(findings.c.id == f["id"]).values(**values))
    conn.execute(insert(reviews).values(finding_id=f["id"], action=action, reason=reason, actor_id=actor.id,
                                        actor_name=actor.name, at=_now()))
    audit.record(conn, actor, f"finding.{action}", "finding", f["id"], before=before,
                 after={"status": new_status, "reason": reason, **(extra or {})})


def confirm(store: Store, actor: Actor, finding_id: int, note: str | None = None) -> str:
    require(actor, "finding.review")
    with store.transaction() as conn:
        f = records.get_finding(conn, finding_id)
        if f["status"] not in ("open", "pending-second"):
            raise WorkflowError(f"finding {finding_id} is {f['status']}; only open findings can be confirmed")
        _transition(conn, actor, f, "confirmed", "confirm", note)
    return "confirmed"


def dismiss(store: Store, actor: Actor, finding_id: int, reason: str, *, four_eyes: tuple[str, ...] = ("high", "critical")) -> str:
    """Dismiss with a reason.  Four-eyes severities go to ``pending-second`` first."""
    require(actor, "finding.review")
    if not reason or not reason.strip():
        raise WorkflowError("a dismissal needs a reason")
    with store.transaction() as conn:
        f = records.get_finding(conn, finding_id)
        if f["status"] != "open":
            raise WorkflowError(f"finding {finding_id} is {f['status']}; only open findings can be dismissed")
        status = "pending-second" if f["severity"] in four_eyes else "dismissed"
        _transition(conn, actor, f, status, "dismiss", reason.strip())
    return status


def approve_dismissal(store: Store, actor: Actor, finding_id: int, note: str | None = None) -> str:
    require(actor, "finding.approve")
    with store.transaction() as conn:
        f = records.get_finding(conn, finding_id)
        if f["status"] != "pending-second":
            raise WorkflowError(f"finding {finding_id} is {f['status']}; nothing awaits a second approval")
        first = conn.execute(select(reviews.c.actor_id).where(reviews.c.finding_id == finding_id,
                                                              reviews.c.action == "dismiss")
                             .order_by(reviews.c.id.desc()).limit(1)).scalar()
        if first == actor.id:
            raise WorkflowError("four-eyes: the second approval must come from a different reviewer")
        _transition(conn, actor, f, "dismissed", "approve-dismissal", note)
    return "dismissed"


def reject_dismissal(store: Store, actor: Actor, finding_id: int, reason: str) -> str:
    require(actor, "finding.approve")
    with store.transaction() as conn:
        f = records.get_finding(conn, finding_id)
        if f["status"] != "pending-second":
            raise WorkflowError(f"finding {finding_id} is {f['status']}; nothing awaits a second approval")
        _transition(conn, actor, f, "open", "reject-dismissal", reason)
    return "open"


def escalate(store: Store, actor: Actor, finding_id: int, *, kind: str, assignee: str, reason: str,
             case_id: int | None = None) -> int:
    """Open a case (or add to an existing one) for this finding; return the case id."""
    require(actor, "finding.review")
    from chatwarden.cases.casework import _new_case

    if kind not in ESCALATION_KINDS:
        raise WorkflowError(f"escalation kind must be one of {', '.join(ESCALATION_KINDS)}")
    with store.transaction() as conn:
        f = records.get_finding(conn, finding_id)
        if f["status"] not in ("open", "confirmed", "pending-second"):
            raise WorkflowError(f"finding {finding_id} is {f['status']}; it cannot be escalated")
        if case_id is None:
            case_id = _new_case(conn, actor, kind=kind, title=f"{f['title']} (finding {finding_id})",
                                assignee=assignee)
        _transition(conn, actor, f, "escalated", "escalate", reason, extra={"case_id": case_id})
    return case_id


def queue_counts(store: Store, actor: Actor) -> dict[str, Any]:
    require(actor, "dashboard.view")
    with store.read() as conn:
        by = conn.execute(select(findings.c.status, findings.c.category, findings.c.severity, func.count())
                          .group_by(findings.c.status, findings.c.category, findings.c.severity)).all()
    out: dict[str, Any] = {"by_status": {}, "open_by_category": {}, "open_by_severity": {}}
    for status, cat, sev, n in by:
        out["by_status"][status] = out["by_status"].get(status, 0) + n
        if status == "open":
            out["open_by_category"][cat] = out["open_by_category"].get(cat, 0) + n
            out["open_by_severity"][sev] = out["open_by_severity"].get(sev, 0) + n
    return out


def get_finding_or_404(store: Store, finding_id: int) -> Any:
    with store.read() as conn:
        try:
            return records.get_finding(conn, finding_id)
        except NotFoundError:
            raise
