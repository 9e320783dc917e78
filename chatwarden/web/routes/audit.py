"""The audit trail (who viewed or changed what) with filters, and the chain's status."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from chatwarden.audit_view import chain_status, list_entries
from chatwarden.model import Actor
from chatwarden.web.render import is_htmx, page
from chatwarden.web.routes.common import opt_int, opt_str, store_of
from chatwarden.web.security import needs

router = APIRouter(include_in_schema=False)
PAGE = 100


def audit_filters(request: Request) -> dict:
    q = request.query_params
    return {
        "actor_filter": opt_str(q.get("actor")),
        "action": opt_str(q.get("action")),
        "subject": opt_str(q.get("subject")),
        "before_id": opt_int(q.get("before")),
    }


@router.get("/audit")
def audit_page(request: Request, actor: Annotated[Actor, needs("audit.view")]) -> Response:
    f = audit_filters(request)
    rows = list_entries(store_of(request), actor, limit=PAGE, **f)
    shown = {k: v for k, v in request.query_params.items() if k != "before" and v}
    return page(
        request,
        "audit.html",
        rows=rows,
        filters=f,
        shown=shown,
        next_before=rows[-1]["id"] if len(rows) == PAGE else None,
    )


@router.get("/audit/verify")
def audit_verify(request: Request, actor: Annotated[Actor, needs("audit.view")]) -> Response:
    """The chain check, loaded by htmx after the page (it reads the whole log)."""
    chain = chain_status(store_of(request), actor)
    return page(request, "_chain.html" if is_htmx(request) else "chain.html", chain=chain)
