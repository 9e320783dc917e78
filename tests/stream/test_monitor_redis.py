"""The streaming monitor on a real redis-server (started by the test on a free loopback
port): two monitor processes share a stream, one is killed with SIGKILL mid-batch, and
every message ends up stored exactly once with exactly its findings; poison envelopes go
to the dead-letter stream with a reason; pending entries of the dead consumer are claimed.
In-process tests cover the failure paths, metrics/health endpoints and housekeeping."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request

import orjson
import pytest
import redis
from sqlalchemy import func, select
from stream_helpers import good_envelope

from chatwarden.analysis import Analyzer
from chatwarden.model import Actor
from chatwarden.policy import evaluate
from chatwarden.store import Store
from chatwarden.store.tables import audit_log, findings, messages, scans, stream_messages
from chatwarden.stream.envelope import parse_envelope
from chatwarden.stream.generate import envelopes
from chatwarden.stream.metrics import MetricsServer
from chatwarden.stream.monitor import Monitor
from chatwarden.stream.redis_intake import RedisIntake

TEXT_DETECTORS = ["identifiers", "markings"]  # findings depend on the message alone: exact expectations


def expected_findings(envs: list[dict]) -> set[tuple[str, str, str]]:
    an = Analyzer.default(detectors=TEXT_DETECTORS)
    out = set()
    for e in envs:
        m = parse_envelope(e).to_message(0)
        for d in evaluate(an.policy, [m], an.engine.text_findings([m])):
            subject = ""
            for f in d.findings:
                subject = f.attr("subject") or subject
            out.add((e["message_id"], d.rule, subject))
    return out


def stored_findings(store: Store) -> set[tuple[str, str, str]]:
    with store.read() as conn:
        rows = conn.execute(select(stream_messages.c.platform_id, findings.c.rule, findings.c.subject)
                            .join(findings, findings.c.message_id == stream_messages.c.message_id)).all()
    assert len(rows) == len(set(rows)), "a finding is stored twice"
    return {tuple(r) for r in rows}


def monitor_env(settings, **extra) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATWARDEN_")}
    env.update({
        "CHATWARDEN_REDIS_URL": settings.redis_url, "CHATWARDEN_DATA_DIR": settings.data_dir,
        "CHATWARDEN_STREAM_DETECTORS": ",".join(TEXT_DETECTORS), "CHATWARDEN_MONITOR_CLAIM_IDLE_SECONDS": "1",
        "CHATWARDEN_MONITOR_BLOCK_MS": "200", **extra,
    })
    return env


def start_monitor(settings, consumer: str, *args: str, **env) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "from chatwarden.cli import main; main()", "monitor", "--consumer", consumer,
                             "--log-level", "warning", *args],
                            env=monitor_env(settings, **env), stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait(what: str, cond, proc: subprocess.Popen, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if proc.poll() is not None:
            _out, err = proc.communicate()
            pytest.fail(f"monitor exited ({proc.returncode}) before {what}: {err.decode()[-2000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.005)


def test_two_processes_one_killed_mid_batch(stream_settings):
    """Process a stores a first part of the stream, then is killed holding a batch it read
    and had not stored; process b, started afterwards, claims a's pending entries and
    drains the rest.  The order is forced (no timing luck under load): a's next commit
    waits on a SQLite write lock this test holds, so a is certain to be caught with entries
    read and not acknowledged, and b starts only after a is dead, so it cannot take them
    over (or drain the stream) before a is caught."""
    s = stream_settings
    Store.open(s).close()  # migrate once before the processes start
    r = redis.Redis.from_url(s.redis_url)
    intake = RedisIntake.from_settings(s, "producer")
    envs = list(envelopes(4000, chats=150, seed=11))
    items = [(orjson.dumps(e), None, None) for e in envs]
    items.insert(100, (b"{this is not json", None, None))
    items.insert(2000, (orjson.dumps({k: v for k, v in good_envelope(message_id="poison").items() if k != "chat"}),
                        None, None))
    items.insert(3000, (orjson.dumps(envs[5]), None, None))  # a connector's redelivery of a message
    first, rest = items[:1000], items[1000:]
    intake.push_many(first)
    intake.ensure_group()
    last_of_first = r.xinfo_stream(s.stream_name)["last-generated-id"]

    def pending_of(name: str) -> int:
        return {c["name"].decode(): int(c["pending"])
                for c in r.xinfo_consumers(s.stream_name, s.consumer_group)}.get(name, 0)

    def group() -> dict:
        return r.xinfo_groups(s.stream_name)[0]

    a = start_monitor(s, "a", "--batch", "400")
    # a stores (and acknowledges) the first part on its own
    _wait("a stores the first part", lambda: group()["last-delivered-id"] == last_of_first
          and group()["pending"] == 0, a)
    lock = sqlite3.connect(s.data_path / "chatwarden.db", timeout=60, isolation_level=None)
    try:
        lock.execute("BEGIN IMMEDIATE")  # a's next commit waits here
        intake.push_many(rest)
        _wait("a reads a batch of the rest", lambda: pending_of("a") > 0, a)
        a.send_signal(signal.SIGKILL)  # mid-batch: entries read, not yet stored or acknowledged
        a.wait(30)
    finally:
        lock.rollback()
        lock.close()
    assert a.returncode == -signal.SIGKILL
    held = pending_of("a")
    assert held > 0
    store = Store.open(s)
    with store.read() as conn:
        stored_by_a = conn.execute(select(func.count()).select_from(stream_messages)).scalar_one()
    store.close()
    assert stored_by_a == len(first) - 1  # the first part (less its poison entry), none of the held batch
    b = start_monitor(s, "b", "--batch", "250", "--stop-when-idle", "4")
    out, err = b.communicate(timeout=150)
    assert b.returncode == 0, err.decode()[-2000:]
    summary = orjson.loads(out.splitlines()[-1])

    # nothing pending: the dead consumer's entries were claimed and acknowledged
    assert r.xpending(s.stream_name, s.consumer_group)["pending"] == 0
    assert {c["name"].decode(): int(c["pending"]) for c in r.xinfo_consumers(s.stream_name, s.consumer_group)}["a"] == 0
    # every message exactly once
    store = Store.open(s)
    with store.read() as conn:
        n_prov = conn.execute(select(func.count()).select_from(stream_messages)).scalar_one()
        n_ids = conn.execute(select(func.count(func.distinct(stream_messages.c.platform_id)))).scalar_one()
        n_msgs = conn.execute(select(func.count()).select_from(messages)).scalar_one()
        audits = conn.execute(select(func.count()).select_from(audit_log)
                              .where(audit_log.c.action == "stream.store")).scalar_one()
    assert n_prov == n_ids == n_msgs == len(envs)
    assert audits >= 1
    # with exactly its findings
    assert stored_findings(store) == expected_findings(envs)
    # poison in the dead-letter stream with reasons naming the problem
    dead = r.xrange(s.dead_letter_stream)
    reasons = sorted(f[b"reason"].decode() for _i, f in dead)
    assert len(dead) == 2
    assert reasons[0].startswith("chat: required") and "not valid JSON" in reasons[1]
    # b stored the rest, a's held batch included, each message once
    assert summary["stored"] == len(envs) - stored_by_a
    assert summary["dead_lettered"] == 1 and summary["duplicates"] >= 1  # the redelivered message
    store.close()


def _monitor(settings, consumer: str, **kw) -> Monitor:
    store = Store.open(settings)
    analyzer = Analyzer.default(detectors=TEXT_DETECTORS)
    intake = RedisIntake.from_settings(settings, consumer)
    return Monitor(store, analyzer, intake, settings, actor=Actor.system("monitor"), **kw)


def _push(settings, envs) -> RedisIntake:
    intake = RedisIntake.from_settings(settings, "producer")
    intake.push_many([(orjson.dumps(e), None, None) for e in envs])
    return intake


def test_crash_between_commit_and_ack_is_harmless(stream_settings):
    envs = list(envelopes(300, chats=20, seed=3))
    _push(stream_settings, envs)
    first = _monitor(stream_settings, "first", batch=300, block_ms=100)

    def crash(_deliveries):
        raise KeyboardInterrupt  # the process dies after the commit, before XACK

    first.intake.ack = crash
    with pytest.raises(KeyboardInterrupt):
        first.run()
    second = _monitor(stream_settings, "second", batch=300, block_ms=100, claim_idle_ms=0, stop_when_idle=0.5)
    summary = second.run()
    assert summary.stored == 0 and summary.duplicates == 300  # redelivered, found stored, acknowledged
    r = redis.Redis.from_url(stream_settings.redis_url)
    assert r.xpending(stream_settings.stream_name, stream_settings.consumer_group)["pending"] == 0
    assert stored_findings(second.store) == expected_findings(envs)


def test_failing_envelope_is_isolated_and_dead_lettered(stream_settings):
    envs = list(envelopes(50, chats=5, seed=4))
    envs[17]["text"] = "BOOM"
    _push(stream_settings, envs)
    mon = _monitor(stream_settings, "m", batch=50, block_ms=100, stop_when_idle=0.3)
    real = mon.analyzer.engine.text_findings

    def text_findings(msgs):
        if any(m.text == "BOOM" for m in msgs):
            raise RuntimeError("detector crashed")
        return real(msgs)

    mon.analyzer.engine.text_findings = text_findings
    summary = mon.run()
    assert summary.stored == 49 and summary.dead_lettered == 1
    dead = redis.Redis.from_url(stream_settings.redis_url).xrange(stream_settings.dead_letter_stream)
    assert dead[0][1][b"reason"] == b"processing failed: RuntimeError"
    assert b"detector crashed" not in dead[0][1][b"reason"]


def test_entries_that_keep_failing_are_dead_lettered_after_max_deliveries(stream_settings):
    _push(stream_settings, list(envelopes(3, chats=1, seed=5)))
    r = redis.Redis.from_url(stream_settings.redis_url)
    victim = RedisIntake.from_settings(stream_settings, "victim")
    victim.ensure_group()
    for _ in range(3):  # read, "crash", claimed again by other consumers...
        victim.read(10, 100) or victim.claim_stale(0, 10)
    mon = _monitor(stream_settings, "m", block_ms=100, claim_idle_ms=0, max_deliveries=3, stop_when_idle=0.3)
    summary = mon.run()
    assert summary.dead_lettered == 3 and summary.stored == 0
    reasons = {f[b"reason"] for _i, f in r.xrange(stream_settings.dead_letter_stream)}
    assert reasons == {b"delivered 4 times without being stored"}


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_metrics_health_and_readiness(stream_settings):
    envs = list(envelopes(300, chats=10, seed=9))
    _push(stream_settings, envs)
    mon = _monitor(stream_settings, "m", batch=100, block_ms=100)
    server = MetricsServer(mon.metrics, 0, mon.ready).start()
    base = f"http://127.0.0.1:{server.port}"
    assert server.httpd.server_address[0] == "127.0.0.1"
    t = threading.Thread(target=mon.run, daemon=True)
    t.start()
    try:
        deadline = time.monotonic() + 60
        while mon.summary.stored < 300 and time.monotonic() < deadline:
            time.sleep(0.05)
        mon._refresh_stats()
        status, text = _get(base + "/metrics")
        assert status == 200
        assert 'chatwarden_monitor_messages_total{outcome="stored"} 300' in text
        assert "chatwarden_monitor_lag 0" in text and "chatwarden_monitor_pending 0" in text
        assert "chatwarden_monitor_read_to_stored_seconds_count 300" in text
        assert "chatwarden_monitor_end_to_end_seconds_bucket" in text and "chatwarden_monitor_throughput" in text
        for e in envs:  # counts only: no text, names, chat or message ids
            assert e["text"] not in text and e["message_id"] not in text and e["chat"]["id"] not in text
        assert _get(base + "/healthz") == (200, "ok\n")
        assert _get(base + "/readyz") == (200, "ready\n")
        assert _get(base + "/anything")[0] == 404
    finally:
        mon.request_stop()
        t.join(30)
    mon.metrics.last_loop -= 3600  # a loop that stopped turning is not ready
    assert _get(base + "/readyz") == (503, "not ready\n")
    server.stop()


def test_housekeeping_trims_acknowledged_entries(stream_settings):
    _push(stream_settings, list(envelopes(200, chats=10, seed=6)))
    mon = _monitor(stream_settings, "m", batch=100, block_ms=100, stop_when_idle=0.3)
    mon.run()
    r = redis.Redis.from_url(stream_settings.redis_url)
    assert r.xlen(stream_settings.stream_name) == 200
    mon.intake.housekeeping()
    assert r.xlen(stream_settings.stream_name) < 200  # approximate trimming (~) keeps at most a node's worth
    left = r.xrange(stream_settings.stream_name)
    # never trims what the group has not acknowledged
    _push(stream_settings, list(envelopes(5, chats=1, seed=7, prefix="late")))
    mon.intake.housekeeping()
    assert r.xlen(stream_settings.stream_name) >= 5 and len(left) <= 200


def test_sigterm_finishes_the_batch_and_closes_scans(stream_settings):
    Store.open(stream_settings).close()
    _push(stream_settings, list(envelopes(500, chats=10, seed=8)))
    p = start_monitor(stream_settings, "t", "--batch", "100")
    store = Store.open(stream_settings)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with store.read() as conn:
            if conn.execute(select(func.count()).select_from(stream_messages)).scalar_one() >= 100:
                break
        time.sleep(0.05)
    p.send_signal(signal.SIGTERM)
    out, err = p.communicate(timeout=60)
    assert p.returncode == 0, err.decode()[-1000:]
    summary = orjson.loads(out.splitlines()[-1])
    with store.read() as conn:
        stored = conn.execute(select(func.count()).select_from(stream_messages)).scalar_one()
        open_scans = conn.execute(select(func.count()).select_from(scans).where(scans.c.finished_at.is_(None))).scalar_one()
    assert stored == summary["stored"] and open_scans == 0
    r = redis.Redis.from_url(stream_settings.redis_url)
    assert r.xpending(stream_settings.stream_name, stream_settings.consumer_group)["pending"] == 0
    store.close()
