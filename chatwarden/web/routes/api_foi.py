"""The JSON API of FOI (``foi.use``): the request register, protected statistics and the
redaction review, the same use cases as the FOI pages."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from chatwarden.foi import outputs, service
from chatwarden.model import Actor
from chatwarden.web.routes.api import JSON, ShortText, Text, ok
from chatwarden.web.routes.common import store_of
from chatwarden.web.routes.foi import EXEMPTIONS, checked_ref, compute, in_range, stats_request, table_view
from chatwarden.web.routes.forms import run
from chatwarden.web.routes.redaction import (
    RELEASE_FILES,
    RELEASE_FORMATS,
    job_id_of,
    receive_document,
    release_dir,
    released_file,
)
from chatwarden.web.security import needs

router = APIRouter(prefix="/api/foi", tags=["foi"])

Ref = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")]
Exemption = Annotated[str, Field(pattern=r"^(s31\(1\)\(a\)|s31\(1\)\(g\)|s40\(2\)|s40\(2\)-stats|s12|ncnd)$")]
RedExemption = Annotated[str, Field(pattern=r"^s\d{1,2}(\(\d+[A-Za-z]?\))*(\([a-z]\))?$", max_length=20)]


class RequestIn(BaseModel):
    received_on: date
    subject: ShortText = Field(min_length=1)
    request_text: Annotated[str, Field(min_length=1, max_length=20000)]
    ref: Ref | None = None
    handler: ShortText | None = None


class RespondIn(BaseModel):
    responded_on: date
    exemptions: list[Exemption] = Field(default_factory=list, max_length=len(EXEMPTIONS))


class WithdrawIn(BaseModel):
    reason: Text = ""


class ClarifyIn(BaseModel):
    clarified_on: date


class ExtendIn(BaseModel):
    working_days: Annotated[int, Field(ge=1, le=60)]
    reason: Text = Field(min_length=1)


class Decision(BaseModel):
    decision: Annotated[str, Field(pattern="^(accept|override)$")]
    exemption: RedExemption | None = None
    note: Annotated[str, Field(max_length=500)] = ""


class DecisionsIn(BaseModel):
    decisions: dict[Annotated[str, Field(pattern=r"^[RM]\d{3,5}$")], Decision] = Field(min_length=1, max_length=5000)


class AdditionIn(BaseModel):
    text: Annotated[str, Field(min_length=1, max_length=500)]
    exemption: RedExemption
    reason: Annotated[str, Field(max_length=500)] = "added by the reviewer"


def _job(job: Any) -> dict[str, Any]:
    return {
        "job_id": job.job_id,
        "document": job.source.name,
        "kind": job.source.kind,
        "sha256": job.source.sha256,
        "created_by": job.created_by,
        "created_at": job.created_at,
        "released_at": job.released_at,
        "counts": job.counts(),
        "options": job.options,
        "redactions": [asdict(r) for r in job.redactions],
    }


# ---------------------------------------------------------------------------- requests
@router.get("/requests", summary="The FOI request register (no request text), due first")
def list_requests(
    request: Request,
    actor: Annotated[Actor, needs("foi.use")],
    status: Annotated[str | None, Query(pattern="^(open|responded|withdrawn)$")] = None,
) -> JSON:
    return ok(service.list_requests(store_of(request), actor, status=status))


@router.post("/requests", summary="Register a request (due 20 working days after receipt)", status_code=201)
def add_request(request: Request, actor: Annotated[Actor, needs("foi.use")], body: RequestIn) -> JSON:
    return ok(
        service.add_request(
            store_of(request),
            actor,
            received_on=in_range(body.received_on, "received_on"),
            subject=body.subject,
            request_text=body.request_text,
            ref=body.ref,
            handler=body.handler,
        ),
        201,
    )


@router.get("/requests/{request_ref}", summary="A request with its text (audited read)")
def get_request(request: Request, actor: Annotated[Actor, needs("foi.use")], request_ref: str) -> JSON:
    return ok(service.get_request(store_of(request), actor, checked_ref(request_ref)))


@router.post("/requests/{request_ref}/respond", summary="Record the response and the exemptions applied")
def respond(request: Request, actor: Annotated[Actor, needs("foi.use")], request_ref: str, body: RespondIn) -> JSON:
    return ok(
        service.respond_request(
            store_of(request),
            actor,
            checked_ref(request_ref),
            responded_on=in_range(body.responded_on, "responded_on"),
            exemptions=body.exemptions,
        )
    )


@router.post("/requests/{request_ref}/withdraw", summary="Record that a request was withdrawn")
def withdraw(request: Request, actor: Annotated[Actor, needs("foi.use")], request_ref: str, body: WithdrawIn) -> JSON:
    return ok(service.withdraw_request(store_of(request), actor, checked_ref(request_ref), reason=body.reason))


@router.post("/requests/{request_ref}/clarify", summary="A clarification restarts the 20 working days (s1(3))")
def clarify(request: Request, actor: Annotated[Actor, needs("foi.use")], request_ref: str, body: ClarifyIn) -> JSON:
    return ok(
        service.clarify_request(
            store_of(request), actor, checked_ref(request_ref), clarified_on=in_range(body.clarified_on, "clarified_on")
        )
    )


@router.post("/requests/{request_ref}/extend", summary="A public interest extension (s10(3), with a reason)")
def extend(request: Request, actor: Annotated[Actor, needs("foi.use")], request_ref: str, body: ExtendIn) -> JSON:
    return ok(
        service.extend_request(
            store_of(request), actor, checked_ref(request_ref), working_days=body.working_days, reason=body.reason
        )
    )


# ---------------------------------------------------------------------------- statistics
@router.get("/statistics", summary="Protected statistics (query as the statistics page; withheld cells marked)")
def statistics(request: Request, actor: Annotated[Actor, needs("foi.use")]) -> JSON:
    sr = stats_request(request)
    result = compute(store_of(request), actor, sr)
    body = outputs.to_json(result)
    body["withheld_cells"] = {
        pop: {t.key: table_view(t)["suppressed"] for t in ts} for pop, ts in result.tables.items()
    }
    body["legend"] = sr.rules.legend()
    return ok(body)


# ---------------------------------------------------------------------------- redaction
@router.get("/redactions", summary="Redaction jobs with their counts")
def list_jobs(request: Request, actor: Annotated[Actor, needs("foi.use")]) -> JSON:
    return ok(service.list_redaction_jobs(store_of(request), actor))


@router.post(
    "/redactions",
    summary="Upload a document (and staff directory) and propose redactions",
    status_code=201,
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "required": ["document"],
                        "properties": {
                            "document": {"type": "string", "format": "binary", "description": ".txt .md .docx .pdf"},
                            "directory": {"type": "string", "format": "binary", "description": "staff directory CSV"},
                            "officer_seniority": {"type": "string"},
                            "staff_seniority": {"type": "string"},
                        },
                    }
                }
            },
        }
    },
)
async def propose(request: Request, actor: Annotated[Actor, needs("foi.use")]) -> JSON:
    job = await receive_document(request, actor)
    return ok(_job(job), 201)


@router.get("/redactions/{job_id}", summary="A job with each proposal and its text (audited read)")
def get_job(request: Request, actor: Annotated[Actor, needs("foi.use")], job_id: str) -> JSON:
    return ok(_job(service.get_redaction_job(store_of(request), actor, job_id_of(job_id))))


@router.post("/redactions/{job_id}/decisions", summary="Accept or override proposals")
def decide(request: Request, actor: Annotated[Actor, needs("foi.use")], job_id: str, body: DecisionsIn) -> JSON:
    decisions = {rid: d.model_dump(exclude_none=True) for rid, d in body.decisions.items()}
    return ok(_job(service.review_redactions(store_of(request), actor, job_id_of(job_id), decisions)))


@router.post("/redactions/{job_id}/additions", summary="Redact words the detectors missed (every occurrence)")
def add(request: Request, actor: Annotated[Actor, needs("foi.use")], job_id: str, body: AdditionIn) -> JSON:
    added = service.add_redaction(
        store_of(request), actor, job_id_of(job_id), exemption=body.exemption, reason=body.reason, text=body.text
    )
    return ok({"added": [r.id for r in added]})


@router.post("/redactions/{job_id}/release", summary="Release (refused while a proposal is undecided)")
async def release(request: Request, actor: Annotated[Actor, needs("foi.use")], job_id: str) -> JSON:
    job_id = job_id_of(job_id)
    paths = await run(
        service.release_redactions,
        store_of(request),
        actor,
        job_id,
        release_dir(request, job_id),
        formats=RELEASE_FORMATS,
    )
    names = sorted(p.name for p in paths.values() if p.name in RELEASE_FILES)
    return ok({"files": [f"/api/foi/redactions/{job_id}/files/{n}" for n in names]})


@router.get("/redactions/{job_id}/files/{file_name}", summary="A released file or the redaction log (audited)")
def release_file(request: Request, actor: Annotated[Actor, needs("foi.use")], job_id: str, file_name: str) -> Response:
    return released_file(request, actor, job_id, file_name)
