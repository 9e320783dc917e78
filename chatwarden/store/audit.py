"""The append-only, hash-chained audit log.

Every entry holds the previous entry's hash; its own hash covers its position in the
chain, time, actor (id and name as text, so entries survive account deletion), action,
subject, before/after data and run id.  Database triggers reject UPDATE and DELETE on the
table (SQLite and PostgreSQL; see the first migration).  :func:`verify` recomputes the
chain and names the first entry that was altered, removed or moved.

Entries are written with :func:`record` inside the transaction of the change they record.
Reads of messages and findings are recorded too: the monitors are monitored.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import orjson
from sqlalchemy import Connection, func, insert, select, text

from chatwarden.model import Actor
from chatwarden.store.tables import audit_log

GENESIS = "0" * 64
_PG_LOCK = 0x43484154  # advisory lock id serialising appends on PostgreSQL


def _canon(value: Any) -> Any:
    """JSON-native copy (what the database will give back)."""
    if value is None:
        return None
    return orjson.loads(orjson.dumps(value, default=str, option=orjson.OPT_NON_STR_KEYS))


def _utc_text(at: datetime) -> str:
    if at.tzinfo is not None:
        at = at.astimezone(timezone.utc).replace(tzinfo=None)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%f")


def entry_hash(prev_hash: str, seq: int, at: datetime, actor_id: str, actor_name: str, action: str,
               subject_type: str, subject_id: str | None, before: Any, after: Any, run_id: str | None) -> str:
    body = orjson.dumps(
        [seq, prev_hash, _utc_text(at), actor_id, actor_name, action, subject_type, subject_id, before, after, run_id],
        option=orjson.OPT_SORT_KEYS,
    )
    return hashlib.sha256(body).hexdigest()


def record(conn: Connection, actor: Actor, action: str, subject_type: str, subject_id: Any = None, *,
           before: Any = None, after: Any = None, run_id: str | None = None, at: datetime | None = None) -> str:
    """Append one entry in the caller's transaction; return its hash."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _PG_LOCK})
    last = conn.execute(select(audit_log.c.id, audit_log.c.hash).order_by(audit_log.c.id.desc()).limit(1)).first()
    prev = last.hash if last else GENESIS
    seq = (last.id + 1) if last else 1
    at = at or datetime.now(timezone.utc)
    sid = None if subject_id is None else str(subject_id)
    b, a = _canon(before), _canon(after)
    h = entry_hash(prev, seq, at, actor.id, actor.name, action, subject_type, sid, b, a, run_id)
    conn.execute(insert(audit_log).values(
        id=seq, at=at, actor_id=actor.id, actor_name=actor.name, action=action, subject_type=subject_type,
        subject_id=sid, before=b, after=a, run_id=run_id, prev_hash=prev, hash=h,
    ))
    return h


@dataclass(frozen=True)
class AuditVerification:
    ok: bool
    entries: int
    first_bad_id: int | None = None
    problem: str = ""


def verify(conn: Connection) -> AuditVerification:
    """Recompute the whole chain in id order."""
    prev = GENESIS
    expected_seq = 1
    n = 0
    rows = conn.execute(select(audit_log).order_by(audit_log.c.id)).mappings()
    for row in rows:
        n += 1
        if row["id"] != expected_seq:
            return AuditVerification(False, n, row["id"], f"entry {expected_seq} is missing (chain jumps to {row['id']})")
        if row["prev_hash"] != prev:
            return AuditVerification(False, n, row["id"], "previous-hash link broken (an entry was removed or reordered)")
        h = entry_hash(prev, row["id"], row["at"], row["actor_id"], row["actor_name"], row["action"],
                       row["subject_type"], row["subject_id"], row["before"], row["after"], row["run_id"])
        if h != row["hash"]:
            return AuditVerification(False, n, row["id"], "content does not match its hash (the entry was altered)")
        prev = row["hash"]
        expected_seq += 1
    return AuditVerification(True, n)


def count(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(audit_log)).scalar_one()
