"""Groups, members and consent (004, Set Up and Configuration 2 and 3): the list with
validation reminders, a group with its members, consent and what its exports show (the
reconciliation, with the rule each problem breaks), adding and changing members, recording
that the admins validated the members; CSV import and export."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from chatwarden.errors import InputError
from chatwarden.model import Actor
from chatwarden.registers import groups
from chatwarden.registers.csvio import RecordError
from chatwarden.web.render import page
from chatwarden.web.routes.common import back, opt_str, store_of
from chatwarden.web.routes.forms import changed, csv_download, filled, inputs, read_fields, run
from chatwarden.web.routes.registers import import_upload
from chatwarden.web.security import needs

router = APIRouter(include_in_schema=False)

GROUP_FIELDS = ("name", "purpose", "owner", "admins", "chat_id")
MEMBER_FIELDS = ("name", "phone", "role", "consent_date", "consent_ref", "left_on", "leaver")
GROUP_LABELS = {"chat_id": "Stored chat id"}
MEMBER_LABELS = {
    "consent_date": "Consent given on",
    "consent_ref": "Where the consent is recorded",
    "left_on": "Left the group on",
    "leaver": "Leaver (left the force or role)",
}
ROLE_LABELS = {
    "role": {"police": "police officer or staff", "partner": "partner agency", "public": "member of the public"}
}


def group_inputs(row: dict[str, Any] | None = None, submitted: dict[str, str] | None = None) -> list:
    return inputs(groups.SCHEMA, GROUP_FIELDS, row, submitted=submitted, labels=GROUP_LABELS, textareas=("purpose",))


def member_inputs(row: dict[str, Any] | None = None, submitted: dict[str, str] | None = None) -> list:
    return inputs(
        groups.MEMBER_SCHEMA,
        MEMBER_FIELDS,
        row,
        submitted=submitted,
        labels=MEMBER_LABELS,
        yes_no=("leaver",),
        option_labels=ROLE_LABELS,
    )


def groups_context(request: Request, actor: Actor) -> dict[str, Any]:
    store = store_of(request)
    due = {r["group_id"]: r for r in groups.validation_due(store, actor)}
    return {"rows": groups.list_groups(store, actor), "due": due}


@router.get("/registers/groups")
def groups_page(request: Request, actor: Annotated[Actor, needs("register.view")]) -> Response:
    return page(request, "groups.html", **groups_context(request, actor), form=group_inputs(), problems=[])


@router.post("/registers/groups")
async def group_add(request: Request, actor: Annotated[Actor, needs("register.edit")]) -> Response:
    sub = await read_fields(request, GROUP_FIELDS)
    try:
        g = await run(groups.add_group, store_of(request), actor, filled(sub, groups.SCHEMA))
    except RecordError as exc:
        ctx = await run(groups_context, request, actor)
        return page(
            request, "groups.html", http_status=400, **ctx, form=group_inputs(submitted=sub), problems=exc.problems
        )
    return back(f"/registers/groups/{g['id']}?saved=1")


@router.get("/registers/groups.csv")
def groups_csv(request: Request, actor: Annotated[Actor, needs("register.view")]) -> Response:
    return csv_download(groups.export_csv(store_of(request), actor), "groups.csv")


@router.get("/registers/group-members.csv")
def members_csv(request: Request, actor: Annotated[Actor, needs("register.view")]) -> Response:
    return csv_download(groups.export_members_csv(store_of(request), actor), "group_members.csv")


@router.post("/registers/groups/import")
async def groups_import(request: Request, actor: Annotated[Actor, needs("register.edit")]) -> Response:
    store = store_of(request)
    what = (await read_fields(request, ("what",))).get("what", "groups")
    if what not in ("groups", "members"):
        raise InputError("choose whether the file holds groups or members")
    fn = groups.import_csv if what == "groups" else groups.import_members_csv
    name = "groups.csv" if what == "groups" else "group_members.csv"
    return await import_upload(
        request,
        actor,
        importer=lambda path, source: fn(store, actor, path, source),
        suffixes=(".csv",),
        source=lambda _name: name,
        back_to="/registers/groups",
        title="Groups: the file was not imported",
    )


def _detail(
    request: Request,
    actor: Actor,
    group_id: int,
    *,
    problems: list | None = None,
    submitted: dict[str, str] | None = None,
    form: str = "",
    member_id: int | None = None,
    http_status: int = 200,
) -> Response:
    store = store_of(request)
    g = groups.get_group(store, actor, group_id)
    rec = groups.reconcile(store, actor, group_id)[0]
    seen = {m["id"]: m for m in rec.members}
    due = {r["group_id"]: r for r in groups.validation_due(store, actor)}.get(group_id)
    members = []
    for m in g["members"]:
        sub = submitted if form == "member" and member_id == m["id"] else None
        members.append(
            {
                **m,
                "seen": seen.get(m["id"], {}),
                "form": member_inputs(m, sub),
                "problems": problems if sub is not None else [],
            }
        )
    return page(
        request,
        "group.html",
        http_status=http_status,
        g=g,
        rec=rec,
        members=members,
        due=due,
        group_form=group_inputs(g, submitted if form == "group" else None),
        group_problems=problems if form == "group" else [],
        new_member=member_inputs(None, submitted if form == "new-member" else None),
        new_problems=problems if form == "new-member" else [],
    )


@router.get("/registers/groups/{group_id}")
def group_page(request: Request, actor: Annotated[Actor, needs("register.view")], group_id: int) -> Response:
    return _detail(request, actor, group_id)


@router.post("/registers/groups/{group_id}")
async def group_update(request: Request, actor: Annotated[Actor, needs("register.edit")], group_id: int) -> Response:
    sub = await read_fields(request, GROUP_FIELDS)
    store = store_of(request)
    g = await run(groups.get_group, store, actor, group_id)
    try:
        await run(groups.update_group, store, actor, group_id, changed(groups.SCHEMA, g, sub))
    except RecordError as exc:
        return await run(
            _detail, request, actor, group_id, problems=exc.problems, submitted=sub, form="group", http_status=400
        )
    return back(f"/registers/groups/{group_id}?saved=1")


@router.post("/registers/groups/{group_id}/members")
async def member_add(request: Request, actor: Annotated[Actor, needs("register.edit")], group_id: int) -> Response:
    sub = await read_fields(request, MEMBER_FIELDS)
    try:
        await run(groups.add_member, store_of(request), actor, group_id, filled(sub, groups.MEMBER_SCHEMA))
    except RecordError as exc:
        return await run(
            _detail, request, actor, group_id, problems=exc.problems, submitted=sub, form="new-member", http_status=400
        )
    return back(f"/registers/groups/{group_id}?saved=1#members")


@router.post("/registers/groups/{group_id}/members/{member_id}")
async def member_update(
    request: Request, actor: Annotated[Actor, needs("register.edit")], group_id: int, member_id: int
) -> Response:
    sub = await read_fields(request, MEMBER_FIELDS)
    store = store_of(request)
    g = await run(groups.get_group, store, actor, group_id)
    member = next((m for m in g["members"] if m["id"] == member_id), None)
    if member is None:
        from chatwarden.errors import NotFoundError

        raise NotFoundError(f"member {member_id} of group {group_id} not found")
    try:
        await run(groups.update_member, store, actor, group_id, member_id, changed(groups.MEMBER_SCHEMA, member, sub))
    except RecordError as exc:
        return await run(
            _detail,
            request,
            actor,
            group_id,
            problems=exc.problems,
            submitted=sub,
            form="member",
            member_id=member_id,
            http_status=400,
        )
    return back(f"/registers/groups/{group_id}?saved=1#member-{member_id}")


@router.post("/registers/groups/{group_id}/validated")
async def validated(request: Request, actor: Annotated[Actor, needs("register.edit")], group_id: int) -> Response:
    sub = await read_fields(request, ("note",))
    await run(groups.record_validation, store_of(request), actor, group_id, None, opt_str(sub.get("note")))
    return back(f"/registers/groups/{group_id}?saved=1")
