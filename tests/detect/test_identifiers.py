"""IdentifierDetector: valid examples per label, look-alikes that must not fire, offsets,
context, detection_view handling, the check functions and a speed floor."""

from __future__ import annotations

import json
import random
from pathlib import Path

import phonenumbers
import pytest

from chatwarden.detect.base import Hit
from chatwarden.detect.identifiers import LABELS, IdentifierDetector
from chatwarden.detect.identifiers.checks import (
    cro_check_ok,
    licence_dob,
    luhn_ok,
    nhs_check_ok,
    nino_prefix_ok,
    pnc_check_ok,
    postcode_ok,
    vrm_current_ok,
)
from chatwarden.detect.identifiers.phone import classify_nsn
from chatwarden.detect.text import detection_view
from chatwarden.model import Message

DET = IdentifierDetector()
LABELLED = Path(__file__).resolve().parents[1] / "data" / "police_chat_labelled.jsonl"


def hits_of(text: str) -> list[Hit]:
    return DET.scan(text)


def spans(text: str) -> set[tuple[str, str]]:
    return {(h.label, text[h.start:h.end]) for h in hits_of(text)}


# ------------------------------------------------------------------ the detector's identity
def test_name_version_labels():
    assert DET.name == "identifiers"
    assert DET.version == "1.0.0"
    assert DET.labels == frozenset({
        "pnc_id", "cro_number", "ni_number", "nhs_number", "vehicle_registration", "postcode", "phone_number",
        "email", "payment_card", "bank_account", "sort_code", "passport_number", "driving_licence",
        "date_of_birth", "ip_address", "crime_reference", "cad_reference", "custody_record", "exhibit_reference",
        "collar_number",
    })
    assert LABELS == DET.labels


# ------------------------------------------------------------------ valid examples
VALID = [
    # (text, label, the identifier as written)
    ("PNC shows 03/62845E for the male", "pnc_id", "03/62845E"),
    ("PNC ID 2003/0062845E on the file", "pnc_id", "2003/0062845E"),
    ("Long form 2003/0011985X", "pnc_id", "2003/0011985X"),
    ("old record 1979/0026538X", "pnc_id", "1979/0026538X"),
    ("PNC 2001/0171310W", "pnc_id", "2001/0171310W"),
    ("PNC 1981/0154257C", "pnc_id", "1981/0154257C"),
    ("PNC 2012/394773H", "pnc_id", "2012/394773H"),
    ("CRO 85227/65L from the ident", "cro_number", "85227/65L"),
    ("CRO number 029906/12J", "cro_number", "029906/12J"),
    ("CRO 51072/62R", "cro_number", "51072/62R"),
    ("CRO 86621/65B", "cro_number", "86621/65B"),
    ("his NI is QQ 12 34 56 C", "ni_number", "QQ 12 34 56 C"),
    ("NI number JL 18 24 84 B for the DWP", "ni_number", "JL 18 24 84 B"),
    ("nino AB123456C", "ni_number", "AB123456C"),
    ("NHS 943 476 5919", "nhs_number", "943 476 5919"),
    ("NHS number 9434765919", "nhs_number", "9434765919"),
    ("VRM LD21 ABC seen on Croydon Rd", "vehicle_registration", "LD21 ABC"),
    ("the lad's reg is SD16 LRK", "vehicle_registration", "SD16 LRK"),
    ("Plate AX16AZK cloned", "vehicle_registration", "AX16AZK"),
    ("reg plate M123 ABC on the Escort", "vehicle_registration", "M123 ABC"),
    ("reg ABC 123D, an old Mini", "vehicle_registration", "ABC 123D"),
    ("VRM 1234 on a cherished plate: reg XYZ 1234", "vehicle_registration", "XYZ 1234"),
    ("Victim lives at 14 Rye Lane SE15 3LY", "postcode", "SE15 3LY"),
    ("Flat at W1A 1AA", "postcode", "W1A 1AA"),
    ("postcode EC1V 9HX", "postcode", "EC1V 9HX"),
    ("address is SW1A2AA", "postcode", "SW1A2AA"),
    ("Can you call the mum back on 020 7946 0372 please", "phone_number", "020 7946 0372"),
    ("mobile 07700 900123", "phone_number", "07700 900123"),
    ("her mob is 07911 123456", "phone_number", "07911 123456"),
    ("ring +44 7911 123456", "phone_number", "+44 7911 123456"),
    ("ring +44 (0)20 7946 0372", "phone_number", "+44 (0)20 7946 0372"),
    ("landline (020) 7946 0372", "phone_number", "(020) 7946 0372"),
    ("call 0161 496 0000", "phone_number", "0161 496 0000"),
    ("email is j.smith84@gmail.com thanks", "email", "j.smith84@gmail.com"),
    ("card 4996 5513 9241 5329 used", "payment_card", "4996 5513 9241 5329"),
    ("card 5166560141186785 used", "payment_card", "5166560141186785"),
    ("Amex 3714 496353 98431", "payment_card", "3714 496353 98431"),
    ("sort code 30-96-14 acc 55102937", "sort_code", "30-96-14"),
    ("sort code 30-96-14 acc 55102937", "bank_account", "55102937"),
    ("a/c 71843005 s/c 40-11-62", "bank_account", "71843005"),
    ("sort code 309614", "sort_code", "309614"),
    ("She's lost her passport, number 553918274", "passport_number", "553918274"),
    ("old passport no. A123456", "passport_number", "A123456"),
    ("licence KOWAL906275PA9GY, no endorsements", "driving_licence", "KOWAL906275PA9GY"),
    ("DL LEE99753116SM9IJ", "driving_licence", "LEE99753116SM9IJ"),
    ("Missing person, DOB 03/08/2009, last seen", "date_of_birth", "03/08/2009"),
    ("date of birth is 11/11/1975", "date_of_birth", "11/11/1975"),
    ("male born 3 March 1990", "date_of_birth", "3 March 1990"),
    ("d.o.b. 14.02.1991", "date_of_birth", "14.02.1991"),
    ("Grace ADEBAYO (17/03/1985) is the witness", "date_of_birth", "17/03/1985"),
    ("born on 14/02/1991 per the PNC", "date_of_birth", "14/02/1991"),
    ("aged 34 (DOB 14/02/1991)", "date_of_birth", "14/02/1991"),
    ("14/02/1991 (DOB) for the check", "date_of_birth", "14/02/1991"),
    ("threats came from IP 81.2.69.160", "ip_address", "81.2.69.160"),
    ("IPv6 2001:db8:85a3::8a2e:370:7334 in the logs", "ip_address", "2001:db8:85a3::8a2e:370:7334"),
    ("Crime ref 4501234/24 for the burglary", "crime_reference", "4501234/24"),
    ("CAD 1234/12JAN24 is the original call", "cad_reference", "1234/12JAN24"),
    ("attach it to CAD 4567", "cad_reference", "4567"),
    ("Custody record 01AB/12345/24 for the file", "custody_record", "01AB/12345/24"),
    ("Exhibit AP/1 is the hoodie", "exhibit_reference", "AP/1"),
    ("exhibit AEP/001 and AP/1/1", "exhibit_reference", "AEP/001"),
    ("PC 1234AB is on the van with you", "collar_number", "1234AB"),
    ("PS 41AB is acting Inspector", "collar_number", "41AB"),
    ("PCSO 7123 on the ward", "collar_number", "7123"),
]


@pytest.mark.parametrize("text,label,value", VALID)
def test_valid_examples_fire_with_exact_offsets(text, label, value):
    found = [h for h in hits_of(text) if h.label == label]
    assert found, f"no {label} in {text!r}: {hits_of(text)}"
    assert value in {text[h.start:h.end] for h in found}
    for h in found:
        assert 0.0 <= h.score <= 1.0
        assert h.pattern and h.validation


# ------------------------------------------------------------------ look-alikes
LOOKALIKES = [
    # (text, labels that must NOT appear; "*" = no hit at all)
    ("PNC shows 03/62845F for the male", {"pnc_id", "cro_number"}),  # wrong check letter
    ("CRO 85227/65M", {"cro_number", "pnc_id"}),
    ("NHS 943 476 5918", {"nhs_number"}),  # fails mod 11
    ("card 4996 5513 9241 5328 used", {"payment_card"}),  # fails Luhn
    ("NI DQ 12 34 56 A", {"ni_number"}),  # D never first
    ("NI GB 12 34 56 A", {"ni_number"}),  # GB not used
    ("NI AO 12 34 56 A", {"ni_number"}),  # O never second
    ("NI AB 12 34 56 E", {"ni_number"}),  # suffix A-D only
    ("Meeting moved to 10:30", "*"),
    ("Armoury opens at 10:30:00 sharp", "*"),
    ("Tickets are £12.50 each, £1,250 in total", "*"),
    ("Overtime is up 45% on last month", "*"),
    ("Team meeting on 12/03/2024 at 10:30 in room 1.03", "*"),
    ("Briefing moved to Meeting Room 2.14", "*"),
    ("M25 and A40 were both shut", "*"),
    ("M25 shut between J15 and J16 both ways", "*"),
    ("Bloody A40 was gridlocked again", "*"),
    ("Traffic on the A23 is a nightmare, going via the A205", "*"),
    ("Jump leads are in the boot of car 22", "*"),
    ("Van 3 (fleet no. LX-2290) has the wrong tyres on", "*"),
    ("AID for Carnival confirmed, tours 0600-2200", "*"),
    ("Selling my PS5, £250 ono", "*"),
    ("Reference 553918274 for the Amazon order", "*"),  # 9 digits, no passport context
    ("Job number 43918260 on the portal", "*"),  # 8 digits, no account context
    ("Ticket 309614 raised with DDaT", "*"),  # 6 digits, no sort code context
    ("Court on 14/02/1991? no, on 12/03/2025", {"date_of_birth"}),  # dates without DOB context
    ("999.1.1.1 is not an address", {"ip_address"}),
    ("Phone's on iOS 17.1, update broke Teams", "*"),
    ("We won 3-1 at five-a-side, 2-2 last week", "*"),
    ("MG11 and MG5 are on the shared drive", "*"),
    ("Rest days 26th-27th cancelled", "*"),
    ("Card number from the receipt 5177 0092 8422 5112 is incomplete", "*"),  # Luhn fails; no sub-run phones
    ("Meeting at 10:30 in room 2.14", "*"),
    ("It's 0800-1600 on the 14th then 1400-0000", "*"),
    ("DOB 31/02/1990", {"date_of_birth"}),  # no 31 February
    ("DOB 14/02/2099", {"date_of_birth"}),  # in the future
    ("licence KOWAL913275PA9GY", {"driving_licence"}),  # month 13
    ("PC Dixon was brilliant", "*"),
    ("The CAD terminal is frozen again", "*"),
]


@pytest.mark.parametrize("text,forbidden", LOOKALIKES)
def test_lookalikes_do_not_fire(text, forbidden):
    found = hits_of(text)
    if forbidden == "*":
        assert found == [], [(h.label, text[h.start:h.end]) for h in found]
    else:
        assert not [h for h in found if h.label in forbidden], [(h.label, text[h.start:h.end]) for h in found]


def test_exhibit_needs_the_word_exhibit():
    assert ("exhibit_reference", "AP/1") in spans("Exhibit AP/1 is the hoodie")
    assert spans("see AP/1 on the list") == set()


# ------------------------------------------------------------------ loose formats need context
CONTEXT_ONLY = [
    ("passport number 553918274", "553918274 on the ticket", "passport_number", "553918274"),
    ("acc 55102937", "order 55102937", "bank_account", "55102937"),
    ("sort code 30 96 14", "code 30 96 14", "sort_code", "30 96 14"),
    ("reg XYZ 1234", "room XYZ 1234", "vehicle_registration", "XYZ 1234"),
    ("Exhibit TH/4 the phone", "TH/4 the phone", "exhibit_reference", "TH/4"),
    ("DOB 14/02/1991", "on 14/02/1991", "date_of_birth", "14/02/1991"),
]


@pytest.mark.parametrize("with_ctx,without_ctx,label,value", CONTEXT_ONLY)
def test_loose_formats_fire_only_with_context(with_ctx, without_ctx, label, value):
    assert (label, value) in spans(with_ctx)
    assert (label, value) not in spans(without_ctx)


CONTEXT_RAISES = [
    ("PNC 03/62845E", "shows 03/62845E", "pnc_id"),
    ("NHS no. 943 476 5919", "ref 943 476 5919", "nhs_number"),
    ("reg LD21 ABC", "saw LD21 ABC", "vehicle_registration"),
    ("mobile 07700 900123", "it's 07700 900123", "phone_number"),
    ("NI QQ 12 34 56 C", "it's QQ 12 34 56 C", "ni_number"),
    ("lives at SE15 3LY", "it's SE15 3LY", "postcode"),
    ("crime ref 4501234/24", "it's 4501234/24", "crime_reference"),
    ("IP 81.2.69.160", "it's 81.2.69.160", "ip_address"),
    ("card 4996 5513 9241 5329", "it's 4996 5513 9241 5329", "payment_card"),
]


@pytest.mark.parametrize("with_ctx,without_ctx,label", CONTEXT_RAISES)
def test_context_words_raise_the_score(with_ctx, without_ctx, label):
    a = [h for h in hits_of(with_ctx) if h.label == label]
    b = [h for h in hits_of(without_ctx) if h.label == label]
    assert a and b
    assert a[0].score > b[0].score
    assert a[0].context and not b[0].context


def test_context_is_whole_word_only():
    # "regular" must not count as "reg"; "pnc" inside another word neither
    a = [h for h in hits_of("regular LD21 ABC") if h.label == "vehicle_registration"]
    assert a and a[0].context == ()


def test_drama_numbers_are_phone_numbers_with_a_lower_score():
    drama = [h for h in hits_of("number 07700 900123") if h.label == "phone_number"][0]
    real = [h for h in hits_of("number 07911 123456") if h.label == "phone_number"][0]
    assert "drama" in drama.validation
    assert drama.score < real.score
    assert drama.score >= 0.7  # still above the contact-details rule's threshold


def test_licence_matching_the_dob_in_the_message_is_confirmed():
    text = "Nkechi OKONKWO, DOB 14/02/1991, her licence is OKONK952141CE9ED"
    lic = [h for h in hits_of(text) if h.label == "driving_licence"][0]
    assert lic.score == 1.0 and "matches the date of birth" in lic.validation
    other = [h for h in hits_of("Nkechi OKONKWO, DOB 15/02/1991, OKONK952141CE9ED") if h.label == "driving_licence"][0]
    assert other.score < 1.0


def test_hit_fields_explain_themselves():
    text = "PNC 03/62845E, reg LD21 ABC, sort code 30-96-14 acc 55102937, card 4996 5513 9241 5329"
    by = {h.label: h for h in hits_of(text)}
    assert by["pnc_id"].validation == "mod-23 check letter valid" and by["pnc_id"].pattern == "pnc_id.short"
    assert "Luhn valid" in by["payment_card"].validation
    assert "reg" in by["vehicle_registration"].context
    assert by["bank_account"].validation.startswith("context: ")


# ------------------------------------------------------------------ detection_view
VIEW = [
    ("NI QQ\u00a012\u00a034\u00a056\u00a0C", "ni_number", "QQ\u00a012\u00a034\u00a056\u00a0C"),
    ("mobile 07700\u202f900123", "phone_number", "07700\u202f900123"),
    ("sort code 30\u201196\u201114 acc 55102937", "sort_code", "30\u201196\u201114"),
    ("DOB\u200e 14\u200e/02/1991", "date_of_birth", None),  # a mark inside a date breaks it: no DOB
    ("\u202aPNC 03/62845E\u202c", "pnc_id", "03/62845E"),
    ("postcode SE15\u00a03LY", "postcode", "SE15\u00a03LY"),
]


@pytest.mark.parametrize("raw,label,value", VIEW)
def test_marks_and_no_break_spaces_keep_offsets(raw, label, value):
    for text in (raw, detection_view(raw)):
        got = [raw[h.start:h.end] for h in hits_of(text) if h.label == label]
        if value is None:
            assert got == []
        else:
            assert got == [value]


def test_detect_over_messages_uses_raw_offsets():
    from datetime import datetime

    raw = "his NI is QQ\u00a012\u00a034\u00a056\u00a0C"
    msg = Message(index=4, timestamp=datetime(2024, 1, 1), sender="PC A", text=raw)
    findings = list(DET.detect([msg]))
    assert [(f.label, raw[f.span.start:f.span.end]) for f in findings] == [("ni_number", "QQ\u00a012\u00a034\u00a056\u00a0C")]
    assert findings[0].message_index == 4 and findings[0].explanation.detector == "identifiers"


# ------------------------------------------------------------------ check functions
@pytest.mark.parametrize("value", ["2003/0062845E", "2003/0011985X", "1979/0026538X", "2001/0171310W",
                                   "1981/0154257C", "2012/394773H", "03/62845E"])
def test_pnc_check_letter(value):
    year, _, rest = value.partition("/")
    assert pnc_check_ok(year, rest[:-1], rest[-1])
    wrong = "A" if rest[-1] != "A" else "B"
    assert not pnc_check_ok(year, rest[:-1], wrong)


@pytest.mark.parametrize("value", ["85227/65L", "029906/12J", "51072/62R", "86621/65B"])
def test_cro_check_letter(value):
    serial, _, rest = value.partition("/")
    assert cro_check_ok(serial, rest[:2], rest[2])
    assert not cro_check_ok(serial, rest[:2], "Z" if rest[2] != "Z" else "A")


@pytest.mark.parametrize("digits,ok", [("9434765919", True), ("9434765918", False), ("4010232137", True),
                                       ("0000000000", True), ("1234567890", False), ("12345", False)])
def test_nhs_mod11(digits, ok):
    assert nhs_check_ok(digits) is ok


@pytest.mark.parametrize("digits,ok", [("4996551392415329", True), ("4996551392415328", False),
                                       ("79927398713", True), ("79927398710", False)])
def test_luhn(digits, ok):
    assert luhn_ok(digits) is ok


@pytest.mark.parametrize("prefix,ok", [("AB", True), ("JL", True), ("QQ", False), ("DA", False), ("AD", False),
                                       ("AO", False), ("BG", False), ("NK", False), ("OO", False), ("PZ", False)])
def test_nino_prefix(prefix, ok):
    assert nino_prefix_ok(prefix) is ok


@pytest.mark.parametrize("outward,inward,ok", [("SE15", "3LY", True), ("W1A", "1AA", True), ("EC1V", "9HX", True),
                                               ("GIR", "0AA", True), ("QE1", "1AA", False), ("SE15", "3CY", False),
                                               ("IZ1", "1AA", False), ("W1I", "1AA", False)])
def test_postcode_rules(outward, inward, ok):
    assert postcode_ok(outward, inward) is ok


@pytest.mark.parametrize("tag,age,letters,ok", [("LD", "21", "ABC", True), ("LD", "71", "ABC", True),
                                                ("LD", "01", "ABC", False), ("LD", "49", "ABC", False),
                                                ("IQ", "21", "ABC", False), ("LD", "21", "AIB", False)])
def test_vrm_current_rules(tag, age, letters, ok):
    assert vrm_current_ok(tag, age, letters) is ok


def test_licence_fields():
    assert licence_dob("OKONK952141CE9ED") == (91, 2, 14, "F")
    assert licence_dob("KOWAL906275PA9GY") == (95, 6, 27, "M")
    assert licence_dob("KOWAL913275PA9GY") is None  # month 13
    assert licence_dob("9OWAL906275PA9GY") is None  # surname field starts with padding


def test_phone_classification_agrees_with_phonenumbers():
    """The compiled GB metadata gives libphonenumber's answer (drama ranges aside)."""
    r = random.Random(3)
    checked = 0
    for _ in range(3000):
        nsn = r.choice("123578") + "".join(r.choice("0123456789") for _ in range(r.choice([8, 9])))
        ours = classify_nsn(nsn)
        if ours == "drama":
            continue
        num = phonenumbers.parse("0" + nsn, "GB")
        theirs = "valid" if phonenumbers.is_valid_number(num) else (
            "possible" if phonenumbers.is_possible_number(num) else None)
        assert ours == theirs, nsn
        checked += 1
    assert checked > 2500


# ------------------------------------------------------------------ labelled police chat lines
EXPECTED_LABELLED = {
    # id: {(label, span)} - every identifier the labelled lines hold
    "pc-0009": {("phone_number", "020 7946 0372")},
    "pc-0036": {("sort_code", "30-96-14"), ("bank_account", "55102937")},
    "pc-0043": {("pnc_id", "2006/0415508E")},
    "pc-0052": {("nhs_number", "817 280 5691")},
    "pc-0069": {("date_of_birth", "11/11/1975"), ("postcode", "SW9 8BT")},
    "pc-0086": {("exhibit_reference", "AP/1"), ("exhibit_reference", "AP/2")},
    "pc-0107": {("passport_number", "553918274")},
    "pc-0110": {("passport_number", "608244175"), ("date_of_birth", "09/09/1979")},
    "pc-0115": {("vehicle_registration", "JD65 XRA")},
    "pc-0119": {("collar_number", "41AB")},
    "pc-0134": {("driving_licence", "KOWAL906275PA9GY")},
    "pc-0183": {("pnc_id", "98/61502Q")},
    "pc-0297": {("ni_number", "XL 26 39 72 A")},
    "pc-0349": {("payment_card", "4996 5513 9241 5329")},
    "pc-0357": {("pnc_id", "13/457776E"), ("date_of_birth", "22/05/1988"), ("postcode", "SE23 2DH")},
    "pc-0392": {("vehicle_registration", "XR15 RRF"), ("vehicle_registration", "HV21 DOZ")},
    "pc-0472": {("cro_number", "058331/09L")},
    "pc-0509": {("date_of_birth", "14/02/1991"), ("driving_licence", "OKONK952141CE9ED")},
    "pc-0533": {("collar_number", "1234AB"), ("collar_number", "872HT")},
    "pc-0565": {("vehicle_registration", "VL73 KWJ")},
    # no identifiers at all
    "pc-0039": set(), "pc-0118": set(), "pc-0249": set(), "pc-0271": set(), "pc-0453": set(), "pc-0537": set(),
    "pc-0542": set(), "pc-0566": set(), "pc-0019": set(), "pc-0062": set(),
}


def test_labelled_police_chat_lines():
    lines = {d["id"]: d["text"] for d in map(json.loads, LABELLED.read_text(encoding="utf-8").splitlines())}
    for ident, expected in EXPECTED_LABELLED.items():
        assert spans(lines[ident]) == expected, ident


# ------------------------------------------------------------------ the generated corpus and speed
def test_generated_corpus_meets_the_targets():
    from chatwarden.quality.identifier_corpus import generate
    from chatwarden.quality.identifiers_eval import evaluate

    result = evaluate(DET, generate(3000, seed=11))
    for label, row in result["labels"].items():
        assert row["exact"]["precision"] >= 0.98, label
        assert row["exact"]["recall"] >= 0.98, label


def test_corpus_gold_spans_are_the_identifiers():
    from chatwarden.quality.identifier_corpus import generate

    for text, gold in generate(500, seed=5):
        for label, s, e in gold:
            assert label in LABELS
            assert text[s:e] and text[s:e] == text[s:e].strip()


