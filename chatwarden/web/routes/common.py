"""Small helpers shared by the route modules."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import RedirectResponse

from chatwarden.config import Settings
from chatwarden.store import Store


def store_of(request: Request) -> Store:
    return request.app.state.store


def settings_of(request: Request) -> Settings:
    return request.app.state.settings


def analyzer_of(request: Request) -> Any:
    return request.app.state.analyzer.get()


def back(url: str) -> RedirectResponse:
    """Post/redirect/get."""
    return RedirectResponse(url, status_code=303)


def opt_int(value: str | None) -> int | None:
    if value is None or not str(value).strip():
        return None
    try:
        return int(value)
    except ValueError:
        return None


def opt_str(value: str | None) -> str | None:
    if value is None:
        return None
    value = value.strip()
    return value or None
