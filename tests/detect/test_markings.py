"""MarkingDetector: applied markings, mentions, case rules, hard negatives, gradings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chatwarden.detect.markings import LABELS, MarkingDetector
from chatwarden.detect.text import detection_view

DET = MarkingDetector()
LABELLED = Path(__file__).resolve().parents[1] / "data" / "police_chat_labelled.jsonl"


def found(text: str) -> set[tuple[str, str]]:
    return {(h.label, text[h.start:h.end]) for h in DET.scan(text)}


def best(text: str, label: str) -> float:
    return max((h.score for h in DET.scan(text) if h.label == label), default=0.0)


def test_name_version_labels():
    assert DET.name == "markings" and DET.version == "1.0.0"
    assert DET.labels == LABELS == frozenset({
        "marking.official_sensitive", "marking.secret", "marking.top_secret", "marking.restricted",
        "marking.confidential", "marking.caveat", "marking.mention", "grading.intelligence",
    })


APPLIED = [
    # (text, label, span, minimum score)
    ("OFFICIAL-SENSITIVE: op plan for tomorrow attached, briefing 0600 at Lewisham", "marking.official_sensitive",
     "OFFICIAL-SENSITIVE", 0.9),
    ("OFFICIAL SENSITIVE - briefing notes below", "marking.official_sensitive", "OFFICIAL SENSITIVE", 0.9),
    ("OFFICIAL-SENSITIVE PERSONAL - MARAC minutes from Tuesday", "marking.official_sensitive",
     "OFFICIAL-SENSITIVE PERSONAL", 0.9),
    ("OFFICIAL-SENSITIVE LOCSEN: the refuge is behind the church", "marking.official_sensitive",
     "OFFICIAL-SENSITIVE LOCSEN", 0.9),
    ("OFFICIAL-SENSITIVE COMMERCIAL\nTender scores attached", "marking.official_sensitive",
     "OFFICIAL-SENSITIVE COMMERCIAL", 0.9),
    ("official sensitive - don't share: the housing officer tipped them off", "marking.official_sensitive",
     "official sensitive", 0.6),
    ("Official-Sensitive: notes below", "marking.official_sensitive", "Official-Sensitive", 0.6),
    ("Plan for tomorrow attached.\nOFFICIAL-SENSITIVE", "marking.official_sensitive", "OFFICIAL-SENSITIVE", 0.9),
    ("This is OFFICIAL-SENSITIVE so don't forward it", "marking.official_sensitive", "OFFICIAL-SENSITIVE", 0.75),
    ("SECRET - UK EYES ONLY. Surveillance log for the target vehicle below", "marking.secret", "SECRET", 0.9),
    ("SECRET - UK EYES ONLY. Surveillance log for the target vehicle below", "marking.caveat", "UK EYES ONLY", 0.9),
    ("UK EYES ONLY - liaison update from the NCA", "marking.caveat", "UK EYES ONLY", 0.9),
    ("TOP SECRET stuff this, don't forward: Op HAWTHORN surveillance logs", "marking.top_secret", "TOP SECRET", 0.6),
    ("TOP SECRET: handler notes", "marking.top_secret", "TOP SECRET", 0.9),
    ("RESTRICTED - the old Op SPARROW file from 2012 is attached", "marking.restricted", "RESTRICTED", 0.9),
    ("CONFIDENTIAL: handler notes for source 0417 attached, do not forward", "marking.confidential",
     "CONFIDENTIAL", 0.9),
    ("OFFICIAL\u2011SENSITIVE: op plan", "marking.official_sensitive", "OFFICIAL\u2011SENSITIVE", 0.9),
]


@pytest.mark.parametrize("text,label,span,min_score", APPLIED)
def test_applied_markings(text, label, span, min_score):
    assert (label, span) in found(text)
    assert best(text, label) >= min_score
    assert ("marking.mention", span) not in found(text)


MENTIONS = [
    # the hard negatives: markings talked about, not applied -> marking.mention, never the marking itself
    ("Reminder: OFFICIAL-SENSITIVE material must never be shared on WhatsApp", "OFFICIAL-SENSITIVE"),
    ("Reminder from IA: OFFICIAL-SENSITIVE material must never go on WhatsApp. If in doubt, use email",
     "OFFICIAL-SENSITIVE"),
    ("OFFICIAL-SENSITIVE material must never be shared on WhatsApp", "OFFICIAL-SENSITIVE"),
    ("what counts as OFFICIAL-SENSITIVE?", "OFFICIAL-SENSITIVE"),
    ("The new OFFICIAL-SENSITIVE handling course is online now", "OFFICIAL-SENSITIVE"),
    ("Does anyone know what TOP SECRET STRATAP clearance actually involves?", "TOP SECRET"),
    ("Does anyone know if old files marked RESTRICTED need re-marking as OFFICIAL-SENSITIVE?", "RESTRICTED"),
    ("Does anyone know if old files marked RESTRICTED need re-marking as OFFICIAL-SENSITIVE?", "OFFICIAL-SENSITIVE"),
    ("Training on GSC: OFFICIAL, SECRET and TOP SECRET are the three tiers", "SECRET"),
    ("training on GSC markings on Tuesday", "GSC markings"),
    ("Is a PNC printout OFFICIAL-SENSITIVE or just OFFICIAL?", "OFFICIAL-SENSITIVE"),
    ("Anything OFFICIAL-SENSITIVE or above stays off here please", "OFFICIAL-SENSITIVE"),
]


@pytest.mark.parametrize("text,span", MENTIONS)
def test_mentions_are_not_markings(text, span):
    got = found(text)
    assert ("marking.mention", span) in got
    assert not [lab for lab, _ in got if lab.startswith("marking.") and lab != "marking.mention"], got


NEGATIVES = [
    "Who's organising secret santa this year?",
    "SECRET SANTA DEADLINE IS FRIDAY!!!",
    "Secret Santa sign-up sheet is on the board",
    "Top secret plan: cake in the office at 3 for Mo's birthday",
    "top secret recipe for the curry",
    "Keep it a secret but we're planning a surprise",
    "It's official, the canteen is getting a new coffee machine",
    "restricted parking outside the nick from Monday",
    "NO ENTRY - RESTRICTED AREA",
    "He's on restricted duties till the hearing",
    "The Federation rep is in on Thursday if anyone wants a confidential chat",
    "The EAP is free and confidential, number's on the intranet",
    "Anything you tell me is in confidence",
    "CONFIDENTIAL WASTE bins are by the lift",
    "We're officially sensitive to the cold on this team",
    "Intel unit has moved to the 4th floor",
    "Meeting at 10:30 in room 2.14",
    "M25 shut between J15 and J16",
    "Flat 2B, Peckham Road",
    "Car 22 has a flat, use car 19",
]


@pytest.mark.parametrize("text", NEGATIVES)
def test_hard_negatives_do_not_fire(text):
    assert found(text) == set()


def test_capitals_score_higher_than_lower_case():
    assert best("OFFICIAL-SENSITIVE: notes", "marking.official_sensitive") > best(
        "official-sensitive: notes", "marking.official_sensitive")


def test_banner_scores_higher_than_sentence():
    assert best("SECRET: notes below", "marking.secret") > best("these notes are SECRET you know", "marking.secret")


def test_lone_capitalised_confidential_in_a_sentence_stays_below_the_policy_threshold():
    assert 0 < best("The EAP is free and CONFIDENTIAL", "marking.confidential") < 0.6


GRADINGS = [
    # (text, span, minimum score)
    ("Intel suggests he's storing the gear at his mum's, graded 2B P", "2B P", 0.9),
    ("graded 1A P: two sources confirm the flat is being cuckooed", "1A P", 0.9),
    ("3x5x2 2B C on that one", "2B C", 0.9),
    ("IR submitted, 3/C/C: rumour he's dealing", "3/C/C", 0.9),
    ("DSU say it's a reliable source, 1-A-P, so treat it as solid", "1-A-P", 0.9),
    ("it came back 1/A/P", "1/A/P", 0.7),
    ("Intel graded 3 E C so probably rubbish", "3 E C", 0.9),
    ("Source reports he's moved the gun, 2BC", "2BC", 0.8),
    ("Intel: keeps a blade in the glovebox, 2BP", "2BP", 0.8),
    ("Just submitted an IR on the car, 2 B P", "2 B P", 0.8),
    ("graded 1A, more to follow", "1A", 0.75),
    ("5x5x5 A1 1 from the NCA: the shipment lands Thursday", "A1 1", 0.85),
    ("5x5x5 B2 4 from the old system", "B2 4", 0.85),
    ("legacy intel graded E41", "E41", 0.85),
    ("old 5x5x5 grading B/2/1", "B/2/1", 0.85),
    ("Handling code C on that one - don't share it with housing", "C", 0.6),
]


@pytest.mark.parametrize("text,span,min_score", GRADINGS)
def test_gradings(text, span, min_score):
    assert ("grading.intelligence", span) in found(text)
    assert best(text, "grading.intelligence") >= min_score


GRADING_NEGATIVES = [
    "Flat 2B P is the one with the blue door",  # no intelligence word
    "B2 is the room for the briefing",
    "1AP on the rota means first aid point",
    "Training reminder: the 3x5x2 intelligence grading course is next Tuesday",
    "The A1 is shut northbound",
    "Grade it down and leave it for the day shift",
    "Intel unit moved to room 2.14",
    "Intel says the A2 is shut",  # a road, no grading word for the 5x5x5 shape
]


@pytest.mark.parametrize("text", GRADING_NEGATIVES)
def test_grading_negatives(text):
    assert not [h for h in DET.scan(text) if h.label == "grading.intelligence"], found(text)


def test_hits_explain_themselves_and_offsets_index_the_raw_text():
    raw = "Reminder:\u00a0OFFICIAL\u2011SENSITIVE material must never go on WhatsApp"
    for text in (raw, detection_view(raw)):
        hits = DET.scan(text)
        assert len(hits) == 1
        h = hits[0]
        assert raw[h.start:h.end] == "OFFICIAL\u2011SENSITIVE"
        assert h.label == "marking.mention" and h.context and h.reason and h.pattern and h.validation
        assert 0 <= h.score <= 1


EXPECTED_LABELLED = {
    "pc-0049": {("marking.confidential", "CONFIDENTIAL")},
    "pc-0053": {("marking.caveat", "UK EYES ONLY")},
    "pc-0070": {("grading.intelligence", "1-A-P")},
    "pc-0075": {("grading.intelligence", "A1 1")},
    "pc-0083": {("marking.mention", "OFFICIAL-SENSITIVE")},
    "pc-0091": {("marking.official_sensitive", "OFFICIAL-SENSITIVE"), ("grading.intelligence", "2/B/P")},
    "pc-0104": {("marking.mention", "TOP SECRET")},
    "pc-0113": {("grading.intelligence", "3/C/C")},
    "pc-0131": {("grading.intelligence", "1A P")},
    "pc-0140": {("grading.intelligence", "3 E C")},
    "pc-0163": {("marking.mention", "RESTRICTED"), ("marking.mention", "OFFICIAL-SENSITIVE")},
    "pc-0165": {("marking.official_sensitive", "OFFICIAL-SENSITIVE LOCSEN")},
    "pc-0167": {("marking.official_sensitive", "official sensitive")},
    "pc-0172": {("grading.intelligence", "B2 1")},
    "pc-0173": {("marking.restricted", "RESTRICTED")},
    "pc-0178": set(), "pc-0192": set(), "pc-0258": set(), "pc-0305": set(), "pc-0320": set(), "pc-0338": set(),
    "pc-0363": set(), "pc-0457": set(), "pc-0476": set(), "pc-0545": set(), "pc-0028": set(), "pc-0212": set(),
    "pc-0270": {("marking.official_sensitive", "OFFICIAL-SENSITIVE")},
    "pc-0281": {("grading.intelligence", "2 B P")},
    "pc-0329": {("marking.top_secret", "TOP SECRET")},
    "pc-0332": {("marking.official_sensitive", "OFFICIAL-SENSITIVE PERSONAL")},
    "pc-0346": {("grading.intelligence", "2/C/P")},
    "pc-0400": {("marking.secret", "SECRET"), ("marking.caveat", "UK EYES ONLY")},
    "pc-0431": {("grading.intelligence", "2BC")},
    "pc-0478": {("grading.intelligence", "C")},
    "pc-0480": {("marking.mention", "OFFICIAL-SENSITIVE")},
    "pc-0520": {("grading.intelligence", "2BP")},
    "pc-0526": {("grading.intelligence", "1A P")},
    "pc-0529": {("grading.intelligence", "1 B C")},
    "pc-0536": {("marking.official_sensitive", "OFFICIAL-SENSITIVE")},
    "pc-0544": {("grading.intelligence", "2B P")},
}


def test_labelled_police_chat_lines():
    lines = {d["id"]: d["text"] for d in map(json.loads, LABELLED.read_text(encoding="utf-8").splitlines())}
    for ident, expected in EXPECTED_LABELLED.items():
        assert found(lines[ident]) == expected, ident
    # nothing else in the file carries a marking label that the table does not list
    for ident, text in lines.items():
        if ident not in EXPECTED_LABELLED:
            assert not [lab for lab, _ in found(text) if lab.startswith("marking.")], (ident, found(text))


