"""Security incidents (003, FAQ 19; UK GDPR Art 33 and 34; DPA 2018 s67 and s68): the
report form for everyone who may report, and for the Data Office the list with the 12-hour
IAU and 72-hour ICO clocks in London time (overdue and due-soon flagged), an incident with
its clocks, marking it reported, the ICO decision, assignment, closure, changes, the
incident log as CSV, and opening an incident from a confirmed finding."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from chatwarden.model import Actor
from chatwarden.permissions import allowed
from chatwarden.registers import clocks, incidents
from chatwarden.registers.csvio import RecordError
from chatwarden.store.tables import incidents as incidents_table
from chatwarden.web.render import page
from chatwarden.web.routes.common import back, store_of
from chatwarden.web.routes.forms import changed, csv_download, filled, inputs, read_fields, run
from chatwarden.web.security import needs

router = APIRouter(include_in_schema=False)

DUE_SOON_HOURS = 4
REPORT_FIELDS = (
    "title",
    "description",
    "occurred_at",
    "aware_at",
    "reported_at",
    "data_involved",
    "systems_involved",
    "people_affected",
    "personal_data",
    "risk",
)
MANAGER_FIELDS = ("reporter", "owner")
EDIT_FIELDS = (
    "title",
    "description",
    "occurred_at",
    "aware_at",
    "reported_at",
    "reporter",
    "owner",
    "data_involved",
    "systems_involved",
    "people_affected",
    "personal_data",
    "risk",
)
LABELS = {
    "occurred_at": "When it happened (if known)",
    "aware_at": "When you became aware (the clocks start here)",
    "reported_at": "Reported to the Information Assurance Unit – Data Office at",
    "data_involved": "Data involved",
    "systems_involved": "Systems involved",
    "people_affected": "Number of people affected (if known)",
    "personal_data": "Was personal data breached?",
    "risk": "Risk to the people affected",
    "owner": "Owner (Data Office)",
}
RISK_LABELS = {
    "risk": {
        "unlikely": "unlikely to result in a risk",
        "possible": "possible",
        "likely": "likely",
        "high": "high (the people affected must be told)",
    }
}
_REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")


def report_inputs(actor: Actor, submitted: dict[str, str] | None = None) -> list:
    names = REPORT_FIELDS + (MANAGER_FIELDS if allowed(actor, "incident.manage") else ())
    defaults = {"aware_at": clocks.now_utc().replace(second=0, microsecond=0), "reporter": actor.name}
    return inputs(
        incidents.SCHEMA,
        names,
        defaults,
        submitted=submitted,
        labels=LABELS,
        textareas=("description", "data_involved", "systems_involved"),
        option_labels=RISK_LABELS,
        required=("personal_data",),
        yes_no=("personal_data",),
    )


def _clock_flags(row: dict[str, Any], now: Any) -> dict[str, str]:
    """Per clock: "overdue", "due-soon" (within DUE_SOON_HOURS) or ""."""
    out = {}
    for name in ("iau", "ico"):
        c = row["clocks"][name]
        flag = ""
        if c["state"] == clocks.OVERDUE:
            flag = "overdue"
        elif (
            c["state"] == clocks.RUNNING and c["due"] is not None and c["due"] - now <= timedelta(hours=DUE_SOON_HOURS)
        ):
            flag = "due-soon"
        out[name] = flag
    return out


# ---------------------------------------------------------------------------- list and report
@router.get("/incidents")
def incidents_page(request: Request, actor: Annotated[Actor, needs("incident.manage")]) -> Response:
    store = store_of(request)
    status = request.query_params.get("status")
    status = status if status in incidents.STATUSES else None
    now = clocks.now_utc()
    rows = incidents.list_incidents(store, actor, status=status, now=now)
    for r in rows:
        r["flags"] = _clock_flags(r, now)
    alerts = [f.to_dict() for f in incidents.overdue(store, actor, now=now, within_hours=DUE_SOON_HOURS)]
    return page(
        request,
        "incidents.html",
        rows=rows,
        status=status,
        statuses=incidents.STATUSES,
        alerts=alerts,
        now_london=clocks.show(now),
        due_soon_hours=DUE_SOON_HOURS,
    )


@router.get("/incidents/report")
def report_form(request: Request, actor: Annotated[Actor, needs("incident.report")]) -> Response:
    ref = request.query_params.get("reported") or ""
    return page(
        request,
        "incident_report.html",
        form=report_inputs(actor),
        problems=[],
        reported=ref if _REF.match(ref) else None,
    )


@router.post("/incidents/report")
async def report(request: Request, actor: Annotated[Actor, needs("incident.report")]) -> Response:
    manager = allowed(actor, "incident.manage")
    sub = await read_fields(request, REPORT_FIELDS + (MANAGER_FIELDS if manager else ()))
    try:
        values = filled(sub, incidents.SCHEMA)
        # "not known" must not silently mean "no personal data" (no ICO clock): the form asks.
        first = [("personal_data", "say whether personal data was breached")] if "personal_data" not in values else []
        if first:
            _typed, more = incidents.SCHEMA.coerce({"reporter": actor.name, **values})
            raise RecordError("incident", first + more)
        row = await run(incidents.report_incident, store_of(request), actor, values)
    except RecordError as exc:
        return page(
            request,
            "incident_report.html",
            http_status=400,
            form=report_inputs(actor, sub),
            problems=exc.problems,
            reported=None,
        )
    if manager:
        return back(f"/incidents/{row['id']}?saved=1")
    return back(f"/incidents/report?reported={row['ref']}")


@router.get("/incidents/log.csv")
def incident_log(request: Request, actor: Annotated[Actor, needs("incident.manage")]) -> Response:
    text = incidents.incident_log_csv(store_of(request), actor)
    return csv_download(text, f"incident-log-{clocks.today_london().isoformat()}.csv")


# ---------------------------------------------------------------------------- one incident
def _detail(
    request: Request,
    actor: Actor,
    incident_id: int,
    *,
    problems: list | None = None,
    form: str = "",
    submitted: dict[str, str] | None = None,
    http_status: int = 200,
) -> Response:
    now = clocks.now_utc()
    i = incidents.get_incident(store_of(request), actor, incident_id, now=now)
    i["flags"] = _clock_flags(i, now)
    edit = inputs(
        incidents.SCHEMA,
        EDIT_FIELDS,
        i,
        submitted=submitted if form == "edit" else None,
        labels=LABELS,
        textareas=("description", "data_involved", "systems_involved"),
        option_labels=RISK_LABELS,
        yes_no=("personal_data",),
    )
    return page(
        request,
        "incident.html",
        http_status=http_status,
        i=i,
        edit=edit,
        form=form,
        problems=problems or [],
        risks=incidents.RISKS,
        risk_labels=RISK_LABELS["risk"],
        now_london=clocks.show(now),
    )


@router.get("/incidents/{incident_id}")
def incident_page(request: Request, actor: Annotated[Actor, needs("incident.manage")], incident_id: int) -> Response:
    return _detail(request, actor, incident_id)


@router.post("/incidents/{incident_id}")
async def incident_update(
    request: Request, actor: Annotated[Actor, needs("incident.manage")], incident_id: int
) -> Response:
    sub = await read_fields(request, EDIT_FIELDS)
    store = store_of(request)
    row = await run(incidents.get_incident, store, actor, incident_id)
    try:
        await run(incidents.update_incident, store, actor, incident_id, changed(incidents.SCHEMA, row, sub))
    except RecordError as exc:
        return await run(
            _detail, request, actor, incident_id, problems=exc.problems, form="edit", submitted=sub, http_status=400
        )
    return back(f"/incidents/{incident_id}?saved=1")


async def _act(request: Request, actor: Actor, incident_id: int, form: str, fn: Any) -> Response:
    try:
        await run(fn)
    except RecordError as exc:
        return await run(_detail, request, actor, incident_id, problems=exc.problems, form=form, http_status=400)
    return back(f"/incidents/{incident_id}?saved=1")


def _when(text: str | None, field: str) -> Any:
    """Form text of a time (London) -> UTC, or None when empty."""
    if text is None or not text.strip():
        return None
    try:
        return clocks.parse_datetime(text)
    except ValueError as exc:
        raise RecordError("incident", [(field, str(exc))]) from None
    except OverflowError:
        raise RecordError("incident", [(field, "not a time chatwarden can record")]) from None


@router.post("/incidents/{incident_id}/reported")
async def mark_reported(
    request: Request, actor: Annotated[Actor, needs("incident.manage")], incident_id: int
) -> Response:
    sub = await read_fields(request, ("reported_at",))
    store = store_of(request)

    def work() -> Any:
        return incidents.mark_reported(store, actor, incident_id, _when(sub.get("reported_at"), "reported_at"))

    return await _act(request, actor, incident_id, "reported", work)


@router.post("/incidents/{incident_id}/ico")
async def ico_decision(
    request: Request, actor: Annotated[Actor, needs("incident.manage")], incident_id: int
) -> Response:
    sub = await read_fields(request, ("decision", "risk", "reason", "notified_at"))
    store = store_of(request)

    decision = (sub.get("decision") or "").strip()
    reason = (sub.get("reason") or "").strip() or None
    risk = (sub.get("risk") or "").strip() or None

    def work() -> Any:
        return incidents.record_ico_decision(
            store,
            actor,
            incident_id,
            decision,
            reason=reason,
            risk=risk,
            notified_at=_when(sub.get("notified_at"), "ico_notified_at"),
        )

    if not decision:
        return await run(
            _detail,
            request,
            actor,
            incident_id,
            problems=[("ico_decision", "choose notify or not notify")],
            form="ico",
            http_status=400,
        )
    return await _act(request, actor, incident_id, "ico", work)


@router.post("/incidents/{incident_id}/assign")
async def assign(request: Request, actor: Annotated[Actor, needs("incident.manage")], incident_id: int) -> Response:
    sub = await read_fields(request, ("owner",))
    owner = (sub.get("owner") or "").strip()
    store = store_of(request)
    if not owner:
        return await run(
            _detail,
            request,
            actor,
            incident_id,
            problems=[("owner", "name who manages the incident")],
            form="assign",
            http_status=400,
        )
    return await _act(request, actor, incident_id, "assign", lambda: incidents.assign(store, actor, incident_id, owner))


@router.post("/incidents/{incident_id}/close")
async def close(request: Request, actor: Annotated[Actor, needs("incident.manage")], incident_id: int) -> Response:
    sub = await read_fields(request, ("reason",))
    store = store_of(request)
    return await _act(
        request,
        actor,
        incident_id,
        "close",
        lambda: incidents.close_incident(store, actor, incident_id, reason=sub.get("reason") or ""),
    )


# ---------------------------------------------------------------------------- from a finding
def opened_from(store: Any, finding_id: int) -> dict[str, Any] | None:
    """The incident opened from a finding, if any (id and reference only)."""
    with store.read() as conn:
        row = conn.execute(
            select(incidents_table.c.id, incidents_table.c.ref).where(incidents_table.c.finding_id == finding_id)
        ).first()
    return {"id": row.id, "ref": row.ref} if row else None


@router.post("/findings/{finding_id}/incident")
def from_finding(
    request: Request, actor: Annotated[Actor, needs("incident.report", "finding.view")], finding_id: int
) -> Response:
    row = incidents.incident_from_finding(store_of(request), actor, finding_id)
    if allowed(actor, "incident.manage"):
        return back(f"/incidents/{row['id']}?saved=1")
    return back(f"/findings/{finding_id}?incident={row['ref']}")
