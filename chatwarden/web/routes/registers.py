"""The governance registers' start page (what is due, with links to each register) and
what the register pages share: imports of a file (all rows or none) and their problems."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from chatwarden.errors import InputError
from chatwarden.model import Actor
from chatwarden.permissions import allowed
from chatwarden.registers import apps, devices, groups
from chatwarden.registers.csvio import CSVError
from chatwarden.registers.dashboard import alerts
from chatwarden.web.render import page
from chatwarden.web.routes.common import back, settings_of, store_of
from chatwarden.web.routes.forms import REGISTER_FILE_MAX, TempFolder, read_upload, run
from chatwarden.web.security import needs

router = APIRouter(include_in_schema=False)


def overview(store: Any, actor: Actor) -> dict[str, Any]:
    app_rows = apps.list_apps(store, actor)
    states: dict[str, int] = {}
    for r in app_rows:
        states[r["status"]] = states.get(r["status"], 0) + 1
    device_rows = devices.list_devices(store, actor)
    group_rows = groups.list_groups(store, actor)
    return {
        "apps": {"entries": len(app_rows), "states": states},
        "devices": {"entries": len(device_rows), "personal": sum(1 for d in device_rows if not d["issued"])},
        "groups": {
            "entries": len(group_rows),
            "without_consent": sum(g["without_consent"] for g in group_rows),
            "leavers": sum(g["leavers"] for g in group_rows),
        },
        "alerts": alerts(store, actor) if allowed(actor, "dashboard.view") else {"counts": {}, "at_london": ""},
    }


@router.get("/registers")
def registers_page(request: Request, actor: Annotated[Actor, needs("register.view")]) -> Response:
    return page(request, "registers.html", o=overview(store_of(request), actor))


async def import_upload(
    request: Request,
    actor: Actor,
    *,
    importer: Callable[[Path, str], Any],
    suffixes: tuple[str, ...],
    source: Callable[[str], str],
    back_to: str,
    title: str,
) -> Response:
    """Receive a register file and import it: all rows or none.  The problems name the
    register's own file name (``apps.csv``), rows and columns; never a cell's value or the
    uploaded file's name."""
    async with TempFolder("cw-register-") as folder:
        cap = min(REGISTER_FILE_MAX, settings_of(request).max_upload_bytes)
        up = await read_upload(request, "file", suffixes, max_bytes=cap, folder=folder, default_stem="register")
        if up is None:
            raise InputError("choose a file to import")
        try:
            result = await run(importer, up.path, source(up.name))
        except CSVError as exc:
            return page(
                request, "import_problems.html", http_status=400, title=title, problems=exc.problems, back_to=back_to
            )
    r = result.to_dict()
    sep = "&" if "?" in back_to else "?"
    return back(
        f"{back_to}{sep}imported=1&rows={r['rows']}&added={r['added']}&updated={r['updated']}&unchanged={r['unchanged']}"
    )


def csv_or_json(name: str, csv_source: str, json_source: str) -> str:
    if name.lower().endswith(".json"):
        return json_source
    if name.lower().endswith(".csv"):
        return csv_source
    raise InputError("the file must be .csv or .json")
