"""Approved apps register (003, FAQ 9): use cases, rules, coverage checks, expiring
authorisations, CSV round trip and all-or-nothing imports, permissions."""

from __future__ import annotations

from datetime import date

import pytest
from registers_helpers import actor
from sqlalchemy import func, select

from chatwarden.errors import PermissionDenied
from chatwarden.registers import apps
from chatwarden.registers.csvio import CSVError, RecordError
from chatwarden.store.tables import approved_apps, audit_log

WHATSAPP = {"app": "WhatsApp", "kind": "corporate", "purpose": "policing use on MPS phones",
            "approver": "Mobile Applications Approvals Meeting", "approver_role": "MAAM", "start_date": "2023-06-01",
            "reference": "MAAM/2023/014"}
SIGNAL = {"app": "Signal", "kind": "corporate", "purpose": "for local authorisation",
          "approver": "Mobile Applications Approvals Meeting", "approver_role": "MAAM", "start_date": "2023-09-14"}
SIGNAL_KU = {"app": "signal", "kind": "local", "unit": "Kidnap Unit", "purpose": "partner negotiators",
             "approver": "Det Supt Karen OYELARAN", "approver_role": "Det Supt", "start_date": "2024-01-08",
             "expiry_date": "2025-01-07"}


def _audit(store, action):
    with store.read() as conn:
        q = select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.id)
        return conn.execute(q).mappings().all()


def test_add_update_revoke_list_are_audited(store, admin):
    wa = apps.add_app(store, admin, WHATSAPP)
    ku = apps.add_app(store, admin, SIGNAL_KU)
    assert ku["app"] == "Signal" and ku["approver_role"] == "Superintendent"  # canonical names
    assert [e["subject_id"] for e in _audit(store, "apps.add")] == [str(wa["id"]), str(ku["id"])]
    apps.update_app(store, admin, ku["id"], {"purpose": "negotiators of partner agencies"})
    apps.update_app(store, admin, ku["id"], {"purpose": "negotiators of partner agencies"})  # no change: no entry
    upd = _audit(store, "apps.update")
    assert len(upd) == 1 and upd[0]["before"] == {"purpose": "partner negotiators"}
    apps.revoke_app(store, admin, wa["id"], "superseded by MAAM/2025/002")
    assert _audit(store, "apps.revoke")[0]["after"]["reason"] == "superseded by MAAM/2025/002"
    rows = {r["id"]: r for r in apps.list_apps(store, admin, on=date(2024, 6, 1))}
    assert rows[wa["id"]]["status"] == "revoked" and rows[ku["id"]]["status"] == "current"
    assert [r["id"] for r in apps.list_apps(store, admin, state="expired", on=date(2025, 6, 1))] == [ku["id"]]


ENTRY_CASES = [
    ({"approver_role": "Superintendent"}, ("approver_role", "a corporate approval is given by")),
    ({"kind": "local"}, ("unit", "a local authorisation names the business unit")),
    ({"kind": "local", "unit": "X", "approver_role": "Superintendent", "expiry_date": "2024-01-01"},
     ("app", "WhatsApp needs no local authorisation")),
    ({"expiry_date": "2020-01-01"}, ("expiry_date", "is before the start date")),
    ({"approver_role": "Inspector"}, ("approver_role", "must be one of")),
    ({"start_date": "31/02/2024"}, ("start_date", "not a real date")),
]


def test_rules_of_an_entry(store, admin):
    for change, (field, problem) in ENTRY_CASES:
        with pytest.raises(RecordError) as exc:
            apps.add_app(store, admin, {**WHATSAPP, **change})
        assert any(f == field and problem in p for f, p in exc.value.problems), change
    with store.read() as conn:
        assert conn.execute(select(func.count()).select_from(approved_apps)).scalar_one() == 0
    assert _audit(store, "apps.add") == []


def test_coverage_and_expiring(store, admin):
    apps.add_app(store, admin, WHATSAPP)
    apps.add_app(store, admin, SIGNAL)
    apps.add_app(store, admin, SIGNAL_KU)
    with store.read() as conn:
        assert apps.coverage(conn, "WhatsApp", None, date(2024, 1, 1), date(2025, 3, 1)).ok
        before = apps.coverage(conn, "WhatsApp", None, date(2023, 5, 20), date(2023, 7, 1))
        assert [c for c, _ in before.problems] == ["app-no-approval"]
        assert "before its corporate" in before.problems[0][1]
        assert apps.coverage(conn, "Signal", "Kidnap Unit", date(2024, 3, 1)).ok
        expired = apps.coverage(conn, "org.thoughtcrime.securesms", "Kidnap Unit", date(2025, 2, 1))
        assert [c for c, _ in expired.problems] == ["app-authorisation-expired"]
        other_unit = apps.coverage(conn, "Signal", "TSG", date(2024, 3, 1))
        assert [c for c, _ in other_unit.problems] == ["app-local-not-authorised"]
        tg = apps.coverage(conn, "Telegram", "TSG", date(2024, 3, 1))
        assert [c for c, _ in tg.problems] == ["app-no-approval", "app-local-not-authorised"]
    soon = apps.expiring(store, admin, days=30, on=date(2024, 12, 20))
    assert [(r["app"], r["days_left"]) for r in soon] == [("Signal", 18)]
    assert soon[0]["finding"]["check"] == "app-authorisation-expiring"
    assert soon[0]["finding"]["rule"].startswith("003_234e258f6f5f1c7a.txt — FAQ 9")
    assert apps.expiring(store, admin, days=10, on=date(2024, 12, 20)) == []


def test_local_authorisation_without_corporate_approval(store, admin):
    apps.add_app(store, admin, {**SIGNAL_KU, "app": "Wickr", "expiry_date": "2026-01-07"})
    found = apps.check_register(store, admin, on=date(2025, 1, 1))
    assert [f.check for f in found] == ["app-local-without-corporate"]


def test_an_export_outside_the_approval_is_flagged(store, admin, rtb_chat):
    apps.add_app(store, admin, {**WHATSAPP, "start_date": "2025-03-10"})  # approved mid-chat
    found = apps.check_exports(store, admin)
    assert [f.check for f in found] == ["app-no-approval"]
    assert "03/03/2025" in found[0].detail and found[0].evidence["chat_id"] == rtb_chat.chat_id
    apps.update_app(store, admin, 1, {"start_date": "2023-06-01", "expiry_date": "2025-03-15"})
    assert "expired on 15/03/2025" in apps.check_exports(store, admin)[0].detail
    apps.update_app(store, admin, 1, {"expiry_date": None})
    assert apps.check_exports(store, admin) == []


def test_csv_round_trip(store, admin):
    for v in (WHATSAPP, SIGNAL, SIGNAL_KU):
        apps.add_app(store, admin, v)
    text = apps.export_csv(store, admin)
    assert _audit(store, "apps.export")[0]["after"] == {"rows": 3}
    again = apps.import_csv(store, admin, text, "apps.csv")  # the same file changes nothing
    assert (again.added, again.updated, again.unchanged) == (0, 0, 3)
    edited = text.replace("partner negotiators", "partner negotiators (renewed)")
    assert apps.import_csv(store, admin, edited, "apps.csv").updated == 1
    assert apps.export_csv(store, admin) == edited


def test_bad_rows_import_nothing(store, admin):
    data = ("app,kind,unit,purpose,approver,approver_role,start_date,expiry_date\n"
            "WhatsApp,corporate,,p,MAAM,MAAM,2023-06-01,\n"
            "Signal,local,,p,Supt A,Superintendent,2024-01-01,2025-01-01\n"
            "Signal,corporate,,p,MAAM,Mobile Applications Approvals Meeting,2024-13-01,\n"
            "WhatsApp,corporate,,p,MAAM,MAAM,2023-06-01,\n")
    with pytest.raises(CSVError) as exc:
        apps.import_csv(store, admin, data, "/some/where/apps.csv")
    assert exc.value.problems == [
        "apps.csv:row 3, column unit: a local authorisation names the business unit",
        "apps.csv:row 4, column start_date: not a real date",
        "apps.csv:row 5, column start_date: the same entry (app, kind, unit, start date) appears twice in the file",
    ]
    assert apps.list_apps(store, admin) == []
    assert _audit(store, "apps.add") == [] and _audit(store, "apps.import") == []


def test_permissions(store, admin):
    for role, can_view, can_edit in (("reviewer", False, False), ("supervisor", True, False),
                                     ("data-office", True, True), ("officer", False, False)):
        who = actor(role)
        if can_edit:
            apps.add_app(store, who, {**WHATSAPP, "start_date": "2024-01-01"})
        else:
            with pytest.raises(PermissionDenied):
                apps.add_app(store, who, WHATSAPP)
            with pytest.raises(PermissionDenied):
                apps.import_csv(store, who, "app\n", "apps.csv")
        if can_view:
            apps.list_apps(store, who)
            apps.expiring(store, who)
        else:
            for call in (apps.list_apps, apps.export_csv, apps.check_exports):
                with pytest.raises(PermissionDenied):
                    call(store, who)
