"""Alerts from the registers for the dashboard: overdue and soon-due incident clocks,
expiring app authorisations and groups due for contact validation.  Each section appears
only for actors allowed to see that register."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chatwarden.model import Actor
from chatwarden.permissions import allowed, require
from chatwarden.registers import apps, clocks, groups, incidents
from chatwarden.store import Store


def alerts(store: Store, actor: Actor, *, now: datetime | None = None, incident_within_hours: float = 4,
           expiring_days: int = 30, validation_every_days: int = groups.DEFAULT_VALIDATION_DAYS) -> dict[str, Any]:
    """``{"incidents": [...], "apps": [...], "groups": [...], "counts": {...}}`` of finding
    dicts (each with its rule and action), for the sections the actor may see."""
    require(actor, "dashboard.view")
    now = clocks.as_utc(now) or clocks.now_utc()
    out: dict[str, Any] = {"at": now, "at_london": clocks.show(now)}
    if allowed(actor, "incident.manage"):
        out["incidents"] = [f.to_dict() for f in incidents.overdue(store, actor, now=now,
                                                                    within_hours=incident_within_hours)]
    if allowed(actor, "register.view"):
        out["apps"] = [r["finding"] for r in apps.expiring(store, actor, days=expiring_days,
                                                           on=clocks.today_london(now))]
        out["groups"] = [r["finding"] for r in groups.validation_due(store, actor, every_days=validation_every_days,
                                                                     now=now)]
    out["counts"] = {k: len(v) for k, v in out.items() if isinstance(v, list)}
    out["overdue_incidents"] = sum(1 for f in out.get("incidents", []) if f["evidence"].get("state") == "overdue")
    return out


__all__ = ["alerts"]
