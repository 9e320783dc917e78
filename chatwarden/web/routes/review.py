"""The review queue and a finding in context: confirm, dismiss with a reason (four-eyes
for high and critical), approve or reject a pending dismissal, escalate to a case, and
unmask a pseudonymised finding."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from chatwarden.cases import review
from chatwarden.cases.review import ESCALATION_KINDS, STATUSES
from chatwarden.model import Actor
from chatwarden.policy.rules import CATEGORIES
from chatwarden.registers.incidents import LEAK_CATEGORIES
from chatwarden.web import queries
from chatwarden.web.render import is_htmx, page
from chatwarden.web.routes.common import back, opt_int, opt_str, settings_of, store_of
from chatwarden.web.routes.incidents import opened_from
from chatwarden.web.security import needs

router = APIRouter(include_in_schema=False)
PAGE = 50


def queue_filters(request: Request) -> dict:
    q = request.query_params
    status = q.get("status", "open")
    return {
        "status": None if status == "all" else (status if status in STATUSES else "open"),
        "category": opt_str(q.get("category")),
        "severity": opt_str(q.get("severity")),
        "chat_id": opt_int(q.get("chat")),
        "person": opt_str(q.get("person")),
        "rule": opt_str(q.get("rule")),
        "after_id": opt_int(q.get("after")),
    }


@router.get("/review")
def queue(request: Request, actor: Annotated[Actor, needs("finding.view")]) -> Response:
    f = queue_filters(request)
    rows = queries.mask_chat_names(
        store_of(request), actor, review.review_queue(store_of(request), actor, limit=PAGE, **f)
    )
    shown = {k: v for k, v in request.query_params.items() if k != "after" and v}
    ctx = {
        "rows": rows,
        "filters": f,
        "shown": shown,
        "statuses": STATUSES,
        "categories": CATEGORIES,
        "next_after": rows[-1]["id"] if len(rows) == PAGE else None,
    }
    if is_htmx(request) and request.headers.get("hx-target") == "queue":
        return page(request, "_queue.html", **ctx)
    return page(request, "review.html", **ctx)


@router.get("/findings/{finding_id}")
def finding(
    request: Request, actor: Annotated[Actor, needs("finding.view", "message.view")], finding_id: int
) -> Response:
    f = queries.finding_for(store_of(request), actor, finding_id)
    nxt = review.review_queue(store_of(request), actor, status="open", after_id=finding_id, limit=1)
    leak = f["status"] in ("confirmed", "escalated") and f["category"] in LEAK_CATEGORIES
    return page(
        request,
        "finding.html",
        f=f,
        leak=leak,
        incident=opened_from(store_of(request), finding_id) if leak else None,
        kinds=ESCALATION_KINDS,
        next_id=nxt[0]["id"] if nxt else None,
        four_eyes=settings_of(request).four_eyes_severities,
    )


@router.post("/findings/{finding_id}/confirm")
def confirm(
    request: Request,
    actor: Annotated[Actor, needs("finding.review")],
    finding_id: int,
    note: Annotated[str, Form()] = "",
) -> Response:
    review.confirm(store_of(request), actor, finding_id, opt_str(note))
    return back(f"/findings/{finding_id}")


@router.post("/findings/{finding_id}/dismiss")
def dismiss(
    request: Request,
    actor: Annotated[Actor, needs("finding.review")],
    finding_id: int,
    reason: Annotated[str, Form()] = "",
) -> Response:
    review.dismiss(store_of(request), actor, finding_id, reason, four_eyes=settings_of(request).four_eyes_severities)
    return back(f"/findings/{finding_id}")


@router.post("/findings/{finding_id}/approve")
def approve(
    request: Request,
    actor: Annotated[Actor, needs("finding.approve")],
    finding_id: int,
    note: Annotated[str, Form()] = "",
) -> Response:
    review.approve_dismissal(store_of(request), actor, finding_id, opt_str(note))
    return back(f"/findings/{finding_id}")


@router.post("/findings/{finding_id}/reject")
def reject(
    request: Request,
    actor: Annotated[Actor, needs("finding.approve")],
    finding_id: int,
    reason: Annotated[str, Form()] = "",
) -> Response:
    review.reject_dismissal(store_of(request), actor, finding_id, reason)
    return back(f"/findings/{finding_id}")


@router.post("/findings/{finding_id}/escalate")
def escalate(
    request: Request,
    actor: Annotated[Actor, needs("finding.review")],
    finding_id: int,
    kind: Annotated[str, Form()] = "",
    assignee: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    case_id: Annotated[str, Form()] = "",
) -> Response:
    from chatwarden.errors import WorkflowError

    if not reason.strip():
        raise WorkflowError("an escalation needs a reason")
    cid = review.escalate(
        store_of(request),
        actor,
        finding_id,
        kind=kind,
        assignee=assignee.strip() or actor.name,
        reason=reason.strip(),
        case_id=opt_int(case_id),
    )
    return back(f"/cases/{cid}")


@router.post("/findings/{finding_id}/unmask")
def unmask(
    request: Request,
    actor: Annotated[Actor, needs("finding.unmask")],
    finding_id: int,
    reason: Annotated[str, Form()] = "",
) -> Response:
    queries.unmask(store_of(request), actor, finding_id, reason)
    return back(f"/findings/{finding_id}")


@router.get("/media/{message_id}/{n}")
def media(request: Request, actor: Annotated[Actor, needs("message.view")], message_id: int, n: int) -> Response:
    name, data, ctype = queries.message_media(store_of(request), actor, message_id, n)
    disposition = "inline" if ctype.startswith("image/") else "attachment"
    from urllib.parse import quote

    return Response(
        data,
        media_type=ctype,
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}",
            "Cache-Control": "private, no-store",
        },
    )


__all__ = ["is_htmx", "router"]
