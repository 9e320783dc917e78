"""Cases: list, timeline, notes, assignee, legal hold, closure; evidence packages built,
downloaded and handed off."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import FileResponse, Response

from chatwarden.cases import casework, evidence
from chatwarden.cases.evidence import HANDOFFS
from chatwarden.model import Actor
from chatwarden.web.render import page
from chatwarden.web.routes.common import back, opt_str, store_of
from chatwarden.web.security import needs

router = APIRouter(include_in_schema=False)


@router.get("/cases")
def case_list(request: Request, actor: Annotated[Actor, needs("case.view")], status: str | None = None) -> Response:
    status = status if status in ("open", "closed") else None
    rows = casework.list_cases(store_of(request), actor, status=status)
    return page(request, "cases.html", rows=rows, status=status)


@router.get("/cases/{case_id}")
def case_page(request: Request, actor: Annotated[Actor, needs("case.view")], case_id: int) -> Response:
    c = casework.get_case(store_of(request), actor, case_id)
    missing = {p["id"]: [s for s, (_r, at) in HANDOFFS.items() if p[at] is None] for p in c["packages"]}
    return page(request, "case.html", c=c, missing=missing, stages=list(HANDOFFS))


@router.post("/cases/{case_id}/assign")
def assign(
    request: Request,
    actor: Annotated[Actor, needs("case.manage")],
    case_id: int,
    assignee: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    from chatwarden.errors import WorkflowError

    if not assignee.strip():
        raise WorkflowError("name who takes the case")
    casework.assign(store_of(request), actor, case_id, assignee.strip(), opt_str(reason))
    return back(f"/cases/{case_id}")


@router.post("/cases/{case_id}/note")
def note(
    request: Request, actor: Annotated[Actor, needs("case.manage")], case_id: int, text: Annotated[str, Form()] = ""
) -> Response:
    casework.add_note(store_of(request), actor, case_id, text)
    return back(f"/cases/{case_id}")


@router.post("/cases/{case_id}/hold")
def hold(
    request: Request,
    actor: Annotated[Actor, needs("case.hold")],
    case_id: int,
    hold: Annotated[str, Form()] = "on",
    reason: Annotated[str, Form()] = "",
) -> Response:
    casework.set_hold(store_of(request), actor, case_id, hold != "off", reason)
    return back(f"/cases/{case_id}")


@router.post("/cases/{case_id}/close")
def close(
    request: Request, actor: Annotated[Actor, needs("case.manage")], case_id: int, outcome: Annotated[str, Form()] = ""
) -> Response:
    casework.close_case(store_of(request), actor, case_id, outcome)
    return back(f"/cases/{case_id}")


@router.post("/cases/{case_id}/evidence")
def build(request: Request, actor: Annotated[Actor, needs("evidence.build")], case_id: int) -> Response:
    evidence.build_for_case(store_of(request), actor, case_id)
    return back(f"/cases/{case_id}#evidence")


@router.post("/evidence/{package_id}/handoff")
def handoff(
    request: Request,
    actor: Annotated[Actor, needs("evidence.handoff")],
    package_id: int,
    stage: Annotated[str, Form()] = "",
    reference: Annotated[str, Form()] = "",
    case_id: Annotated[str, Form()] = "",
) -> Response:
    evidence.record_handoff(store_of(request), actor, package_id, stage, reference)
    return back(f"/cases/{int(case_id)}#evidence" if case_id.isdigit() else "/dashboard")


def package_response(request: Request, actor: Actor, package_id: int) -> FileResponse:
    from chatwarden.errors import NotFoundError

    path = evidence.package_path(store_of(request), actor, package_id)
    if not path.is_file():
        raise NotFoundError(f"evidence package {package_id}: the file is no longer there (disposed of or moved)")
    return FileResponse(
        path, media_type="application/zip", filename=path.name, headers={"Cache-Control": "private, no-store"}
    )


@router.get("/evidence/{package_id}/download")
def download(request: Request, actor: Annotated[Actor, needs("evidence.download")], package_id: int) -> Response:
    return package_response(request, actor, package_id)
