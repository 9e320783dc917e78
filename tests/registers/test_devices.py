"""Device inventory and set-up audit (004, Set Up and Configuration 1-7; personal devices):
CSV and MDM JSON imports, every rule, the crest, what exports show, per person and unit."""

from __future__ import annotations

import json
from datetime import date

import pytest
from registers_helpers import actor, as_screenshot, draw_crest
from sqlalchemy import select

from chatwarden.errors import PermissionDenied
from chatwarden.registers import apps, crest, devices
from chatwarden.registers.csvio import CSVError, RecordError
from chatwarden.store.tables import audit_log

GOOD = {"device_id": "MPS-1", "person": "Dan PRICE", "rank_role": "Sgt", "unit": "Team B", "phone": "07700 900101",
        "apps": "WhatsApp (2.25.5); Teams (1416)", "wa_profile_name": "Sgt Dan PRICE", "wa_group_add": "My contacts",
        "wa_default_timer_days": "90 days", "wa_save_to_camera_roll": "no", "wa_last_seen": "contacts",
        "wa_read_receipts": "no", "wa_about": "Available", "on_leave": "no"}


@pytest.fixture
def approved(store, admin):
    """WhatsApp has its corporate approval (so installed WhatsApp is not a finding)."""
    apps.add_app(store, admin, {"app": "WhatsApp", "kind": "corporate", "purpose": "p", "approver": "MAAM",
                                "approver_role": "MAAM", "start_date": "2023-01-01"})


@pytest.fixture
def crest_hash(crest_file):
    return crest.dhash(crest_file)


RULE_CASES = [
    ({"wa_profile_name": "Gaz 🍺"}, "device-name", "contains emoji"),
    ({"wa_profile_name": "Dan"}, "device-name", "no rank, band or role"),
    ({"wa_profile_name": "Sgt Dan SMITH"}, "device-name", "does not name the person"),
    ({"wa_group_add": "everyone"}, "device-group-add", "Everyone"),
    ({"wa_default_timer_days": "off"}, "device-disappearing", "is off"),
    ({"wa_default_timer_days": "24h"}, "device-disappearing", "1 day(s), not 90"),
    ({"wa_save_to_camera_roll": "yes"}, "device-auto-save", "Save to Camera Roll"),
    ({"wa_last_seen": "everyone", "wa_read_receipts": "yes"}, "device-privacy", "defaults"),
    ({"on_leave": "yes"}, "device-out-of-office", "not an out-of-office"),
    ({"wa_about": "Out of office until Monday"}, "device-out-of-office", "still says out of office"),
    ({"issued": "no"}, "device-personal", "personal"),
    ({"apps": "WhatsApp (2.25); Telegram (11.8)"}, "device-unapproved-app", "Telegram has no corporate approval"),
]


def test_each_set_up_rule(store, admin, approved):
    """One device, compliant; each case changes one setting and must break exactly one rule."""
    devices.add_device(store, admin, GOOD)
    assert devices.audit_devices(store, admin).findings == []
    baseline = {k: GOOD.get(k) for k in ("wa_profile_name", "wa_group_add", "wa_default_timer_days",
                                         "wa_save_to_camera_roll", "wa_last_seen", "wa_read_receipts", "wa_about",
                                         "on_leave", "apps")}
    baseline["issued"] = "yes"
    for change, check, detail in RULE_CASES:
        devices.update_device(store, admin, "MPS-1", change)
        found = devices.audit_devices(store, admin).findings
        assert [f.check for f in found] == [check], change
        assert detail in found[0].detail
        assert found[0].rule.startswith(("004_fb39a41d194af020.txt", "003_234e258f6f5f1c7a.txt"))
        devices.update_device(store, admin, "MPS-1", baseline)
    assert devices.audit_devices(store, admin).findings == []


def test_crest_photo(store, admin, approved, crest_hash):
    screenshot = crest.dhash(as_screenshot(draw_crest(), 180, 5))
    devices.add_device(store, admin, {**GOOD, "wa_photo_hash": screenshot})
    devices.add_device(store, admin, {**GOOD, "device_id": "MPS-2", "wa_photo_hash": "ffff0000ffff0000"})
    report = devices.audit_devices(store, admin, crest_hash=crest_hash)
    by_dev = {d.device_id: d for d in report.devices}
    assert "device-crest" in by_dev["MPS-1"].passed
    assert [f.check for f in by_dev["MPS-2"].findings] == ["device-crest"]
    without = devices.audit_devices(store, admin)  # no crest given: not checked, never "compliant"
    assert ("device-crest", "no crest image given to compare with") in without.devices[0].not_checked


def test_unknown_settings_are_not_checked(store, admin):
    devices.add_device(store, admin, {"device_id": "MPS-9", "person": "Ann LEE", "unit": "X"})
    d = devices.audit_devices(store, admin).devices[0]
    assert d.findings == () and d.passed == ("device-out-of-office",)  # not on leave: nothing to set
    assert {c for c, _ in d.not_checked} >= {"device-name", "device-group-add", "device-disappearing",
                                              "device-auto-save", "device-privacy", "device-unapproved-app"}


def test_reports_per_person_and_unit(store, admin, approved):
    devices.add_device(store, admin, {**GOOD, "staff_number": "1"})
    devices.add_device(store, admin, {**GOOD, "device_id": "P-1", "issued": "no", "staff_number": "1"})
    devices.add_device(store, admin, {**GOOD, "device_id": "MPS-3", "person": "Ann LEE", "unit": "Team C",
                                      "wa_profile_name": "PC Ann LEE", "wa_save_to_camera_roll": "yes"})
    r = devices.audit_devices(store, admin)
    people = {p.person: p for p in r.people}
    assert people["Dan PRICE"].devices == ("MPS-1", "P-1") and people["Dan PRICE"].checks == ("device-personal",)
    units = {u.unit: u for u in r.units}
    assert (units["Team B"].devices, units["Team B"].people, units["Team B"].compliant_devices,
            units["Team B"].personal_devices) == (2, 1, 1, 1)
    assert units["Team C"].gaps == {"device-auto-save": 1}
    lines = r.to_csv().splitlines()
    assert lines[0].startswith("unit,person,staff_number,device_id,check")
    assert len(lines) == 3
    assert devices.audit_devices(store, admin, unit="team c").devices[0].device_id == "MPS-3"


def test_what_the_exports_show(store, admin, approved, rtb_chat):
    """Ellie (number only in the export) turned disappearing messages off; Dan set 7 days;
    'Gaz 🍺' is seen in the chat.  Matched by phone, profile name, and 'you' = exporter."""
    devices.add_device(store, admin, {**GOOD, "device_id": "MPS-DAN", "phone": "07700 900101"})
    devices.add_device(store, admin, {**GOOD, "device_id": "MPS-ELLIE", "person": "Ellie MORGAN",
                                      "rank_role": "PC", "wa_profile_name": "PC Ellie MORGAN",
                                      "phone": "+44 7700 900123"})
    devices.add_device(store, admin, {**GOOD, "device_id": "MPS-GAZ", "person": "Gary HOLLIS", "rank_role": "PC",
                                      "wa_profile_name": None, "phone": "07700 900110"})
    devices.update_device(store, admin, "MPS-GAZ", {"wa_profile_name": None})
    r = devices.audit_devices(store, admin)
    by = {d.device_id: d for d in r.devices}
    dan = [f for f in by["MPS-DAN"].findings if f.check == "export-disappearing"]
    assert len(dan) == 1 and "7 day(s)" in dan[0].detail and "line 11" in dan[0].detail and dan[0].severity == "low"
    ellie = [f for f in by["MPS-ELLIE"].findings if f.check == "export-disappearing"]
    assert len(ellie) == 1 and "turned off" in ellie[0].detail and "line 145" in ellie[0].detail
    assert by["MPS-GAZ"].findings == ()  # profile name unknown, phone not shown for named members
    devices.update_device(store, admin, "MPS-GAZ", {"wa_profile_name": "Gaz 🍺"})
    gaz = devices.audit_devices(store, admin).devices
    f = [x for x in gaz if x.device_id == "MPS-GAZ"][0].findings[0]
    assert f.check == "device-name" and f.evidence["seen_in_chats"][0]["chat"] == "Response Team B"
    assert devices.audit_devices(store, admin, use_exports=False).devices[0].findings == ()


def test_csv_import_round_trip_and_audit(store, admin):
    devices.add_device(store, admin, GOOD)
    devices.add_device(store, admin, {**GOOD, "device_id": "MPS-2", "person": "Ann LEE", "wa_about": "=cmd()"})
    text = devices.export_csv(store, admin)
    assert ",'+447700900101," in text and ",'=cmd()," in text  # formula-guarded cells
    assert devices.import_csv(store, admin, text, "devices.csv").unchanged == 2
    edited = text.replace("Ann LEE", "Ann LEE-SMITH")
    r = devices.import_csv(store, admin, edited, "devices.csv")
    assert (r.updated, r.unchanged) == (1, 1)
    assert devices.export_csv(store, admin) == edited
    with store.read() as conn:
        entry = conn.execute(select(audit_log).where(audit_log.c.action == "devices.update")).mappings().all()[-1]
    assert entry["before"] == {"person": "Ann LEE"} and entry["after"]["person"] == "Ann LEE-SMITH"


def test_bad_csv_rows_import_nothing(store, admin):
    data = ("device_id,person,phone,wa_group_add,wa_default_timer_days,wa_photo_hash\n"
            "A,Ann LEE,07700 900101,contacts,90,ffff0000ffff0000\n"
            "B,,12,sometimes,forever,xyz\n"
            "A,Ann LEE,,,,\n")
    with pytest.raises(CSVError) as exc:
        devices.import_csv(store, admin, data, "inventory.csv")
    assert exc.value.problems == [
        "inventory.csv:row 3, column person: required",
        "inventory.csv:row 3, column phone: not a phone number",
        "inventory.csv:row 3, column wa_group_add: must be one of: everyone, contacts, contacts-except, nobody",
        "inventory.csv:row 3, column wa_default_timer_days: not a timer (days, e.g. 90, or 24h, or off)",
        "inventory.csv:row 3, column wa_photo_hash: not a 64-bit perceptual hash (16 hex digits)",
        "inventory.csv:row 4, column device_id: the same device appears twice in the file",
    ]
    assert devices.list_devices(store, admin) == []


MDM = {
    "source": "Intune", "exportedAt": "2025-03-24T07:30:00Z",
    "devices": [
        {"id": "MPS-1", "managedDeviceOwnerType": "company", "userDisplayName": "Dan PRICE", "jobTitle": "Sgt",
         "department": "Team B", "phoneNumber": "+447700900101", "osVersion": "18.3",
         "detectedApps": [{"displayName": "WhatsApp Messenger", "version": "25.5.74"},
                          {"displayName": "org.thoughtcrime.securesms", "version": "7.30"}],
         "whatsapp": {"profileName": "Sgt Dan PRICE", "groupAddPrivacy": "My contacts",
                      "defaultMessageTimer": "90 days",
                      "saveToCameraRoll": False, "lastSeen": "Everyone", "readReceipts": True, "pinned": 3}},
        {"deviceId": "P-7", "ownership": "personal", "userDisplayName": "Gary HOLLIS", "employeeId": 210110},
    ],
}


def test_mdm_json_import(store, admin, approved):
    r = devices.import_json(store, admin, json.dumps(MDM), "/exports/mdm.json")
    assert (r.source, r.added) == ("mdm.json", 2)
    assert r.ignored_fields == ("osVersion", "whatsapp.pinned")
    d = devices.get_device(store, admin, "MPS-1")
    assert d["apps"] == [{"name": "WhatsApp", "version": "25.5.74"}, {"name": "Signal", "version": "7.30"}]
    assert (d["wa_group_add"], d["wa_default_timer_days"], d["wa_last_seen"], d["issued"]) == \
        ("contacts", 90.0, "everyone", True)
    assert d["source"] == "Intune, exported 2025-03-24T07:30:00Z"
    assert devices.get_device(store, admin, "P-7")["issued"] is False
    assert devices.get_device(store, admin, "P-7")["staff_number"] == "210110"
    checks = sorted(f.check for f in devices.audit_devices(store, admin, on=date(2025, 3, 24)).findings)
    assert checks == ["device-personal", "device-privacy", "device-unapproved-app"]


BAD_MDM = [
    ('{"devices": [', "mdm.json:line 1, column 14: not valid JSON"),
    ('{"devices": {}}', "mdm.json: expected a list of devices"),
    ('{"devices": [{"id": "A", "userDisplayName": "X", "phoneNumber": 7700900101}]}',
     "mdm.json:device 1, field phone: must be text"),
    ('[{"id": "A", "userDisplayName": "X", "whatsapp": {"photoHash": 12345}}]',
     "mdm.json:device 1, field wa_photo_hash: has the wrong type"),
    ('[{"id": "A"}, 5, {"id": "B", "userDisplayName": "Y", "whatsapp": {"saveToCameraRoll": "often"}}]',
     "mdm.json:device 1, field person: required"),
]


def test_bad_mdm_json_imports_nothing(store, admin):
    for doc, problem in BAD_MDM:
        with pytest.raises(CSVError) as exc:
            devices.import_json(store, admin, doc, "mdm.json")
        assert exc.value.problems[0].startswith(problem)
    assert devices.list_devices(store, admin) == []


def test_record_problems_and_permissions(store, admin):
    with pytest.raises(RecordError) as exc:
        devices.add_device(store, admin, {"device_id": "X", "wa_default_timer_days": "-1"})
    assert {f for f, _ in exc.value.problems} == {"person", "wa_default_timer_days"}
    devices.add_device(store, admin, GOOD)
    with pytest.raises(RecordError, match="already has this device id"):
        devices.add_device(store, admin, GOOD)
    sup = actor("supervisor")
    assert devices.audit_devices(store, sup).devices
    with pytest.raises(PermissionDenied):
        devices.update_device(store, sup, "MPS-1", {"unit": "Y"})
    with pytest.raises(PermissionDenied):
        devices.audit_devices(store, actor("reviewer"))
    with pytest.raises(PermissionDenied):
        devices.import_json(store, actor("officer"), "[]", "x.json")
