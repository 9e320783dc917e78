"""FOI statistics: reading the register (store and CSV), the tables' shape, golden outputs
in every format, clean spreadsheets, and bad input."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from foi_helpers import docx_text, pdf_text, xlsx_text
from sqlalchemy import insert

from chatwarden.errors import InputError, PermissionDenied
from chatwarden.foi import outputs
from chatwarden.foi.disclosure import DisclosureRules
from chatwarden.foi.ranks import rank_group
from chatwarden.foi.stats import (
    CaseRecord,
    StatsOptions,
    outcome_label,
    parse_table_specs,
    read_cases_csv,
    statistics,
)
from chatwarden.model import Actor

PERIOD = StatsOptions(since=date(2017, 1, 1), until=date(2024, 12, 31))


@pytest.fixture(scope="module")
def sample_result():
    recs = read_cases_csv(Path(__file__).resolve().parents[2] / "examples" / "foi" / "misconduct_register.csv")
    return statistics(recs, PERIOD)


# ---------------------------------------------------------------------------- golden files
def test_golden_csv_html_json(sample_result, golden):
    golden("stats.csv", outputs.to_csv(sample_result))
    golden("stats.html", outputs.to_html(sample_result))
    golden("stats.json", json.dumps(outputs.to_json(sample_result), indent=1, ensure_ascii=False))
    golden("stats-report.txt", sample_result.report.to_text())


def test_golden_xlsx_pdf_docx_text(sample_result, golden):
    golden("stats.xlsx.txt", xlsx_text(outputs.to_xlsx(sample_result)))
    golden("stats.pdf.txt", pdf_text(outputs.to_pdf(sample_result)))
    golden("stats.docx.txt", docx_text(outputs.to_docx(sample_result)))


def test_outputs_are_deterministic(sample_result):
    assert outputs.to_xlsx(sample_result) == outputs.to_xlsx(sample_result)
    assert outputs.to_docx(sample_result) == outputs.to_docx(sample_result)
    assert outputs.to_pdf(sample_result) == outputs.to_pdf(sample_result)


def test_shape_officers_and_staff_apart(sample_result):
    assert list(sample_result.tables) == ["officers", "staff"]
    officers = sample_result.tables["officers"]
    assert [t.key for t in officers] == ["officers-year-rank", "officers-year-category", "officers-year-platform",
                                        "officers-year-outcome"]
    assert officers[0].col_labels == ("Constables", "Sergeants", "Inspectors and above")
    assert officers[0].row_labels == tuple(str(y) for y in range(2017, 2025))
    # the grand total is the number of officer cases in the period
    assert officers[0].grid[-1][-1].value == sample_result.counted["officers"]
    # no table mixes officers and staff
    for t in sample_result.tables["staff"]:
        assert not set(t.col_labels) & {"Constables", "Sergeants"}


# ---------------------------------------------------------------------------- XLSX cleanliness
LEAKY_PARTS = ("xl/comments", "xl/threadedComments", "xl/pivotCache", "xl/pivotTables", "xl/externalLinks",
               "xl/vbaProject", "customXml/", "docProps/custom.xml", "xl/drawings/", "xl/persons", "xl/connections")


def test_xlsx_has_nothing_hidden(sample_result):
    from openpyxl import load_workbook

    data = outputs.to_xlsx(sample_result)
    # opened as a spreadsheet
    wb = load_workbook(io.BytesIO(data))
    assert wb.properties.creator in (None, "", "openpyxl")  # openpyxl's own default when the file names none
    assert wb.properties.lastModifiedBy in (None, "")
    assert wb.properties.title in (None, "")
    assert not list(wb.defined_names)
    for ws in wb.worksheets:
        assert ws.sheet_state == "visible"
        for dim in ws.row_dimensions.values():
            assert not dim.hidden and not dim.outlineLevel
        for dim in ws.column_dimensions.values():
            assert not dim.hidden and not dim.outlineLevel
        for row in ws.iter_rows():
            for cell in row:
                assert cell.comment is None
                assert cell.data_type != "f", "formula found"
                assert not (isinstance(cell.value, str) and cell.value.startswith("="))
    # and as a zip of XML parts
    z = zipfile.ZipFile(io.BytesIO(data))
    names = z.namelist()
    assert not [n for n in names if n.startswith(LEAKY_PARTS)]
    app = z.read("docProps/app.xml").decode()
    core = z.read("docProps/core.xml").decode()
    for tag in ("Company", "Manager", "Template"):
        assert f"<{tag}>" not in app
    for tag in ("creator", "lastModifiedBy", "title", "subject", "description", "keywords"):
        assert f":{tag}>" not in core
    workbook = z.read("xl/workbook.xml").decode()
    assert "hidden" not in workbook.replace('visibility="visible"', "").lower().replace('state="visible"', "")
    for n in names:
        if n.startswith("xl/worksheets/"):
            x = z.read(n).decode()
            assert 'hidden="1"' not in x and "<f>" not in x and "<f " not in x
    assert outputs.xlsx_problems(data) == []


def test_xlsx_checker_finds_what_leaked_in_2023():
    """The checker itself: a workbook with a hidden tab, hidden rows and columns, a formula
    into it, a comment and an author is reported on every count."""
    from openpyxl import Workbook
    from openpyxl.comments import Comment

    wb = Workbook()
    ws = wb.active
    ws["A1"] = 3
    ws["B1"] = "=Staff!A1"
    ws["A2"].comment = Comment("note", "someone")
    ws.row_dimensions[5].hidden = True
    ws.column_dimensions["D"].hidden = True
    hidden = wb.create_sheet("Staff")
    hidden["A1"] = "surname, rank, unit"
    hidden.sheet_state = "hidden"
    wb.properties.creator = "A Person"
    buf = io.BytesIO()
    wb.save(buf)
    problems = " / ".join(outputs.xlsx_problems(buf.getvalue()))
    for expected in ("hidden sheet", "formulas", "hidden rows", "hidden columns", "comments", "creator"):
        assert expected in problems


# ---------------------------------------------------------------------------- labels and groups
@pytest.mark.parametrize("rank,group", [("PC", "Constables"), ("DC", "Constables"), ("A/PS", "Sergeants"),
                                        ("DS", "Sergeants"), ("Sgt", "Sergeants"), ("Insp", "Inspectors and above"),
                                        ("DCI", "Inspectors and above"), ("Ch. Supt", "Inspectors and above"),
                                        ("Commander", "Inspectors and above"), ("Chief Wizard", "Rank not recorded")])
def test_officer_rank_groups(rank, group):
    assert rank_group("officer", rank) == group


@pytest.mark.parametrize("band,group", [("Band A", "Band A"), ("band g", "Band G"), ("D", "Band D"),
                                        ("Band H", "Shadow bands"), ("Director", "Senior staff (above Band A)"),
                                        ("", "Band not recorded")])
def test_staff_groups(band, group):
    assert rank_group("staff", band) == group


@pytest.mark.parametrize("outcome,stage,label", [
    ("written-warning", "closed", "Written warning"), ("FWW", "closed", "Final written warning"),
    ("dismissal_without_notice", "closed", "Dismissal without notice"), (None, "investigation", "Pending"),
    (None, "closed", "No outcome recorded"), ("rprp", "closed", "Reflective practice (RPRP)"),
    ("words of advice", "closed", "Words of advice")])
def test_outcome_labels(outcome, stage, label):
    assert outcome_label(outcome, stage) == label


def test_financial_years_and_decided_basis():
    recs = [CaseRecord("officer", "PC", "whatsapp", ("personal-use",), date(2019, 3, 30), "written-warning", "closed",
                       date(2019, 4, 2))] * 6
    r = statistics(recs, StatsOptions(financial_years=True, tables=(("year", None),), populations=("officers",)))
    assert r.tables["officers"][0].row_labels == ("2018/19",)
    r = statistics(recs, StatsOptions(financial_years=True, basis="decided", tables=(("year", None),),
                                      populations=("officers",)))
    assert r.tables["officers"][0].row_labels == ("2019/20",)


def test_table_specs():
    assert parse_table_specs(["year:outcome,rank"]) == (("year", "outcome"), ("rank", None))
    for bad in (["year:year"], ["colour"], ["a:b:c"], []):
        with pytest.raises(InputError):
            parse_table_specs(bad)


# ---------------------------------------------------------------------------- store
def test_statistics_from_the_store(store, admin):
    from chatwarden.foi import service
    from chatwarden.store.tables import audit_log, misconduct_cases

    now = datetime.now(UTC)
    rows = []
    for n in range(23):
        rows.append({"ref": f"MC-{n}", "subject": f"Person {n}", "subject_type": "officer" if n % 4 else "staff",
                     "rank_or_band": ["PC", "PS", "Insp", "Band D"][n % 4], "platform": "whatsapp",
                     "categories": ["offensive-conduct"], "standards": ["Discreditable Conduct"], "regime": "2020",
                     "stage": "closed", "outcome": "written-warning", "recorded_on": date(2021 + n % 3, 5, 1),
                     "finding_ids": [], "package_ids": [], "created_at": now, "updated_at": now})
    with store.transaction() as conn:
        conn.execute(insert(misconduct_cases), rows)
    result = service.misconduct_statistics(store, admin, options=StatsOptions(
        tables=(("year", "rank"),), since=date(2021, 1, 1), until=date(2023, 12, 31)))
    assert result.counted == {"officers": 17, "staff": 6}
    officers = result.tables["officers"][0]
    assert officers.grid[-1][-1].value == 17
    with store.read() as conn:
        entries = conn.execute(audit_log.select().where(audit_log.c.action == "foi.stats")).mappings().all()
    assert len(entries) == 1 and entries[0]["after"]["records_read"] == 23
    assert "Person" not in json.dumps(entries[0]["after"])
    with pytest.raises(PermissionDenied):
        service.misconduct_statistics(store, Actor("u:o", "Officer", ("officer",)))


# ---------------------------------------------------------------------------- bad input
HEADER = "ref,subject,subject_type,rank_or_band,platform,categories,recorded_on,outcome\n"


@pytest.mark.parametrize("body,match", [
    ("", "empty"),
    ("ref,subject\nA,B\n", "missing column"),
    (HEADER + 'MC-1,X,officer,PC,whatsapp,"[""personal-use""]",2021-01-05,written-warning\n'
              'MC-2,Y,officer,PC,whatsapp,"[""personal-use"",2021-01-06,written-warning\n',
     r"line 3: malformed CSV in row 3"),
    (HEADER + "MC-1,X,officer,PC,whatsapp,personal-use,2021-01-05\n", r"line 2: row 2 has 7 fields; the header has 8"),
    (HEADER + "MC-1,X,officer,PC,whatsapp,personal-use,05-01-2021,\n",
     r"line 2: row 2, column 'recorded_on' \(column 7\): not a date"),
    (HEADER + "MC-1,X,sergeant,PC,whatsapp,personal-use,2021-01-05,\n",
     r"row 2, column 'subject_type' \(column 3\): must be officer or staff"),
    (HEADER + "MC-1,X,officer,PC,fax,personal-use,2021-01-05,\n", r"column 'platform' \(column 5\)"),
    (HEADER + 'MC-1,X,officer,PC,whatsapp,"[oops",2021-01-05,\n', r"column 'categories' \(column 6\): not a JSON list"),
])
def test_malformed_csv_names_row_and_column(tmp_path, body, match):
    p = tmp_path / "register.csv"
    p.write_text(body, encoding="utf-8")
    with pytest.raises(InputError, match=match) as exc:
        read_cases_csv(p)
    # the error never repeats a value from the file
    for secret in ("X", "Y", "sergeant", "fax", "05-01-2021", "oops"):
        assert f"'{secret}'" not in str(exc.value) and f" {secret} " not in str(exc.value)


def test_non_utf8_csv_gives_the_byte_offset(tmp_path):
    p = tmp_path / "register.csv"
    p.write_bytes(HEADER.encode() + b"MC-1,\xff\xfe,officer\n")
    with pytest.raises(InputError, match=r"byte \d+: not UTF-8"):
        read_cases_csv(p)


def test_rules_pass_through(sample_result):
    recs = [CaseRecord("officer", "PC", "whatsapp", ("personal-use",), date(2020, 1, 1))] * 12
    r = statistics(recs, StatsOptions(tables=(("year", "platform"),), populations=("officers",)),
                   DisclosureRules(rounding=5, marker="c"))
    t = r.tables["officers"][0]
    assert t.body()[0] == ["2020", "10", "0", "0", "10"]


def test_monitoring_statistics_from_findings_and_cases(store, admin):
    from chatwarden.foi import service
    from chatwarden.store.tables import cases, chats, findings, scans

    now = datetime.now(UTC)
    with store.transaction() as conn:
        chat_id = conn.execute(insert(chats).values(key="k" * 64, name="c", platform="whatsapp", is_group=True,
                                                    created_at=now, updated_at=now, message_count=0, disposed=False)
                               .returning(chats.c.id)).scalar_one()
        scan_id = conn.execute(insert(scans).values(chat_id=chat_id, kind="import", policy_version="p",
                                                    detector_versions={}, messages_scanned=0, findings_new=0,
                                                    started_at=now).returning(scans.c.id)).scalar_one()
        rows = []
        for n in range(14):
            rows.append({"chat_id": chat_id, "scan_id": scan_id, "rule": "r", "title": "t",
                         "category": ["offensive-conduct", "personal-use", "official-sensitive"][n % 3],
                         "severity": "high", "severity_rank": 2, "score": 1.0, "subject": "", "anchor": str(n),
                         "explanation": "", "action": "", "citation": {}, "evidence": {}, "policy_version": "p",
                         "status": "dismissed" if n == 13 else "confirmed",
                         "created_at": datetime(2023 + n % 2, 3, 1, tzinfo=UTC), "updated_at": now})
        conn.execute(insert(findings), rows)
        conn.execute(insert(cases), [{"ref": f"CW-{n}", "kind": "misconduct-referral", "title": "x", "status": "open",
                                      "opened_by": "a", "opened_at": datetime(2023, 5, 1, tzinfo=UTC),
                                      "legal_hold": False} for n in range(6)])
    result = service.monitoring_statistics(store, admin)
    assert result.counted == {"findings": 13, "cases": 6}
    f = result.tables["findings"][0]
    assert f.row_labels == ("2023", "2024") and f.grid[-1][-1].value == 13
    assert result.tables["cases"][0].body() == [["2023", "6"]]
    assert "Cases opened from findings" in outputs.to_csv(result)
