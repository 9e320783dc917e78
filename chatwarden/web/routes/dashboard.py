"""The dashboard: open findings by category and severity, the weekly trend, open cases,
evidence hand-offs outstanding and overdue work (the registers' alerts among it: incident
clocks, expiring app authorisations, groups due for contact validation)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from chatwarden.cases import evidence, review
from chatwarden.model import Actor
from chatwarden.permissions import allowed
from chatwarden.registers.dashboard import alerts as register_alerts
from chatwarden.web import queries
from chatwarden.web.render import SEVERITIES, bar_chart, hbar_chart, page
from chatwarden.web.routes.common import store_of
from chatwarden.web.security import needs

router = APIRouter(include_in_schema=False)


def dashboard_data(store: Any, actor: Actor) -> dict[str, Any]:
    counts = review.queue_counts(store, actor)
    data: dict[str, Any] = {
        "counts": counts,
        "trend": queries.trend(store, actor),
        "overdue": queries.overdue(store, actor),
    }
    data["outstanding"] = evidence.outstanding(store, actor) if allowed(actor, "case.view") else []
    # The registers' alerts: only the sections the actor may see (incidents for the Data
    # Office, apps and groups for those who see the registers).
    data["registers"] = register_alerts(store, actor)
    return data


@router.get("/dashboard")
def dashboard(request: Request, actor: Annotated[Actor, needs("dashboard.view")]) -> Response:
    data = dashboard_data(store_of(request), actor)
    c = data["counts"]
    cats = sorted(c["open_by_category"].items(), key=lambda kv: -kv[1])
    charts = {
        "trend": bar_chart(
            [(w["week"][5:], w) for w in data["trend"]], series=SEVERITIES, title="Findings per week by severity"
        ),
        "categories": hbar_chart(cats, title="Open findings by category"),
    }
    return page(request, "dashboard.html", data=data, charts=charts, categories=cats)
