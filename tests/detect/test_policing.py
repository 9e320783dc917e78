"""The policing-knowledge detector: every rule's own examples, a positive per label with
its span, the hard negatives, the negative-context labels, the strict rule loader and the
trigger prefilter."""

from __future__ import annotations

from datetime import datetime

import pytest

from chatwarden.detect.base import Hit
from chatwarden.detect.lexicons import read_text, trie_pattern
from chatwarden.detect.policing import LABELS, PolicingDetector, compile_rules, trigger_regex
from chatwarden.errors import ConfigError
from chatwarden.model import Message

DET = PolicingDetector()


def labels_of(text: str) -> set[str]:
    return {h.label for h in DET.scan(text)}


def hit(text: str, label: str) -> Hit:
    found = [h for h in DET.scan(text) if h.label == label]
    assert found, f"no {label} in {text!r}: {sorted(labels_of(text))}"
    return found[0]


# ----------------------------------------------------------------------------- rule data

RULE_EXAMPLES = [(r.id, r.label, t, True) for r in DET.rules.rules for t in r.match_examples] + [
    (r.id, r.label, t, False) for r in DET.rules.rules for t in r.no_match_examples
]


@pytest.mark.parametrize(("rule", "label", "text", "should_match"), RULE_EXAMPLES,
                         ids=[f"{r}-{'match' if m else 'no_match'}-{i}"
                              for i, (r, _, _, m) in enumerate(RULE_EXAMPLES)])
def test_rule_examples(rule: str, label: str, text: str, should_match: bool) -> None:
    assert (label in labels_of(text)) is should_match


def test_every_rule_has_examples_both_ways() -> None:
    for r in DET.rules.rules:
        assert r.match_examples, r.id
        assert r.no_match_examples, r.id


def test_labels_are_exactly_the_documented_set() -> None:
    assert PolicingDetector.labels == LABELS
    assert {r.label for r in DET.rules.rules} == LABELS
    assert len(LABELS) == 24
    assert PolicingDetector.name == "policing" and PolicingDetector.version == "1.1.0"


# ----------------------------------------------------------------------------- positives

POSITIVES = [
    # (text, label, the exact text the span should cover)
    ("pnc came back with a live disqualification", "pnc.record", "pnc came back"),
    ("he has got flags on PNC for knives", "pnc.record", "flags on PNC"),
    ("Warning signals: violent, escaper", "pnc.record", "Warning signals: violent"),
    ("fingerprints from the window came back to her brother", "biometric", "fingerprints from the window came back"),
    ("mugshot for the briefing pack please", "custody.image", "mugshot"),
    ("Osman letter delivered to the family by the DI", "threat_to_life", "Osman letter"),
    ("in his statement he says he never left the flat", "evidence.statement", "in his statement he"),
    ("blade exhibited as KT/2 at the scene", "evidence.exhibit", "exhibited as KT/2"),
    ("the BWV shows her throwing the first punch", "evidence.cctv", "BWV shows"),
    ("in interview she admitted taking the purse", "evidence.interview", "in interview she"),
    ("he has been charged with robbery and remanded", "evidence.charge", "he has been charged"),
    ("Just to let you know, the man who took your phone was charged today", "evidence.victim_update",
     "to let you know, the man who took your phone was charged"),
    ("intelligence suggests they store the drugs in the garage", "intel.report", "intelligence suggests"),
    ("I am authorising the entry under section 32", "operational.decision", "I am authorising"),
    ("Your tour on Friday is different, now 1400-2200", "duty.notice", "1400-2200"),
    ("hi mum, can you feed the cat tonight", "personal.family", "hi mum"),
    ("just ordered a new hoover off Amazon", "personal.shopping", "just ordered a new hoover off Amazon"),
    ("paid the rent into your account this morning", "personal.banking", "paid the rent"),
    ("add me on insta, same handle as always", "personal.social", "add me on insta"),
    ("I've got a Bumble date on Saturday", "personal.dating", "Bumble"),
    ("flogging my old bike if anyone is interested", "personal.selling", "flogging my old bike"),
    ("can we have a quick call at 4 about the rota", "arrange.meeting", "call at 4"),
    ("could you come in on Thursday at 11 so I can take a statement", "arrange.statement", "take a statement"),
    ("please don't share photos of prisoners on WhatsApp", "meta.training",
     "don't share photos of prisoners on WhatsApp"),
    ("hope you're ok after yesterday, shout if you need anything", "support.welfare", "hope you're ok"),
    ("pack it in mate, seriously", "report.conduct", "pack it in"),
]


@pytest.mark.parametrize(("text", "label", "covered"), POSITIVES,
                         ids=[p[1] + "-" + str(i) for i, p in enumerate(POSITIVES)])
def test_positive_per_label_with_span(text: str, label: str, covered: str) -> None:
    h = hit(text, label)
    assert 0 <= h.start < h.end <= len(text)
    assert covered in text[h.start:h.end], text[h.start:h.end]
    assert h.pattern and h.pattern.split(".")[0]
    assert h.reason and h.score >= 0.6


def test_every_label_has_a_positive_in_the_table() -> None:
    assert {label for _, label, _ in POSITIVES} == LABELS


def test_reason_never_quotes_the_message() -> None:
    text = "In her statement Zebedee says the Quixotic van was red"
    h = hit(text, "evidence.statement")
    assert "Zebedee" not in h.reason and "Quixotic" not in h.reason
    assert "Zebedee" not in " ".join(h.context)


def test_context_words_reported_and_raise_score() -> None:
    plain = hit("PNC shows something on him", "pnc.record")
    richer = hit("PNC shows markers and he is wanted", "pnc.record")
    assert "markers" in richer.context and "wanted" in richer.context
    assert richer.score > plain.score


def test_spans_index_the_raw_text_with_typographic_characters() -> None:
    text = "\u201cOK\u201d \u2013 she\u2019s got violence markers on PNC"
    h = hit(text, "pnc.record")
    assert text[h.start:h.end] == "markers on PNC" or text[h.start:h.end].endswith("on PNC")


def test_one_hit_per_label() -> None:
    text = "PNC shows warning markers for weapons, he has got markers on PNC and 12 pre-cons"
    hits = DET.scan(text)
    assert [h.label for h in hits].count("pnc.record") == 1


# ----------------------------------------------------------------------------- hard negatives

PROHIBITED = LABELS - {"arrange.meeting", "arrange.statement", "meta.training", "support.welfare", "report.conduct"}

HARD_NEGATIVES = [
    "can you come in on Tuesday at 3 so I can take a statement",
    "I'll take a statement from the neighbour on Tuesday",
    "charged my phone in the van, it's on 100%",
    "battery pack needs a charge before the night shift",
    "they charged a booking fee on top of the ticket price",
    "we went to the Hockney exhibition at the Tate on my day off",
    "the art exhibit at the library is worth a look",
    "she's got a custody hearing for her kids on Friday",
    "first aid refresher is booked for Monday",
    "he left his hearing aid in the van",
    "decision on the Christmas party venue is Friday",
    "my mum works at the council in the housing team",
    "my dad was a PC in Lewisham back in the day",
    "meeting room 3.12 is booked from 1400 to 1500",
    "take the A23 then Croydon Road, it's quicker",
    "I'll be in at 0700 tomorrow",
    "the DS board results are out on Monday",
    "Can someone run a PNC for me when you get a sec?",
    "PNC is slow again this morning",
    "Livescan is down in custody, use the other suite",
    "there's a new intel analyst starting Monday",
    "CCTV request forms are in the top drawer",
    "I've got an interview for the DS role next week",
    "CPS direct number is on the board by the door",
    "the statement of accounts for the social fund is on the wall",
    "we need to decide where to go for the team meal",
    "she was very emotional about the date of her exam",
]


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_hard_negatives_fire_no_prohibited_label(text: str) -> None:
    assert not labels_of(text) & PROHIBITED, sorted(labels_of(text))


def test_statement_arrangement_is_the_negative_context_label() -> None:
    assert "arrange.statement" in labels_of("can you come in on Tuesday so I can take your statement")
    assert "evidence.statement" not in labels_of("can you come in on Tuesday so I can take your statement")


def test_personal_words_in_work_context() -> None:
    assert "personal.family" in labels_of("mum can you pick up milk")
    assert "personal.family" not in labels_of("my mum works at the council")
    assert "personal.family" not in labels_of("the victim's mum is at the hospital with her")


def test_allowed_use_gives_way_to_prohibited_content_in_the_same_message() -> None:
    text = "strike at 0600 authorised, briefing at 0500 in the parade room"
    got = labels_of(text)
    assert "operational.decision" in got and "arrange.meeting" not in got
    assert "arrange.meeting" in labels_of("briefing at 0500 in the parade room")


def test_report_conduct_and_training_labels() -> None:
    assert "report.conduct" in labels_of("I've reported that to PSD, it's not banter")
    assert "meta.training" in labels_of("Reminder: don't put OFFICIAL-SENSITIVE material on here")
    assert "support.welfare" in labels_of("TRiM is available to anyone who was at the scene")


# ----------------------------------------------------------------------------- detect() and speed


def test_detect_yields_findings_for_text_kinds_only() -> None:
    t = datetime(2024, 5, 1, 9, 0)
    msgs = [
        Message(0, t, "PC A", "CCTV shows him at the till", "message"),
        Message(1, t, "PC A", "<Media omitted>", "media_omitted"),
        Message(2, t, None, "Messages are end-to-end encrypted", "system:encryption"),
    ]
    findings = list(DET.detect(msgs))
    assert [f.message_index for f in findings] == [0]
    f = findings[0]
    assert f.detector == "policing" and f.explanation.version == "1.1.0" and f.label == "evidence.cctv"
    assert f.span is not None and msgs[0].text[f.span.start:f.span.end].startswith("CCTV")


# ----------------------------------------------------------------------------- loader


def test_shipped_rule_file_compiles() -> None:
    text, name = read_text("policing.yaml")
    rs = compile_rules(text, name, LABELS, "policing")
    assert rs.version == "1.1.0" and len(rs.rules) > 50


GOOD_RULE = """
- id: pnc.test
  label: pnc.record
  score: 0.8
  reason: test
  triggers: [pnc]
  patterns: ['\\bpnc shows\\b']
"""


def _file(rules: str, *, extra: str = "", labels: str = "  pnc.record: PNC record\n") -> str:
    return f"detector: policing\nversion: 9.9.9\n{extra}macros:\n  gap: 'x'\nlabels:\n{labels}rules:\n{rules}"


def test_loader_accepts_a_minimal_file() -> None:
    rs = compile_rules(_file(GOOD_RULE), "t.yaml", frozenset({"pnc.record"}), "policing")
    assert rs.version == "9.9.9" and rs.rules[0].id == "pnc.test"
    assert rs.candidates("the pnc shows")[0].id == "pnc.test"
    assert rs.candidates("nothing here") == []


@pytest.mark.parametrize(
    ("rules", "expected"),
    [
        (GOOD_RULE + "  colour: red\n", "unknown key 'colour'"),
        (GOOD_RULE.replace("pnc.record\n", "pnc.recrod\n"), "unknown label 'pnc.recrod'"),
        (GOOD_RULE.replace("pnc shows", "pnc (shows"), "bad regular expression"),
        (GOOD_RULE.replace("pnc shows", "pnc <nosuch> shows"), "unknown macro <nosuch>"),
        (GOOD_RULE + GOOD_RULE, "duplicate rule id 'pnc.test'"),
        (GOOD_RULE.replace("score: 0.8", "score: 2"), "score must be a number in (0, 1]"),
        (GOOD_RULE.replace("triggers: [pnc]", "triggers: [PNC]"), "bad trigger 'PNC'"),
        (GOOD_RULE.replace("pnc shows", "PNC shows"), "write patterns in lower case"),
        (GOOD_RULE.replace("  reason: test\n", "  reason: test\n  reason: again\n"), "duplicate key 'reason'"),
        (GOOD_RULE.replace("  scope", "") + "  scope: paragraph\n", "scope must be one of"),
    ],
)
def test_loader_rejects_bad_rules_with_file_and_line(rules: str, expected: str) -> None:
    with pytest.raises(ConfigError) as exc:
        compile_rules(_file(rules), "t.yaml", frozenset({"pnc.record"}), "policing")
    assert any(expected in p and p.startswith("t.yaml:") for p in exc.value.problems), exc.value.problems


def test_loader_reports_every_problem_at_once() -> None:
    bad = GOOD_RULE.replace("pnc.record\n", "nope\n") + "  colour: red\n"
    with pytest.raises(ConfigError) as exc:
        compile_rules(_file(bad, extra="extra_key: 1\n"), "t.yaml", frozenset({"pnc.record"}), "policing")
    problems = exc.value.problems
    assert len(problems) >= 3
    assert any("unknown key 'extra_key'" in p for p in problems)
    assert any("no rule emits label 'pnc.record'" in p for p in problems)


def test_loader_requires_every_label_described() -> None:
    with pytest.raises(ConfigError) as exc:
        compile_rules(_file(GOOD_RULE), "t.yaml", frozenset({"pnc.record", "biometric"}), "policing")
    assert any("label 'biometric' is not described" in p for p in exc.value.problems)


# ----------------------------------------------------------------------------- prefilter


def test_trigger_regex_prefers_longest_and_keeps_shorter_rules() -> None:
    rx = trigger_regex({"no", "no comment", "can", "can you"}, {"charg", "statement"})
    assert rx.findall("went no comment, can we talk") == ["no comment", "can"]
    assert rx.findall("charged with it; statements attached") == ["charg", "statement"]
    assert rx.findall("noted, cannot") == []


def test_trie_pattern_words_end_at_word_boundaries() -> None:
    import re

    rx = re.compile(r"\b" + trie_pattern(["aid", "w/s"], ["abstract"]))
    assert rx.findall("aid, w/s and abstractions but not aide or aids") == ["aid", "w/s", "abstract"]


def test_shorter_trigger_rules_run_when_a_longer_phrase_matched() -> None:
    # "no comment" is a trigger of one rule; "not"-phrases and the like must not hide others
    got = labels_of("he went no comment, CPS said NFA on the assault")
    assert {"evidence.interview", "evidence.charge"} <= got


def test_trigger_regex_finds_overlapping_triggers() -> None:
    # "up for sale" holds "up for" (a social-plans trigger) and "for sale" (a listing trigger)
    rx = trigger_regex({"up for", "for sale"}, ())
    assert rx.findall("my golf is up for sale") == ["up for", "for sale"]
    assert "personal.selling" in labels_of("My Golf's up for sale, 60k miles, full service history")


# ----------------------------------------------------------------------------- scan plan

PLAN_TEXTS = [
    "the pnc shows him wanted, statement attached",
    "can we have a quick call at 2 about the rota",
    "custody image of the male and the pnc printout <media omitted>",
    "briefing moved to 0700 tomorrow, bring your statements",
    "nothing to see here",
]


@pytest.mark.parametrize("text", PLAN_TEXTS)
def test_plan_is_the_candidates_with_only_needed_pre_checks(text: str) -> None:
    rs = DET.rules
    low = text.lower()
    found = rs.trigger.findall(low)
    if not found:
        assert rs.candidates(low) == []
        return
    plan = rs.plan(found)
    assert [r for r, _ in plan] == list(rs.candidates(low))
    assert rs.plan(found) is plan  # remembered
    for rule, test in plan:
        if rule.needs is None:
            assert test is None
        elif test is None:  # skipped only where a trigger text found holds a required string
            assert any(n in t for t in found for n in rule.needs), rule.id
        else:
            assert test in (rule.needs, rule.needs_any)


def test_plan_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from chatwarden.detect import policing

    rule = GOOD_RULE.replace("triggers: [pnc]", "triggers: [pnc, shows, record]")
    rs = compile_rules(_file(rule), "t.yaml", frozenset({"pnc.record"}), "policing")
    monkeypatch.setattr(policing, "PLAN_CACHE", 1)
    one = rs.plan(rs.trigger.findall("pnc shows"))
    two = rs.plan(rs.trigger.findall("pnc record"))  # the first set is dropped
    assert list(rs.plans) == [frozenset({"pnc", "record"})] and [r for r, _ in one] == [r for r, _ in two]
    assert set(rs.singles) == {"pnc", "shows", "record"}
    assert policing.scan_rules(rs, "the PNC shows it")[0].pattern == "pnc.test"


def test_scan_equals_scan_without_any_pre_check() -> None:
    # The pre-checks only skip patterns that cannot match: the hits are those of every
    # candidate's pattern run on every text (the rule examples and the texts above).
    import dataclasses

    from chatwarden.detect.policing import RuleSet, scan_rules

    rs = DET.rules
    plain_rules = {r.id: dataclasses.replace(r, needs=None, needs_any=None) for r in rs.rules}
    plain = RuleSet(rs.version, tuple(plain_rules[r.id] for r in rs.rules), rs.trigger,
                    {t: tuple(plain_rules[r.id] for r in rules) for t, rules in rs.by_trigger.items()})
    texts = PLAN_TEXTS + [t for r in rs.rules for t in (*r.match_examples, *r.no_match_examples)]
    for text in texts:
        assert scan_rules(rs, text) == scan_rules(plain, text)
        assert scan_rules(rs, text.upper() + " İ") == scan_rules(plain, text.upper() + " İ")
