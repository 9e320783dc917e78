"""The JSON API: the same use cases as the pages, under the same permission actions, for
integration with force systems.  Described at ``/openapi.json`` (to signed-in callers).

Authenticate with ``Authorization: Bearer <token>`` (``chatwarden user token``) or the
session cookie; a state-changing request made with the cookie must also send the
session's CSRF token in ``X-CSRF-Token``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from chatwarden.audit_view import chain_status, list_entries
from chatwarden.cases import casework, evidence, review
from chatwarden.model import Actor
from chatwarden.web import accounts, queries
from chatwarden.web.routes.cases import package_response
from chatwarden.web.routes.common import settings_of, store_of
from chatwarden.web.routes.dashboard import dashboard_data
from chatwarden.web.routes.imports import UPLOAD_BODY, receive_upload
from chatwarden.web.routes.selfcheck import MAX_DRAFT, check_drafts
from chatwarden.web.security import needs

router = APIRouter(prefix="/api", tags=["api"])

Id = Annotated[int, Field(ge=1, le=2**62)]
Status = Literal["open", "confirmed", "dismissed", "escalated", "pending-second", "all"]
Severity = Literal["low", "medium", "high", "critical"]
Kind = Literal["misconduct-referral", "data-protection-incident", "supervisor-advice"]
Stage = Literal["uploaded", "recorded", "supervisor-informed"]
Text = Annotated[str, Field(max_length=4000)]
ShortText = Annotated[str, Field(max_length=400)]


class JSON(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, default=str, option=orjson.OPT_NON_STR_KEYS)


def ok(obj: Any, status: int = 200) -> JSON:
    return JSON(obj, status_code=status)


# ---------------------------------------------------------------------------- bodies
class NoteIn(BaseModel):
    note: Text | None = None


class ReasonIn(BaseModel):
    reason: Text = Field(min_length=1)


class EscalateIn(BaseModel):
    kind: Kind
    assignee: ShortText = Field(min_length=1)
    reason: Text = Field(min_length=1)
    case_id: Id | None = None


class OpenCaseIn(BaseModel):
    kind: Kind
    title: ShortText = Field(min_length=1)
    assignee: ShortText | None = None
    finding_ids: list[Id] = Field(default_factory=list, max_length=500)


class AssignIn(BaseModel):
    assignee: ShortText = Field(min_length=1)
    reason: Text | None = None


class CaseNoteIn(BaseModel):
    text: Text = Field(min_length=1)


class HoldIn(BaseModel):
    hold: bool
    reason: Text = Field(min_length=1)


class CloseIn(BaseModel):
    outcome: Text = Field(min_length=1)


class HandoffIn(BaseModel):
    stage: Stage
    reference: ShortText = Field(min_length=1)


class CheckIn(BaseModel):
    texts: list[Annotated[str, Field(max_length=MAX_DRAFT)]] = Field(min_length=1, max_length=100)


# ---------------------------------------------------------------------------- who am I
@router.get("/me", summary="The signed-in account and what it may do")
def me(actor: Annotated[Actor, needs("session.use")]) -> JSON:
    from chatwarden.permissions import ACTIONS, allowed

    return ok(
        {
            "id": actor.id,
            "name": actor.name,
            "roles": list(actor.roles),
            "actions": [a for a in ACTIONS if allowed(actor, a)],
        }
    )


@router.get("/dashboard", summary="Counts, weekly trend, overdue work and outstanding hand-offs")
def dashboard(request: Request, actor: Annotated[Actor, needs("dashboard.view")]) -> JSON:
    return ok(dashboard_data(store_of(request), actor))


# ---------------------------------------------------------------------------- findings
@router.get("/findings", summary="A page of the review queue (no message text)")
def findings(
    request: Request,
    actor: Annotated[Actor, needs("finding.view")],
    status: Status = "open",
    category: Annotated[str | None, Query(max_length=64)] = None,
    severity: Severity | None = None,
    chat_id: Id | None = None,
    person: Annotated[str | None, Query(max_length=200)] = None,
    rule: Annotated[str | None, Query(max_length=64)] = None,
    after: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> JSON:
    rows = review.review_queue(
        store_of(request),
        actor,
        status=None if status == "all" else status,
        category=category,
        severity=severity,
        chat_id=chat_id,
        person=person,
        rule=rule,
        after_id=after,
        limit=limit,
    )
    return ok(queries.mask_chat_names(store_of(request), actor, rows))


@router.get("/findings/{finding_id}", summary="A finding with the conversation around it (audited read)")
def finding(
    request: Request,
    actor: Annotated[Actor, needs("finding.view", "message.view")],
    finding_id: Id,
    context: Annotated[int, Query(ge=0, le=50)] = 5,
) -> JSON:
    return ok(queries.finding_for(store_of(request), actor, finding_id, context=context))


@router.post("/findings/{finding_id}/confirm", summary="Confirm a finding as a breach")
def confirm(request: Request, actor: Annotated[Actor, needs("finding.review")], finding_id: Id, body: NoteIn) -> JSON:
    return ok({"status": review.confirm(store_of(request), actor, finding_id, body.note)})


@router.post("/findings/{finding_id}/dismiss", summary="Dismiss with a reason (four-eyes for high and critical)")
def dismiss(request: Request, actor: Annotated[Actor, needs("finding.review")], finding_id: Id, body: ReasonIn) -> JSON:
    return ok(
        {
            "status": review.dismiss(
                store_of(request), actor, finding_id, body.reason, four_eyes=settings_of(request).four_eyes_severities
            )
        }
    )


@router.post("/findings/{finding_id}/approve", summary="Second approval of a pending dismissal")
def approve(request: Request, actor: Annotated[Actor, needs("finding.approve")], finding_id: Id, body: NoteIn) -> JSON:
    return ok({"status": review.approve_dismissal(store_of(request), actor, finding_id, body.note)})


@router.post("/findings/{finding_id}/reject", summary="Reject a pending dismissal (back to the queue)")
def reject(request: Request, actor: Annotated[Actor, needs("finding.approve")], finding_id: Id, body: ReasonIn) -> JSON:
    return ok({"status": review.reject_dismissal(store_of(request), actor, finding_id, body.reason)})


@router.post("/findings/{finding_id}/escalate", summary="Escalate a finding to a new or existing case")
def escalate(
    request: Request, actor: Annotated[Actor, needs("finding.review")], finding_id: Id, body: EscalateIn
) -> JSON:
    cid = review.escalate(
        store_of(request),
        actor,
        finding_id,
        kind=body.kind,
        assignee=body.assignee,
        reason=body.reason,
        case_id=body.case_id,
    )
    return ok({"status": "escalated", "case_id": cid})


@router.post("/findings/{finding_id}/unmask", summary="Show participants' names to first-line reviewers (audited)")
def unmask(request: Request, actor: Annotated[Actor, needs("finding.unmask")], finding_id: Id, body: ReasonIn) -> JSON:
    queries.unmask(store_of(request), actor, finding_id, body.reason)
    return ok({"status": "unmasked"})


# ---------------------------------------------------------------------------- cases
@router.get("/cases", summary="Cases, newest first")
def cases(
    request: Request,
    actor: Annotated[Actor, needs("case.view")],
    status: Literal["open", "closed"] | None = None,
    assignee: Annotated[str | None, Query(max_length=200)] = None,
) -> JSON:
    return ok(casework.list_cases(store_of(request), actor, status=status, assignee=assignee))


@router.post("/cases", summary="Open a case, optionally linking findings", status_code=201)
def open_case(request: Request, actor: Annotated[Actor, needs("case.manage")], body: OpenCaseIn) -> JSON:
    cid = casework.open_case(
        store_of(request),
        actor,
        kind=body.kind,
        title=body.title,
        assignee=body.assignee,
        finding_ids=list(body.finding_ids),
    )
    return ok({"case_id": cid}, 201)


@router.get("/cases/{case_id}", summary="A case with findings, notes, packages and timeline")
def case(request: Request, actor: Annotated[Actor, needs("case.view")], case_id: Id) -> JSON:
    return ok(casework.get_case(store_of(request), actor, case_id))


@router.post("/cases/{case_id}/assign", summary="Assign a case")
def assign(request: Request, actor: Annotated[Actor, needs("case.manage")], case_id: Id, body: AssignIn) -> JSON:
    casework.assign(store_of(request), actor, case_id, body.assignee, body.reason)
    return ok({"status": "assigned"})


@router.post("/cases/{case_id}/notes", summary="Add a note to a case", status_code=201)
def add_note(request: Request, actor: Annotated[Actor, needs("case.manage")], case_id: Id, body: CaseNoteIn) -> JSON:
    return ok({"note_id": casework.add_note(store_of(request), actor, case_id, body.text)}, 201)


@router.post("/cases/{case_id}/hold", summary="Place or lift a legal hold")
def hold(request: Request, actor: Annotated[Actor, needs("case.hold")], case_id: Id, body: HoldIn) -> JSON:
    casework.set_hold(store_of(request), actor, case_id, body.hold, body.reason)
    return ok({"legal_hold": body.hold})


@router.post("/cases/{case_id}/close", summary="Close a case with an outcome")
def close(request: Request, actor: Annotated[Actor, needs("case.manage")], case_id: Id, body: CloseIn) -> JSON:
    casework.close_case(store_of(request), actor, case_id, body.outcome)
    return ok({"status": "closed"})


# ---------------------------------------------------------------------------- evidence
@router.post("/cases/{case_id}/evidence", summary="Build evidence packages for a case", status_code=201)
def build(request: Request, actor: Annotated[Actor, needs("evidence.build")], case_id: Id) -> JSON:
    built = evidence.build_for_case(store_of(request), actor, case_id)
    return ok([{k: v for k, v in p.items() if k != "path"} for p in built], 201)


@router.get("/evidence/outstanding", summary="Packages with hand-offs still to do")
def outstanding(request: Request, actor: Annotated[Actor, needs("case.view")]) -> JSON:
    return ok([{k: v for k, v in r.items() if k != "path"} for r in evidence.outstanding(store_of(request), actor)])


@router.post("/evidence/{package_id}/handoffs", summary="Record a hand-off with its reference")
def handoff(
    request: Request, actor: Annotated[Actor, needs("evidence.handoff")], package_id: Id, body: HandoffIn
) -> JSON:
    evidence.record_handoff(store_of(request), actor, package_id, body.stage, body.reference)
    return ok({"status": "recorded", "stage": body.stage})


@router.get(
    "/evidence/{package_id}/download",
    summary="Download an evidence package (zip; audited)",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}}},
)
def download(request: Request, actor: Annotated[Actor, needs("evidence.download")], package_id: Id) -> Response:
    return package_response(request, actor, package_id)


# ---------------------------------------------------------------------------- self-check, imports
@router.post("/check", summary="Self-check drafts: would each breach the guidance, and why (nothing is stored)")
def check(request: Request, actor: Annotated[Actor, needs("self.check")], body: CheckIn) -> JSON:
    return ok([{"findings": r} for r in check_drafts(request, body.texts)])


@router.post(
    "/imports", summary="Upload and import an export (.txt or .zip)", status_code=201, openapi_extra=UPLOAD_BODY
)
async def imports(request: Request, actor: Annotated[Actor, needs("chat.import")]) -> JSON:
    r = await receive_upload(request, actor)
    return ok(r.__dict__, 201 if r.status == "imported" else 200)


@router.get("/exports/{export_id}", summary="What one import found")
def export_report(request: Request, actor: Annotated[Actor, needs("finding.view")], export_id: Id) -> JSON:
    return ok(queries.export_report(store_of(request), actor, export_id))


# ---------------------------------------------------------------------------- chats, people
@router.get("/chats", summary="Chats with their finding counts")
def chats(request: Request, actor: Annotated[Actor, needs("chat.view")]) -> JSON:
    return ok(queries.list_chats(store_of(request), actor))


@router.get("/chats/{chat_id}", summary="A chat: participants, exports, findings by category and status")
def chat(request: Request, actor: Annotated[Actor, needs("chat.view")], chat_id: Id) -> JSON:
    return ok(queries.chat_detail(store_of(request), actor, chat_id))


@router.get("/people", summary="People with findings across all chats")
def people(request: Request, actor: Annotated[Actor, needs("chat.view")]) -> JSON:
    return ok(queries.list_people(store_of(request), actor))


@router.get("/person", summary="One person's findings across every chat")
def person(
    request: Request,
    actor: Annotated[Actor, needs("chat.view", "finding.view")],
    name: Annotated[str, Query(min_length=1, max_length=200)],
) -> JSON:
    return ok(queries.person_history(store_of(request), actor, name))


# ---------------------------------------------------------------------------- audit, users
@router.get("/audit", summary="Audit entries, newest first")
def audit(
    request: Request,
    actor: Annotated[Actor, needs("audit.view")],
    actor_name: Annotated[str | None, Query(alias="actor", max_length=200)] = None,
    action: Annotated[str | None, Query(max_length=48)] = None,
    subject: Annotated[str | None, Query(max_length=80)] = None,
    before: Id | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> JSON:
    return ok(
        list_entries(
            store_of(request),
            actor,
            actor_filter=actor_name,
            action=action,
            subject=subject,
            before_id=before,
            limit=limit,
        )
    )


@router.get("/audit/verify", summary="Recompute the audit hash chain")
def audit_verify(request: Request, actor: Annotated[Actor, needs("audit.view")]) -> JSON:
    r = chain_status(store_of(request), actor)
    return ok({"ok": r.ok, "entries": r.entries, "first_bad_id": r.first_bad_id, "problem": r.problem})


@router.get("/users", summary="Accounts (no password hashes)")
def users(request: Request, actor: Annotated[Actor, needs("user.manage")]) -> JSON:
    return ok(accounts.list_users(store_of(request), actor))


# The description of this API, for signed-in callers.
spec_router = APIRouter(include_in_schema=False)


@spec_router.get("/openapi.json")
def openapi(request: Request, actor: Annotated[Actor, needs("session.use")]) -> JSON:
    return ok(request.app.openapi())
