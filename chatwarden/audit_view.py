"""Reading the audit trail (who viewed or changed what), for the CLI and the web app."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from chatwarden.model import Actor
from chatwarden.permissions import require
from chatwarden.store import Store, audit
from chatwarden.store.tables import audit_log


def list_entries(store: Store, actor: Actor, *, actor_filter: str | None = None, action: str | None = None,
                 subject: str | None = None, before_id: int | None = None, limit: int = 50) -> list[dict[str, Any]]:
    require(actor, "audit.view")
    q = select(audit_log).order_by(audit_log.c.id.desc()).limit(max(1, min(limit, 500)))
    if actor_filter:
        q = q.where((audit_log.c.actor_name == actor_filter) | (audit_log.c.actor_id == actor_filter))
    if action:
        q = q.where(audit_log.c.action.like(action.replace("*", "%")))
    if subject:
        kind, _, sid = subject.partition(":")
        q = q.where(audit_log.c.subject_type == kind)
        if sid:
            q = q.where(audit_log.c.subject_id == sid)
    if before_id:
        q = q.where(audit_log.c.id < before_id)
    with store.read() as conn:
        return [dict(r) for r in conn.execute(q).mappings()]


def chain_status(store: Store, actor: Actor) -> audit.AuditVerification:
    require(actor, "audit.view")
    with store.read() as conn:
        return audit.verify(conn)
