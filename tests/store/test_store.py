"""The case store on SQLite and PostgreSQL: imports that lose and duplicate nothing, crash
safety, four-eyes review, the tamper-evident audit trail, evidence and retention."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from chatwarden.cases import casework, evidence, retention, review
from chatwarden.errors import PermissionDenied, WorkflowError
from chatwarden.importer import import_export, rescan_chat
from chatwarden.model import Actor
from chatwarden.store import audit
from chatwarden.store.tables import audit_log, chats, exports, findings, messages, tombstones

REPO = Path(__file__).resolve().parents[2]

LINES = [
    "01/03/2024, 09:00 - Sgt Dan PRICE created group \"Response Team B\"",
    "01/03/2024, 09:00 - Sgt Dan PRICE added PC Priya SHAH",
    "01/03/2024, 09:01 - Sgt Dan PRICE: Morning all, briefing at 0700 tomorrow in room 2.14",
    "01/03/2024, 09:05 - PC Priya SHAH: PNC ID for our male is 03/62845E",
    "01/03/2024, 09:06 - Sgt Dan PRICE: Thanks, see you at the briefing",
]


def write_chat(path: Path, n_extra: int = 0, start: int = 0) -> Path:
    lines = list(LINES)
    t = datetime(2024, 3, 2, 8, 0)
    for i in range(start, n_extra):
        t2 = t + timedelta(minutes=i)
        who = "PC Priya SHAH" if i % 2 else "Sgt Dan PRICE"
        lines.append(f"{t2:%d/%m/%Y, %H:%M} - {who}: update {i} on the van rota, all fine")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def chat_file(tmp_path: Path, folder: str, name: str = "WhatsApp Chat with Response Team B.txt",
              n_extra: int = 0) -> Path:
    (tmp_path / folder).mkdir(exist_ok=True)
    return write_chat(tmp_path / folder / name, n_extra)


def counts(store) -> dict[str, int]:
    with store.read() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
                for t in (chats, exports, messages, findings, audit_log)}


def test_import_is_idempotent(store, analyzer, admin, tmp_path):
    export = write_chat(tmp_path / "WhatsApp Chat with Response Team B.txt", 30)
    first = import_export(store, analyzer, export, actor=admin)
    assert first.status == "imported" and first.new_messages == 35
    assert first.findings_new >= 1
    before = counts(store)
    again = import_export(store, analyzer, export, actor=admin)
    assert again.status == "already-imported" and again.new_messages == 0
    assert counts(store) == before
    assert store.blobs.exists(first.sha256)


def test_overlapping_export_adds_only_new_messages(store, analyzer, admin, tmp_path):
    early = chat_file(tmp_path, "a", n_extra=40)
    later_dir = tmp_path / "b"
    later_dir.mkdir()
    # the later export: the chat's tail, overlapping the first one by 20 messages, plus 25 more
    full = write_chat(later_dir / "full.txt", 65)
    tail = full.read_text(encoding="utf-8").splitlines()[25:]
    later = later_dir / "WhatsApp Chat with Response Team B.txt"
    later.write_text("\n".join(tail) + "\n", encoding="utf-8")
    r1 = import_export(store, analyzer, early, actor=admin)
    r2 = import_export(store, analyzer, later, actor=admin)
    assert r2.chat_id == r1.chat_id
    assert r2.messages == len(tail) and r2.new_messages == 25
    with store.read() as conn:
        n = conn.execute(select(func.count()).select_from(messages).where(messages.c.chat_id == r1.chat_id)).scalar_one()
        seqs = [r[0] for r in conn.execute(select(messages.c.seq).where(messages.c.chat_id == r1.chat_id)
                                           .order_by(messages.c.seq))]
    assert n == 70 and len(set(seqs)) == 70
    with store.read() as conn:
        texts = [r[0] for r in conn.execute(select(messages.c.text).where(messages.c.chat_id == r1.chat_id)
                                            .order_by(messages.c.seq))]
    assert texts[-1] == "update 64 on the van rota, all fine"
    # the chat's counters, kept by adding each import's new messages, match a recount
    with store.read() as conn:
        agg = conn.execute(select(func.count(), func.min(messages.c.timestamp), func.max(messages.c.timestamp))
                           .where(messages.c.chat_id == r1.chat_id)).one()
        row = conn.execute(select(chats.c.message_count, chats.c.first_message_at, chats.c.last_message_at)
                           .where(chats.c.id == r1.chat_id)).one()
    assert tuple(row) == tuple(agg) and row[0] == 70
    import_export(store, analyzer, later, actor=admin)  # already imported: nothing changes
    with store.read() as conn:
        assert conn.execute(select(chats.c.message_count).where(chats.c.id == r1.chat_id)).scalar_one() == 70


def test_small_batches_keep_message_ids_in_chat_order_and_findings_on_their_messages(store, analyzer, admin,
                                                                                   tmp_path):
    early = chat_file(tmp_path, "a", n_extra=40)
    r1 = import_export(store, analyzer, early, actor=admin, batch=4)
    later = chat_file(tmp_path, "b", n_extra=65)
    r2 = import_export(store, analyzer, later, actor=admin, batch=3)
    assert r2.chat_id == r1.chat_id and r2.new_messages == 25
    with store.read() as conn:
        seqs = [r[0] for r in conn.execute(select(messages.c.seq).where(messages.c.chat_id == r1.chat_id)
                                           .order_by(messages.c.id))]
        linked = [r[0] for r in conn.execute(select(messages.c.text).join(findings, findings.c.message_id == messages.c.id)
                                             .where(findings.c.chat_id == r1.chat_id))]
    assert len(seqs) == 70 and seqs == sorted(seqs)
    assert any("03/62845E" in t for t in linked)


def test_detection_workers_store_exactly_what_one_process_stores(store, analyzer, admin, tmp_path, request):
    """Text detection in worker processes (pipelined with parsing and storing) gives the
    same messages, findings and ids as doing everything in the importing process."""
    from chatwarden.config import load_settings
    from chatwarden.store import Store

    url = ""
    if store.backend == "postgresql":
        import uuid

        import pgcluster

        url = pgcluster.new_database(request.getfixturevalue("pg_base"), "t" + uuid.uuid4().hex[:16])
    twin = Store.open(load_settings(env={}, data_dir=str(tmp_path / "twin"), database_url=url or None))
    early, later = chat_file(tmp_path, "a", n_extra=90), chat_file(tmp_path, "b", n_extra=130)

    def content(st) -> tuple[list, list]:
        with st.read() as conn:
            msgs = [tuple(r) for r in conn.execute(select(messages.c.id, messages.c.seq, messages.c.identity,
                                                          messages.c.text).order_by(messages.c.id))]
            found = [tuple(r) for r in conn.execute(select(
                findings.c.id, findings.c.message_id, findings.c.rule, findings.c.span_start, findings.c.span_end,
                findings.c.subject, findings.c.score, findings.c.explanation).order_by(findings.c.id))]
        return msgs, found

    try:
        results = {}
        for st, workers in ((store, 0), (twin, 2)):
            results[workers] = [import_export(st, analyzer, export, actor=admin, batch=7, workers=workers)
                                for export in (early, later)]
        assert [(r.new_messages, r.findings_new) for r in results[0]] == \
               [(r.new_messages, r.findings_new) for r in results[2]]
        assert results[0][0].findings_new >= 1 and results[0][1].new_messages == 40
        assert content(store) == content(twin)
    finally:
        twin.close()


def test_a_big_import_refreshes_planner_statistics(store, analyzer, admin, tmp_path, monkeypatch):
    from chatwarden import importer

    monkeypatch.setattr(importer, "ANALYZE_AFTER", 30)
    import_export(store, analyzer, chat_file(tmp_path, "a", n_extra=40), actor=admin)
    if store.backend == "sqlite":
        with store.read() as conn:
            indexed = {r[0] for r in conn.execute(text("SELECT idx FROM sqlite_stat1 WHERE tbl = 'findings'"))}
        assert {"ix_findings_queue", "ix_findings_queue_category", "ix_findings_queue_severity"} <= indexed
        return
    with store.read() as conn:
        analysed = dict(conn.execute(text("SELECT relname, last_analyze IS NOT NULL FROM pg_stat_user_tables "
                                          "WHERE relname IN ('messages', 'findings')")).all())
    assert analysed == {"messages": True, "findings": True}


def test_rescan_with_a_new_policy_records_both(store, analyzer, admin, tmp_path):
    from chatwarden.analysis import Analyzer
    from chatwarden.policy import load_policy

    export = write_chat(tmp_path / "WhatsApp Chat with Response Team B.txt")
    r = import_export(store, analyzer, export, actor=admin)
    policy_dir = tmp_path / "policy"
    policy_dir.mkdir()
    for f in Path(load_policy().source).glob("*.yaml"):
        data = f.read_text(encoding="utf-8")
        if f.stem == "os-pnc-record":
            data = data.replace("severity: high", "severity: critical")
        (policy_dir / f.name).write_text(data, encoding="utf-8")
    newer = Analyzer.default(policy_dir)
    assert newer.policy.version != analyzer.policy.version
    out = rescan_chat(store, newer, r.chat_id, actor=admin)
    assert out["findings_new"] >= 1
    with store.read() as conn:
        rows = conn.execute(select(findings.c.policy_version, findings.c.severity)
                            .where(findings.c.rule == "os-pnc-record")).all()
    assert {v for v, _ in rows} == {analyzer.policy.version, newer.policy.version}
    assert {s for _, s in rows} == {"high", "critical"}
    # the same policy again adds nothing
    assert rescan_chat(store, newer, r.chat_id, actor=admin)["findings_new"] == 0


def _pnc_finding(store) -> int:
    with store.read() as conn:
        return conn.execute(select(findings.c.id).where(findings.c.rule == "os-pnc-record")).scalar_one()


def test_four_eyes_dismissal(store, analyzer, admin, tmp_path):
    import_export(store, analyzer, write_chat(tmp_path / "WhatsApp Chat with Response Team B.txt"), actor=admin)
    fid = _pnc_finding(store)
    first = Actor("u:rev1", "Rita REVIEWER", ("reviewer",))
    second = Actor("u:sup1", "Sam SUPERVISOR", ("supervisor",))
    with pytest.raises(WorkflowError):
        review.dismiss(store, first, fid, "  ")
    assert review.dismiss(store, first, fid, "training example, not real") == "pending-second"
    with pytest.raises(PermissionDenied):
        review.approve_dismissal(store, first, fid)
    with pytest.raises(WorkflowError):
        review.approve_dismissal(store, Actor("u:rev1", "Rita REVIEWER", ("supervisor",)), fid)
    assert review.approve_dismissal(store, second, fid, "agree") == "dismissed"
    detail = review.finding_detail(store, second, fid)
    assert [r["action"] for r in detail["reviews"]] == ["dismiss", "approve-dismissal"]
    assert any(m["id"] == detail["message_id"] for m in detail["thread"])
    with store.read() as conn:
        actions = [r[0] for r in conn.execute(select(audit_log.c.action).order_by(audit_log.c.id))]
    assert actions[-3:] == ["finding.dismiss", "finding.approve-dismissal", "view"]


def test_escalation_case_notes_and_closure(store, analyzer, admin, tmp_path):
    import_export(store, analyzer, write_chat(tmp_path / "WhatsApp Chat with Response Team B.txt"), actor=admin)
    fid = _pnc_finding(store)
    reviewer = Actor("u:rev1", "Rita REVIEWER", ("reviewer",))
    cid = review.escalate(store, reviewer, fid, kind="data-protection-incident", assignee="DS Kim LEE",
                          reason="PNC data on WhatsApp")
    casework.add_note(store, admin, cid, "spoke to the officer; chat exported")
    casework.close_case(store, admin, cid, "words of advice; chat deleted from device")
    c = casework.get_case(store, admin, cid)
    assert c["status"] == "closed" and c["findings"][0]["id"] == fid
    assert [t["action"] for t in c["timeline"]][:3] == ["case.open", "finding.escalate", "case.note"]
    with pytest.raises(WorkflowError):
        casework.close_case(store, admin, cid, "again")


def test_audit_chain_detects_tampering_and_triggers_block_changes(store, analyzer, admin, tmp_path):
    import_export(store, analyzer, write_chat(tmp_path / "WhatsApp Chat with Response Team B.txt"), actor=admin)
    fid = _pnc_finding(store)
    review.confirm(store, admin, fid)
    review.finding_detail(store, admin, fid)
    with store.read() as conn:
        assert audit.verify(conn).ok
    # the triggers reject UPDATE and DELETE through the normal connection
    for stmt in ("UPDATE audit_log SET actor_name = 'someone else' WHERE id = 2", "DELETE FROM audit_log WHERE id = 1"):
        with pytest.raises(Exception) as exc:
            with store.transaction() as conn:
                conn.execute(text(stmt))
        assert "append-only" in str(exc.value)
    # someone with direct database access drops the triggers and edits entry 2
    with store.engine.begin() as conn:
        if store.backend == "sqlite":
            conn.execute(text("DROP TRIGGER audit_log_no_update"))
            conn.execute(text("DROP TRIGGER audit_log_no_delete"))
        else:
            conn.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        conn.execute(text("UPDATE audit_log SET actor_name = 'someone else' WHERE id = 2"))
    with store.read() as conn:
        v = audit.verify(conn)
    assert not v.ok and v.first_bad_id == 2 and "altered" in v.problem
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_log WHERE id = 2"))
    with store.read() as conn:
        v = audit.verify(conn)
    assert not v.ok and v.first_bad_id == 3 and "missing" in v.problem


def test_evidence_package_for_a_case_verifies_and_detects_a_flipped_byte(store, analyzer, admin, tmp_path):
    from chatwarden.evidence import verify_package

    import_export(store, analyzer, write_chat(tmp_path / "WhatsApp Chat with Response Team B.txt"), actor=admin,
                  device="MDM-4411", account="+44 7700 900111")
    fid = _pnc_finding(store)
    cid = review.escalate(store, admin, fid, kind="misconduct-referral", assignee="DS Kim LEE", reason="PNC data")
    built = evidence.build_for_case(store, admin, cid, out_dir=tmp_path / "pkg")
    assert len(built) == 1
    path = Path(built[0]["path"])
    ok = verify_package(path, expected_manifest_sha256=built[0]["manifest_sha256"])
    assert ok.ok, ok.problems
    assert [o["missing"] for o in evidence.outstanding(store, admin)] == [["uploaded", "recorded", "supervisor-informed"]]
    pid = built[0]["id"]
    evidence.record_handoff(store, admin, pid, "uploaded", "EVCOM-2024-000123")
    evidence.record_handoff(store, admin, pid, "recorded", "CONNECT-01/123456/24")
    evidence.record_handoff(store, admin, pid, "supervisor-informed", "Insp Jo WALSH")
    assert evidence.outstanding(store, admin) == []
    # flip one byte inside the zip's original export
    import zipfile

    with zipfile.ZipFile(path) as zf:
        names = zf.namelist()
        original = next(n for n in names if n.startswith("original/"))
        entries = {n: zf.read(n) for n in names}
    data = bytearray(entries[original])
    data[10] ^= 0x01
    entries[original] = bytes(data)
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(tampered, "w") as zf:
        for n, b in entries.items():
            zf.writestr(n, b)
    bad = verify_package(tampered)
    assert not bad.ok and bad.first_bad == original


def test_retention_disposes_old_material_but_never_held(store, analyzer, admin, tmp_path):
    import_export(store, analyzer, chat_file(tmp_path, "a"), actor=admin)
    other = tmp_path / "b"
    other.mkdir()
    (other / "WhatsApp Chat with Night Turn.txt").write_text(
        "01/03/2024, 09:00 - Sgt Ali KHAN: Morning all\n01/03/2024, 09:05 - PC Jo BELL: morning skip\n",
        encoding="utf-8")
    import_export(store, analyzer, other / "WhatsApp Chat with Night Turn.txt", actor=admin)
    # hold the first chat through a case on its PNC finding
    fid = _pnc_finding(store)
    cid = review.escalate(store, admin, fid, kind="misconduct-referral", assignee="DS Kim LEE", reason="PNC")
    casework.set_hold(store, admin, cid, True, "CPIA: relevant to investigation")
    far_future = datetime.now(timezone.utc) + timedelta(days=3650)
    preview = retention.run(store, admin, dry_run=True, now=far_future)
    assert preview["messages"] == 2 and preview["held_messages"] >= 4
    done = retention.run(store, admin, now=far_future)
    assert done["messages"] == 2
    with store.read() as conn:
        held_left = conn.execute(select(func.count()).select_from(messages).where(
            messages.c.disposed.is_(False))).scalar_one()
        stones = conn.execute(select(func.count()).select_from(tombstones)).scalar_one()
        assert audit.verify(conn).ok
    assert held_left == 5 and stones == 2
    with pytest.raises(PermissionDenied):
        retention.run(store, Actor("u:rev", "R", ("reviewer",)), dry_run=True)


KILL_SCRIPT = r"""
import sys
from chatwarden.analysis import Analyzer
from chatwarden.config import load_settings
from chatwarden.importer import import_export
from chatwarden.model import Actor
from chatwarden.store import Store
settings = load_settings(env={}, data_dir=sys.argv[1], database_url=sys.argv[2] or None)
store = Store.open(settings)
def tick(n):
    print("batch", n, flush=True)
import_export(store, Analyzer.default(), sys.argv[3], actor=Actor("u:k", "K", ("administrator",)), batch=2000,
              on_batch=tick, workers=int(sys.argv[4]))
print("done", flush=True)
"""


def processes_with_argument(arg: str) -> list[int]:
    """Pids whose command line holds ``arg`` (Linux /proc; empty elsewhere)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if arg.encode() in cmdline.read_bytes().split(b"\0"):
                found.append(int(cmdline.parent.name))
        except OSError:
            continue
    return found


@pytest.mark.parametrize("workers", [0, 1], ids=["one-process", "detection-worker"])
def test_kill_mid_import_leaves_the_store_unchanged(store, analyzer, admin, tmp_path, workers):
    first = chat_file(tmp_path, "a")
    import_export(store, analyzer, first, actor=admin)
    before = counts(store)
    big = tmp_path / "WhatsApp Chat with Big Group.txt"
    write_chat(big, 60_000)
    url = "" if store.backend == "sqlite" else str(store.engine.url.render_as_string(hide_password=False)).replace(
        "postgresql+psycopg://", "postgresql://")
    proc = subprocess.Popen([sys.executable, "-c", KILL_SCRIPT, str(store.settings.data_dir), url, str(big),
                             str(workers)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    seen = 0
    deadline = time.time() + 120
    while time.time() < deadline:
        line = proc.stdout.readline()
        if line.startswith("batch"):
            seen += 1
            if seen >= 3:
                break
        if not line:
            break
    assert seen >= 3, proc.stderr.read()
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    # a detection worker dies with the import (it holds no lock or half-written state)
    deadline = time.time() + 10
    while processes_with_argument(str(big)) and time.time() < deadline:
        time.sleep(0.1)
    assert processes_with_argument(str(big)) == []
    store.engine.dispose()
    from chatwarden.store import Store

    reopened = Store.open(store.settings)
    try:
        assert counts(reopened) == before
        with reopened.read() as conn:
            assert audit.verify(conn).ok
        assert list((Path(store.settings.data_dir) / "blobs" / "tmp").glob("*.part")) == []
    finally:
        reopened.close()
