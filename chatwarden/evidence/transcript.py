"""Readable transcripts of a chat with the policy findings marked: HTML and PDF.

Both forms show a header (chat, export file and its SHA-256 at capture, chain-of-custody
summary, findings summary) and then every entry of the chat in export order: messages with
time, sender and source line; system events inline; media as file name, SHA-256 and size;
messages that decisions point at highlighted with each decision's rule id, category,
severity and the guidance it cites.

The HTML is one self-contained file: inline CSS, no script, no external resource (a
Content-Security-Policy meta tag forbids them too), every piece of chat text escaped and
isolated with ``<bdi>`` so right-to-left marks cannot reorder the page around it.

The PDF embeds the DejaVu Sans fonts shipped in ``chatwarden/evidence/fonts`` (so it can be
made on any machine) and holds real, extractable text.  Characters the font lacks (most emoji)
become one placeholder glyph (□) each; invisible format characters the font lacks are dropped.
The transcript is a reading copy: the byte-exact record is the original export and
``messages.json`` beside it in the evidence package.

Times are the phone's local wall-clock times as written in the export, which records no zone.
"""

from __future__ import annotations

import html
import os
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from importlib import resources
from pathlib import Path

from chatwarden import __version__
from chatwarden.errors import ConfigError
from chatwarden.evidence.custody import CustodyEntry
from chatwarden.model import Attachment, Chat, Decision, Message

__all__ = ["PLACEHOLDER", "font_paths", "pdf_safe_text", "render_html", "render_pdf"]

PLACEHOLDER = "\u25a1"  # WHITE SQUARE: stands for a character the PDF font cannot draw
SYSTEM_FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
SEVERITY_ORDER = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4, "notice": 5}
PAGES_ALIAS = "{pages_total}"  # long enough to hold any page count
TIME_NOTE = "Times are the phone's local wall-clock times as written in the export; the export records no time zone."


# ======================================================================== shared
@dataclass(frozen=True, slots=True)
class _Header:
    rows: list[tuple[str, str]]
    custody: list[CustodyEntry]
    decisions: list[Decision]


def _header(chat: Chat, messages: Sequence[Message], decisions: Sequence[Decision],
            custody: Sequence[CustodyEntry], case_ref: str | None, generated_at: datetime | None) -> _Header:
    rows: list[tuple[str, str]] = []
    if case_ref:
        rows.append(("Case reference", case_ref))
    rows += [
        ("Chat", chat.name or "(no name in the export)"),
        ("Kind", "group" if chat.is_group else "one-to-one"),
        ("Export file", os.path.basename(chat.source) or chat.source),
        ("Export SHA-256 at capture", chat.sha256),
        ("Export size", f"{chat.size} bytes"),
    ]
    if chat.chat_member:
        rows.append(("Transcript member", chat.chat_member))
    rows += [
        ("Platform", chat.platform),
        ("Date order", f"{chat.date_order} (decided by {chat.date_order_reason})"),
        ("Entries", f"{len(messages)} ({sum(1 for m in messages if m.is_system)} system events)"),
        ("Media files in export", str(len(chat.media))),
        ("Participants", "; ".join(p.name + (f" ({p.phone})" if p.phone else "") for p in chat.participants) or "-"),
        ("Findings", str(len(decisions))),
    ]
    if generated_at is not None:
        rows.append(("Transcript made", _utc_text(generated_at) + f" by chatwarden {__version__}"))
    ordered = sorted(decisions, key=lambda d: (SEVERITY_ORDER.get(d.severity.lower(), 9),
                                               -1 if d.message_index is None else d.message_index, d.rule))
    return _Header(rows, list(custody), ordered)


def _utc_text(at: datetime) -> str:
    if at.tzinfo is None:
        return at.isoformat(timespec="seconds") + " (no zone)"
    return at.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _when(m: Message) -> str:
    return m.timestamp.strftime("%Y-%m-%d %H:%M:%S")


def _lines(m: Message) -> str:
    return f"line {m.line}" if m.end_line <= m.line else f"lines {m.line}-{m.end_line}"


def _by_message(decisions: Iterable[Decision]) -> dict[int, list[Decision]]:
    out: dict[int, list[Decision]] = {}
    for d in decisions:
        if d.message_index is not None:
            out.setdefault(d.message_index, []).append(d)
    return out


def _att_text(a: Attachment) -> str:
    label = a.name or f"({a.media_type})"
    if a.omitted:
        return f"{label}: {a.media_type}, omitted (export made without media)"
    if a.missing or a.sha256 is None:
        return f"{label}: {a.media_type}, not in the export"
    size = f", {a.size} bytes" if a.size is not None else ""
    return f"{label}: {a.media_type}{size}, SHA-256 {a.sha256}"


def _citation(d: Decision) -> str:
    parts = [p for p in (d.citation.document, d.citation.section) if p]
    text = ", ".join(parts)
    if d.citation.quote:
        text += f': "{d.citation.quote}"'
    return text


def _spans(text: str, decisions: Sequence[Decision]) -> list[tuple[int, int]]:
    """Merged, clipped character ranges of ``text`` that decisions point at."""
    raw = sorted(
        (max(0, d.span.start), min(len(text), d.span.end))
        for d in decisions
        if d.span is not None and d.span.end > d.span.start
    )
    merged: list[tuple[int, int]] = []
    for s, e in raw:
        if s >= e:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    return merged


# ======================================================================== HTML
CSS = """
body{font-family:"DejaVu Sans",Arial,Helvetica,sans-serif;font-size:14px;color:#111;margin:24px;max-width:960px}
h1{font-size:20px;margin:0 0 12px}h2{font-size:16px;margin:24px 0 8px;border-bottom:1px solid #999}
table{border-collapse:collapse;width:100%;margin-bottom:8px}
th,td{border:1px solid #bbb;padding:3px 6px;text-align:left;vertical-align:top}
th{background:#eee;white-space:nowrap}
.hash{font-family:"DejaVu Sans Mono",monospace;font-size:12px;word-break:break-all}
.note{color:#555;font-size:12px}
.entry{border-left:3px solid #ccc;margin:6px 0;padding:4px 8px}
.entry .meta{color:#555;font-size:12px}
.entry .sender{font-weight:bold;color:#111}
.text{white-space:pre-wrap;overflow-wrap:anywhere;margin-top:2px}
.system{border-left-color:#8aa;background:#f4f7f7;color:#345;font-size:13px}
.deleted .text{font-style:italic;color:#666}
.badge{display:inline-block;font-size:11px;border:1px solid #888;border-radius:3px;padding:0 4px;margin-left:4px}
.flagged{border-left:5px solid #c00;background:#fff4e5}
.finding{border:1px solid #c00;background:#fff;margin:6px 0 2px;padding:4px 6px;font-size:13px}
.finding .rule{font-weight:bold;color:#a00}
.sev-critical,.sev-high{color:#a00;font-weight:bold}.sev-medium{color:#a60}.sev-low{color:#555}
mark{background:#ffd54f}
.media{font-size:12px;color:#333;margin-top:2px}
@media print{.entry{break-inside:avoid}}
"""


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def _bdi(text: object) -> str:
    return f"<bdi>{_e(text)}</bdi>"


def _marked(text: str, spans: list[tuple[int, int]]) -> str:
    out, pos = [], 0
    for s, e in spans:
        out.append(_e(text[pos:s]))
        out.append(f"<mark>{_e(text[s:e])}</mark>")
        pos = e
    out.append(_e(text[pos:]))
    return "".join(out)


def _sev_class(sev: str) -> str:
    return "sev-" + "".join(c for c in sev.lower() if c.isalnum() or c == "-")


def _finding_html(d: Decision) -> str:
    return (
        '<div class="finding">'
        f'<span class="rule">{_e(d.rule)}</span> {_bdi(d.title)}<br>'
        f'Category: {_e(d.category)} &middot; Severity: <span class="{_sev_class(d.severity)}">{_e(d.severity)}</span>'
        f"<br>Guidance: {_bdi(_citation(d) or '-')}"
        + (f"<br>Action: {_bdi(d.action)}" if d.action else "")
        + (f'<br><span class="note">{_bdi(d.explanation)}</span>' if d.explanation else "")
        + "</div>"
    )


def render_html(
    chat: Chat,
    messages: Sequence[Message],
    decisions: Sequence[Decision] = (),
    *,
    title: str,
    custody: Sequence[CustodyEntry] = (),
    case_ref: str | None = None,
    generated_at: datetime | None = None,
) -> str:
    """The transcript as one self-contained HTML document (UTF-8 text)."""
    msgs = list(messages)
    head = _header(chat, msgs, decisions, custody, case_ref, generated_at)
    by_msg = _by_message(decisions)
    present = {m.index for m in msgs}
    p: list[str] = [
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; style-src \'unsafe-inline\'">\n',
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n',
        '<meta name="referrer" content="no-referrer">\n',
        f"<title>{_e(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        f"<h1>{_bdi(title)}</h1>\n<table class=\"summary\">\n",
    ]
    for label, value in head.rows:
        cls = ' class="hash"' if "SHA-256" in label else ""
        p.append(f"<tr><th>{_e(label)}</th><td{cls}>{_bdi(value)}</td></tr>\n")
    p.append(f'</table>\n<p class="note">{_e(TIME_NOTE)}</p>\n')

    p.append("<h2>Chain of custody</h2>\n")
    if head.custody:
        p.append("<table><tr><th>#</th><th>When (UTC)</th><th>Who</th><th>Action</th><th>Detail</th></tr>\n")
        for n, c in enumerate(head.custody, 1):
            p.append(f"<tr><td>{n}</td><td>{_e(_utc_text(c.at))}</td><td>{_bdi(c.actor)}</td>"
                     f"<td>{_bdi(c.action)}</td><td>{_bdi(c.detail)}</td></tr>\n")
        p.append("</table>\n")
    else:
        p.append('<p class="note">No custody entries were given for this transcript.</p>\n')

    p.append("<h2>Findings</h2>\n")
    if head.decisions:
        p.append("<table><tr><th>Rule</th><th>Title</th><th>Category</th><th>Severity</th><th>Where</th>"
                 "<th>Guidance</th></tr>\n")
        for d in head.decisions:
            if d.message_index is None:
                where = "whole chat"
            elif d.message_index in present:
                where = f'<a href="#m{d.message_index}">message #{d.message_index}</a>'
            else:
                where = f"message #{d.message_index} (not in this transcript)"
            p.append(f"<tr><td>{_e(d.rule)}</td><td>{_bdi(d.title)}</td><td>{_e(d.category)}</td>"
                     f'<td class="{_sev_class(d.severity)}">{_e(d.severity)}</td><td>{where}</td>'
                     f"<td>{_bdi(_citation(d))}</td></tr>\n")
        p.append("</table>\n")
    else:
        p.append('<p class="note">No findings.</p>\n')

    p.append("<h2>Transcript</h2>\n")
    for m in msgs:
        decs = by_msg.get(m.index, [])
        classes = ["entry"]
        if m.is_system:
            classes.append("system")
        if m.kind == "deleted":
            classes.append("deleted")
        if decs:
            classes.append("flagged")
        p.append(f'<div class="{" ".join(classes)}" id="m{m.index}">')
        who = "" if m.is_system else f'<span class="sender">{_bdi(m.sender or "")}</span> '
        badges = ""
        if m.is_system:
            badges += f'<span class="badge">{_e(m.kind.removeprefix("system:").replace("_", " "))}</span>'
        elif m.kind != "message":
            badges += f'<span class="badge">{_e(m.kind.replace("_", " "))}</span>'
        if m.edited:
            badges += '<span class="badge">edited</span>'
        p.append(f'<div class="meta">{who}{_e(_when(m))} &middot; #{m.index} &middot; {_e(_lines(m))}{badges}</div>')
        p.append(f'<div class="text" dir="auto">{_marked(m.text, _spans(m.text, decs))}</div>')
        for a in m.attachments:
            p.append(f'<div class="media">Media: <span class="hash">{_bdi(_att_text(a))}</span></div>')
        for d in decs:
            p.append(_finding_html(d))
        p.append("</div>\n")
    p.append(f'<p class="note">Made by chatwarden {_e(__version__)}. {len(msgs)} entries.</p>\n</body>\n</html>\n')
    return "".join(p)


# ======================================================================== PDF
def font_paths() -> tuple[Path, Path]:
    """(regular, bold) DejaVu Sans files: the ones shipped in the package, or Debian's as a
    fallback when the package was installed without them."""
    here = resources.files("chatwarden.evidence").joinpath("fonts")
    shipped = (Path(str(here.joinpath("DejaVuSans.ttf"))), Path(str(here.joinpath("DejaVuSans-Bold.ttf"))))
    if all(p.is_file() for p in shipped):
        return shipped
    system = (SYSTEM_FONT_DIR / "DejaVuSans.ttf", SYSTEM_FONT_DIR / "DejaVuSans-Bold.ttf")
    if all(p.is_file() for p in system):
        return system
    raise ConfigError("the DejaVu Sans fonts for PDF transcripts are missing from chatwarden/evidence/fonts")


@lru_cache(maxsize=4)
def _cmap(path: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    with TTFont(path, lazy=True) as font:
        return frozenset(font.getBestCmap())


_JOINERS = frozenset({0x200D, 0xFE0E, 0xFE0F, 0x20E3}) | frozenset(range(0x1F3FB, 0x1F400)) | frozenset(
    range(0xE0020, 0xE0080)
)


def pdf_safe_text(text: str, cmap: frozenset[int] | None = None) -> str:
    """``text`` with every character the PDF font cannot draw replaced: one placeholder per
    emoji (a ZWJ sequence, a flag, a keycap or a skin-tone variant counts as one), format
    characters dropped, tabs as spaces, line ends as ``\\n``."""
    cm = cmap if cmap is not None else _cmap(str(font_paths()[0]))
    placeholder = PLACEHOLDER if ord(PLACEHOLDER) in cm else "?"
    out: list[str] = []
    prev_placeholder = False  # the last thing written stands for an unsupported character
    prev_raw = 0
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    for ch in text:
        cp = ord(ch)
        if ch == "\n":
            out.append(ch)
            prev_placeholder, prev_raw = False, cp
            continue
        cat = unicodedata.category(ch)
        joined = prev_placeholder and (
            cp in _JOINERS or prev_raw == 0x200D or (0x1F1E6 <= cp <= 0x1F1FF and 0x1F1E6 <= prev_raw <= 0x1F1FF)
        )
        if joined:
            prev_raw = cp if not (0x1F1E6 <= cp <= 0x1F1FF and 0x1F1E6 <= prev_raw <= 0x1F1FF) else 0
            continue
        if cat == "Cc":
            out.append(placeholder)
            prev_placeholder, prev_raw = True, cp
        elif cp in _JOINERS:
            prev_raw = cp  # emoji-sequence glue (ZWJ, variation selectors, keycap, skin tones): dropped
        elif cp in cm and cat not in ("Cf", "Co", "Cs", "Cn"):
            out.append(ch)
            prev_placeholder, prev_raw = False, cp
        elif cat == "Cf":
            prev_raw = cp  # invisible format character the font lacks: dropped
        else:
            out.append(placeholder)
            prev_placeholder, prev_raw = True, cp
    return "".join(out)


def _wrap(text: str, limit: float, width: Callable[[str], float]) -> list[str]:
    """Greedy line breaking at spaces; a word longer than a line is cut between characters.
    Runs of spaces are kept.  Every input line gives at least one output line."""
    out: list[str] = []
    space = width(" ")
    for para in text.split("\n"):
        line, used = "", 0.0
        for n, word in enumerate(para.split(" ")):
            gap = space if n else 0.0
            w = width(word) if word else 0.0
            if used + gap + w <= limit:
                line, used = (line + " " + word if n else word), used + gap + w
                continue
            if n:
                out.append(line)
                line, used = "", 0.0
            if w <= limit:
                line, used = word, w
                continue
            for ch in word:  # a very long word (a URL, a run of emoji placeholders)
                cw = width(ch)
                if used + cw > limit and line:
                    out.append(line)
                    line, used = "", 0.0
                line, used = line + ch, used + cw
        out.append(line)
    return out


def render_pdf(
    chat: Chat,
    messages: Sequence[Message],
    decisions: Sequence[Decision] = (),
    *,
    title: str,
    custody: Sequence[CustodyEntry] = (),
    case_ref: str | None = None,
    generated_at: datetime | None = None,
) -> bytes:
    """The transcript as a PDF (A4, DejaVu Sans embedded, extractable text).  The same inputs
    with the same ``generated_at`` give the same bytes."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    regular, bold = font_paths()
    cm = _cmap(str(regular))
    msgs = list(messages)
    head = _header(chat, msgs, decisions, custody, case_ref, generated_at)
    by_msg = _by_message(decisions)
    made = generated_at if generated_at is not None else datetime.now(UTC)
    if made.tzinfo is None:
        made = made.replace(tzinfo=UTC)

    def t(s: object) -> str:
        return pdf_safe_text(str(s), cm)

    footer_text = t(f"{title} | export SHA-256 {chat.sha256}")

    class _PDF(FPDF):
        def footer(self) -> None:  # fpdf calls this at the end of every page
            self.set_y(-12)
            self.set_font("DejaVu", "", 7)
            self.set_text_color(90, 90, 90)
            self.cell(0, 4, footer_text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")
            self.cell(0, 4, f"Page {self.page_no()} of {PAGES_ALIAS}", align="R")
            self.set_text_color(0, 0, 0)

    pdf = _PDF(orientation="portrait", unit="mm", format="A4")
    pdf.set_creation_date(made)
    pdf.set_title(t(title))
    pdf.set_creator(f"chatwarden {__version__}")
    pdf.set_subject(t(f"Chat transcript; export SHA-256 {chat.sha256}"))
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_auto_page_break(True, margin=16)
    pdf.set_margins(14, 14, 14)
    pdf.alias_nb_pages(PAGES_ALIAS)
    pdf.add_page()
    width = pdf.epw

    widths: dict[tuple[str, float, str], float] = {}

    def measure(piece: str, key: tuple[str, float]) -> float:
        w = widths.get((*key, piece))
        if w is None:
            w = widths[(*key, piece)] = pdf.get_string_width(piece)
        return w

    def para(text: str, size: float = 9, style: str = "", h: float = 4.6, fill: bool = False) -> None:
        # Lines are broken here, one word width at a time (cached), and written with cell():
        # fpdf2's own multi_cell re-measures the growing line for every character, which
        # takes minutes on a 40,000-message chat.
        pdf.set_font("DejaVu", style, size)
        for line in _wrap(t(text), width - 2 * pdf.c_margin, lambda piece: measure(piece, (style, size))):
            pdf.cell(width, h, line, fill=fill, new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def heading(text: str) -> None:
        pdf.ln(2)
        para(text, 12, "B", 6)
        pdf.set_draw_color(150, 150, 150)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
        pdf.ln(1.5)

    para(title, 15, "B", 7.5)
    pdf.ln(1)
    label_w = 48
    for label, value in head.rows:
        pdf.set_font("DejaVu", "B", 8.5)
        y = pdf.get_y()
        pdf.multi_cell(label_w, 4.4, t(label), new_x=XPos.RIGHT, new_y=YPos.TOP)
        pdf.set_font("DejaVu", "", 8.5)
        pdf.multi_cell(width - label_w, 4.4, t(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_y(max(pdf.get_y(), y + 4.4))
    para(TIME_NOTE, 8, "", 4)

    heading("Chain of custody")
    if head.custody:
        for n, c in enumerate(head.custody, 1):
            para(f"{n}. {_utc_text(c.at)} | {c.actor} | {c.action}", 8.5, "B", 4.4)
            if c.detail:
                para(f"    {c.detail}", 8.5, "", 4.4)
    else:
        para("No custody entries were given for this transcript.", 8.5)

    heading("Findings")
    if head.decisions:
        for d in head.decisions:
            where = "whole chat" if d.message_index is None else f"message #{d.message_index}"
            para(f"{d.rule} | {d.category} | {d.severity} | {where}", 8.5, "B", 4.4)
            para(f"    {d.title}. Guidance: {_citation(d) or '-'}", 8.5, "", 4.4)
    else:
        para("No findings.", 8.5)

    heading("Transcript")
    for m in msgs:
        decs = by_msg.get(m.index, [])
        flagged = bool(decs)
        if pdf.get_y() + 14 > pdf.page_break_trigger:  # keep an entry's heading with its text
            pdf.add_page()
        if flagged:
            pdf.set_fill_color(255, 238, 210)
        if m.is_system:
            pdf.set_text_color(50, 80, 90)
            kind = m.kind.removeprefix("system:").replace("_", " ")
            para(f"{_when(m)} · #{m.index} · {_lines(m)} · system: {kind}", 7.5, "", 3.8, flagged)
            para(m.text, 8.5, "", 4.2, flagged)
            pdf.set_text_color(0, 0, 0)
        else:
            extra = "" if m.kind == "message" else f" · {m.kind.replace('_', ' ')}"
            extra += " · edited" if m.edited else ""
            para(f"{m.sender or ''}  ·  {_when(m)} · #{m.index} · {_lines(m)}{extra}", 8, "B", 4.2, flagged)
            para(m.text, 9.5, "", 4.8, flagged)
        for a in m.attachments:
            para(f"Media: {_att_text(a)}", 7.5, "", 3.8, flagged)
        for d in decs:
            pdf.set_text_color(160, 0, 0)
            para(f"FINDING {d.rule}: {d.title}", 8.5, "B", 4.4, True)
            pdf.set_text_color(0, 0, 0)
            para(f"Category: {d.category} · Severity: {d.severity} · Guidance: {_citation(d) or '-'}", 8, "", 4.2, True)
            if d.action:
                para(f"Action: {d.action}", 8, "", 4.2, True)
        pdf.ln(1.6)
    return bytes(pdf.output())
