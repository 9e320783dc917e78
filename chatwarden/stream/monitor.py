"""The streaming monitor: lawful business monitoring around the clock.

One loop per process; any number of processes (on any number of machines) share the load
through the intake's consumer group::

    read a batch (or claim stale pending entries from a dead consumer)
      -> validate each envelope; a poison one goes to the dead-letter stream with the reason
      -> detection and policy per chat, outside the write transaction (processes overlap)
      -> ONE store transaction: chats, messages, provenance, findings, audit entry
      -> acknowledge, only after the commit

At-least-once delivery with idempotent storage (message identity from the platform's
message id) gives exactly-once results: a process killed between commit and
acknowledgement leaves entries that are redelivered, found stored and acknowledged.

Failures: a database error that may pass (locked, connection lost, a concurrent insert of
the same chat) is retried with back-off and the entries stay pending meanwhile; any other
error splits the batch until the one envelope that fails is found, which goes to the
dead-letter stream with the error's type as the reason.  Entries handed out more than
``monitor_max_deliveries`` times (e.g. they crash the process) are dead-lettered too.

SIGTERM/SIGINT finish the current batch, close this run's scan rows and exit.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import sqlalchemy.exc

from chatwarden.analysis import Analyzer
from chatwarden.config import Settings
from chatwarden.model import Actor
from chatwarden.store import Store
from chatwarden.stream.envelope import EnvelopeError, parse_envelope
from chatwarden.stream.intake import Delivery, Intake
from chatwarden.stream.metrics import Metrics
from chatwarden.stream.pipeline import Item, StreamWriter, envelope_hash

log = logging.getLogger("chatwarden.monitor")

TRANSIENT = (sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError, sqlalchemy.exc.IntegrityError)
STATS_EVERY = 5.0
HOUSEKEEPING_EVERY = 60.0
# SQLite page cache of the monitor's connection (taken only as pages are used): message
# identities are hashes, so each batch writes its unique-index entries at random places and
# the default 2 MiB cache keeps re-reading index pages (writes about 10 % faster at 40,000
# messages; docs/benchmarks/stream.md).
SQLITE_CACHE_KIB = 64 * 1024
# WAL pages after which the monitor's commit checkpoints (SQLite's default is 1,000, about
# 4 MiB: a batch of 2,000 envelopes writes more than that, so every commit checkpointed and
# synced the database file; with 10,000 (about 40 MiB) one commit in several does, and index
# pages written by several batches are copied once).
SQLITE_WAL_AUTOCHECKPOINT = 10_000


@dataclass
class MonitorSummary:
    batches: int = 0
    stored: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    findings: int = 0


class Monitor:
    def __init__(self, store: Store, analyzer: Analyzer, intake: Intake, settings: Settings, *, actor: Actor,
                 metrics: Metrics | None = None, batch: int | None = None, block_ms: int | None = None,
                 claim_idle_ms: int | None = None, max_deliveries: int | None = None,
                 stop_when_idle: float | None = None, max_messages: int | None = None) -> None:
        self.store = store
        self.analyzer = analyzer
        self.intake = intake
        self.settings = settings
        self.actor = actor
        self.metrics = metrics or Metrics(intake.consumer)
        self.batch = batch or settings.monitor_batch
        self.block_ms = block_ms if block_ms is not None else settings.monitor_block_ms
        self.claim_idle_ms = claim_idle_ms if claim_idle_ms is not None else settings.monitor_claim_idle_seconds * 1000
        self.max_deliveries = max_deliveries or settings.monitor_max_deliveries
        self.stop_when_idle = stop_when_idle
        self.max_messages = max_messages
        self.writer = StreamWriter(analyzer, actor, store.blobs, tz=settings.stream_timezone, kind="stream")
        self.summary = MonitorSummary()
        self._stop = threading.Event()
        self._sqlite = store.engine.dialect.name == "sqlite"

    # ------------------------------------------------------------------ control
    def request_stop(self, *_args) -> None:
        self._stop.set()

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGTERM, self.request_stop)
        signal.signal(signal.SIGINT, self.request_stop)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def ready(self) -> bool:
        """The intake and the store answer and the loop turned in the last minute."""
        if time.monotonic() - self.metrics.last_loop > max(60.0, self.block_ms / 1000 * 3):
            return False
        if not self.intake.ping():
            return False
        with self.store.read() as conn:
            conn.exec_driver_sql("SELECT 1")
        return True

    # ------------------------------------------------------------------ the loop
    def run(self) -> MonitorSummary:
        self.intake.ensure_group()
        claim_every = max(0.5, self.claim_idle_ms / 4000)
        next_claim = 0.0
        next_stats = 0.0
        next_house = time.monotonic() + HOUSEKEEPING_EVERY
        idle_since = time.monotonic()
        try:
            while not self._stop.is_set():
                self.metrics.beat()
                now = time.monotonic()
                deliveries: list[Delivery] = []
                if now >= next_claim:
                    deliveries = self.intake.claim_stale(self.claim_idle_ms, self.batch)
                    if deliveries:
                        with self.metrics.lock:
                            self.metrics.claimed += len(deliveries)
                        log.info("claimed %d stale pending entries", len(deliveries))
                    next_claim = now if len(deliveries) >= self.batch else now + claim_every
                if not deliveries:
                    deliveries = self.intake.read(self.batch, self.block_ms)
                now = time.monotonic()
                if now >= next_stats:
                    self._refresh_stats()
                    next_stats = now + STATS_EVERY
                if now >= next_house:
                    self._housekeeping()
                    next_house = now + HOUSEKEEPING_EVERY
                if not deliveries:
                    if self.stop_when_idle is not None and now - idle_since >= self.stop_when_idle:
                        break
                    continue
                idle_since = now
                self.process(deliveries)
                if self.max_messages is not None and \
                        self.summary.stored + self.summary.duplicates + self.summary.dead_lettered >= self.max_messages:
                    break
        finally:
            self._finish()
        return self.summary

    def _refresh_stats(self) -> None:
        try:
            self.metrics.set_stats(self.intake.stats())
        except Exception as exc:  # noqa: BLE001 - metrics must not stop the monitor
            log.warning("intake statistics unavailable (%s)", type(exc).__name__)

    def _housekeeping(self) -> None:
        try:
            self.intake.housekeeping()
        except Exception as exc:  # noqa: BLE001
            log.warning("intake housekeeping failed (%s)", type(exc).__name__)

    def _finish(self) -> None:
        try:
            with self.store.transaction() as conn:
                self.writer.finish(conn)
        except Exception as exc:  # noqa: BLE001
            log.warning("could not close this run's scans (%s)", type(exc).__name__)

    # ------------------------------------------------------------------ one batch
    def process(self, deliveries: Sequence[Delivery]) -> None:
        t0 = time.monotonic()
        good: list[tuple[Delivery, Item]] = []
        for d in deliveries:
            if d.deliveries > self.max_deliveries:
                self._dead_letter(d, f"delivered {d.deliveries} times without being stored")
                continue
            try:
                env = parse_envelope(d.data)
            except EnvelopeError as exc:
                self._dead_letter(d, "; ".join(exc.reasons))
                continue
            good.append((d, Item.of(env, envelope_hash(d.data), d.id)))
        if good:
            self._store(good, t0)
        else:
            self.intake.ack([])  # Kafka: commit the offsets of what was dead-lettered

    def _dead_letter(self, d: Delivery, reason: str) -> None:
        self.intake.dead_letter(d, reason[:2000])
        self.metrics.dead_lettered()
        self.summary.dead_lettered += 1
        log.info("dead-lettered entry %s: %s", d.id, reason[:500])

    def _store(self, good: list[tuple[Delivery, Item]], t0: float) -> None:
        attempt = 0
        while True:
            try:
                result = self._commit([it for _d, it in good], [d.id for d, _it in good])
                break
            except TRANSIENT as exc:
                self.writer.rolled_back()
                attempt += 1
                self.metrics.error("transient")
                log.warning("store busy or unreachable (%s); retry %d", type(exc).__name__, attempt)
                if isinstance(exc, sqlalchemy.exc.IntegrityError) and attempt >= 3:
                    return self._split(good, t0, exc)
                if self._stop.is_set() and attempt >= 3:
                    return None  # entries stay pending; another consumer will claim them
                time.sleep(min(30.0, 0.1 * 2 ** min(attempt, 8)))
            except Exception as exc:  # noqa: BLE001 - find the envelope that causes it
                self.writer.rolled_back()
                self.metrics.error("batch")
                return self._split(good, t0, exc)
        self.writer.committed()
        self.intake.ack([d for d, _it in good])
        self.metrics.batch(result.new, result.duplicates, result.findings_new, time.monotonic() - t0,
                           [d.enqueued_ms for d, _it in good if d.enqueued_ms is not None])
        self.summary.batches += 1
        self.summary.stored += result.new
        self.summary.duplicates += result.duplicates
        self.summary.findings += result.findings_new
        return None

    def _split(self, good: list[tuple[Delivery, Item]], t0: float, exc: BaseException) -> None:
        if len(good) == 1:
            d = good[0][0]
            self._dead_letter(d, f"processing failed: {type(exc).__name__}")
            return
        mid = len(good) // 2
        self._store(good[:mid], t0)
        self._store(good[mid:], t0)

    def _commit(self, items: list[Item], ids: list[str]):
        with self.store.read() as rconn:
            if self._sqlite:
                rconn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
            prepared = self.writer.prepare(rconn, items)
        with self.store.transaction() as conn:
            if self._sqlite:
                conn.exec_driver_sql(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
                conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint={SQLITE_WAL_AUTOCHECKPOINT}")
                conn.exec_driver_sql("BEGIN IMMEDIATE")  # take the write lock first: no upgrade deadlocks
            return self.writer.write(conn, prepared, audit_detail={
                "consumer": self.intake.consumer, "first": ids[0], "last": ids[-1]})


def build_monitor(settings: Settings, *, consumer: str | None = None, actor: Actor | None = None,
                  **kwargs) -> Monitor:
    """Open the store, the analyzer and the intake the settings name."""
    from chatwarden.stream.intake import make_intake

    store = Store.open(settings)
    analyzer = Analyzer.default(settings.policy_dir or None, settings.stream_detectors or None)
    intake = make_intake(settings, consumer)
    return Monitor(store, analyzer, intake, settings, actor=actor or Actor.system("monitor"), **kwargs)
