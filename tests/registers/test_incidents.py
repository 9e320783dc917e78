"""Security incidents (003, FAQ 19; UK GDPR Art 33; DPA 2018 s67): the report form, both
clocks (stored in UTC, shown in London time, right across the clock changes), overdue
alerts, ICO decisions, closing, opening from a confirmed finding, the log, CSV, permissions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from registers_helpers import actor
from sqlalchemy import select, update

from chatwarden.cases import review
from chatwarden.errors import ConflictError, PermissionDenied, WorkflowError
from chatwarden.registers import clocks, dashboard, incidents
from chatwarden.registers.csvio import CSVError, RecordError
from chatwarden.store.tables import audit_log, findings
from chatwarden.store.tables import incidents as incidents_table

FORM = {"title": "Phone lost on a night bus", "description": "Work phone left on the N2.",
        "aware_at": "2025-03-30 00:30", "data_involved": "work contacts", "systems_involved": "MPS iPhone",
        "people_affected": "40", "personal_data": "yes"}


def t(text: str) -> datetime:
    return clocks.parse_datetime(text)


def test_report_and_clocks_across_the_march_change(store, admin):
    officer = actor("officer")
    r = incidents.report_incident(store, officer, FORM, now=t("2025-03-30 02:00"))
    assert r["ref"].startswith("SI-") and r["reporter"] == "Officer USER" and r["status"] == "open"
    assert r["aware_at"] == datetime(2025, 3, 30, 0, 30, tzinfo=UTC)  # stored in UTC
    iau, ico = r["clocks"]["iau"], r["clocks"]["ico"]
    assert iau["due_london"] == "Sun 30/03/2025 13:30 BST" and iau["state"] == "running"
    assert ico["due_london"] == "Wed 02/04/2025 01:30 BST" and "risk not yet assessed" in ico["note"]
    with store.read() as conn:  # what the database holds is the UTC instant on both backends
        stored = conn.execute(select(incidents_table.c.aware_at)).scalar_one()
    assert clocks.as_utc(stored) == datetime(2025, 3, 30, 0, 30, tzinfo=UTC)
    with store.read() as conn:
        entry = conn.execute(select(audit_log).where(audit_log.c.action == "incidents.report")).mappings().one()
    assert entry["actor_name"] == "Officer USER" and "description" not in entry["after"]


def test_overdue_detection(store, admin):
    incidents.report_incident(store, admin, FORM, now=t("2025-03-30 02:00"))
    at = t("2025-03-30 13:29")
    assert incidents.overdue(store, admin, now=at) == []
    soon = incidents.overdue(store, admin, now=at, within_hours=1)
    assert [(f.check, f.severity) for f in soon] == [("incident-iau-overdue", "medium")]
    late = incidents.overdue(store, admin, now=t("2025-03-30 13:31"))
    assert [f.check for f in late] == ["incident-iau-overdue"] and "overdue by 1 min" in late[0].detail
    both = incidents.overdue(store, admin, now=t("2025-04-02 02:00"))
    assert [f.check for f in both] == ["incident-ico-overdue", "incident-iau-overdue"]  # most severe first
    assert both[0].rule == "UK GDPR — Article 33(1)"
    alerts = dashboard.alerts(store, admin, now=t("2025-04-02 02:00"))
    assert alerts["counts"]["incidents"] == 2 and alerts["overdue_incidents"] == 2


def test_the_october_change_and_a_late_report(store, admin):
    r = incidents.report_incident(store, admin, {**FORM, "aware_at": "2025-10-26T01:30:00+01:00"},
                                  now=t("2025-10-26 03:00"))
    assert r["clocks"]["iau"]["due_london"] == "Sun 26/10/2025 12:30 GMT"
    r = incidents.mark_reported(store, admin, r["ref"], t("2025-10-26 12:45"), now=t("2025-10-26 13:00"))
    assert r["status"] == "reported" and r["clocks"]["iau"]["state"] == "late"
    assert r["clocks"]["iau"]["remaining"] == "late by 15 min"
    with pytest.raises(RecordError, match="happens twice"):
        incidents.report_incident(store, admin, {**FORM, "aware_at": "2025-10-26 01:30"})


def test_ico_decisions_and_closing(store, admin):
    r = incidents.report_incident(store, admin, FORM, now=t("2025-03-30 02:00"))
    ref = r["ref"]
    now = t("2025-03-31 09:00")
    incidents.mark_reported(store, admin, ref, t("2025-03-30 08:00"), now=now)
    with pytest.raises(RecordError, match="must be recorded with its reason"):
        incidents.record_ico_decision(store, admin, ref, "not-notify", risk="unlikely", now=now)
    with pytest.raises(RecordError, match="the ICO must be notified"):
        incidents.record_ico_decision(store, admin, ref, "not-notify", reason="x", risk="likely", now=now)
    with pytest.raises(RecordError, match="only be closed with an ICO decision"):
        incidents.close_incident(store, admin, ref, reason="done", now=now)
    r = incidents.record_ico_decision(store, admin, ref, "not-notify", reason="encrypted and wiped", risk="unlikely",
                                      now=now)
    assert r["clocks"]["ico"]["state"] == "decided"
    assert incidents.overdue(store, admin, now=t("2025-04-10 00:00")) == []
    r = incidents.close_incident(store, admin, ref, reason="no further action", now=now)
    assert r["status"] == "closed"
    with store.read() as conn:
        last = conn.execute(select(audit_log).where(audit_log.c.action == "incidents.update")
                            .order_by(audit_log.c.id.desc())).mappings().first()
    assert last["after"] == {"status": "closed", "reason": "no further action"}
    # notification time implies the decision; high risk means telling the people affected
    r2 = incidents.report_incident(store, admin, {**FORM, "risk": "high"}, now=t("2025-03-30 02:00"))
    r2 = incidents.update_incident(store, admin, r2["id"], {"ico_notified_at": "2025-03-31 08:00",
                                                            "reported_at": "2025-03-30 06:00"}, now=now)
    assert r2["ico_decision"] == "notify" and r2["clocks"]["ico"]["state"] == "met"
    assert [f.check for f in incidents.overdue(store, admin, now=now)] == ["incident-subjects"]


FORM_RULES = [
    ({"aware_at": "2099-01-01 10:00"}, "aware_at"),
    ({"occurred_at": "2025-03-30 03:00"}, "occurred_at"),
    ({"reported_at": "2025-03-29 23:00"}, "reported_at"),
    ({"personal_data": "no", "ico_decision": "notify"}, "ico_decision"),
    ({"status": "closed"}, "status"),
]


def test_form_rules(store, admin):
    for change, field in FORM_RULES:
        with pytest.raises(RecordError) as exc:
            incidents.report_incident(store, admin, {**FORM, **change})
        assert field in [f for f, _ in exc.value.problems], change
    assert incidents.list_incidents(store, admin) == []


def test_incident_from_a_confirmed_finding(store, admin, rtb_chat):
    with store.read() as conn:
        fid = conn.execute(select(findings.c.id).order_by(findings.c.id)).scalars().first()
    with pytest.raises(WorkflowError, match="only a confirmed finding"):
        incidents.incident_from_finding(store, admin, fid)
    review.confirm(store, admin, fid)
    with pytest.raises(WorkflowError, match="not a data leak"):
        incidents.incident_from_finding(store, admin, fid)
    with store.transaction() as conn:  # make it a data leak (the governance detector finds none)
        conn.execute(update(findings).where(findings.c.id == fid).values(category="sensitive-personal-data"))
    r = incidents.incident_from_finding(store, admin, fid)
    assert r["finding_id"] == fid and r["personal_data"] is True and r["reporter"] == admin.name
    assert f"Opened from finding {fid}" in r["description"] and "not copied here" in r["description"]
    assert abs(r["aware_at"] - clocks.now_utc()) < timedelta(minutes=5)  # confirmed just now
    with pytest.raises(ConflictError):
        incidents.incident_from_finding(store, admin, fid)


def test_log_and_csv_round_trip(store, admin):
    a = incidents.report_incident(store, admin, {**FORM, "title": "=HYPERLINK(1)"}, now=t("2025-03-30 02:00"))
    incidents.report_incident(store, admin, {**FORM, "personal_data": "no", "aware_at": "2025-07-01 09:00",
                                             "reported_at": "2025-07-01 10:00"})
    log = incidents.incident_log(store, admin, now=t("2025-07-02 00:00"))
    assert [r["ref"] for r in log] == [a["ref"], "SI-" + log[1]["ref"][3:]]
    assert log[0]["iau_clock"].startswith("overdue") and log[1]["iau_clock"] == "met"
    assert log[1]["ico_clock"] == "not-applicable"
    text = incidents.incident_log_csv(store, admin)
    assert text.splitlines()[1].split(",")[1] == "'=HYPERLINK(1)"
    exported = incidents.export_csv(store, admin)
    assert incidents.import_csv(store, admin, exported).unchanged == 2
    edited = exported.replace("Work phone left on the N2.", "Left on the N2 at Brixton.", 1)
    assert incidents.import_csv(store, admin, edited).updated == 1
    assert incidents.export_csv(store, admin) == edited
    with store.read() as conn:  # free text is audited as changed, not copied into the permanent trail
        entry = conn.execute(select(audit_log).where(audit_log.c.action == "incidents.update")).mappings().one()
    assert entry["before"] == {"description": {"chars": 26}} and entry["after"] == {"description": {"chars": 26}}


def test_bad_rows_import_nothing(store, admin):
    data = ("ref,title,description,aware_at,reporter,personal_data,risk,ico_decision\n"
            "SI-1,t,d,2025-03-30 09:00,A,yes,,\n"
            ",t,d,2025-03-30 09:00,A,no,,\n"
            "SI-3,t,d,2025-03-30 01:30,A,yes,high,not-notify\n"
            "SI-4,t,d,2025-04-01 09:00,A,yes,likely,not-notify\n")
    with pytest.raises(CSVError) as exc:
        incidents.import_csv(store, admin, data, "incidents.csv")
    assert exc.value.problems[0] == "incidents.csv:row 3, column ref: required in an imported file"
    assert exc.value.problems[1].startswith("incidents.csv:row 4, column aware_at: does not exist in London")
    assert "incidents.csv:row 5, column ico_decision_reason: a decision not to notify the ICO must be recorded " \
           "with its reason" in exc.value.problems
    with store.read() as conn:
        assert conn.execute(select(incidents_table.c.id)).first() is None


def test_permissions(store, admin):
    officer, office, sup = actor("officer"), actor("data-office"), actor("supervisor")
    r = incidents.report_incident(store, officer, {**FORM, "reporter": "Someone ELSE"})
    assert r["reporter"] == "Officer USER"  # an officer reports as themselves
    with pytest.raises(PermissionDenied, match="owner, status needs 'incident.manage'"):
        incidents.report_incident(store, officer, {**FORM, "status": "closed", "owner": "me"})
    assert incidents.report_incident(store, office, {**FORM, "owner": "IAU", "reporter": "PC A B"})["reporter"] == \
        "PC A B"  # the Data Office may enter a report on someone's behalf
    for call in (lambda: incidents.list_incidents(store, officer), lambda: incidents.get_incident(store, officer, 1),
                 lambda: incidents.overdue(store, sup), lambda: incidents.mark_reported(store, sup, r["ref"]),
                 lambda: incidents.export_csv(store, officer)):
        with pytest.raises(PermissionDenied):
            call()
    assert incidents.get_incident(store, office, r["ref"])["ref"] == r["ref"]
    incidents.assign(store, office, r["ref"], "IAU (J. MENSAH)")
    assert "incidents" not in dashboard.alerts(store, sup)  # the dashboard shows what the actor may see
