"""Validated envelopes -> detection -> policy -> store, inside the caller's transaction.

Used by the monitor (one call per batch read from the intake) and by ``backscan --load``
(:func:`load_backscan` at the end).  Nothing here commits.

Idempotency: a streamed message's ``messages.identity`` is
sha1(source, account, platform message id) (:func:`chatwarden.stream.envelope.message_identity`)
and ``messages`` is unique on (chat, identity): a message the store already holds is
skipped before detection, and an insert that races another process is dropped with
``ON CONFLICT DO NOTHING`` together with its findings.  A redelivery therefore never
duplicates a message or a finding.

Detection context: the messages of one chat in one batch see each other, together with
the chat's last :data:`CONTEXT` stored messages (their text findings come from a
per-process cache, or are recomputed when another process stored them).  Chat-level
governance runs on what the stream shows: system events and the first message of each
sender new to the chat.  The stream cannot show that disappearing messages were never
turned on (capture starts mid-chat), so that chat-level finding is not raised here.
"""

from __future__ import annotations

import hashlib
import uuid
from collections import OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import JSON, Connection, DateTime, func, insert, select, update

from chatwarden.analysis import Analyzer
from chatwarden.model import Actor, Attachment, Chat, ContinuationNote, Decision, Finding, Message, SystemEvent
from chatwarden.policy import evaluate
from chatwarden.policy.rules import SEVERITY_RANK
from chatwarden.serialize import finding_dict
from chatwarden.store import audit, records
from chatwarden.store.blobs import BlobStore
from chatwarden.store.tables import chats, custody, exports, findings, messages, scans, stream_messages
from chatwarden.stream.envelope import Envelope

CONTEXT = 5
CONTEXT_CHUNK = 400  # chats per context statement
SEQ_SLOTS = 100_000
CACHE_CHATS = 50_000
CACHE_FINDINGS = 50_000
CACHE_MESSAGES = 50_000
CACHE_SENDERS = 200_000
STREAM_PLATFORM = "stream"
NOT_FROM_STREAMS = frozenset({"chat.disappearing_never_on"})
CONTEXT_KINDS = frozenset({"attachment", "media_omitted", "view_once"})
ROSTER_BASE = 1 << 40  # indices of stand-ins for a chat's known senders (never stored)


@dataclass(frozen=True, slots=True)
class Item:
    """One envelope to store, with where it came from."""

    envelope: Envelope
    sha256: str  # of the envelope bytes as received
    intake_ref: str | None = None
    identity: str = ""
    chat_key: str = ""
    seq: int = 0

    @classmethod
    def of(cls, env: Envelope, sha256: str, intake_ref: str | None = None) -> Item:
        ident = env.identity
        return cls(env, sha256, intake_ref, ident, env.chat_key, seq_of(env, ident))


@dataclass
class BatchResult:
    messages: int = 0
    new: int = 0
    duplicates: int = 0
    findings_new: int = 0
    chats: int = 0
    new_scans: dict[int, int] = field(default_factory=dict)  # chat id -> scan id created in this batch


def seq_of(env: Envelope, identity: str | None = None) -> int:
    """Chat order, computed from the message alone (stable across processes and
    redeliveries): UTC seconds, then milliseconds, then a tie-break from the identity."""
    ts = env.timestamp
    secs = int(ts.timestamp())
    return secs * SEQ_SLOTS + (ts.microsecond // 1000) * 100 + int((identity or env.identity)[:4], 16) % 100


def envelope_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class _LRU(OrderedDict):
    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def put(self, key: Any, value: Any) -> None:
        self[key] = value
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)

    def hit(self, key: Any) -> Any:
        v = self.get(key)
        if v is not None:
            self.move_to_end(key)
        return v


def _dialect_insert(conn: Connection, table):
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return dialect_insert(table)


class StreamWriter:
    """Stores envelopes for one process: caches chat/export ids, this run's scan row per
    chat, and recent text findings for context.  Call :meth:`committed` after each
    successful commit and :meth:`rolled_back` after a failed one.

    Every statement works on the whole batch (a batch spans hundreds of chats)."""

    def __init__(self, analyzer: Analyzer, actor: Actor, blobs: BlobStore, *, tz: str = "Europe/London",
                 kind: str = "stream", run_id: str | None = None) -> None:
        self.analyzer = analyzer
        self.blobs = blobs
        self.actor = actor
        self.tz = tz
        self.kind = kind
        self.run_id = run_id or str(uuid.uuid4())
        self._chats: _LRU = _LRU(CACHE_CHATS)  # chat key -> (chat id, capture export id)
        self._scans: dict[int, int] = {}  # chat id -> scan id (this run)
        self._findings: _LRU = _LRU(CACHE_FINDINGS)  # message id -> its text findings (a tuple)
        # message id -> the stored message's fields after its index (a tuple of plain values:
        # the garbage collector stops tracking it, so a full cache costs full collections nothing)
        self._messages: _LRU = _LRU(CACHE_MESSAGES)
        self._blobs_known: set[str] = set()
        self._pending_chats: dict[str, tuple[int, int]] = {}
        self._pending_scans: dict[int, int] = {}
        self._pending_findings: dict[int, tuple[Finding, ...]] = {}
        self._pending_messages: dict[int, tuple] = {}
        self._senders: set[tuple[int, str]] = set()  # (chat id, sender) known to be participants
        self._pending_senders: list[tuple[int, str]] = []
        self._pending_blobs: set[str] = set()

    # ------------------------------------------------------------------ transaction hooks
    def committed(self) -> None:
        for k, v in self._pending_chats.items():
            self._chats.put(k, v)
        self._scans.update(self._pending_scans)
        for k, v in self._pending_findings.items():
            self._findings.put(k, v)
        for k, m in self._pending_messages.items():
            self._messages.put(k, m)
        if len(self._senders) + len(self._pending_senders) > CACHE_SENDERS:
            self._senders.clear()
        self._senders.update(self._pending_senders)
        self._blobs_known |= self._pending_blobs
        self._clear_pending()

    def rolled_back(self) -> None:
        self._clear_pending()

    def _clear_pending(self) -> None:
        self._pending_chats = {}
        self._pending_scans = {}
        self._pending_findings = {}
        self._pending_messages = {}
        self._pending_senders = []
        self._pending_blobs = set()

    @property
    def scan_ids(self) -> list[int]:
        return list(self._scans.values())

    def finish(self, conn: Connection) -> None:
        """Close this run's scan rows (graceful stop)."""
        if self._scans:
            ids = list(self._scans.values())
            for i in range(0, len(ids), 900):
                conn.execute(update(scans).where(scans.c.id.in_(ids[i:i + 900])).values(finished_at=records.now()))

    # ------------------------------------------------------------------ look-ups
    def _chat_ids(self, conn: Connection, keys: Iterable[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        todo = []
        for k in keys:
            hit = self._chats.hit(k)
            if hit:
                out[k] = hit[0]
            else:
                todo.append(k)
        for i in range(0, len(todo), 500):
            for r in conn.execute(select(chats.c.key, chats.c.id).where(chats.c.key.in_(todo[i:i + 500]))):
                out[r.key] = r.id
        return out

    def _existing(self, conn: Connection, pairs: list[tuple[int, str]]) -> set[tuple[int, str]]:
        return {(r[0], r[1]) for r in pair_lookup(conn, "messages", ("chat_id", "identity"), ("chat_id", "identity"),
                                                  pairs)}

    def _contexts(self, conn: Connection, wants: Sequence[tuple[int, int]]) -> dict[int, list[tuple[int, Message]]]:
        """For each (chat id, seq): the chat's last CONTEXT stored messages before that seq,
        oldest first, as (id, message indexed from 0).

        One statement per :data:`CONTEXT_CHUNK` chats (a batch spans hundreds) finds which
        messages they are: each chat's come from its own ``ORDER BY seq DESC LIMIT`` on
        ``ix_messages_chat_seq``, as a query per chat would.  The messages themselves come
        from this process's cache of what it stored, else from the store."""
        out: dict[int, list[tuple[int, Message]]] = {}
        if not wants:
            return out
        pg = conn.dialect.name == "postgresql"
        found: list[Any] = []
        cur = conn.connection.dbapi_connection.cursor()
        try:
            for i in range(0, len(wants), CONTEXT_CHUNK):
                part = wants[i:i + CONTEXT_CHUNK]
                params = [v for pair in part for v in pair]
                if pg:
                    values = ", ".join(["(%s::bigint, %s::bigint)"] * len(part))
                    sql = (f"SELECT m.chat_id, m.id, m.seq FROM (VALUES {values}) AS w(cid, lim) CROSS JOIN LATERAL "
                           "(SELECT chat_id, id, seq FROM messages WHERE chat_id = w.cid AND seq < w.lim "
                           f"AND disposed = false ORDER BY seq DESC LIMIT {CONTEXT}) AS m")
                else:
                    values = ", ".join(["(?, ?)"] * len(part))
                    sql = (f"WITH w(cid, lim) AS (VALUES {values}) SELECT m.chat_id, m.id, m.seq FROM w "
                           "JOIN messages m ON m.id IN (SELECT id FROM messages WHERE chat_id = w.cid "
                           f"AND seq < w.lim AND disposed = 0 ORDER BY seq DESC LIMIT {CONTEXT})")
                cur.execute(sql, params)
                found.extend(cur.fetchall())
            cache = self._messages
            have: dict[int, tuple] = {}
            todo: list[int] = []
            for r in found:
                m = cache.hit(r[1])
                if m is None:
                    todo.append(r[1])
                else:
                    have[r[1]] = m
            ph = "%s" if pg else "?"
            for i in range(0, len(todo), 900):
                part = todo[i:i + 900]
                cur.execute("SELECT chat_id, id, seq, timestamp, sender, sender_phone, kind, text, edited, event, "
                            f"attachments, continuations, line FROM messages WHERE id IN ({', '.join([ph] * len(part))})",
                            part)
                for r in cur.fetchall():
                    m = _stored_message(0, r)
                    have[r[1]] = m = _fields(m)
                    cache.put(r[1], m)
        finally:
            cur.close()
        by_chat: dict[int, list[Any]] = defaultdict(list)
        for r in found:
            by_chat[r[0]].append(r)
        for cid, rs in by_chat.items():
            rs.sort(key=_seq_then_id)
            out[cid] = [(r[1], Message(i, *have[r[1]])) for i, r in enumerate(rs)]
        return out

    # ------------------------------------------------------------------ the batch
    def store(self, conn: Connection, items: Sequence[Item], *, audit_detail: dict | None = None) -> BatchResult:
        """Detect and write in one connection (simple callers: tests, back-scan load)."""
        return self.write(conn, self.prepare(conn, items), audit_detail=audit_detail)

    def prepare(self, conn: Connection, items: Sequence[Item]) -> Prepared:
        """Detection and policy for a batch, reading only (context, known senders).  Runs
        outside the write transaction so several processes detect in parallel.

        Every step that can work on the whole batch does (a batch spans hundreds of chats,
        mostly one message each): the look-ups, the text detectors (the engine works fastest
        over long runs of messages), the stored neighbours' context and their text findings.
        Only the sequence detectors and the policy run chat by chat."""
        groups: dict[str, list[Item]] = defaultdict(list)
        for it in items:
            groups[it.chat_key].append(it)
        prepared = Prepared(len(items))
        known = self._chat_ids(conn, groups)
        existing: set[tuple[int, str]] = set()
        pairs = [(known[k], it.identity) for k, g in groups.items() if k in known for it in g]
        if pairs:
            existing = self._existing(conn, pairs)
        # senders each chat already has (participants rows are never deleted or renamed, so
        # those this process has seen stay true; only the others are looked up)
        seen = self._senders
        sender_pairs = {(known[k], it.envelope.sender) for k, g in groups.items() if k in known for it in g
                        if it.envelope.sender is not None}
        senders_known: set[tuple[int, str]] = {p for p in sender_pairs if p in seen}
        ask = [p for p in sender_pairs if p not in seen]
        if ask:
            found_pairs = [(r[0], r[1]) for r in pair_lookup(conn, "participants", ("chat_id", "name"),
                                                             ("chat_id", "name"), ask)]
            senders_known.update(found_pairs)
            if len(seen) + len(found_pairs) > CACHE_SENDERS:
                seen.clear()
            seen.update(found_pairs)
        # chats where someone new speaks or a system event arrives: chat-level governance
        # judges them against everyone the chat has shown so far (its roster)
        need = sorted({known[k] for k, g in groups.items() if k in known for it in g
                       if it.envelope.kind.startswith("system:")
                       or (it.envelope.sender is not None and (known[k], it.envelope.sender) not in senders_known)})
        roster: dict[int, list[str]] = defaultdict(list)
        if need:
            ph = "%s" if conn.dialect.name == "postgresql" else "?"
            cur = conn.connection.dbapi_connection.cursor()
            try:
                for i in range(0, len(need), 500):
                    part = need[i:i + 500]
                    cur.execute(f"SELECT chat_id, name FROM participants WHERE chat_id IN ({', '.join([ph] * len(part))}) "
                                "ORDER BY id", part)
                    for cid, name in cur.fetchall():
                        roster[cid].append(name)
            finally:
                cur.close()
        staged = [(key, group, self._new_items(group, known.get(key), existing, prepared))
                  for key, group in groups.items()]
        # The text detectors look at one message at a time: run them once over every new
        # message of the batch, then hand each chat its own.
        tz = self.tz
        flat: list[Message] = []
        for _key, _group, uniq in staged:
            base = len(flat)
            flat.extend([it.envelope.to_message(base + i, tz) for i, it in enumerate(uniq)])
        by_flat: dict[int, list[Finding]] = defaultdict(list)
        for f in self.analyzer.engine.text_findings(flat):
            by_flat[f.message_index].append(f)  # type: ignore[index]
        # Sequence detectors raise findings only on a message that carries media or has a
        # text finding of its own; only then do the chat's stored neighbours matter.
        plan: list[tuple[str, list[Item], list[Item], int, bool]] = []
        wants: list[tuple[int, int]] = []
        offset = 0
        for key, group, uniq in staged:
            n = len(uniq)
            want = n > 0 and (any(j in by_flat for j in range(offset, offset + n))
                              or any(m.kind in CONTEXT_KINDS for m in flat[offset:offset + n]))
            if want and key in known:
                wants.append((known[key], uniq[0].seq))
            plan.append((key, group, uniq, offset, want))
            offset += n
        contexts = self._contexts(conn, wants)
        ctx_found = self._context_findings(contexts)
        for key, group, uniq, offset, want in plan:
            chat_id = known.get(key)
            context = contexts.get(chat_id, []) if want and chat_id is not None else []
            prepared.chats.append(self._prepare_chat(key, group, uniq, flat, offset, by_flat, want, context, ctx_found,
                                                     chat_id, senders_known, roster.get(chat_id, [])))
        return prepared

    def _context_findings(self, contexts: dict[int, list[tuple[int, Message]]]) -> dict[int, Sequence[Finding]]:
        """Text findings of the stored neighbours, by message id: from this process's cache,
        else recomputed (another process stored them), all in one pass of the engine."""
        out: dict[int, Sequence[Finding]] = {}
        missing: list[Message] = []
        missing_ids: list[int] = []
        for ctx in contexts.values():
            for mid, m in ctx:
                cached = self._findings.hit(mid)
                if cached is not None:
                    out[mid] = cached
                else:
                    missing.append(_at(m, len(missing)))
                    missing_ids.append(mid)
        if missing:
            found: dict[int, list[Finding]] = {mid: [] for mid in missing_ids}
            for f in self.analyzer.engine.text_findings(missing):
                found[missing_ids[f.message_index]].append(f)  # type: ignore[index]
            out.update(found)
        return out

    @staticmethod
    def _new_items(group: list[Item], chat_id: int | None, existing: set[tuple[int, str]],
                   prepared: Prepared) -> list[Item]:
        """The chat's envelopes not stored yet (nor repeated in the batch), in chat order."""
        seen: set[str] = set()
        uniq: list[Item] = []
        for it in group:
            if it.identity in seen or (chat_id is not None and (chat_id, it.identity) in existing):
                prepared.duplicates += 1
                continue
            seen.add(it.identity)
            uniq.append(it)
        uniq.sort(key=lambda it: (it.seq, it.envelope.message_id))
        return uniq

    def _prepare_chat(self, key: str, group: list[Item], uniq: list[Item], flat: list[Message], offset: int,
                      by_flat: dict[int, list[Finding]], wants_context: bool, context: list[tuple[int, Message]],
                      ctx_found: dict[int, Sequence[Finding]], chat_id: int | None, senders_known: set[tuple[int, str]],
                      roster: list[str] = ()) -> ChatBatch:
        """Sequence detectors, chat-level governance and the policy for one chat: its new
        messages (``flat[offset:offset + len(uniq)]``, text findings in ``by_flat``) after
        its stored neighbours (``context``, indexed from 0)."""
        first = group[0].envelope
        cb = ChatBatch(key, first, uniq)
        if not uniq:
            return cb

        engine, policy = self.analyzer.engine, self.analyzer.policy
        n_ctx = len(context)
        window: list[Message] = [m for _mid, m in context]
        ctx_ids: dict[int, int] = {i: mid for i, (mid, _m) in enumerate(context)}
        fresh: list[Message] = []
        text: list[Finding] = []
        for i in range(len(uniq)):
            index = n_ctx + i
            fresh.append(_at(flat[offset + i], index))
            fs = by_flat.get(offset + i)
            if fs:
                text.extend([f.at(index) for f in fs])
        window.extend(fresh)
        new_msgs = fresh
        cb.messages = new_msgs

        by_message: dict[int, list[Finding]] = defaultdict(list)
        for f in text:
            by_message[f.message_index].append(f)  # type: ignore[index]
        cb.text_findings = {m.index: by_message.get(m.index, []) for m in new_msgs}
        for i, (mid, _m) in enumerate(context):
            fs = ctx_found.get(mid)
            if fs:
                by_message[i] = _reindex(fs, i)
        new_index = {m.index for m in new_msgs}
        # a stored neighbour may now earn a finding that rests on a new message (media shared
        # before the mention of CCTV): keep those too, anchored on the stored message
        cb.context_ids = ctx_ids
        keep = new_index | set(ctx_ids)
        seq = [f for f in engine.sequence_findings(window, by_message, chat_level=False)
               if f.message_index in keep] if wants_context else []

        # chat level: system events and the first message of senders new to the chat
        view, firsts = [], set()
        for m in new_msgs:
            if m.is_system or (m.sender is not None and m.sender not in firsts
                               and (chat_id is None or (chat_id, m.sender) not in senders_known)):
                view.append(m)
                if m.sender is not None:
                    firsts.add(m.sender)
        chat_level = []
        if view:
            chat = None
            if first.is_group is not None:
                chat = Chat(name=first.chat_name, name_source=None, source=STREAM_PLATFORM, sha256="",
                            platform=STREAM_PLATFORM, date_order="", date_order_reason="", is_group=first.is_group)
            known_first = [Message(ROSTER_BASE + i, view[0].timestamp, name, "", "message")
                           for i, name in enumerate(roster)]
            chat_level = [f for f in engine.sequence_findings(known_first + view, {}, chat=chat, chat_level=True)
                          if f.label not in NOT_FROM_STREAMS and (f.message_index is None or f.message_index
                                                                  < ROSTER_BASE)]
        found = text + seq + chat_level
        ctx_seq = {f.message_index for f in seq if f.message_index in ctx_ids}
        cb.decisions = [d for d in evaluate(policy, window, found)
                        if d.message_index is None or d.message_index in new_index
                        or d.message_index in ctx_seq] if found else []
        return cb

    def _resolve_chats(self, conn: Connection, batches: list[ChatBatch]) -> dict[str, tuple[int, int]]:
        """Chat id and capture export id for each chat of the batch, creating what is missing."""
        out: dict[str, tuple[int, int]] = {}
        todo: list[ChatBatch] = []
        for cb in batches:
            hit = self._chats.hit(cb.key)
            if hit:
                out[cb.key] = hit
            else:
                todo.append(cb)
        if not todo:
            return out
        ids = self._chat_ids(conn, [cb.key for cb in todo])
        t = records.now()
        new = [cb for cb in todo if cb.key not in ids]
        if new:
            res = conn.execute(insert(chats).returning(chats.c.key, chats.c.id), [
                {"key": cb.key, "name": cb.first.chat_name, "platform": STREAM_PLATFORM,
                 "is_group": bool(cb.first.is_group), "owner": cb.first.account, "created_at": t, "updated_at": t,
                 "message_count": 0} for cb in new])
            ids.update({r.key: r.id for r in res})
        shas = {capture_sha(cb.key): cb for cb in todo}
        exp_ids: dict[str, int] = {}
        sha_list = list(shas)
        for i in range(0, len(sha_list), 500):
            for r in conn.execute(select(exports.c.sha256, exports.c.id).where(exports.c.sha256.in_(sha_list[i:i + 500]))):
                exp_ids[shas[r.sha256].key] = r.id
        missing = [cb for cb in todo if cb.key not in exp_ids]
        if missing:
            rows = []
            for cb in missing:
                descriptor = orjson.dumps({"chatwarden": "stream capture", "format": "chatwarden envelope v1",
                                           "source": cb.first.source}, option=orjson.OPT_SORT_KEYS)
                digest = hashlib.sha256(descriptor).hexdigest()
                if digest not in self._blobs_known and digest not in self._pending_blobs and not self.blobs.exists(digest):
                    self.blobs.stage_stream(conn, [descriptor])
                self._pending_blobs.add(digest)
                rows.append({
                    "chat_id": ids[cb.key], "sha256": capture_sha(cb.key), "file_name": f"stream-{cb.first.source}.json",
                    "size": len(descriptor), "platform": STREAM_PLATFORM, "date_order": "ymd",
                    "date_order_reason": "stream", "encoding": "utf-8", "chat_member": None, "blob": digest,
                    "lines": 0, "messages": 0, "new_messages": 0, "warnings": [], "captured_by": self.actor.name,
                    "device": cb.first.device, "account": cb.first.account, "captured_at": t,
                })
            res = conn.execute(insert(exports).returning(exports.c.sha256, exports.c.id), rows)
            created = {r.sha256: r.id for r in res}
            for cb in missing:
                exp_ids[cb.key] = created[capture_sha(cb.key)]
            conn.execute(insert(custody), [{
                "export_id": exp_ids[cb.key], "actor": self.actor.name, "action": "captured",
                "detail": f"{self.kind} capture from connector {cb.first.source}: each message's envelope is "
                          "hashed on receipt (stream_messages.envelope_sha256)", "at": t} for cb in missing])
        for cb in todo:
            out[cb.key] = (ids[cb.key], exp_ids[cb.key])
            self._pending_chats[cb.key] = out[cb.key]
        return out

    def write(self, conn: Connection, prepared: Prepared, *, audit_detail: dict | None = None) -> BatchResult:
        """Store a prepared batch: chats, messages, provenance, findings, counters and one
        audit entry, in the caller's transaction."""
        result = BatchResult(messages=prepared.messages, duplicates=prepared.duplicates, chats=len(prepared.chats))
        batches = [cb for cb in prepared.chats if cb.items]
        if batches:
            self._write(conn, batches, result)
        if prepared.messages:
            detail = {"messages": result.messages, "new": result.new, "duplicates": result.duplicates,
                      "findings_new": result.findings_new, "chats": result.chats,
                      "policy_version": self.analyzer.policy.version}
            detail.update(audit_detail or {})
            audit.record(conn, self.actor, f"{self.kind}.store", "stream", None, after=detail, run_id=self.run_id)
        return result

    def _write(self, conn: Connection, batches: list[ChatBatch], result: BatchResult) -> None:
        resolved = self._resolve_chats(conn, batches)
        pg = conn.dialect.name == "postgresql"
        dt = _same if pg else _sqlite_dt_memo()
        todo: list[tuple[ChatBatch, Item, Message]] = [
            (cb, it, m) for cb in batches for it, m in zip(cb.items, cb.messages)]
        if not todo:
            return
        # Ids are allocated first (SQLite: under the write lock this transaction holds;
        # PostgreSQL: from the sequence), so nothing is read back when every row goes in.
        # Another process may have stored some of these since prepare(): ON CONFLICT skips
        # them, and only then are the stored ids looked up to tell which rows are ours.
        new_ids = records.allocate_ids(conn, "messages", len(todo))
        rows = []
        values = records.message_values  # the import's row builder: both store the same values
        for mid, (cb, it, m) in zip(new_ids, todo):
            chat_id, export_id = resolved[cb.key]
            rows.append((mid, *values(chat_id, export_id, it.seq, it.identity, m, dt(m.timestamp))))
        inserted = _insert_params(conn, "messages", MESSAGE_COLS, rows, conflict=("chat_id", "identity"))
        ours = new_ids
        if inserted != len(rows):
            got = {(r[0], r[1]): r[2] for r in pair_lookup(conn, "messages", ("chat_id", "identity", "id"),
                                                            ("chat_id", "identity"), [(r[1], r[2]) for r in rows])}
            ours = [mid if got.get((r[1], r[2])) == mid else None for mid, r in zip(new_ids, rows)]
            inserted = sum(1 for mid in ours if mid is not None)
        result.duplicates += len(rows) - inserted
        now = records.now()
        stored_at = dt(now)
        prov = []
        ids: dict[str, dict[int, int]] = defaultdict(dict)  # chat key -> message index -> id
        per_chat: dict[str, list[Message]] = defaultdict(list)
        pending = self._pending_findings
        pending_messages = self._pending_messages
        for mid, (cb, it, m) in zip(ours, todo):
            if mid is None:
                continue
            key = cb.key
            ids[key][m.index] = mid
            per_chat[key].append(m)
            env = it.envelope
            refs = [a.ref for a in env.attachments] if env.attachments else None
            received = env.received_at
            prov.append((mid, resolved[key][0], env.source, env.account, env.device, env.message_id, it.sha256,
                         it.intake_ref, _json_text(refs), dt(env.timestamp.astimezone(UTC)),
                         None if received is None else dt(received), stored_at))
            fs = cb.text_findings.get(m.index)
            pending[mid] = tuple(fs) if fs else ()
            pending_messages[mid] = _fields(m)
        if not prov:
            return
        _insert_params(conn, "stream_messages", PROVENANCE_COLS, prov)
        result.new += len(prov)

        # this run's scan row per chat
        need = [resolved[k][0] for k in per_chat if resolved[k][0] not in self._scans
                and resolved[k][0] not in self._pending_scans]
        if need:
            res = conn.execute(insert(scans).returning(scans.c.chat_id, scans.c.id), [{
                "chat_id": cid, "export_id": None, "kind": self.kind, "policy_version": self.analyzer.policy.version,
                "detector_versions": self.analyzer.engine.versions, "messages_scanned": 0, "findings_new": 0,
                "actor": self.actor.name, "run_id": self.run_id, "started_at": now} for cid in need])
            for r in res:
                self._pending_scans[r.chat_id] = r.id
                result.new_scans[r.chat_id] = r.id

        def scan_of(cid: int) -> int:
            return self._scans.get(cid) or self._pending_scans[cid]

        frows: list[tuple] = []
        by_chat_found: dict[int, int] = defaultdict(int)
        version = self.analyzer.policy.version
        citations: dict[Any, str] = {}
        for cb in batches:
            if cb.key not in per_chat:
                continue
            chat_id = resolved[cb.key][0]
            cids = ids[cb.key]
            decisions = [d for d in cb.decisions if d.message_index is None or d.message_index in cids
                         or d.message_index in cb.context_ids]
            cids = {**cb.context_ids, **cids}
            _finding_params(frows, chat_id, scan_of(chat_id), version, decisions, cids, stored_at, citations)
        if frows:
            before = conn.execute(select(func.coalesce(func.max(findings.c.id), 0))).scalar_one()
            _insert_params(conn, "findings", FINDING_COLS, frows,
                           conflict=("chat_id", "anchor", "rule", "policy_version", "subject"))
            my_scans = list({r[2] for r in frows})
            for r in conn.execute(select(findings.c.chat_id, func.count()).where(
                    findings.c.id > before, findings.c.scan_id.in_(my_scans)).group_by(findings.c.chat_id)):
                by_chat_found[r[0]] = r[1]
            result.findings_new += sum(by_chat_found.values())

        counts: dict[tuple[int, str], list] = {}
        for key, msgs in per_chat.items():
            chat_id = resolved[key][0]
            for m in msgs:
                if m.sender is not None:
                    c = counts.setdefault((chat_id, m.sender), [m.sender_phone, 0])
                    c[1] += 1
        pg = conn.dialect.name == "postgresql"
        ph = "%s" if pg else "?"

        def dt(v: datetime) -> Any:
            return v if pg else _sqlite_dt(v)

        cur = conn.connection.dbapi_connection.cursor()
        try:
            if counts:
                cur.executemany(
                    f"INSERT INTO participants (chat_id, name, phone, messages, seen_in) VALUES ({ph}, {ph}, {ph}, "
                    f"{ph}, 'sender') ON CONFLICT (chat_id, name) DO UPDATE SET "
                    "messages = participants.messages + excluded.messages",
                    [(cid, n, p, k) for (cid, n), (p, k) in counts.items()])
                self._pending_senders.extend(counts)
            chat_rows, scan_rows = [], []
            for key, msgs in per_chat.items():
                chat_id = resolved[key][0]
                lo, hi = dt(min(m.timestamp for m in msgs)), dt(max(m.timestamp for m in msgs))
                chat_rows.append((len(msgs), lo, lo, lo, hi, hi, hi, dt(now), chat_id))
                scan_rows.append((len(msgs), by_chat_found.get(chat_id, 0), scan_of(chat_id)))
            cur.executemany(
                f"UPDATE chats SET message_count = message_count + {ph}, "
                f"first_message_at = CASE WHEN first_message_at IS NULL OR first_message_at > {ph} THEN {ph} "
                f"ELSE first_message_at END, "
                f"last_message_at = CASE WHEN last_message_at IS NULL OR last_message_at < {ph} THEN {ph} "
                f"ELSE last_message_at END, updated_at = {ph} WHERE id = {ph}",
                [(n, lo, lo, hi, hi, t, cid) for n, lo, _lo2, _lo3, hi, _hi2, _hi3, t, cid in chat_rows])
            cur.executemany(f"UPDATE scans SET messages_scanned = messages_scanned + {ph}, "
                            f"findings_new = findings_new + {ph} WHERE id = {ph}", scan_rows)
        finally:
            cur.close()

    # ------------------------------------------------------------------ back-scan results
    def load_findings(self, conn: Connection, rows: list[dict[str, Any]]) -> dict[str, int]:
        """Store back-scan finding rows (:mod:`chatwarden.stream.backscan` output) with the
        messages they are about; idempotent.  One audit entry."""
        from chatwarden.stream.backscan import _row_envelope

        batches: dict[str, ChatBatch] = {}
        envs: list[tuple[dict[str, Any], Envelope | None]] = []
        for r in rows:
            env = None
            if r.get("message_id") is not None:
                env, _problems = _row_envelope(r)
            if r["chat_key"] not in batches:
                first = env
                if first is None:  # a chat-level finding: enough of an envelope to name the chat
                    first = Envelope(source=r["source"], account=r["account"], chat_id=r["chat_id"], message_id="-",
                                     timestamp=records.now(), kind="message", text="", chat_name=r.get("chat_name"),
                                     is_group=r.get("is_group"), device=r.get("device"))
                batches[r["chat_key"]] = ChatBatch(r["chat_key"], first, [])
            envs.append((r, env))
        resolved = self._resolve_chats(conn, list(batches.values()))
        msg_rows: dict[tuple[int, str], dict[str, Any]] = {}
        provs: dict[tuple[int, str], dict[str, Any]] = {}
        now = records.now()
        for r, env in envs:
            if env is None:
                continue
            chat_id, export_id = resolved[r["chat_key"]]
            pair = (chat_id, r["identity"])
            if pair in msg_rows:
                continue
            msg_rows[pair] = records.message_row(chat_id, export_id, r["seq"], r["identity"], env.to_message(0, self.tz))
            provs[pair] = {
                "chat_id": chat_id, "source": env.source, "account": env.account, "device": env.device,
                "platform_id": env.message_id, "envelope_sha256": hashlib.sha256(env.to_json()).hexdigest(),
                "intake_ref": "backscan", "attachment_refs": [a.ref for a in env.attachments] or None,
                "sent_at": env.timestamp.astimezone(UTC), "received_at": env.received_at, "stored_at": now,
            }
        pairs = list(msg_rows)
        existing = self._existing(conn, pairs) if pairs else set()
        fresh = [p for p in pairs if p not in existing]
        new_messages = raw_insert(conn, messages, [msg_rows[p] for p in fresh], conflict=("chat_id", "identity"))
        ids: dict[tuple[int, str], int] = {}
        ids.update(((x[0], x[1]), x[2]) for x in pair_lookup(
            conn, "messages", ("chat_id", "identity", "id"), ("chat_id", "identity"), pairs))
        raw_insert(conn, stream_messages, [{"message_id": ids[p], **provs[p]} for p in fresh if p in ids],
                   conflict=("message_id",))
        version = rows[0]["policy_version"] if rows else ""
        need = sorted({cid for cid, _e in resolved.values()} - set(self._scans) - set(self._pending_scans))
        if need:
            res = conn.execute(insert(scans).returning(scans.c.chat_id, scans.c.id), [{
                "chat_id": cid, "export_id": None, "kind": self.kind, "policy_version": version,
                "detector_versions": {}, "messages_scanned": 0, "findings_new": 0, "actor": self.actor.name,
                "run_id": self.run_id, "started_at": now, "finished_at": now} for cid in need])
            for x in res:
                self._pending_scans[x.chat_id] = x.id
        frows = []
        for r, _env in envs:
            chat_id = resolved[r["chat_key"]][0]
            mid = ids.get((chat_id, r["identity"])) if r.get("identity") else None
            sev = r["severity"]
            frows.append({
                "chat_id": chat_id, "message_id": mid, "scan_id": self._scans.get(chat_id) or self._pending_scans[chat_id],
                "rule": r["rule"], "title": r["title"], "category": r["category"], "severity": sev,
                "severity_rank": SEVERITY_RANK[sev], "score": float(r["score"]), "span_start": r.get("span_start"),
                "span_end": r.get("span_end"), "subject": r.get("subject") or "",
                "anchor": str(mid) if mid is not None else "chat", "explanation": r["explanation"],
                "action": r["action"], "citation": orjson.loads(r["citation"]), "evidence": orjson.loads(r["evidence"]),
                "policy_version": r["policy_version"], "status": "open", "case_id": None, "created_at": now,
                "updated_at": now,
            })
        found = raw_insert(conn, findings, frows, conflict=("chat_id", "anchor", "rule", "policy_version", "subject"))
        audit.record(conn, self.actor, "backscan.load", "stream", None, after={
            "findings": len(frows), "findings_new": found, "messages_new": new_messages, "chats": len(batches),
            "policy_version": version}, run_id=self.run_id)
        return {"findings_new": found, "messages_new": new_messages}


@dataclass
class ChatBatch:
    key: str
    first: Envelope
    items: list[Item]
    messages: list[Message] = field(default_factory=list)
    text_findings: dict[int, list[Finding]] = field(default_factory=dict)
    decisions: list = field(default_factory=list)
    context_ids: dict[int, int] = field(default_factory=dict)  # window index -> stored message id


@dataclass
class Prepared:
    messages: int
    duplicates: int = 0
    chats: list[ChatBatch] = field(default_factory=list)


def capture_sha(key: str) -> str:
    """``exports.sha256`` of a chat's stream capture record."""
    return hashlib.sha256(f"chatwarden-stream-capture\x1f{key}".encode()).hexdigest()


def _json(value: Any) -> Any:
    if isinstance(value, (str, bytes)):
        return orjson.loads(value)
    return value


def _seq_then_id(row: Any) -> tuple[int, int]:
    return row[2], row[1]  # (chat_id, id, seq, ...)


def _stored_message(index: int, r: Any) -> Message:
    """A context row (chat_id, id, seq, timestamp, sender, sender_phone, kind, text,
    edited, event, attachments, continuations, line) as the message
    :func:`chatwarden.store.records.row_to_message` makes of it, at ``index``."""
    ts = r[3]
    if isinstance(ts, str):
        ts = datetime.fromisoformat(ts)
    event, atts, conts = _json(r[9]), _json(r[10]), _json(r[11])
    text = r[7]
    return Message(index, ts, r[4], text, r[6], r[12], r[12] + text.count("\n"), r[5],
                   tuple(Attachment(**a) for a in atts) if atts else (), bool(r[8]),
                   SystemEvent(**event) if event else None,
                   tuple(ContinuationNote(**c) for c in conts) if conts else ())


# ---------------------------------------------------------------------------------------
# Hot-path inserts: plain DBAPI executemany (SQLAlchemy's per-row parameter processing costs
# more than SQLite's insert).  Values are written exactly as SQLAlchemy's types write them:
# JSON as text, None as SQL NULL in a ``JSON(none_as_null=True)`` column (the messages'
# event, attachments, continuations) and as the JSON text 'null' in a plain JSON column;
# DateTime on SQLite as 'YYYY-MM-DD HH:MM:SS.ffffff'.  Message rows come from
# :func:`chatwarden.store.records.message_values`, the import's own row builder.
# ---------------------------------------------------------------------------------------
def _sqlite_dt(v: datetime | None) -> str | None:
    if v is None:
        return None
    if v.tzinfo is not None:
        v = v.replace(tzinfo=None)
    return v.isoformat(" ", "microseconds")


def pair_lookup(conn: Connection, table: str, select_cols: Sequence[str], key_cols: tuple[str, str],
                pairs: Sequence[tuple[Any, Any]], chunk: int = 400) -> list[tuple]:
    """Rows of ``table`` whose two ``key_cols`` match one of ``pairs`` (a row-value IN
    list, answered from the unique index), on the DBAPI cursor."""
    if not pairs:
        return []
    ph = "%s" if conn.dialect.name == "postgresql" else "?"
    out: list[tuple] = []
    cur = conn.connection.dbapi_connection.cursor()
    try:
        for i in range(0, len(pairs), chunk):
            part = pairs[i:i + chunk]
            values = ", ".join([f"({ph}, {ph})"] * len(part))
            cur.execute(f"SELECT {', '.join(select_cols)} FROM {table} WHERE ({key_cols[0]}, {key_cols[1]}) IN "
                        f"(VALUES {values})", [v for pair in part for v in pair])
            out.extend(tuple(r) for r in cur.fetchall())
    finally:
        cur.close()
    return out


def raw_insert(conn: Connection, table, rows: list[dict[str, Any]], *, conflict: Sequence[str] | None = None) -> int:
    """INSERT many rows (ON CONFLICT DO NOTHING when ``conflict`` names the unique
    columns); return how many were inserted."""
    if not rows:
        return 0
    pg = conn.dialect.name == "postgresql"
    cols = list(rows[0])
    convs = []
    for c in cols:
        t = table.c[c].type
        if isinstance(t, JSON):
            convs.append(_json_or_null if t.none_as_null else _json_text)
        elif isinstance(t, DateTime) and not pg:
            convs.append(_sqlite_dt_memo())
        else:
            convs.append(None)
    ph = ", ".join(["%s" if pg else "?"] * len(cols))
    sql = f"INSERT INTO {table.name} ({', '.join(cols)}) VALUES ({ph})"
    if conflict:
        sql += f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
    conv_at = [(i, f) for i, f in enumerate(convs) if f is not None]
    params = []
    for r in rows:
        v = list(r.values())
        for i, f in conv_at:
            v[i] = f(v[i])
        params.append(tuple(v))
    res = conn.exec_driver_sql(sql, params)
    return res.rowcount if res.rowcount is not None and res.rowcount >= 0 else len(rows)


MESSAGE_COLS = ("id", *records.MESSAGE_COLS)
PROVENANCE_COLS = ("message_id", "chat_id", "source", "account", "device", "platform_id", "envelope_sha256",
                   "intake_ref", "attachment_refs", "sent_at", "received_at", "stored_at")


def _same(v: Any) -> Any:
    return v


def _sqlite_dt_memo() -> Any:
    """:func:`_sqlite_dt` remembering its last answer (a batch writes the same ``now``
    into every row)."""
    last: list[Any] = [None, None]

    def conv(v: datetime | None) -> str | None:
        if v is last[0]:
            return last[1]
        text = _sqlite_dt(v)
        last[0], last[1] = v, text
        return text

    return conv


def _json_text(v: Any) -> str:
    """A plain JSON column's value as SQLAlchemy writes it (None as the JSON text 'null')."""
    return "null" if v is None else orjson.dumps(v).decode()


def _json_or_null(v: Any) -> str | None:
    """A ``JSON(none_as_null=True)`` column's value as SQLAlchemy writes it (None as SQL NULL)."""
    return None if v is None else orjson.dumps(v).decode()


FINDING_COLS = ("chat_id", "message_id", "scan_id", "rule", "title", "category", "severity", "severity_rank", "score",
                "span_start", "span_end", "subject", "anchor", "explanation", "action", "citation", "evidence",
                "policy_version", "status", "case_id", "created_at", "updated_at")


def _finding_params(out: list[tuple], chat_id: int, scan_id: int, policy_version: str, decisions: Iterable[Decision],
                    message_id_of: dict[int, int], at: Any, citations: dict[Any, str]) -> None:
    """The ``findings`` rows of :func:`chatwarden.store.records.finding_rows`, as
    :func:`raw_insert` would write them, in :data:`FINDING_COLS` order (``at``: the
    created/updated time as the driver takes it; ``citations`` remembers each rule's
    citation as JSON text)."""
    for d, mid, subject in records.decision_targets(decisions, message_id_of):
        citation = citations.get(d.citation)
        if citation is None:
            c = d.citation
            citation = citations[c] = _json_text({"document": c.document, "section": c.section, "quote": c.quote})
        span = d.span
        out.append((chat_id, mid, scan_id, d.rule, d.title, d.category, d.severity, SEVERITY_RANK[d.severity],
                    float(d.score), span.start if span else None, span.end if span else None, subject,
                    str(mid) if mid is not None else "chat", d.explanation, d.action, citation,
                    _json_text([finding_dict(f) for f in d.findings]), policy_version, "open", None, at, at))


def _insert_params(conn: Connection, table: str, cols: Sequence[str], params: list[tuple], *,
                   conflict: Sequence[str] | None = None) -> int:
    """INSERT rows already converted for the driver; return how many went in."""
    if not params:
        return 0
    ph = ", ".join(["%s" if conn.dialect.name == "postgresql" else "?"] * len(cols))
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({ph})"
    if conflict:
        sql += f" ON CONFLICT ({', '.join(conflict)}) DO NOTHING"
    res = conn.exec_driver_sql(sql, params)
    return res.rowcount if res.rowcount is not None and res.rowcount >= 0 else len(params)


def _fields(m: Message) -> tuple:
    """A message's fields after its index: ``Message(index, *_fields(m))`` is ``m`` at ``index``."""
    return (m.timestamp, m.sender, m.text, m.kind, m.line, m.end_line, m.sender_phone, m.attachments, m.edited, m.event,
            m.continuations)


def _at(m: Message, index: int) -> Message:
    return Message(index, m.timestamp, m.sender, m.text, m.kind, m.line, m.end_line, m.sender_phone, m.attachments,
                   m.edited, m.event, m.continuations)


def _reindex_all(fs: Iterable[Finding], shift: int) -> list[Finding]:
    return [f.at(f.message_index + shift) if f.message_index is not None else f for f in fs]


def _reindex(fs: Iterable[Finding], index: int) -> list[Finding]:
    return [f.at(index) for f in fs]


def count_messages(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(stream_messages)).scalar_one()


def utc_now() -> datetime:
    return datetime.now(UTC)
