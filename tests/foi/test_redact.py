"""Redaction: what is proposed, the review step, golden release files, and the proof that
a redacted string cannot be copied out of the released PDF or DOCX (text extracted with
pypdf and python-docx, and every XML part of the DOCX package searched)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from foi_helpers import all_docx_xml, docx_text, pdf_text

from chatwarden.errors import ConfigError, InputError, IntegrityError, PermissionDenied, WorkflowError
from chatwarden.foi import redact as rd
from chatwarden.foi.ranks import Seniority
from chatwarden.model import Actor

JUNIOR = ["Sarah Whitfield", "Tomasz Nowak", "Liam O'Connell", "Grace Adeyemi", "Helen Marsh", "Marcus Bell",
          "Aisha Rahman"]
SENIOR = ["Daniel Okafor", "Barbara Gray", "Priya Raman"]
CONTACTS = ["mobile.support@met.police.uk", "020 7230 1212", "61234", "liam.oconnell@met.police.uk", "07700 900123",
            "020 7230 4455"]
PUBLIC = ["John Ellery", "14 Larkspur Avenue", "SE15 4QT"]


@pytest.fixture
def memo_job(examples):
    src = rd.load_document(examples / "guidance_memo.md")
    people = rd.load_directory(examples / "staff_directory.csv")
    return rd.propose(src, rd.Detector(people))


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def test_proposals_on_the_sample_memo(memo_job, golden):
    texts = [r.text for r in memo_job.redactions]
    for s in JUNIOR + CONTACTS + PUBLIC:
        assert any(s in t for t in texts), s
    for s in SENIOR:
        assert not any(s in t for t in texts), s
    ex = {r.text: r.exemption for r in memo_job.redactions}
    assert ex["020 7230 1212"] == "s31(1)(a)" and ex["mobile.support@met.police.uk"] == "s31(1)(a)"
    assert ex["Helen Marsh"] == "s40(2)" and ex["John Ellery"] == "s40(2)"
    assert [r.id for r in memo_job.redactions] == [f"R{n:03d}" for n in range(1, len(memo_job.redactions) + 1)]
    golden("memo.redaction-log.csv", rd.log_csv(memo_job))


def test_release_golden_and_nothing_recoverable(memo_job, golden):
    files = rd.release(memo_job, ("txt", "md", "pdf", "docx"), accept_remaining=True)
    golden("memo.release.txt", files["txt"].decode())
    golden("memo.release.pdf.txt", pdf_text(files["pdf"]))
    golden("memo.release.docx.txt", docx_text(files["docx"]))
    extracted = {"pdf": _norm(pdf_text(files["pdf"])), "docx": _norm(docx_text(files["docx"])),
                 "docx-xml": _norm(all_docx_xml(files["docx"])), "txt": _norm(files["txt"].decode())}
    for secret in JUNIOR + CONTACTS + PUBLIC:
        for fmt, text in extracted.items():
            assert _norm(secret) not in text, f"{fmt} still holds a redacted string"
    for kept in SENIOR:
        assert _norm(kept) in extracted["pdf"] and _norm(kept) in extracted["docx"]
    # the raw PDF bytes do not carry the strings either (fonts are subset; text is re-drawn)
    assert b"Whitfield" not in files["pdf"] and b"Larkspur" not in files["pdf"]
    # no author or personal metadata in the DOCX
    assert "python-docx" not in extracted["docx-xml"]


def test_review_override_and_accept(memo_job):
    helen = next(r for r in memo_job.redactions if r.text == "Helen Marsh")
    with pytest.raises(WorkflowError, match="have not been reviewed"):
        rd.release(memo_job, ("txt",))
    for r in memo_job.redactions:
        memo_job.decide(r.id, "accept", reviewer="FOI officer")
    memo_job.decide(helen.id, "override", reviewer="FOI officer", note="named in a published report")
    files = rd.release(memo_job, ("txt", "pdf"))
    assert "Helen Marsh" in files["txt"].decode()
    assert "helen marsh" in _norm(pdf_text(files["pdf"]))
    assert memo_job.counts() == {"proposed": 0, "accepted": len(memo_job.redactions) - 1, "overridden": 1}
    with pytest.raises(InputError):
        memo_job.decide(helen.id, "maybe")
    with pytest.raises(InputError):
        memo_job.decide("R999", "accept")


def test_manual_redactions(memo_job):
    added = memo_job.add_text("Central West BCU", "s40(2)", "identifies the team involved", reviewer="FOI officer")
    assert len(added) == 2 and all(r.status == "accepted" and r.id.startswith("M") for r in added)
    files = rd.release(memo_job, ("txt", "docx"), accept_remaining=True)
    assert "central west bcu" not in _norm(files["txt"].decode())
    assert "central west bcu" not in _norm(all_docx_xml(files["docx"]))
    with pytest.raises(InputError, match="overlaps"):
        memo_job.add(added[0].unit, added[0].start, added[0].end, "s40(2)", "again")
    with pytest.raises(InputError, match="exemption"):
        memo_job.add_text("Version", "section forty", "x")


def test_decisions_from_an_edited_log(memo_job, tmp_path):
    log = rd.log_csv(memo_job).replace(",proposed,", ",accepted,")
    lines = log.splitlines()
    first = next(i for i, ln in enumerate(lines) if ln.startswith("R001,"))
    lines[first] = lines[first].replace(",accepted,", ",overridden,")
    p = tmp_path / "decisions.csv"
    p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert rd.apply_log_decisions(memo_job, p, reviewer="FOI officer") == len(memo_job.redactions)
    assert memo_job.get("R001").status == "overridden"
    other = tmp_path / "other.csv"
    other.write_text(log.replace(memo_job.source.sha256, "0" * 64), encoding="utf-8")
    with pytest.raises(InputError, match="different document"):
        rd.apply_log_decisions(memo_job, other)


def test_the_log_carries_no_redacted_text_unless_asked(memo_job):
    log = rd.log_csv(memo_job)
    for s in JUNIOR + CONTACTS + PUBLIC:
        assert s not in log
    assert "Whitfield" in rd.log_csv(memo_job, with_text=True)
    data = rd.log_json(memo_job)
    assert data["counts"]["proposed"] == len(memo_job.redactions)
    assert "Larkspur" not in json.dumps(data)


def test_leak_check_catches_a_file_that_still_holds_the_text(memo_job):
    for r in memo_job.redactions:
        r.status = "accepted"
    assert rd.leaks(memo_job, {"txt": b"contact Sarah Whitfield"}) != []
    assert rd.leaks(memo_job, {"txt": b"nothing here"}) == []


# ---------------------------------------------------------------------------- inputs
def _docx_with_secrets() -> bytes:
    import docx

    d = docx.Document()
    d.core_properties.author = "Sarah Whitfield"
    d.sections[0].header.paragraphs[0].text = "OFFICIAL - contact 020 7230 4455"
    d.add_heading("Messaging guidance", level=1)
    d.add_paragraph("Prepared by PS Liam O'Connell for Ch Supt Daniel Okafor.")
    table = d.add_table(rows=2, cols=2)
    table.rows[0].cells[0].text = "Support"
    table.rows[0].cells[1].text = "mobile.support@met.police.uk"
    table.rows[1].cells[0].text = "Complainant"
    table.rows[1].cells[1].text = "Mrs Joan Pettifer, 3 Orchard Close, London N4 2BX"
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()


def test_docx_in_docx_and_pdf_out(tmp_path, examples):
    p = tmp_path / "guidance.docx"
    p.write_bytes(_docx_with_secrets())
    src = rd.load_document(p)
    assert src.kind == "docx"
    assert src.units[0].text.startswith("OFFICIAL")  # headers are read too
    job = rd.propose(src, rd.Detector(rd.load_directory(examples / "staff_directory.csv")))
    files = rd.release(job, ("docx", "pdf"), accept_remaining=True)
    everything = _norm(all_docx_xml(files["docx"])) + _norm(pdf_text(files["pdf"]))
    for secret in ("Sarah Whitfield", "020 7230 4455", "Liam O'Connell", "mobile.support@met.police.uk",
                   "Joan Pettifer", "3 Orchard Close", "N4 2BX"):
        assert _norm(secret) not in everything
    assert "daniel okafor" in everything
    assert any(r.where == "paragraph 3" for r in job.redactions)


def _pdf(lines: list[str]) -> bytes:
    from fpdf import FPDF

    from chatwarden.evidence.transcript import font_paths

    pdf = FPDF()
    pdf.add_font("DejaVu", "", str(font_paths()[0]))
    pdf.set_font("DejaVu", "", 11)
    for page in (lines[: len(lines) // 2], lines[len(lines) // 2:]):
        pdf.add_page()
        for ln in page:
            pdf.cell(0, 8, ln, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def test_pdf_in_with_pages_and_lines(tmp_path, examples):
    p = tmp_path / "memo.pdf"
    p.write_bytes(_pdf(["Instant messaging guidance", "Ask Grace Adeyemi on 020 7230 4455.",
                        "Reviewed by AC Barbara Gray.", "Complaint from Mr Peter Quill of SW1A 2JL."]))
    src = rd.load_document(p)
    assert src.kind == "pdf" and src.pages == 2
    job = rd.propose(src, rd.Detector(rd.load_directory(examples / "staff_directory.csv")))
    wheres = {r.text: r.where for r in job.redactions}
    assert wheres["Grace Adeyemi"] == "page 1, line 2"
    assert wheres["Peter Quill"] == "page 2, line 2"
    files = rd.release(job, ("pdf", "docx"), accept_remaining=True)
    text = _norm(pdf_text(files["pdf"])) + _norm(docx_text(files["docx"]))
    for secret in ("Grace Adeyemi", "020 7230 4455", "Peter Quill", "SW1A 2JL"):
        assert _norm(secret) not in text
    assert "barbara gray" in text


def test_encrypted_pdf_is_a_clear_error(tmp_path):
    from pypdf import PdfReader, PdfWriter

    w = PdfWriter()
    for page in PdfReader(io.BytesIO(_pdf(["a", "b"]))).pages:
        w.add_page(page)
    w.encrypt("secret")
    p = tmp_path / "locked.pdf"
    with open(p, "wb") as fh:
        w.write(fh)
    with pytest.raises(InputError, match="encrypted") as exc:
        rd.load_document(p)
    assert exc.value.source == "locked.pdf"


@pytest.mark.parametrize("name,data,match", [
    ("scan.pdf", None, "no text layer"),
    ("fake.pdf", b"hello, not a pdf", "not a PDF"),
    ("broken.pdf", b"%PDF-1.4\n garbage", "cannot read the PDF|no text layer"),
    ("fake.docx", b"PK not really", "not a DOCX|cannot read the DOCX"),
    ("plain.docx", b"just text", "not a DOCX"),
    ("memo.rtf", b"{\\rtf1}", "unsupported document type"),
    ("empty.txt", b"", "empty"),
    ("latin1.txt", b"caf\xe9 menu", "not UTF-8"),
    ("binary.txt", b"\x00\x01\x02text", "binary"),
])
def test_bad_documents(tmp_path, name, data, match):
    if data is None:
        from fpdf import FPDF

        pdf = FPDF()
        pdf.add_page()
        pdf.rect(10, 10, 50, 50)
        data = bytes(pdf.output())
    p = tmp_path / name
    p.write_bytes(data)
    with pytest.raises(InputError, match=match):
        rd.load_document(p)


@pytest.mark.parametrize("body,match", [
    ("who,what\nA,B\n", "needs a 'name' and a 'grade'"),
    ("name,grade\nMadonna,PC\n", r"line 2: row 2, column 'name' \(column 1\): a full name"),
    ('name,grade\n"Jo Bloggs,PC\n', "malformed CSV in row 2"),
    ("name,grade\nJo Bloggs,PC,extra\n", "row 2 has 3 fields"),
])
def test_bad_directory(tmp_path, body, match):
    p = tmp_path / "dir.csv"
    p.write_text(body, encoding="utf-8")
    with pytest.raises(InputError, match=match) as exc:
        rd.load_directory(p)
    assert "Madonna" not in str(exc.value) and "Bloggs" not in str(exc.value)


def test_seniority_is_configurable():
    s = Seniority.from_names("Chief Inspector", "Band C")
    from chatwarden.foi.ranks import parse_grade

    assert s.redact(parse_grade("DCI")) and not s.redact(parse_grade("Supt"))
    assert s.redact(parse_grade("Band D", "staff")) and not s.redact(parse_grade("Band B", "staff"))
    assert s.redact(parse_grade("", "staff"))  # unknown: withheld
    with pytest.raises(ConfigError):
        Seniority.from_names("Grand Poobah", "Band A")
    with pytest.raises(ConfigError):
        Seniority.from_names("Inspector", "Band Z")


@pytest.mark.parametrize("text,expected", [
    ("Call PC 1234AB Jones today", ["1234AB Jones"]),
    ("PS Smith will attend", ["Smith"]),
    ("Supt Harrow approved it", []),
    ("Write to jane.doe@gmail.com", ["jane.doe@gmail.com"]),
    ("DOB: 01/02/1980", ["01/02/1980"]),
    ("Ring +44 20 7230 1212 or x4567", ["+44 20 7230 1212", "x4567"]),
    ("The PCSO Team meets weekly", []),
])
def test_detector_patterns(text, expected):
    hits = rd.Detector().detect(text)
    assert [text[h.start:h.end] for h in hits] == expected


# ---------------------------------------------------------------------------- the use cases
def test_redaction_job_use_cases(store, admin, examples, tmp_path):
    from chatwarden.foi import service
    from chatwarden.store.tables import audit_log

    job = service.propose_redactions(store, admin, examples / "guidance_memo.md",
                                     directory=examples / "staff_directory.csv")
    assert service.list_redaction_jobs(store, admin)[0]["proposed"] == len(job.redactions)
    got = service.get_redaction_job(store, admin, job.job_id)
    assert [r.id for r in got.redactions] == [r.id for r in job.redactions]
    with pytest.raises(WorkflowError):
        service.release_redactions(store, admin, job.job_id, tmp_path)
    decisions = {r.id: "accept" for r in job.redactions}
    decisions["R001"] = {"decision": "override", "note": "public-facing role"}
    service.review_redactions(store, admin, job.job_id, decisions)
    service.add_redaction(store, admin, job.job_id, text="Version 1.2", exemption="s40(2)", reason="test")
    paths = service.release_redactions(store, admin, job.job_id, tmp_path / "out", formats=("pdf", "txt"))
    assert set(paths) == {"pdf", "txt", "log-csv", "log-json"}
    released = paths["txt"].read_text()
    assert "Version 1.2" not in released and "Tomasz Nowak" not in released
    with pytest.raises(WorkflowError):
        service.review_redactions(store, admin, job.job_id, {"R002": "override"})
    with store.read() as conn:
        actions = [r.action for r in conn.execute(audit_log.select().order_by(audit_log.c.id))]
        afters = json.dumps([r.after for r in conn.execute(audit_log.select())])
    assert actions == ["foi.redaction.propose", "foi.redaction.view", "foi.redaction.review", "foi.redaction.add",
                       "foi.redaction.release"]
    for secret in JUNIOR + CONTACTS:
        assert secret not in afters
    job_file = Path(store.settings.data_path) / "foi" / "redactions" / f"{job.job_id}.json"
    assert job_file.stat().st_mode & 0o077 == 0
    with pytest.raises(PermissionDenied):
        service.get_redaction_job(store, Actor("u:r", "Reviewer", ("reviewer",)), job.job_id)
    from chatwarden.errors import NotFoundError

    with pytest.raises(NotFoundError):
        service.get_redaction_job(store, admin, "../../etc/passwd")


def test_release_refuses_when_text_survives(memo_job, monkeypatch):
    monkeypatch.setattr(rd, "release_bytes", lambda job, fmt: b"Sarah Whitfield")
    with pytest.raises(IntegrityError, match="survives"):
        rd.release(memo_job, ("txt",), accept_remaining=True)
