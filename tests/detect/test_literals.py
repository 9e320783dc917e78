"""Required literals: every match of a pattern contains one of the strings named (so
skipping a text without any of them never loses a match)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from chatwarden.detect.literals import required_literals
from chatwarden.detect.policing import _ruleset, scan_rules

DATA = Path(__file__).resolve().parents[1] / "data" / "police_chat_labelled.jsonl"


@pytest.mark.parametrize(("pattern", "expected"), [
    (r"\bcharged (?:with|him)\b", ("charged him", "charged with")),
    (r"\b(?:charge|charging) (?:decision|advice)\b",
     ("charge advice", "charge decision", "charging advice", "charging decision")),
    (r"(?:abc|de)+x", ("de", "abc")),
    (r"\d+ apples", (" apples",)),
    (r"foo(?i:bar)", ("foo",)),
    (r"[a-c]at|dog", ("aat", "bat", "cat", "dog")),
    (r"statement(?!s)|statements", ("statement",)),
])
def test_required_literals(pattern: str, expected: tuple[str, ...]) -> None:
    assert required_literals(re.compile(pattern)) == expected


@pytest.mark.parametrize("pattern", [
    r"a*b",  # b alone is too short
    r"x?",
    r"\w+",
    r"(?i)statement",  # case-insensitive: only with ignore_case
    r"(?i:statement)",
    r"(a)\1",
    r"[^abc]{3}",
    r"foo|\d+",  # one branch names nothing
])
def test_nothing_to_require(pattern: str) -> None:
    assert required_literals(re.compile(pattern)) is None


def test_ignore_case_reads_lower_case_ascii() -> None:
    assert required_literals(re.compile(r"(?i)Charged (?-i:ABH)"), ignore_case=True) == ("charged abh",)
    assert required_literals(re.compile(r"caf\u00e9s?"), ignore_case=True) is None


def _texts() -> list[str]:
    texts = [json.loads(line)["text"] for line in DATA.read_text(encoding="utf-8").splitlines()]
    for rule in _ruleset().rules:
        texts += rule.match_examples + rule.no_match_examples
    return texts


def test_every_match_of_a_policing_rule_holds_a_required_string() -> None:
    texts = _texts()
    checked = 0
    for rule in _ruleset().rules:
        if rule.needs is None:
            continue
        for text in texts:
            target = text if rule.cased else text.lower()
            if rule.cased and not text.isascii():
                continue
            if any(m.end() > m.start() for m in rule.pattern.finditer(target)):
                checked += 1
                assert any(s in text.lower() for s in rule.needs), rule.id
                if rule.needs_any is not None:
                    assert rule.needs_any.search(text.lower()) is not None, rule.id
    assert checked > 100


def test_the_required_strings_change_no_policing_hit() -> None:
    rs = _ruleset()
    plain = type(rs)(rs.version, tuple(r.__class__(**{**{f: getattr(r, f) for f in r.__slots__},
                                                        "needs": None, "needs_any": None}) for r in rs.rules),
                     rs.trigger, {})
    by = {t: tuple(plain.rules[[r.id for r in plain.rules].index(x.id)] for x in rules)
          for t, rules in rs.by_trigger.items()}
    plain = type(rs)(rs.version, plain.rules, rs.trigger, by)
    for text in _texts():
        assert scan_rules(rs, text) == scan_rules(plain, text)
