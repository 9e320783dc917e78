"""Release files for FOI statistics: CSV, XLSX, HTML, PDF (and DOCX).

Spreadsheets are where police FOI releases have leaked personal data (PSNI, August 2023:
a hidden tab of every employee; Norfolk and Suffolk: personal data inside crime-statistics
files; DOMAIN.md section 4).  The XLSX written here holds values only: no formulas, hidden
sheets, rows or columns, comments, pivot caches, defined names, external links or author,
company and title metadata.  :func:`xlsx_problems` checks any XLSX file for those things
and :func:`write_xlsx` runs it on its own output before returning.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Sequence

from chatwarden.errors import InputError, IntegrityError
from chatwarden.foi.disclosure import PublishedTable
from chatwarden.foi.render import Doc, Heading, Para, TableBlock, clean_ooxml, render_docx, render_html, render_pdf
from chatwarden.foi.stats import StatsResult

FORMATS = ("csv", "xlsx", "html", "pdf", "docx", "json")


def _heading_for(pop: str) -> str:
    return {"officers": "Police officer data", "staff": "Police staff data", "findings": "Monitoring findings",
            "cases": "Cases opened from findings"}.get(pop, pop)


# ---------------------------------------------------------------------------- CSV
def to_csv(result: StatsResult) -> str:
    """All tables in one CSV: a title row, the header, the rows, a blank row; notes last."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow([result.title])
    w.writerow([f"Period: {result.period}"])
    w.writerow([])
    for t in result.all_tables():
        w.writerow([t.title])
        if t.withheld:
            w.writerow(["Withheld: the numbers are too small to publish without identifying people."])
        else:
            w.writerow(t.header())
            for r in t.body():
                w.writerow(r)
        w.writerow([])
    w.writerow(["Notes"])
    for n in result.notes:
        w.writerow([n])
    return buf.getvalue()


# ---------------------------------------------------------------------------- documents
def to_doc(result: StatsResult) -> Doc:
    doc = Doc(result.title, footer=f"{result.title}. Period: {result.period}.")
    doc.add(Heading(result.title, 1), Para(f"Period: {result.period}"))
    for pop, tables in result.tables.items():
        doc.add(Heading(_heading_for(pop), 2))
        if not tables:
            doc.add(Para("No records in the period."))
        for t in tables:
            if t.withheld:
                doc.add(Heading(t.title, 3), Para("Withheld: the numbers are too small to publish without "
                                                  "identifying people."))
                continue
            doc.add(TableBlock(tuple(t.header()), tuple(tuple(r) for r in t.body()), t.title, t.notes))
    doc.add(Heading("Notes", 2))
    for n in result.notes:
        doc.add(Para(n, small=True))
    return doc


def to_html(result: StatsResult) -> str:
    return render_html(to_doc(result))


def to_pdf(result: StatsResult) -> bytes:
    wide = any(len(t.header()) > 6 for t in result.all_tables())
    return render_pdf(to_doc(result), landscape=wide)


def to_docx(result: StatsResult) -> bytes:
    return render_docx(to_doc(result))


# ---------------------------------------------------------------------------- XLSX
_BAD_SHEET = re.compile(r"[\[\]:*?/\\]")


def _sheet_name(title: str, used: set[str]) -> str:
    base = _BAD_SHEET.sub(" ", title).strip()[:31] or "Table"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name = base[:31 - len(suffix)] + suffix
        n += 1
    used.add(name.lower())
    return name


def _short(t: PublishedTable, pop: str) -> str:
    who = {"officers": "Officers", "staff": "Staff", "findings": "Findings", "cases": "Cases"}.get(pop, pop)
    col = t.col_title or "total"
    return f"{who} - {t.row_title} x {col}" if t.col_title else f"{who} - {t.row_title}"


def to_xlsx(result: StatsResult) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    first = wb.active
    wb.remove(first)
    used: set[str] = set()
    bold = Font(bold=True)
    notes = wb.create_sheet(_sheet_name("Notes", used))
    notes.append([result.title])
    notes["A1"].font = bold
    notes.append([f"Period: {result.period}"])
    notes.append([])
    for n in result.notes:
        notes.append([n])
    notes.column_dimensions["A"].width = 120
    for pop, tables in result.tables.items():
        for t in tables:
            ws = wb.create_sheet(_sheet_name(_short(t, pop), used))
            ws.append([t.title])
            ws["A1"].font = bold
            if t.withheld:
                ws.append(["Withheld: the numbers are too small to publish without identifying people."])
                continue
            ws.append(t.header())
            for c in ws[2]:
                c.font = bold
            for r in t.values():
                ws.append([_safe_cell(v) for v in r])
            if t.show_total_row:
                for c in ws[ws.max_row]:
                    c.font = bold
            ws.append([])
            ws.append([t.legend])
            ws.column_dimensions["A"].width = max(14, min(40, max(len(str(x[0])) for x in t.body()) + 2))
            for n in t.notes:
                ws.append([n])
    for ws in wb.worksheets:
        ws.sheet_state = "visible"
    wb.active = 0
    buf = io.BytesIO()
    wb.save(buf)
    data = clean_ooxml(buf.getvalue())
    problems = xlsx_problems(data)
    if problems:  # the writer above cannot make these; a failure here is a bug, never a release
        raise IntegrityError("the spreadsheet failed its own cleanliness check: " + "; ".join(problems))
    return data


def _safe_cell(v: int | str) -> int | str:
    """Text that a spreadsheet would read as a formula is written as text with a leading
    apostrophe's effect (a space): no cell may start with = + - @."""
    if isinstance(v, str) and v[:1] in ("=", "+", "-", "@"):
        return " " + v
    return v


def xlsx_problems(source: bytes | str) -> list[str]:
    """Everything in an XLSX file that could carry data the sheet does not show: hidden or
    very hidden sheets, hidden rows and columns, formulas, comments and notes, pivot tables
    and caches, defined names, external links, macros, custom XML, data connections, and
    person or organisation metadata.  Empty list: clean."""
    try:
        z = zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)
    except zipfile.BadZipFile:
        raise InputError("not an XLSX file (not a zip archive)") from None
    names = z.namelist()
    out: list[str] = []
    for prefix, what in (("xl/comments", "comments"), ("xl/threadedComments", "threaded comments"),
                         ("xl/pivotCache", "pivot cache"), ("xl/pivotTables", "pivot table"),
                         ("xl/externalLinks", "external links"), ("xl/vbaProject", "macros"),
                         ("customXml/", "custom XML"), ("xl/connections", "data connections"),
                         ("xl/queryTables", "query tables"), ("docProps/custom.xml", "custom properties"),
                         ("xl/drawings/vmlDrawing", "legacy drawing (notes)"), ("xl/persons", "people list"),
                         ("docProps/thumbnail", "thumbnail")):
        if any(n.startswith(prefix) for n in names):
            out.append(f"holds {what}")
    wb_xml = z.read("xl/workbook.xml").decode("utf-8", "replace") if "xl/workbook.xml" in names else ""
    if re.search(r'state="(hidden|veryHidden)"', wb_xml):
        out.append("has a hidden sheet")
    if re.search(r"<(?:\w+:)?definedName[ >]", wb_xml):
        out.append("has defined names")
    for n in names:
        if n.startswith("xl/worksheets/") and n.endswith(".xml"):
            x = z.read(n).decode("utf-8", "replace")
            if re.search(r"<(?:\w+:)?f[ >]", x):
                out.append(f"{n}: has formulas")
            if re.search(r'<row [^>]*hidden="(?:1|true)"', x):
                out.append(f"{n}: has hidden rows")
            if re.search(r'<col [^>]*hidden="(?:1|true)"', x):
                out.append(f"{n}: has hidden columns")
            if re.search(r'outlineLevel="[1-9]', x):
                out.append(f"{n}: has grouped (collapsible) rows or columns")
            if "<legacyDrawing" in x:
                out.append(f"{n}: has notes")
    for part, tags in (("docProps/core.xml", ("creator", "lastModifiedBy", "title", "subject", "description",
                                              "keywords", "category")),
                       ("docProps/app.xml", ("Company", "Manager", "HyperlinkBase", "Template"))):
        if part in names:
            x = z.read(part).decode("utf-8", "replace")
            for tag in tags:
                if re.search(rf"<(?:\w+:)?{tag}(?:\s[^>]*)?>\s*[^<\s][^<]*</", x):
                    out.append(f"metadata names a {tag}")
    return out


def write(result: StatsResult, fmt: str) -> bytes:
    """The statistics in one format, as bytes."""
    if fmt == "csv":
        return to_csv(result).encode("utf-8")
    if fmt == "html":
        return to_html(result).encode("utf-8")
    if fmt == "xlsx":
        return to_xlsx(result)
    if fmt == "pdf":
        return to_pdf(result)
    if fmt == "docx":
        return to_docx(result)
    if fmt == "json":
        import orjson

        return orjson.dumps(to_json(result), option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    raise InputError(f"unknown format {fmt!r} (use {', '.join(FORMATS)})")


def to_json(result: StatsResult) -> dict:
    return {
        "title": result.title, "period": result.period, "notes": result.notes,
        "tables": {pop: [{"key": t.key, "title": t.title, "withheld": t.withheld, "header": t.header(),
                          "rows": t.body()} for t in ts] for pop, ts in result.tables.items()},
    }


def report_files(result: StatsResult) -> dict[str, bytes]:
    """The disclosure-control report for the case file (text and CSV)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["table", "row", "column", "value", "action", "reason"])
    for e in result.report.entries:
        w.writerow([e.table, e.row, e.col, "" if e.value is None else e.value, e.action, e.reason])
    return {"txt": result.report.to_text().encode("utf-8"), "csv": buf.getvalue().encode("utf-8")}


__all__: Sequence[str] = ("FORMATS", "report_files", "to_csv", "to_doc", "to_docx", "to_html", "to_json", "to_pdf",
                          "to_xlsx", "write", "xlsx_problems")
