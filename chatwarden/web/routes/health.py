"""Liveness and readiness for a process supervisor: ``{"status": "ok"}`` and nothing else."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from chatwarden.web.security import public

router = APIRouter(include_in_schema=False)


@router.get("/healthz", dependencies=[public()])
def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})


@router.get("/readyz", dependencies=[public()])
def readyz(request: Request) -> JSONResponse:
    try:
        with request.app.state.store.read() as conn:
            conn.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - not ready, whatever the reason
        return JSONResponse({"status": "unavailable"}, status_code=503)
    return JSONResponse({"status": "ok"})
