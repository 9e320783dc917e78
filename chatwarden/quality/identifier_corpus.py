"""A generated corpus of short police-chat messages with gold identifier spans.

``generate(n, seed)`` returns ``n`` messages as ``(text, [(label, start, end), ...])``.  The
messages are written the way Met officers write in a WhatsApp group ("PNC shows 03/62845E
for the male", "VRM LD21 ABC seen on Croydon Rd", "his NI is QQ 12 34 56 C"); every
identifier in them is generated at random and is *valid* (right check letter, mod 11, Luhn,
NINO prefix, postcode position rules, VRM letter sets, licence birth fields ...), and the
gold span is exactly the characters of the identifier.

The mix, by construction: about 55 % of messages carry one or two identifiers (some with
context words, some without, as people write them), about 30 % carry look-alikes that must
*not* be reported (times ``10:30``, tours ``0600-2200``, money ``£12.50``, percentages, dates
with no date-of-birth context, meeting rooms ``2.14``, roads ``M25``/``A40``, fleet and car
numbers, PNC IDs with a wrong check letter, NHS numbers failing mod 11, card numbers failing
Luhn, impossible NI prefixes, 9-digit and 8-digit numbers with no passport/account context,
``PS5``), and about 15 % are plain chat with no number at all.

The corpus is an engineering yardstick, not evidence about real traffic: the templates were
written by the same people as the detector.  ``docs/quality/identifiers.md`` says so.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

import phonenumbers

from chatwarden.detect.identifiers.checks import MOD23_LETTERS

Gold = list[tuple[str, int, int]]

# ------------------------------------------------------------------ value generators
_TAG_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXY"
_VRM_LETTERS = "ABCDEFGHJKLMNOPRSTUVWXYZ"
_NINO_FIRST = "ABCEGHJKLMNOPRSTWXYZ"
_NINO_SECOND = "ABCEGHJKLMNPRSTWXYZ"
_NINO_BAD = {"BG", "GB", "KN", "NK", "NT", "TN", "ZZ", "OO", "CR", "FY", "MW", "NC", "PP", "PY", "PZ"}
_OUTWARD = (
    "SE15 SE5 SE1 SE17 SE22 SE23 SE24 SE25 SE13 SE6 SW2 SW9 SW17 SW16 SW11 SW4 SW1A SW1P E1 E2 E8 E14 E15 E17 "
    "N1 N7 N15 N17 N22 NW1 NW6 NW10 W2 W10 W11 W12 W13 W1A W1D EC1V EC2A WC1N WC2H CR0 CR4 BR1 BR3 DA8 RM8 IG1 "
    "EN3 HA0 HA8 UB3 TW3 KT1 SM4"
).split()
_INWARD_LETTERS = "ABDEFGHJLNPQRSTUWXYZ"
_SURNAMES = (
    "SMITH JONES TAYLOR BROWN WILLIAMS WILSON JOHNSON DAVIES PATEL WRIGHT ROBINSON THOMPSON OKAFOR KHAN "
    "ADEBAYO KOWALSKI MENSAH BEGUM AHMED MURPHY OSEI NOWAK LEE FOX REEVES ASHBY OKONKWO DUFFY MARSH BANJO"
).split()
_FIRST = (
    "Grace Callum Dwayne Shanice Bogdan Marcia Leon Joseph Doreen Olumide Nkechi Ryan Tyrell Kai Aisha Femi "
    "Jordan Chloe Priya Tomasz Declan Leila Mehmet Sophie Connor Jade Kieran Amir"
).split()
_MONTHS = "January February March April May June July August September October November December".split()
_BOROUGH = "AB CW KD SE SX TX VW WW NH HT EK QK RY ZD PY MD JC GD".split()
_DOMAINS = ("gmail.com", "hotmail.co.uk", "outlook.com", "yahoo.co.uk", "icloud.com", "btinternet.com", "live.co.uk")
_STREETS = (
    "Rye Lane", "Coldharbour Lane", "Acre Lane", "Walworth Road", "Brixton Hill", "Croydon Rd", "Peckham High St",
    "Tulse Hill", "Bellenden Road", "Lordship Lane", "Streatham High Rd", "Old Kent Road", "Lewisham Way",
)


def _pnc(r: random.Random) -> str:
    yy = r.choice([r.randint(0, 25), r.randint(70, 99)])
    serial = r.randint(1, 9_999_999) if r.random() < 0.5 else r.randint(1, 999_999)
    letter = MOD23_LETTERS[int(f"{yy:02d}{serial:07d}") % 23]
    if r.random() < 0.25:
        century = 2000 if yy <= 25 else 1900
        return f"{century + yy}/{serial:07d}{letter}"
    return f"{yy:02d}/{serial}{letter}"


def _bad_pnc(r: random.Random) -> str:
    good = _pnc(r)
    while len(good.partition("/")[2]) < 5:  # short serials could read as a CRO number
        good = _pnc(r)
    wrong = r.choice([c for c in MOD23_LETTERS if c != good[-1]])
    return good[:-1] + wrong


def _cro(r: random.Random) -> str:
    yy = r.randint(0, 99)
    if r.random() < 0.15:
        serial = str(r.randint(1, 999_999))
        letter = MOD23_LETTERS[int(f"{yy:02d}{serial}") % 23]
        return f"SF{yy:02d}/{serial}{letter}"
    serial = r.randint(1, 999_999)
    letter = MOD23_LETTERS[int(f"{yy:02d}{serial:06d}") % 23]
    return f"{serial:06d}/{yy:02d}{letter}" if r.random() < 0.5 else f"{serial}/{yy:02d}{letter}"


def _nino(r: random.Random) -> str:
    if r.random() < 0.08:
        prefix = "QQ"
    else:
        while True:
            prefix = r.choice(_NINO_FIRST) + r.choice(_NINO_SECOND)
            if prefix not in _NINO_BAD:
                break
    d = f"{r.randint(0, 999_999):06d}"
    suffix = r.choice("ABCD")
    if r.random() < 0.7:
        return f"{prefix} {d[:2]} {d[2:4]} {d[4:]} {suffix}"
    return f"{prefix}{d}{suffix}"


def _bad_nino(r: random.Random) -> str:
    prefix = r.choice(["DQ", "GB", "NK", "TN", "FY", "VA", "UD", "IO", "QV", "ZZ"])
    d = f"{r.randint(0, 999_999):06d}"
    return f"{prefix} {d[:2]} {d[2:4]} {d[4:]} {r.choice('ABCD')}"


def _nhs_digits(r: random.Random, valid: bool = True) -> str:
    while True:
        nine = f"{r.randint(100_000_000, 999_999_999)}"
        total = sum(int(d) * w for d, w in zip(nine, range(10, 1, -1)))
        check = 11 - total % 11
        check = 0 if check == 11 else check
        if check == 10:
            continue
        if valid:
            return nine + str(check)
        return nine + str((check + r.randint(1, 9)) % 10)


def _nhs(r: random.Random, valid: bool = True) -> str:
    d = _nhs_digits(r, valid)
    style = r.random()
    if style < 0.7:
        return f"{d[:3]} {d[3:6]} {d[6:]}"
    if style < 0.85:
        return d
    return f"{d[:3]}-{d[3:6]}-{d[6:]}"


def _luhn_complete(body: str) -> str:
    total = 0
    for i, ch in enumerate(reversed(body)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return body + str((10 - total % 10) % 10)


def _card(r: random.Random, valid: bool = True) -> str:
    kind = r.random()
    if kind < 0.5:
        body = "4" + "".join(r.choice("0123456789") for _ in range(14))
    elif kind < 0.85:
        body = str(r.randint(51, 55)) + "".join(r.choice("0123456789") for _ in range(13))
    else:
        body = r.choice(["34", "37"]) + "".join(r.choice("0123456789") for _ in range(12))
    num = _luhn_complete(body)
    if not valid:
        num = num[:-1] + str((int(num[-1]) + r.randint(1, 9)) % 10)
    if len(num) == 15:
        return f"{num[:4]} {num[4:10]} {num[10:]}"
    if r.random() < 0.8:
        return " ".join(num[i:i + 4] for i in range(0, 16, 4))
    return num


def _vrm(r: random.Random) -> str:
    tag = r.choice(_TAG_LETTERS) + r.choice(_TAG_LETTERS)
    age = r.choice([r.randint(2, 24), r.randint(51, 74)])
    letters = "".join(r.choice(_VRM_LETTERS) for _ in range(3))
    return f"{tag}{age:02d} {letters}" if r.random() < 0.85 else f"{tag}{age:02d}{letters}"


def _postcode(r: random.Random) -> str:
    inward = f"{r.randint(0, 9)}{r.choice(_INWARD_LETTERS)}{r.choice(_INWARD_LETTERS)}"
    return f"{r.choice(_OUTWARD)} {inward}"


def _phone(r: random.Random) -> str:
    kind = r.random()
    if kind < 0.35:
        return f"07700 900{r.randint(0, 999):03d}"
    if kind < 0.5:
        return f"020 7946 0{r.randint(0, 999):03d}"
    while True:
        if kind < 0.8:
            nsn = "7" + r.choice("123456789") + f"{r.randint(0, 99_999_999):08d}"
        else:
            nsn = r.choice(["20", "20", "121", "161", "113"])
            nsn += f"{r.randint(0, 10 ** (10 - len(nsn)) - 1):0{10 - len(nsn)}d}"
        num = phonenumbers.parse("+44" + nsn, None)
        if phonenumbers.is_valid_number(num):
            break
    style = r.random()
    if nsn.startswith("7"):
        if style < 0.6:
            return f"0{nsn[:4]} {nsn[4:]}"
        if style < 0.8:
            return f"+44 {nsn[:4]} {nsn[4:]}"
        return f"0{nsn}"
    if nsn.startswith("20"):
        return f"020 {nsn[2:6]} {nsn[6:]}" if style < 0.7 else f"(020) {nsn[2:6]} {nsn[6:]}"
    return f"0{nsn[:3]} {nsn[3:6]} {nsn[6:]}"


def _email(r: random.Random) -> str:
    first, last = r.choice(_FIRST).lower(), r.choice(_SURNAMES).lower()
    style = r.random()
    if style < 0.4:
        local = f"{first}.{last}"
    elif style < 0.7:
        local = f"{first[0]}{last}{r.randint(1, 99)}"
    else:
        local = f"{first}_{last[:3]}{r.randint(70, 99)}"
    return f"{local}@{r.choice(_DOMAINS)}"


def _sort_code(r: random.Random) -> str:
    return f"{r.randint(1, 99):02d}-{r.randint(0, 99):02d}-{r.randint(0, 99):02d}"


def _account(r: random.Random) -> str:
    return f"{r.randint(10_000_000, 99_999_999)}"


def _passport(r: random.Random) -> str:
    return f"{r.randint(100_000_000, 999_999_999)}"


def _dob_parts(r: random.Random) -> tuple[int, int, int]:
    year = r.randint(1940, 2010)
    month = r.randint(1, 12)
    day = r.randint(1, 28)
    return day, month, year


def _dob(r: random.Random) -> str:
    day, month, year = _dob_parts(r)
    style = r.random()
    if style < 0.6:
        return f"{day:02d}/{month:02d}/{year}"
    if style < 0.75:
        return f"{day:02d}.{month:02d}.{year}"
    if style < 0.85:
        return f"{day}/{month}/{str(year)[2:]}"
    return f"{day} {_MONTHS[month - 1]} {year}"


def _licence(r: random.Random) -> str:
    surname = r.choice(_SURNAMES)[:5].ljust(5, "9")
    day, month, year = _dob_parts(r)
    if r.random() < 0.5:
        month += 50
    initials = r.choice(_FIRST)[0] + (r.choice(_FIRST)[0] if r.random() < 0.7 else "9")
    check = "".join(r.choice("ABCDEFGHJKLMNPRSTUVWXYZ") for _ in range(2))
    return f"{surname}{str(year)[2]}{month:02d}{day:02d}{str(year)[3]}{initials}9{check}"


def _ip(r: random.Random) -> str:
    if r.random() < 0.1:
        return f"2001:db8:{r.randint(0, 0xffff):x}::{r.randint(1, 0xffff):x}"
    first = r.choice([r.randint(11, 99), r.randint(101, 126), r.randint(128, 191), r.randint(193, 223)])
    return f"{first}.{r.randint(0, 255)}.{r.randint(0, 255)}.{r.randint(1, 254)}"


def _crime_ref(r: random.Random) -> str:
    return f"{r.randint(1_000_000, 9_999_999)}/{r.randint(15, 25):02d}"


def _cad(r: random.Random) -> str:
    if r.random() < 0.6:
        mon = r.choice("JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split())
        return f"{r.randint(1, 9999)}/{r.randint(1, 28):02d}{mon}{r.randint(20, 25)}"
    return f"{r.randint(100, 9999)}"


def _custody(r: random.Random) -> str:
    return f"{r.randint(1, 99):02d}{r.choice(_BOROUGH)}/{r.randint(10_000, 99_999)}/{r.randint(20, 25)}"


def _exhibit(r: random.Random) -> str:
    initials = "".join(r.choice("ABCDEFGHJKLMNPRSTW") for _ in range(r.choice([2, 2, 3])))
    num = r.randint(1, 30)
    return f"{initials}/{num}" if r.random() < 0.7 else f"{initials}/{num:03d}"


def _collar(r: random.Random) -> str:
    style = r.random()
    if style < 0.6:
        return f"{r.randint(100, 999)}{r.choice(_BOROUGH)}"
    if style < 0.8:
        return f"{r.randint(1, 99)}{r.choice(_BOROUGH)}"
    return f"{r.randint(1000, 9999)}"


def _name(r: random.Random) -> str:
    return f"{r.choice(_FIRST)} {r.choice(_SURNAMES)}"


_VALUES: dict[str, Callable[[random.Random], str]] = {
    "pnc_id": _pnc, "cro_number": _cro, "ni_number": _nino, "nhs_number": _nhs, "payment_card": _card,
    "vehicle_registration": _vrm, "postcode": _postcode, "phone_number": _phone, "email": _email,
    "sort_code": _sort_code, "bank_account": _account, "passport_number": _passport, "date_of_birth": _dob,
    "driving_licence": _licence, "ip_address": _ip, "crime_reference": _crime_ref, "cad_reference": _cad,
    "custody_record": _custody, "exhibit_reference": _exhibit, "collar_number": _collar,
}

# Look-alikes: text with no gold span.
_DECOYS: dict[str, Callable[[random.Random], str]] = {
    "time": lambda r: f"{r.randint(0, 23):02d}:{r.choice(['00', '15', '30', '45'])}",
    "tour": lambda r: f"{r.choice(['0600', '0700', '0800', '1400', '1500', '2200'])}-{r.choice(['1600', '1700', '1800', '2200', '0000', '0700'])}",
    "money": lambda r: r.choice([f"£{r.randint(1, 99)}.{r.randint(0, 99):02d}", f"£{r.randint(1, 9)},{r.randint(0, 999):03d}",
                                 f"£{r.randint(5, 500)}"]),
    "pct": lambda r: f"{r.randint(1, 100)}%",
    "date": lambda r: r.choice([f"{r.randint(1, 28):02d}/{r.randint(1, 12):02d}/{r.randint(2023, 2026)}",
                                f"{r.randint(1, 28)}/{r.randint(1, 12)}", f"{r.randint(1, 28):02d}.{r.randint(1, 12):02d}.{r.randint(24, 26)}"]),
    "room": lambda r: f"{r.randint(0, 5)}.{r.randint(1, 30):02d}",
    "road": lambda r: r.choice(["M25", "A40", "A3", "A23", "A205", "M4", "A2", "A21", "J15", "M11"]),
    "car": lambda r: f"{r.randint(1, 40)}",
    "fleet": lambda r: f"{r.choice(['LX', 'BX', 'YR', 'KT'])}-{r.randint(1000, 9999)}",
    "bad_pnc": _bad_pnc,
    "bad_nhs": lambda r: _nhs(r, valid=False),
    "bad_card": lambda r: _card(r, valid=False),
    "bad_nino": _bad_nino,
    "nine": lambda r: f"{r.randint(100_000_000, 999_999_999)}",
    "eight": lambda r: f"{r.randint(10_000_000, 99_999_999)}",
    "six": lambda r: f"{r.randint(100_000, 999_999)}",
    "year": lambda r: f"{r.randint(1990, 2026)}",
    "count": lambda r: f"{r.randint(2, 60)}",
    "score": lambda r: f"{r.randint(0, 5)}-{r.randint(0, 5)}",
    "version": lambda r: f"{r.randint(1, 17)}.{r.randint(0, 9)}",
    "ext": lambda r: f"{r.randint(1000, 9999)}",
}

# ------------------------------------------------------------------ templates
# {label} is a gold identifier, {~decoy} a look-alike, {name}/{street} filler.
_ID_TEMPLATES: dict[str, list[str]] = {
    "pnc_id": [
        "PNC shows {pnc_id} for the male, wanted on warrant",
        "PNC ID for our man is {pnc_id}",
        "Can you run {pnc_id} and see if he's got markers?",
        "PNC {pnc_id} comes back disqualified driver",
        "Long form PNC ID for the file is {pnc_id}, can you add it to the handover",
        "{name}, PNC {pnc_id}, lives with his mum on {street}",
        "His PNC is as long as your arm, {pnc_id}, {~count} convictions",
        "Brother's PNC is {pnc_id} not the one we want",
    ],
    "cro_number": [
        "Livescan gave us his CRO, {cro_number}, previous for the same MO",
        "CRO {cro_number} on the fingerprint ident",
        "Ident back: {name} CRO {cro_number}",
        "CRO number for the file is {cro_number}",
    ],
    "ni_number": [
        "his NI is {ni_number}",
        "NI number on the payslip he dropped is {ni_number}",
        "Her NI number is {ni_number}, the DWP need it for the fraud referral",
        "{name}, NI {ni_number}, works at the car wash",
        "Nat ins {ni_number} for the benefit check",
        "National Insurance {ni_number} per the DWP letter",
    ],
    "nhs_number": [
        "NHS number for the sudden death is {nhs_number}, the coroner's officer needs it",
        "NHS no. {nhs_number} for the mental health referral",
        "The old boy's NHS number is {nhs_number}, A&E want it",
        "A&E asked for his NHS number: {nhs_number}",
        "Patient's NHS {nhs_number}",
    ],
    "vehicle_registration": [
        "VRM {vehicle_registration} seen on {street}",
        "The lad's reg is {vehicle_registration}",
        "Reg of the car that clipped the cyclist: {vehicle_registration}, silver Corsa",
        "ANPR hit on {vehicle_registration} at {~time}",
        "Suspect vehicle is a black Mercedes {vehicle_registration}",
        "{vehicle_registration} keeps doing doughnuts in the car park",
        "Plate {vehicle_registration} is cloned, real one is in Leeds",
        "Stop check on {vehicle_registration}, driver's got no insurance",
    ],
    "postcode": [
        "Victim lives at {~count} {street} {postcode}",
        "Her new address is {~count} {street}, {postcode}",
        "Sudden death at {postcode}, {~count} {street}",
        "Can someone attend {postcode}, neighbour dispute",
        "Address for the s18 is {~count} {street} {postcode}",
        "Welfare check at {postcode} please",
    ],
    "phone_number": [
        "Can you call the mum back on {phone_number} please",
        "Caller's mobile is {phone_number}, she's the neighbour",
        "Victim's number is {phone_number} if you want to call her",
        "Witness is {name}, phone {phone_number}",
        "Osman warning for {name} on {phone_number}",
        "Text the dad on {phone_number}, he's expecting it",
        "{phone_number} is the burner he's been using",
        "Her landline is {phone_number}",
    ],
    "email": [
        "His email is {email}, the council want to send the letter",
        "Victim asked for the update by email: {email}",
        "Send the CCTV request to {email}",
        "Suspect's account is registered to {email}",
    ],
    "payment_card": [
        "Card used at the petrol station was {payment_card}, stolen from the victim's car",
        "Fraud victim's card was {payment_card}, can you check if the bank has flagged it",
        "Cloned card {payment_card} used at three cash machines",
        "The long number on the card is {payment_card}",
        "{payment_card} was the card used online",
    ],
    "sort_code": [
        "Sort code {sort_code}, account {bank_account}, that's where the scammers sent the money",
        "The landlord's bank details: sort code {sort_code} account {bank_account}",
        "Screenshot of the bank statement, sort code {sort_code} acc {bank_account}",
        "Victim paid into sort code {sort_code} a/c {bank_account}",
        "s/c {sort_code} acc no {bank_account}",
    ],
    "passport_number": [
        "She's lost her passport, number {passport_number}, can you add it to the report",
        "Passport number for the deportation check: {passport_number}",
        "Passport {passport_number} flagged at Gatwick",
        "His passport no. is {passport_number}",
    ],
    "date_of_birth": [
        "Missing person: {name}, DOB {date_of_birth}, last seen near Peckham Rye station",
        "Can you do a voters check on {name} DOB {date_of_birth}",
        "Mum's date of birth is {date_of_birth}, for the MASH referral",
        "Male born {date_of_birth}, says he's from Croydon",
        "{name} ({date_of_birth}) is the one we want",
        "d.o.b. {date_of_birth} for the PNC check",
        "Victim {name} DOB {date_of_birth} has given a statement",
    ],
    "driving_licence": [
        "The driver's licence comes back as {driving_licence}, no endorsements",
        "Driving licence number {driving_licence}, she says she's only got a provisional",
        "DVLA check on {driving_licence} shows 9 points",
        "Licence {driving_licence} is revoked",
    ],
    "ip_address": [
        "The threats came from IP {ip_address}",
        "ISP says {ip_address} was his router at the time",
        "Logged in from {ip_address} at {~time}",
        "Subscriber check on IP address {ip_address} please",
    ],
    "crime_reference": [
        "Crime ref {crime_reference} for the burglary",
        "CRIS {crime_reference} needs updating",
        "Can you add the statement to crime number {crime_reference}",
        "Victim's crime reference is {crime_reference}",
    ],
    "cad_reference": [
        "CAD {cad_reference} is the original call",
        "Attach it to CAD {cad_reference} please",
        "Who's on CAD {cad_reference}? Still showing unresourced",
    ],
    "custody_record": [
        "Custody record {custody_record} for the file",
        "Custody no. {custody_record}, he's in cell 4",
        "Custody record number {custody_record} shows he was booked in at {~time}",
    ],
    "exhibit_reference": [
        "Exhibit {exhibit_reference} is the hoodie, booked into property",
        "Exhibit {exhibit_reference} the burner phone has been sent for download",
        "Exh {exhibit_reference} (the knife) has gone off to the lab",
        "Seized the phone, exhibit ref {exhibit_reference}",
    ],
    "collar_number": [
        "PC {collar_number} is on the van with you",
        "PS {collar_number} is acting Inspector today",
        "DC {collar_number} is the OIC",
        "Give it to PC {collar_number} when she's back",
    ],
}
_MULTI_TEMPLATES = [
    "PNC for the victim's ex: {pnc_id}, DOB {date_of_birth}, lives at {~count} {street} {postcode}",
    "Details for the crime report: {name}, DOB {date_of_birth}, NI {ni_number}",
    "Witness is {name}, lives at {~count} {street} {postcode}, phone {phone_number}",
    "Victim's details: {name}, {~count}, {~count} {street} {postcode}, {phone_number}",
    "Reg plates {vehicle_registration} and {vehicle_registration} both seen at the address",
    "Stop check on {vehicle_registration}, driver born {date_of_birth}",
    "Her NI number is {ni_number} and NHS {nhs_number}",
    "Exhibit {exhibit_reference} is the phone, {exhibit_reference} the charger",
]
_DECOY_TEMPLATES = [
    "Anyone got a spare Taser cartridge? Armoury opens at {~time}",
    "Team meeting Thursday {~time} in the Ops room, {~count} mins max",
    "Meeting moved to room {~room} at {~time}",
    "Briefing moved to Meeting Room {~room} on the second floor",
    "AID for the march confirmed, tours {~tour}",
    "Your Saturday tour is now {~tour}, Resourcing have changed it",
    "Anyone want {~count} Adele tickets for Friday? {~money} the pair",
    "Just put a bet on the 3:15 at Cheltenham, {~money} each way",
    "Overtime is up {~pct} on last month",
    "Team meeting on {~date} at {~time}, tea and biscuits provided",
    "Court on {~date}, can someone cover my lates?",
    "M25 shut between J15 and J16 both ways",
    "Traffic on the {~road} is a nightmare, going via the {~road}",
    "Bloody {~road} is gridlocked again, {~count} mins late",
    "Jump leads are in the boot of car {~car}",
    "Van {~car} (fleet no. {~fleet}) has the wrong tyres on",
    "Who's got the keys for fleet no. {~fleet}?",
    "Typo on the handover, {~bad_pnc} isn't a real PNC ID, can you check",
    "That number {~bad_nhs} doesn't look right, recheck it",
    "Card number from the receipt {~bad_card} is incomplete",
    "Reference {~nine} for the Amazon order",
    "Job number {~eight} on the facilities portal",
    "Ticket {~six} raised with DDaT",
    "Selling my PS5, {~money} ono",
    "We won {~score} at five-a-side",
    "Op SPARROW file from {~year} is on the drive",
    "{~count} of us needed for the front counter {~tour}",
    "Phone's on iOS {~version}, the update broke Teams",
    "Ring ext {~ext} for the front office",
    "Landlord's code is {~bad_nino} apparently, looks made up",
    "Parade at {~time}, {~count} on the late turn",
    "Rest day on the {~count}th cancelled, sorry",
    "The knife crime workshop had {~count} kids, {~pct} said they'd carried one",
    "Kit check at {~time}, bring cuffs and first aid kit",
    "Fuel card PIN changed, it's in the key safe",
    "Shift pattern is {~count} on {~count} off from {~date}",
]
_PLAIN = [
    "Thanks all, great work today",
    "On my way",
    "Who left the fridge door open?",
    "Canteen's got jerk chicken on today if anyone's passing",
    "Hope you're OK after last night, here if you want to talk",
    "Can we keep this group for work stuff only please",
    "Well done on the commendation Nadia",
    "Weather's turned, bring your waterproofs tonight",
    "Pizza's here, writing room",
    "Reminder to update your about status when you go on leave",
    "Anyone know where the key for the bike store is?",
    "Good shout, thanks",
]
_SLOT = re.compile(r"\{(~?)(\w+)\}")


def _fill(template: str, r: random.Random) -> tuple[str, Gold]:
    out: list[str] = []
    gold: Gold = []
    pos = 0
    length = 0
    for m in _SLOT.finditer(template):
        lit = template[pos:m.start()]
        out.append(lit)
        length += len(lit)
        decoy, key = m.group(1), m.group(2)
        if decoy:
            value = _DECOYS[key](r)
        elif key == "name":
            value = _name(r)
        elif key == "street":
            value = r.choice(_STREETS)
        else:
            value = _VALUES[key](r)
            gold.append((key, length, length + len(value)))
        out.append(value)
        length += len(value)
        pos = m.end()
    out.append(template[pos:])
    return "".join(out), gold


def generate(n: int, seed: int = 7) -> list[tuple[str, Gold]]:
    """``n`` messages with gold spans ``(label, start, end)`` (end exclusive)."""
    r = random.Random(seed)
    labels = sorted(_ID_TEMPLATES)
    out: list[tuple[str, Gold]] = []
    for _ in range(n):
        x = r.random()
        if x < 0.47:
            template = r.choice(_ID_TEMPLATES[r.choice(labels)])
        elif x < 0.55:
            template = r.choice(_MULTI_TEMPLATES)
        elif x < 0.85:
            template = r.choice(_DECOY_TEMPLATES)
        else:
            template = r.choice(_PLAIN)
        text, gold = _fill(template, r)
        y = r.random()
        if y < 0.15:
            text += r.choice([".", "!", " 👍", "?", " thanks", " ta", "\n\nCheers"])
        elif y < 0.2 and gold:
            # WhatsApp and phone keyboards sometimes put no-break spaces inside numbers:
            # same length, so the gold offsets stay right.
            _, s, e = gold[0]
            text = text[:s] + text[s:e].replace(" ", "\u00a0") + text[e:]
        out.append((text, gold))
    return out
