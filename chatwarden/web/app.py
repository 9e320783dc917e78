"""The app factory.  Nothing here reads the environment or opens anything at import time:
:func:`create_app` gets its settings (and, in tests, a store and an analyzer) from its
caller: ``chatwarden serve`` or a test fixture."""

from __future__ import annotations

import logging
import threading
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from chatwarden import __version__
from chatwarden.config import Settings
from chatwarden.errors import (
    ChatwardenError,
    ConflictError,
    InputError,
    IntegrityError,
    NotFoundError,
    PermissionDenied,
    WorkflowError,
)
from chatwarden.web.render import error_body, make_env
from chatwarden.web.security import CsrfFailed, Forbidden, LoginRequired, Shield, TooManyAttempts

log = logging.getLogger("chatwarden.web")

UPLOAD_PATHS = ("/upload", "/api/imports")
MULTIPART_OVERHEAD = 1 << 20


class AnalyzerHolder:
    """The policy and detectors, loaded on first use (start-up stays fast) and shared."""

    def __init__(self, settings: Settings, analyzer: Any = None) -> None:
        self._settings = settings
        self._analyzer = analyzer
        self._lock = threading.Lock()

    def get(self) -> Any:
        if self._analyzer is None:
            with self._lock:
                if self._analyzer is None:
                    from chatwarden.analysis import Analyzer

                    self._analyzer = Analyzer.default(self._settings.policy_dir or None)
        return self._analyzer


def create_app(
    settings: Settings, store: Any = None, analyzer: Any = None, *, login_rate: tuple[int, float] = (20, 60.0)
) -> FastAPI:
    """Build the web app over ``store`` (opened from ``settings`` when not given).
    ``login_rate`` is (attempts, seconds) allowed per client address at the login form."""
    from chatwarden.cases.review import set_pseudonymised_review
    from chatwarden.store import Store
    from chatwarden.web.routes import ROUTERS
    from chatwarden.web.routes.forms import upload_limits
    from chatwarden.web.security import LoginLimiter
    from chatwarden.web.storeguard import guard

    if store is None:
        store = Store.open(settings)
    store = guard(store)
    set_pseudonymised_review(settings.pseudonymise_first_line)
    app = FastAPI(
        title="chatwarden",
        version=__version__,
        debug=False,
        openapi_url=None,
        docs_url=None,
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        description="JSON API of chatwarden: the review, case, evidence, audit and self-check use cases "
        "of the web app, under the same permission actions. Authenticate with "
        "`Authorization: Bearer <token>` (`chatwarden user token`) or the session cookie "
        "plus an `X-CSRF-Token` header.",
    )
    app.state.settings = settings
    app.state.store = store
    app.state.analyzer = AnalyzerHolder(settings, analyzer)
    app.state.templates = make_env()
    app.state.login_limiter = LoginLimiter(*login_rate)
    for router in ROUTERS:  # flat: every route is a plain APIRoute in app.routes (the permission test walks them)
        app.router.routes.extend(router.routes)
    if settings.webhook_app_secret and settings.webhook_verify_token:
        _mount_webhook(app, settings)
    app.mount("/static", StaticFiles(packages=[("chatwarden.web", "static")]), name="static")
    _error_handlers(app)
    env = app.state.templates
    app.add_middleware(
        Shield,
        upload_limit=settings.max_upload_bytes + MULTIPART_OVERHEAD,
        upload_paths=UPLOAD_PATHS,
        path_limits=upload_limits(settings.max_upload_bytes),
        hsts=settings.secure_cookies,
        error_page=lambda rid, status, is_api: error_body(env, rid, status, is_api),
    )
    return app


def _mount_webhook(app: FastAPI, settings: Settings) -> None:
    """The WhatsApp Business Cloud API webhook (chatwarden.stream.webhook), mounted only when
    its verify token and app secret are configured.  Messages go to the configured intake
    (Redis Streams or Kafka) for `chatwarden monitor`."""
    from chatwarden.stream.intake import make_intake
    from chatwarden.stream.webhook import webhook_router
    from chatwarden.web.security import signed

    intake = make_intake(settings, "webhook")
    for route in webhook_router(settings, intake).routes:
        app.add_api_route(route.path, route.endpoint, methods=list(route.methods), dependencies=[signed()],
                          include_in_schema=False)
    app.state.webhook_intake = intake  # closed with the process (connections are per request)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/") or request.url.path == "/openapi.json"


def _rid(request: Request) -> str:
    return getattr(request.state, "request_id", "-")


def _error(request: Request, status: int, detail: str | None = None, headers: dict | None = None) -> Response:
    body, ctype = error_body(request.app.state.templates, _rid(request), status, _is_api(request), detail)
    return Response(body, status_code=status, media_type=ctype.split(";")[0], headers=headers)


# Errors of chatwarden's own tree carry ids, counts and reasons, never message text or names
# (chatwarden.errors): the 4xx ones are shown to the person who caused them.
_STATUS: list[tuple[type[Exception], int]] = [
    (NotFoundError, 404),
    (PermissionDenied, 403),
    (ConflictError, 409),
    (WorkflowError, 409),
    (IntegrityError, 409),
    (InputError, 400),
]


def _error_handlers(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired) -> Response:
        if _is_api(request):
            return _error(request, 401, "sign in, or send an API token", {"WWW-Authenticate": "Bearer"})
        if request.method == "GET":
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            from urllib.parse import quote

            return RedirectResponse(f"/login?next={quote(target, safe='/')}", status_code=303)
        return _error(request, 401, "your session has ended: sign in again")

    @app.exception_handler(Forbidden)
    async def _forbidden(request: Request, exc: Forbidden) -> Response:
        from chatwarden.permissions import ACTIONS

        return _error(request, 403, f"your role does not include '{exc.action}' ({ACTIONS[exc.action]})")

    @app.exception_handler(CsrfFailed)
    async def _csrf(request: Request, exc: CsrfFailed) -> Response:
        return _error(
            request, 403, "the form was out of date or did not come from this site: reload the page and try again"
        )

    @app.exception_handler(TooManyAttempts)
    async def _too_many(request: Request, exc: TooManyAttempts) -> Response:
        return _error(
            request, 429, "too many sign-in attempts from this address: wait a few minutes", {"Retry-After": "300"}
        )

    @app.exception_handler(ChatwardenError)
    async def _chatwarden(request: Request, exc: ChatwardenError) -> Response:
        for cls, status in _STATUS:
            if isinstance(exc, cls):
                log.info("request %s: %s (%d)", _rid(request), type(exc).__name__, status)
                return _error(request, status, str(exc).splitlines()[0][:300])
        log.warning("request %s: %s", _rid(request), type(exc).__name__)
        return _error(request, 400)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        return _error(request, exc.status_code, None, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        # Only where the problem is, never the submitted values (they may be message text).
        fields = sorted({".".join(str(p) for p in e.get("loc", ())) for e in exc.errors()})
        if _is_api(request):
            return JSONResponse(
                {"error": "The request could not be used", "status": 422, "error_id": _rid(request), "fields": fields},
                status_code=422,
            )
        return _error(request, 422, "missing or invalid: " + ", ".join(fields))
