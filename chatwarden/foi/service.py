"""FOI use cases: what the CLI and the web app call.  Every function checks the ``foi.use``
permission; those that change the store or read personal data from it write an audit
entry in the same transaction.  Audit entries hold counts, ids and references: never
names, request text or redacted strings.

Redaction jobs (a document, its proposals and the reviewer's decisions) are kept as JSON
files under ``<data_dir>/foi/redactions/`` (owner-only permissions): they hold the original
document text, as sensitive as the store itself.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from chatwarden.errors import InputError, NotFoundError
from chatwarden.foi import draft as draft_mod
from chatwarden.foi import outputs
from chatwarden.foi import redact as rd
from chatwarden.foi import requests as reqs
from chatwarden.foi.deadlines import WorkingDays
from chatwarden.foi.disclosure import DisclosureRules
from chatwarden.foi.ranks import Seniority
from chatwarden.foi.stats import (
    StatsOptions,
    StatsResult,
    findings_statistics,
    read_cases_csv,
    read_cases_store,
    read_casework_store,
    read_findings_store,
    statistics,
)
from chatwarden.model import Actor
from chatwarden.permissions import require
from chatwarden.store import Store, audit

ACTION = "foi.use"


# ---------------------------------------------------------------------------- statistics
def misconduct_statistics(store: Store | None, actor: Actor, *, options: StatsOptions | None = None,
                          rules: DisclosureRules | None = None, from_csv: str | os.PathLike[str] | None = None,
                          ) -> StatsResult:
    """Protected misconduct statistics from the store's register or from a CSV export of
    it (``from_csv``; then ``store`` may be None).  Reading the register is audited."""
    require(actor, ACTION)
    opts = options or StatsOptions()
    if from_csv is not None:
        records = read_cases_csv(from_csv)
        return statistics(records, opts, rules)
    if store is None:
        raise InputError("statistics need the store or a CSV export of the misconduct register")
    with store.transaction() as conn:
        records = read_cases_store(conn)
        result = statistics(records, opts, rules)
        audit.record(conn, actor, "foi.stats", "misconduct-register", None, after={
            "records_read": len(records), "counted": result.counted,
            "tables": [t.key for t in result.all_tables()],
            "suppressed": result.report.count("primary") + result.report.count("secondary"),
            "since": opts.since, "until": opts.until})
    return result


def monitoring_statistics(store: Store, actor: Actor, *, since: date | None = None, until: date | None = None,
                          rules: DisclosureRules | None = None) -> StatsResult:
    """Confirmed and escalated findings by year and category, and cases opened from them
    by year and kind (no people in either)."""
    require(actor, ACTION)
    with store.transaction() as conn:
        result = findings_statistics(read_findings_store(conn), since=since, until=until, rules=rules,
                                     casework=read_casework_store(conn))
        audit.record(conn, actor, "foi.stats", "findings", None, after={"counted": result.counted})
    return result


def export_statistics(actor: Actor, result: StatsResult, fmt: str) -> bytes:
    """A release file (csv, xlsx, html, pdf, docx, json) of protected statistics."""
    require(actor, ACTION)
    return outputs.write(result, fmt)


def disclosure_report(actor: Actor, result: StatsResult) -> dict[str, bytes]:
    """The suppression report for the case file (txt and csv): holds real counts."""
    require(actor, ACTION)
    return outputs.report_files(result)


# ---------------------------------------------------------------------------- requests
def _calendar(regions: Iterable[str] | None) -> WorkingDays:
    return WorkingDays(tuple(regions)) if regions else WorkingDays()


def add_request(store: Store, actor: Actor, *, received_on: date, subject: str, request_text: str,
                ref: str | None = None, handler: str | None = None, regions: Iterable[str] | None = None,
                today: date | None = None) -> dict[str, Any]:
    """Register a request; its due date is 20 working days after receipt."""
    require(actor, ACTION)
    cal = _calendar(regions)
    with store.transaction() as conn:
        row = reqs.add(conn, received_on=received_on, subject=subject, request_text=request_text, ref=ref,
                       handler=handler, calendar=cal)
        audit.record(conn, actor, "foi.request.add", "foi_request", row["ref"],
                     after={"received_on": row["received_on"], "due_on": row["due_on"]})
    return reqs.summary(row, today or date.today(), cal)


def list_requests(store: Store, actor: Actor, *, status: str | None = None, today: date | None = None,
                  regions: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The register (no request text), due first, with working days left."""
    require(actor, ACTION)
    cal = _calendar(regions)
    with store.read() as conn:
        rows = reqs.listing(conn, status=status)
    return [reqs.summary(r, today or date.today(), cal) for r in rows]


def overdue_requests(store: Store, actor: Actor, *, today: date | None = None, within: int = 0,
                     regions: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """Open requests past their due date, and (``within`` > 0) those due within that many
    working days."""
    rows = list_requests(store, actor, status="open", today=today, regions=regions)
    return [r for r in rows if r["overdue"] or (within > 0 and r["working_days_left"] <= within)]


def get_request(store: Store, actor: Actor, ref: str, *, today: date | None = None,
                regions: Iterable[str] | None = None) -> dict[str, Any]:
    """One request with its text (the text may hold the requester's personal data: audited)."""
    require(actor, ACTION)
    with store.transaction() as conn:
        row = reqs.get(conn, ref)
        audit.record(conn, actor, "foi.request.view", "foi_request", ref)
    out = reqs.summary(row, today or date.today(), _calendar(regions))
    out["request_text"] = row["request_text"]
    return out


def _change(store: Store, actor: Actor, ref: str, action: str, fn: Any, reason: str | None = None,
            **kwargs: Any) -> dict[str, Any]:
    require(actor, ACTION)
    with store.transaction() as conn:
        before = reqs.get(conn, ref)
        row = fn(conn, ref, **kwargs)
        audit.record(conn, actor, action, "foi_request", ref,
                     before={"status": before["status"], "due_on": before["due_on"]},
                     after={"status": row["status"], "due_on": row["due_on"], "responded_on": row["responded_on"],
                            "exemptions": row["exemptions"], **({"reason": reason} if reason else {})})
    return reqs.summary(row, date.today())


def respond_request(store: Store, actor: Actor, ref: str, *, responded_on: date,
                    exemptions: Iterable[str] = ()) -> dict[str, Any]:
    return _change(store, actor, ref, "foi.request.respond", reqs.respond, responded_on=responded_on,
                   exemptions=list(exemptions))


def withdraw_request(store: Store, actor: Actor, ref: str, *, reason: str = "") -> dict[str, Any]:
    return _change(store, actor, ref, "foi.request.withdraw", reqs.withdraw, reason or None)


def clarify_request(store: Store, actor: Actor, ref: str, *, clarified_on: date,
                    regions: Iterable[str] | None = None) -> dict[str, Any]:
    return _change(store, actor, ref, "foi.request.clarified", reqs.clarified, None, clarified_on=clarified_on,
                   calendar=_calendar(regions))


def extend_request(store: Store, actor: Actor, ref: str, *, working_days: int, reason: str,
                   regions: Iterable[str] | None = None) -> dict[str, Any]:
    if not reason.strip():
        raise InputError("a public interest extension needs a reason")
    return _change(store, actor, ref, "foi.request.extend", reqs.extend, reason, working_days=working_days,
                   calendar=_calendar(regions))


# ---------------------------------------------------------------------------- drafts
def draft_response(store: Store | None, actor: Actor, inp: draft_mod.DraftInput, fmt: str, *,
                   threshold: int = 5, marker: str = "*") -> bytes:
    """A draft response letter (html, docx, pdf, txt).  With a store, the draft is audited
    against the request's reference."""
    require(actor, ACTION)
    data = draft_mod.render(inp, fmt, threshold=threshold, marker=marker)
    if store is not None:
        with store.transaction() as conn:
            audit.record(conn, actor, "foi.draft", "foi_request", inp.ref,
                         after={"format": fmt, "decision": inp.decision, "exemptions": list(inp.exemptions)})
    return data


def draft_input_for_request(store: Store, actor: Actor, ref: str, **overrides: Any) -> draft_mod.DraftInput:
    """A :class:`DraftInput` filled from the register (reference, receipt date, request text,
    recorded exemptions); ``overrides`` set the other fields."""
    r = get_request(store, actor, ref)
    fields = {"ref": r["ref"], "received_on": r["received_on"], "request_text": r["request_text"],
              "exemptions": list(r["exemptions"]), "handler_name": r.get("handler") or ""}
    fields.update({k: v for k, v in overrides.items() if v is not None})
    return draft_mod.DraftInput(**fields)


# ---------------------------------------------------------------------------- redaction
_JOB_ID = re.compile(r"^[0-9a-f]{16,32}$")


def _jobs_dir(store: Store) -> Path:
    d = store.settings.data_path / "foi" / "redactions"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _job_path(store: Store, job_id: str) -> Path:
    if not _JOB_ID.match(job_id):
        raise NotFoundError("no such redaction job")
    return _jobs_dir(store) / f"{job_id}.json"


def _save(store: Store, job: rd.RedactionJob) -> None:
    path = _job_path(store, job.job_id)
    tmp = path.with_suffix(".partial")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(job.to_dict(), fh, ensure_ascii=False)
    os.replace(tmp, path)


def _load(store: Store, job_id: str) -> rd.RedactionJob:
    path = _job_path(store, job_id)
    if not path.is_file():
        raise NotFoundError("no such redaction job")
    return rd.RedactionJob.from_dict(json.loads(path.read_text(encoding="utf-8")))


@dataclass(frozen=True)
class RedactionOptions:
    officer_seniority: str = "Inspector"  # names up to and including this rank are withheld
    staff_seniority: str = "Band A"  # names at this band and below are withheld
    region: str = "GB"


def propose_redactions(store: Store, actor: Actor, document: str | os.PathLike[str], *,
                       directory: str | os.PathLike[str] | None = None, original_name: str | None = None,
                       options: RedactionOptions = RedactionOptions()) -> rd.RedactionJob:
    """Read a document (txt, md, docx, pdf), propose redactions and keep the job for review."""
    require(actor, ACTION)
    src = rd.load_document(document, name=original_name)
    people = rd.load_directory(directory) if directory else []
    seniority = Seniority.from_names(options.officer_seniority, options.staff_seniority)
    job = rd.propose(src, rd.Detector(people, seniority, options.region), job_id=uuid.uuid4().hex[:16],
                     created_by=actor.name)
    job.options = {"officer_seniority": options.officer_seniority, "staff_seniority": options.staff_seniority,
                   "directory_entries": len(people)}
    with store.transaction() as conn:
        audit.record(conn, actor, "foi.redaction.propose", "redaction_job", job.job_id,
                     after={"document_sha256": src.sha256, "kind": src.kind, "proposed": len(job.redactions)})
        _save(store, job)
    return job


def list_redaction_jobs(store: Store, actor: Actor) -> list[dict[str, Any]]:
    require(actor, ACTION)
    out = []
    for p in sorted(_jobs_dir(store).glob("*.json")):
        job = rd.RedactionJob.from_dict(json.loads(p.read_text(encoding="utf-8")))
        out.append({"job_id": job.job_id, "document": job.source.name, "kind": job.source.kind,
                    "created_by": job.created_by, "created_at": job.created_at, "released_at": job.released_at,
                    **job.counts()})
    return sorted(out, key=lambda j: j["created_at"], reverse=True)


def get_redaction_job(store: Store, actor: Actor, job_id: str) -> rd.RedactionJob:
    """The job with the document text and each proposal (audited: it shows personal data)."""
    require(actor, ACTION)
    job = _load(store, job_id)
    with store.transaction() as conn:
        audit.record(conn, actor, "foi.redaction.view", "redaction_job", job_id)
    return job


def review_redactions(store: Store, actor: Actor, job_id: str, decisions: Mapping[str, str | Mapping[str, str]]
                      ) -> rd.RedactionJob:
    """Accept or override proposals: ``{"R001": "accept", "R002": {"decision": "override",
    "note": "public-facing role"}, "R003": {"decision": "accept", "exemption": "s40(2)"}}``."""
    require(actor, ACTION)
    job = _load(store, job_id)
    if job.released_at:
        from chatwarden.errors import WorkflowError

        raise WorkflowError("this job has been released; propose again to change it")
    changed = {}
    for rid, d in decisions.items():
        if isinstance(d, str):
            r = job.decide(rid, d, reviewer=actor.name)
        else:
            r = job.decide(rid, d.get("decision", ""), reviewer=actor.name, exemption=d.get("exemption"),
                           note=d.get("note", ""))
        changed[rid] = {"status": r.status, "exemption": r.exemption}
    with store.transaction() as conn:
        audit.record(conn, actor, "foi.redaction.review", "redaction_job", job_id, after={"decisions": changed})
        _save(store, job)
    return job


def add_redaction(store: Store, actor: Actor, job_id: str, *, exemption: str, reason: str,
                  text: str | None = None, unit: int | None = None, start: int | None = None,
                  end: int | None = None) -> list[rd.Redaction]:
    """A redaction the detectors missed: every occurrence of ``text``, or one span
    (``unit``, ``start``, ``end``).  Added redactions are accepted."""
    require(actor, ACTION)
    job = _load(store, job_id)
    if text is not None:
        added = job.add_text(text, exemption, reason, reviewer=actor.name)
    elif unit is not None and start is not None and end is not None:
        added = [job.add(unit, start, end, exemption, reason, reviewer=actor.name)]
    else:
        raise InputError("give the text to redact, or its line and start and end positions")
    with store.transaction() as conn:
        audit.record(conn, actor, "foi.redaction.add", "redaction_job", job_id,
                     after={"added": [r.id for r in added], "exemption": exemption})
        _save(store, job)
    return added


def release_redactions(store: Store, actor: Actor, job_id: str, out_dir: str | os.PathLike[str], *,
                       formats: Iterable[str] = ("pdf", "docx", "txt"), stem: str = "release",
                       with_text_log: bool = False) -> dict[str, Path]:
    """Write the release files and the redaction log (CSV and JSON) once every proposal has
    been decided.  The release is checked for surviving redacted text before it is written."""
    require(actor, ACTION)
    job = _load(store, job_id)
    files = rd.release(job, formats)
    paths = write_release(job, files, out_dir, stem=stem, with_text_log=with_text_log)
    with store.transaction() as conn:
        audit.record(conn, actor, "foi.redaction.release", "redaction_job", job_id,
                     after={"formats": sorted(files), "counts": job.counts(), "document_sha256": job.source.sha256})
        _save(store, job)
    return paths


def write_release(job: rd.RedactionJob, files: Mapping[str, bytes], out_dir: str | os.PathLike[str], *,
                  stem: str = "release", with_text_log: bool = False) -> dict[str, Path]:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    for fmt, data in files.items():
        p = out / f"{stem}.{fmt}"
        p.write_bytes(data)
        paths[fmt] = p
    log = out / f"{stem}.redaction-log.csv"
    log.write_text(rd.log_csv(job, with_text=with_text_log), encoding="utf-8")
    paths["log-csv"] = log
    logj = out / f"{stem}.redaction-log.json"
    logj.write_text(json.dumps(rd.log_json(job, with_text=with_text_log), indent=2, ensure_ascii=False) + "\n",
                    encoding="utf-8")
    paths["log-json"] = logj
    return paths


__all__ = [
    "RedactionOptions", "add_redaction", "add_request", "clarify_request", "disclosure_report",
    "draft_input_for_request", "draft_response", "export_statistics", "extend_request", "get_redaction_job",
    "get_request", "list_redaction_jobs", "list_requests", "misconduct_statistics", "monitoring_statistics",
    "overdue_requests", "propose_redactions", "release_redactions", "respond_request", "review_redactions",
    "withdraw_request", "write_release",
]
