"""The JSON API of the governance registers: the same use cases and permission actions as
the register pages (approved apps, devices and the set-up audit, groups and consent,
security incidents, misconduct cases) and the dashboard's register alerts.

Record bodies are JSON objects of the register's fields (``docs/registers.md``): text is
read like the CSV column (dates ``YYYY-MM-DD``, times London ``YYYY-MM-DD HH:MM`` or ISO
8601 with an offset), or typed JSON values (booleans, numbers, lists).  Problems come back
as ``{"problems": [{"field", "problem"}]}`` with status 400; they never repeat a value."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Body, Query, Request
from pydantic import BaseModel, Field

from chatwarden.model import Actor
from chatwarden.registers import apps, devices, groups, incidents, misconduct
from chatwarden.registers.csvio import RecordError
from chatwarden.registers.dashboard import alerts
from chatwarden.web.routes.api import JSON, Id, ShortText, Text, ok
from chatwarden.web.routes.common import store_of
from chatwarden.web.routes.forms import checked, only_known
from chatwarden.web.routes.incidents import REPORT_FIELDS as INCIDENT_REPORT_FIELDS
from chatwarden.web.routes.misconduct import case_filters
from chatwarden.web.routes.reg_devices import audit_options
from chatwarden.web.security import needs

router = APIRouter(prefix="/api", tags=["registers"])
T = TypeVar("T")

Values = Annotated[dict[str, Any], Body(description="the record's fields, by name (docs/registers.md)")]
APP_FIELDS = tuple(n for n in apps.SCHEMA.names if n != "revoked")
GROUP_FIELDS = tuple(n for n in groups.SCHEMA.names if n != "last_validated_at")
MEMBER_FIELDS = tuple(n for n in groups.MEMBER_SCHEMA.names if n != "group")
CASE_FIELDS = tuple(n for n in misconduct.SCHEMA.names if n != "warning_expires_on")


def saved(request: Request, fn: Callable[[], T], status: int = 200) -> JSON:
    """Run a change; its record, or the problems (400)."""
    try:
        return ok(fn(), status)
    except RecordError as exc:
        return JSON(
            {
                "error": "The record was not saved",
                "status": 400,
                "error_id": getattr(request.state, "request_id", "-"),
                "problems": [{"field": f, "problem": p} for f, p in exc.problems],
            },
            status_code=400,
        )


class ReasonIn(BaseModel):
    reason: Text = Field(min_length=1)


class NoteIn(BaseModel):
    note: Text | None = None


class ReportedIn(BaseModel):
    reported_at: ShortText | None = Field(None, description="London time or ISO 8601; empty: now")


class IcoIn(BaseModel):
    decision: Annotated[str, Field(pattern="^(notify|not-notify)$")]
    reason: Text | None = None
    risk: Annotated[str, Field(pattern="^(unlikely|possible|likely|high)$")] | None = None
    notified_at: ShortText | None = None


class OwnerIn(BaseModel):
    owner: ShortText = Field(min_length=1)


# ---------------------------------------------------------------------------- alerts
@router.get("/registers/alerts", summary="Register alerts: overdue incidents, expiring apps, validation due")
def register_alerts(request: Request, actor: Annotated[Actor, needs("dashboard.view")]) -> JSON:
    return ok(alerts(store_of(request), actor))


# ---------------------------------------------------------------------------- apps
@router.get("/apps", summary="Approved apps and local authorisations, with their state today")
def list_apps(
    request: Request,
    actor: Annotated[Actor, needs("register.view")],
    state: Annotated[str | None, Query(pattern="^(current|expired|not-started|revoked)$")] = None,
    kind: Annotated[str | None, Query(pattern="^(corporate|local)$")] = None,
    app: Annotated[str | None, Query(max_length=64)] = None,
    unit: Annotated[str | None, Query(max_length=200)] = None,
) -> JSON:
    return ok(apps.list_apps(store_of(request), actor, state=state, kind=kind, app=app, unit=unit))


@router.post("/apps", summary="Record a corporate approval or a local authorisation", status_code=201)
def add_app(request: Request, actor: Annotated[Actor, needs("register.edit")], body: Values) -> JSON:
    return saved(
        request, lambda: apps.add_app(store_of(request), actor, only_known(body, APP_FIELDS, apps.SCHEMA)), 201
    )


@router.get("/apps/{app_id}", summary="One approved app entry with its state today")
def get_app(request: Request, actor: Annotated[Actor, needs("register.view")], app_id: Id) -> JSON:
    return ok(apps.get_app(store_of(request), actor, app_id))


@router.post("/apps/{app_id}", summary="Change fields of an approved app entry")
def update_app(request: Request, actor: Annotated[Actor, needs("register.edit")], app_id: Id, body: Values) -> JSON:
    return saved(
        request, lambda: apps.update_app(store_of(request), actor, app_id, only_known(body, APP_FIELDS, apps.SCHEMA))
    )


@router.post("/apps/{app_id}/revoke", summary="Withdraw an approval or authorisation (with a reason)")
def revoke_app(request: Request, actor: Annotated[Actor, needs("register.edit")], app_id: Id, body: ReasonIn) -> JSON:
    return saved(request, lambda: apps.revoke_app(store_of(request), actor, app_id, body.reason))


# ---------------------------------------------------------------------------- devices
@router.get("/devices", summary="The device inventory")
def list_devices(
    request: Request,
    actor: Annotated[Actor, needs("register.view")],
    unit: Annotated[str | None, Query(max_length=200)] = None,
    person: Annotated[str | None, Query(max_length=200)] = None,
    issued: bool | None = None,
) -> JSON:
    return ok(devices.list_devices(store_of(request), actor, unit=unit, person=person, issued=issued))


@router.get("/devices/audit", summary="The set-up audit per unit, person and device, with the rule each gap breaks")
def audit_devices(request: Request, actor: Annotated[Actor, needs("register.view")]) -> JSON:
    return ok(devices.audit_devices(store_of(request), actor, **audit_options(request)).to_dict())


# ---------------------------------------------------------------------------- groups
@router.get("/groups", summary="Groups with member counts (current, without consent, leavers)")
def list_groups(request: Request, actor: Annotated[Actor, needs("register.view")]) -> JSON:
    return ok(groups.list_groups(store_of(request), actor))


@router.post("/groups", summary="Register a group", status_code=201)
def add_group(request: Request, actor: Annotated[Actor, needs("register.edit")], body: Values) -> JSON:
    return saved(
        request, lambda: groups.add_group(store_of(request), actor, only_known(body, GROUP_FIELDS, groups.SCHEMA)), 201
    )


@router.get("/groups/{group_id}", summary="A group with its members")
def get_group(request: Request, actor: Annotated[Actor, needs("register.view")], group_id: Id) -> JSON:
    return ok(groups.get_group(store_of(request), actor, group_id))


@router.post("/groups/{group_id}/members", summary="Add a member to a group", status_code=201)
def add_member(request: Request, actor: Annotated[Actor, needs("register.edit")], group_id: Id, body: Values) -> JSON:
    return saved(
        request,
        lambda: groups.add_member(
            store_of(request), actor, group_id, only_known(body, MEMBER_FIELDS, groups.MEMBER_SCHEMA)
        ),
        201,
    )


@router.post("/groups/{group_id}/members/{member_id}", summary="Change a member: consent, leaving date, leaver")
def update_member(
    request: Request, actor: Annotated[Actor, needs("register.edit")], group_id: Id, member_id: Id, body: Values
) -> JSON:
    return saved(
        request,
        lambda: groups.update_member(
            store_of(request), actor, group_id, member_id, only_known(body, MEMBER_FIELDS, groups.MEMBER_SCHEMA)
        ),
    )


@router.get("/groups/{group_id}/reconcile", summary="A group compared with its exports: consent, contacts, leavers")
def reconcile(request: Request, actor: Annotated[Actor, needs("register.view")], group_id: Id) -> JSON:
    return ok(groups.reconcile(store_of(request), actor, group_id)[0].to_dict())


@router.post("/groups/{group_id}/validated", summary="Record that the admins validated every member")
def validated(request: Request, actor: Annotated[Actor, needs("register.edit")], group_id: Id, body: NoteIn) -> JSON:
    return saved(request, lambda: groups.record_validation(store_of(request), actor, group_id, None, body.note))


# ---------------------------------------------------------------------------- incidents
@router.get("/incidents", summary="Security incidents with both clocks")
def list_incidents(
    request: Request,
    actor: Annotated[Actor, needs("incident.manage")],
    status: Annotated[str | None, Query(pattern="^(open|reported|closed)$")] = None,
) -> JSON:
    return ok(incidents.list_incidents(store_of(request), actor, status=status))


@router.post("/incidents", summary="Report a security incident", status_code=201)
def report_incident(request: Request, actor: Annotated[Actor, needs("incident.report")], body: Values) -> JSON:
    from chatwarden.permissions import allowed

    names = incidents.SCHEMA.names if allowed(actor, "incident.manage") else INCIDENT_REPORT_FIELDS
    return saved(
        request,
        lambda: incidents.report_incident(store_of(request), actor, only_known(body, names, incidents.SCHEMA)),
        201,
    )


@router.get("/incidents/{incident_id}", summary="An incident with its clocks (audited read)")
def get_incident(request: Request, actor: Annotated[Actor, needs("incident.manage")], incident_id: Id) -> JSON:
    return ok(incidents.get_incident(store_of(request), actor, incident_id))


@router.post("/incidents/{incident_id}/reported", summary="Record the report to the IAU – Data Office")
def mark_reported(
    request: Request, actor: Annotated[Actor, needs("incident.manage")], incident_id: Id, body: ReportedIn
) -> JSON:
    if body.reported_at:
        return saved(
            request,
            lambda: incidents.update_incident(
                store_of(request), actor, incident_id, checked(incidents.SCHEMA, {"reported_at": body.reported_at})
            ),
        )
    return saved(request, lambda: incidents.mark_reported(store_of(request), actor, incident_id))


@router.post("/incidents/{incident_id}/ico", summary="Record the ICO decision (notify, or not with a reason)")
def ico(request: Request, actor: Annotated[Actor, needs("incident.manage")], incident_id: Id, body: IcoIn) -> JSON:
    def work() -> Any:
        if body.notified_at:
            checked(incidents.SCHEMA, {"ico_notified_at": body.notified_at})
        return incidents.record_ico_decision(
            store_of(request),
            actor,
            incident_id,
            body.decision,
            reason=body.reason,
            risk=body.risk,
            notified_at=body.notified_at,  # type: ignore[arg-type]  # text is read as London time
        )

    return saved(request, work)


@router.post("/incidents/{incident_id}/assign", summary="Make someone responsible for an incident")
def assign(request: Request, actor: Annotated[Actor, needs("incident.manage")], incident_id: Id, body: OwnerIn) -> JSON:
    return saved(request, lambda: incidents.assign(store_of(request), actor, incident_id, body.owner))


@router.post("/incidents/{incident_id}/close", summary="Close an incident (with a reason)")
def close(request: Request, actor: Annotated[Actor, needs("incident.manage")], incident_id: Id, body: ReasonIn) -> JSON:
    return saved(request, lambda: incidents.close_incident(store_of(request), actor, incident_id, reason=body.reason))


@router.post(
    "/findings/{finding_id}/incident", summary="Open an incident from a confirmed data-leak finding", status_code=201
)
def from_finding(
    request: Request, actor: Annotated[Actor, needs("incident.report", "finding.view")], finding_id: Id
) -> JSON:
    return saved(request, lambda: incidents.incident_from_finding(store_of(request), actor, finding_id), 201)


# ---------------------------------------------------------------------------- misconduct
@router.get("/misconduct", summary="Misconduct cases, newest first, filtered")
def list_cases(request: Request, actor: Annotated[Actor, needs("misconduct.view")]) -> JSON:
    return ok(misconduct.list_cases(store_of(request), actor, **case_filters(request)))


@router.post("/misconduct", summary="Record a misconduct case (the warning expiry is computed)", status_code=201)
def add_case(request: Request, actor: Annotated[Actor, needs("misconduct.edit")], body: Values) -> JSON:
    return saved(
        request,
        lambda: misconduct.add_case(store_of(request), actor, only_known(body, CASE_FIELDS, misconduct.SCHEMA)),
        201,
    )


@router.get("/misconduct/{misconduct_id}", summary="A misconduct case (audited read)")
def get_case(request: Request, actor: Annotated[Actor, needs("misconduct.view")], misconduct_id: Id) -> JSON:
    return ok(misconduct.get_case(store_of(request), actor, misconduct_id))


@router.post("/misconduct/{misconduct_id}", summary="Change a misconduct case")
def update_case(
    request: Request, actor: Annotated[Actor, needs("misconduct.edit")], misconduct_id: Id, body: Values
) -> JSON:
    return saved(
        request,
        lambda: misconduct.update_case(
            store_of(request), actor, misconduct_id, only_known(body, CASE_FIELDS, misconduct.SCHEMA)
        ),
    )
