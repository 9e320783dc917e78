"""Upload an export (.txt or .zip) and see what its import found."""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from chatwarden.errors import InputError
from chatwarden.model import Actor
from chatwarden.web import queries
from chatwarden.web.render import page
from chatwarden.web.routes.common import analyzer_of, back, opt_str, settings_of, store_of
from chatwarden.web.security import needs

router = APIRouter(include_in_schema=False)

SUFFIXES = (".txt", ".zip")
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]")


def safe_upload_name(filename: str | None) -> str:
    """The uploaded file's own name (WhatsApp names the chat in it), without any folder
    part or characters a file system could misread; it must end in .txt or .zip."""
    raw = filename or ""
    name = PurePosixPath(PureWindowsPath(raw).name).name
    name = _UNSAFE.sub("_", name).strip(" .")[:200]
    if not name.lower().endswith(SUFFIXES):
        raise InputError("only WhatsApp exports can be uploaded: a .txt transcript or a .zip export")
    if name.startswith("."):
        name = "export" + name
    return name


async def receive_upload(request: Request, actor: Actor) -> Any:
    """Read the multipart form (size-capped by the Shield), keep the file under its safe
    name in a private temporary folder and run the import use case on it."""
    from chatwarden.importer import import_export

    settings = settings_of(request)
    form = await request.form(max_files=1, max_fields=10)
    upload = form.get("export")
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise InputError("choose a .txt or .zip export to upload")
    name = safe_upload_name(upload.filename)
    device = opt_str(form.get("device") if isinstance(form.get("device"), str) else None)
    account = opt_str(form.get("account") if isinstance(form.get("account"), str) else None)
    store = store_of(request)
    analyzer = await anyio.to_thread.run_sync(analyzer_of, request)

    def work() -> Any:
        with tempfile.TemporaryDirectory(prefix="cw-upload-") as tmp:
            target = Path(tmp) / name
            with open(target, "wb") as out:
                shutil.copyfileobj(upload.file, out, 1 << 20)
            if target.stat().st_size > settings.max_upload_bytes:
                raise InputError(
                    f"the upload is larger than the limit of {settings.max_upload_bytes} bytes", source=name
                )
            # workers=0: detection stays in this thread; forking a process that runs the web
            # server's threads is unsafe (a child inherits locks other threads hold)
            return import_export(store, analyzer, target, actor=actor, device=device, account=account, workers=0)

    try:
        return await anyio.to_thread.run_sync(work)
    finally:
        await upload.close()


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["export"],
                    "properties": {
                        "export": {
                            "type": "string",
                            "format": "binary",
                            "description": "a .txt or .zip WhatsApp export",
                        },
                        "device": {"type": "string", "description": "device the export came from (custody)"},
                        "account": {"type": "string", "description": "account/number the export came from (custody)"},
                    },
                }
            }
        },
    }
}


@router.get("/upload")
def upload_form(request: Request, actor: Annotated[Actor, needs("chat.import")]) -> Response:
    return page(request, "upload.html", max_bytes=settings_of(request).max_upload_bytes)


@router.post("/upload")
async def upload(request: Request, actor: Annotated[Actor, needs("chat.import")]) -> Response:
    result = await receive_upload(request, actor)
    return back(f"/exports/{result.export_id}?import={result.status}")


@router.get("/exports/{export_id}")
def export_page(request: Request, actor: Annotated[Actor, needs("finding.view")], export_id: int) -> Response:
    report = queries.export_report(store_of(request), actor, export_id)
    status = request.query_params.get("import")
    return page(
        request, "export.html", report=report, just=status if status in ("imported", "already-imported") else None
    )
