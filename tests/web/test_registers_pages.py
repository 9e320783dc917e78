"""The governance register pages: who may see and change each register, forms that add and
change records (checked through the use cases), problems shown by field without the values
typed, CSV downloads that are formula-guarded and import back unchanged, the device set-up
audit, groups reconciled with the exports, incidents with their clocks in London time, a
confirmed finding opening an incident, misconduct outcomes and warning expiry, and the
register alerts on the dashboard."""

from __future__ import annotations

import csv
import io
import re

import pytest
from web_support import EXAMPLES, ROLES

from chatwarden.model import Actor
from chatwarden.permissions import allowed
from chatwarden.registers import apps, devices, groups, incidents, misconduct

REGISTERS = EXAMPLES / "registers"
SENTINEL = "Zq7SENTINELvalue"


def _post(c, url, **data):
    return c.post(url, data={**data, "csrf_token": c.csrf}, follow_redirects=False)


def _upload(c, url, name, content, **data):
    return c.post(
        url,
        files={"file": (name, content)},
        data=data,
        headers={"X-CSRF-Token": c.csrf},
        follow_redirects=False,
    )


def _problems(html: str) -> str:
    m = re.search(r'<div class="problems" role="alert" id="problems">(.*?)</div>', html, re.DOTALL)
    assert m, "no problems box on the page"
    return m.group(1)


def _audit(web, action, subject_type=None):
    from chatwarden.audit_view import list_entries

    return [
        e
        for e in list_entries(web.store, web.admin, action=action, limit=500)
        if subject_type is None or e["subject_type"] == subject_type
    ]


PAGES = {
    "/registers": "register.view",
    "/registers/apps": "register.view",
    "/registers/apps/{app}": "register.view",
    "/registers/devices": "register.view",
    "/registers/devices/audit": "register.view",
    "/registers/groups": "register.view",
    "/registers/groups/{group}": "register.view",
    "/incidents": "incident.manage",
    "/incidents/report": "incident.report",
    "/incidents/{incident}": "incident.manage",
    "/misconduct": "misconduct.view",
    "/misconduct/new": "misconduct.edit",
    "/misconduct/{misconduct}": "misconduct.view",
}
CSV_DOWNLOADS = {
    "/registers/apps.csv": "register.view",
    "/registers/devices.csv": "register.view",
    "/registers/devices/audit.csv": "register.view",
    "/registers/groups.csv": "register.view",
    "/registers/group-members.csv": "register.view",
    "/incidents/log.csv": "incident.manage",
    "/misconduct.csv": "misconduct.view",
}


def _url(web, path):
    return re.sub(r"\{(\w+)\}", lambda m: str(web.ids[m.group(1)]), path)


@pytest.mark.parametrize("role", ROLES)
def test_each_page_renders_for_allowed_roles_and_is_403_for_others(web, clients, role):
    c = clients[role]
    actor = Actor("x", "x", (role,))
    for path, action in {**PAGES, **CSV_DOWNLOADS}.items():
        r = c.get(_url(web, path), follow_redirects=False)
        if allowed(actor, action):
            assert r.status_code == 200, (role, path, r.status_code)
            if path in CSV_DOWNLOADS:
                assert r.headers["content-type"].startswith("text/csv"), path
            else:
                assert "<h1>" in r.text and "Error id" not in r.text, path
        else:
            assert r.status_code == 403, (role, path, r.status_code)
            assert "your role does not include" in r.text


def test_navigation_offers_each_role_its_registers(web, clients):
    nav = lambda role: re.search(r"<nav>(.*?)</nav>", clients[role].get("/self-check").text, re.DOTALL).group(1)
    assert 'href="/incidents/report"' in nav("officer") and 'href="/registers"' not in nav("officer")
    assert 'href="/incidents"' in nav("data-office") and 'href="/incidents/report"' not in nav("data-office")
    foi = nav("foi-officer")
    assert 'href="/registers"' in foi and 'href="/misconduct"' in foi and 'href="/foi/requests"' in foi
    assert 'href="/foi/requests"' not in nav("professional-standards")
    page = clients["foi-officer"].get("/foi/statistics").text
    assert re.search(r'<a href="/foi/requests" class="active"', page)


def test_register_pages_carry_no_inline_script_or_style(web, clients):
    c = clients["administrator"]
    for path in PAGES:
        html = c.get(_url(web, path)).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert "style=" not in html and "<style" not in html, path
        assert re.search(r" on[a-z]+=", html) is None, path


# ---------------------------------------------------------------------------- approved apps
APP_FORM = {
    "app": "Signal",
    "kind": "local",
    "unit": "Kidnap Unit",
    "purpose": "covert liaison with partner agencies",
    "approver": "Det Supt A. STONE",
    "approver_role": "Superintendent",
    "start_date": "2024-01-01",
    "expiry_date": "2030-01-01",
    "reference": "KU-2024-01",
}


def test_apps_add_change_and_revoke_through_the_forms(web, clients):
    c = clients["data-office"]
    r = _post(c, "/registers/apps", **APP_FORM)
    assert r.status_code == 303
    app_id = int(re.search(r"/registers/apps/(\d+)\?saved=1$", r.headers["location"]).group(1))
    row = apps.get_app(web.store, web.admin, app_id)
    assert (row["app"], row["kind"], row["unit"], row["status"]) == ("Signal", "local", "Kidnap Unit", "current")
    page = c.get(f"/registers/apps/{app_id}").text
    assert 'id="app-status">current<' in page and 'value="2030-01-01"' in page

    # a change writes only the changed field; an unchanged form changes nothing
    before = len(_audit(web, "apps.update"))
    form = {**APP_FORM, "expiry_date": "2029-06-30"}
    assert _post(c, f"/registers/apps/{app_id}", **form).status_code == 303
    assert str(apps.get_app(web.store, web.admin, app_id)["expiry_date"]) == "2029-06-30"
    entries = _audit(web, "apps.update")
    assert len(entries) == before + 1 and set(entries[0]["after"]) == {"expiry_date"}
    assert _post(c, f"/registers/apps/{app_id}", **form).status_code == 303
    assert len(_audit(web, "apps.update")) == before + 1

    # revoking needs a reason
    r = _post(c, f"/registers/apps/{app_id}/revoke", reason=" ")
    assert r.status_code == 400 and "revoking needs a reason" in r.text
    assert _post(c, f"/registers/apps/{app_id}/revoke", reason="unit disbanded").status_code == 303
    assert apps.get_app(web.store, web.admin, app_id)["status"] == "revoked"
    assert "Revoke</button>" not in c.get(f"/registers/apps/{app_id}").text

    # a supervisor sees the register but may not change it
    sup = clients["supervisor"]
    assert sup.get("/registers/apps").status_code == 200
    assert _post(sup, "/registers/apps", **APP_FORM).status_code == 403
    assert "Add an approval" not in sup.get("/registers/apps").text


def test_app_form_problems_name_the_fields_and_never_the_values(web, clients):
    c = clients["data-office"]
    bad = {
        **APP_FORM,
        "kind": "local",
        "unit": "",
        "expiry_date": "",
        "start_date": "31/02/2024",
        "purpose": SENTINEL,
        "reference": "x" * 201,
    }
    r = _post(c, "/registers/apps", **bad)
    assert r.status_code == 400
    box = _problems(r.text)
    assert "start date" in box and "not a real date" in box and "reference" in box and "too long" in box
    assert SENTINEL not in box
    # the form comes back filled in, so nothing typed is lost
    assert f">{SENTINEL}</textarea>" in r.text
    assert not [a for a in apps.list_apps(web.store, web.admin) if a["purpose"] == SENTINEL]


def test_apps_csv_is_formula_guarded_and_imports_back_unchanged(web, clients):
    c = clients["data-office"]
    assert (
        _post(c, "/registers/apps", **{**APP_FORM, "unit": "Formula Unit", "purpose": "=HYPERLINK(1)"}).status_code
        == 303
    )
    r = c.get("/registers/apps.csv")
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
    assert r.headers["content-disposition"].startswith('attachment; filename="apps.csv"')
    assert r.headers["cache-control"] == "private, no-store"
    text = r.content.decode("utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(apps.SCHEMA.names) and "\r\n" in text and not text.startswith("\ufeff")
    assert any(row[3] == "'=HYPERLINK(1)" for row in rows[1:])
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    assert _audit(web, "apps.export")
    # the export imports back: every row matched, nothing changed
    r = _upload(c, "/registers/apps/import", "my apps export.csv", r.content)
    assert r.status_code == 303
    q = dict(p.split("=") for p in r.headers["location"].split("?")[1].split("&"))
    assert q["added"] == "0" and q["updated"] == "0" and int(q["unchanged"]) == len(rows) - 1
    assert "Imported: " in c.get(r.headers["location"]).text


def test_a_bad_register_file_is_refused_whole_with_every_problem(web, clients):
    c = clients["data-office"]
    count = len(apps.list_apps(web.store, web.admin))
    bad = (
        "app,kind,unit,purpose,approver,approver_role,start_date,expiry_date\r\n"
        f"Signal,local,Unit A,p,{SENTINEL},Superintendent,2024-01-01,2031-01-01\r\n"
        f"Signal,sideways,Unit B,p,X,Superintendent,{SENTINEL},\r\n"
    )
    r = _upload(c, "/registers/apps/import", f"{SENTINEL}.csv", bad.encode())
    assert r.status_code == 400 and 'id="import-problems"' in r.text
    assert "apps.csv:row 3, column kind" in r.text and "apps.csv:row 3, column start_date" in r.text
    assert SENTINEL not in r.text  # neither a cell nor the uploaded file's name
    assert len(apps.list_apps(web.store, web.admin)) == count  # nothing, not even the good row
    r = _upload(c, "/registers/apps/import", "apps.exe", b"MZ")
    assert r.status_code == 400 and "the file must be one of: .csv" in r.text


# ---------------------------------------------------------------------------- devices
def test_device_inventory_import_and_the_set_up_audit(web, clients):
    c = clients["data-office"]
    r = _upload(c, "/registers/devices/import", "intune export.json", (REGISTERS / "devices.json").read_bytes())
    assert r.status_code == 303 and "added=15" in r.headers["location"]
    r = _upload(c, "/registers/devices/import", "devices.csv", (REGISTERS / "devices.csv").read_bytes())
    assert r.status_code == 303 and "added=1" in r.headers["location"]  # the personal phone
    assert len(devices.list_devices(web.store, web.admin)) == 16
    page = clients["foi-officer"].get("/registers/devices?issued=no").text
    assert page.count("<tr>") - 1 == 1 and "personal</b>" in page

    audit = devices.audit_devices(web.store, web.admin)
    page = clients["supervisor"].get("/registers/devices/audit").text
    for section in ('id="by-unit"', 'id="by-person"', 'id="by-device"'):
        assert section in page
    assert page.count('class="device gaps"') == sum(1 for d in audit.devices if not d.compliant)
    # each gap names the rule it breaks (document and section) and the action
    assert "Rule: <code>device-personal</code> — 004" in page
    assert "Set Up and Configuration: 5. Turn off auto-save" in page and "Action:" in page
    assert "No crest hash given" in page

    r = c.get("/registers/devices/audit.csv?unit=" + audit.devices[0].unit)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = list(csv.reader(io.StringIO(r.text)))
    assert lines[0][:5] == ["unit", "person", "staff_number", "device_id", "check"]
    assert {row[0] for row in lines[1:]} == {audit.devices[0].unit}
    r = c.get("/registers/devices/audit?crest=not-a-hash")
    assert r.status_code == 400 and "16 hexadecimal digits" in r.text and "not-a-hash" not in r.text
    assert (
        clients["supervisor"]
        .post("/registers/devices/import", headers={"X-CSRF-Token": clients["supervisor"].csrf})
        .status_code
        == 403
    )


# ---------------------------------------------------------------------------- groups
def test_groups_members_consent_reconciliation_and_validation(web, clients):
    c = clients["data-office"]
    r = _post(
        c,
        "/registers/groups",
        name="Response Team B",
        purpose="team logistics",
        owner="Sgt Dan PRICE",
        admins="Sgt Dan PRICE; Sgt Helen MCCARTHY",
    )
    assert r.status_code == 303
    gid = int(re.search(r"/registers/groups/(\d+)", r.headers["location"]).group(1))
    assert groups.get_group(web.store, web.admin, gid)["admins"] == ["Sgt Dan PRICE", "Sgt Helen MCCARTHY"]

    r = _post(
        c, f"/registers/groups/{gid}/members", name="Sgt Dan PRICE", role="police", phone="07700 900101", leaver="no"
    )
    assert r.status_code == 303
    member = groups.get_group(web.store, web.admin, gid)["members"][0]
    assert member["phone"] == "+447700900101" and member["consent_date"] is None and member["leaver"] is False

    page = clients["foi-officer"].get(f"/registers/groups/{gid}").text
    # reconciled with the stored Response Team B export: people in the chat but not in the register
    assert "group-unregistered-member" in page and "group-no-consent" in page
    assert "Sgt Dan PRICE (police): no consent is recorded" in page
    assert "Rule: <code>group-no-consent</code> — 004" in page and "3. Consent" in page
    assert "The admins have validated" not in page  # the FOI officer cannot change the register

    # record consent on the member (only the changed fields are sent to the use case)
    r = _post(
        c,
        f"/registers/groups/{gid}/members/{member['id']}",
        name="Sgt Dan PRICE",
        role="police",
        phone="+447700900101",
        consent_date="2025-03-03",
        consent_ref="Outlook: consent register item 4",
        left_on="",
        leaver="no",
    )
    assert r.status_code == 303
    member = groups.get_group(web.store, web.admin, gid)["members"][0]
    assert str(member["consent_date"]) == "2025-03-03" and member["consent_ref"].startswith("Outlook")
    assert "Sgt Dan PRICE (police): no consent" not in c.get(f"/registers/groups/{gid}").text

    # a problem with a member form is shown beside that member's form
    r = _post(
        c,
        f"/registers/groups/{gid}/members/{member['id']}",
        name="Sgt Dan PRICE",
        role="police",
        consent_date="2999-01-01",
    )
    assert r.status_code == 400 and "is in the future" in r.text

    # validation reminders, then "mark validated"
    due = {x["group_id"] for x in groups.validation_due(web.store, web.admin, every_days=0)}
    assert gid in due
    assert _post(c, f"/registers/groups/{gid}/validated", note="checked at the team meeting").status_code == 303
    g = groups.get_group(web.store, web.admin, gid)
    assert g["last_validated_at"] is not None
    assert _audit(web, "groups.validate")[0]["after"]["note"] == "checked at the team meeting"
    listing = c.get("/registers/groups").text
    assert "Response Team B</a>" in listing and 'id="reminders"' in listing

    # CSV exports
    assert "Response Team B" in c.get("/registers/groups.csv").text
    members_csv = c.get("/registers/group-members.csv").text
    assert "'+447700900101" in members_csv  # phone numbers are formula-guarded


# ---------------------------------------------------------------------------- incidents
def test_an_officer_reports_an_incident_and_sees_only_the_form(web, clients):
    off = clients["officer"]
    page = off.get("/incidents/report").text
    assert 'id="report-form"' in page and 'name="owner"' not in page and "12 hours" in page
    # "not known" is not an answer to "was personal data breached?"
    r = _post(off, "/incidents/report", title="Phone lost", description=SENTINEL, aware_at="2025-03-30 00:30")
    assert r.status_code == 400
    box = _problems(r.text)
    assert "personal data" in box and SENTINEL not in box
    r = _post(
        off,
        "/incidents/report",
        title="Phone lost on the night bus",
        description="Force phone lost",
        aware_at="2025-03-30 00:30",
        personal_data="yes",
        risk="possible",
        owner="someone else",
    )
    assert r.status_code == 303
    ref = re.search(r"reported=(SI-\d{4}-\d{4})$", r.headers["location"]).group(1)
    assert ref in off.get(r.headers["location"]).text
    row = incidents.get_incident(web.store, web.admin, ref)
    assert row["reporter"] == "Officer User" and row["owner"] is None  # owner is not an officer's field
    assert off.get("/incidents").status_code == 403 and off.get(f"/incidents/{row['id']}").status_code == 403
    # 12 hours after 00:30 GMT on 30 March 2025 (the clocks go forward at 01:00) is 13:30 BST
    page = clients["data-office"].get("/incidents").text
    assert "due Sun 30/03/2025 13:30 BST" in page and "due Wed 02/04/2025 01:30 BST" in page
    assert 'class="flag overdue"' in page and "row-overdue" in page


def test_the_data_office_works_an_incident_through_its_clocks(web, clients):
    c = clients["data-office"]
    r = _post(
        c,
        "/incidents/report",
        title="Custody image in a group",
        description="posted and deleted",
        aware_at="2025-10-26 01:30+01:00",
        personal_data="yes",
        owner="IAU (J. MENSAH)",
    )
    assert r.status_code == 303
    iid = int(re.search(r"/incidents/(\d+)", r.headers["location"]).group(1))
    page = c.get(f"/incidents/{iid}").text
    # 01:30 BST on the day the clocks go back, + 12 h = 12:30 GMT
    assert "due Sun 26/10/2025 12:30 GMT" in page and "risk not yet assessed" in page
    assert _post(c, f"/incidents/{iid}/reported", reported_at="2025-10-26 11:00").status_code == 303
    i = incidents.get_incident(web.store, web.admin, iid)
    assert i["status"] == "reported" and i["clocks"]["iau"]["state"] == "met"
    # not notifying the ICO is refused while the risk is "possible", and needs a reason
    r = _post(c, f"/incidents/{iid}/ico", decision="not-notify", risk="possible", reason="")
    assert (
        r.status_code == 400 and "must be recorded with its reason" in r.text and "the ICO must be notified" in r.text
    )
    assert (
        _post(
            c,
            f"/incidents/{iid}/ico",
            decision="not-notify",
            risk="unlikely",
            reason="image deleted within minutes; group of officers only",
        ).status_code
        == 303
    )
    i = incidents.get_incident(web.store, web.admin, iid)
    assert i["ico_decision"] == "not-notify" and i["clocks"]["ico"]["state"] == "decided"
    assert _post(c, f"/incidents/{iid}/assign", owner="IAU (S. OKONKWO)").status_code == 303
    assert _post(c, f"/incidents/{iid}/close", reason=" ").status_code == 400
    assert _post(c, f"/incidents/{iid}/close", reason="lessons briefed").status_code == 303
    i = incidents.get_incident(web.store, web.admin, iid)
    assert (i["status"], i["owner"]) == ("closed", "IAU (S. OKONKWO)")
    page = c.get(f"/incidents/{iid}").text
    assert 'id="incident-status">closed<' in page and "Close</button>" not in page
    # the read of an incident is audited
    assert any(e["subject_id"] == str(iid) for e in _audit(web, "view", "incident"))

    # the incident log: both clocks in London time, formula-guarded
    r = c.get("/incidents/log.csv")
    assert r.status_code == 200 and r.headers["content-disposition"].startswith("attachment")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert list(rows[0]) == list(incidents.LOG_COLUMNS)
    mine = next(x for x in rows if x["title"] == "Custody image in a group")
    assert mine["iau_due"] == "Sun 26/10/2025 12:30 GMT" and mine["iau_clock"] == "met"
    assert mine["ico_decision"] == "not-notify"


def test_a_confirmed_data_leak_finding_opens_an_incident(web, clients):
    from chatwarden.cases import review

    leak = [
        f
        for f in review.review_queue(web.store, web.admin, status="open", limit=500)
        if f["category"] in incidents.LEAK_CATEGORIES
        and f["id"] not in web.ids["spare_findings"]
        and f["message_id"] is not None
    ]
    assert leak, "the sample export should hold a data-leak finding"
    fid = leak[0]["id"]
    rev = clients["reviewer"]
    assert 'id="open-incident"' not in rev.get(f"/findings/{fid}").text  # not confirmed yet
    assert _post(rev, f"/findings/{fid}/incident").status_code == 409
    assert _post(rev, f"/findings/{fid}/confirm").status_code == 303
    assert 'id="open-incident"' in rev.get(f"/findings/{fid}").text
    r = _post(rev, f"/findings/{fid}/incident")
    assert r.status_code == 303 and r.headers["location"].startswith(f"/findings/{fid}?incident=SI-")
    page = rev.get(f"/findings/{fid}").text
    assert 'id="incident-opened"' in page and 'id="open-incident"' not in page
    opened = [i for i in incidents.list_incidents(web.store, web.admin) if i["finding_id"] == fid]
    assert len(opened) == 1 and opened[0]["reporter"] == "Reviewer User" and opened[0]["personal_data"]
    assert _post(rev, f"/findings/{fid}/incident").status_code == 409  # once only
    # the Data Office follows the link to it
    assert f'href="/incidents/{opened[0]["id"]}"' in clients["administrator"].get(f"/findings/{fid}").text


# ---------------------------------------------------------------------------- misconduct
CASE_FORM = {
    "subject": "PC Jamie COLE",
    "subject_type": "officer",
    "rank_or_band": "police constable",
    "unit": "Central West BCU",
    "platform": "whatsapp",
    "categories": "offensive-conduct; personal-use",
    "standards": "9; authority, respect and courtesy",
    "regime": "2020",
    "stage": "meeting",
    "outcome": "first-written-warning",
    "recorded_on": "2024-02-01",
    "decided_on": "2024-06-15",
}


def test_misconduct_outcomes_are_checked_and_the_warning_expiry_computed(web, clients):
    ps = clients["professional-standards"]
    page = ps.get("/misconduct/new").text
    assert "data-allowed=" in page and "Outcomes allowed by subject and regime" in page
    r = _post(ps, "/misconduct", **{**CASE_FORM, "subject": SENTINEL})
    assert r.status_code == 400
    box = _problems(r.text)
    assert "First Written Warning is not an outcome for officer under the 2020 regime" in box and SENTINEL not in box
    r = _post(ps, "/misconduct", **{**CASE_FORM, "outcome": "written-warning"})
    assert r.status_code == 303
    mid = int(re.search(r"/misconduct/(\d+)", r.headers["location"]).group(1))
    case = misconduct.get_case(web.store, web.admin, mid)
    assert case["rank_or_band"] == "PC" and case["categories"] == ["offensive-conduct", "personal-use"]
    assert str(case["warning_expires_on"]) == "2025-12-15"  # 18 months
    page = ps.get(f"/misconduct/{mid}").text
    assert 'id="warning-expiry">15/12/2025 (computed)' in page

    # a final written warning lasts two years; a dismissal needs a hearing
    form = {**CASE_FORM, "rank_or_band": "PC", "outcome": "final-written-warning"}
    assert _post(ps, f"/misconduct/{mid}", **form).status_code == 303
    assert str(misconduct.get_case(web.store, web.admin, mid)["warning_expires_on"]) == "2026-06-15"
    r = _post(ps, f"/misconduct/{mid}", **{**form, "outcome": "dismissal-without-notice"})
    assert r.status_code == 400 and "can only be decided at a hearing" in r.text

    # the FOI officer reads, filters and exports the register but does not change it
    foi = clients["foi-officer"]
    assert _post(foi, f"/misconduct/{mid}", **form).status_code == 403
    listing = foi.get("/misconduct?subject_type=officer&regime=2020&outcome=final-written-warning").text
    assert "PC Jamie COLE" in listing and "PC Test SUBJECT" not in listing
    assert "PC Test SUBJECT" not in foi.get("/misconduct?live=1").text
    r = foi.get("/misconduct.csv")
    assert r.status_code == 200 and "PC Jamie COLE" in r.text and _audit(web, "misconduct.export")
    # the export imports back unchanged
    r = _upload(ps, "/misconduct/import", "misconduct.csv", r.content)
    assert r.status_code == 303 and "added=0&updated=0" in r.headers["location"]
    # the sample register imports through the page
    r = _upload(ps, "/misconduct/import", "misconduct.csv", (REGISTERS / "misconduct.csv").read_bytes())
    assert r.status_code == 303 and "rows=68" in r.headers["location"]
    assert 'id="live-warnings"' in foi.get("/misconduct").text


# ---------------------------------------------------------------------------- dashboard and API
def test_the_dashboard_shows_the_register_alerts_each_role_may_see(web, clients):
    d = clients["data-office"].get("/dashboard").text
    assert 'id="alert-incidents"' in d and 'id="alert-groups"' in d and 'id="alert-apps"' in d
    assert re.search(r"\d+ security incident clock\(s\) overdue", d)
    f = clients["foi-officer"].get("/dashboard").text
    assert 'id="alert-groups"' in f and 'id="alert-incidents"' not in f
    rv = clients["reviewer"].get("/dashboard").text
    assert 'id="alert-groups"' not in rv and 'id="alert-incidents"' not in rv
    api = clients["data-office"].get("/api/dashboard").json()
    assert api["registers"]["counts"]["incidents"] >= 1


def test_register_api_twins(web, clients):
    foi, off, do = clients["foi-officer"], clients["officer"], clients["data-office"]
    assert foi.get("/api/apps").status_code == 200 and clients["reviewer"].get("/api/apps").status_code == 403
    h = {"X-CSRF-Token": do.csrf}
    r = do.post("/api/apps", json={"app": "Wickr", "kind": "local", "purpose": SENTINEL}, headers=h)
    assert r.status_code == 400 and SENTINEL not in r.text
    fields = {p["field"] for p in r.json()["problems"]}
    assert {"approver", "approver_role", "start_date"} <= fields
    r = do.post("/api/apps", json={**APP_FORM, "unit": "API Unit"}, headers=h)
    assert r.status_code == 201 and r.json()["unit"] == "API Unit"
    # an officer reports through the API with the report fields only; unknown names are not repeated
    r = off.post(
        "/api/incidents",
        json={"title": "t", "description": "d", "aware_at": "2025-01-06 10:00", "personal_data": False, SENTINEL: 1},
        headers={"X-CSRF-Token": off.csrf},
    )
    assert r.status_code == 400 and SENTINEL not in r.text and "1 unknown field" in r.text
    r = off.post(
        "/api/incidents",
        json={"title": "t", "description": "d", "aware_at": "2025-01-06 10:00", "personal_data": False, "owner": "me"},
        headers={"X-CSRF-Token": off.csrf},
    )
    assert r.status_code == 400
    r = off.post(
        "/api/incidents",
        json={"title": "Lost phone", "description": "d", "aware_at": "2025-01-06 10:00", "personal_data": False},
        headers={"X-CSRF-Token": off.csrf},
    )
    assert r.status_code == 201 and r.json()["reporter"] == "Officer User"
    audit = do.get("/api/devices/audit").json()
    assert set(audit) >= {"devices", "people", "units"}
    rec = foi.get(f"/api/groups/{web.ids['group']}/reconcile").json()
    assert rec["group"] == "Matrix Group"
    assert do.post(f"/api/misconduct/{web.ids['misconduct']}", json={"case_id": 2**70}, headers=h).status_code == 403
    ps = clients["professional-standards"]
    r = ps.post(f"/api/misconduct/{web.ids['misconduct']}", json={"case_id": 2**70}, headers={"X-CSRF-Token": ps.csrf})
    assert r.status_code == 400 and r.json()["problems"] == [{"field": "case_id", "problem": "too large a number"}]
    # a time whose offset moves it out of the calendar is a problem of the field, not a server error
    r = _post(
        do, "/incidents/report", title="t", description="d", aware_at="0001-01-01T00:00+14:00", personal_data="no"
    )
    assert r.status_code == 400 and "aware at" in _problems(r.text)
    r = _post(do, f"/incidents/{web.ids['incident']}", aware_at="9999-12-31T23:59-10:00")
    assert r.status_code == 400 and ("not a time chatwarden can record" in r.text
                                     or "outside the range of dates that can be stored" in r.text)
