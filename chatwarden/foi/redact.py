"""Redacting documents for release under FOI, in two steps: propose, then release after a
reviewer has accepted or overridden each proposal.

What is proposed (the reasoning of 000):

* e-mail addresses and telephone numbers (with extensions): s31(1)(a), contact details whose
  publication would help people intent on disrupting the force's work; an e-mail address
  outside police and government domains is a private person's: s40(2);
* names of staff below the configured seniority (default: Band A and below, constables to
  inspectors), from a staff directory CSV (name, grade) and from rank titles written in the
  text ("PS 123AB Jones"): s40(2); more senior names ("AC Barbara Gray") stay;
* personal data of members of the public: names after a title (Mr, Mrs, Ms, Dr ...), street
  addresses, postcodes and dates of birth: s40(2).

Documents are read as lines of text (TXT, Markdown, DOCX, PDF with a text layer); the
release is written *from the redacted text* (text/Markdown, DOCX, PDF), so nothing of a
redacted string survives underneath a box, in metadata, comments, tracked changes or
fonts.  :func:`release` extracts the text of every file it wrote and fails if a redacted
string can still be found in it.

Nothing here logs or raises with document text, names or identifiers.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from chatwarden.errors import InputError, IntegrityError, WorkflowError
from chatwarden.foi.ranks import Grade, Seniority, officer_level, parse_grade
from chatwarden.foi.render import Bullets, Doc, Heading, Para, render_docx, render_pdf

S31_1A = "s31(1)(a)"
S40_2 = "s40(2)"
EXEMPTIONS = (S31_1A, S40_2, "s31(1)(g)", "s30", "s38", "s21", "s23", "s24")
DOC_KINDS = {".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md", ".docx": "docx", ".pdf": "pdf"}
OUTPUT_FORMATS = ("pdf", "docx", "txt", "md")
PROPOSED, ACCEPTED, OVERRIDDEN = "proposed", "accepted", "overridden"
MAX_BYTES = 50 * 1024 * 1024


def marker(exemption: str) -> str:
    return f"[REDACTED {exemption}]"


# ---------------------------------------------------------------------------- documents
@dataclass(frozen=True)
class Unit:
    """One line (text, PDF) or paragraph (DOCX) of the source."""

    index: int
    page: int | None
    line: int
    text: str
    style: str = "p"  # p | h1 | h2 | h3 | li | row | blank

    def where(self, kind: str) -> str:
        if kind == "pdf":
            return f"page {self.page}, line {self.line}"
        if kind == "docx":
            return f"paragraph {self.line}"
        return f"line {self.line}"


@dataclass(frozen=True)
class SourceDoc:
    name: str
    kind: str
    sha256: str
    units: tuple[Unit, ...]
    pages: int | None = None


def load_document(path: str | Path, *, name: str | None = None) -> SourceDoc:
    """Read a document to redact.  Encrypted PDFs, PDFs without a text layer, files that are
    not what their extension says and unknown types are clear :class:`InputError`\\ s."""
    p = Path(path)
    src = name or p.name
    kind = DOC_KINDS.get(p.suffix.lower()) if name is None else DOC_KINDS.get(Path(name).suffix.lower())
    if kind is None:
        raise InputError("unsupported document type (use .txt, .md, .docx or .pdf)", source=src)
    try:
        size = p.stat().st_size
        if size > MAX_BYTES:
            raise InputError(f"the document is larger than {MAX_BYTES // (1024 * 1024)} MiB", source=src)
        data = p.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the document ({exc.strerror})", source=src) from None
    if not data.strip():
        raise InputError("the document is empty", source=src)
    digest = hashlib.sha256(data).hexdigest()
    if kind in ("txt", "md"):
        units = _text_units(data, src, kind)
        return SourceDoc(src, kind, digest, units)
    if kind == "docx":
        return SourceDoc(src, kind, digest, _docx_units(data, src))
    units, pages = _pdf_units(data, src)
    return SourceDoc(src, kind, digest, units, pages)


def _text_units(data: bytes, src: str, kind: str) -> tuple[Unit, ...]:
    if b"\x00" in data[:8192]:
        raise InputError("this looks like a binary file, not text", source=src)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text", source=src, offset=exc.start) from None
    out = []
    for n, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), 1):
        style = "blank" if not line.strip() else "p"
        if kind == "md":
            m = re.match(r"^(#{1,6})\s", line)
            if m:
                style = f"h{min(len(m.group(1)), 3)}"
            elif re.match(r"^\s*(?:[-*+]|\d+[.)])\s", line):
                style = "li"
        out.append(Unit(n - 1, None, n, line, style))
    while out and out[-1].style == "blank":
        out.pop()
    return tuple(out)


def _docx_units(data: bytes, src: str) -> tuple[Unit, ...]:
    try:
        import docx
        from docx.table import Table as DocxTable
        from docx.text.paragraph import Paragraph
    except ImportError:  # pragma: no cover - a dependency
        raise InputError("python-docx is not installed", source=src) from None
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InputError("not a DOCX file (not a zip archive; an old .doc must be saved as .docx)", source=src)
    try:
        d = docx.Document(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - python-docx raises many kinds
        raise InputError(f"cannot read the DOCX file ({type(exc).__name__})", source=src) from None
    texts: list[tuple[str, str]] = []

    def style_of(par: Any) -> str:
        name = (par.style.name if par.style is not None else "") or ""
        if name == "Title":
            return "h1"
        m = re.match(r"Heading (\d)", name)
        if m:
            return f"h{min(int(m.group(1)), 3)}"
        if name.startswith("List"):
            return "li"
        return "p" if par.text.strip() else "blank"

    seen_hf: set[str] = set()

    def header_footer(which: str) -> list[tuple[str, str]]:
        out = []
        for section in d.sections:
            part = getattr(section, which)
            if part is None or part.is_linked_to_previous and out:
                continue
            for par in part.paragraphs:
                if par.text.strip() and par.text not in seen_hf:
                    seen_hf.add(par.text)
                    out.append((par.text, "p"))
        return out

    texts += header_footer("header")
    body = d.element.body
    for child in body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            par = Paragraph(child, d)
            texts.append((par.text, style_of(par)))
        elif tag == "tbl":
            table = DocxTable(child, d)
            for row in table.rows:
                cells = []
                for cell in row.cells:
                    t = " ".join(p.text for p in cell.paragraphs).strip()
                    if not cells or cells[-1] != t:  # merged cells repeat
                        cells.append(t)
                texts.append((" | ".join(cells), "row"))
    texts += header_footer("footer")
    units = []
    for n, (text, style) in enumerate(texts, 1):
        for k, piece in enumerate(text.split("\n")):
            units.append(Unit(len(units), None, n, piece, style if k == 0 or style != "h1" else "p"))
    if not any(u.text.strip() for u in units):
        raise InputError("the DOCX file holds no text", source=src)
    return tuple(units)


def _pdf_units(data: bytes, src: str) -> tuple[tuple[Unit, ...], int]:
    try:
        from pypdf import PdfReader
        from pypdf.errors import PdfReadError
    except ImportError:  # pragma: no cover - a dependency
        raise InputError("pypdf is not installed", source=src) from None
    if not data.lstrip()[:5] == b"%PDF-":
        raise InputError("not a PDF file (no %PDF header)", source=src)
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise InputError("the PDF is encrypted (password-protected): chatwarden cannot read or redact it; "
                             "ask its owner for an unprotected copy", source=src)
        units: list[Unit] = []
        for pno, page in enumerate(reader.pages, 1):
            text = page.extract_text() or ""
            for lno, line in enumerate(text.replace("\r\n", "\n").split("\n"), 1):
                units.append(Unit(len(units), pno, lno, line, "p" if line.strip() else "blank"))
        pages = len(reader.pages)
    except InputError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, IndexError) as exc:
        raise InputError(f"cannot read the PDF ({type(exc).__name__})", source=src) from None
    if not any(u.text.strip() for u in units):
        raise InputError("the PDF has no text layer (a scan?): it must be run through OCR before it can be "
                         "redacted", source=src)
    return tuple(units), pages


# ---------------------------------------------------------------------------- staff directory
@dataclass(frozen=True)
class Person:
    name: str
    grade: Grade

    @property
    def parts(self) -> list[str]:
        return [p for p in re.split(r"\s+", self.name.strip()) if p]


NAME_COLUMNS = ("name", "full_name", "full name", "person")
GRADE_COLUMNS = ("grade", "rank", "band", "rank_or_band", "rank or band", "role")


def load_directory(path: str | Path) -> list[Person]:
    """A staff directory CSV: a header row with a name column (name / full_name) and a grade
    column (grade / rank / band); other columns are ignored.  Errors name the row and
    column, never a value."""
    src = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the staff directory ({exc.strerror})", source=src) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("the staff directory is not UTF-8 text", source=src, offset=exc.start) from None
    if not text.strip():
        raise InputError("the staff directory is empty", source=src)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except csv.Error as exc:
        raise InputError(f"malformed CSV header ({exc})", source=src, line=1) from None
    name_col = next((header.index(c) for c in NAME_COLUMNS if c in header), None)
    grade_col = next((header.index(c) for c in GRADE_COLUMNS if c in header), None)
    if name_col is None or grade_col is None:
        raise InputError("the staff directory needs a 'name' and a 'grade' (or 'rank'/'band') column", source=src,
                         line=1)
    out = []
    row_no = 1
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise InputError(f"malformed CSV in row {row_no + 1} ({exc}; check the quotes)", source=src,
                             line=start) from None
        row_no += 1
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise InputError(f"row {row_no} has {len(row)} fields; the header has {len(header)}", source=src,
                             line=start)
        name = " ".join(row[name_col].split())
        if len(name.split()) < 2:
            raise InputError(f"row {row_no}, column {header[name_col]!r} (column {name_col + 1}): a full name "
                             "(first name and surname) is needed", source=src, line=start)
        out.append(Person(name, parse_grade(row[grade_col])))
    return out


# ---------------------------------------------------------------------------- detection
@dataclass
class Redaction:
    """One proposed (then accepted or overridden) redaction.  ``text`` is the original:
    it stays in the job, for the reviewer; logs carry only its fingerprint."""

    id: str
    unit: int
    start: int
    end: int
    exemption: str
    reason: str
    detector: str
    text: str
    page: int | None = None
    line: int | None = None
    where: str = ""
    status: str = PROPOSED
    note: str = ""
    reviewer: str = ""

    @property
    def fingerprint(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:12]


_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_OFFICIAL_DOMAIN = re.compile(r"(?:\.|@)(?:police\.uk|pnn\.police\.uk|gov\.uk|nhs\.uk|nhs\.net|mopac\.london\.gov\.uk)$",
                              re.IGNORECASE)
_EXTENSION = re.compile(r"\b(?:ext(?:ension)?\.?|x)\s*:?\s*\d{3,6}\b|\b(?:MetPhone|Metphone|METPHONE)\s*:?\s*\d{4,7}\b",
                        re.IGNORECASE)
_POSTCODE = re.compile(r"\b(?:GIR ?0AA|[A-PR-UWYZ][A-HK-Y]?[0-9][0-9A-HJKPSTUW]? ?[0-9][ABD-HJLNP-UW-Z]{2})\b")
_STREET = re.compile(r"\b\d{1,4}[A-Za-z]?,?\s+(?:[A-Z][a-z'’]+\s+){1,3}(?:Road|Street|Avenue|Lane|Close|Drive|Way|"
                     r"Gardens|Court|Place|Crescent|Grove|Terrace|Hill|Square|Mews|Rise|Walk|Row|Park|Green|Parade|"
                     r"Vale|View|Wharf|Yard|Estate|Rd|St|Ave)\b\.?")
_DOB = re.compile(r"\b(?:DOB|D\.O\.B\.?|date of birth|born)\s*:?\s*(\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}|\d{1,2}\s+[A-Z][a-z]+"
                  r"\s+\d{4})", re.IGNORECASE)
_NAME_WORD = r"[A-Z][A-Za-z'’-]+"
_TITLE_NAME = re.compile(r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Sir|Dame|Lady|Lord)\.?\s+(?P<name>(?:[A-Z]\.?\s+)?" + _NAME_WORD
                         + r"(?:\s+" + _NAME_WORD + r"){0,2})")
_RANKS = sorted(["PC", "DC", "TDC", "WPC", "PS", "DS", "Sgt", "Sergeant", "Constable", "Insp", "Inspector", "DI",
                 "DCI", "CI", "Ch Insp", "Chief Inspector", "Supt", "Superintendent", "DSupt", "Det Supt",
                 "Ch Supt", "Chief Superintendent", "CSupt", "DCS", "Cdr", "Commander", "DAC", "AC",
                 "Deputy Assistant Commissioner", "Assistant Commissioner", "Deputy Commissioner",
                 "Commissioner", "PCSO", "A/PS", "A/Insp", "T/DI", "T/DS", "A/Sgt", "T/Insp", "A/DS", "A/DI"],
                key=len, reverse=True)
_RANK_NAME = re.compile(r"(?<![\w/])(?P<rank>" + "|".join(re.escape(r) for r in _RANKS) + r")\.?\s+(?P<num>\d{1,6}"
                        r"[A-Z]{0,3}\s+)?(?P<name>" + _NAME_WORD + r"(?:\s+" + _NAME_WORD + r"){0,2})")
_NOT_NAMES = frozenset({"the", "and", "team", "teams", "unit", "units", "office", "officer", "officers", "role",
                        "roles", "rank", "ranks", "and/or", "or", "of", "on", "in", "for", "to", "with", "guidance",
                        "policy", "service", "services", "group", "groups", "department", "staff", "all", "any",
                        "police", "met", "mps", "whatsapp", "please", "who", "will", "must", "should", "may"})


@dataclass(frozen=True)
class _Hit:
    start: int
    end: int
    exemption: str
    reason: str
    detector: str


_UK_PHONE = re.compile(r"(?<![\d+])(?:\+44\s?\(0\)\s?|\+44\s?|0)[1-9](?:[\s-]?\d){8,9}(?!\d)")


def _phones(text: str, region: str) -> list[_Hit]:
    """Numbers phonenumbers accepts as valid, and anything written like a UK number
    (reserved drama ranges and new allocations included: better proposed than missed)."""
    import phonenumbers

    out = []
    for m in phonenumbers.PhoneNumberMatcher(text, region):
        out.append(_Hit(m.start, m.end, S31_1A, "telephone number (contact details)", "phone"))
    for m in _UK_PHONE.finditer(text):
        out.append(_Hit(m.start(), m.end(), S31_1A, "telephone number (contact details)", "phone"))
    return out


def _name_patterns(person: Person) -> list[re.Pattern[str]]:
    """How a directory name is written: in full, first and last name, initial and surname,
    "Surname, First", with middle initials; any case (surnames are often in capitals)."""
    parts = person.parts
    first, last = re.escape(parts[0]), re.escape(parts[-1])
    sp = r"\s+"
    alts = [sp.join(re.escape(p) for p in parts), f"{first}{sp}{last}", f"{re.escape(parts[0][0])}\\.?{sp}{last}",
            f"{last},\\s*{first}"]
    if len(parts) > 2:
        alts.append(first + sp + sp.join(re.escape(m[0]) + r"\.?" for m in parts[1:-1]) + sp + last)
    return [re.compile(r"(?<![\w'’-])(?:" + "|".join(dict.fromkeys(alts)) + r")(?![\w'’-])", re.IGNORECASE)]


class Detector:
    """Proposes redactions for one document.  ``directory``: the staff directory;
    ``seniority``: who is named; ``region``: phone-number region."""

    def __init__(self, directory: Sequence[Person] = (), seniority: Seniority = Seniority(), region: str = "GB") -> None:
        self.seniority = seniority
        self.region = region
        self.junior: list[tuple[Person, list[re.Pattern[str]]]] = []
        self.senior: list[tuple[Person, list[re.Pattern[str]]]] = []
        self.surnames: dict[str, Person] = {}
        for p in directory:
            pats = _name_patterns(p)
            (self.junior if seniority.redact(p.grade) else self.senior).append((p, pats))
            self.surnames.setdefault(p.parts[-1].lower(), p)

    def _reason_staff(self, grade: Grade) -> str:
        if grade.kind == "officer":
            return "name of a police officer below the seniority named in releases"
        if grade.kind == "staff":
            return "name of a member of police staff at Band A or below"
        return "name of a member of staff whose grade is not known"

    def detect(self, text: str) -> list[_Hit]:
        hits: list[_Hit] = []
        keep: list[tuple[int, int]] = []  # senior names: never redacted as someone else's
        for _p, pats in self.senior:
            for pat in pats:
                keep += [(m.start(), m.end()) for m in pat.finditer(text)]

        def kept(s: int, e: int) -> bool:
            return any(s < ke and ks < e for ks, ke in keep)

        for m in _EMAIL.finditer(text):
            official = bool(_OFFICIAL_DOMAIN.search(m.group(0)))
            hits.append(_Hit(m.start(), m.end(), S31_1A if official else S40_2,
                             "e-mail address (contact details)" if official else "private e-mail address",
                             "email"))
        hits += _phones(text, self.region)
        for m in _EXTENSION.finditer(text):
            hits.append(_Hit(m.start(), m.end(), S31_1A, "telephone extension (contact details)", "phone"))
        for p, pats in self.junior:
            for pat in pats:
                for m in pat.finditer(text):
                    if not kept(m.start(), m.end()):
                        hits.append(_Hit(m.start(), m.end(), S40_2, self._reason_staff(p.grade), "staff-directory"))
        for m in _RANK_NAME.finditer(text):
            name_s = m.start("name")
            words = list(re.finditer(r"\S+", m.group("name")))
            kept_words = []
            for w in words:  # stop at the first word that is not a name ("PC Jones Will attend")
                if w.group(0).lower().strip("'’") in _NOT_NAMES:
                    break
                kept_words.append(w)
            if not kept_words:
                continue
            name_e = name_s + kept_words[-1].end()
            surname = kept_words[-1].group(0)
            if kept(name_s, name_e):
                continue
            level = officer_level(m.group("rank"))
            person = self.surnames.get(surname.lower())
            grade = person.grade if person else Grade("officer", level, m.group("rank"))
            if not self.seniority.redact(grade):
                continue
            start = m.start("num") if m.group("num") else name_s
            hits.append(_Hit(start, name_e, S40_2, self._reason_staff(grade), "rank-and-name"))
        for m in _TITLE_NAME.finditer(text):
            s, e = m.start("name"), m.end("name")
            words = m.group("name").split()
            if words[0].lower() in _NOT_NAMES or kept(s, e):
                continue
            person = self.surnames.get(words[-1].lower())
            if person is not None and not self.seniority.redact(person.grade):
                continue
            hits.append(_Hit(s, e, S40_2, "name of a private individual" if person is None
                             else self._reason_staff(person.grade), "title-and-name"))
        for m in _STREET.finditer(text):
            hits.append(_Hit(m.start(), m.end(), S40_2, "street address", "address"))
        for m in _POSTCODE.finditer(text):
            hits.append(_Hit(m.start(), m.end(), S40_2, "postcode (address)", "address"))
        for m in _DOB.finditer(text):
            hits.append(_Hit(m.start(1), m.end(1), S40_2, "date of birth", "date-of-birth"))
        return _merge(hits)


def _merge(hits: list[_Hit]) -> list[_Hit]:
    """Overlapping hits become one redaction; the longest hit gives the exemption."""
    hits = sorted(hits, key=lambda h: (h.start, -(h.end - h.start)))
    out: list[_Hit] = []
    for h in hits:
        if out and h.start < out[-1].end:
            prev = out[-1]
            longer = prev if (prev.end - prev.start) >= (h.end - h.start) else h
            out[-1] = _Hit(prev.start, max(prev.end, h.end), longer.exemption, longer.reason, longer.detector)
        else:
            out.append(h)
    return out


# ---------------------------------------------------------------------------- the job
@dataclass
class RedactionJob:
    """A document, its proposed redactions and the reviewer's decisions."""

    job_id: str
    source: SourceDoc
    redactions: list[Redaction]
    created_by: str = ""
    created_at: str = ""
    released_at: str = ""
    options: dict[str, Any] = field(default_factory=dict)

    # ---- review
    def get(self, rid: str) -> Redaction:
        for r in self.redactions:
            if r.id == rid:
                return r
        raise InputError(f"no redaction {rid!r} in this job")

    def decide(self, rid: str, decision: str, *, reviewer: str = "", exemption: str | None = None,
               note: str = "") -> Redaction:
        """``decision``: accept (redact) or override (release the text)."""
        r = self.get(rid)
        status = {"accept": ACCEPTED, "accepted": ACCEPTED, "override": OVERRIDDEN, "overridden": OVERRIDDEN,
                  "proposed": PROPOSED}.get(decision.strip().lower())
        if status is None:
            raise InputError(f"redaction {rid}: decision must be accept or override")
        if status == OVERRIDDEN and not note.strip() and r.detector != "manual":
            note = note or "released on review"
        if exemption:
            r.exemption = _check_exemption(exemption)
        r.status, r.note, r.reviewer = status, note, reviewer
        return r

    def add(self, unit: int, start: int, end: int, exemption: str, reason: str, *, reviewer: str = "") -> Redaction:
        """A redaction the detectors missed, by position in a unit."""
        if not 0 <= unit < len(self.source.units):
            raise InputError(f"no line or paragraph {unit} in the document")
        u = self.source.units[unit]
        if not 0 <= start < end <= len(u.text):
            raise InputError("the redaction lies outside the line")
        for r in self.redactions:
            if r.unit == unit and start < r.end and r.start < end:
                raise InputError(f"the redaction overlaps redaction {r.id}")
        rid = f"M{sum(1 for r in self.redactions if r.id.startswith('M')) + 1:03d}"
        red = Redaction(rid, unit, start, end, _check_exemption(exemption), reason or "added by the reviewer",
                        "manual", u.text[start:end], u.page, u.line, u.where(self.source.kind), ACCEPTED,
                        reviewer=reviewer)
        self.redactions.append(red)
        self.redactions.sort(key=lambda r: (r.unit, r.start))
        return red

    def add_text(self, text: str, exemption: str, reason: str, *, reviewer: str = "") -> list[Redaction]:
        """Redact every occurrence of ``text`` (case-insensitive, whole words) not already
        covered."""
        if not text.strip():
            raise InputError("the text to redact is empty")
        pat = re.compile(r"(?<!\w)" + r"\s+".join(re.escape(w) for w in text.split()) + r"(?!\w)", re.IGNORECASE)
        added = []
        for u in self.source.units:
            for m in pat.finditer(u.text):
                if any(r.unit == u.index and m.start() < r.end and r.start < m.end() for r in self.redactions):
                    continue
                added.append(self.add(u.index, m.start(), m.end(), exemption, reason, reviewer=reviewer))
        return added

    def undecided(self) -> list[Redaction]:
        return [r for r in self.redactions if r.status == PROPOSED]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {PROPOSED: 0, ACCEPTED: 0, OVERRIDDEN: 0}
        for r in self.redactions:
            out[r.status] += 1
        return out

    # ---- output
    def redacted_units(self) -> list[Unit]:
        """The document's lines with every accepted redaction replaced by its marker."""
        by_unit: dict[int, list[Redaction]] = {}
        for r in self.redactions:
            if r.status == ACCEPTED:
                by_unit.setdefault(r.unit, []).append(r)
        out = []
        for u in self.source.units:
            text = u.text
            for r in sorted(by_unit.get(u.index, ()), key=lambda r: r.start, reverse=True):
                text = text[:r.start] + marker(r.exemption) + text[r.end:]
            out.append(replace(u, text=text))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"job_id": self.job_id, "created_by": self.created_by, "created_at": self.created_at,
                "released_at": self.released_at, "options": self.options,
                "source": {"name": self.source.name, "kind": self.source.kind, "sha256": self.source.sha256,
                           "pages": self.source.pages, "units": [asdict(u) for u in self.source.units]},
                "redactions": [asdict(r) for r in self.redactions]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> RedactionJob:
        s = d["source"]
        src = SourceDoc(s["name"], s["kind"], s["sha256"], tuple(Unit(**u) for u in s["units"]), s.get("pages"))
        return cls(d["job_id"], src, [Redaction(**r) for r in d["redactions"]], d.get("created_by", ""),
                   d.get("created_at", ""), d.get("released_at", ""), d.get("options", {}))


def _check_exemption(exemption: str) -> str:
    e = exemption.strip().replace(" ", "")
    if not re.fullmatch(r"s\d{1,2}(?:\(\d+[A-Za-z]?\))*(?:\([a-z]\))?", e):
        raise InputError("an exemption is written like s40(2) or s31(1)(a)")
    return e


def propose(source: SourceDoc, detector: Detector, *, job_id: str = "", created_by: str = "") -> RedactionJob:
    """Run the detectors over every line; number the proposals R001, R002 ... in document
    order (the same document and directory give the same ids)."""
    reds: list[Redaction] = []
    for u in source.units:
        if not u.text.strip():
            continue
        for h in detector.detect(u.text):
            reds.append(Redaction(f"R{len(reds) + 1:03d}", u.index, h.start, h.end, h.exemption, h.reason,
                                  h.detector, u.text[h.start:h.end], u.page, u.line, u.where(source.kind)))
    return RedactionJob(job_id or source.sha256[:16], source, reds, created_by,
                        datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))


# ---------------------------------------------------------------------------- logs
LOG_FIELDS = ("id", "where", "page", "line", "start", "end", "exemption", "reason", "detector", "status", "note",
              "reviewer", "length", "fingerprint")


def log_rows(job: RedactionJob, *, with_text: bool = False) -> list[dict[str, Any]]:
    rows = []
    for r in job.redactions:
        row = {"id": r.id, "where": r.where, "page": r.page, "line": r.line, "start": r.start, "end": r.end,
               "exemption": r.exemption, "reason": r.reason, "detector": r.detector, "status": r.status,
               "note": r.note, "reviewer": r.reviewer, "length": len(r.text), "fingerprint": r.fingerprint}
        if with_text:
            row["text"] = r.text
        rows.append(row)
    return rows


def log_csv(job: RedactionJob, *, with_text: bool = False) -> str:
    """The redaction log for the case file: one row per redaction, with the document's
    SHA-256 in the first line.  The redacted text itself only with ``with_text`` (an
    internal copy); otherwise a fingerprint (SHA-256 prefix) and length."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(["# document_sha256", job.source.sha256, "document", job.source.name])
    fields_ = list(LOG_FIELDS) + (["text"] if with_text else [])
    w.writerow(fields_)
    for row in log_rows(job, with_text=with_text):
        w.writerow(["" if row[f] is None else row[f] for f in fields_])
    return buf.getvalue()


def log_json(job: RedactionJob, *, with_text: bool = False) -> dict[str, Any]:
    return {"document": job.source.name, "document_sha256": job.source.sha256, "kind": job.source.kind,
            "counts": job.counts(), "redactions": log_rows(job, with_text=with_text)}


def apply_log_decisions(job: RedactionJob, path: str | Path, *, reviewer: str = "") -> int:
    """Read reviewer decisions from an edited redaction-log CSV (``status`` accepted or
    overridden; ``exemption`` may be changed).  The log must belong to the same document."""
    src = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        raise InputError("cannot read the decisions file as UTF-8 text", source=src) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        first = next(reader)
        if first and first[0].startswith("# document_sha256"):
            if len(first) < 2 or first[1] != job.source.sha256:
                raise InputError("this log was made for a different document (its SHA-256 differs)", source=src, line=1)
            header = next(reader)
        else:
            header = first
    except (StopIteration, csv.Error):
        raise InputError("the decisions file has no header row", source=src, line=1) from None
    header = [h.strip().lower() for h in header]
    if "id" not in header or "status" not in header:
        raise InputError("the decisions file needs 'id' and 'status' columns", source=src)
    n = 0
    for row in reader:
        line = reader.line_num
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise InputError(f"a row has {len(row)} fields; the header has {len(header)}", source=src, line=line)
        rec = dict(zip(header, row))
        try:
            job.decide(rec["id"].strip(), rec["status"], reviewer=reviewer, exemption=rec.get("exemption") or None,
                       note=rec.get("note", ""))
        except InputError as exc:
            raise InputError(exc.reason, source=src, line=line) from None
        n += 1
    return n


# ---------------------------------------------------------------------------- release
def to_doc(job: RedactionJob, units: Sequence[Unit] | None = None) -> Doc:
    units = list(units if units is not None else job.redacted_units())
    doc = Doc("Document released under the Freedom of Information Act 2000",
              footer="Released under the Freedom of Information Act 2000. Redactions are marked [REDACTED "
                     "exemption].")
    bullets: list[str] = []

    def flush() -> None:
        if bullets:
            doc.add(Bullets(tuple(bullets)))
            bullets.clear()

    for u in units:
        if u.style == "blank":
            flush()
            continue
        text = u.text
        if u.style.startswith("h"):
            flush()
            doc.add(Heading(re.sub(r"^#{1,6}\s+", "", text) if job.source.kind == "md" else text, int(u.style[1])))
        elif u.style == "li":
            bullets.append(re.sub(r"^\s*(?:[-*+]|\d+[.)])\s+", "", text) if job.source.kind == "md" else text)
        else:
            flush()
            doc.add(Para(text))
    flush()
    return doc


def release_bytes(job: RedactionJob, fmt: str) -> bytes:
    units = job.redacted_units()
    if fmt in ("txt", "md"):
        return ("\n".join(u.text for u in units) + "\n").encode("utf-8")
    if fmt == "docx":
        return render_docx(to_doc(job, units))
    if fmt == "pdf":
        return render_pdf(to_doc(job, units))
    raise InputError(f"unknown output format {fmt!r} (use {', '.join(OUTPUT_FORMATS)})")


def extract_text(data: bytes, fmt: str) -> str:
    """All text a reader could copy out of a released file (for the leak check)."""
    if fmt in ("txt", "md"):
        return data.decode("utf-8")
    if fmt == "pdf":
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        meta = " ".join(str(v) for v in (reader.metadata or {}).values())
        return "\n".join((p.extract_text() or "") for p in reader.pages) + "\n" + meta
    if fmt == "docx":
        z = zipfile.ZipFile(io.BytesIO(data))
        parts = []
        for name in z.namelist():
            if name.endswith(".xml") or name.endswith(".rels"):
                xml = z.read(name).decode("utf-8", "replace")
                parts.append(re.sub(r"<[^>]+>", "", xml.replace("</w:p>", "\n")))
        return "\n".join(parts)
    raise InputError(f"unknown format {fmt!r}")


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def leaks(job: RedactionJob, files: dict[str, bytes]) -> list[str]:
    """Ids of accepted redactions whose text can still be found in a released file (unless
    the same text is released elsewhere on purpose, e.g. an overridden occurrence)."""
    released = _norm("\n".join(u.text for u in job.redacted_units()))
    texts = {fmt: _norm(extract_text(data, fmt)) for fmt, data in files.items()}
    bad = []
    for r in job.redactions:
        if r.status != ACCEPTED:
            continue
        needle = _norm(r.text)
        if len(needle) < 3 or needle in released:
            continue
        if any(needle in t for t in texts.values()):
            bad.append(r.id)
    return bad


def release(job: RedactionJob, formats: Iterable[str] = ("pdf", "docx", "txt"), *,
            accept_remaining: bool = False) -> dict[str, bytes]:
    """The release files.  Every proposal must have been decided (or ``accept_remaining``:
    undecided proposals are accepted).  Fails if a redacted string survives in any file."""
    if accept_remaining:
        for r in job.undecided():
            r.status = ACCEPTED
    left = job.undecided()
    if left:
        raise WorkflowError(f"{len(left)} proposed redaction(s) have not been reviewed (accept or override each)")
    files = {}
    for fmt in formats:
        if fmt not in OUTPUT_FORMATS:
            raise InputError(f"unknown output format {fmt!r} (use {', '.join(OUTPUT_FORMATS)})")
        files[fmt] = release_bytes(job, fmt)
    bad = leaks(job, files)
    if bad:
        raise IntegrityError(f"redacted text survives in the release ({len(bad)} redaction(s): "
                             + ", ".join(bad[:10]) + "); nothing was released")
    job.released_at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return files


def review_preview(job: RedactionJob) -> str:
    """The document with each proposal shown in place, for reviewing in a text editor
    (internal: it holds the original text)."""
    by_unit: dict[int, list[Redaction]] = {}
    for r in job.redactions:
        by_unit.setdefault(r.unit, []).append(r)
    out = []
    for u in job.source.units:
        text = u.text
        for r in sorted(by_unit.get(u.index, ()), key=lambda r: r.start, reverse=True):
            text = text[:r.start] + f"\u00ab{r.id} {r.exemption} {r.status}: {text[r.start:r.end]}\u00bb" + text[r.end:]
        out.append(text)
    return "INTERNAL REVIEW COPY: holds the text proposed for redaction. Do not release.\n\n" + "\n".join(out) + "\n"
