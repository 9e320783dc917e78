"""Chats and people: each with its history of findings, so repeated conduct is seen
together."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Request
from fastapi.responses import Response

from chatwarden.cases import review
from chatwarden.model import Actor
from chatwarden.web import queries
from chatwarden.web.render import page
from chatwarden.web.routes.common import store_of
from chatwarden.web.security import needs

router = APIRouter(include_in_schema=False)


@router.get("/chats")
def chat_list(request: Request, actor: Annotated[Actor, needs("chat.view")]) -> Response:
    return page(request, "chats.html", rows=queries.list_chats(store_of(request), actor))


@router.get("/chats/{chat_id}")
def chat_page(request: Request, actor: Annotated[Actor, needs("chat.view", "finding.view")], chat_id: int) -> Response:
    c = queries.chat_detail(store_of(request), actor, chat_id)
    rows = queries.mask_chat_names(
        store_of(request), actor, review.review_queue(store_of(request), actor, status=None, chat_id=chat_id, limit=500)
    )
    return page(request, "chat.html", c=c, rows=rows)


@router.get("/people")
def people(request: Request, actor: Annotated[Actor, needs("chat.view")]) -> Response:
    return page(request, "people.html", rows=queries.list_people(store_of(request), actor))


@router.get("/person")
def person(request: Request, actor: Annotated[Actor, needs("chat.view", "finding.view")], name: str = "") -> Response:
    from chatwarden.errors import InputError

    if not name.strip():
        raise InputError("name a person")
    return page(request, "person.html", p=queries.person_history(store_of(request), actor, name))
