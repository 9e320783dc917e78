"""FOI, for the FOI officer: the request register (20 working days, overdue flagged; respond,
withdraw, clarify, extend), draft response letters (HTML, DOCX, PDF), and protected
statistics from the misconduct register or the monitoring findings (the published tables
with withheld cells, CSV/XLSX/PDF/DOCX downloads and the suppression report for the case
file).  The redaction review is in :mod:`chatwarden.web.routes.redaction`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from chatwarden.errors import InputError
from chatwarden.foi import service
from chatwarden.foi.disclosure import DisclosureRules, PublishedTable
from chatwarden.foi.draft import DECISIONS, DRAFT_FORMATS
from chatwarden.foi.stats import DEFAULT_TABLES, DIMENSIONS, POPULATIONS, StatsOptions, StatsResult
from chatwarden.model import Actor
from chatwarden.registers import clocks
from chatwarden.registers.misconduct import PLATFORMS
from chatwarden.web.render import page
from chatwarden.web.routes.common import back, opt_str, store_of
from chatwarden.web.routes.forms import download, read_fields, run
from chatwarden.web.security import needs

router = APIRouter(include_in_schema=False)

# Exemptions a response records and a letter reasons about (the letter's templates).
EXEMPTIONS = {
    "s31(1)(a)": "s31(1)(a) law enforcement: contact details",
    "s31(1)(g)": "s31(1)(g) law enforcement: misconduct functions",
    "s40(2)": "s40(2) personal data: names",
    "s40(2)-stats": "s40(2) personal data: small numbers",
    "s12": "s12 cost limit",
    "ncnd": "neither confirm nor deny (s17(4))",
}
REF = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
DUE_SOON_DAYS = 5
MEDIA = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html",
    "json": "application/json",
    "txt": "text/plain",
}
STATS_FORMATS = ("csv", "xlsx", "pdf", "docx", "html", "json")


EARLIEST = date(1978, 1, 1)  # the working-day calendar knows bank holidays from 1978


def in_range(d: date, what: str) -> date:
    """A date the request register can count working days from: 1978 to a year ahead."""
    if not EARLIEST <= d <= date.today() + timedelta(days=366):
        raise InputError(f"{what}: a date from 1978 to a year from now")
    return d


def day(text: str | None, what: str, *, required: bool = True) -> date | None:
    if text is None or not text.strip():
        if required:
            raise InputError(f"{what}: a date is needed (YYYY-MM-DD)")
        return None
    try:
        return in_range(clocks.parse_date(text), what)
    except ValueError:
        raise InputError(f"{what}: not a date (YYYY-MM-DD or DD/MM/YYYY)") from None


def checked_ref(ref: str) -> str:
    if not REF.match(ref):
        raise InputError("a request reference is letters, digits, '.', '_' or '-' (at most 32)")
    return ref


def known_exemptions(values: list[str]) -> list[str]:
    if any(v not in EXEMPTIONS for v in values):
        raise InputError("choose exemptions from the list")
    return list(dict.fromkeys(values))


# ---------------------------------------------------------------------------- the register
def requests_context(request: Request, actor: Actor) -> dict[str, Any]:
    status = request.query_params.get("status", "open")
    status = status if status in ("open", "responded", "withdrawn") else None
    rows = service.list_requests(store_of(request), actor, status=status)
    return {"rows": rows, "status": status, "due_soon_days": DUE_SOON_DAYS, "today": date.today()}


@router.get("/foi/requests")
def requests_page(request: Request, actor: Annotated[Actor, needs("foi.use")]) -> Response:
    return page(request, "foi_requests.html", **requests_context(request, actor), problem=None, sub={})


@router.post("/foi/requests")
async def add_request(request: Request, actor: Annotated[Actor, needs("foi.use")]) -> Response:
    sub = await read_fields(request, ("received_on", "subject", "request_text", "ref", "handler"))
    try:
        ref = opt_str(sub.get("ref"))
        row = await run(
            service.add_request,
            store_of(request),
            actor,
            received_on=day(sub.get("received_on"), "received on"),
            subject=sub.get("subject", ""),
            request_text=sub.get("request_text", ""),
            ref=checked_ref(ref) if ref else None,
            handler=opt_str(sub.get("handler")),
        )
    except InputError as exc:
        ctx = await run(requests_context, request, actor)
        return page(request, "foi_requests.html", http_status=400, **ctx, problem=exc.reason, sub=sub)
    return back(f"/foi/requests/{row['ref']}?saved=1")


def _request_page(request: Request, actor: Actor, ref: str) -> Response:
    r = service.get_request(store_of(request), actor, checked_ref(ref))
    return page(
        request,
        "foi_request.html",
        r=r,
        exemptions=EXEMPTIONS,
        decisions=DECISIONS,
        formats=("html", "docx", "pdf"),
        today=date.today(),
    )


@router.get("/foi/requests/{request_ref}")
def request_page(request: Request, actor: Annotated[Actor, needs("foi.use")], request_ref: str) -> Response:
    return _request_page(request, actor, request_ref)


@router.post("/foi/requests/{request_ref}/respond")
async def respond(request: Request, actor: Annotated[Actor, needs("foi.use")], request_ref: str) -> Response:
    form = await request.form()
    ex = known_exemptions([v for v in form.getlist("exemptions") if isinstance(v, str)])
    on = day(form.get("responded_on") if isinstance(form.get("responded_on"), str) else None, "responded on")
    await run(
        service.respond_request, store_of(request), actor, checked_ref(request_ref), responded_on=on, exemptions=ex
    )
    return back(f"/foi/requests/{request_ref}?saved=1")


@router.post("/foi/requests/{request_ref}/withdraw")
async def withdraw(request: Request, actor: Annotated[Actor, needs("foi.use")], request_ref: str) -> Response:
    sub = await read_fields(request, ("reason",))
    await run(
        service.withdraw_request,
        store_of(request),
        actor,
        checked_ref(request_ref),
        reason=(sub.get("reason") or "").strip(),
    )
    return back(f"/foi/requests/{request_ref}?saved=1")


@router.post("/foi/requests/{request_ref}/clarify")
async def clarify(request: Request, actor: Annotated[Actor, needs("foi.use")], request_ref: str) -> Response:
    sub = await read_fields(request, ("clarified_on",))
    await run(
        service.clarify_request,
        store_of(request),
        actor,
        checked_ref(request_ref),
        clarified_on=day(sub.get("clarified_on"), "clarified on"),
    )
    return back(f"/foi/requests/{request_ref}?saved=1")


@router.post("/foi/requests/{request_ref}/extend")
async def extend(request: Request, actor: Annotated[Actor, needs("foi.use")], request_ref: str) -> Response:
    sub = await read_fields(request, ("working_days", "reason"))
    try:
        days = int((sub.get("working_days") or "").strip())
    except ValueError:
        raise InputError("working days: a whole number from 1 to 20") from None
    await run(
        service.extend_request,
        store_of(request),
        actor,
        checked_ref(request_ref),
        working_days=days,
        reason=sub.get("reason") or "",
    )
    return back(f"/foi/requests/{request_ref}?saved=1")


# ---------------------------------------------------------------------------- drafts
def _lines(text: str | None) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


@router.post("/foi/requests/{request_ref}/draft")
async def draft(request: Request, actor: Annotated[Actor, needs("foi.use")], request_ref: str) -> Response:
    ref = checked_ref(request_ref)
    form = await request.form()

    def text(key: str) -> str:
        v = form.get(key)
        return v.strip() if isinstance(v, str) else ""

    fmt = text("format") or "pdf"
    if fmt not in DRAFT_FORMATS:
        raise InputError("format: html, docx, pdf or txt")
    decision = text("decision") or "full"
    if decision not in DECISIONS:
        raise InputError("decision: choose one from the list")
    cost = None
    if text("cost_hours"):
        try:
            cost = float(text("cost_hours"))
        except ValueError:
            raise InputError("cost hours: a number") from None
    store = store_of(request)
    overrides: dict[str, Any] = {
        "decision": decision,
        "exemptions": known_exemptions([v for v in form.getlist("exemptions") if isinstance(v, str)]),
        "requester": text("requester"),
        "response_date": day(text("response_date"), "response date", required=False),
        "clarified_on": day(text("clarified_on"), "clarified on", required=False),
        "clarification": text("clarification"),
        "found": text("found") != "no",
        "disclosures": _lines(text("disclosures")),
        "disclosure_note": text("disclosure_note"),
        "point_of_note": text("point_of_note"),
        "cost_hours": cost,
        "cost_detail": text("cost_detail"),
    }
    if _lines(text("searches")):
        overrides["searches"] = _lines(text("searches"))
    if text("handler_name"):
        overrides["handler_name"] = text("handler_name")
    if text("with_stats") == "1":
        overrides["stats"] = await run(
            service.misconduct_statistics,
            store,
            actor,
            options=StatsOptions(
                since=day(text("stats_since"), "statistics from", required=False),
                until=day(text("stats_until"), "statistics to", required=False),
            ),
        )

    def work() -> bytes:
        inp = service.draft_input_for_request(store, actor, ref, **overrides)
        return service.draft_response(store, actor, inp, fmt)

    data = await run(work)
    return download(data, f"{ref}-draft.{fmt}", MEDIA[fmt])


# ---------------------------------------------------------------------------- statistics
PRESETS = (
    ("year", "rank"),
    ("year", "category"),
    ("year", "platform"),
    ("year", "outcome"),
    ("rank", "outcome"),
    ("year", "standard"),
    ("category", "outcome"),
    ("year", "regime"),
)


def spec(t: tuple[str, str | None]) -> str:
    return f"{t[0]}:{t[1]}" if t[1] else t[0]


@dataclass
class StatsRequest:
    source: str  # register | findings
    options: StatsOptions
    rules: DisclosureRules
    query: str  # the validated options as a query string (for the download links)


def stats_request(request: Request) -> StatsRequest:
    """The statistics form (a GET: the same options recompute the same tables for each
    download), validated; problems never repeat what was typed."""
    q = request.query_params
    source = q.get("source", "register")
    if source not in ("register", "findings"):
        raise InputError("source: the misconduct register or the monitoring findings")
    tables: list[tuple[str, str | None]] = []
    for value in q.getlist("table") + [p for p in (q.get("extra") or "").replace(",", " ").split() if p]:
        bits = value.strip().lower().split(":")
        if len(bits) > 2 or any(b not in DIMENSIONS for b in bits) or (len(bits) == 2 and bits[0] == bits[1]):
            raise InputError("a table is ROW or ROW:COLUMN, each from: " + ", ".join(DIMENSIONS))
        t = (bits[0], bits[1] if len(bits) == 2 else None)
        if t not in tables:
            tables.append(t)
    pops = [p for p in q.getlist("population") if p in ("officers", "staff")]
    if len(pops) != len(q.getlist("population")):
        raise InputError("population: officers or staff")
    plats = q.getlist("platform")
    if any(p not in PLATFORMS for p in plats):
        raise InputError("platform: choose from the list")
    basis = q.get("basis", "recorded")
    if basis not in ("recorded", "decided"):
        raise InputError("basis: recorded or decided")
    try:
        threshold = int(q.get("threshold") or 5)
        rounding = int(q["rounding"]) if q.get("rounding") else None
    except ValueError:
        raise InputError("the threshold and the rounding base are whole numbers") from None
    marker = (q.get("marker") or "*").strip()[:3] or "*"
    if "<" in marker or ">" in marker or "&" in marker:
        raise InputError("marker: a short symbol such as * or [x]")
    options = StatsOptions(
        since=day(q.get("since"), "from", required=False),
        until=day(q.get("until"), "to", required=False),
        basis=basis,
        financial_years=q.get("fy") == "1",
        tables=tuple(tables) or DEFAULT_TABLES,
        populations=tuple(pops) or ("officers", "staff"),
        platforms=tuple(plats),
    )
    if options.since and options.until and options.until < options.since:
        raise InputError("the period ends before it starts")
    rules = DisclosureRules(threshold=threshold, marker=marker, rounding=rounding, coarsen=q.get("coarsen") == "1")
    pairs: list[tuple[str, str]] = [("source", source), ("run", "1")]
    pairs += [("table", spec(t)) for t in options.tables]
    pairs += [("population", p) for p in options.populations] + [("platform", p) for p in options.platforms]
    pairs += [("basis", basis), ("threshold", str(threshold)), ("marker", marker)]
    if rounding:
        pairs.append(("rounding", str(rounding)))
    if rules.coarsen:
        pairs.append(("coarsen", "1"))
    if options.financial_years:
        pairs.append(("fy", "1"))
    for k, v in (("since", options.since), ("until", options.until)):
        if v:
            pairs.append((k, v.isoformat()))
    return StatsRequest(source, options, rules, urlencode(pairs))


def compute(store: Any, actor: Actor, sr: StatsRequest) -> StatsResult:
    if sr.source == "findings":
        return service.monitoring_statistics(
            store, actor, since=sr.options.since, until=sr.options.until, rules=sr.rules
        )
    return service.misconduct_statistics(store, actor, options=sr.options, rules=sr.rules)


def table_view(t: PublishedTable) -> dict[str, Any]:
    """A published table as the page shows it: each cell's text and whether it is withheld."""
    rows = []
    lines = [(label, t.grid[i], False) for i, label in enumerate(t.row_labels)]
    if t.show_total_row:
        lines.append(("Total", t.grid[-1], True))
    for label, cells, total in lines:
        shown = list(cells[:-1]) + ([cells[-1]] if t.show_row_totals else [])
        rows.append({"label": label, "total": total, "cells": [(c.text, c.suppressed) for c in shown]})
    return {
        "key": t.key,
        "title": t.title,
        "header": t.header(),
        "rows": rows,
        "withheld": t.withheld,
        "legend": t.legend,
        "notes": list(t.notes),
        "suppressed": sum(1 for r in rows for _text, s in r["cells"] if s),
    }


@router.get("/foi/statistics")
def statistics_page(request: Request, actor: Annotated[Actor, needs("foi.use")]) -> Response:
    q = request.query_params
    ran = q.get("run") == "1"
    sr = stats_request(request)
    result = compute(store_of(request), actor, sr) if ran else None
    views = {pop: [table_view(t) for t in ts] for pop, ts in result.tables.items()} if result else {}
    chosen = {spec(t) for t in sr.options.tables}
    return page(
        request,
        "foi_statistics.html",
        ran=ran,
        sr=sr,
        result=result,
        views=views,
        dims=DIMENSIONS,
        presets=[spec(p) for p in PRESETS],
        chosen=chosen,
        extra=sorted(chosen - {spec(p) for p in PRESETS}),
        populations=POPULATIONS,
        platforms=PLATFORMS,
        formats=STATS_FORMATS,
        report=result.report.as_dicts() if result else [],
        first_load=not ran,
    )


@router.get("/foi/statistics/download")
def statistics_download(request: Request, actor: Annotated[Actor, needs("foi.use")]) -> Response:
    fmt = request.query_params.get("format", "csv")
    if fmt not in STATS_FORMATS:
        raise InputError("format: " + ", ".join(STATS_FORMATS))
    sr = stats_request(request)
    result = compute(store_of(request), actor, sr)
    return download(service.export_statistics(actor, result, fmt), f"foi-statistics.{fmt}", MEDIA[fmt])


@router.get("/foi/statistics/report")
def statistics_report(request: Request, actor: Annotated[Actor, needs("foi.use")]) -> Response:
    fmt = request.query_params.get("format", "txt")
    if fmt not in ("txt", "csv"):
        raise InputError("format: txt or csv")
    sr = stats_request(request)
    result = compute(store_of(request), actor, sr)
    files = service.disclosure_report(actor, result)
    return download(files[fmt], f"suppression-report.{fmt}", MEDIA[fmt])
