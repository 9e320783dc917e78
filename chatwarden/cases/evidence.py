"""Evidence preservation for a case (004_fb39a41d194af020.txt, Summary and Annex 1): where a
prohibited use occurs the chat is exported, preserved in the evidence system, recorded on
the records system, and a supervisor is informed.

:func:`build_for_case` writes an evidence package (chatwarden.evidence) for every export
that holds a message of the case's findings: the original export byte-identical (from the
blob store), its media re-hashed, transcripts with the findings marked, RSMF, the chain of
custody and a SHA-256 manifest.  The package row then tracks the hand-offs the guidance
requires: exported -> uploaded to the evidence system (reference) -> recorded on the
records system (reference) -> supervisor informed; :func:`outstanding` lists what is left.

A chat that arrived through the message stream (``chatwarden monitor``) has no export file:
its package's "original" is a canonical JSON Lines rendering of the messages as stored, each
with the SHA-256 of its envelope as received and its intake reference, written when the
package is made (the custody log says so).  Annex 1 still applies: where the handset is
available, export the chat from it and import that too.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

from chatwarden.errors import NotFoundError, WorkflowError
from chatwarden.model import Actor, Chat, Citation, Decision, Message, Span
from chatwarden.permissions import require
from chatwarden.store import Store, audit
from chatwarden.store.records import IdentityCounter, row_to_message
from chatwarden.store.tables import (
    cases,
    chats,
    custody,
    evidence_packages,
    exports,
    findings,
    messages,
    stream_messages,
)

STREAM_PLATFORM = "stream"  # chatwarden.stream.pipeline's capture exports

HANDOFFS = {
    "uploaded": ("evidence_ref", "uploaded_at"),
    "recorded": ("records_ref", "recorded_at"),
    "supervisor-informed": ("supervisor", "supervisor_informed_at"),
}


def _now() -> datetime:
    return datetime.now(timezone.utc)


def build_for_case(store: Store, actor: Actor, case_id: int, *, out_dir: str | os.PathLike[str] | None = None) -> list[dict]:
    require(actor, "evidence.build")
    from chatwarden.evidence import CustodyEntry, build_package
    from chatwarden.ingest import parse_export

    built = []
    with store.transaction() as conn:
        case = conn.execute(select(cases).where(cases.c.id == case_id)).mappings().first()
        if case is None:
            raise NotFoundError(f"case {case_id} not found")
        rows = conn.execute(
            select(findings, messages.c.identity, messages.c.export_id)
            .select_from(findings.outerjoin(messages, messages.c.id == findings.c.message_id))
            .where(findings.c.case_id == case_id)).mappings().all()
        if not rows:
            raise WorkflowError(f"case {case['ref']} has no findings to preserve")
        by_export: dict[int, list[Any]] = {}
        for r in rows:
            export_id = r["export_id"]
            if export_id is None:  # a chat-level finding: the chat's latest export
                export_id = conn.execute(select(exports.c.id).where(exports.c.chat_id == r["chat_id"])
                                         .order_by(exports.c.id.desc()).limit(1)).scalar()
            by_export.setdefault(export_id, []).append(r)
        dest_root = Path(out_dir) if out_dir else store.settings.data_path / "evidence" / case["ref"]
        dest_root.mkdir(parents=True, exist_ok=True)
        for export_id, frows in by_export.items():
            exp = conn.execute(select(exports).where(exports.c.id == export_id)).mappings().one()
            with tempfile.TemporaryDirectory() as tmp:
                if exp["platform"] == STREAM_PLATFORM:
                    original, chat, msgs, index_of = _stream_capture(conn, exp, Path(tmp))
                    warnings = []
                else:
                    original = Path(tmp) / exp["file_name"]
                    shutil.copyfile(store.blobs.path(exp["blob"]), original)
                    chat, msgs, warnings = parse_export(
                        original, date_order=exp["date_order"] if exp["date_order_reason"] == "hint" else None)
                    ident = IdentityCounter()
                    index_of = {ident(m): m.index for m in msgs}
                decisions = [_decision(r, index_of) for r in frows]
                entries = [CustodyEntry(_aware(c["at"]), c["actor"], c["action"], c["detail"])
                           for c in conn.execute(select(custody).where(custody.c.export_id == export_id)
                                                 .order_by(custody.c.id)).mappings()]
                stamp = _now()
                if exp["platform"] == STREAM_PLATFORM:
                    entries.append(CustodyEntry(stamp, actor.name, "rendered", (
                        f"{len(msgs)} streamed messages rendered from the store as {chat.source} "
                        f"(SHA-256 {chat.sha256}) to stand as this package's original")))
                target = dest_root / f"{case['ref']}-{exp['sha256'][:12]}-{stamp:%Y%m%dT%H%M%SZ}.zip"
                info = build_package(target, export_path=original, chat=chat, messages=msgs, decisions=decisions,
                                     custody=entries, case_ref=case["ref"], created_by=actor.name,
                                     warnings=warnings, custodian=exp["account"], created_at=stamp, form="zip")
            res = conn.execute(insert(evidence_packages).values(
                case_id=case_id, export_id=export_id, path=str(target), manifest_sha256=info.manifest_sha256,
                created_by=actor.name, created_at=stamp, exported_at=stamp,
            ).returning(evidence_packages.c.id))
            pid = res.scalar_one()
            conn.execute(insert(custody).values(
                export_id=export_id, package_id=pid, actor=actor.name, action="packaged",
                detail=f"evidence package for {case['ref']}; manifest sha256 {info.manifest_sha256}", at=stamp))
            audit.record(conn, actor, "evidence.build", "evidence", pid, after={
                "case_id": case_id, "export_id": export_id, "manifest_sha256": info.manifest_sha256,
                "zip_sha256": info.zip_sha256, "findings": len(frows)})
            built.append({"id": pid, "path": str(target), "manifest_sha256": info.manifest_sha256,
                          "zip_sha256": info.zip_sha256, "export_sha256": exp["sha256"]})
    return built


def _stream_capture(conn: Any, exp: Any, tmp: Path) -> tuple[Path, Chat, list[Message], dict[str, int]]:
    """Render a streamed chat's stored messages as the package's original (JSON Lines, one
    header line, then one line per message in order) and read them back as messages."""
    import orjson

    chat_row = conn.execute(select(chats).where(chats.c.id == exp["chat_id"])).mappings().one()
    rows = conn.execute(
        select(messages, stream_messages.c.envelope_sha256, stream_messages.c.intake_ref,
               stream_messages.c.platform_id, stream_messages.c.source, stream_messages.c.account,
               stream_messages.c.device, stream_messages.c.received_at, stream_messages.c.stored_at,
               stream_messages.c.attachment_refs)
        .select_from(messages.outerjoin(stream_messages, stream_messages.c.message_id == messages.c.id))
        .where(messages.c.chat_id == exp["chat_id"], messages.c.disposed.is_(False))
        .order_by(messages.c.seq)).mappings().all()
    if not rows:
        raise WorkflowError(f"chat {exp['chat_id']}: no stored messages left to preserve")
    path = tmp / f"stream-capture-chat-{exp['chat_id']}.jsonl"
    digest = hashlib.sha256()
    msgs: list[Message] = []
    index_of: dict[str, int] = {}

    def stamp(v: Any) -> str | None:
        return None if v is None else (v.isoformat() if isinstance(v, datetime) else str(v))

    with open(path, "wb") as fh:
        head = orjson.dumps({"chatwarden": "stream capture", "chat_id": exp["chat_id"], "chat": chat_row["name"],
                             "messages": len(rows), "note": "rendered from the store when the package was made; "
                             "envelopes are not kept, each line carries the SHA-256 of its envelope as received"},
                            option=orjson.OPT_SORT_KEYS) + b"\n"
        fh.write(head)
        digest.update(head)
        for i, r in enumerate(rows):
            line = orjson.dumps({
                "seq": r["seq"], "identity": r["identity"], "timestamp": stamp(r["timestamp"]), "sender": r["sender"],
                "sender_phone": r["sender_phone"], "kind": r["kind"], "text": r["text"], "edited": bool(r["edited"]),
                "event": r["event"], "attachments": r["attachments"], "attachment_refs": r["attachment_refs"],
                "platform_id": r["platform_id"],
                "source": r["source"], "account": r["account"], "device": r["device"],
                "envelope_sha256": r["envelope_sha256"], "intake_ref": r["intake_ref"],
                "received_at": stamp(r["received_at"]), "stored_at": stamp(r["stored_at"]),
            }, option=orjson.OPT_SORT_KEYS) + b"\n"
            fh.write(line)
            digest.update(line)
            ts = r["timestamp"]
            msgs.append(row_to_message({**r, "seq": i, "line": i + 2,
                                        "timestamp": datetime.fromisoformat(ts) if isinstance(ts, str) else ts}))
            index_of[r["identity"]] = i
    senders = {m.sender for m in msgs if m.sender}
    chat = Chat(name=chat_row["name"], name_source="stream", source=path.name, sha256=digest.hexdigest(),
                platform=STREAM_PLATFORM, date_order="ymd", date_order_reason="stream",
                lines=len(rows) + 1, size=path.stat().st_size, is_group=bool(chat_row["is_group"]) or len(senders) > 2)
    return path, chat, msgs, index_of


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=timezone.utc)


def _decision(r: Any, index_of: dict[str, int]) -> Decision:
    idx = index_of.get(r["identity"]) if r["identity"] else None
    span = Span(r["span_start"], r["span_end"]) if r["span_start"] is not None else None
    cit = r["citation"] or {}
    return Decision(rule=r["rule"], title=r["title"], category=r["category"], severity=r["severity"],
                    message_index=idx, span=span,
                    citation=Citation(cit.get("document", ""), cit.get("section", ""), cit.get("quote", "")),
                    action=r["action"], explanation=r["explanation"], score=r["score"])


def record_handoff(store: Store, actor: Actor, package_id: int, stage: str, reference: str) -> None:
    """Record one hand-off: ``uploaded`` (evidence-system reference, e.g. an Evidence.com
    id), ``recorded`` (records-system reference, e.g. a CONNECT number) or
    ``supervisor-informed`` (the supervisor's name)."""
    require(actor, "evidence.handoff")
    if stage not in HANDOFFS:
        raise WorkflowError(f"hand-off stage must be one of {', '.join(HANDOFFS)}")
    if not reference or not reference.strip():
        raise WorkflowError("a hand-off needs a reference (or the supervisor's name)")
    ref_col, at_col = HANDOFFS[stage]
    with store.transaction() as conn:
        pkg = conn.execute(select(evidence_packages).where(evidence_packages.c.id == package_id)).mappings().first()
        if pkg is None:
            raise NotFoundError(f"evidence package {package_id} not found")
        at = _now()
        conn.execute(update(evidence_packages).where(evidence_packages.c.id == package_id)
                     .values(**{ref_col: reference.strip(), at_col: at}))
        conn.execute(insert(custody).values(export_id=pkg["export_id"], package_id=package_id, actor=actor.name,
                                            action=stage, detail=f"{ref_col}: {reference.strip()}", at=at))
        audit.record(conn, actor, f"evidence.{stage}", "evidence", package_id,
                     before={ref_col: pkg[ref_col]}, after={ref_col: reference.strip()})


def outstanding(store: Store, actor: Actor) -> list[dict[str, Any]]:
    """Packages with a hand-off still to do, and which."""
    require(actor, "case.view")
    with store.read() as conn:
        rows = conn.execute(select(evidence_packages, cases.c.ref).select_from(
            evidence_packages.join(cases, cases.c.id == evidence_packages.c.case_id))
            .order_by(evidence_packages.c.id)).mappings().all()
    out = []
    for r in rows:
        missing = [stage for stage, (_ref, at) in HANDOFFS.items() if r[at] is None]
        if missing:
            out.append({"package_id": r["id"], "case_ref": r["ref"], "created_at": r["created_at"],
                        "missing": missing, "path": r["path"]})
    return out


def package_path(store: Store, actor: Actor, package_id: int) -> Path:
    require(actor, "evidence.download")
    with store.transaction() as conn:
        pkg = conn.execute(select(evidence_packages).where(evidence_packages.c.id == package_id)).mappings().first()
        if pkg is None:
            raise NotFoundError(f"evidence package {package_id} not found")
        audit.record(conn, actor, "evidence.download", "evidence", package_id)
    return Path(pkg["path"])
