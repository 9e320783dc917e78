"""Sign in and out.  The login form carries its own CSRF token (a cookie it must match);
attempts are rate-limited per client address and accounts lock after repeated failures."""

from __future__ import annotations

from typing import Annotated

import anyio
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from chatwarden.model import Actor
from chatwarden.web import accounts
from chatwarden.web.render import page
from chatwarden.web.routes.common import settings_of, store_of
from chatwarden.web.security import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    CsrfFailed,
    authenticate,
    needs,
    new_login_csrf,
    public,
)

router = APIRouter(include_in_schema=False)


def _safe_next(target: str | None) -> str:
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _login_page(request: Request, next_url: str, status: int = 200, problem: str | None = None) -> Response:
    token = new_login_csrf()
    resp = page(request, "login.html", http_status=status, login_csrf=token, next_url=next_url, problem=problem)
    settings = settings_of(request)
    resp.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
        path="/login",
        max_age=3600,
    )
    return resp


@router.get("/login", dependencies=[public()])
async def login_form(request: Request, next: str | None = None) -> Response:
    if await authenticate(request) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _login_page(request, _safe_next(next))


@router.post("/login", dependencies=[public()])
async def login(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    import hmac

    client = request.client.host if request.client else "unknown"
    request.app.state.login_limiter.hit(client)
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    if not expected or not csrf_token or not hmac.compare_digest(expected.encode(), csrf_token.encode()):
        raise CsrfFailed()
    settings = settings_of(request)
    try:
        result = await anyio.to_thread.run_sync(
            lambda: accounts.sign_in(
                store_of(request),
                username.strip(),
                password,
                max_failures=settings.login_max_failures,
                lockout_minutes=settings.login_lockout_minutes,
            )
        )
    except accounts.LoginRefused:
        return _login_page(
            request,
            _safe_next(next),
            status=401,
            problem="Wrong username or password, or the account is locked or disabled.",
        )
    resp = RedirectResponse(_safe_next(next), status_code=303)
    resp.set_cookie(
        SESSION_COOKIE, result.token, httponly=True, samesite="strict", secure=settings.secure_cookies, path="/"
    )
    resp.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return resp


@router.post("/logout")
def logout(request: Request, actor: Annotated[Actor, needs("session.use")]) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        accounts.sign_out(store_of(request), actor, token)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


@router.get("/")
def home(request: Request, actor: Annotated[Actor, needs("session.use")]) -> Response:
    from chatwarden.permissions import allowed

    return RedirectResponse("/dashboard" if allowed(actor, "dashboard.view") else "/self-check", status_code=303)


__all__ = ["Depends", "router"]
