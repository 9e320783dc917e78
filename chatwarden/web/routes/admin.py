"""Accounts, for administrators: list, add, enable and disable."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from chatwarden.model import Actor
from chatwarden.permissions import ROLES
from chatwarden.web import accounts
from chatwarden.web.render import page
from chatwarden.web.routes.common import back, store_of
from chatwarden.web.security import needs

router = APIRouter(include_in_schema=False)


@router.get("/admin/users")
def users(request: Request, actor: Annotated[Actor, needs("user.manage")]) -> Response:
    return page(request, "users.html", rows=accounts.list_users(store_of(request), actor), roles=list(ROLES))


@router.post("/admin/users")
async def add_user(request: Request, actor: Annotated[Actor, needs("user.manage")]) -> Response:
    form = await request.form()
    roles = [r for r in form.getlist("roles") if isinstance(r, str)]

    def text(key: str) -> str:
        v = form.get(key)
        return v if isinstance(v, str) else ""

    import anyio

    await anyio.to_thread.run_sync(
        lambda: accounts.create_user(
            store_of(request),
            actor,
            username=text("username").strip(),
            display_name=text("display_name"),
            password=text("password"),
            roles=roles,
        )
    )
    return back("/admin/users")


@router.post("/admin/users/{username}/active")
def set_active(
    request: Request,
    actor: Annotated[Actor, needs("user.manage")],
    username: str,
    active: Annotated[str, Form()] = "off",
) -> Response:
    accounts.set_active(store_of(request), actor, username, active == "on")
    return back("/admin/users")
