"""Back-scan: the same detection and policy over archives of messages, on one machine or
on Apache Spark.

The work is one plain function, :func:`detect_batches`: Arrow record batches of envelope
rows in, Arrow record batches of findings out.  Its input must hold each chat's messages
together, ordered by time (then message id); it keeps per-chat state across batches, so
batch boundaries never change the result.  Both engines arrange that order and call it:

* ``local``: pyarrow in this process, no Java.  Inputs up to :data:`LOCAL_SORT_ROWS`
  rows are sorted in memory; larger ones are first split into bucket files by chat (a
  hash of the chat key), each bucket sorted and scanned in turn, so memory stays bounded.
* ``spark``: ``repartition`` by chat, ``sortWithinPartitions``, then ``mapInArrow`` with
  the same function on every executor; results are identical to the local engine.

Input: Parquet files whose columns are the envelope's, flattened (:data:`INPUT_SCHEMA`;
``attachments`` and ``event`` as JSON text), or a folder of WhatsApp exports (.txt/.zip),
which are parsed first into such a file (``OUTPUT/_input``).  Output: a Parquet dataset
``OUTPUT/record_type=finding/`` (one row per decision, with the message it is about) and
``OUTPUT/record_type=reject/`` (rows that failed envelope validation, with the reason).
:func:`load_into_store` loads findings, with their messages, into the store.

Each chat is scanned like an import: chunks of :data:`CHUNK` messages with the last
:data:`CONTEXT` of the previous chunk as context, and chat-level governance over the
whole chat (system events, first message of each sender, the last message).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zlib
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from chatwarden.errors import InputError
from chatwarden.model import Chat, Decision, Finding, Message
from chatwarden.stream.envelope import Envelope, chat_key, message_identity, validate

CHUNK = 5000
CONTEXT = 5
OUT_ROWS = 10_000
LOCAL_SORT_ROWS = 2_000_000
BUCKET_ROWS = 1_000_000
TS = pa.timestamp("us", tz="UTC")

INPUT_SCHEMA = pa.schema([
    ("source", pa.string()), ("account", pa.string()), ("device", pa.string()), ("chat_id", pa.string()),
    ("chat_name", pa.string()), ("is_group", pa.bool_()), ("message_id", pa.string()), ("timestamp", TS),
    ("sender_id", pa.string()), ("sender_name", pa.string()), ("sender_phone", pa.string()), ("kind", pa.string()),
    ("text", pa.string()), ("edited", pa.bool_()), ("attachments", pa.string()), ("event", pa.string()),
])
REQUIRED_COLUMNS = ("source", "account", "chat_id", "message_id", "timestamp", "kind", "text")
SORT_KEYS = ["source", "account", "chat_id", "timestamp", "message_id"]

OUTPUT_SCHEMA = pa.schema([
    ("record_type", pa.string()), ("chat_key", pa.string()), ("source", pa.string()), ("account", pa.string()),
    ("device", pa.string()), ("chat_id", pa.string()), ("chat_name", pa.string()), ("is_group", pa.bool_()),
    ("message_id", pa.string()), ("identity", pa.string()), ("seq", pa.int64()), ("timestamp", TS),
    ("sender_id", pa.string()), ("sender_name", pa.string()), ("sender_phone", pa.string()), ("kind", pa.string()),
    ("text", pa.string()), ("edited", pa.bool_()), ("attachments", pa.string()), ("event", pa.string()),
    ("rule", pa.string()), ("title", pa.string()), ("category", pa.string()), ("severity", pa.string()),
    ("score", pa.float64()), ("span_start", pa.int64()), ("span_end", pa.int64()), ("subject", pa.string()),
    ("explanation", pa.string()), ("action", pa.string()), ("citation", pa.string()), ("evidence", pa.string()),
    ("policy_version", pa.string()), ("reason", pa.string()),
])
OUTPUT_DDL = ", ".join(f"{f.name} {_t}" for f, _t in zip(OUTPUT_SCHEMA, [
    "string", "string", "string", "string", "string", "string", "string", "boolean", "string", "string", "bigint",
    "timestamp", "string", "string", "string", "string", "string", "boolean", "string", "string", "string", "string",
    "string", "string", "double", "bigint", "bigint", "string", "string", "string", "string", "string", "string",
    "string"]))


# ------------------------------------------------------------------------------ the function
_ANALYZERS: dict[tuple, Any] = {}


def _analyzer(detectors: tuple[str, ...], policy_dir: str):
    key = (detectors, policy_dir)
    if key not in _ANALYZERS:
        from chatwarden.analysis import Analyzer

        _ANALYZERS[key] = Analyzer.default(policy_dir or None, list(detectors) or None)
    return _ANALYZERS[key]


@dataclass
class _ChatState:
    key: str
    first: Envelope
    envs: list[Envelope] = field(default_factory=list)  # current chunk
    idents: list[str] = field(default_factory=list)
    count: int = 0
    seen: set[str] = field(default_factory=set)
    carry: list[Message] = field(default_factory=list)
    carry_envs: dict[int, Envelope] = field(default_factory=dict)
    carry_findings: dict[int, list[Finding]] = field(default_factory=dict)
    view: list[Message] = field(default_factory=list)
    view_envs: dict[int, Envelope] = field(default_factory=dict)
    senders: set[str] = field(default_factory=set)
    last: tuple[Message, Envelope] | None = None


class _Out:
    def __init__(self) -> None:
        self.cols: dict[str, list] = {f.name: [] for f in OUTPUT_SCHEMA}
        self.n = 0

    def add(self, row: dict[str, Any]) -> None:
        for k, v in self.cols.items():
            v.append(row.get(k))
        self.n += 1

    def take(self) -> pa.RecordBatch:
        batch = pa.RecordBatch.from_pydict(self.cols, schema=OUTPUT_SCHEMA)
        self.cols = {f.name: [] for f in OUTPUT_SCHEMA}
        self.n = 0
        return batch


def _row_envelope(row: dict[str, Any]) -> tuple[Envelope | None, list[str]]:
    ts = row.get("timestamp")
    obj: dict[str, Any] = {
        "version": 1, "source": row.get("source"), "account": row.get("account"), "device": row.get("device"),
        "chat": {"id": row.get("chat_id"), "name": row.get("chat_name"), "is_group": row.get("is_group")},
        "message_id": row.get("message_id"),
        "timestamp": None if ts is None else ts.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "kind": row.get("kind"), "text": row.get("text"), "edited": bool(row.get("edited") or False),
    }
    kind = row.get("kind")
    if not (isinstance(kind, str) and kind.startswith("system:")):
        obj["sender"] = {"id": row.get("sender_id"), "name": row.get("sender_name"), "phone": row.get("sender_phone")}
    for k in ("attachments", "event"):
        raw = row.get(k)
        if raw:
            try:
                obj[k] = orjson.loads(raw)
            except orjson.JSONDecodeError:
                return None, [f"{k}: not valid JSON"]
    return validate(obj)


def detect_batches(batches: Iterable[pa.RecordBatch], *, detectors: Sequence[str] = (), policy_dir: str = "",
                   tz: str = "Europe/London") -> Iterator[pa.RecordBatch]:
    """Envelope rows (each chat's together, in time order) -> finding rows.  Pure: the
    same rows in the same order give the same output, however they are batched."""
    analyzer = _analyzer(tuple(detectors), policy_dir)
    out = _Out()
    state: _ChatState | None = None
    for batch in batches:
        names = batch.schema.names
        cols = {n: batch.column(i).to_pylist() for i, n in enumerate(names)}
        for i in range(batch.num_rows):
            row = {n: cols[n][i] for n in names}
            env, problems = _row_envelope(row)
            if env is None:
                out.add({"record_type": "reject", "source": row.get("source"), "account": row.get("account"),
                         "chat_id": row.get("chat_id"), "message_id": row.get("message_id"),
                         "reason": "; ".join(problems)})
                if out.n >= OUT_ROWS:
                    yield out.take()
                continue
            key = chat_key(env.source, env.account, env.chat_id)
            if state is None or state.key != key:
                if state is not None:
                    _finish_chat(analyzer, state, out, tz)
                state = _ChatState(key, env)
            ident = message_identity(env.source, env.account, env.message_id)
            if ident in state.seen:
                continue  # the same message twice in the archive
            state.seen.add(ident)
            state.envs.append(env)
            state.idents.append(ident)
            if len(state.envs) >= CHUNK:
                _flush_chunk(analyzer, state, out, tz)
            if out.n >= OUT_ROWS:
                yield out.take()
    if state is not None:
        _finish_chat(analyzer, state, out, tz)
    if out.n:
        yield out.take()


def _flush_chunk(analyzer, state: _ChatState, out: _Out, tz: str) -> None:
    from chatwarden.policy import evaluate

    engine, policy = analyzer.engine, analyzer.policy
    base = state.count
    chunk = [env.to_message(base + i, tz) for i, env in enumerate(state.envs)]
    envs = {base + i: env for i, env in enumerate(state.envs)}
    idents = {base + i: ident for i, ident in enumerate(state.idents)}
    text = engine.text_findings(chunk)
    by_message: dict[int, list[Finding]] = defaultdict(list)
    for i, fs in state.carry_findings.items():
        by_message[i].extend(fs)
    for f in text:
        by_message[f.message_index].append(f)  # type: ignore[index]
    new_index = set(envs)
    window = state.carry + chunk
    seq = [f for f in engine.sequence_findings(window, by_message, chat_level=False) if f.message_index in new_index]
    for d in evaluate(policy, chunk, text + seq):
        if d.message_index in new_index:
            _emit(out, state, d, envs[d.message_index], idents[d.message_index], policy.version, tz)
    for m in chunk:
        env = envs[m.index]
        if m.sender is None or m.sender not in state.senders or m.is_system:
            state.view.append(m)
            state.view_envs[m.index] = env
            if m.sender is not None:
                state.senders.add(m.sender)
        state.last = (m, env)
    state.carry = chunk[-CONTEXT:]
    state.carry_findings = {m.index: by_message.get(m.index, []) for m in state.carry}
    state.count += len(chunk)
    state.envs, state.idents = [], []


def _finish_chat(analyzer, state: _ChatState, out: _Out, tz: str) -> None:
    from chatwarden.policy import evaluate

    if state.envs:
        _flush_chunk(analyzer, state, out, tz)
    view = list(state.view)
    if state.last is not None and (not view or view[-1].index != state.last[0].index):
        view.append(state.last[0])
        state.view_envs[state.last[0].index] = state.last[1]
    if not view:
        return
    first = state.first
    chat = None
    if first.is_group is not None:
        chat = Chat(name=first.chat_name, name_source=None, source="backscan", sha256="", platform="stream",
                    date_order="", date_order_reason="", is_group=first.is_group)
    findings = analyzer.engine.sequence_findings(view, {}, chat=chat, chat_level=True)
    for d in evaluate(analyzer.policy, view, findings):
        env = state.view_envs.get(d.message_index) if d.message_index is not None else None
        ident = message_identity(env.source, env.account, env.message_id) if env is not None else None
        _emit(out, state, d, env, ident, analyzer.policy.version, tz)


def _emit(out: _Out, state: _ChatState, d: Decision, env: Envelope | None, ident: str | None, version: str,
          tz: str) -> None:
    from chatwarden.serialize import finding_dict
    from chatwarden.stream.pipeline import seq_of

    first = state.first
    subject = ""
    for f in d.findings:
        subject = f.attr("subject") or subject
    row: dict[str, Any] = {
        "record_type": "finding", "chat_key": state.key, "source": first.source, "account": first.account,
        "device": first.device, "chat_id": first.chat_id, "chat_name": first.chat_name, "is_group": first.is_group,
        "rule": d.rule, "title": d.title, "category": d.category, "severity": d.severity, "score": float(d.score),
        "span_start": d.span.start if d.span else None, "span_end": d.span.end if d.span else None,
        "subject": subject, "explanation": d.explanation, "action": d.action,
        "citation": orjson.dumps({"document": d.citation.document, "section": d.citation.section,
                                  "quote": d.citation.quote}).decode(),
        "evidence": orjson.dumps([finding_dict(f) for f in d.findings]).decode(), "policy_version": version,
    }
    if env is not None:
        row.update({
            "message_id": env.message_id, "identity": ident, "seq": seq_of(env, ident),
            "timestamp": env.timestamp.astimezone(UTC), "sender_id": env.sender_id,
            "sender_name": env.sender_name, "sender_phone": env.sender_phone, "kind": env.kind, "text": env.text,
            "edited": env.edited, "device": env.device,
            "attachments": orjson.dumps(env.to_dict()["attachments"]).decode() if env.attachments else None,
            "event": orjson.dumps(env.to_dict()["event"]).decode() if env.event else None,
        })
    out.add(row)


# ------------------------------------------------------------------------------ inputs
def _conform(table_or_batch: pa.Table | pa.RecordBatch) -> pa.Table:
    """Select the envelope columns, adding missing optional ones as nulls."""
    t = table_or_batch if isinstance(table_or_batch, pa.Table) else pa.Table.from_batches([table_or_batch])
    missing = [c for c in REQUIRED_COLUMNS if c not in t.column_names]
    if missing:
        raise InputError(f"input lacks the column(s) {', '.join(missing)} (see docs/stream.md)")
    arrays = []
    for f in INPUT_SCHEMA:
        if f.name in t.column_names:
            col = t.column(f.name)
            if f.name == "timestamp" and col.type != TS and (not pa.types.is_timestamp(col.type) or col.type.tz is None):
                raise InputError("input column timestamp must be a timestamp with a time zone (UTC instants)")
            arrays.append(col.cast(f.type))
        else:
            arrays.append(pa.nulls(t.num_rows, f.type))
    return pa.Table.from_arrays(arrays, schema=INPUT_SCHEMA)


def _has_parquet(path: Path) -> bool:
    if path.is_file():
        return path.suffix == ".parquet"
    return any(p.suffix == ".parquet" for p in path.rglob("*.parquet"))


def exports_to_parquet(folder: Path, dest: Path, *, tz: str = "Europe/London", default_region: str = "GB") -> int:
    """Parse every export (.txt/.zip) under ``folder`` into an envelope Parquet file."""
    from zoneinfo import ZoneInfo

    from chatwarden.ingest import open_export
    from chatwarden.store import records

    zone = ZoneInfo(tz)
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in (".txt", ".zip"))
    if not files:
        raise InputError(f"{folder}: no Parquet files and no exports (.txt/.zip) here")
    dest.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with pq.ParquetWriter(dest, INPUT_SCHEMA) as writer:
        for path in files:
            with open_export(path, default_region=default_region) as parsed:
                pre = parsed.chat
                key = records.chat_key(pre.name, None, pre.sha256)
                ident = records.IdentityCounter()
                cols: dict[str, list] = {f.name: [] for f in INPUT_SCHEMA}
                for m in parsed.messages():
                    cols["source"].append("export")
                    cols["account"].append("export")
                    cols["device"].append(None)
                    cols["chat_id"].append(key)
                    cols["chat_name"].append(pre.name)
                    cols["is_group"].append(pre.is_group)
                    cols["message_id"].append(ident(m))
                    cols["timestamp"].append(m.timestamp.replace(tzinfo=zone).astimezone(UTC))
                    system = m.is_system
                    cols["sender_id"].append(None)
                    cols["sender_name"].append(None if system else (m.sender or m.sender_phone or "unknown"))
                    cols["sender_phone"].append(None if system else _e164(m.sender_phone))
                    cols["kind"].append(m.kind)
                    cols["text"].append(m.text)
                    cols["edited"].append(m.edited)
                    cols["attachments"].append(orjson.dumps([{
                        "sha256": a.sha256, "media_type": a.media_type, "size": a.size,
                        "ref": f"export:{pre.sha256}:{a.member or a.name or i}", "name": a.name, "mime_type": None,
                    } for i, a in enumerate(m.attachments)]).decode() if m.attachments else None)
                    cols["event"].append(orjson.dumps({
                        "actor": m.event.actor, "subject": m.event.subject, "value": m.event.value,
                        "timer_days": m.event.timer_days}).decode() if (m.event and system) else None)
                    n += 1
                    if len(cols["source"]) >= 50_000:
                        writer.write_table(pa.Table.from_pydict(cols, schema=INPUT_SCHEMA))
                        cols = {f.name: [] for f in INPUT_SCHEMA}
                if cols["source"]:
                    writer.write_table(pa.Table.from_pydict(cols, schema=INPUT_SCHEMA))
    return n


def _e164(phone: str | None) -> str | None:
    if phone and phone.startswith("+") and phone[1:].isdigit() and 8 <= len(phone) <= 16:
        return phone
    return None


def resolve_input(input_path: str | os.PathLike[str], output: Path, tz: str) -> Path:
    path = Path(input_path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if _has_parquet(path):
        return path
    if not path.is_dir():
        raise InputError(f"{path}: give Parquet file(s) or a folder of exports")
    staged = output / "_input" / "exports.parquet"
    exports_to_parquet(path, staged, tz=tz)
    return staged


def _parquet_dataset(path: Path) -> ds.Dataset:
    if path.is_dir():
        files = sorted(str(p) for p in path.rglob("*.parquet") if "_input" not in p.parts or path.name == "_input")
        return ds.dataset(files, format="parquet")
    return ds.dataset(str(path), format="parquet")


# ------------------------------------------------------------------------------ engines
@dataclass
class BackscanResult:
    engine: str
    rows: int
    findings: int
    rejects: int
    output: str


class _Writer:
    """OUTPUT/record_type=<t>/part-NNNNN.parquet, one file per type."""

    def __init__(self, output: Path) -> None:
        self.output = output
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.counts: dict[str, int] = defaultdict(int)
        self.schema = OUTPUT_SCHEMA.remove(0)

    def write(self, batch: pa.RecordBatch) -> None:
        rt = batch.column(0)
        for kind in ("finding", "reject"):
            part = batch.filter(pc.equal(rt, kind))
            if part.num_rows == 0:
                continue
            if kind not in self.writers:
                d = self.output / f"record_type={kind}"
                d.mkdir(parents=True, exist_ok=True)
                self.writers[kind] = pq.ParquetWriter(d / "part-00000.parquet", self.schema)
            self.writers[kind].write_batch(part.drop_columns(["record_type"]))
            self.counts[kind] += part.num_rows

    def close(self) -> None:
        for w in self.writers.values():
            w.close()


def _prepare_output(output: Path) -> None:
    if output.exists():
        for d in ("record_type=finding", "record_type=reject"):
            shutil.rmtree(output / d, ignore_errors=True)
        for f in ("_SUCCESS",):
            (output / f).unlink(missing_ok=True)
    output.mkdir(parents=True, exist_ok=True)


def run_local(input_path: str | os.PathLike[str], output: str | os.PathLike[str], *, detectors: Sequence[str] = (),
              policy_dir: str = "", tz: str = "Europe/London", batch_rows: int = 10_000,
              sort_rows: int = LOCAL_SORT_ROWS) -> BackscanResult:
    out = Path(output)
    _prepare_output(out)
    src = resolve_input(input_path, out, tz)
    dataset = _parquet_dataset(src)
    total = dataset.count_rows()
    writer = _Writer(out)
    try:
        if total <= sort_rows:
            table = _conform(dataset.to_table()).sort_by([(k, "ascending") for k in SORT_KEYS])
            for b in detect_batches(table.to_batches(max_chunksize=batch_rows), detectors=detectors,
                                    policy_dir=policy_dir, tz=tz):
                writer.write(b)
        else:
            with tempfile.TemporaryDirectory(dir=out, prefix="_buckets") as tmp:
                for bucket in _bucketise(dataset, Path(tmp), max(2, -(-total // BUCKET_ROWS))):
                    table = pq.read_table(bucket).sort_by([(k, "ascending") for k in SORT_KEYS])
                    for b in detect_batches(table.to_batches(max_chunksize=batch_rows), detectors=detectors,
                                            policy_dir=policy_dir, tz=tz):
                        writer.write(b)
                    del table
                    os.unlink(bucket)
    finally:
        writer.close()
    (out / "_SUCCESS").write_text("")
    return BackscanResult("local", total, writer.counts["finding"], writer.counts["reject"], str(out))


def _bucketise(dataset: ds.Dataset, tmp: Path, k: int) -> list[Path]:
    """Split rows into ``k`` files by a hash of the chat, so each chat lands in one."""
    paths = [tmp / f"bucket-{i:04d}.parquet" for i in range(k)]
    writers = [pq.ParquetWriter(p, INPUT_SCHEMA) for p in paths]
    try:
        for raw in dataset.to_batches(batch_size=200_000):
            t = _conform(raw)
            keys = zip(t.column("source").to_pylist(), t.column("account").to_pylist(), t.column("chat_id").to_pylist())
            ids = pa.array([zlib.crc32(f"{s}\x1f{a}\x1f{c}".encode("utf-8", "surrogatepass")) % k for s, a, c in keys],
                           pa.int32())
            for i in range(k):
                part = t.filter(pc.equal(ids, i))
                if part.num_rows:
                    writers[i].write_table(part)
    finally:
        for w in writers:
            w.close()
    return paths


def spark_session(master: str = "", remote: str = "", app: str = "chatwarden-backscan",
                  config: dict[str, str] | None = None):
    import sys

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    b = SparkSession.builder.appName(app)
    b = b.remote(remote) if remote else b.master(master or "local[*]")
    conf = {"spark.sql.session.timeZone": "UTC", "spark.sql.execution.arrow.maxRecordsPerBatch": "10000",
            **(config or {})}
    if not remote:
        conf.setdefault("spark.ui.enabled", "false")
    for k, v in conf.items():
        b = b.config(k, v)
    return b.getOrCreate()


def run_spark(input_path: str | os.PathLike[str], output: str | os.PathLike[str], *, spark=None,
              master: str = "", remote: str = "", partitions: int | None = None, detectors: Sequence[str] = (),
              policy_dir: str = "", tz: str = "Europe/London") -> BackscanResult:
    from pyspark.sql import functions as F

    out = Path(output) if "://" not in str(output) else None
    if out is not None:
        _prepare_output(out)
    src = resolve_input(input_path, out, tz) if out is not None else Path(input_path)
    own = spark is None
    spark = spark or spark_session(master, remote)
    try:
        df = spark.read.parquet(str(src))
        missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
        if missing:
            raise InputError(f"input lacks the column(s) {', '.join(missing)} (see docs/stream.md)")
        cols = []
        for f in INPUT_SCHEMA:
            spark_type = {"string": "string", "bool": "boolean"}.get(str(f.type), "timestamp")
            cols.append(F.col(f.name).cast(spark_type) if f.name in df.columns else F.lit(None).cast(spark_type).alias(f.name))
        df = df.select(*cols)
        n = partitions or max(2, spark.sparkContext.defaultParallelism if not remote else 8)
        dets, pdir = tuple(detectors), policy_dir

        def scan(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
            yield from detect_batches(batches, detectors=dets, policy_dir=pdir, tz=tz)

        result = (df.repartition(n, "source", "account", "chat_id")
                  .sortWithinPartitions(*SORT_KEYS)
                  .mapInArrow(scan, OUTPUT_DDL))
        result.write.mode("overwrite").partitionBy("record_type").parquet(str(output))
        if out is not None:  # count from the files' footers (no second job; no glob characters in paths)
            counts = {t: _count_rows(out / f"record_type={t}") for t in ("finding", "reject")}
            rows = _parquet_dataset(src).count_rows()
        else:
            counts = {r["record_type"]: r["count"] for r in
                      spark.read.parquet(str(output)).groupBy("record_type").count().collect()}
            rows = df.count()
    finally:
        if own:
            spark.stop()
    return BackscanResult("spark", rows, counts.get("finding", 0), counts.get("reject", 0), str(output))


def _count_rows(folder: Path) -> int:
    return sum(pq.ParquetFile(p).metadata.num_rows for p in folder.rglob("*.parquet")) if folder.is_dir() else 0


# ------------------------------------------------------------------------------ reading results
def read_findings(output: str | os.PathLike[str], record_type: str = "finding") -> pa.Table:
    """One record type of a back-scan's output, as a table (empty when there is none)."""
    d = Path(output) / f"record_type={record_type}"
    files = sorted(str(p) for p in d.rglob("*.parquet")) if d.is_dir() else []
    if not files:
        return OUTPUT_SCHEMA.remove(0).empty_table()
    return ds.dataset(files, format="parquet").to_table()


def load_into_store(store, output: str | os.PathLike[str], *, actor, tz: str = "Europe/London",
                    batch: int = 5000) -> dict[str, int]:
    """Load a back-scan's findings, with the messages they are about, into the store:
    one transaction per ``batch`` findings, idempotent (messages by identity, findings by
    their unique key), one audit entry each."""
    from chatwarden.stream.pipeline import StreamWriter

    table = read_findings(output)
    writer = StreamWriter(None, actor, store.blobs, tz=tz, kind="backscan")  # type: ignore[arg-type]
    totals = {"findings": table.num_rows, "findings_new": 0, "messages_new": 0}
    rows = table.to_pylist()
    for i in range(0, len(rows), batch):
        with store.transaction() as conn:
            res = writer.load_findings(conn, rows[i:i + batch])
        writer.committed()
        totals["findings_new"] += res["findings_new"]
        totals["messages_new"] += res["messages_new"]
    return totals
