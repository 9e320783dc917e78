"""Evidence preservation for a case (004_fb39a41d194af020.txt, Summary and Annex 1): where a
prohibited use occurs the chat is exported, preserved in the evidence system, recorded on
the records system, and a supervisor is informed.

:func:`build_for_case` writes an evidence package (chatwarden.evidence) for every export
that holds a message of the case's findings: the original export byte-identical (from the
blob store), its media re-hashed, transcripts with the findings marked, RSMF, the chain of
custody and a SHA-256 manifest.  The package row then tracks the hand-offs the guidance
requires: exported -> uploaded to the evidence system (reference) -> recorded on the
records system (reference) -> supervisor informed; :func:`outstanding` lists what is left.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import insert, select, update

from chatwarden.errors import NotFoundError, WorkflowError
from chatwarden.model import Actor, Citation, Decision, Span
from chatwarden.permissions import require
from chatwarden.store import Store, audit
from chatwarden.store.records import IdentityCounter
from chatwarden.store.tables import cases, custody, evidence_packages, exports, findings, messages

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
                original = Path(tmp) / exp["file_name"]
                shutil.copyfile(store.blobs.path(exp["blob"]), original)
                chat, msgs, warnings = parse_export(original, date_order=exp["date_order"] if exp["date_order_reason"] == "hint" else None)
                ident = IdentityCounter()
                index_of = {ident(m): m.index for m in msgs}
                decisions = [_decision(r, index_of) for r in frows]
                entries = [CustodyEntry(_aware(c["at"]), c["actor"], c["action"], c["detail"])
                           for c in conn.execute(select(custody).where(custody.c.export_id == export_id)
                                                 .order_by(custody.c.id)).mappings()]
                stamp = _now()
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
