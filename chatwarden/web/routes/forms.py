"""Forms, files and downloads shared by the register and FOI pages.

* :func:`inputs` builds a register's form from its :class:`~chatwarden.registers.csvio.Schema`
  (the same typed fields as its CSV file), filled with a record's current values.
* :func:`read_fields` reads the submitted text of the named fields only (anything else in the
  form is ignored, so unknown names never reach a use case or an error message).
* :func:`changed` keeps the fields whose text differs from the record's: saving an unchanged
  form changes nothing and writes no audit entry.
* :func:`read_upload` keeps an uploaded file (size-capped, under a fixed name) in a private
  temporary folder; :func:`download` sends text or bytes as an attachment.

Problems are shown as ``(field, problem)`` pairs from :class:`RecordError`, which never
repeat a value.
"""

from __future__ import annotations

import functools
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any, TypeVar
from urllib.parse import quote

import anyio
from fastapi import Request
from fastapi.responses import Response
from starlette.datastructures import UploadFile

from chatwarden.errors import InputError
from chatwarden.registers import clocks
from chatwarden.registers.csvio import Field, RecordError, Schema

T = TypeVar("T")

MULTIPART_OVERHEAD = 1 << 20
REGISTER_FILE_MAX = 20 << 20  # a register CSV or an MDM JSON export
DOCUMENT_MAX = 50 << 20  # a document to redact (chatwarden.foi.redact.MAX_BYTES)
DIRECTORY_MAX = 10 << 20  # a staff directory CSV

# POST paths that receive files, and the largest file each takes.
FILE_PATHS: dict[str, int] = {
    "/registers/apps/import": REGISTER_FILE_MAX,
    "/registers/devices/import": REGISTER_FILE_MAX,
    "/registers/groups/import": REGISTER_FILE_MAX,
    "/misconduct/import": REGISTER_FILE_MAX,
    "/foi/redactions": DOCUMENT_MAX + DIRECTORY_MAX,
    "/api/foi/redactions": DOCUMENT_MAX + DIRECTORY_MAX,
}


def upload_limits(max_upload_bytes: int) -> dict[str, int]:
    """Body caps for the Shield: each file path's own cap (never more than the site's
    ``max_upload_bytes``) plus the multipart overhead."""
    return {p: min(cap, max_upload_bytes) + MULTIPART_OVERHEAD for p, cap in FILE_PATHS.items()}


async def run(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """A blocking use case on a worker thread."""
    return await anyio.to_thread.run_sync(functools.partial(fn, *args, **kwargs))


# ---------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class Input:
    """One form control: ``widget`` is text, textarea, date or select."""

    name: str
    label: str
    widget: str
    value: str
    required: bool = False
    options: tuple[tuple[str, str], ...] = ()
    help: str = ""
    placeholder: str = ""


def field_text(f: Field, value: Any) -> str:
    """A stored value as a form shows it (and as :func:`Field.parse` reads it back).
    Instants are London wall-clock time, with the offset only where the time is ambiguous
    or has seconds."""
    if value is None:
        return ""
    if f.kind == "datetime" and isinstance(value, datetime):
        local = clocks.to_london(value)
        naive = local.replace(tzinfo=None)
        if naive.second == 0 and naive.microsecond == 0 and clocks.london_problem(naive) is None:
            return naive.strftime("%Y-%m-%d %H:%M")
        return clocks.iso_london(value)
    return f.format(value)


def _label(name: str) -> str:
    return name.replace("_", " ").capitalize()


def inputs(
    schema: Schema,
    names: Sequence[str],
    row: Mapping[str, Any] | None = None,
    *,
    submitted: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    textareas: Iterable[str] = (),
    yes_no: Iterable[str] = (),
    option_labels: Mapping[str, Mapping[str, str]] | None = None,
    required: Iterable[str] = (),
    helps: Mapping[str, str] | None = None,
) -> list[Input]:
    """The controls for ``names``: choices and yes/no as selects (``yes_no``: a yes/no
    field that cannot be "not known"), dates as date inputs, the rest as text.  Values come
    from ``submitted`` (a form sent back with problems), else from ``row``."""
    labels, option_labels, helps = labels or {}, option_labels or {}, helps or {}
    areas, strict_bool, extra_required = set(textareas), set(yes_no), set(required)
    out = []
    for name in names:
        f = schema.get(name)
        if submitted is not None and name in submitted:
            value = submitted[name]
        elif row is not None:
            value = field_text(f, row.get(name))
        else:
            value = ""
        req = f.required or name in extra_required
        options: tuple[tuple[str, str], ...] = ()
        placeholder = ""
        if f.kind == "choice":
            names_of = option_labels.get(name, {})
            options = tuple((c, names_of.get(c, c)) for c in f.choices)
            if not req:
                options = (("", "—"),) + options
            widget = "select"
        elif f.kind == "bool":
            options = (("no", "no"), ("yes", "yes"))
            if name in extra_required:
                options = (("", "— choose —"),) + options
            elif name not in strict_bool:
                options = (("", "not known"),) + options
            widget = "select"
        elif f.kind == "date":
            widget = "date"
        elif name in areas:
            widget = "textarea"
        else:
            widget = "text"
            if f.kind == "datetime":
                placeholder = "YYYY-MM-DD HH:MM (London)"
            elif f.kind in ("list", "choices", "ints"):
                placeholder = "separated by ;"
        out.append(
            Input(
                name, labels.get(name, _label(name)), widget, value, req, options, helps.get(name, f.help), placeholder
            )
        )
    return out


async def read_fields(request: Request, names: Iterable[str]) -> dict[str, str]:
    """The submitted text of ``names`` (fields not sent are left out)."""
    form = await request.form()
    out = {}
    for n in names:
        v = form.get(n)
        if isinstance(v, str):
            out[n] = v
    return out


def filled(values: Mapping[str, str], schema: Schema | None = None) -> dict[str, str]:
    """The fields that were filled in (an empty optional field is left unset)."""
    out = {k: v for k, v in values.items() if v.strip()}
    return checked(schema, out) if schema is not None else out


def _norm(text: str) -> str:
    return " ".join(text.split())


def changed(schema: Schema, row: Mapping[str, Any], submitted: Mapping[str, str]) -> dict[str, str]:
    """The submitted fields whose text differs from the record's current text."""
    return checked(
        schema, {k: v for k, v in submitted.items() if _norm(v) != _norm(field_text(schema.get(k), row.get(k)))}
    )


def problems_by_field(problems: Sequence[tuple[str, str]]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for f, p in problems:
        out.setdefault(f, []).append(p)
    return out


MAX_ID = 2**62


def _too_big(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return abs(value) > MAX_ID
    if isinstance(value, str):
        return any(len(p.strip().lstrip("+-")) > 18 for p in value.split(";") if p.strip().lstrip("+-").isdigit())
    if isinstance(value, (list, tuple)):
        return any(_too_big(v) for v in value)
    return False


def checked(schema: Schema, values: Mapping[str, Any], what: str = "record") -> dict[str, Any]:
    """``values`` with whole numbers the store can hold (ids and counts beyond 2**62 are a
    problem of the field, not a database error) and times inside the calendar."""
    problems = [
        (k, "too large a number")
        for k, v in values.items()
        if k in schema.names and schema.get(k).kind in ("int", "ints") and _too_big(v)
    ]
    for k, v in values.items():
        if k in schema.names and schema.get(k).kind == "datetime" and isinstance(v, str):
            try:
                schema.get(k).parse(v)
            except OverflowError:  # an offset that moves the time out of the calendar
                problems.append((k, "not a time chatwarden can record"))
            except ValueError:
                pass  # the use case reports it with the other problems
    if problems:
        raise RecordError(what, problems)
    return dict(values)


def only_known(values: Mapping[str, Any], names: Iterable[str], schema: Schema) -> dict[str, Any]:
    """A JSON body's fields, refused whole when it names a field the register lacks (the
    names are not repeated: they are the caller's input)."""
    known = set(names)
    unknown = [k for k in values if k not in known]
    if unknown:
        raise InputError(f"{len(unknown)} unknown field(s); the fields are: " + ", ".join(sorted(known)))
    return checked(schema, values)


# ---------------------------------------------------------------------------- files
_UNSAFE = re.compile(r"[^A-Za-z0-9 ._()+-]")


def safe_name(filename: str | None, suffixes: Sequence[str], default_stem: str) -> str:
    """An uploaded file's base name with only plain characters; it must end in one of
    ``suffixes``."""
    raw = PurePosixPath(PureWindowsPath(filename or "").name).name
    name = _UNSAFE.sub("_", raw).strip(" ._")[:120]
    low = name.lower()
    suffix = next((s for s in suffixes if low.endswith(s)), None)
    if suffix is None:
        raise InputError("the file must be one of: " + ", ".join(suffixes))
    if len(name) <= len(suffix):
        name = default_stem + suffix
    return name


@dataclass
class Upload:
    name: str  # the safe name
    path: Path


async def read_upload(
    request: Request,
    field: str,
    suffixes: Sequence[str],
    *,
    max_bytes: int,
    folder: Path,
    default_stem: str = "upload",
    required: bool = True,
) -> Upload | None:
    """Keep the uploaded file of ``field`` in ``folder`` under its safe name, refusing a
    file over ``max_bytes`` (the Shield has already capped the whole body)."""
    form = await request.form(max_files=4, max_fields=40)
    upload = form.get(field)
    if not isinstance(upload, UploadFile) or not upload.filename:
        if required:
            raise InputError("choose a file to upload (" + ", ".join(suffixes) + ")")
        return None
    name = safe_name(upload.filename, suffixes, default_stem)
    target = folder / name
    if target.exists():
        target = folder / f"{field}-{name}"

    def copy() -> None:
        with open(target, "wb") as out:
            shutil.copyfileobj(upload.file, out, 1 << 20)

    try:
        await anyio.to_thread.run_sync(copy)
    finally:
        await upload.close()
    if target.stat().st_size > max_bytes:
        limit = f"{max_bytes >> 20} MiB" if max_bytes >= 1 << 20 else f"{max_bytes} bytes"
        raise InputError(f"the file is larger than the limit of {limit}")
    return Upload(name, target)


class TempFolder:
    """A private temporary folder removed afterwards (``async with``)."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.path: Path | None = None

    async def __aenter__(self) -> Path:
        self.path = Path(tempfile.mkdtemp(prefix=self.prefix))
        return self.path

    async def __aexit__(self, *exc: object) -> None:
        if self.path is not None:
            shutil.rmtree(self.path, ignore_errors=True)


def download(data: str | bytes, filename: str, media_type: str) -> Response:
    """An attachment that is not cached."""
    body = data.encode("utf-8") if isinstance(data, str) else data
    if media_type.startswith("text/") and "charset" not in media_type:
        media_type += "; charset=utf-8"
    disposition = f"attachment; filename*=UTF-8''{quote(filename)}"
    if re.fullmatch(r"[A-Za-z0-9._-]+", filename):
        disposition = f"attachment; filename=\"{filename}\"; filename*=UTF-8''{filename}"
    return Response(
        body,
        media_type=media_type,
        headers={
            "Content-Disposition": disposition,
            "Cache-Control": "private, no-store",
        },
    )


def csv_download(text: str, filename: str) -> Response:
    return download(text, filename, "text/csv")
