"""The import use case: export -> parse -> detect -> evaluate -> store, in ONE transaction
with its audit entry.

* Importing the same export again changes nothing (the export's SHA-256 is known).
* An overlapping later export of the same chat adds only the messages the store lacks
  (message identity: timestamp, sender, kind, text and the count of identical messages in
  the same minute).  Detection runs over the new messages with their neighbours as context.
* A crash or kill at any point leaves the store as it was: nothing is committed until the
  end, and the original export is staged as a blob that only lands after the commit.
* Messages stream through in batches, so memory does not grow with the export's size.
"""

from __future__ import annotations

import os
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Connection, update

from chatwarden.analysis import Analyzer
from chatwarden.ingest import open_export
from chatwarden.model import Actor, Finding, Message
from chatwarden.policy import evaluate
from chatwarden.serialize import warning_dict
from chatwarden.store import Store, audit, records
from chatwarden.store.tables import exports

BATCH = 5000
CONTEXT = 5
SEQ_SLOTS = 100_000


@dataclass(frozen=True)
class ImportResult:
    status: str  # "imported" | "already-imported"
    chat_id: int
    export_id: int
    sha256: str
    messages: int
    new_messages: int
    findings_new: int
    scan_id: int | None
    policy_version: str


def seq_of(m: Message, position_in_second: int) -> int:
    """Chat order that survives imports in any order: wall-clock seconds, then the order
    inside the export among messages with the same time."""
    epoch = (m.timestamp - datetime(1970, 1, 1)).total_seconds()
    return int(epoch) * SEQ_SLOTS + min(position_in_second, SEQ_SLOTS - 1)


def import_export(
    store: Store,
    analyzer: Analyzer,
    path: str | os.PathLike[str],
    *,
    actor: Actor,
    device: str | None = None,
    account: str | None = None,
    owner: str | None = None,
    date_order: str | None = None,
    encoding: str | None = None,
    batch: int = BATCH,
    progress: Callable[[int], None] | None = None,
    on_batch: Callable[[int], None] | None = None,
) -> ImportResult:
    run_id = str(uuid.uuid4())
    with open_export(path, date_order=date_order, encoding=encoding, progress=progress) as parsed:
        pre = parsed.chat
        with store.transaction() as conn:
            known = records.export_by_sha(conn, pre.sha256)
            if known is not None:
                return ImportResult("already-imported", known["chat_id"], known["id"], pre.sha256, known["messages"],
                                    0, 0, None, analyzer.policy.version)
            chat_id, _created = records.get_or_create_chat(conn, pre, owner)
            blob = store.blobs.stage_file(conn, path, expected=pre.sha256)
            export_id = records.insert_export(
                conn, chat_id, pre, file_name=Path(path).name, blob=blob, lines=0, n_messages=0, n_new=0,
                warnings=[], captured_by=actor.name, device=device, account=account,
            )
            scan_id = records.start_scan(conn, chat_id, export_id, "import", analyzer.policy.version,
                                         analyzer.engine.versions, actor.name, run_id)
            had_messages = records.max_seq(conn, chat_id) > 0
            totals = _stream(conn, analyzer, parsed.messages(), chat_id, export_id, scan_id, had_messages, batch,
                             on_batch)
            chat = parsed.chat  # complete now
            findings_new = totals["findings"] + _chat_level(conn, analyzer, chat, totals["view"], chat_id, scan_id,
                                                            totals["ids"])
            conn.execute(update(exports).where(exports.c.id == export_id).values(
                lines=chat.lines, messages=totals["messages"], new_messages=totals["new"],
                warnings=[warning_dict(w) for w in parsed.warnings],
            ))
            records.upsert_participants(conn, chat_id, chat)
            records.refresh_chat_counters(conn, chat_id)
            records.finish_scan(conn, scan_id, totals["new"], findings_new)
            audit.record(conn, actor, "import", "export", export_id, after={
                "sha256": chat.sha256, "chat_id": chat_id, "messages": totals["messages"], "new_messages": totals["new"],
                "findings_new": findings_new, "policy_version": analyzer.policy.version, "device": device,
                "account": account,
            }, run_id=run_id)
            from chatwarden.store.tables import custody
            from sqlalchemy import insert

            conn.execute(insert(custody).values(
                export_id=export_id, actor=actor.name, action="captured",
                detail=f"export hashed at capture (sha256 {chat.sha256}); device {device or 'not given'}; "
                       f"account {account or 'not given'}",
                at=datetime.now(timezone.utc),
            ))
    return ImportResult("imported", chat_id, export_id, chat.sha256, totals["messages"], totals["new"], findings_new,
                        scan_id, analyzer.policy.version)


def _stream(conn: Connection, analyzer: Analyzer, messages, chat_id: int, export_id: int, scan_id: int,
            had_messages: bool, batch: int, on_batch) -> dict:
    engine = analyzer.engine
    policy = analyzer.policy
    ids: dict[int, int] = {}  # export index -> message id (new and existing)
    view: list[Message] = []  # what chat-level detectors need: system events, first message per sender, ends
    seen_senders: set[str] = set()
    carry: list[Message] = []
    carry_findings: dict[int, list[Finding]] = {}
    identity = records.IdentityCounter()
    same_second: dict[int, int] = {}
    last_second = None
    totals = {"messages": 0, "new": 0, "findings": 0}
    last: Message | None = None
    buf: list[Message] = []

    def flush(chunk: list[Message]) -> None:
        nonlocal carry, carry_findings, last_second
        keys = [identity(m) for m in chunk]
        existing = records.existing_identities(conn, chat_id, keys) if had_messages else {}
        rows, new_msgs = [], []
        for m, key in zip(chunk, keys):
            if key in existing:
                ids[m.index] = existing[key]
                continue
            sec = int((m.timestamp - datetime(1970, 1, 1)).total_seconds())
            if sec != last_second:
                same_second.clear()
                last_second = sec
            pos = same_second.get(sec, 0)
            same_second[sec] = pos + 1
            rows.append(records.message_row(chat_id, export_id, seq_of(m, pos), key, m))
            new_msgs.append(m)
        for m, mid in zip(new_msgs, records.insert_messages(conn, rows)):
            ids[m.index] = mid
        totals["messages"] += len(chunk)
        totals["new"] += len(new_msgs)
        if new_msgs:
            text = engine.text_findings(new_msgs)
            by_message: dict[int, list[Finding]] = defaultdict(list)
            for i, fs in carry_findings.items():
                by_message[i].extend(fs)
            for f in text:
                by_message[f.message_index].append(f)  # type: ignore[index]
            window = carry + chunk
            new_index = {m.index for m in new_msgs}
            seq = [f for f in engine.sequence_findings(window, by_message, chat_level=False)
                   if f.message_index in new_index]
            decisions = evaluate(policy, chunk, text + seq)
            rows_f = records.finding_rows(chat_id, scan_id, policy.version,
                                          [d for d in decisions if d.message_index in new_index], ids)
            totals["findings"] += records.insert_findings(conn, rows_f)
            carry_findings = {m.index: by_message.get(m.index, []) for m in chunk[-CONTEXT:]}
        else:
            carry_findings = {}
        carry = chunk[-CONTEXT:]
        if on_batch:
            on_batch(totals["messages"])

    for m in messages:
        if m.sender is None or m.sender not in seen_senders or m.is_system:
            view.append(m)
            if m.sender is not None:
                seen_senders.add(m.sender)
        last = m
        buf.append(m)
        if len(buf) >= batch:
            flush(buf)
            buf = []
    if buf:
        flush(buf)
    if last is not None and (not view or view[-1] is not last):
        view.append(last)
    totals["view"] = view
    totals["ids"] = ids
    return totals


def _chat_level(conn: Connection, analyzer: Analyzer, chat, view: list[Message], chat_id: int, scan_id: int,
                ids: dict[int, int]) -> int:
    findings = analyzer.engine.sequence_findings(view, {}, chat=chat, chat_level=True)
    decisions = [d for d in evaluate(analyzer.policy, view, findings)]
    rows = records.finding_rows(chat_id, scan_id, analyzer.policy.version, decisions, ids)
    return records.insert_findings(conn, rows)


def rescan_chat(store: Store, analyzer: Analyzer, chat_id: int, *, actor: Actor) -> dict:
    """Re-evaluate every stored message of a chat with the current detectors and policy.
    Findings of earlier policy versions stay; new ones are recorded beside them."""
    run_id = str(uuid.uuid4())
    with store.transaction() as conn:
        msgs = records.load_messages(conn, chat_id)
        scan_id = records.start_scan(conn, chat_id, None, "rescan", analyzer.policy.version, analyzer.engine.versions,
                                     actor.name, run_id)
        from chatwarden.model import Chat
        from chatwarden.store.tables import chats

        crow = conn.execute(chats.select().where(chats.c.id == chat_id)).mappings().first()
        if crow is None:
            from chatwarden.errors import NotFoundError

            raise NotFoundError(f"chat {chat_id} not found")
        chat = Chat(name=crow["name"], name_source=None, source="store", sha256="", platform=crow["platform"],
                    date_order="", date_order_reason="", is_group=crow["is_group"])
        findings, decisions = analyzer.analyse(chat, msgs)
        ids = records.message_ids_by_seq(conn, chat_id, [m.index for m in msgs])
        rows = records.finding_rows(chat_id, scan_id, analyzer.policy.version, decisions, ids)
        new = records.insert_findings(conn, rows)
        records.finish_scan(conn, scan_id, len(msgs), new)
        audit.record(conn, actor, "rescan", "chat", chat_id, after={
            "messages": len(msgs), "findings_new": new, "policy_version": analyzer.policy.version}, run_id=run_id)
    return {"chat_id": chat_id, "messages": len(msgs), "findings_new": new, "policy_version": analyzer.policy.version}
