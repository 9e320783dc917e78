"""Read/write functions over the tables.  None of them commits: the use case that calls
them owns the transaction (and writes the audit entry in it)."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict
from datetime import datetime, timezone
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import JSON, Connection, DateTime, case, func, insert, or_, select, tuple_, update

from chatwarden.errors import NotFoundError
from chatwarden.model import Chat, Decision, Message
from chatwarden.policy.rules import SEVERITY_RANK
from chatwarden.store.tables import chats, exports, findings, media, messages, metadata, participants, scans


def now() -> datetime:
    return datetime.now(timezone.utc)


# ----------------------------------------------------------------------------------- chats
def chat_key(name: str | None, owner: str | None, fallback: str) -> str:
    """Identity of a chat across exports: WhatsApp gives no chat id, so the title (and the
    exporting account, when known) is the handle; an unnamed chat is keyed by its export."""
    basis = f"name:{name.casefold()}|owner:{owner or ''}" if name else f"export:{fallback}"
    return hashlib.sha256(basis.encode("utf-8")).hexdigest()


def get_or_create_chat(conn: Connection, chat: Chat, owner: str | None) -> tuple[int, bool]:
    key = chat_key(chat.name, owner, chat.sha256)
    row = conn.execute(select(chats.c.id).where(chats.c.key == key)).first()
    if row:
        return row.id, False
    t = now()
    res = conn.execute(insert(chats).values(
        key=key, name=chat.name, platform=chat.platform, is_group=chat.is_group, owner=owner,
        created_at=t, updated_at=t, message_count=0,
    ).returning(chats.c.id))
    return res.scalar_one(), True


def export_by_sha(conn: Connection, sha256: str) -> Any:
    return conn.execute(select(exports).where(exports.c.sha256 == sha256)).mappings().first()


def insert_export(conn: Connection, chat_id: int, chat: Chat, *, file_name: str, blob: str, lines: int,
                  n_messages: int, n_new: int, warnings: list[dict], captured_by: str, device: str | None,
                  account: str | None) -> int:
    res = conn.execute(insert(exports).values(
        chat_id=chat_id, sha256=chat.sha256, file_name=file_name, size=chat.size, platform=chat.platform,
        date_order=chat.date_order, date_order_reason=chat.date_order_reason, encoding=chat.encoding,
        chat_member=chat.chat_member, blob=blob, lines=lines, messages=n_messages, new_messages=n_new,
        warnings=warnings, captured_by=captured_by, device=device, account=account, captured_at=now(),
    ).returning(exports.c.id))
    export_id = res.scalar_one()
    if chat.media:
        conn.execute(insert(media), [
            {"export_id": export_id, "name": m.name, "size": m.size, "sha256": m.sha256, "referenced": m.referenced}
            for m in chat.media
        ])
    return export_id


def upsert_participants(conn: Connection, chat_id: int, chat: Chat) -> None:
    existing = {r.name: r for r in conn.execute(select(participants).where(participants.c.chat_id == chat_id))}
    for p in chat.participants:
        row = existing.get(p.name)
        if row is None:
            conn.execute(insert(participants).values(chat_id=chat_id, name=p.name, phone=p.phone,
                                                     messages=p.messages, seen_in=p.seen_in))
        elif p.messages and p.messages > row.messages:
            conn.execute(update(participants).where(participants.c.id == row.id).values(messages=p.messages))


def add_to_chat_counters(conn: Connection, chat_id: int, added: int, first: datetime | None,
                         last: datetime | None) -> None:
    """Count ``added`` new messages of a chat, sent between ``first`` and ``last``, in its
    counters (as the stream pipeline does), instead of recounting every stored message:
    a recount of a million-message chat reads every row again."""
    c = chats.c
    values: dict[str, Any] = {"message_count": c.message_count + added, "updated_at": now()}
    if first is not None:
        values["first_message_at"] = case((c.first_message_at.is_(None) | (c.first_message_at > first), first),
                                          else_=c.first_message_at)
    if last is not None:
        values["last_message_at"] = case((c.last_message_at.is_(None) | (c.last_message_at < last), last),
                                         else_=c.last_message_at)
    conn.execute(update(chats).where(c.id == chat_id).values(**values))


# -------------------------------------------------------------------------------- messages
class IdentityCounter:
    """Message identity = hash(timestamp, sender, text, n) where n counts identical
    (timestamp, sender, text) messages in order: the same message in two overlapping
    exports gets the same identity; two identical messages in one minute get different
    ones."""

    def __init__(self) -> None:
        self._ts: datetime | None = None
        self._iso = ""
        self._seen: dict[tuple[str | None, str], int] = {}

    def __call__(self, m: Message) -> str:
        ts = m.timestamp
        if ts != self._ts:
            self._ts = ts
            self._iso = ts.isoformat()
            self._seen = {}
        key = (m.sender, m.text)
        n = self._seen.get(key, 0) + 1
        self._seen[key] = n
        raw = f"{self._iso}\x1f{m.sender or ''}\x1f{m.kind}\x1f{m.text}\x1f{n}"
        return hashlib.sha1(raw.encode("utf-8", "surrogatepass")).hexdigest()


def existing_identities(conn: Connection, chat_id: int, identities: Sequence[str]) -> dict[str, int]:
    """identity -> id of the given identities already stored for the chat."""
    out: dict[str, int] = {}
    if not identities:
        return out
    if conn.dialect.name == "postgresql":
        # One probe of the (chat_id, identity) unique index per key, whatever the planner's
        # statistics say.  A plain ``identity IN (...)`` lets PostgreSQL pick the chat_id
        # index and filter every message of the chat against the list when the table's
        # statistics predate a big insert (always, inside an import's own transaction),
        # which made each batch cost O(chat size).
        rows = conn.exec_driver_sql(
            "SELECT k.identity, m.id FROM unnest(%(keys)s::text[]) AS k(identity) CROSS JOIN LATERAL "
            "(SELECT id FROM messages WHERE chat_id = %(chat)s AND identity = k.identity LIMIT 1) AS m",
            {"keys": list(identities), "chat": chat_id})
        return {identity: mid for identity, mid in rows}
    for i in range(0, len(identities), 900):
        part = identities[i:i + 900]
        for row in conn.execute(select(messages.c.identity, messages.c.id)
                                .where(messages.c.chat_id == chat_id, messages.c.identity.in_(part))):
            out[row.identity] = row.id
    return out


def allocate_ids(conn: Connection, table_name: str, n: int) -> list[int]:
    """n fresh primary keys for rows this transaction is about to insert, ascending, so a
    bulk insert need not read its rows back to learn their ids.

    PostgreSQL draws them from the table's sequence (safe beside concurrent writers; the ids
    of a rolled-back transaction are skipped, as with any insert).  SQLite takes the next
    rowids; call it only once the transaction has written (it then holds the database's
    write lock, so no other writer can take them; otherwise a clash fails the insert on the
    primary key rather than mixing rows up)."""
    if n <= 0:
        return []
    if conn.dialect.name == "postgresql":
        got = conn.exec_driver_sql(
            "SELECT nextval(pg_get_serial_sequence(%(t)s, 'id')) FROM generate_series(1, %(n)s)",
            {"t": table_name, "n": n}).scalars().all()
        return sorted(got)
    top = conn.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {table_name}").scalar_one()
    return list(range(top + 1, top + 1 + n))


def max_seq(conn: Connection, chat_id: int) -> int:
    return conn.execute(select(func.coalesce(func.max(messages.c.seq), 0)).where(messages.c.chat_id == chat_id)).scalar_one()


def message_row(chat_id: int, export_id: int, seq: int, identity: str, m: Message) -> dict[str, Any]:
    return {
        "chat_id": chat_id, "identity": identity, "seq": seq, "timestamp": m.timestamp, "sender": m.sender,
        "sender_phone": m.sender_phone, "kind": m.kind, "text": m.text, "edited": m.edited,
        "event": asdict(m.event) if m.event else None,
        "attachments": [asdict(a) for a in m.attachments] if m.attachments else None,
        "continuations": [asdict(c) for c in m.continuations] if m.continuations else None,
        "export_id": export_id, "line": m.line, "disposed": False,
    }


MESSAGE_COLS = ("chat_id", "identity", "seq", "timestamp", "sender", "sender_phone", "kind", "text", "edited",
                "event", "attachments", "continuations", "export_id", "line", "disposed")
_JSON_COLS = frozenset({"event", "attachments", "continuations"})


def _sqlite_datetime(v: datetime) -> str:
    # SQLAlchemy's SQLite DateTime storage format (UTC for aware values), written in C.
    if v.tzinfo is not None:
        v = v.astimezone(timezone.utc).replace(tzinfo=None)
    return v.isoformat(" ", "microseconds")


def _json_text(v: Any) -> str:
    return orjson.dumps(v, default=str).decode("utf-8")


def bulk_insert(conn: Connection, table_name: str, cols: Sequence[str], rows: list[dict[str, Any]],
                json_cols: frozenset[str] = frozenset()) -> None:
    """One executemany straight to the driver (SQLAlchemy's per-row parameter processing
    costs more than SQLite's insert itself).  Values are converted the way the SQLAlchemy
    column types would store them (JSON columns and ``json_cols`` as JSON text, datetimes
    on SQLite as its text format), so reads through SQLAlchemy see the same data."""
    if not rows:
        return
    sqlite = conn.dialect.name == "sqlite"
    table = metadata.tables[table_name]
    fix: list[tuple[int, Callable[[Any], Any]]] = []
    for i, col in enumerate(cols):
        kind = table.c[col].type
        if col in json_cols or isinstance(kind, JSON):
            fix.append((i, _json_text))
        elif sqlite and isinstance(kind, DateTime):
            fix.append((i, _sqlite_datetime))
    get = itemgetter(*cols)
    params: list[tuple[Any, ...]] = []
    for r in rows:
        values = list(get(r)) if len(cols) > 1 else [get(r)]
        for i, conv in fix:
            v = values[i]
            if v is not None:
                values[i] = conv(v)
        params.append(tuple(values))
    write_params(conn, table_name, cols, params)


def write_params(conn: Connection, table_name: str, cols: Sequence[str], params: list[tuple[Any, ...]]) -> None:
    """Insert rows already in the driver's form (see :func:`bulk_insert`): one executemany
    on SQLite, one COPY on PostgreSQL."""
    if not params:
        return
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql(f"INSERT INTO {table_name} ({', '.join(cols)}) VALUES ({', '.join(['?'] * len(cols))})",
                             params)
        return
    # PostgreSQL: COPY is one round trip for the whole batch (executemany is one per row).
    cursor = conn.connection.driver_connection.cursor()
    try:
        with cursor.copy(f"COPY {table_name} ({', '.join(cols)}) FROM STDIN") as copy:
            for row in params:
                copy.write_row(row)
    finally:
        cursor.close()


def stored_datetime(conn: Connection) -> Callable[[datetime], Any]:
    """How this database's driver takes a DateTime column's value (see :func:`bulk_insert`)."""
    return _sqlite_datetime if conn.dialect.name == "sqlite" else (lambda v: v)


def message_values(chat_id: int, export_id: int, seq: int, identity: str, m: Message, stamp: Any) -> tuple[Any, ...]:
    """The row :func:`message_row` describes, in the driver's form and :data:`MESSAGE_COLS`
    order; ``stamp`` is ``m.timestamp`` converted by :func:`stored_datetime` (imports
    convert each distinct time once).

    The one place a message becomes a stored row for both writers: the import
    (:func:`insert_message_values`) and the streaming monitor
    (:mod:`chatwarden.stream.pipeline`, which puts its id in front).  An absent event,
    attachment list or continuation list is SQL NULL (the columns are
    ``JSON(none_as_null=True)``), never the JSON text ``'null'``."""
    return (chat_id, identity, seq, stamp, m.sender, m.sender_phone, m.kind, m.text, m.edited,
            _json_text(asdict(m.event)) if m.event else None,
            _json_text([asdict(a) for a in m.attachments]) if m.attachments else None,
            _json_text([asdict(c) for c in m.continuations]) if m.continuations else None,
            export_id, m.line, False)


def insert_message_values(conn: Connection, values: list[tuple[Any, ...]]) -> list[int]:
    """:func:`insert_messages` for rows built by :func:`message_values`."""
    if not values:
        return []
    ids = allocate_ids(conn, "messages", len(values))
    write_params(conn, "messages", ("id", *MESSAGE_COLS), [(i, *v) for i, v in zip(ids, values)])
    return ids


def insert_messages(conn: Connection, rows: list[dict[str, Any]]) -> list[int]:
    """Insert a batch (one executemany, or one COPY on PostgreSQL), setting each row's
    ``id``; return the ids in the order of ``rows``.  The ids are allocated first
    (:func:`allocate_ids`), so nothing is read back."""
    if not rows:
        return []
    ids = allocate_ids(conn, "messages", len(rows))
    for r, i in zip(rows, ids):
        r["id"] = i
    bulk_insert(conn, "messages", ("id", *MESSAGE_COLS), rows, _JSON_COLS)
    return ids


def load_messages(conn: Connection, chat_id: int, *, since_seq: int | None = None, limit: int | None = None) -> list[Message]:
    """Stored messages of a chat as domain values (index = seq)."""
    q = select(messages).where(messages.c.chat_id == chat_id, messages.c.disposed.is_(False)).order_by(messages.c.seq)
    if since_seq is not None:
        q = q.where(messages.c.seq > since_seq)
    if limit is not None:
        q = q.limit(limit)
    return [row_to_message(r) for r in conn.execute(q).mappings()]


def row_to_message(r: Any) -> Message:
    from chatwarden.model import Attachment, ContinuationNote, SystemEvent

    event = SystemEvent(**r["event"]) if r["event"] else None
    atts = tuple(Attachment(**a) for a in (r["attachments"] or ()))
    conts = tuple(ContinuationNote(**c) for c in (r["continuations"] or ()))
    return Message(r["seq"], r["timestamp"], r["sender"], r["text"], r["kind"], r["line"],
                   r["line"] + r["text"].count("\n"), r["sender_phone"], atts, r["edited"], event, conts)


def message_ids_by_seq(conn: Connection, chat_id: int, seqs: Iterable[int]) -> dict[int, int]:
    seqs = list(seqs)
    out: dict[int, int] = {}
    for i in range(0, len(seqs), 900):
        for row in conn.execute(select(messages.c.seq, messages.c.id)
                                .where(messages.c.chat_id == chat_id, messages.c.seq.in_(seqs[i:i + 900]))):
            out[row.seq] = row.id
    return out


# -------------------------------------------------------------------------------- scans/findings
def start_scan(conn: Connection, chat_id: int, export_id: int | None, kind: str, policy_version: str,
               detectors: dict[str, str], actor: str, run_id: str) -> int:
    res = conn.execute(insert(scans).values(
        chat_id=chat_id, export_id=export_id, kind=kind, policy_version=policy_version, detector_versions=detectors,
        messages_scanned=0, findings_new=0, actor=actor, run_id=run_id, started_at=now(),
    ).returning(scans.c.id))
    return res.scalar_one()


def finish_scan(conn: Connection, scan_id: int, scanned: int, new: int) -> None:
    conn.execute(update(scans).where(scans.c.id == scan_id).values(
        messages_scanned=scanned, findings_new=new, finished_at=now()))


def decision_targets(decisions: Iterable[Decision],
                     message_id_of: dict[int, int]) -> Iterator[tuple[Decision, int | None, str]]:
    """Each decision with the stored id of its message (None for a chat-level decision) and
    its subject (the last finding's that names one; "" for none); decisions about messages
    not in ``message_id_of`` are left out."""
    for d in decisions:
        mid = message_id_of.get(d.message_index) if d.message_index is not None else None
        if d.message_index is not None and mid is None:
            continue
        subject = None
        for f in d.findings:
            subject = f.attr("subject") or subject
        yield d, mid, subject or ""


def finding_rows(chat_id: int, scan_id: int, policy_version: str, decisions: Iterable[Decision],
                 message_id_of: dict[int, int]) -> list[dict[str, Any]]:
    from chatwarden.serialize import finding_dict

    t = now()
    rows = []
    for d, mid, subject in decision_targets(decisions, message_id_of):
        rows.append({
            "chat_id": chat_id, "message_id": mid, "scan_id": scan_id, "rule": d.rule, "title": d.title,
            "category": d.category, "severity": d.severity, "severity_rank": SEVERITY_RANK[d.severity],
            "score": float(d.score), "span_start": d.span.start if d.span else None,
            "span_end": d.span.end if d.span else None, "subject": subject,
            "anchor": str(mid) if mid is not None else "chat", "explanation": d.explanation,
            "action": d.action,
            "citation": {"document": d.citation.document, "section": d.citation.section, "quote": d.citation.quote},
            "evidence": [finding_dict(f) for f in d.findings], "policy_version": policy_version,
            "status": "open", "case_id": None, "created_at": t, "updated_at": t,
        })
    return rows


def insert_findings(conn: Connection, rows: list[dict[str, Any]]) -> int:
    """Insert, skipping any already stored (same chat, message, rule, policy version,
    subject); return how many were new."""
    if not rows:
        return 0
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    stmt = dialect_insert(findings).on_conflict_do_nothing(
        index_elements=["chat_id", "anchor", "rule", "policy_version", "subject"])
    before = conn.execute(select(func.count()).select_from(findings).where(findings.c.chat_id == rows[0]["chat_id"])).scalar_one()
    conn.execute(stmt, rows)
    after = conn.execute(select(func.count()).select_from(findings).where(findings.c.chat_id == rows[0]["chat_id"])).scalar_one()
    return after - before


def get_finding(conn: Connection, finding_id: int) -> Any:
    row = conn.execute(select(findings).where(findings.c.id == finding_id)).mappings().first()
    if row is None:
        raise NotFoundError(f"finding {finding_id} not found")
    return row


def queue(conn: Connection, *, status: str | None = "open", category: str | None = None, severity: str | None = None,
          chat_id: int | None = None, person: str | None = None, rule: str | None = None,
          after_id: int | None = None, limit: int = 50) -> list[Any]:
    """A page of the review queue, most severe first (newest first within a severity),
    keyset-paginated on (severity, id)."""
    q = select(findings, messages.c.sender, messages.c.timestamp, chats.c.name.label("chat_name")).select_from(
        findings.outerjoin(messages, messages.c.id == findings.c.message_id).join(chats, chats.c.id == findings.c.chat_id))
    if status:
        q = q.where(findings.c.status == status)
    if category:
        q = q.where(findings.c.category == category)
    if severity:
        q = q.where(findings.c.severity == severity)
    if chat_id is not None:
        q = q.where(findings.c.chat_id == chat_id)
    if rule:
        q = q.where(findings.c.rule == rule)
    if person:
        q = q.where(or_(messages.c.sender == person, findings.c.subject == person))
    if after_id is not None:
        anchor = conn.execute(select(findings.c.severity_rank).where(findings.c.id == after_id)).scalar()
        if anchor is not None:
            # a row-value comparison: PostgreSQL then bounds the index scan with it rather
            # than filtering every row above the anchor (deep pages)
            q = q.where(tuple_(findings.c.severity_rank, findings.c.id) < tuple_(anchor, after_id))
    # Both keys descending, so the (status, severity_rank, id) index serves the order.
    q = q.order_by(findings.c.severity_rank.desc(), findings.c.id.desc()).limit(limit)
    return list(conn.execute(q).mappings())
