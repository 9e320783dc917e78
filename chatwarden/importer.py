"""The import use case: export -> parse -> detect -> evaluate -> store, in ONE transaction
with its audit entry.

* Importing the same export again changes nothing (the export's SHA-256 is known).
* An overlapping later export of the same chat adds only the messages the store lacks
  (message identity: timestamp, sender, kind, text and the count of identical messages in
  the same minute).  Detection runs over the new messages with their neighbours as context.
* A crash or kill at any point leaves the store as it was: nothing is committed until the
  end, and the original export is staged as a blob that only lands after the commit.
* Messages stream through in batches, so memory does not grow with the export's size.
* The text detectors (most of the CPU time) can run in forked worker processes
  (``import_workers``) while this process parses and stores the next batch; batches are
  finished in order, so messages, findings and their ids come out exactly as in one
  process.  The workers only compute: every write stays here, in the one transaction.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import uuid
from collections import defaultdict, deque
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Connection, insert, update

from chatwarden.analysis import Analyzer
from chatwarden.detect.base import TEXT_KINDS
from chatwarden.detect.engine import DetectionEngine
from chatwarden.ingest import open_export
from chatwarden.model import Actor, Finding, Message
from chatwarden.policy import evaluate
from chatwarden.serialize import warning_dict
from chatwarden.store import Store, audit, records
from chatwarden.store.db import bulk_writes
from chatwarden.store.tables import custody, exports

BATCH = 5000
ANALYZE_AFTER = 10_000  # new messages from which an import refreshes PostgreSQL's planner statistics
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


EPOCH = datetime(1970, 1, 1)


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
    workers: int | None = None,
) -> ImportResult:
    """Import one export.  ``workers``: text-detection worker processes (default: the
    ``import_workers`` setting; 0 = all in this process); ``on_batch`` is called with the
    number of messages fully processed after each batch."""
    run_id = str(uuid.uuid4())
    n_workers = resolve_workers(store.settings.import_workers if workers is None else workers)
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
            with bulk_writes(conn):
                totals = _stream(conn, analyzer, parsed.messages(), chat_id, export_id, scan_id, had_messages,
                                 batch, on_batch, n_workers)
            chat = parsed.chat  # complete now
            findings_new = totals["findings"] + _chat_level(conn, analyzer, chat, totals["view"], chat_id, scan_id,
                                                            totals["ids"])
            conn.execute(update(exports).where(exports.c.id == export_id).values(
                lines=chat.lines, messages=totals["messages"], new_messages=totals["new"],
                warnings=[warning_dict(w) for w in parsed.warnings],
            ))
            records.upsert_participants(conn, chat_id, chat)
            records.add_to_chat_counters(conn, chat_id, totals["new"], totals["first"], totals["last"])
            records.finish_scan(conn, scan_id, totals["new"], findings_new)
            audit.record(conn, actor, "import", "export", export_id, after={
                "sha256": chat.sha256, "chat_id": chat_id, "messages": totals["messages"], "new_messages": totals["new"],
                "findings_new": findings_new, "policy_version": analyzer.policy.version, "device": device,
                "account": account,
            }, run_id=run_id)
            conn.execute(insert(custody).values(
                export_id=export_id, actor=actor.name, action="captured",
                detail=f"export hashed at capture (sha256 {chat.sha256}); device {device or 'not given'}; "
                       f"account {account or 'not given'}",
                at=datetime.now(timezone.utc),
            ))
    if totals["new"] >= ANALYZE_AFTER:
        store.refresh_statistics("messages", "findings")
    return ImportResult("imported", chat_id, export_id, chat.sha256, totals["messages"], totals["new"], findings_new,
                        scan_id, analyzer.policy.version)


def resolve_workers(setting: int) -> int:
    """Detection worker processes for the ``import_workers`` setting: -1 = one fewer than
    the CPUs this process may use; 0 where processes cannot be forked."""
    if setting < 0:
        try:
            cpus = len(os.sched_getaffinity(0))
        except AttributeError:  # not Linux
            cpus = os.cpu_count() or 1
        setting = cpus - 1
    if setting > 0 and "fork" not in multiprocessing.get_all_start_methods():
        return 0
    return max(setting, 0)


_WORKER_ENGINE: DetectionEngine | None = None


def _worker_start(engine: DetectionEngine, parent_pid: int) -> None:
    """In a forked worker: keep the parent's engine (inherited, not pickled), leave Ctrl-C
    to the parent, and die with the parent (Linux), so a killed import leaves no worker."""
    global _WORKER_ENGINE
    _WORKER_ENGINE = engine
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    watched = False
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            watched = ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL)) == 0  # PR_SET_PDEATHSIG
        except (OSError, AttributeError, TypeError):
            pass
    if os.getppid() != parent_pid:  # the parent died before the line above
        os._exit(1)
    if not watched:  # elsewhere: look for the parent every second
        import threading
        import time

        def watch() -> None:
            while os.getppid() == parent_pid:
                time.sleep(1.0)
            os._exit(1)

        threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class _Probe:
    """What a text detector reads of a message (its index, kind and text), rebuilt in a
    worker from the three lists :func:`_probe_lists` sends: pickling whole messages (with
    timestamps, senders, attachments) cost more than a fifth of the detection itself."""

    __slots__ = ("index", "kind", "text")

    def __init__(self, index: int, kind: str, text: str) -> None:
        self.index = index
        self.kind = kind
        self.text = text


def _probe_lists(messages: Sequence[Message]) -> tuple[list[int], list[str], list[str]]:
    """Index, kind and text of the messages the text detectors look at, in chat order."""
    idx, kinds, texts = [], [], []
    for m in messages:
        if m.kind in TEXT_KINDS and m.text:
            idx.append(m.index)
            kinds.append(m.kind)
            texts.append(m.text)
    return idx, kinds, texts


def _worker_text_findings(idx: list[int], kinds: list[str], texts: list[str]) -> list[Finding]:
    return _WORKER_ENGINE.text_findings(list(map(_Probe, idx, kinds, texts)))  # type: ignore[union-attr,arg-type]


class _TextDetection:
    """The engine's text detectors over batches: in this process, or (``workers`` > 0,
    once an export proves bigger than one batch) in forked worker processes, which inherit
    the analyzer as it is, so they find exactly what this process would.

    Balancing: a batch goes to the workers while fewer than two per worker are still
    running there; otherwise this process, which would only wait for them later, detects
    it itself.  Results are used in submission order either way, so the split changes
    nothing but the time taken."""

    def __init__(self, engine: DetectionEngine, workers: int) -> None:
        self.engine = engine
        self.workers = workers
        self.pool: ProcessPoolExecutor | None = None
        self.running: deque[Future] = deque()

    @property
    def depth(self) -> int:
        """Batches that may wait for their text findings: enough to keep every worker busy
        while this process parses and stores the next batch."""
        return 2 * self.workers + 1 if self.pool is not None else 0

    def submit(self, messages: list[Message], *, more_expected: bool) -> Future:
        if self.pool is None and self.workers > 0 and more_expected:
            self.pool = ProcessPoolExecutor(self.workers, mp_context=multiprocessing.get_context("fork"),
                                            initializer=_worker_start, initargs=(self.engine, os.getpid()))
        if self.pool is not None:
            while self.running and self.running[0].done():
                self.running.popleft()
            if len(self.running) < 2 * self.workers:
                future = self.pool.submit(_worker_text_findings, *_probe_lists(messages))
                self.running.append(future)
                return future
        done: Future = Future()
        done.set_result(self.engine.text_findings(messages))
        return done

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None


def _stream(conn: Connection, analyzer: Analyzer, messages, chat_id: int, export_id: int, scan_id: int,
            had_messages: bool, batch: int, on_batch, workers: int = 0) -> dict:
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
    last_ts = None  # the previous message's timestamp, its seconds and stored form
    last_sec_stamp: tuple[int, Any] = (0, None)
    to_db = records.stored_datetime(conn)
    totals: dict[str, Any] = {"messages": 0, "new": 0, "findings": 0, "first": None, "last": None}
    done = 0
    last: Message | None = None
    buf: list[Message] = []
    detection = _TextDetection(engine, workers)
    # stored batches whose findings are still to come, oldest first: (batch, its new messages, text findings)
    pending: deque[tuple[list[Message], list[Message], Future | None]] = deque()

    def store(chunk: list[Message], *, more_expected: bool) -> None:
        nonlocal last_second, last_ts, last_sec_stamp
        keys = [identity(m) for m in chunk]
        existing = records.existing_identities(conn, chat_id, keys) if had_messages else {}
        if existing:
            new_pairs = []
            for m, key in zip(chunk, keys):
                if key in existing:
                    ids[m.index] = existing[key]
                else:
                    new_pairs.append((m, key))
        else:
            new_pairs = list(zip(chunk, keys))
        new_msgs = [m for m, _ in new_pairs]
        # detection starts (in a worker) before this process writes the batch
        text_findings = detection.submit(new_msgs, more_expected=more_expected) if new_msgs else None
        rows = []
        sec, stamp = last_sec_stamp
        for m, key in new_pairs:
            ts = m.timestamp
            if ts is not last_ts:
                last_ts = ts
                sec = int((ts - EPOCH).total_seconds())
                stamp = to_db(ts)
                if sec != last_second:
                    same_second.clear()
                    last_second = sec
            # chat order that survives imports in any order: wall-clock seconds, then the
            # order inside the export among messages with the same time
            pos = same_second.get(sec, 0)
            same_second[sec] = pos + 1
            rows.append(records.message_values(chat_id, export_id, sec * SEQ_SLOTS + min(pos, SEQ_SLOTS - 1), key, m,
                                               stamp))
        last_sec_stamp = (sec, stamp)
        for m, mid in zip(new_msgs, records.insert_message_values(conn, rows)):
            ids[m.index] = mid
        totals["messages"] += len(chunk)
        totals["new"] += len(new_msgs)
        if new_msgs:  # an export's timestamps need not be in order (clock changes)
            lo = min(m.timestamp for m in new_msgs)
            hi = max(m.timestamp for m in new_msgs)
            totals["first"] = lo if totals["first"] is None else min(totals["first"], lo)
            totals["last"] = hi if totals["last"] is None else max(totals["last"], hi)
        pending.append((chunk, new_msgs, text_findings))
        while len(pending) > detection.depth:
            finish(*pending.popleft())

    def finish(chunk: list[Message], new_msgs: list[Message], text_findings: Future | None) -> None:
        nonlocal carry, carry_findings, done
        if text_findings is not None:
            text = text_findings.result()
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
        done += len(chunk)
        if on_batch:
            on_batch(done)

    try:
        for m in messages:
            if m.sender is None or m.sender not in seen_senders or m.is_system:
                view.append(m)
                if m.sender is not None:
                    seen_senders.add(m.sender)
            last = m
            buf.append(m)
            if len(buf) >= batch:
                store(buf, more_expected=True)
                buf = []
        if buf:
            store(buf, more_expected=False)
        while pending:
            finish(*pending.popleft())
    finally:
        detection.close()
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
