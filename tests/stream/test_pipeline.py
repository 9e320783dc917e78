"""Storing envelopes (the monitor's transaction) on SQLite and PostgreSQL: messages,
provenance, findings, counters, scans and the audit entry; redelivery adds nothing;
context across batches; concurrent writers of the same chat."""

from __future__ import annotations

from pathlib import Path

import orjson
from sqlalchemy import func, select
from stream_helpers import good_envelope

from chatwarden.analysis import Analyzer
from chatwarden.model import Actor
from chatwarden.store import audit
from chatwarden.store.tables import audit_log, chats, exports, findings, messages, participants, scans, stream_messages
from chatwarden.stream.envelope import parse_envelope
from chatwarden.stream.generate import envelopes
from chatwarden.stream.pipeline import Item, StreamWriter, envelope_hash

ACTOR = Actor.system("monitor")


def items(envs) -> list[Item]:
    out = []
    for i, e in enumerate(envs):
        data = orjson.dumps(e)
        out.append(Item.of(parse_envelope(data), envelope_hash(data), f"{i}-0"))
    return out


def count(conn, table) -> int:
    return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_store_and_redeliver(store):
    analyzer = Analyzer.default(detectors=["identifiers", "markings", "governance"])
    w = StreamWriter(analyzer, ACTOR, store.blobs)
    envs = list(envelopes(400, chats=9, seed=31))
    batch = items(envs)
    with store.transaction() as conn:
        r1 = w.store(conn, batch[:250])
    w.committed()
    with store.transaction() as conn:
        r2 = w.store(conn, batch[200:])  # 50 redelivered, 150 new
    w.committed()
    assert (r1.new, r1.duplicates) == (250, 0) and (r2.new, r2.duplicates) == (150, 50)
    assert r1.findings_new > 0
    other = StreamWriter(analyzer, ACTOR, store.blobs)  # another process: nothing cached
    with store.transaction() as conn:
        r3 = other.store(conn, batch)
    other.committed()
    assert r3.new == 0 and r3.duplicates == 400 and r3.findings_new == 0
    with store.read() as conn:
        assert count(conn, messages) == count(conn, stream_messages) == 400
        assert count(conn, chats) == 9 and count(conn, exports) == 9
        assert count(conn, findings) == r1.findings_new + r2.findings_new
        assert conn.execute(select(func.sum(chats.c.message_count))).scalar_one() == 400
        assert conn.execute(select(func.sum(participants.c.messages))).scalar_one() == 400
        assert conn.execute(select(func.sum(scans.c.messages_scanned))).scalar_one() == 400
        assert conn.execute(select(func.sum(scans.c.findings_new))).scalar_one() == count(conn, findings)
        assert count(conn, audit_log) == 3 and audit.verify(conn).ok
        prov = conn.execute(select(stream_messages).limit(1)).mappings().one()
        assert prov["source"] == "archive-gateway" and len(prov["envelope_sha256"]) == 64
        m = conn.execute(select(messages).where(messages.c.id == prov["message_id"])).mappings().one()
        assert m["identity"] == parse_envelope(next(e for e in envs if e["message_id"] == prov["platform_id"])).identity
        exp = conn.execute(select(exports).limit(1)).mappings().one()
        assert exp["platform"] == "stream" and store.blobs.exists(exp["blob"])
        after = conn.execute(select(audit_log.c.after).where(audit_log.c.action == "stream.store")).scalars().all()
    for detail in after:  # counts only
        assert set(detail) == {"messages", "new", "duplicates", "findings_new", "chats", "policy_version"}


def test_context_and_chat_level_in_a_stream(store):
    analyzer = Analyzer.default(detectors=["identifiers", "markings", "policing", "names", "context", "governance"])
    w = StreamWriter(analyzer, ACTOR, store.blobs)
    base = {"chat": {"id": "g1", "name": "Team", "is_group": True}}
    first = [
        good_envelope(message_id="a1", timestamp="2026-05-01T09:00:00Z", text="Here's the custody image for the bloke",
                      **base),
        good_envelope(message_id="a2", timestamp="2026-05-01T09:00:30Z", kind="system:disappearing_off", sender=None,
                      text="turned off disappearing messages", event={"actor": "Sgt Dan PRICE"}, **base),
    ]
    media = good_envelope(message_id="a3", timestamp="2026-05-01T09:01:00Z", kind="attachment", text="",
                          attachments=[{"media_type": "image", "ref": "gw:1"}], **base)
    with store.transaction() as conn:
        w.store(conn, items(first))
    w.committed()
    fresh = StreamWriter(analyzer, ACTOR, store.blobs)  # the context comes from the store, not a cache
    with store.transaction() as conn:
        fresh.store(conn, items([media]))
    fresh.committed()
    with store.read() as conn:
        rows = conn.execute(select(findings.c.rule, stream_messages.c.platform_id).join(
            stream_messages, stream_messages.c.message_id == findings.c.message_id, isouter=True)).all()
    rules = {(rule, pid) for rule, pid in rows}
    assert ("gov-disappearing-messages", "a2") in rules  # chat-level, from the system event
    assert any(pid == "a3" for _rule, pid in rules)  # the image next to the custody-image mention, one batch later


def test_writers_racing_on_one_chat(store):
    """Two processes prepare the same messages; the second to write finds them stored."""
    analyzer = Analyzer.default(detectors=["identifiers", "markings"])
    a, b = StreamWriter(analyzer, ACTOR, store.blobs), StreamWriter(analyzer, ACTOR, store.blobs)
    batch = items(list(envelopes(60, chats=2, seed=32)))
    with store.read() as conn:
        pa = a.prepare(conn, batch)
        pb = b.prepare(conn, batch)
    with store.transaction() as conn:
        ra = a.write(conn, pa)
    a.committed()
    with store.transaction() as conn:
        rb = b.write(conn, pb)
    b.committed()
    assert ra.new == 60 and rb.new == 0 and rb.duplicates == 60
    with store.read() as conn:
        assert count(conn, messages) == 60 and count(conn, chats) == 2


def test_a_streamed_chat_can_be_preserved_as_evidence(store, admin, tmp_path):
    """A finding from the stream escalates to a case whose evidence package stands on a
    rendering of the stored messages (with each envelope's hash), and verifies."""
    import zipfile

    from chatwarden.cases import evidence, review
    from chatwarden.evidence import verify_package

    analyzer = Analyzer.default(detectors=["identifiers", "markings", "governance"])
    w = StreamWriter(analyzer, ACTOR, store.blobs)
    envs = list(envelopes(60, chats=2, seed=5))
    with store.transaction() as conn:
        w.store(conn, items(envs))
    w.committed()
    with store.read() as conn:
        fid, chat_id = conn.execute(select(findings.c.id, findings.c.chat_id)
                                    .where(findings.c.message_id.is_not(None)).order_by(findings.c.id)).first()
        stored = conn.execute(select(func.count()).select_from(messages).where(messages.c.chat_id == chat_id)).scalar()
        shas = set(conn.execute(select(stream_messages.c.envelope_sha256)
                                .where(stream_messages.c.chat_id == chat_id)).scalars())
    case_id = review.escalate(store, admin, fid, kind="data-protection-incident", assignee="DS Kim LEE",
                              reason="identifier in a group chat")
    built = evidence.build_for_case(store, admin, case_id, out_dir=tmp_path / "pkg")
    assert len(built) == 1
    path = Path(built[0]["path"])
    check = verify_package(path, expected_manifest_sha256=built[0]["manifest_sha256"])
    assert check.ok, check.problems
    with zipfile.ZipFile(path) as zf:
        original = next(n for n in zf.namelist() if n.startswith("original/"))
        lines = zf.read(original).decode().splitlines()
        custody_text = " ".join(zf.read(n).decode(errors="replace") for n in zf.namelist() if "custody" in n)
    head, rows = orjson.loads(lines[0]), [orjson.loads(x) for x in lines[1:]]
    assert head["chatwarden"] == "stream capture" and head["messages"] == stored == len(rows)
    assert {r["envelope_sha256"] for r in rows} == shas
    assert [r["seq"] for r in rows] == sorted(r["seq"] for r in rows)
    assert "rendered" in custody_text


def test_writers_racing_on_part_of_a_batch(store):
    """Another process stored half of a prepared batch meanwhile: only the other half is
    stored (with its provenance and findings), the rest counts as duplicates."""
    analyzer = Analyzer.default(detectors=["identifiers", "markings", "governance"])
    a, b = StreamWriter(analyzer, ACTOR, store.blobs), StreamWriter(analyzer, ACTOR, store.blobs)
    batch = items(list(envelopes(80, chats=3, seed=33)))
    with store.read() as conn:
        pb = b.prepare(conn, batch)
    with store.transaction() as conn:
        ra = a.store(conn, batch[::2])
    a.committed()
    with store.transaction() as conn:
        rb = b.write(conn, pb)
    b.committed()
    assert ra.new == 40 and rb.new == 40 and rb.duplicates == 40
    with store.read() as conn:
        assert count(conn, messages) == count(conn, stream_messages) == 80
        pairs = conn.execute(select(stream_messages.c.platform_id, messages.c.identity).join(
            messages, messages.c.id == stream_messages.c.message_id)).all()
        assert len({pid for pid, _i in pairs}) == 80
        assert conn.execute(select(func.sum(chats.c.message_count))).scalar_one() == 80
        assert conn.execute(select(func.sum(participants.c.messages))).scalar_one() == 80
        assert count(conn, findings) == ra.findings_new + rb.findings_new
        dup = conn.execute(select(findings.c.chat_id, findings.c.anchor, findings.c.rule, func.count())
                           .group_by(findings.c.chat_id, findings.c.anchor, findings.c.rule, findings.c.subject)
                           .having(func.count() > 1)).all()
        assert dup == []


def test_fast_rows_match_the_store_functions():
    """The monitor writes and reads messages without the store's dict rows (speed); the
    values must be what records.message_row describes as SQLAlchemy stores it (an absent
    event/attachments/continuations as SQL NULL, not the JSON text 'null'), and
    records.row_to_message must read them back as the monitor's own reader does."""
    from datetime import datetime

    from chatwarden.model import Attachment, ContinuationNote, Message, SystemEvent
    from chatwarden.store import records
    from chatwarden.store.tables import messages as messages_table
    from chatwarden.stream.pipeline import MESSAGE_COLS, _sqlite_dt, _stored_message

    msgs = [
        Message(3, datetime(2026, 5, 1, 9, 30, 0, 120000), "PC Sam OKAFOR", "two\nlines", "message", 0, 1,
                "+447700900123"),
        Message(4, datetime(2026, 5, 1, 9, 31), None, "", "system:participant_added", 0, 0, None, (),
                False, SystemEvent(actor="Kev", subject="Jo", value=None, timer_days=7.0)),
        Message(5, datetime(2026, 5, 1, 9, 32), "Kev", "", "attachment", 0, 0, None,
                (Attachment(name="a.jpg", media_type="image", member=None, sha256="a" * 64, size=10),), True, None,
                (ContinuationNote(line=2, reason="format"),)),
    ]
    assert MESSAGE_COLS == ("id", *records.MESSAGE_COLS)
    for m in msgs:
        row = records.message_row(7, 8, 1000 + m.index, "f" * 40, m)
        row["id"] = 99
        want = []
        for c in MESSAGE_COLS:
            v = row[c]
            if c in ("event", "attachments", "continuations"):
                assert messages_table.c[c].type.none_as_null
                v = None if v is None else orjson.dumps(v).decode()
            elif c == "timestamp":
                v = _sqlite_dt(v)
            want.append(v)
        got = (99, *records.message_values(7, 8, 1000 + m.index, "f" * 40, m, _sqlite_dt(m.timestamp)))
        assert list(got) == want
        assert "null" not in got
        stored = (7, 99, 1000 + m.index, got[4], m.sender, m.sender_phone, m.kind, m.text, int(m.edited), got[10],
                  got[11], got[12], m.line)
        expect = records.row_to_message({
            "seq": 1000 + m.index, "timestamp": datetime.fromisoformat(got[4]), "sender": m.sender,
            "sender_phone": m.sender_phone, "kind": m.kind, "text": m.text, "edited": m.edited,
            "event": row["event"], "attachments": row["attachments"], "continuations": row["continuations"],
            "line": m.line})
        assert _stored_message(1000 + m.index, stored) == expect


def test_context_from_the_cache_equals_the_store(store):
    """A writer's stored neighbours come from its cache of what it stored; they must be
    the messages the store holds (and a disposed one must drop out)."""
    from sqlalchemy import update

    from chatwarden.store import records

    analyzer = Analyzer.default(detectors=["identifiers", "markings"])
    w = StreamWriter(analyzer, ACTOR, store.blobs)
    envs = [good_envelope(message_id=f"c{i}", timestamp=f"2026-05-01T09:0{i}:00.25+01:00", text=f"line {i}\nmore",
                          edited=i == 2) for i in range(7)]
    envs[3] = {**envs[3], "kind": "system:participant_added", "sender": None,
               "event": {"actor": "Kev", "subject": "Jo", "value": None, "timer_days": 7}}
    envs[4] = {**envs[4], "kind": "attachment", "attachments": [{"media_type": "image", "ref": "gw:1",
                                                                "sha256": "b" * 64, "size": 9}]}
    with store.transaction() as conn:
        w.store(conn, items(envs))
    w.committed()
    with store.transaction() as conn:
        chat_id = conn.execute(select(chats.c.id)).scalar_one()
        victim = conn.execute(select(messages.c.id).where(messages.c.seq == select(func.max(messages.c.seq))
                                                          .scalar_subquery())).scalar_one()
        conn.execute(update(messages).where(messages.c.id == victim).values(text="", disposed=True))
    fresh = StreamWriter(analyzer, ACTOR, store.blobs)  # nothing cached: read from the store
    with store.read() as conn:
        cached = w._contexts(conn, [(chat_id, 1 << 62)])[chat_id]
        stored = fresh._contexts(conn, [(chat_id, 1 << 62)])[chat_id]
        rows = {r["id"]: r for r in conn.execute(select(messages)).mappings()}
    assert [mid for mid, _m in cached] == [mid for mid, _m in stored]
    assert victim not in {mid for mid, _m in cached} and len(cached) == 5
    for (mid, m), (_mid, s) in zip(cached, stored):
        assert m == s == records.row_to_message({**rows[mid], "seq": m.index})


def test_fast_finding_rows_match_the_store_function():
    """The monitor builds findings rows as driver tuples; they must be what
    records.finding_rows + raw_insert write (times aside)."""
    from chatwarden.store import records
    from chatwarden.stream.pipeline import FINDING_COLS, _finding_params, _json_text

    analyzer = Analyzer.default()
    msgs = [parse_envelope(orjson.dumps(e)).to_message(i) for i, e in enumerate(envelopes(300, chats=1, seed=34))]
    _found, decisions = analyzer.analyse(None, msgs)
    ids = {m.index: 1000 + m.index for m in msgs[:-5]}  # the last five not stored: their decisions are dropped
    want = []
    for row in records.finding_rows(7, 8, "v1", decisions, ids):
        row["citation"], row["evidence"] = _json_text(row["citation"]), _json_text(row["evidence"])
        row["created_at"] = row["updated_at"] = "T"
        want.append(tuple(row[c] for c in FINDING_COLS))
    got: list[tuple] = []
    _finding_params(got, 7, 8, "v1", decisions, ids, "T", {})
    assert got == want and len(got) > 20
