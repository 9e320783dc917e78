"""Routes, one small module per area.  Every route declares its permission action with
:func:`chatwarden.web.security.needs` (or :func:`~chatwarden.web.security.public`)."""

from __future__ import annotations

from chatwarden.web.routes import (
    admin,
    api,
    api_foi,
    api_registers,
    audit,
    auth,
    cases,
    chats,
    dashboard,
    foi,
    health,
    imports,
    incidents,
    misconduct,
    redaction,
    reg_apps,
    reg_devices,
    reg_groups,
    registers,
    review,
    selfcheck,
)

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
    registers.router,
    reg_apps.router,
    reg_devices.router,
    reg_groups.router,
    incidents.router,
    misconduct.router,
    foi.router,
    redaction.router,
    api.router,
    api_registers.router,
    api_foi.router,
]
