"""The sample registers in examples/registers: fresh (the generator rebuilds them byte for
byte), importable, consistent with the sample export, and showing what the demo should show.
The command line runs end to end on them."""

from __future__ import annotations

import importlib.util
from datetime import date

import pytest
from click.testing import CliRunner
from registers_helpers import EXAMPLES

from chatwarden.registers import apps, clocks, devices, groups, incidents, misconduct

FOLDER = EXAMPLES / "registers"


def _load_generator():
    spec = importlib.util.spec_from_file_location("make_registers", FOLDER / "make_registers.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_committed_files_are_what_the_generator_builds():
    assert _load_generator().main(["--check"]) == 0


def _import_all(store, admin):
    apps.import_csv(store, admin, (FOLDER / "apps.csv").read_bytes(), "apps.csv")
    r = devices.import_json(store, admin, (FOLDER / "devices.json").read_bytes(), "devices.json")
    assert r.added == 15 and "osVersion" in r.ignored_fields
    r = devices.import_csv(store, admin, (FOLDER / "devices.csv").read_bytes(), "devices.csv")
    # the JSON and the CSV agree; the CSV adds the personal phone
    assert (r.added, r.updated, r.unchanged) == (1, 0, 15)
    groups.import_csv(store, admin, (FOLDER / "groups.csv").read_bytes(), "groups.csv")
    groups.import_members_csv(store, admin, (FOLDER / "group_members.csv").read_bytes(), "group_members.csv")
    incidents.import_csv(store, admin, (FOLDER / "incidents.csv").read_bytes(), "incidents.csv")
    misconduct.import_csv(store, admin, (FOLDER / "misconduct.csv").read_bytes(), "misconduct.csv")


def test_the_samples_show_what_the_demo_shows(store, admin, rtb_chat):
    _import_all(store, admin)
    on = date(2026, 12, 1)
    # approved apps: an expired Signal authorisation, an expiring one, Wickr without MAAM approval
    assert [f.check for f in apps.check_register(store, admin, on=on)] == ["app-local-without-corporate"]
    assert [(r["app"], r["unit"]) for r in apps.expiring(store, admin, on=on)] == [
        ("Signal", "AS Neighbourhoods Lambeth")]
    assert apps.check_exports(store, admin) == []  # WhatsApp was approved when the chat ran
    # devices
    report = devices.audit_devices(store, admin, crest_image=FOLDER / "crest.png", on=on)
    by_person: dict[str, set[str]] = {}
    for f in report.findings:
        by_person.setdefault(f.subject, set()).add(f.check)
    assert {"device-personal", "device-name", "device-crest", "device-group-add", "device-disappearing",
            "device-auto-save", "device-unapproved-app"} <= by_person["Gary HOLLIS"]
    assert by_person["Jamal OKORO"] == {"device-unapproved-app"}
    assert "expired on 07/01/2025" in [f for f in report.findings if f.subject == "Jamal OKORO"][0].detail
    assert by_person["Ellie MORGAN"] == {"export-disappearing"} and by_person["Dan PRICE"] == {"export-disappearing"}
    assert by_person["Ruth ADEYEMI"] == {"device-group-add", "device-out-of-office"}
    assert "Sophie TURNER" not in by_person and "Kwame ASANTE" not in by_person
    # groups
    recs = {r.group: r for r in groups.reconcile(store, admin)}
    rtb = {(f.check, f.detail.split(" ")[0]) for f in recs["Response Team B"].findings}
    assert rtb == {("group-no-consent", "+44"), ("group-no-consent", "Insp"), ("group-unknown-contact", "+44"),
                   ("group-consent-after-add", "PC"), ("group-leaver", "PC")}
    assert recs["Response Team B"].unregistered == ()
    assert [f.check for f in recs["AS Late Turn Swaps"].findings] == ["group-no-owner"]
    assert sorted(f.check for f in recs["Coldharbour Ward Panel"].findings) == ["group-leaver", "group-no-consent"]
    # incidents
    overdue = incidents.overdue(store, admin, now=clocks.parse_datetime("2026-04-02 09:00"))
    assert {(f.check, f.evidence["ref"]) for f in overdue} == {
        ("incident-iau-overdue", "SI-2026-0004"), ("incident-ico-overdue", "SI-2026-0004"),
        ("incident-subjects", "SI-2025-0012")}
    log = {r["ref"]: r for r in incidents.incident_log(store, admin)}
    assert log["SI-2025-0031"]["iau_due"] == "Sun 26/10/2025 12:30 GMT" and log["SI-2025-0031"]["iau_clock"] == \
        "late by 15 min"
    assert log["SI-2025-0009"]["iau_clock"].startswith("late") and log["SI-2025-0009"]["ico_clock"] == "met"
    # misconduct: enough for FOI statistics
    rows = misconduct.statistics_rows(store, admin)
    assert len(rows) >= 60
    assert {r["year_recorded"] for r in rows} == set(range(2017, 2026))
    assert {r["subject_type"] for r in rows} == {"officer", "staff"} and {r["regime"] for r in rows} == {"2012",
                                                                                                         "2020"}
    outcomes = {r["outcome"] for r in rows}
    assert {"management-advice", "written-warning", "final-written-warning", "dismissal-without-notice",
            "rprp", "pending"} <= outcomes
    assert {r["platform"] for r in rows} == {"whatsapp", "other-im", "social-media"}


def test_the_command_line_on_the_samples(tmp_path):
    from chatwarden.cli import main

    runner = CliRunner()
    base = ["--data-dir", str(tmp_path / "data"), "--as", "Demo USER"]

    def run(*args, code=0):
        r = runner.invoke(main, base + list(args), catch_exceptions=False)
        assert r.exit_code == code, r.output
        return r.output

    out = run("registers", "import", str(FOLDER))
    assert "misconduct.csv: 68 rows: 68 added" in out
    out = run("registers", "check", "--crest", str(FOLDER / "crest.png"), "--on", "2026-12-01")
    assert "[HIGH] device-personal: Gary HOLLIS" in out and "rule: 004_fb39a41d194af020.txt" in out
    assert "[MEDIUM] group-no-owner: AS Late Turn Swaps" in out
    out = run("apps", "expiring", "--on", "2026-12-01", "--days", "30")
    assert "AS Neighbourhoods Lambeth" in out and " 14" in out
    out = run("incidents", "overdue", "--at", "2026-04-02 09:00", code=1)
    assert "incident-ico-overdue: SI-2026-0004" in out
    out = run("incidents", "log", "--format", "csv")
    assert out.splitlines()[0].startswith("ref,title,status")
    out = run("devices", "audit", "--crest", str(FOLDER / "crest.png"), "--format", "csv", "--on", "2026-12-01")
    assert "PERSONAL-AS-0110-A,device-personal,high" in out
    out = run("groups", "reconcile", "Response Team B")
    assert "+44 7700 900123 (police): no consent is recorded" in out
    out = run("misconduct", "list", "--subject-type", "staff", "--regime", "2012")
    assert "Band" in out or "PCSO" in out
    out = run("misconduct", "add", "--subject", "Ann LEE", "--subject-type", "staff", "--rank-or-band", "E",
              "--platform", "social media", "--categories", "offensive-conduct", "--regime", "2020",
              "--stage", "meeting", "--outcome", "first written warning", "--recorded-on", "01/02/2025",
              "--decided-on", "01/05/2025")
    assert "misconduct case MC-2025-" in out
    out = run("misconduct", "add", "--subject", "X", code=2)
    run("incidents", "report", "--title", "t", "--description", "d", "--aware-at", "2025-03-30 01:30", code=2)
    out = run("apps", "export-csv", "-o", str(tmp_path / "apps.csv"))
    assert (tmp_path / "apps.csv").read_text().startswith("app,kind,unit")
    run("apps", "import-csv", str(tmp_path / "apps.csv"))
    (tmp_path / "bad.csv").write_text("app,kind\nWhatsApp,sideways\n")
    r = runner.invoke(main, base + ["apps", "import-csv", str(tmp_path / "bad.csv")])
    assert r.exit_code == 2 and "bad.csv:row 1, column purpose: required column missing" in r.output
    (tmp_path / "bad.csv").write_text("app,kind,purpose,approver,approver_role,start_date\n"
                                      "WhatsApp,sideways,p,MAAM,MAAM,2023-01-01\nSignal,local,p,Supt A,Supt,2023\n")
    r = runner.invoke(main, base + ["apps", "import-csv", str(tmp_path / "bad.csv")])
    assert r.exit_code == 2 and "2 problem(s), nothing was imported" in r.output
    assert "bad.csv:row 2, column kind: must be one of: corporate, local" in r.output
    assert "bad.csv:row 3, column start_date: not a date (use YYYY-MM-DD or DD/MM/YYYY)" in r.output


@pytest.mark.parametrize("name", ["apps.csv", "devices.csv", "groups.csv", "group_members.csv", "incidents.csv",
                                  "misconduct.csv"])
def test_sample_files_have_no_unguarded_formula_cells(name):
    import csv
    import io

    for row in csv.reader(io.StringIO((FOLDER / name).read_text(encoding="utf-8"))):
        for cell in row:
            assert not cell or cell[0] not in "=+-@\t\r"
