"""The approved apps register (003, FAQ 9): MAAM approvals and local authorisations, with
their state today, what expires soon, the register's own checks and the stored chats'
coverage; add, change, revoke; CSV import and export."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from chatwarden.model import Actor
from chatwarden.registers import apps
from chatwarden.registers.csvio import RecordError
from chatwarden.web.render import page
from chatwarden.web.routes.common import back, opt_int, opt_str, store_of
from chatwarden.web.routes.forms import changed, csv_download, filled, inputs, read_fields, run
from chatwarden.web.routes.registers import import_upload
from chatwarden.web.security import needs

router = APIRouter(include_in_schema=False)

STATES = ("current", "expired", "not-started", "revoked")
FORM_FIELDS = ("app", "kind", "unit", "purpose", "approver", "approver_role", "start_date", "expiry_date", "reference")
LABELS = {"approver_role": "Approver's role", "start_date": "Start date", "expiry_date": "Expiry date"}
KIND_LABELS = {"kind": {"corporate": "corporate (MAAM approval)", "local": "local authorisation"}}


def app_inputs(row: dict[str, Any] | None = None, submitted: dict[str, str] | None = None) -> list:
    return inputs(
        apps.SCHEMA,
        FORM_FIELDS,
        row,
        submitted=submitted,
        labels=LABELS,
        textareas=("purpose",),
        option_labels=KIND_LABELS,
    )


def list_filters(request: Request) -> dict[str, Any]:
    q = request.query_params
    state = q.get("state")
    kind = q.get("kind")
    return {
        "state": state if state in STATES else None,
        "kind": kind if kind in ("corporate", "local") else None,
        "app": opt_str(q.get("app")),
        "unit": opt_str(q.get("unit")),
    }


def apps_context(request: Request, actor: Actor) -> dict[str, Any]:
    store = store_of(request)
    f = list_filters(request)
    days = opt_int(request.query_params.get("days")) or 30
    days = max(1, min(days, 366))
    return {
        "filters": f,
        "rows": apps.list_apps(store, actor, **f),
        "states": STATES,
        "days": days,
        "expiring": apps.expiring(store, actor, days=days),
        "checks": [x.to_dict() for x in apps.check_register(store, actor) + apps.check_exports(store, actor)],
        "known_apps": sorted(apps.MESSAGING_APPS),
    }


@router.get("/registers/apps")
def apps_page(request: Request, actor: Annotated[Actor, needs("register.view")]) -> Response:
    return page(request, "apps.html", **apps_context(request, actor), form=app_inputs(), problems=[])


@router.post("/registers/apps")
async def app_add(request: Request, actor: Annotated[Actor, needs("register.edit")]) -> Response:
    sub = await read_fields(request, FORM_FIELDS)
    try:
        row = await run(apps.add_app, store_of(request), actor, filled(sub, apps.SCHEMA))
    except RecordError as exc:
        ctx = await run(apps_context, request, actor)
        return page(request, "apps.html", http_status=400, **ctx, form=app_inputs(submitted=sub), problems=exc.problems)
    return back(f"/registers/apps/{row['id']}?saved=1")


@router.get("/registers/apps.csv")
def apps_csv(request: Request, actor: Annotated[Actor, needs("register.view")]) -> Response:
    return csv_download(apps.export_csv(store_of(request), actor), "apps.csv")


@router.post("/registers/apps/import")
async def apps_import(request: Request, actor: Annotated[Actor, needs("register.edit")]) -> Response:
    store = store_of(request)
    return await import_upload(
        request,
        actor,
        importer=lambda path, source: apps.import_csv(store, actor, path, source),
        suffixes=(".csv",),
        source=lambda name: "apps.csv",
        back_to="/registers/apps",
        title="Approved apps: the file was not imported",
    )


def _detail(
    request: Request,
    actor: Actor,
    app_id: int,
    *,
    submitted: dict[str, str] | None = None,
    problems: list | None = None,
    http_status: int = 200,
) -> Response:
    row = apps.get_app(store_of(request), actor, app_id)
    return page(
        request, "app.html", http_status=http_status, a=row, form=app_inputs(row, submitted), problems=problems or []
    )


@router.get("/registers/apps/{app_id}")
def app_page(request: Request, actor: Annotated[Actor, needs("register.view")], app_id: int) -> Response:
    return _detail(request, actor, app_id)


@router.post("/registers/apps/{app_id}")
async def app_update(request: Request, actor: Annotated[Actor, needs("register.edit")], app_id: int) -> Response:
    sub = await read_fields(request, FORM_FIELDS)
    store = store_of(request)
    row = await run(apps.get_app, store, actor, app_id)
    try:
        await run(apps.update_app, store, actor, app_id, changed(apps.SCHEMA, row, sub))
    except RecordError as exc:
        return await run(_detail, request, actor, app_id, submitted=sub, problems=exc.problems, http_status=400)
    return back(f"/registers/apps/{app_id}?saved=1")


@router.post("/registers/apps/{app_id}/revoke")
async def app_revoke(request: Request, actor: Annotated[Actor, needs("register.edit")], app_id: int) -> Response:
    sub = await read_fields(request, ("reason",))
    try:
        await run(apps.revoke_app, store_of(request), actor, app_id, sub.get("reason", ""))
    except RecordError as exc:
        return await run(_detail, request, actor, app_id, problems=exc.problems, http_status=400)
    return back(f"/registers/apps/{app_id}?saved=1")
