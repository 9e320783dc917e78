"""The policy as data: every shipped rule loads strictly and its match/no-match examples
behave through the real detectors; the loader reports every problem with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatwarden.errors import ConfigError
from chatwarden.policy import CATEGORIES, load_policy
from chatwarden.policy.loader import default_policy_dir

SEEDS = ("000_ce6146e958f2a464.txt", "001_e3eb057f8833e8ce.txt", "002_2f4b6cd01c81f578.txt",
         "003_234e258f6f5f1c7a.txt", "004_fb39a41d194af020.txt")


@pytest.fixture(scope="module")
def policy():
    return load_policy()


def test_repository_policies_folder_is_the_shipped_policy():
    repo = Path(__file__).resolve().parents[2] / "policies"
    assert repo.resolve() == default_policy_dir().resolve()


def test_every_rule_is_complete(policy):
    assert len(policy.rules) >= 20
    for rule in policy.rules:
        assert Path(rule.source).stem == rule.id
        assert rule.category in CATEGORIES
        assert rule.citation.document in SEEDS and rule.citation.section
        assert rule.action and rule.explanation
        assert rule.match_examples and rule.no_match_examples


def test_every_content_category_has_a_rule(policy):
    cats = {r.category for r in policy.active}
    for c in ("official-sensitive", "investigation-material", "evidence-intelligence", "operational-decision",
              "sensitive-personal-data", "duty-notice", "personal-use", "offensive-conduct",
              "disappearing-messages", "display-name", "unknown-contact"):
        assert c in cats, c


def test_examples_behave_through_the_real_engine(analyzer):
    assert analyzer.check_examples() == []


def test_policy_version_is_the_hash_of_the_rules(tmp_path, policy):
    for f in Path(policy.source).glob("*.yaml"):
        (tmp_path / f.name).write_bytes(f.read_bytes())
    assert load_policy(tmp_path).version == policy.version
    f = tmp_path / "pu-personal-use.yaml"
    f.write_text(f.read_text(encoding="utf-8").replace("severity: low", "severity: medium"), encoding="utf-8")
    assert load_policy(tmp_path).version != policy.version


GOOD = """id: t-rule
title: a test rule
category: personal-use
severity: low
citation: {document: 004_fb39a41d194af020.txt, section: Summary}
when:
  any: [{label: personal.family}]
action: do something
explanation: because
examples:
  match: ["mum can you get milk"]
  no_match: ["briefing at 7"]
"""


def write(tmp_path: Path, name: str, text: str) -> None:
    (tmp_path / name).write_text(text, encoding="utf-8")


def test_loader_reports_every_problem_with_file_and_line(tmp_path):
    write(tmp_path, "t-rule.yaml", GOOD)
    write(tmp_path, "dup.yaml", GOOD.replace("id: t-rule", "id: dup").replace("severity: low", "severity: low\nseverity: high"))
    write(tmp_path, "bad.yaml", GOOD.replace("id: t-rule", "id: bad").replace("category: personal-use", "category: gossip")
          .replace("title: a test rule", "title: a test rule\ncolour: red"))
    write(tmp_path, "other-name.yaml", GOOD.replace("id: t-rule", "id: not-the-file-name"))
    write(tmp_path, "broken.yaml", "id: [unclosed\n")
    with pytest.raises(ConfigError) as exc:
        load_policy(tmp_path)
    problems = exc.value.problems
    text = "\n".join(problems)
    assert "dup.yaml:5: duplicate key 'severity' (first at line 4)" in text
    assert "bad.yaml" in text and "unknown field 'colour'" in text and "'gossip' is not in the vocabulary" in text
    assert "must equal the file name" in text
    assert "broken.yaml" in text and "YAML syntax error" in text
    assert len(problems) >= 5


def test_loader_rejects_a_rule_without_examples_or_condition(tmp_path):
    write(tmp_path, "t-rule.yaml", GOOD.replace("examples:\n  match: [\"mum can you get milk\"]\n  no_match: [\"briefing at 7\"]\n", "")
          .replace("  any: [{label: personal.family}]\n", "  min_score: 2\n"))
    with pytest.raises(ConfigError) as exc:
        load_policy(tmp_path)
    text = "\n".join(exc.value.problems)
    assert "needs examples" in text and "'when' needs 'any' or 'all'" in text and "min_score must be" in text


def test_disabled_rules_are_checked_but_not_applied(tmp_path, analyzer):
    from chatwarden.analysis import Analyzer

    write(tmp_path, "t-rule.yaml", GOOD.replace("category: personal-use", "category: personal-use\nstatus: disabled"))
    a = Analyzer(load_policy(tmp_path), analyzer.engine)
    assert a.check(["Mum can you pick up milk on the way home"]) == [[]]
    assert a.check_examples() == []  # its examples still run
