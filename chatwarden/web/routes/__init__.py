"""Routes, one small module per area.  Every route declares its permission action with
:func:`chatwarden.web.security.needs` (or :func:`~chatwarden.web.security.public`)."""

from __future__ import annotations

from chatwarden.web.routes import admin, api, audit, auth, cases, chats, dashboard, health, imports, review, selfcheck

ROUTERS = [
    health.router,
    auth.router,
    dashboard.router,
    imports.router,
    review.router,
    cases.router,
    api.spec_router,
    selfcheck.router,
    audit.router,
    chats.router,
    admin.router,
    api.router,
]
