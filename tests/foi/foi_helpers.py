"""Text extraction from released files, done independently of chatwarden (pypdf,
python-docx, openpyxl), for the FOI tests."""

from __future__ import annotations

import io
import re


def pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(data)).pages)


def docx_text(data: bytes) -> str:
    import docx

    d = docx.Document(io.BytesIO(data))
    out = [p.text for p in d.paragraphs]
    for t in d.tables:
        for r in t.rows:
            out.append(" | ".join(c.text for c in r.cells))
    return "\n".join(out)


def xlsx_text(data: bytes) -> str:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    out = []
    for ws in wb.worksheets:
        out.append(f"== {ws.title} ==")
        for row in ws.iter_rows(values_only=True):
            out.append(" | ".join("" if v is None else str(v) for v in row))
    return "\n".join(out)


def all_docx_xml(data: bytes) -> str:
    """Every XML part of a DOCX, tags removed: text hidden anywhere in the package."""
    import zipfile

    z = zipfile.ZipFile(io.BytesIO(data))
    return "\n".join(re.sub(r"<[^>]+>", " ", z.read(n).decode("utf-8", "replace"))
                     for n in z.namelist() if n.endswith((".xml", ".rels")))
