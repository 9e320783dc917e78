"""Build the sample governance registers in this folder (fictional, synthetic data).

    .venv/bin/python examples/registers/make_registers.py          # write the files
    .venv/bin/python examples/registers/make_registers.py --check  # exit 1 if a file is stale

The people of the Response Team B sample export (``examples/WhatsApp Chat with Response
Team B.txt``) appear in the device inventory and the groups register; everyone else is
invented.  Phone numbers are Ofcom drama numbers.  The crest is a synthetic drawing
labelled SYNTHETIC, not the MPS crest.  The misconduct register is drawn from a seeded
random generator around a few hand-written cases, so it is the same on every run (for a
given Pillow, which draws the photos whose hashes the inventory holds).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
from datetime import date, timedelta
from pathlib import Path

from PIL import Image, ImageDraw

from chatwarden.registers import apps, crest, devices, groups, incidents, misconduct
from chatwarden.registers.csvio import write_csv

HERE = Path(__file__).resolve().parent
RTB = "AS Response Team B"
NBH = "AS Neighbourhoods Lambeth"
KIDNAP = "Specialist Crime - Kidnap Unit"
PROTECTION = "Protection Command"
TSG = "Territorial Support Group"


# --------------------------------------------------------------------------------- images
def draw_crest(size: int = 256) -> Image.Image:
    """A synthetic stand-in for the crest: a shield with a star, labelled SYNTHETIC."""
    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    s = size / 256
    d.polygon([(40 * s, 30 * s), (216 * s, 30 * s), (216 * s, 140 * s), (128 * s, 230 * s), (40 * s, 140 * s)],
              fill=(18, 45, 110, 255), outline=(200, 170, 60, 255), width=int(6 * s))
    d.ellipse([88 * s, 60 * s, 168 * s, 140 * s], fill=(235, 235, 235, 255))
    star = [(128, 68), (138, 92), (164, 94), (144, 110), (151, 134), (128, 120), (105, 134), (112, 110), (92, 94),
            (118, 92)]
    d.polygon([(x * s, y * s) for x, y in star], fill=(200, 170, 60, 255))
    d.rectangle([60 * s, 160 * s, 196 * s, 178 * s], fill=(200, 170, 60, 255))
    d.text((70 * s, 162 * s), "SYNTHETIC", fill=(18, 45, 110, 255))
    return img


def screenshot_of(img: Image.Image, size: int, crop: int) -> Image.Image:
    """What the set-up steps produce: a screenshot of the crest, cropped and resized."""
    flat = Image.new("RGB", img.size, (255, 255, 255))
    flat.paste(img, mask=img.split()[3])
    w, h = flat.size
    cut = flat.crop((crop, crop, w - crop, h - crop)).resize((size, size), Image.Resampling.LANCZOS)
    buf = io.BytesIO()
    cut.save(buf, "PNG")
    return Image.open(io.BytesIO(buf.getvalue()))


def selfie(seed: int) -> Image.Image:
    """A synthetic 'personal photo': a face-like blob on a coloured background."""
    rnd = random.Random(seed)
    img = Image.new("RGB", (200, 200), (rnd.randrange(60, 200), rnd.randrange(60, 200), rnd.randrange(60, 200)))
    d = ImageDraw.Draw(img)
    d.ellipse([50, 30, 150, 150], fill=(224, 172, 140))
    d.rectangle([30, 150, 170, 200], fill=(rnd.randrange(0, 120), rnd.randrange(0, 120), rnd.randrange(0, 255)))
    return img


def pint() -> Image.Image:
    img = Image.new("RGB", (200, 200), (30, 110, 40))
    d = ImageDraw.Draw(img)
    d.polygon([(60, 30), (140, 30), (130, 180), (70, 180)], fill=(190, 120, 20))
    d.rectangle([60, 30, 140, 55], fill=(250, 245, 230))
    return img


# -------------------------------------------------------------------------------- devices
def device_rows(crest_img: Image.Image) -> list[dict]:
    crest_photo = crest.dhash(screenshot_of(crest_img, 192, 6))
    crest_photo2 = crest.dhash(screenshot_of(crest_img, 320, 3))
    std_apps = [{"name": "WhatsApp", "version": "2.25.5.74"}, {"name": "Microsoft Teams", "version": "1416/1.0.0"},
                {"name": "Outlook", "version": "4.2502.0"}, {"name": "Axon Capture", "version": "4.13.2"}]

    def dev(device_id, person, rank, unit, phone, staff, profile, photo, *, group_add="contacts", timer=90.0,
            save=False, last_seen="contacts", receipts=False, about="Available", on_leave=False, extra_apps=(),
            issued=True, source="MDM export (Intune-style), exported 2025-03-24T07:30:00Z"):
        return {"device_id": device_id, "issued": issued, "person": person, "staff_number": staff, "rank_role": rank,
                "unit": unit, "phone": phone, "apps": std_apps + list(extra_apps) if issued else
                [{"name": "WhatsApp", "version": "2.25.3.78"}], "wa_profile_name": profile, "wa_photo_hash": photo,
                "wa_group_add": group_add, "wa_default_timer_days": timer, "wa_save_to_camera_roll": save,
                "wa_last_seen": last_seen, "wa_read_receipts": receipts, "wa_about": about, "on_leave": on_leave,
                "source": source}

    return [
        dev("MPS-AS-0101", "Dan PRICE", "Sgt", RTB, "+447700900101", "210101", "Sgt Dan PRICE", crest_photo),
        dev("MPS-AS-0102", "Helen MCCARTHY", "Sgt", RTB, "+447700900102", "210102", "Sgt Helen MCCARTHY",
            crest_photo2, last_seen="everyone", receipts=True),
        dev("MPS-AS-0103", "Ruth ADEYEMI", "Insp", RTB, "+447700900103", "210103", "Insp Ruth ADEYEMI", crest_photo,
            group_add="everyone", on_leave=True, about="Available"),
        dev("MPS-AS-0104", "Priya SHAH", "PC", RTB, "+447700900104", "210104", "PC Priya SHAH", crest_photo),
        dev("MPS-AS-0105", "Tom WALSH", "PC", RTB, "+447700900105", "210105", "PC Tom WALSH", crest_photo,
            save=True),
        dev("MPS-AS-0106", "Chloe BENNETT", "PC", RTB, "+447700900106", "210106", "PC Chloe BENNETT", crest_photo2),
        dev("MPS-AS-0107", "Marek NOWAK", "PC", TSG, "+447700900107", "210107", "PC Marek NOWAK", crest_photo,
            timer=7.0),
        dev("MPS-AS-0108", "Aisha RAHMAN", "PC", RTB, "+447700900108", "210108", "PC Aisha RAHMAN",
            crest.dhash(selfie(8))),
        dev("MPS-AS-0109", "Kwame ASANTE", "PC", RTB, "+447700900109", "210109", "PC Kwame ASANTE", crest_photo),
        dev("MPS-AS-0110", "Gary HOLLIS", "PC", RTB, "+447700900110", "210110", "Gaz 🍺", crest.dhash(pint()),
            group_add="everyone", timer=0.0, save=True, last_seen="everyone", receipts=True, about="🍻",
            extra_apps=[{"name": "Telegram", "version": "11.8.1"}]),
        dev("PERSONAL-AS-0110-A", "Gary HOLLIS", "PC", RTB, "+447700900910", "210110", "Gaz", None, issued=False,
            group_add=None, timer=None, save=None, last_seen=None, receipts=None, about=None,
            source="PSD enquiry 18/03/2025 (not enrolled in MDM)"),
        dev("MPS-AS-0111", "Ellie MORGAN", "PC", RTB, "+447700900123", "210111", "PC Ellie MORGAN", crest_photo),
        dev("MPS-AS-0120", "Dev PATEL", "PCSO", NBH, "+447700900120", "210120", "PCSO Dev PATEL", crest_photo,
            extra_apps=[{"name": "Signal", "version": "7.30.1"}]),
        dev("MPS-AS-0121", "Sophie TURNER", "Band E Engagement Officer", NBH, "+447700900121", "310121",
            "Sophie TURNER Engagement Officer", crest_photo2, on_leave=True,
            about="On annual leave until 31/03, not monitored. Call 101 or 999 in an emergency"),
        dev("MPS-SC-0201", "Jamal OKORO", "DS", KIDNAP, "+447700900201", "220201", "DS Jamal OKORO", crest_photo,
            extra_apps=[{"name": "Signal", "version": "7.30.1"}]),
        dev("MPS-PC-0301", "Fiona GALLAGHER", "Insp", PROTECTION, "+447700900301", "230301",
            "Insp Fiona GALLAGHER", crest_photo, extra_apps=[{"name": "BBM Enterprise", "version": "1.31.0"}]),
    ]


def devices_json(rows: list[dict]) -> str:
    """The issued devices as an MDM (Intune-style) export: WhatsApp settings under
    "whatsapp", some fields the register does not use (ignored on import)."""
    out = []
    for r in rows:
        if not r["issued"]:
            continue
        out.append({
            "id": r["device_id"], "deviceName": f"iPhone 13 ({r['device_id']})", "operatingSystem": "iOS",
            "osVersion": "18.3.2", "managedDeviceOwnerType": "company", "complianceState": "compliant",
            "userDisplayName": r["person"], "employeeId": r["staff_number"], "jobTitle": r["rank_role"],
            "department": r["unit"], "phoneNumber": r["phone"],
            "detectedApps": [{"displayName": a["name"], "version": a["version"]} for a in r["apps"]],
            "whatsapp": {
                "profileName": r["wa_profile_name"], "profilePhotoHash": r["wa_photo_hash"],
                "groupAddPrivacy": {"contacts": "My contacts", "everyone": "Everyone"}[r["wa_group_add"]],
                "defaultMessageTimer": "off" if not r["wa_default_timer_days"] else
                f"{r['wa_default_timer_days']:g} days",
                "saveToCameraRoll": r["wa_save_to_camera_roll"], "lastSeen": r["wa_last_seen"],
                "readReceipts": r["wa_read_receipts"], "about": r["wa_about"],
            },
            "onLeave": r["on_leave"],
        })
    doc = {"source": "MDM export (Intune-style)", "exportedAt": "2025-03-24T07:30:00Z",
           "devices": out}
    return json.dumps(doc, ensure_ascii=False, indent=2) + "\n"


# ----------------------------------------------------------------------------------- apps
def app_rows() -> list[dict]:
    def a(app, kind, unit, purpose, approver, role, start, expiry, ref):
        return {"app": app, "kind": kind, "unit": unit, "purpose": purpose, "approver": approver,
                "approver_role": role, "start_date": date.fromisoformat(start),
                "expiry_date": date.fromisoformat(expiry) if expiry else None, "reference": ref, "revoked": False}

    maam = apps.MAAM
    return [
        a("WhatsApp", "corporate", None, "Instant messaging on MPS-issued smartphones under the Instant Messaging "
          "guidance: colleagues, partners, and victims and witnesses who agree", "Mobile Applications Approvals "
          "Meeting", maam, "2023-06-01", None, "MAAM/2023/014"),
        a("Signal", "corporate", None, "Cleared for local authorisation where partners require Signal",
          "Mobile Applications Approvals Meeting", maam, "2023-09-14", None, "MAAM/2023/031"),
        a("BBM Enterprise", "corporate", None, "Cleared for local authorisation for protective security teams",
          "Mobile Applications Approvals Meeting", maam, "2021-11-18", None, "MAAM/2021/022"),
        a("Signal", "local", KIDNAP, "Liaison with partner negotiators during live kidnap investigations",
          "Det Supt Karen OYELARAN", "Superintendent", "2024-01-08", "2025-01-07", "SC-KU/AUTH/2024/01"),
        a("BBM Enterprise", "local", PROTECTION, "Secure messaging with principals' private offices",
          "Ch Supt Alan WHITFIELD", "Chief Superintendent", "2025-06-01", "2027-05-31", "PC/AUTH/2025/07"),
        a("Signal", "local", NBH, "Liaison with Lambeth Safer Neighbourhood Board partners who use Signal",
          "Supt Mark ELLISON", "Superintendent", "2025-12-16", "2026-12-15", "AS/AUTH/2025/12"),
        a("Wickr", "local", TSG, "Coordination with a partner agency's protest liaison team",
          "Supt Rachel DUNNE", "Superintendent", "2026-03-01", "2027-02-28", "TSG/AUTH/2026/02"),
    ]


# --------------------------------------------------------------------------------- groups
def group_rows() -> tuple[list[dict], list[dict]]:
    from chatwarden.registers.clocks import parse_datetime

    gs = [
        {"name": "Response Team B", "purpose": "AS Response Team B logistics, kit, welfare and who's where; nothing "
         "operational or sensitive", "owner": "Sgt Dan PRICE", "admins": ["Sgt Dan PRICE", "Sgt Helen MCCARTHY"],
         "chat_id": None, "last_validated_at": parse_datetime("2025-03-03 09:00")},
        {"name": "Coldharbour Ward Panel", "purpose": "Engagement with the Coldharbour ward panel and partners: "
         "meeting dates, priorities, events", "owner": "PCSO Dev PATEL", "admins": ["PCSO Dev PATEL"],
         "chat_id": None, "last_validated_at": parse_datetime("2026-10-05 14:30")},
        {"name": "AS Late Turn Swaps", "purpose": "Offers and requests to swap late turns (approved by the duty "
         "sergeant on the duties system)", "owner": None, "admins": ["PC Tom WALSH"], "chat_id": None,
         "last_validated_at": None},
    ]
    consent = "Outlook: B Team consent register (shared mailbox), item of 03/03/2025"

    def m(group, name, role, phone=None, consent_date=None, ref=None, left_on=None, leaver=False):
        return {"group": group, "name": name, "phone": phone, "role": role,
                "consent_date": date.fromisoformat(consent_date) if consent_date else None, "consent_ref": ref,
                "left_on": date.fromisoformat(left_on) if left_on else None, "leaver": leaver}

    rtb = "Response Team B"
    ms = [
        m(rtb, "Sgt Dan PRICE", "police", "+447700900101", "2025-03-03", consent),
        m(rtb, "Sgt Helen MCCARTHY", "police", "+447700900102", "2025-03-03", consent),
        m(rtb, "PC Priya SHAH", "police", "+447700900104", "2025-03-03", consent),
        m(rtb, "PC Tom WALSH", "police", "+447700900105", "2025-03-03", consent),
        m(rtb, "PC Chloe BENNETT", "police", "+447700900106", "2025-03-03", consent),
        m(rtb, "PC Marek NOWAK", "police", "+447700900107", "2025-03-03", consent, leaver=True),
        m(rtb, "PC Aisha RAHMAN", "police", "+447700900108", "2025-03-03", consent),
        m(rtb, "PC Kwame ASANTE", "police", "+447700900109", "2025-03-05",
          "Outlook: B Team consent register (shared mailbox), item of 05/03/2025"),
        m(rtb, "PC Gary HOLLIS", "police", "+447700900110", "2025-03-03", consent, left_on="2025-03-17"),
        m(rtb, "+44 7700 900123", "police", "+447700900123"),
        m(rtb, "Insp Ruth ADEYEMI", "police", "+447700900103"),
        m("Coldharbour Ward Panel", "PCSO Dev PATEL", "police", "+447700900120", "2026-01-12",
          "Outlook: Coldharbour SNT consent folder, 12/01/2026"),
        m("Coldharbour Ward Panel", "Maureen ADEBAYO", "public", "+447700900501", "2026-01-12",
          "Outlook: Coldharbour SNT consent folder, 12/01/2026"),
        m("Coldharbour Ward Panel", "Tariq HUSSAIN (Lambeth Council ASB team)", "partner", "+447700900502",
          "2026-01-14", "Outlook: Coldharbour SNT consent folder, 14/01/2026"),
        m("Coldharbour Ward Panel", "Janet FLYNN", "public", "+447700900503"),
        m("Coldharbour Ward Panel", "PC Marek NOWAK", "police", "+447700900107", "2026-01-12",
          "Outlook: Coldharbour SNT consent folder, 12/01/2026", leaver=True),
        m("AS Late Turn Swaps", "PC Tom WALSH", "police", "+447700900105", "2025-02-10",
          "CONNECT duties note 10/02/2025"),
        m("AS Late Turn Swaps", "PC Priya SHAH", "police", "+447700900104", "2025-02-10",
          "CONNECT duties note 10/02/2025"),
        m("AS Late Turn Swaps", "PC Chloe BENNETT", "police", "+447700900106", "2025-02-11",
          "CONNECT duties note 11/02/2025"),
    ]
    return gs, ms


# ------------------------------------------------------------------------------ incidents
def incident_rows() -> list[dict]:
    from chatwarden.registers.clocks import parse_datetime as t

    def i(ref, title, description, aware, reporter, *, occurred=None, reported=None, data=None, systems=None,
          people=None, personal=False, risk=None, decision=None, reason=None, notified=None, status="open",
          owner=None):
        return {"ref": ref, "title": title, "description": description,
                "occurred_at": t(occurred) if occurred else None,
                "aware_at": t(aware), "reported_at": t(reported) if reported else None, "reporter": reporter,
                "data_involved": data, "systems_involved": systems, "people_affected": people,
                "personal_data": personal, "risk": risk, "ico_decision": decision, "ico_decision_reason": reason,
                "ico_notified_at": t(notified) if notified else None, "status": status, "owner": owner,
                "finding_id": None}

    wa = "WhatsApp group 'Response Team B' on MPS-issued phones"
    return [
        i("SI-2025-0007", "PNC record posted in a team WhatsApp group",
          "A PNC ID with warrant and warning markers was posted in the team group; a sergeant challenged it and it "
          "was deleted within minutes.", "2025-03-04 13:22", "Sgt Helen MCCARTHY", occurred="2025-03-04 13:20",
          reported="2025-03-04 16:05", data="PNC ID, warrant status and warning markers of one person",
          systems=wa + "; PNC", people=1, personal=True, risk="unlikely", decision="not-notify",
          reason="Seen only by ten MPS officers with a policing need to know; deleted within minutes; no onward "
                 "sharing found.", status="closed", owner="IAU Data Office (J. MENSAH)"),
        i("SI-2025-0009", "Custody image shared in a team WhatsApp group",
          "A custody photograph of a detained person was posted with a mocking caption; deleted on a sergeant's "
          "instruction. Reported the next morning.", "2025-03-05 11:05", "Sgt Dan PRICE",
          occurred="2025-03-05 11:02", reported="2025-03-06 09:30", data="Custody image of one detained person",
          systems=wa, people=1, personal=True, risk="likely", decision="notify", notified="2025-03-07 10:00",
          status="closed", owner="IAU Data Office (J. MENSAH)"),
        i("SI-2025-0011", "OFFICIAL-SENSITIVE operation briefing forwarded to a team WhatsApp group",
          "Entry time and tactics of a planned operation were forwarded from the briefing pack by mistake.",
          "2025-03-14 09:16", "Sgt Helen MCCARTHY", occurred="2025-03-14 09:15", reported="2025-03-14 10:00",
          data="Operational briefing (no personal data)", systems=wa, personal=False, status="reported",
          owner="IAU Data Office (S. OKONKWO)"),
        i("SI-2025-0012", "Vulnerable adult's name, date of birth and address posted in a team WhatsApp group",
          "A welfare-check request with the name, date of birth and address of an elderly person was posted instead "
          "of being put on CAD.", "2025-03-13 10:07", "Sgt Helen MCCARTHY", occurred="2025-03-13 10:05",
          reported="2025-03-13 11:00", data="Name, date of birth and home address of one vulnerable adult",
          systems=wa, people=1, personal=True, risk="high", decision="notify", notified="2025-03-15 09:00",
          status="reported", owner="IAU Data Office (S. OKONKWO)"),
        i("SI-2025-0031", "MPS phone lost on a night bus during the October clock change",
          "Work phone left on a night bus. Reported lost at 01:30 BST; the clocks went back at 02:00 BST. Remotely "
          "wiped at 03:10 GMT. The 12-hour deadline fell at 12:30 GMT, not 13:30.",
          "2025-10-26T01:30:00+01:00", "PC Priya SHAH", occurred="2025-10-26T01:05:00+01:00",
          reported="2025-10-26T12:45:00+00:00", data="Work contacts and WhatsApp chats (device encrypted)",
          systems="MPS-issued iPhone MPS-AS-0104", people=40, personal=True, risk="unlikely", decision="not-notify",
          reason="Device encrypted with a passcode and remotely wiped within two hours; no sign of access.",
          status="closed", owner="IAU Data Office (J. MENSAH)"),
        i("SI-2026-0004", "Screenshots of a victim's messages sent to a personal phone",
          "An officer screenshotted messages from a victim on the work phone and sent them to a personal phone. "
          "Not yet reported to the IAU.", "2026-03-29 00:45", "PC Chloe BENNETT", occurred="2026-03-28 23:50",
          data="Messages from a victim of domestic abuse, with her name and address",
          systems="MPS-issued iPhone; a personal phone", people=1, personal=True),
    ]


# ----------------------------------------------------------------------------- misconduct
FIRST = ("James", "Sarah", "Mohammed", "Emma", "Daniel", "Olivia", "Liam", "Aaliyah", "Connor", "Grace", "Kofi",
         "Hannah", "Ryan", "Zara", "Lewis", "Megan", "Arjun", "Niamh", "Callum", "Jade", "Ethan", "Amira", "Joe",
         "Rebecca", "Samuel", "Leah", "Tyrone", "Katie", "Adam", "Sinead")
LAST = ("REID", "COLLINS", "AHMED", "WARD", "OSEI", "FLETCHER", "MURPHY", "KHAN", "BARKER", "NWOSU", "DOYLE", "PRICE",
        "LEWIS", "MENDES", "HARRIS", "QUINN", "BOATENG", "PARRY", "SINGH", "FOSTER", "MCKENZIE", "OWUSU", "HART",
        "DALTON", "ABBOTT", "CHAUDHRY", "GRANT", "MORRIS", "FINCH", "OKAFOR")
UNITS = (RTB, NBH, "AS CID", "AW Response Team C", "NE Neighbourhoods Hackney", "SE Custody Lewisham", TSG,
         "Roads and Transport Policing Command", "Met Command and Control", "Specialist Crime - Public Protection",
         "Firearms Command", "Frontline Policing HQ")
CATS = (("offensive-conduct", 50), ("sensitive-personal-data", 12), ("official-sensitive", 10), ("personal-use", 10),
        ("evidence-intelligence", 6), ("investigation-material", 7), ("operational-decision", 5))
STANDARDS_FOR = {
    "offensive-conduct": ["authority-respect-and-courtesy", "equality-and-diversity", "discreditable-conduct"],
    "sensitive-personal-data": ["confidentiality"],
    "official-sensitive": ["confidentiality", "orders-and-instructions"],
    "personal-use": ["orders-and-instructions", "duties-and-responsibilities"],
    "evidence-intelligence": ["confidentiality", "orders-and-instructions"],
    "investigation-material": ["confidentiality", "duties-and-responsibilities"],
    "operational-decision": ["duties-and-responsibilities", "orders-and-instructions"],
}
PER_YEAR = {2017: 5, 2018: 6, 2019: 7, 2020: 7, 2021: 8, 2022: 9, 2023: 9, 2024: 8, 2025: 4}


def _pick(rnd: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rnd.choices([w[0] for w in weighted], [w[1] for w in weighted])[0]


def misconduct_rows() -> list[dict]:
    rnd = random.Random(20250317)
    rows: list[dict] = []
    used: set[str] = {"Gary HOLLIS", "Tom WALSH", "Aisha RAHMAN", "Marek NOWAK", "Ruth ADEYEMI"}
    cutoff = date(2025, 12, 31)
    for year, n in PER_YEAR.items():
        for _ in range(n):
            while True:
                name = f"{rnd.choice(FIRST)} {rnd.choice(LAST)}"
                if name not in used:
                    used.add(name)
                    break
            officer = rnd.random() < 0.75
            rank = _pick(rnd, (("PC", 58), ("Sgt", 16), ("DC", 9), ("Insp", 7), ("DS", 4), ("Ch Insp", 3),
                               ("Supt", 1), ("SC", 2))) if officer else \
                _pick(rnd, (("Band E", 30), ("Band D", 25), ("Band F", 18), ("Band C", 12), ("PCSO", 15)))
            recorded = date(year, 1, 1) + timedelta(days=rnd.randrange(0, 360 if year < 2025 else 300))
            regime = "2012" if recorded < misconduct.REGS_2020_IN_FORCE else "2020"
            cat = _pick(rnd, CATS)
            cats = [cat] + ([c] if (c := _pick(rnd, CATS)) != cat and rnd.random() < 0.3 else [])
            standards = list(dict.fromkeys(s for c in cats for s in STANDARDS_FOR[c]))
            platform = _pick(rnd, (("whatsapp", 62), ("social-media", 24), ("other-im", 14)))
            if cat == "offensive-conduct" and rnd.random() < 0.2:
                standards.append("challenging-and-reporting-improper-conduct")
            st = "officer" if officer else "staff"
            allowed = [o for o in misconduct.ALLOWED[(st, regime)] if o != "pending"]
            weights = {"written-warning": 26, "final-written-warning": 20, "first-written-warning": 26,
                       "management-advice": 18, "reduction-in-rank": 4, "dismissal-without-notice": 12,
                       "dismissal-with-notice": 2, "would-have-been-dismissed": 6, "dismissal": 12,
                       "no-case-to-answer": 10, "rprp": 14}
            outcome = rnd.choices(allowed, [weights[o] for o in allowed])[0]
            decided = recorded + timedelta(days=rnd.randrange(45, 420))
            if decided > cutoff:
                outcome, decided = "pending", None
            if outcome in misconduct.HEARING_ONLY:
                stage = "hearing"
            elif outcome in ("written-warning", "first-written-warning", "management-advice"):
                stage = "meeting"
            elif outcome == "final-written-warning":
                stage = rnd.choice(["meeting", "hearing"])
            elif outcome == "rprp":
                stage = "rprp"
            elif outcome == "no-case-to-answer":
                stage = rnd.choice(["assessment", "investigation"])
            else:
                stage = rnd.choice(["investigation", "hearing"])
            who = rnd.random()
            challenged = None if who < 0.55 else rnd.choice(["Colleague (PC)", "Line manager (Sgt)",
                                                              "Colleague (police staff)", "Group admin (Sgt)"])
            reported = rnd.choice(["Colleague (PC)", "Line manager (Sgt)", "Member of the public",
                                   "Right Care line (anonymous)", "Lawful business monitoring", "Partner agency"])
            rows.append({
                "ref": None, "subject": name, "subject_type": st, "rank_or_band": rank, "unit": rnd.choice(UNITS),
                "gender": _pick(rnd, (("male", 68), ("female", 29), ("not-recorded", 3))), "platform": platform,
                "categories": cats, "standards": standards, "regime": regime, "stage": stage, "outcome": outcome,
                "recorded_on": recorded, "decided_on": decided,
                "warning_expires_on": misconduct.warning_expiry(outcome, decided),
                "challenged_by": challenged, "reported_by": reported, "finding_ids": [], "case_id": None,
                "package_ids": [],
            })

    def case(subject, rank, outcome, stage, cats, standards, recorded, decided, challenged, reported, unit=RTB,
             gender="male"):
        d = date.fromisoformat(decided) if decided else None
        return {"ref": None, "subject": subject, "subject_type": "officer", "rank_or_band": rank, "unit": unit,
                "gender": gender, "platform": "whatsapp", "categories": cats, "standards": standards,
                "regime": "2020", "stage": stage, "outcome": outcome, "recorded_on": date.fromisoformat(recorded),
                "decided_on": d, "warning_expires_on": misconduct.warning_expiry(outcome, d),
                "challenged_by": challenged, "reported_by": reported, "finding_ids": [], "case_id": None,
                "package_ids": []}

    rows += [
        case("Gary HOLLIS", "PC", "pending", "hearing", ["offensive-conduct", "personal-use"],
             ["authority-respect-and-courtesy", "equality-and-diversity", "discreditable-conduct"], "2025-03-17",
             None, "Sgt Helen MCCARTHY; PC Kwame ASANTE; PC Chloe BENNETT", "PC Priya SHAH"),
        case("Tom WALSH", "PC", "rprp", "rprp", ["official-sensitive"], ["confidentiality", "orders-and-instructions"],
             "2025-03-06", "2025-04-10", "Sgt Dan PRICE", "Sgt Dan PRICE"),
        case("Aisha RAHMAN", "PC", "rprp", "rprp", ["official-sensitive"], ["confidentiality"], "2025-03-05",
             "2025-04-02", "Sgt Helen MCCARTHY", "Sgt Helen MCCARTHY", gender="female"),
        case("Marek NOWAK", "PC", "written-warning", "meeting", ["evidence-intelligence", "sensitive-personal-data"],
             ["confidentiality", "orders-and-instructions"], "2025-03-14", "2025-06-20",
             "Sgt Dan PRICE; Sgt Helen MCCARTHY", "Sgt Dan PRICE"),
        case("Ruth ADEYEMI", "Insp", "no-case-to-answer", "assessment", ["operational-decision"],
             ["duties-and-responsibilities"], "2025-03-14", "2025-03-28", "Sgt Dan PRICE", "Sgt Dan PRICE",
             gender="female"),
    ]
    rows.sort(key=lambda r: (r["recorded_on"], r["subject"]))
    counters: dict[int, int] = {}
    for r in rows:
        y = r["recorded_on"].year
        counters[y] = counters.get(y, 0) + 1
        r["ref"] = f"MC-{y}-{counters[y]:04d}"
    return rows


# ----------------------------------------------------------------------------------- main
def build() -> dict[str, bytes]:
    crest_path = HERE / "crest.png"
    if crest_path.exists():
        crest_img = Image.open(crest_path).convert("RGBA")
    else:
        crest_img = draw_crest()
    buf = io.BytesIO()
    draw_crest().save(buf, "PNG", optimize=True)
    devs = device_rows(crest_img)
    gs, ms = group_rows()
    files = {
        "apps.csv": write_csv(apps.SCHEMA, app_rows()),
        "devices.csv": write_csv(devices.SCHEMA, devs),
        "devices.json": devices_json(devs),
        "groups.csv": write_csv(groups.SCHEMA, gs),
        "group_members.csv": write_csv(groups.MEMBER_SCHEMA, ms),
        "incidents.csv": write_csv(incidents.SCHEMA, incident_rows()),
        "misconduct.csv": write_csv(misconduct.SCHEMA, misconduct_rows()),
    }
    out = {k: v.encode("utf-8") for k, v in files.items()}
    if not crest_path.exists():
        out["crest.png"] = buf.getvalue()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if a committed file differs from what is built")
    args = ap.parse_args(argv)
    files = build()
    stale = [n for n, data in files.items() if not (HERE / n).exists() or (HERE / n).read_bytes() != data]
    if args.check:
        if stale:
            print("stale: " + ", ".join(stale) + " (run examples/registers/make_registers.py)")
            return 1
        return 0
    for name in stale:
        (HERE / name).write_bytes(files[name])
        print(f"wrote {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
