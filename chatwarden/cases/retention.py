"""Retention and disposal.

* A message is disposable once the chat's disappearing-message timer (90 days, the
  guidance's setting) plus the configured grace period has passed, unless it carries a
  finding that is still live (open, awaiting a second reviewer, confirmed or escalated), or
  its chat is linked to a case under legal hold (CPIA: material that may be relevant is
  kept until the hold is lifted).
* An evidence package is disposable a configured period after its case closed, unless the
  case is held.
* Disposal removes the content and leaves a tombstone with the SHA-256 of what was removed;
  each run is audited.  ``dry_run`` shows what would go.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import and_, insert, select, update

from chatwarden.model import Actor
from chatwarden.permissions import require
from chatwarden.store import Store, audit
from chatwarden.store.tables import cases, evidence_packages, findings, messages, tombstones

TIMER_DAYS = 90
LIVE = ("open", "pending-second", "confirmed", "escalated")


def _held_chats(conn) -> set[int]:
    q = select(findings.c.chat_id).select_from(findings.join(cases, cases.c.id == findings.c.case_id)) \
        .where(cases.c.legal_hold.is_(True)).distinct()
    return {r[0] for r in conn.execute(q)}


def plan(store: Store, *, now: datetime | None = None) -> dict[str, Any]:
    s = store.settings
    now = now or datetime.now(timezone.utc)
    cutoff = (now - timedelta(days=TIMER_DAYS + s.retention_message_days_after_timer)).replace(tzinfo=None)
    with store.read() as conn:
        held = _held_chats(conn)
        live = select(findings.c.message_id).where(findings.c.status.in_(LIVE), findings.c.message_id.is_not(None))
        q = select(messages.c.id, messages.c.chat_id).where(
            messages.c.disposed.is_(False), messages.c.timestamp < cutoff, messages.c.id.not_in(live))
        rows = conn.execute(q).all()
        msgs = [r.id for r in rows if r.chat_id not in held]
        kept_held = sum(1 for r in rows if r.chat_id in held)
        pkg_cut = now - timedelta(days=s.retention_evidence_days)
        pkgs = conn.execute(select(evidence_packages.c.id, evidence_packages.c.path).select_from(
            evidence_packages.join(cases, cases.c.id == evidence_packages.c.case_id)).where(and_(
                cases.c.status == "closed", cases.c.legal_hold.is_(False), cases.c.closed_at < pkg_cut))).all()
    return {"messages": msgs, "held_messages": kept_held, "packages": [(p.id, p.path) for p in pkgs],
            "cutoff": cutoff.isoformat()}


def run(store: Store, actor: Actor, *, dry_run: bool = False, now: datetime | None = None) -> dict[str, Any]:
    require(actor, "retention.run")
    p = plan(store, now=now)
    result = {"messages": len(p["messages"]), "packages": len(p["packages"]), "held_messages": p["held_messages"],
              "dry_run": dry_run, "cutoff": p["cutoff"]}
    if dry_run:
        return result
    at = datetime.now(timezone.utc)
    with store.transaction() as conn:
        held = _held_chats(conn)  # re-check inside the transaction
        for i in range(0, len(p["messages"]), 500):
            ids = p["messages"][i:i + 500]
            for row in conn.execute(select(messages).where(messages.c.id.in_(ids))).mappings():
                if row["chat_id"] in held:
                    continue
                content = orjson.dumps({k: row[k] for k in ("timestamp", "sender", "kind", "text", "attachments")},
                                       default=str, option=orjson.OPT_SORT_KEYS)
                conn.execute(insert(tombstones).values(
                    subject_type="message", subject_id=row["id"], sha256=hashlib.sha256(content).hexdigest(),
                    reason="retention: disappearing-message period plus grace passed", actor=actor.name,
                    disposed_at=at))
                conn.execute(update(messages).where(messages.c.id == row["id"]).values(
                    text="", sender=None, sender_phone=None, attachments=None, event=None, disposed=True))
        for pid, path in p["packages"]:
            f = Path(path)
            digest = hashlib.sha256(f.read_bytes()).hexdigest() if f.is_file() else "0" * 64
            conn.execute(insert(tombstones).values(subject_type="evidence_package", subject_id=pid, sha256=digest,
                                                   reason="retention: evidence period after case closure passed",
                                                   actor=actor.name, disposed_at=at))
            if f.is_file():
                f.unlink()
        audit.record(conn, actor, "retention.dispose", "store", None, after=result)
    return result
