"""A small document model (headings, paragraphs, quotes, lists, tables) and its renderers:
HTML, DOCX and PDF.  Letters, redacted documents and statistics tables are all built as a
:class:`Doc` and written by these, so every output is made the same careful way:

* DOCX is written fresh (python-docx) and then cleaned: no author, company, template,
  thumbnail or custom XML; fixed dates; the zip entries carry a fixed time, so the same
  document gives the same bytes.
* PDF is drawn by fpdf2 with the DejaVu Sans fonts shipped for evidence transcripts; its
  text is real, extractable text, and holds only what the document holds.
* HTML is one self-contained page, every value escaped.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from html import escape
from posixpath import dirname, join, normpath

FIXED_TIME = datetime(2000, 1, 1, tzinfo=UTC)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1


@dataclass(frozen=True)
class Para:
    text: str
    bold: bool = False
    small: bool = False


@dataclass(frozen=True)
class Quote:
    text: str


@dataclass(frozen=True)
class Bullets:
    items: tuple[str, ...]
    numbered: bool = False


@dataclass(frozen=True)
class TableBlock:
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""
    notes: tuple[str, ...] = ()


Block = Heading | Para | Quote | Bullets | TableBlock


@dataclass
class Doc:
    title: str
    blocks: list[Block] = field(default_factory=list)
    footer: str = ""

    def add(self, *blocks: Block) -> Doc:
        self.blocks.extend(blocks)
        return self

    def plain_text(self) -> str:
        """The document as plain text (what a reader can copy out of any rendering)."""
        out: list[str] = []
        for b in self.blocks:
            if isinstance(b, Heading) or isinstance(b, Para):
                out += [b.text, ""]
            elif isinstance(b, Quote):
                out += ["    " + line for line in b.text.split("\n")] + [""]
            elif isinstance(b, Bullets):
                out += [(f"{n}. " if b.numbered else "\u2022 ") + it for n, it in enumerate(b.items, 1)] + [""]
            elif isinstance(b, TableBlock):
                if b.caption:
                    out.append(b.caption)
                out.append(" | ".join(b.header))
                out += [" | ".join(r) for r in b.rows]
                out += list(b.notes) + [""]
        return "\n".join(out).rstrip() + "\n"


# ---------------------------------------------------------------------------- HTML
_CSS = """body{font-family:"DejaVu Sans",Arial,Helvetica,sans-serif;font-size:15px;color:#111;margin:24px auto;
max-width:980px;line-height:1.45;padding:0 16px}h1{font-size:22px}h2{font-size:18px;margin-top:26px}h3{font-size:16px}
blockquote{border-left:4px solid #888;margin:8px 0;padding:4px 12px;background:#f5f5f5;white-space:pre-wrap}
table{border-collapse:collapse;margin:8px 0}caption{text-align:left;font-weight:bold;padding:4px 0}
th,td{border:1px solid #777;padding:3px 8px}td.n,th.n{text-align:right}tr.total td{font-weight:bold}
.small{font-size:13px;color:#333}.notes{font-size:13px;color:#333;margin:2px 0 14px}"""


def render_html(doc: Doc) -> str:
    e = escape
    p = ['<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n',
         '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
         f"<title>{e(doc.title)}</title>\n<style>{_CSS}</style>\n</head>\n<body>\n"]
    for b in doc.blocks:
        if isinstance(b, Heading):
            lvl = min(max(b.level, 1), 3)
            p.append(f"<h{lvl}>{e(b.text)}</h{lvl}>\n")
        elif isinstance(b, Para):
            cls = ' class="small"' if b.small else ""
            inner = f"<strong>{e(b.text)}</strong>" if b.bold else e(b.text)
            p.append(f"<p{cls}>{inner}</p>\n")
        elif isinstance(b, Quote):
            p.append(f"<blockquote>{e(b.text)}</blockquote>\n")
        elif isinstance(b, Bullets):
            tag = "ol" if b.numbered else "ul"
            p.append(f"<{tag}>\n" + "".join(f"<li>{e(i)}</li>\n" for i in b.items) + f"</{tag}>\n")
        elif isinstance(b, TableBlock):
            p.append("<table>\n")
            if b.caption:
                p.append(f"<caption>{e(b.caption)}</caption>\n")
            p.append("<thead><tr>" + "".join(f'<th scope="col"{" class=" + chr(34) + "n" + chr(34) if n else ""}>'
                                             f"{e(h)}</th>" for n, h in enumerate(b.header)) + "</tr></thead>\n<tbody>\n")
            for r in b.rows:
                cls = ' class="total"' if r and r[0] == "Total" else ""
                cells = [f'<th scope="row">{e(r[0])}</th>'] + [f'<td class="n">{e(c)}</td>' for c in r[1:]]
                p.append(f"<tr{cls}>" + "".join(cells) + "</tr>\n")
            p.append("</tbody>\n</table>\n")
            for n in b.notes:
                p.append(f'<p class="notes">{e(n)}</p>\n')
    if doc.footer:
        p.append(f'<p class="small">{e(doc.footer)}</p>\n')
    p.append("</body>\n</html>\n")
    return "".join(p)


# ---------------------------------------------------------------------------- OOXML cleaning
_CORE = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<cp:coreProperties xmlns:cp="http://schemas.'
         'openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
         'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
         '<dcterms:created xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:created>'
         '<dcterms:modified xsi:type="dcterms:W3CDTF">2000-01-01T00:00:00Z</dcterms:modified>'
         '</cp:coreProperties>')
_APP = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties xmlns="http://schemas.openxmlformats.org/'
        'officeDocument/2006/extended-properties"><Application>chatwarden</Application></Properties>')
_DROP_PREFIXES = ("customXml/", "docProps/thumbnail", "docProps/custom.xml", "xl/comments", "word/comments",
                  "xl/threadedComments", "xl/persons/", "xl/pivotCache", "xl/pivotTables", "xl/externalLinks",
                  "xl/vbaProject", "word/vbaProject", "xl/drawings/vmlDrawing", "xl/printerSettings",
                  "word/people.xml", "xl/customData", "word/glossary")


def clean_ooxml(data: bytes) -> bytes:
    """An Office file with its metadata reduced to nothing that names a person or
    organisation, parts that can hide data (comments, pivot caches, custom XML, external
    links, macros, thumbnails) removed with their relationships, and fixed zip times."""
    from lxml import etree

    src = zipfile.ZipFile(io.BytesIO(data))
    names = src.namelist()
    dropped = {n for n in names if n.startswith(_DROP_PREFIXES)}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in names:
            if name in dropped:
                continue
            body = src.read(name)
            if name == "docProps/core.xml":
                body = _CORE.encode()
            elif name == "docProps/app.xml":
                body = _APP.encode()
            elif name.endswith(".rels") and dropped:
                root = etree.fromstring(body)
                base = dirname(dirname(name))  # "word/_rels/document.xml.rels" -> "word"
                for rel in list(root):
                    target = rel.get("Target", "")
                    if rel.get("TargetMode") == "External":
                        continue
                    resolved = normpath(target.lstrip("/")) if target.startswith("/") else normpath(join(base, target))
                    if resolved in dropped or any(resolved.startswith(d.rstrip("/") + "/") for d in dropped):
                        root.remove(rel)
                body = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            elif name == "[Content_Types].xml" and dropped:
                root = etree.fromstring(body)
                for ov in list(root):
                    part = (ov.get("PartName") or "").lstrip("/")
                    if part in dropped:
                        root.remove(ov)
                body = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o600 << 16
            dst.writestr(info, body)
    return out.getvalue()


# ---------------------------------------------------------------------------- DOCX
def render_docx(doc: Doc) -> bytes:
    import docx
    from docx.shared import Pt

    d = docx.Document()
    styles = d.styles
    styles["Normal"].font.name = "Arial"
    styles["Normal"].font.size = Pt(11)
    for b in doc.blocks:
        if isinstance(b, Heading):
            d.add_heading(b.text, level=min(max(b.level, 1), 3))
        elif isinstance(b, Para):
            para = d.add_paragraph()
            run = para.add_run(b.text)
            run.bold = b.bold
            if b.small:
                run.font.size = Pt(9)
        elif isinstance(b, Quote):
            para = d.add_paragraph(style="Quote") if "Quote" in [s.name for s in styles] else d.add_paragraph()
            para.add_run(b.text)
        elif isinstance(b, Bullets):
            style = "List Number" if b.numbered else "List Bullet"
            for item in b.items:
                d.add_paragraph(item, style=style)
        elif isinstance(b, TableBlock):
            if b.caption:
                d.add_paragraph().add_run(b.caption).bold = True
            table = d.add_table(rows=1 + len(b.rows), cols=len(b.header))
            table.style = "Table Grid"
            for j, h in enumerate(b.header):
                cell = table.rows[0].cells[j]
                cell.text = ""
                cell.paragraphs[0].add_run(h).bold = True
            for i, r in enumerate(b.rows, 1):
                for j, v in enumerate(r):
                    table.rows[i].cells[j].text = v
            for n in b.notes:
                d.add_paragraph().add_run(n).font.size = Pt(9)
    if doc.footer:
        d.add_paragraph().add_run(doc.footer).font.size = Pt(8)
    cp = d.core_properties
    cp.author = ""
    cp.last_modified_by = ""
    cp.comments = ""
    cp.title = ""
    cp.created = FIXED_TIME.replace(tzinfo=None)
    cp.modified = FIXED_TIME.replace(tzinfo=None)
    buf = io.BytesIO()
    d.save(buf)
    return clean_ooxml(buf.getvalue())


# ---------------------------------------------------------------------------- PDF
def render_pdf(doc: Doc, *, made: datetime | None = None, landscape: bool = False) -> bytes:
    """A4 PDF with the DejaVu fonts; real text; no author."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    from chatwarden import __version__
    from chatwarden.evidence.transcript import font_paths, pdf_safe_text

    regular, bold = font_paths()

    def t(s: str) -> str:
        return pdf_safe_text(s)

    footer = t(doc.footer)

    class _PDF(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("DejaVu", "", 7)
            self.set_text_color(90, 90, 90)
            self.cell(0, 4, footer, align="L")
            self.cell(0, 4, f"Page {self.page_no()} of {{nb}}", align="R")
            self.set_text_color(0, 0, 0)

    pdf = _PDF(orientation="landscape" if landscape else "portrait", unit="mm", format="A4")
    pdf.set_creation_date(made or FIXED_TIME)
    pdf.set_creator(f"chatwarden {__version__}")
    pdf.set_title(t(doc.title))
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_margins(16, 16, 16)
    pdf.alias_nb_pages()
    pdf.add_page()
    width = pdf.epw

    def para(text: str, size: float = 10, style: str = "", h: float = 5.0, indent: float = 0.0) -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(width - indent, h, t(text), align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    for b in doc.blocks:
        if isinstance(b, Heading):
            pdf.ln(2)
            para(b.text, {1: 14, 2: 12}.get(b.level, 11), "B", 6.5)
            pdf.ln(1)
        elif isinstance(b, Para):
            para(b.text, 8.5 if b.small else 10, "B" if b.bold else "", 4.4 if b.small else 5.0)
            pdf.ln(1.5)
        elif isinstance(b, Quote):
            para(b.text, 10, "", 5.0, indent=6)
            pdf.ln(1.5)
        elif isinstance(b, Bullets):
            for n, item in enumerate(b.items, 1):
                para((f"{n}. " if b.numbered else "\u2022 ") + item, indent=4)
            pdf.ln(1.5)
        elif isinstance(b, TableBlock):
            if b.caption:
                para(b.caption, 10, "B")
            _pdf_table(pdf, b, t)
            for n in b.notes:
                para(n, 8.5, "", 4.4)
            pdf.ln(2)
    return bytes(pdf.output())


def _pdf_table(pdf, b: TableBlock, t) -> None:
    from fpdf.fonts import FontFace

    ncols = len(b.header)
    size = 8.5 if ncols <= 6 else 7.5
    pdf.set_font("DejaVu", "", size)
    labels = [t(b.header[0])] + [t(r[0]) for r in b.rows if r]
    widest = max(pdf.get_string_width(x) for x in labels) + 2 * pdf.c_margin + 2
    first = min(max(18.0, widest), pdf.epw * 0.35) if ncols > 1 else pdf.epw
    rest = (pdf.epw - first) / max(ncols - 1, 1)
    widths = (first, *([rest] * (ncols - 1))) if ncols > 1 else (first,)
    with pdf.table(col_widths=widths, text_align=("LEFT", *(["RIGHT"] * (ncols - 1))), line_height=4.6,
                   headings_style=FontFace(emphasis="BOLD"), first_row_as_headings=True, width=pdf.epw) as table:
        row = table.row()
        for h in b.header:
            row.cell(t(h))
        for r in b.rows:
            row = table.row()
            for v in r:
                row.cell(t(v))


def table_blocks(header: Sequence[str], rows: Sequence[Sequence[str]], caption: str = "",
                 notes: Sequence[str] = ()) -> TableBlock:
    return TableBlock(tuple(header), tuple(tuple(r) for r in rows), caption, tuple(notes))
