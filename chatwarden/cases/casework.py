"""Cases opened from findings: misconduct referral, data-protection incident or supervisor
advice.  Assignment, notes, legal hold (CPIA) and closure with an outcome; every step is
audited with who, when and why."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from chatwarden.cases.review import ESCALATION_KINDS
from chatwarden.errors import NotFoundError, WorkflowError
from chatwarden.model import Actor
from chatwarden.permissions import require
from chatwarden.store import Store, audit
from chatwarden.store.tables import audit_log, case_notes, cases, evidence_packages, findings


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _new_case(conn: Connection, actor: Actor, *, kind: str, title: str, assignee: str | None) -> int:
    if kind not in ESCALATION_KINDS:
        raise WorkflowError(f"case kind must be one of {', '.join(ESCALATION_KINDS)}")
    year = _now().year
    n = conn.execute(select(func.count()).select_from(cases)).scalar_one() + 1
    ref = f"CW-{year}-{n:06d}"
    res = conn.execute(insert(cases).values(
        ref=ref, kind=kind, title=title, status="open", assignee=assignee, opened_by=actor.name, opened_at=_now(),
        legal_hold=False, regime="general",
    ).returning(cases.c.id))
    case_id = res.scalar_one()
    audit.record(conn, actor, "case.open", "case", case_id, after={"ref": ref, "kind": kind, "assignee": assignee})
    return case_id


def open_case(store: Store, actor: Actor, *, kind: str, title: str, assignee: str | None = None,
              finding_ids: list[int] | None = None) -> int:
    require(actor, "case.manage")
    with store.transaction() as conn:
        case_id = _new_case(conn, actor, kind=kind, title=title, assignee=assignee)
        for fid in finding_ids or []:
            f = conn.execute(select(findings.c.id, findings.c.status).where(findings.c.id == fid)).first()
            if f is None:
                raise NotFoundError(f"finding {fid} not found")
            conn.execute(update(findings).where(findings.c.id == fid).values(case_id=case_id, status="escalated",
                                                                              updated_at=_now()))
            audit.record(conn, actor, "finding.link-case", "finding", fid, before={"status": f.status},
                         after={"case_id": case_id, "status": "escalated"})
    return case_id


def _case(conn: Connection, case_id: int) -> Any:
    row = conn.execute(select(cases).where(cases.c.id == case_id)).mappings().first()
    if row is None:
        raise NotFoundError(f"case {case_id} not found")
    return row


def assign(store: Store, actor: Actor, case_id: int, assignee: str, reason: str | None = None) -> None:
    require(actor, "case.manage")
    with store.transaction() as conn:
        c = _case(conn, case_id)
        if c["status"] == "closed":
            raise WorkflowError(f"case {c['ref']} is closed")
        conn.execute(update(cases).where(cases.c.id == case_id).values(assignee=assignee))
        audit.record(conn, actor, "case.assign", "case", case_id, before={"assignee": c["assignee"]},
                     after={"assignee": assignee, "reason": reason})


def add_note(store: Store, actor: Actor, case_id: int, text: str) -> int:
    require(actor, "case.manage")
    if not text.strip():
        raise WorkflowError("a note needs text")
    with store.transaction() as conn:
        _case(conn, case_id)
        res = conn.execute(insert(case_notes).values(case_id=case_id, author=actor.name, text=text, at=_now())
                           .returning(case_notes.c.id))
        note_id = res.scalar_one()
        audit.record(conn, actor, "case.note", "case", case_id, after={"note_id": note_id, "chars": len(text)})
    return note_id


def set_hold(store: Store, actor: Actor, case_id: int, hold: bool, reason: str) -> None:
    """A legal hold (CPIA: material that may be relevant) stops retention disposing of
    anything linked to the case until it is lifted."""
    require(actor, "case.hold")
    if not reason.strip():
        raise WorkflowError("placing or lifting a hold needs a reason")
    with store.transaction() as conn:
        c = _case(conn, case_id)
        conn.execute(update(cases).where(cases.c.id == case_id).values(legal_hold=hold, hold_reason=reason))
        audit.record(conn, actor, "case.hold" if hold else "case.release", "case", case_id,
                     before={"legal_hold": c["legal_hold"]}, after={"legal_hold": hold, "reason": reason})


def close_case(store: Store, actor: Actor, case_id: int, outcome: str) -> None:
    require(actor, "case.manage")
    if not outcome.strip():
        raise WorkflowError("closing a case needs an outcome")
    with store.transaction() as conn:
        c = _case(conn, case_id)
        if c["status"] == "closed":
            raise WorkflowError(f"case {c['ref']} is already closed")
        conn.execute(update(cases).where(cases.c.id == case_id).values(status="closed", outcome=outcome,
                                                                       closed_at=_now()))
        audit.record(conn, actor, "case.close", "case", case_id, before={"status": c["status"]},
                     after={"status": "closed", "outcome": outcome})


def get_case(store: Store, actor: Actor, case_id: int) -> dict[str, Any]:
    """The case with its findings, notes, evidence packages and a timeline of every
    audited step."""
    require(actor, "case.view")
    with store.transaction() as conn:
        c = dict(_case(conn, case_id))
        c["findings"] = [dict(r) for r in conn.execute(
            select(findings.c.id, findings.c.rule, findings.c.title, findings.c.category, findings.c.severity,
                   findings.c.status, findings.c.chat_id, findings.c.message_id)
            .where(findings.c.case_id == case_id).order_by(findings.c.id)).mappings()]
        c["notes"] = [dict(r) for r in conn.execute(select(case_notes).where(case_notes.c.case_id == case_id)
                                                     .order_by(case_notes.c.id)).mappings()]
        c["packages"] = [dict(r) for r in conn.execute(select(evidence_packages)
                                                        .where(evidence_packages.c.case_id == case_id)
                                                        .order_by(evidence_packages.c.id)).mappings()]
        finding_ids = [str(f["id"]) for f in c["findings"]]
        timeline = conn.execute(
            select(audit_log.c.at, audit_log.c.actor_name, audit_log.c.action, audit_log.c.subject_type,
                   audit_log.c.subject_id, audit_log.c.after)
            .where(((audit_log.c.subject_type == "case") & (audit_log.c.subject_id == str(case_id)))
                   | ((audit_log.c.subject_type == "finding") & (audit_log.c.subject_id.in_(finding_ids or ["-"])))
                   | ((audit_log.c.subject_type == "evidence") & (audit_log.c.action.like("evidence.%"))
                      & (audit_log.c.subject_id.in_([str(p["id"]) for p in c["packages"]] or ["-"]))))
            .order_by(audit_log.c.id)).mappings().all()
        c["timeline"] = [dict(r) for r in timeline]
        audit.record(conn, actor, "view", "case", case_id)
    return c


def list_cases(store: Store, actor: Actor, *, status: str | None = None, assignee: str | None = None) -> list[dict]:
    require(actor, "case.view")
    q = select(cases).order_by(cases.c.id.desc())
    if status:
        q = q.where(cases.c.status == status)
    if assignee:
        q = q.where(cases.c.assignee == assignee)
    with store.read() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]
