"""The redaction review, for the FOI officer: upload a document (and a staff directory),
see each proposed redaction in the document with its exemption, accept or override each
(htmx swaps the proposal in place), add what the detectors missed, release once every
proposal is decided (refused before), and download the released files and the redaction
log.  The release is written from the redacted text and checked for surviving redacted
strings by :func:`chatwarden.foi.service.release_redactions`."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from chatwarden.errors import InputError, NotFoundError
from chatwarden.foi import redact as rd
from chatwarden.foi import service
from chatwarden.model import Actor
from chatwarden.store import audit
from chatwarden.web.render import is_htmx, page
from chatwarden.web.routes.common import back, settings_of, store_of
from chatwarden.web.routes.forms import DIRECTORY_MAX, DOCUMENT_MAX, TempFolder, read_fields, read_upload, run
from chatwarden.web.security import needs

router = APIRouter(include_in_schema=False)

DOCUMENT_SUFFIXES = (".txt", ".md", ".markdown", ".docx", ".pdf")
OFFICER_SENIORITY = ("Constable", "Sergeant", "Inspector", "Chief Inspector", "Superintendent", "Chief Superintendent")
STAFF_SENIORITY = tuple(f"Band {b}" for b in "ABCDEFG")
RELEASE_FORMATS = ("pdf", "docx", "txt")
RELEASE_FILES = {
    "release.pdf": "application/pdf",
    "release.docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "release.txt": "text/plain; charset=utf-8",
    "release.redaction-log.csv": "text/csv; charset=utf-8",
    "release.redaction-log.json": "application/json",
}
_JOB = re.compile(r"^[0-9a-f]{16,32}$")
_RID = re.compile(r"^[RM]\d{3,5}$")
CONTEXT = 60


def job_id_of(text: str) -> str:
    if not _JOB.match(text):
        raise NotFoundError("no such redaction job")
    return text


def release_dir(request: Request, job_id: str) -> Path:
    return settings_of(request).data_path / "foi" / "releases" / job_id_of(job_id)


async def receive_document(request: Request, actor: Actor) -> rd.RedactionJob:
    """The uploaded document (and staff directory), proposed for redaction; the files are
    read from a private temporary folder and not kept (the job keeps the text)."""
    site_cap = settings_of(request).max_upload_bytes
    async with TempFolder("cw-foi-") as folder:
        doc = await read_upload(
            request,
            "document",
            DOCUMENT_SUFFIXES,
            max_bytes=min(DOCUMENT_MAX, site_cap),
            folder=folder,
            default_stem="document",
        )
        directory = await read_upload(
            request,
            "directory",
            (".csv",),
            max_bytes=min(DIRECTORY_MAX, site_cap),
            folder=folder,
            default_stem="directory",
            required=False,
        )
        if doc is None:
            raise InputError("choose a document to redact")
        sub = await read_fields(request, ("officer_seniority", "staff_seniority"))
        officer = sub.get("officer_seniority") or "Inspector"
        staff = sub.get("staff_seniority") or "Band A"
        if officer not in OFFICER_SENIORITY or staff not in STAFF_SENIORITY:
            raise InputError("choose the seniorities from the lists")
        return await run(
            service.propose_redactions,
            store_of(request),
            actor,
            doc.path,
            directory=directory.path if directory else None,
            original_name=doc.name,
            options=service.RedactionOptions(officer_seniority=officer, staff_seniority=staff),
        )


@router.get("/foi/redactions")
def jobs_page(request: Request, actor: Annotated[Actor, needs("foi.use")]) -> Response:
    jobs = service.list_redaction_jobs(store_of(request), actor)
    return page(
        request,
        "foi_redactions.html",
        jobs=jobs,
        officers=OFFICER_SENIORITY,
        staff=STAFF_SENIORITY,
        max_mib=DOCUMENT_MAX >> 20,
    )


@router.post("/foi/redactions")
async def upload(request: Request, actor: Annotated[Actor, needs("foi.use")]) -> Response:
    job = await receive_document(request, actor)
    return back(f"/foi/redactions/{job.job_id}")


# ---------------------------------------------------------------------------- the review
def segments(text: str, reds: list[rd.Redaction]) -> list[tuple[str, rd.Redaction | None]]:
    """A line cut into plain text and redacted spans, in order."""
    out: list[tuple[str, rd.Redaction | None]] = []
    pos = 0
    for r in sorted(reds, key=lambda r: r.start):
        if r.start < pos:
            continue
        if r.start > pos:
            out.append((text[pos : r.start], None))
        out.append((text[r.start : r.end], r))
        pos = r.end
    if pos < len(text):
        out.append((text[pos:], None))
    return out


def proposal_view(job: rd.RedactionJob, r: rd.Redaction) -> dict[str, Any]:
    text = job.source.units[r.unit].text if 0 <= r.unit < len(job.source.units) else r.text
    before = text[max(0, r.start - CONTEXT) : r.start]
    after = text[r.end : r.end + CONTEXT]
    return {
        "r": r,
        "before": ("…" if r.start > CONTEXT else "") + before,
        "after": after + ("…" if r.end + CONTEXT < len(text) else ""),
    }


def review_context(request: Request, job: rd.RedactionJob) -> dict[str, Any]:
    by_unit: dict[int, list[rd.Redaction]] = {}
    for r in job.redactions:
        by_unit.setdefault(r.unit, []).append(r)
    lines = [{"u": u, "segments": segments(u.text, by_unit.get(u.index, []))} for u in job.source.units]
    folder = release_dir(request, job.job_id)
    files = [n for n in RELEASE_FILES if (folder / n).is_file()] if job.released_at else []
    return {
        "job": job,
        "lines": lines,
        "proposals": [proposal_view(job, r) for r in job.redactions],
        "counts": job.counts(),
        "exemptions": rd.EXEMPTIONS,
        "files": files,
        "undecided": len(job.undecided()),
    }


@router.get("/foi/redactions/{job_id}")
def review_page(request: Request, actor: Annotated[Actor, needs("foi.use")], job_id: str) -> Response:
    job = service.get_redaction_job(store_of(request), actor, job_id_of(job_id))
    q = request.query_params.get("added")
    added = int(q) if q and q.isdigit() else None
    return page(request, "foi_redaction.html", **review_context(request, job), added=added)


@router.post("/foi/redactions/{job_id}/decide")
async def decide(request: Request, actor: Annotated[Actor, needs("foi.use")], job_id: str) -> Response:
    job_id = job_id_of(job_id)
    sub = await read_fields(request, ("rid", "decision", "exemption", "note"))
    rid = (sub.get("rid") or "").strip()
    if not _RID.match(rid):
        raise InputError("no such proposal in this job")
    decision = (sub.get("decision") or "").strip()
    if decision not in ("accept", "override"):
        raise InputError("the decision is accept or override")
    exemption = (sub.get("exemption") or "").strip() or None
    if exemption is not None and exemption not in rd.EXEMPTIONS:
        raise InputError("choose the exemption from the list")
    d = {"decision": decision, "note": (sub.get("note") or "").strip()[:500]}
    if exemption:
        d["exemption"] = exemption
    job = await run(service.review_redactions, store_of(request), actor, job_id, {rid: d})
    if is_htmx(request):
        r = job.get(rid)
        return page(
            request,
            "_redaction_swap.html",
            p=proposal_view(job, r),
            job=job,
            counts=job.counts(),
            exemptions=rd.EXEMPTIONS,
            undecided=len(job.undecided()),
        )
    return back(f"/foi/redactions/{job_id}#p-{rid}")


@router.post("/foi/redactions/{job_id}/add")
async def add(request: Request, actor: Annotated[Actor, needs("foi.use")], job_id: str) -> Response:
    job_id = job_id_of(job_id)
    sub = await read_fields(request, ("text", "exemption", "reason"))
    text = sub.get("text") or ""
    if not text.strip() or len(text) > 500:
        raise InputError("give the words to redact (at most 500 characters)")
    exemption = (sub.get("exemption") or "").strip()
    if exemption not in rd.EXEMPTIONS:
        raise InputError("choose the exemption from the list")
    reason = (sub.get("reason") or "").strip()[:500] or "added by the reviewer"
    added = await run(
        service.add_redaction, store_of(request), actor, job_id, exemption=exemption, reason=reason, text=text
    )
    return back(f"/foi/redactions/{job_id}?added={len(added)}#added")


@router.post("/foi/redactions/{job_id}/release")
def release(request: Request, actor: Annotated[Actor, needs("foi.use")], job_id: str) -> Response:
    job_id = job_id_of(job_id)
    service.release_redactions(store_of(request), actor, job_id, release_dir(request, job_id), formats=RELEASE_FORMATS)
    return back(f"/foi/redactions/{job_id}#released")


@router.get("/foi/redactions/{job_id}/files/{file_name}")
def release_file(request: Request, actor: Annotated[Actor, needs("foi.use")], job_id: str, file_name: str) -> Response:
    return released_file(request, actor, job_id, file_name)


def released_file(request: Request, actor: Actor, job_id: str, file_name: str) -> FileResponse:
    """A file of a release (audited: what left the system, and who took it)."""
    if file_name not in RELEASE_FILES:
        raise NotFoundError("no such file in a release")
    path = release_dir(request, job_id) / file_name
    if not path.is_file():
        raise NotFoundError("this job has not been released (or the file was removed)")
    with store_of(request).transaction() as conn:
        audit.record(
            conn,
            actor,
            "foi.redaction.download",
            "redaction_job",
            job_id,
            after={"file": file_name, "bytes": path.stat().st_size},
        )
    return FileResponse(
        path, media_type=RELEASE_FILES[file_name], filename=file_name, headers={"Cache-Control": "private, no-store"}
    )
