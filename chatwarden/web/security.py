"""Who may call which route, and the protections every response gets.

* :func:`needs` is the one way a route declares the permission action(s) it needs: a
  FastAPI dependency that signs the caller in (session cookie or ``Authorization: Bearer``
  API token), checks the actions against :mod:`chatwarden.permissions`, checks the CSRF
  token on every state-changing request made with a cookie, and hands the route its
  :class:`~chatwarden.model.Actor`.  :func:`public` declares the few routes anyone may
  call (login, health).  :func:`declared` reads the declaration back (a test walks every
  route with it).
* :class:`Shield` is the outermost middleware: request ids, security headers (CSP
  without inline scripts or styles), body-size caps, and a generic error page with an
  error id for anything unexpected: no stack traces, no exception text.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import anyio
from fastapi import Depends, Request
from starlette.routing import BaseRoute
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chatwarden.model import Actor
from chatwarden.permissions import ACTIONS, allowed

log = logging.getLogger("chatwarden.web")

SESSION_COOKIE = "cw_session"
LOGIN_CSRF_COOKIE = "cw_login"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


# ------------------------------------------------------------------------ refusals
class LoginRequired(Exception):
    """No valid session or token: pages redirect to the login page, the API says 401."""


class Forbidden(Exception):
    def __init__(self, action: str) -> None:
        super().__init__(action)
        self.action = action


class CsrfFailed(Exception):
    pass


class TooManyAttempts(Exception):
    pass


# ------------------------------------------------------------------------ declaration
class Guard:
    """The dependency behind :func:`needs` and :func:`public`."""

    def __init__(self, actions: tuple[str, ...], *, is_public: bool = False, signed: bool = False) -> None:
        for a in actions:
            if a not in ACTIONS:
                raise KeyError(f"unregistered permission action {a!r}")
        if not actions and not is_public:
            raise ValueError("a route must name at least one permission action (or be declared public)")
        self.actions = actions
        self.is_public = is_public
        self.signed = signed  # authenticated by a request signature the route checks itself

    def __repr__(self) -> str:
        if self.signed:
            return "signed()"
        return "public()" if self.is_public else f"needs({', '.join(map(repr, self.actions))})"

    async def __call__(self, request: Request) -> Actor | None:
        if self.is_public:
            return None
        actor = await authenticate(request)
        if actor is None:
            raise LoginRequired()
        for action in self.actions:
            if not allowed(actor, action):
                raise Forbidden(action)
        if request.method not in SAFE_METHODS and request.state.auth == "session":
            await check_csrf(request, request.state.csrf)
        return actor


def needs(*actions: str) -> Any:
    """Declare (and enforce) the permission action(s) a route needs; the route receives
    the signed-in :class:`Actor`."""
    return Depends(Guard(tuple(actions)))


def public() -> Any:
    """Declare a route that needs no sign-in (login, health checks)."""
    return Depends(Guard((), is_public=True))


def signed() -> Any:
    """Declare a route that is authenticated by a signature over the request (the WhatsApp
    Business webhook: X-Hub-Signature-256), not by a session; it answers with single words
    and reveals no data."""
    return Depends(Guard((), is_public=True, signed=True))


def declared(route: BaseRoute) -> list[Guard]:
    """Every Guard a route declares (its parameters and its ``dependencies=``)."""
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return []
    found: list[Guard] = []
    stack = list(dependant.dependencies)
    while stack:
        dep = stack.pop()
        if isinstance(dep.call, Guard):
            found.append(dep.call)
        stack.extend(dep.dependencies)
    return found


# ------------------------------------------------------------------------ sign-in
async def authenticate(request: Request) -> Actor | None:
    """The caller's actor from a bearer token or the session cookie (cached per request)."""
    if hasattr(request.state, "actor"):
        return request.state.actor
    from chatwarden.web import accounts

    store = request.app.state.store
    actor: Actor | None = None
    request.state.auth = None
    request.state.csrf = None
    authz = request.headers.get("authorization", "")
    if authz[:7].lower() == "bearer ":
        actor = await anyio.to_thread.run_sync(accounts.token_actor, store, authz[7:].strip())
        if actor is not None:
            request.state.auth = "token"
    else:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            found = await anyio.to_thread.run_sync(accounts.session_actor, store, token)
            if found is not None:
                actor, request.state.csrf = found
                request.state.auth = "session"
    request.state.actor = actor
    return actor


async def check_csrf(request: Request, expected: str | None) -> None:
    """The CSRF token must come back in the ``X-CSRF-Token`` header (htmx, API clients)
    or the ``csrf_token`` form field (plain forms)."""
    sent = request.headers.get(CSRF_HEADER)
    if sent is None:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not expected or not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise CsrfFailed()


def new_login_csrf() -> str:
    return secrets.token_urlsafe(24)


class LoginLimiter:
    """At most ``limit`` sign-in attempts per client address in ``window`` seconds."""

    def __init__(self, limit: int = 10, window: float = 300.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.limit = limit
        self.window = window
        self.clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> None:
        now = self.clock()
        with self._lock:
            q = self._hits.setdefault(key, deque())
            while q and q[0] <= now - self.window:
                q.popleft()
            if len(q) >= self.limit:
                raise TooManyAttempts()
            q.append(now)
            if len(self._hits) > 10_000:  # forget idle addresses
                for k in [k for k, v in self._hits.items() if not v or v[-1] <= now - self.window]:
                    del self._hits[k]


# ------------------------------------------------------------------------ the shield
class BodyTooLarge(Exception):
    pass


class Shield:
    """Outermost ASGI middleware: request id, security headers, body caps, and a generic
    error response (page or JSON) with only an error id for anything unexpected."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        upload_limit: int,
        upload_paths: tuple[str, ...],
        path_limits: dict[str, int] | None = None,
        body_limit: int = 1 << 20,
        hsts: bool = False,
        error_page: Callable[[str, int, bool], tuple[bytes, str]],
    ) -> None:
        self.app = app
        self.upload_limit = upload_limit
        self.upload_paths = upload_paths
        self.path_limits = dict(path_limits or {})  # other upload forms, each with its own cap
        self.body_limit = body_limit
        self.hsts = hsts
        self.error_page = error_page

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = secrets.token_hex(8)
        scope.setdefault("state", {})["request_id"] = request_id
        path = scope.get("path", "")
        is_api = path.startswith("/api/") or path == "/openapi.json"
        static = path.startswith("/static/")
        if path in self.upload_paths:
            limit = self.upload_limit
        else:
            limit = self.path_limits.get(path, self.body_limit)
        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in (b"server",)]
                headers += [
                    (b"content-security-policy", CSP.encode()),
                    (b"x-frame-options", b"DENY"),
                    (b"x-content-type-options", b"nosniff"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"permissions-policy", b"camera=(), microphone=(), geolocation=(), payment=()"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                    (b"cross-origin-resource-policy", b"same-origin"),
                    (b"x-request-id", request_id.encode()),
                ]
                if not static and not any(k.lower() == b"cache-control" for k, _ in headers):
                    headers.append((b"cache-control", b"no-store"))
                if self.hsts:
                    headers.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
                message = {**message, "headers": headers}
            await send(message)

        declared_length = None
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    declared_length = int(v)
                except ValueError:
                    declared_length = -1
        if declared_length is not None and (declared_length < 0 or declared_length > limit):
            await self._error(send_wrapper, request_id, 413, is_api)
            return
        received = 0

        async def receive_wrapper() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge()
            return message

        try:
            await self.app(scope, receive_wrapper, send_wrapper)
        except BodyTooLarge:
            log.info("request %s refused: body over %d bytes", request_id, limit)
            if not started:
                await self._error(send_wrapper, request_id, 413, is_api)
        except Exception as exc:  # noqa: BLE001 - the one place unexpected errors end
            log.error("request %s failed: %s", request_id, type(exc).__name__)
            if not started:
                await self._error(send_wrapper, request_id, 500, is_api)

    async def _error(self, send: Send, request_id: str, status: int, is_api: bool) -> None:
        body, ctype = self.error_page(request_id, status, is_api)
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", ctype.encode()), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})
