"""The import and the streaming monitor store a message the same way: the same chats
imported into one store and streamed (as the back-scan's export envelopes, through the
monitor's StreamWriter) into another give the same ``messages`` and ``findings`` values,
column by column, as the database holds them (an absent event, attachment list or
continuation list is SQL NULL on both paths, never the JSON text 'null').  On SQLite and
PostgreSQL.

Rows that older monitors wrote with the text 'null' read back exactly as NULL rows do
(the last test), which is why no migration rewrites them."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import orjson
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

from chatwarden.analysis import Analyzer
from chatwarden.config import load_settings
from chatwarden.importer import import_export
from chatwarden.model import Actor
from chatwarden.store import Store, records
from chatwarden.store.tables import chats, messages
from chatwarden.stream.backscan import _row_envelope, exports_to_parquet
from chatwarden.stream.pipeline import Item, StreamWriter, envelope_hash

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = ("WhatsApp Chat with Response Team B.txt", "WhatsApp Chat - Jordan Blake.zip")
DETECTORS = ["identifiers", "markings"]  # findings depend on the message alone: both paths see the same
ACTOR = Actor("u:admin", "Alex ADMIN", ("administrator",))
JSON_COLS = ("event", "attachments", "continuations")
# Compared as stored.  Not compared: id and seq (allocation order and the chat-order key
# differ by design: an import orders by its file, a stream by the envelope's time and
# identity), chat_id/export_id (the import's export row versus the stream's capture
# record; the chat is matched by its key) and line (envelopes carry no line numbers).
MESSAGE_COLS = ("timestamp", "sender", "sender_phone", "kind", "text", "edited", *JSON_COLS, "disposed")
# What an envelope cannot carry: the zip member an attachment was linked to, the export's
# "missing"/"omitted" markers, the language a system line was written in.
NOT_IN_ENVELOPES = {"attachments": ("member", "missing", "omitted"), "event": ("language",)}
FINDING_COLS = ("rule", "title", "category", "severity", "severity_rank", "score", "span_start", "span_end", "subject",
                "explanation", "action", "citation", "evidence", "policy_version", "status", "case_id")


def _open(tmp_path: Path, name: str, backend: str, request) -> Store:
    url = ""
    if backend == "postgresql":
        import pgcluster

        url = pgcluster.new_database(request.getfixturevalue("pg_base"), "t" + uuid.uuid4().hex[:16])
    return Store.open(load_settings(env={}, data_dir=str(tmp_path / name), database_url=url or None))


@pytest.fixture(params=["sqlite", "postgresql"])
def two_stores(request, tmp_path):
    imported = _open(tmp_path, "imported", request.param, request)
    streamed = _open(tmp_path, "streamed", request.param, request)
    yield imported, streamed
    imported.close()
    streamed.close()


def _stored_messages(store: Store) -> dict[tuple[str, str], tuple]:
    """(chat key, identity) -> the compared columns as the driver returns them; JSON columns
    as their stored text (a cast, so PostgreSQL's driver does not decode 'null' to None)."""
    cols = ", ".join(f"CAST(m.{c} AS TEXT)" if c in JSON_COLS else f"m.{c}" for c in MESSAGE_COLS)
    with store.read() as conn:
        rows = conn.exec_driver_sql(f"SELECT c.key, m.identity, {cols} FROM messages m "
                                    "JOIN chats c ON c.id = m.chat_id").all()
    return {(r[0], r[1]): tuple(r[2:]) for r in rows}


def _stored_findings(store: Store) -> dict[tuple, tuple]:
    cols = ", ".join(f"CAST(f.{c} AS TEXT)" if c in ("citation", "evidence") else f"f.{c}" for c in FINDING_COLS)
    with store.read() as conn:
        rows = conn.exec_driver_sql(f"SELECT c.key, m.identity, f.rule, f.subject, {cols} FROM findings f "
                                    "JOIN chats c ON c.id = f.chat_id JOIN messages m ON m.id = f.message_id").all()
    return {tuple(r[:4]): tuple(r[4:]) for r in rows}


def _without(text: str | None, keys: tuple[str, ...]) -> object:
    if text is None:
        return None
    value = orjson.loads(text)
    strip = (lambda d: {k: v for k, v in d.items() if k not in keys})
    return [strip(v) for v in value] if isinstance(value, list) else strip(value)


def test_import_and_stream_store_the_same_rows(two_stores, tmp_path):
    imported, streamed = two_stores
    folder = tmp_path / "exports"
    folder.mkdir()
    for name in EXAMPLES:
        shutil.copy(REPO / "examples" / name, folder / name)
    analyzer = Analyzer.default(detectors=DETECTORS)
    for name in EXAMPLES:
        import_export(imported, analyzer, folder / name, actor=ACTOR, workers=0)

    # the same exports as envelopes (source "export": the import's chat keys and message
    # identities), stored by the monitor's writer in batches that split chats
    exports_to_parquet(folder, tmp_path / "envelopes.parquet")
    its = []
    for row in pq.read_table(tmp_path / "envelopes.parquet").to_pylist():
        env, problems = _row_envelope(row)
        assert env is not None, problems
        its.append(Item.of(env, envelope_hash(env.to_json()), "backscan"))
    writer = StreamWriter(analyzer, ACTOR, streamed.blobs)
    for i in range(0, len(its), 40):
        with streamed.transaction() as conn:
            writer.store(conn, its[i:i + 40])
        writer.committed()

    want, got = _stored_messages(imported), _stored_messages(streamed)
    assert len(want) > 50 and want.keys() == got.keys()
    seen = {c: set() for c in JSON_COLS}
    for key, row in want.items():
        for col, a, b in zip(MESSAGE_COLS, row, got[key]):
            if col in JSON_COLS:
                assert (a is None) == (b is None), (col, key)  # NULL on both, or JSON text on both
                assert b != "null" and a != "null", (col, key)
                seen[col].add(a is None)
                if col in NOT_IN_ENVELOPES:
                    a, b = _without(a, NOT_IN_ENVELOPES[col]), _without(b, NOT_IN_ENVELOPES[col])
            assert a == b, (col, key)
    # the chats exercise both an absent and a present event and attachment list
    assert seen["event"] == {True, False} and seen["attachments"] == {True, False}
    assert seen["continuations"] == {True}  # (envelopes carry none; these exports have none either)

    want_f, got_f = _stored_findings(imported), _stored_findings(streamed)
    assert len(want_f) >= 5 and want_f.keys() == got_f.keys()
    evidence = FINDING_COLS.index("evidence")
    for key, row in want_f.items():
        for col, a, b in zip(FINDING_COLS, row, got_f[key]):
            if col == "evidence":  # a finding's message index is its position in what was scanned
                a, b = _without(a, ("message_index",)), _without(b, ("message_index",))
            assert a == b, (col, key)
        assert row[evidence] is not None

    with imported.read() as conn, streamed.read() as sconn:
        assert {r.key: r.name for r in conn.execute(select(chats.c.key, chats.c.name))} == \
            {r.key: r.name for r in sconn.execute(select(chats.c.key, chats.c.name))}


def test_json_null_text_reads_as_null(store):
    """Rows an older monitor stored with the JSON text 'null' in event/attachments/
    continuations read back as the same messages as NULL rows, through the store's reader
    and the monitor's own (context) reader: nothing that reads these columns can tell them
    apart, so no migration rewrites them."""
    from datetime import datetime

    from sqlalchemy import update

    from chatwarden.model import Chat, Message
    from chatwarden.store.tables import exports

    analyzer = Analyzer.default(detectors=DETECTORS)
    with store.transaction() as conn:
        chat = Chat(name="t", name_source=None, source="t", sha256="0" * 64, platform="stream", date_order="ymd",
                    date_order_reason="t", is_group=True)
        chat_id, _ = records.get_or_create_chat(conn, chat, None)
        export_id = records.insert_export(conn, chat_id, chat, file_name="t", blob="0" * 64, lines=0, n_messages=0,
                                          n_new=0, warnings=[], captured_by="t", device=None, account=None)
        msgs = [Message(i, datetime(2026, 5, 1, 9, i), "PC Sam OKAFOR", f"text {i}", "message", i + 1, i + 1)
                for i in range(4)]
        rows = [records.message_values(chat_id, export_id, i + 1, f"{i:040d}", m,
                                       records.stored_datetime(conn)(m.timestamp)) for i, m in enumerate(msgs)]
        ids = records.insert_message_values(conn, rows)
        legacy = ids[::2]
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql("UPDATE messages SET event = 'null'::json, attachments = 'null'::json, "
                                 "continuations = 'null'::json WHERE id = ANY(%(ids)s)", {"ids": legacy})
        else:
            conn.exec_driver_sql(f"UPDATE messages SET event = 'null', attachments = 'null', continuations = 'null' "
                                 f"WHERE id IN ({', '.join(map(str, legacy))})")
        conn.execute(update(exports).where(exports.c.id == export_id).values(messages=4))
        assert conn.exec_driver_sql("SELECT count(*) FROM messages WHERE CAST(event AS TEXT) = 'null'").scalar() == 2
    with store.read() as conn:
        loaded = records.load_messages(conn, chat_id)
        by_id = {r.id: records.row_to_message(r._mapping) for r in conn.execute(select(messages))}
        context = StreamWriter(analyzer, ACTOR, store.blobs)._contexts(conn, [(chat_id, 1 << 62)])[chat_id]
    assert loaded == [Message(i + 1, m.timestamp, m.sender, m.text, m.kind, m.line, m.end_line) for i, m in
                      enumerate(msgs)]
    assert [by_id[i].event for i in ids] == [None] * 4 and [by_id[i].attachments for i in ids] == [()] * 4
    assert [m for _mid, m in context] == [Message(i, m.timestamp, m.sender, m.text, m.kind, m.line, m.end_line)
                                          for i, m in enumerate(msgs)]
