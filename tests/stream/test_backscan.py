"""Back-scan: one pure function over Arrow record batches; the local engine and Spark
(local[2], started once for the session) give identical results; batching and bucketing
never change them; exports folders; loading into the store is idempotent and agrees with
a later import of the same export."""

from __future__ import annotations

import os
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from chatwarden.stream import backscan
from chatwarden.stream.generate import envelopes

REPO = Path(__file__).resolve().parents[2]
DETECTORS = ("identifiers", "markings", "policing", "names", "context", "governance")


def envelope_table(n: int, chats: int, seed: int) -> pa.Table:
    rows: dict[str, list] = {f.name: [] for f in backscan.INPUT_SCHEMA}
    for i, e in enumerate(envelopes(n, chats=chats, seed=seed)):
        kind, text, atts, event, sender = "message", e["text"], None, None, e["sender"]
        if i % 97 == 0:
            kind, sender, text = "system:disappearing_off", None, "turned off disappearing messages"
            event = orjson.dumps({"actor": "Sgt Dan PRICE", "subject": None, "value": None, "timer_days": 0}).decode()
        elif i % 41 == 0:
            kind, text = "attachment", ""
            atts = orjson.dumps([{"sha256": "b" * 64, "media_type": "video", "size": 9, "ref": f"gw:{i}",
                                  "name": None, "mime_type": "video/mp4"}]).decode()
        rows["source"].append(e["source"])
        rows["account"].append(e["account"])
        rows["device"].append("dev-1")
        rows["chat_id"].append(e["chat"]["id"])
        rows["chat_name"].append(e["chat"]["name"])
        rows["is_group"].append(e["chat"]["is_group"])
        rows["message_id"].append(e["message_id"])
        rows["timestamp"].append(datetime.fromisoformat(e["timestamp"]))
        rows["sender_id"].append(None)
        rows["sender_name"].append(None if sender is None else sender["name"])
        rows["sender_phone"].append(None if sender is None else sender["phone"])
        rows["kind"].append(kind)
        rows["text"].append(text)
        rows["edited"].append(False)
        rows["attachments"].append(atts)
        rows["event"].append(event)
    rows["text"][3] = None  # not a valid envelope: a reject row
    rows["timestamp"][8] = datetime(1990, 1, 1, tzinfo=UTC)  # another
    rows["message_id"][20] = rows["message_id"][19]  # the same message twice in the archive
    rows["chat_id"][20] = rows["chat_id"][19]
    table = pa.Table.from_pydict(rows, schema=backscan.INPUT_SCHEMA)
    return table.take(pa.array(list(range(n))[::-1]))  # archives are not in chat order


def canonical(output: Path, record_type: str = "finding") -> list[tuple]:
    t = backscan.read_findings(output, record_type)
    cols = [c for c in t.column_names if c != "record_type"]
    rows = []
    for r in t.to_pylist():
        ts = r.get("timestamp")
        if ts is not None:
            r["timestamp"] = ts.astimezone(UTC).replace(tzinfo=None) if ts.tzinfo else ts
        rows.append(tuple(r.get(c) for c in sorted(cols)))
    return sorted(rows, key=repr)


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("archive")
    table = envelope_table(1200, chats=25, seed=21)
    pq.write_table(table.slice(0, 700), d / "part-0.parquet")
    pq.write_table(table.slice(700), d / "part-1.parquet")
    return d


@pytest.fixture(scope="module")
def local_result(archive, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("local") / "out"
    res = backscan.run_local(archive, out, detectors=DETECTORS)
    assert res.rows == 1200 and res.rejects == 2 and res.findings > 50
    return out


@pytest.fixture(scope="session")
def spark():
    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install 'chatwarden[scale]')")
    if shutil.which("java") is None:
        pytest.skip("Java is not installed (Spark needs a JRE 17+)")
    os.environ["PYSPARK_PYTHON"] = sys.executable
    session = backscan.spark_session("local[2]", config={"spark.sql.shuffle.partitions": "4",
                                                           "spark.driver.memory": "1g"})
    yield session
    session.stop()


@pytest.mark.slow
def test_spark_local2_identical_to_local_engine(archive, local_result, spark, tmp_path):
    out = tmp_path / "spark-out"
    res = backscan.run_spark(archive, out, spark=spark, partitions=3, detectors=DETECTORS)
    assert res.rows == 1200 and res.rejects == 2
    assert canonical(out) == canonical(local_result)
    assert canonical(out, "reject") == canonical(local_result, "reject")


def test_batching_and_bucketing_do_not_change_results(archive, local_result, tmp_path):
    bucketed = tmp_path / "bucketed"
    backscan.run_local(archive, bucketed, detectors=DETECTORS, sort_rows=10, batch_rows=7)  # 2 buckets, tiny batches
    assert canonical(bucketed) == canonical(local_result)


def test_output_rows(local_result):
    findings = backscan.read_findings(local_result).to_pylist()
    rejects = backscan.read_findings(local_result, "reject").to_pylist()
    assert sorted(r["reason"].split(":")[0] for r in rejects) == ["text", "timestamp"]
    assert all(r["text"] is None for r in rejects)  # a reject carries the reason, not the content
    rules = {r["rule"] for r in findings}
    assert "gov-disappearing-messages" in rules  # chat-level governance over whole chats
    msg = next(r for r in findings if r["message_id"] is not None)
    assert len(msg["identity"]) == 40 and msg["text"] is not None and orjson.loads(msg["evidence"])
    assert len({(r["chat_key"], r["identity"], r["rule"], r["subject"]) for r in findings}) == len(findings)


def test_load_into_store_is_idempotent(local_result, tmp_path):
    from chatwarden.config import load_settings
    from chatwarden.model import Actor
    from chatwarden.store import Store, audit

    store = Store.open(load_settings(env={}, data_dir=str(tmp_path / "data")))
    actor = Actor("cli:t", "t", ("administrator",))
    first = backscan.load_into_store(store, local_result, actor=actor)
    assert first["findings_new"] == first["findings"] > 0 and first["messages_new"] > 0
    again = backscan.load_into_store(store, local_result, actor=actor)
    assert again["findings_new"] == 0 and again["messages_new"] == 0
    with store.read() as conn:
        assert audit.verify(conn).ok
        # an absent event/attachment list is SQL NULL, as the import stores it (not the text 'null')
        for col in ("event", "attachments", "continuations"):
            assert conn.exec_driver_sql(f"SELECT count(*) FROM messages WHERE {col} = 'null'").scalar() == 0
        assert conn.exec_driver_sql("SELECT count(*) FROM messages WHERE event IS NULL").scalar() > 0
    store.close()


def test_exports_folder_agrees_with_import(tmp_path):
    from chatwarden.analysis import Analyzer
    from chatwarden.config import load_settings
    from chatwarden.importer import import_export
    from chatwarden.model import Actor
    from chatwarden.store import Store

    folder = tmp_path / "exports"
    folder.mkdir()
    src = REPO / "examples" / "WhatsApp Chat with Response Team B.txt"
    shutil.copy(src, folder / src.name)
    out = tmp_path / "out"
    res = backscan.run_local(folder, out, detectors=DETECTORS)
    assert res.rows > 10 and res.rejects == 0 and res.findings > 0
    store = Store.open(load_settings(env={}, data_dir=str(tmp_path / "data")))
    actor = Actor("cli:t", "t", ("administrator",))
    loaded = backscan.load_into_store(store, out, actor=actor)
    imported = import_export(store, Analyzer.default(detectors=DETECTORS), folder / src.name, actor=actor)
    # the same chat and the same message identities: the import adds only what the back-scan did not load
    assert imported.new_messages == imported.messages - loaded["messages_new"]
    store.close()


def test_cli_backscan_local(archive, tmp_path):
    from chatwarden.cli import main

    out = tmp_path / "cli-out"
    r = CliRunner().invoke(main, ["--data-dir", str(tmp_path / "data"), "backscan", str(archive), str(out),
                                  "--detectors", "identifiers,markings", "--load"])
    assert r.exit_code == 0, r.output
    summary = orjson.loads(r.output.strip().splitlines()[-1])
    assert summary["engine"] == "local" and summary["rows"] == 1200 and summary["loaded"]["findings_new"] > 0
    bad = CliRunner().invoke(main, ["backscan", str(tmp_path / "nowhere"), str(out)])
    assert bad.exit_code == 2 and "no such file or folder" in bad.output
