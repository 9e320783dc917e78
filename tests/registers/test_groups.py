"""Groups and consent (004, Set Up 2 and 3): the register, reconciliation with the
Response Team B export (consent, unknown contacts, leavers, owners), validation reminders,
CSV round trips and all-or-nothing imports, permissions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from registers_helpers import actor

from chatwarden.errors import NotFoundError, PermissionDenied
from chatwarden.registers import devices, groups
from chatwarden.registers.csvio import CSVError, RecordError

RTB = {"name": "Response Team B", "purpose": "team logistics and welfare", "owner": "Sgt Dan PRICE",
       "admins": "Sgt Dan PRICE; Sgt Helen MCCARTHY", "last_validated_at": "2025-03-03 09:00"}
CONSENT = {"consent_date": "2025-03-03", "consent_ref": "Outlook: B Team consent register"}
MEMBERS = [
    {"name": "Sgt Dan PRICE", "role": "police", **CONSENT},
    {"name": "Sgt Helen MCCARTHY", "role": "police", **CONSENT},
    {"name": "PC Priya SHAH", "role": "police", **CONSENT},
    {"name": "PC Tom WALSH", "role": "police", **CONSENT},
    {"name": "PC Chloe BENNETT", "role": "police", **CONSENT},
    {"name": "PC Marek NOWAK", "role": "police", **CONSENT, "leaver": "yes"},
    {"name": "PC Aisha RAHMAN", "role": "police", **CONSENT},
    {"name": "PC Kwame ASANTE", "role": "police", "consent_date": "2025-03-05", "consent_ref": "Outlook"},
    {"name": "PC Gary HOLLIS", "role": "police", "phone": "07700 900110", **CONSENT, "left_on": "2025-03-17"},
    {"name": "+44 7700 900123", "role": "police", "phone": "+447700900123"},
    {"name": "Insp Ruth ADEYEMI", "role": "police"},
]


def _register(store, admin):
    groups.add_group(store, admin, RTB)
    for m in MEMBERS:
        groups.add_member(store, admin, "Response Team B", m)
    # the device register tells who 'Gaz 🍺' is (profile name + phone), and who exported
    devices.add_device(store, admin, {"device_id": "MPS-AS-0110", "person": "Gary HOLLIS", "rank_role": "PC",
                                      "phone": "07700 900110", "wa_profile_name": "Gaz 🍺"})
    devices.add_device(store, admin, {"device_id": "MPS-AS-0109", "person": "Kwame ASANTE", "rank_role": "PC",
                                      "wa_profile_name": "PC Kwame ASANTE"})


def _by_check(rec):
    out: dict[str, list[str]] = {}
    for f in rec.findings:
        out.setdefault(f.check, []).append(f.detail)
    return out


def test_reconcile_with_the_export(store, admin, rtb_chat):
    _register(store, admin)
    [rec] = groups.reconcile(store, admin, "Response Team B")
    assert rec.chat_ids == (rtb_chat.chat_id,) and rec.matched_by == "name"
    assert rec.unregistered == ()  # everyone resolves: by name, phone, or the device register ('Gaz 🍺')
    got = _by_check(rec)
    assert sorted(got) == ["group-consent-after-add", "group-leaver", "group-no-consent", "group-unknown-contact"]
    assert got["group-no-consent"] == ["+44 7700 900123 (police): no consent is recorded",
                                       "Insp Ruth ADEYEMI (police): no consent is recorded"]
    assert got["group-unknown-contact"] == [
        "+44 7700 900123 is shown only as a number (joined using the group's invite link on 10/03/2025)"]
    assert got["group-consent-after-add"] == [
        "PC Kwame ASANTE was added by Sgt Dan PRICE on 03/03/2025, but consent is recorded on 05/03/2025"]
    assert got["group-leaver"] == ["PC Marek NOWAK is a leaver; the export shows they left on 19/03/2025: record the "
                                   "date in the register"]
    members = {m["name"]: m for m in rec.members}
    assert members["PC Gary HOLLIS"]["shown_as"] == ["Gaz 🍺"] and not members["PC Gary HOLLIS"]["in_chat_at_end"]
    assert members["PC Kwame ASANTE"]["in_chat_at_end"]
    for f in rec.findings:
        assert f.citations and f.action


def test_reconcile_finds_unregistered_members_leavers_still_in_and_no_owner(store, admin, rtb_chat):
    groups.add_group(store, admin, {**RTB, "owner": None})
    groups.link_chat(store, admin, "Response Team B", rtb_chat.chat_id)
    groups.add_member(store, admin, "Response Team B", {"name": "PC Priya SHAH", "role": "police", **CONSENT,
                                                        "left_on": "2025-03-10"})
    groups.add_member(store, admin, "Response Team B", {"name": "PC Tom WALSH", "role": "police", **CONSENT,
                                                        "leaver": "yes"})
    [rec] = groups.reconcile(store, admin)
    got = _by_check(rec)
    assert rec.matched_by == "chat_id"
    assert got["group-no-owner"] == ["no owner is recorded for the group"]
    assert "PC Priya SHAH left on 10/03/2025 according to the register, but the export shows them in the group on " \
           "22/03/2025" in got["group-leaver"]
    assert "PC Tom WALSH is a leaver and the export shows them still in the group" in got["group-leaver"]
    unreg = got["group-unregistered-member"]
    assert "Sgt Dan PRICE is in the chat (created the group on 03/03/2025) but not in the register, so no consent " \
           "is recorded" in unreg
    assert any(d.startswith("Gaz 🍺 was in the chat from 03/03/2025 to 17/03/2025") for d in unreg)
    assert "Gaz 🍺" in rec.unregistered


def test_register_only_checks_and_validation_reminders(store, admin):
    groups.add_group(store, admin, {"name": "Ward Panel", "purpose": "engagement", "owner": "PCSO Dev PATEL",
                                    "admins": "PCSO Dev PATEL", "last_validated_at": "2025-01-10 10:00"})
    groups.add_member(store, admin, "ward panel", {"name": "PCSO Dev PATEL", "role": "police", "leaver": "yes",
                                                   **CONSENT})
    groups.add_member(store, admin, "Ward Panel", {"name": "Janet FLYNN", "role": "public",
                                                   "consent_date": "2025-01-02"})
    [rec] = groups.reconcile(store, admin)
    got = _by_check(rec)
    assert rec.chat_ids == () and rec.matched_by == ""
    assert got["group-no-owner"] == ["the recorded owner PCSO Dev PATEL has left the group or is a leaver"]
    assert got["group-leaver"] == ["PCSO Dev PATEL is a leaver and no leaving date is recorded"]
    assert got["group-no-consent"] == ["Janet FLYNN (public): a consent date is recorded but not where the consent "
                                       "is held"]
    at = datetime(2025, 4, 9, 12, 0, tzinfo=UTC)  # 89 days after the validation
    assert groups.validation_due(store, admin, now=at) == []
    soon = groups.validation_due(store, admin, now=at, within_days=7)
    assert soon[0]["group"] == "Ward Panel" and soon[0]["overdue_days"] == 0
    late = groups.validation_due(store, admin, now=at + timedelta(days=30))
    assert late[0]["admins"] == ["PCSO Dev PATEL"] and late[0]["overdue_days"] == 29
    assert late[0]["finding"]["check"] == "group-validation-due" and "reminder to: PCSO Dev PATEL" in \
        late[0]["finding"]["detail"]
    groups.record_validation(store, admin, "Ward Panel", at=at + timedelta(days=30), note="all known")
    assert groups.validation_due(store, admin, now=at + timedelta(days=31)) == []


def test_csv_round_trips(store, admin):
    _register(store, admin)
    g_text, m_text = groups.export_csv(store, admin), groups.export_members_csv(store, admin)
    assert g_text.splitlines()[1].startswith("Response Team B,team logistics and welfare,Sgt Dan PRICE,"
                                             "Sgt Dan PRICE; Sgt Helen MCCARTHY,,2025-03-03T09:00:00+00:00")
    assert "'+44 7700 900123" in m_text  # a name that would start a formula is guarded
    assert groups.import_csv(store, admin, g_text).unchanged == 1
    assert groups.import_members_csv(store, admin, m_text).unchanged == len(MEMBERS)
    edited = m_text.replace("Insp Ruth ADEYEMI,,police,,,", "Insp Ruth ADEYEMI,,police,2025-03-10,Outlook item 10/03,")
    assert edited != m_text
    assert groups.import_members_csv(store, admin, edited).updated == 1
    assert groups.export_members_csv(store, admin) == edited


def test_bad_member_rows_import_nothing(store, admin):
    groups.add_group(store, admin, RTB)
    data = ("group,name,role,consent_date,phone\n"
            "Response Team B,PC A ONE,police,2025-03-03,\n"
            "No Such Group,PC B TWO,police,,\n"
            "Response Team B,PC C THREE,officer-ish,2099-01-01,123\n"
            "Response Team B,PC A ONE,police,,\n")
    with pytest.raises(CSVError) as exc:
        groups.import_members_csv(store, admin, data, "members.csv")
    assert exc.value.problems == [
        "members.csv:row 3, column group: no group of this name in the register (import the groups first)",
        "members.csv:row 4, column role: must be one of: police, partner, public",
        "members.csv:row 4, column phone: not a phone number",
        "members.csv:row 5, column name: the same member of the same group appears twice in the file",
    ]
    assert groups.list_members(store, admin, "Response Team B") == []


def test_use_case_rules_and_permissions(store, admin):
    groups.add_group(store, admin, RTB)
    with pytest.raises(RecordError, match="already has this name"):
        groups.add_group(store, admin, {**RTB, "name": "response team b"})
    with pytest.raises(RecordError, match="no stored chat"):
        groups.update_group(store, admin, "Response Team B", {"chat_id": 999})
    with pytest.raises(RecordError, match="is in the future"):
        groups.add_member(store, admin, "Response Team B", {"name": "X Y", "role": "public",
                                                            "consent_date": "2099-01-01"})
    with pytest.raises(NotFoundError):
        groups.get_group(store, admin, "Nope")
    m = groups.add_member(store, admin, "Response Team B", {"name": "PC A ONE", "role": "police"})
    groups.update_member(store, admin, "Response Team B", m["id"], CONSENT)
    assert groups.get_group(store, admin, "Response Team B")["members"][0]["consent_ref"] == CONSENT["consent_ref"]
    sup = actor("supervisor")
    assert groups.list_groups(store, sup)[0]["members"] == 1
    for call in (lambda: groups.add_member(store, sup, 1, {"name": "Z", "role": "public"}),
                 lambda: groups.record_validation(store, sup, 1),
                 lambda: groups.reconcile(store, actor("reviewer")),
                 lambda: groups.export_members_csv(store, actor("officer"))):
        with pytest.raises(PermissionDenied):
            call()
