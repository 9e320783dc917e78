"""Misconduct cases from instant messaging and social media: the list with filters and the
warnings in force, a case (the read is audited), adding and changing cases with the
outcomes allowed for the subject type and regime, the computed warning expiry; CSV import
and export."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from chatwarden.model import Actor
from chatwarden.policy.rules import CONTENT_CATEGORIES
from chatwarden.registers import clocks, misconduct
from chatwarden.registers.csvio import RecordError
from chatwarden.web.render import page
from chatwarden.web.routes.common import back, opt_str, store_of
from chatwarden.web.routes.forms import changed, csv_download, filled, inputs, read_fields, run
from chatwarden.web.routes.registers import import_upload
from chatwarden.web.security import needs

router = APIRouter(include_in_schema=False)

FORM_FIELDS = (
    "ref",
    "subject",
    "subject_type",
    "rank_or_band",
    "unit",
    "gender",
    "platform",
    "categories",
    "standards",
    "regime",
    "stage",
    "outcome",
    "recorded_on",
    "decided_on",
    "challenged_by",
    "reported_by",
    "finding_ids",
    "case_id",
    "package_ids",
)
LABELS = {
    "ref": "Reference (generated when empty)",
    "subject_type": "Officer or staff",
    "rank_or_band": "Rank or band",
    "categories": "Allegation categories (the first is the principal one)",
    "standards": "Standards of Professional Behaviour",
    "regime": "Conduct regulations",
    "recorded_on": "Recorded on",
    "decided_on": "Decided on",
    "finding_ids": "Finding ids",
    "case_id": "Case id",
    "package_ids": "Evidence package ids",
}
OPTION_LABELS = {
    "subject_type": {"officer": "police officer", "staff": "police staff"},
    "platform": {"whatsapp": "WhatsApp", "other-im": "other instant messaging", "social-media": "social media"},
    "regime": {"2012": "Police (Conduct) Regulations 2012", "2020": "Police (Conduct) Regulations 2020"},
    "outcome": dict(misconduct.OUTCOMES),
}
HELPS = {
    "categories": "separated by ';', from: " + ", ".join(CONTENT_CATEGORIES),
    "standards": "names or numbers 1-10, separated by ';'",
    "rank_or_band": "officers: PC, Sgt, Insp, ...; staff: Band A to Band Y, or PCSO",
    "outcome": "checked against the subject and the regime (the table below)",
}
FILTERS = ("subject_type", "platform", "regime", "outcome", "stage")


def case_inputs(row: dict[str, Any] | None = None, submitted: dict[str, str] | None = None) -> list:
    return inputs(
        misconduct.SCHEMA,
        FORM_FIELDS,
        row,
        submitted=submitted,
        labels=LABELS,
        option_labels=OPTION_LABELS,
        helps=HELPS,
    )


def allowed_outcomes() -> dict[str, list[str]]:
    """``"officer 2020" -> [outcome, ...]`` (the form's script narrows the choice with it)."""
    return {f"{st} {regime}": list(outs) for (st, regime), outs in misconduct.ALLOWED.items()}


def _date(text: str | None) -> date | None:
    try:
        return clocks.parse_date(text) if text and text.strip() else None
    except ValueError:
        return None


def case_filters(request: Request) -> dict[str, Any]:
    q = request.query_params
    choices = {
        "subject_type": ("officer", "staff"),
        "platform": misconduct.PLATFORMS,
        "regime": ("2012", "2020"),
        "outcome": tuple(misconduct.OUTCOMES),
        "stage": misconduct.STAGES,
    }
    out: dict[str, Any] = {k: (q.get(k) if q.get(k) in choices[k] else None) for k in FILTERS}
    out["unit"] = opt_str(q.get("unit"))
    out["recorded_from"] = _date(q.get("recorded_from"))
    out["recorded_to"] = _date(q.get("recorded_to"))
    out["live_on"] = clocks.today_london() if q.get("live") == "1" else None
    return out


@router.get("/misconduct")
def cases_page(request: Request, actor: Annotated[Actor, needs("misconduct.view")]) -> Response:
    store = store_of(request)
    f = case_filters(request)
    rows = misconduct.list_cases(store, actor, **f)
    return page(
        request,
        "misconduct.html",
        rows=rows,
        filters=f,
        live=misconduct.live_warnings(store, actor),
        outcomes=misconduct.OUTCOMES,
        stages=misconduct.STAGES,
        platforms=misconduct.PLATFORMS,
        option_labels=OPTION_LABELS,
    )


@router.get("/misconduct/new")
def new_case(request: Request, actor: Annotated[Actor, needs("misconduct.edit")]) -> Response:
    return page(
        request,
        "misconduct_form.html",
        form=case_inputs(),
        problems=[],
        c=None,
        allowed=allowed_outcomes(),
        outcome_labels=misconduct.OUTCOMES,
    )


@router.post("/misconduct")
async def add_case(request: Request, actor: Annotated[Actor, needs("misconduct.edit")]) -> Response:
    sub = await read_fields(request, FORM_FIELDS)
    try:
        row = await run(misconduct.add_case, store_of(request), actor, filled(sub, misconduct.SCHEMA))
    except RecordError as exc:
        return page(
            request,
            "misconduct_form.html",
            http_status=400,
            form=case_inputs(submitted=sub),
            problems=exc.problems,
            c=None,
            allowed=allowed_outcomes(),
            outcome_labels=misconduct.OUTCOMES,
        )
    return back(f"/misconduct/{row['id']}?saved=1")


@router.get("/misconduct.csv")
def cases_csv(request: Request, actor: Annotated[Actor, needs("misconduct.view")]) -> Response:
    return csv_download(misconduct.export_csv(store_of(request), actor), "misconduct.csv")


@router.post("/misconduct/import")
async def cases_import(request: Request, actor: Annotated[Actor, needs("misconduct.edit")]) -> Response:
    store = store_of(request)
    return await import_upload(
        request,
        actor,
        importer=lambda path, source: misconduct.import_csv(store, actor, path, source),
        suffixes=(".csv",),
        source=lambda name: "misconduct.csv",
        back_to="/misconduct",
        title="Misconduct cases: the file was not imported",
    )


def _detail(
    request: Request,
    actor: Actor,
    misconduct_id: int,
    *,
    submitted: dict[str, str] | None = None,
    problems: list | None = None,
    http_status: int = 200,
) -> Response:
    c = misconduct.get_case(store_of(request), actor, misconduct_id)
    return page(
        request,
        "misconduct_case.html",
        http_status=http_status,
        c=c,
        form=case_inputs(c, submitted),
        problems=problems or [],
        allowed=allowed_outcomes(),
        outcome_labels=misconduct.OUTCOMES,
        standards=dict(misconduct.STANDARDS),
        option_labels=OPTION_LABELS,
    )


@router.get("/misconduct/{misconduct_id}")
def case_page(request: Request, actor: Annotated[Actor, needs("misconduct.view")], misconduct_id: int) -> Response:
    return _detail(request, actor, misconduct_id)


@router.post("/misconduct/{misconduct_id}")
async def update_case(
    request: Request, actor: Annotated[Actor, needs("misconduct.edit")], misconduct_id: int
) -> Response:
    sub = await read_fields(request, FORM_FIELDS)
    store = store_of(request)
    row = await run(misconduct.get_case, store, actor, misconduct_id)
    try:
        await run(misconduct.update_case, store, actor, misconduct_id, changed(misconduct.SCHEMA, row, sub))
    except RecordError as exc:
        return await run(_detail, request, actor, misconduct_id, submitted=sub, problems=exc.problems, http_status=400)
    return back(f"/misconduct/{misconduct_id}?saved=1")
