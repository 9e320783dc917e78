"""The device inventory and the set-up audit (004, Set Up and Configuration 1-7; 003,
FAQ 9 and 13): the inventory list, the audit per unit, person and device with the rule each
gap breaks, CSV or MDM JSON import, CSV export of the inventory and of the audit."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import Response

from chatwarden.errors import InputError
from chatwarden.model import Actor
from chatwarden.registers import clocks, crest, devices
from chatwarden.web.render import page
from chatwarden.web.routes.common import opt_str, store_of
from chatwarden.web.routes.forms import csv_download
from chatwarden.web.routes.registers import csv_or_json, import_upload
from chatwarden.web.security import needs

router = APIRouter(include_in_schema=False)


def device_filters(request: Request) -> dict[str, Any]:
    q = request.query_params
    issued = q.get("issued")
    return {
        "unit": opt_str(q.get("unit")),
        "person": opt_str(q.get("person")),
        "issued": True if issued == "yes" else False if issued == "no" else None,
    }


@router.get("/registers/devices")
def devices_page(request: Request, actor: Annotated[Actor, needs("register.view")]) -> Response:
    f = device_filters(request)
    rows = devices.list_devices(store_of(request), actor, **f)
    return page(request, "devices.html", rows=rows, filters=f, timer=devices.SCHEMA.get("wa_default_timer_days"))


@router.get("/registers/devices.csv")
def devices_csv(request: Request, actor: Annotated[Actor, needs("register.view")]) -> Response:
    return csv_download(devices.export_csv(store_of(request), actor), "devices.csv")


@router.post("/registers/devices/import")
async def devices_import(request: Request, actor: Annotated[Actor, needs("register.edit")]) -> Response:
    store = store_of(request)

    def importer(path: Any, source: str) -> Any:
        if source.endswith(".json"):
            return devices.import_json(store, actor, path, source)
        return devices.import_csv(store, actor, path, source)

    return await import_upload(
        request,
        actor,
        importer=importer,
        suffixes=(".csv", ".json"),
        source=lambda name: csv_or_json(name, "devices.csv", "devices.json"),
        back_to="/registers/devices",
        title="Devices: the file was not imported",
    )


def audit_options(request: Request) -> dict[str, Any]:
    """The audit's options from the query: unit, the crest's hash, the day (London)."""
    q = request.query_params
    opts: dict[str, Any] = {"unit": opt_str(q.get("unit")), "crest_hash": None, "on": None}
    text = opt_str(q.get("crest"))
    if text:
        try:
            opts["crest_hash"] = crest.normalise_hash(text)
        except ValueError:
            raise InputError(
                "the crest's hash is 16 hexadecimal digits (chatwarden devices photo-hash IMAGE)"
            ) from None
    on = opt_str(q.get("on"))
    if on:
        try:
            opts["on"] = clocks.parse_date(on)
        except ValueError:
            raise InputError("the audit date is a date (YYYY-MM-DD)") from None
    return opts


def run_audit(request: Request, actor: Actor) -> tuple[devices.DeviceAudit, dict[str, Any]]:
    opts = audit_options(request)
    return devices.audit_devices(store_of(request), actor, **opts), opts


@router.get("/registers/devices/audit")
def devices_audit(request: Request, actor: Annotated[Actor, needs("register.view")]) -> Response:
    result, opts = run_audit(request, actor)
    checks = sorted({f.check for d in result.devices for f in d.findings})
    query = urlencode(
        {
            k: v
            for k, v in (
                ("unit", opts["unit"]),
                ("crest", opts["crest_hash"]),
                ("on", opts["on"].isoformat() if opts["on"] else None),
            )
            if v
        }
    )
    return page(request, "device_audit.html", a=result, opts=opts, checks=checks, query=query)


@router.get("/registers/devices/audit.csv")
def devices_audit_csv(request: Request, actor: Annotated[Actor, needs("register.view")]) -> Response:
    result, _opts = run_audit(request, actor)
    return csv_download(result.to_csv(), f"device-audit-{result.on.isoformat()}.csv")
