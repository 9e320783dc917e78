"""Response letters (golden in every format; the structure of the source responses; the
s12 and exemption checks) and the `chatwarden foi` commands end to end."""

from __future__ import annotations

import io
import zipfile
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner
from foi_helpers import docx_text, pdf_text, xlsx_text

from chatwarden.errors import InputError
from chatwarden.foi import draft
from chatwarden.foi.stats import StatsOptions, read_cases_csv, statistics

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "foi"


@pytest.fixture(scope="module")
def letter_input():
    stats = statistics(read_cases_csv(EXAMPLES / "misconduct_register.csv"),
                       StatsOptions(since=date(2017, 1, 1), until=date(2024, 12, 31),
                                    tables=(("year", "outcome"), ("year", "rank"))))
    return draft.DraftInput(
        ref="01.FOI.24.000123", received_on=date(2024, 5, 1),
        request_text=(EXAMPLES / "request.txt").read_text(encoding="utf-8"), decision="part",
        exemptions=["s31(1)(a)", "s40(2)", "s31(1)(g)", "s40(2)-stats"], response_date=date(2024, 5, 29),
        clarified_on=date(2024, 5, 7), clarification="You explained that you would like figures for officers and "
        "staff separately.", searches=["the Directorate of Professional Standards (DPS)", "the Directorate of "
                                      "Human Resources"],
        disclosures=["Local guidance: Instant messaging on Met-issued phones (Central West BCU)",
                     "Statistics: misconduct cases involving instant messaging and social media, 2017 to 2024"],
        disclosure_note="Document 1 is disclosed with the exception of staff names, email addresses and "
                        "telephone numbers.", handler_name="Information Rights Unit", stats=stats)


def test_letter_golden(letter_input, golden):
    golden("letter.txt", draft.render(letter_input, "txt").decode())
    golden("letter.html", draft.render(letter_input, "html").decode())
    golden("letter.docx.txt", docx_text(draft.render(letter_input, "docx")))
    golden("letter.pdf.txt", pdf_text(draft.render(letter_input, "pdf")))


def test_letter_follows_the_source_structure(letter_input):
    text = draft.render(letter_input, "txt").decode()
    order = ["Freedom of Information request reference no: 01.FOI.24.000123", "I note you seek access",
             "we discussed your request", "EXTENT OF SEARCHES", "RESULT OF SEARCHES", "DECISION",
             "Refusal Notice under Section 17", "REASONS FOR DECISION", "Section 31(1)(a) - Law Enforcement",
             "Public interest test", "Balance test", "legitimate interest", "Band A (including shadow band",
             "Section 31(1)(g) by virtue of Section 31(2)(b)", "DISCLOSURE", "Police officer data",
             "Police staff data", "COMPLAINT RIGHTS", "internal review", "Information Commissioner",
             "Yours sincerely"]
    at = 0
    for s in order:  # each part comes after the one before it
        found = text.find(s, at)
        assert found >= 0, f"{s!r} missing or out of order"
        at = found + len(s)
    assert "no public interest test is required" in text  # s40(2) is absolute


def test_cost_refusal_and_checks():
    base = dict(ref="R1", received_on=date(2024, 1, 2), request_text="Every message ever sent", response_date=date(
        2024, 1, 30))
    text = draft.render(draft.DraftInput(**base, decision="cost", cost_hours=40,
                                         cost_detail="Cases before 2021 are not categorised by platform: each of "
                                                     "about 480 files would need to be read."), "txt").decode()
    assert "Section 12(1)" in text and "£450" in text and "about 40 hours" in text and "Section 16" in text
    with pytest.raises(InputError, match="within the 18-hour limit"):
        draft.build(draft.DraftInput(**base, decision="cost", cost_hours=10))
    with pytest.raises(InputError, match="estimated hours"):
        draft.build(draft.DraftInput(**base, decision="cost"))
    with pytest.raises(InputError, match="at least one exemption"):
        draft.build(draft.DraftInput(**base, decision="part"))
    with pytest.raises(InputError, match="unknown exemption"):
        draft.build(draft.DraftInput(**base, decision="part", exemptions=["s99"]))
    full = draft.render(draft.DraftInput(**base), "txt").decode()
    assert "in full" in full and "Refusal Notice" not in full and "Dear Requester" in full
    ncnd = draft.render(draft.DraftInput(**base, decision="ncnd", exemptions=["s40(2)"]), "txt").decode()
    assert "neither confirms nor denies" in ncnd


def test_templates_load_strictly():
    t = draft.templates()
    assert {"s31-1-a", "s31-1-g", "s40-2-staff", "s12", "ncnd", "complaint"} <= set(t)


# ---------------------------------------------------------------------------- the CLI
def _run(args: list[str], tmp_path: Path):
    from chatwarden.cli import main

    runner = CliRunner()
    return runner.invoke(main, ["--data-dir", str(tmp_path / "data"), "--as", "FOI tester", *args],
                         catch_exceptions=False)


def test_cli_stats_from_csv(tmp_path):
    out = tmp_path / "stats.xlsx"
    r = _run(["foi", "stats", "--from-csv", str(EXAMPLES / "misconduct_register.csv"), "--since", "2017-01-01",
              "--until", "2024-12-31", "--format", "xlsx", "--out", str(out), "--report", str(tmp_path / "r.txt")],
             tmp_path)
    assert r.exit_code == 0, r.output
    assert "Officers - Year x Rank group" in xlsx_text(out.read_bytes())
    assert "case file only" in (tmp_path / "r.txt").read_text()
    r = _run(["foi", "stats", "--from-csv", str(EXAMPLES / "misconduct_register.csv"), "--table", "year:platform",
              "--population", "staff", "--round", "5"], tmp_path)
    assert r.exit_code == 0 and "Police staff: cases by year and platform" in r.output
    assert "Police officers" not in r.output
    r = _run(["foi", "stats", "--from-csv", str(EXAMPLES / "misconduct_register.csv"), "--format", "pdf"], tmp_path)
    assert r.exit_code != 0 and "--out" in r.output


def test_cli_bad_csv_names_row_and_column(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("subject_type,rank_or_band,platform,categories,recorded_on\nofficer,PC,whatsapp,x,31/02/2021\n")
    r = _run(["foi", "stats", "--from-csv", str(bad)], tmp_path)
    assert r.exit_code == 2
    assert "line 2: row 2, column 'recorded_on' (column 5): not a date" in r.output


def test_cli_redact_two_steps(tmp_path):
    memo = EXAMPLES / "guidance_memo.md"
    staff = EXAMPLES / "staff_directory.csv"
    r = _run(["foi", "redact", str(memo), "--directory", str(staff), "--out", str(tmp_path), "--propose-only"],
             tmp_path)
    assert r.exit_code == 0, r.output
    log = tmp_path / "guidance_memo-redacted.redaction-log.csv"
    assert "Whitfield" in (tmp_path / "guidance_memo-redacted.review.txt").read_text()
    edited = log.read_text().replace(",proposed,", ",accepted,")
    log.write_text(edited)
    r = _run(["foi", "redact", str(memo), "--directory", str(staff), "--out", str(tmp_path), "--decisions", str(log),
              "--format", "pdf,docx"], tmp_path)
    assert r.exit_code == 0, r.output
    pdf = (tmp_path / "guidance_memo-redacted.pdf").read_bytes()
    assert "Whitfield" not in pdf_text(pdf) and "Barbara Gray" in pdf_text(pdf)
    assert "Whitfield" not in docx_text((tmp_path / "guidance_memo-redacted.docx").read_bytes())


def test_cli_redact_encrypted_pdf(tmp_path):
    from pypdf import PdfWriter

    w = PdfWriter()
    w.add_blank_page(100, 100)
    w.encrypt("pw")
    p = tmp_path / "locked.pdf"
    with open(p, "wb") as fh:
        w.write(fh)
    r = _run(["foi", "redact", str(p), "--out", str(tmp_path)], tmp_path)
    assert r.exit_code == 2 and "locked.pdf: the PDF is encrypted" in r.output


def test_cli_requests_and_draft(tmp_path):
    r = _run(["foi", "requests", "add", "--received", "2024-03-28", "--subject", "WhatsApp figures", "--text-file",
              str(EXAMPLES / "request.txt")], tmp_path)
    assert r.exit_code == 0 and "FOI-2024-00001: received 2024-03-28, due 2024-04-29" in r.output
    r = _run(["foi", "requests", "list", "--today", "2024-04-02"], tmp_path)
    assert "FOI-2024-00001" in r.output and "19" in r.output
    r = _run(["foi", "requests", "overdue", "--today", "2024-05-01"], tmp_path)
    assert r.exit_code == 1 and "FOI-2024-00001" in r.output
    r = _run(["foi", "requests", "show", "FOI-2024-00001"], tmp_path)
    assert "broken down year on year" in r.output
    out = tmp_path / "letter.docx"
    r = _run(["foi", "draft", "--ref", "FOI-2024-00001", "--decision", "part", "--exemption", "s40(2)-stats",
              "--exemption", "s31(1)(g)", "--stats-from-csv", str(EXAMPLES / "misconduct_register.csv"),
              "--since", "2017-01-01", "--format", "docx", "--out", str(out)], tmp_path)
    assert r.exit_code == 0, r.output
    text = docx_text(out.read_bytes())
    assert "COMPLAINT RIGHTS" in text and "Police officers: cases by year and rank or grade" in text
    z = zipfile.ZipFile(io.BytesIO(out.read_bytes()))
    assert not [n for n in z.namelist() if n.startswith(("customXml/", "docProps/thumbnail"))]
    r = _run(["foi", "requests", "respond", "FOI-2024-00001", "--on", "2024-04-26", "--exemption", "s40(2)"],
             tmp_path)
    assert r.exit_code == 0 and "19 working day(s)" in r.output and "LATE" not in r.output
    r = _run(["foi", "requests", "overdue", "--today", "2024-05-01"], tmp_path)
    assert r.exit_code == 0 and "(none)" in r.output
