"""Policy rules as data: one YAML file per rule, validated strictly.

A rule names detector labels (strings; the policy never imports detectors) and says when
their findings make a breach of the guidance, which paragraph says so, how serious it is
and what the guidance tells the officer to do.  Schema (every field documented in
docs/policy.md; unknown fields are errors)::

    id: os-pnc-identifier              # == file name without .yaml
    title: PNC identifier shared in a chat
    status: stable                     # stable | test | experimental | disabled
    category: official-sensitive       # the fixed category vocabulary
    severity: high                     # low | medium | high | critical
    scope: message                     # message | chat
    citation: {document: 004_….txt, section: "…", quote: "…"}
    when:
      any: [{label: pnc_id}, {label: "conduct.*", min_score: 0.8}]
      all: [...]                       # every one must be present too
      unless: [{label: meta.training}] # none may be present
      min_score: 0.6                   # default threshold for the matchers
      kinds: [message, attachment]     # message kinds the rule looks at
    action: "Export the chat …"
    explanation: "Why this is a breach"
    false_positives: ["…"]
    references: ["…"]
    examples:
      match: ["text", {export: "multi-line export text"}]
      no_match: [...]
"""

from __future__ import annotations

import fnmatch
import re
from dataclasses import dataclass, field
from typing import Any

from chatwarden.model import Citation

CONTENT_CATEGORIES = (
    "official-sensitive",
    "investigation-material",
    "evidence-intelligence",
    "operational-decision",
    "sensitive-personal-data",
    "duty-notice",
    "personal-use",
    "offensive-conduct",
)
GOVERNANCE_CATEGORIES = ("disappearing-messages", "display-name", "unknown-contact", "unapproved-app")
NOTICE_CATEGORIES = ("unprofessional-language",)
CATEGORIES = CONTENT_CATEGORIES + GOVERNANCE_CATEGORIES + NOTICE_CATEGORIES
SEVERITIES = ("low", "medium", "high", "critical")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
STATUSES = ("stable", "test", "experimental", "disabled")
SCOPES = ("message", "chat")
RULE_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{2,63}$")

RULE_FIELDS = {
    "id", "title", "status", "category", "severity", "scope", "citation", "when", "action",
    "explanation", "false_positives", "references", "examples", "tags",
}
WHEN_FIELDS = {"any", "all", "unless", "min_score", "kinds"}
MATCHER_FIELDS = {"label", "min_score"}
CITATION_FIELDS = {"document", "section", "quote"}
EXAMPLE_FIELDS = {"match", "no_match"}


@dataclass(frozen=True, slots=True)
class Matcher:
    label: str  # exact label or a glob such as "conduct.*"
    min_score: float

    def matches(self, label: str, score: float) -> bool:
        if score < self.min_score:
            return False
        if "*" in self.label or "?" in self.label:
            return fnmatch.fnmatchcase(label, self.label)
        return label == self.label


@dataclass(frozen=True, slots=True)
class Condition:
    any: tuple[Matcher, ...] = ()
    all: tuple[Matcher, ...] = ()
    unless: tuple[Matcher, ...] = ()
    kinds: tuple[str, ...] = ()

    def labels(self) -> set[str]:
        return {m.label for m in (*self.any, *self.all, *self.unless)}


@dataclass(frozen=True, slots=True)
class Example:
    """A text (one message, run like ``chatwarden check``) or a whole export."""

    text: str | None = None
    export: str | None = None
    line: int = 0


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    status: str
    category: str
    severity: str
    scope: str
    citation: Citation
    when: Condition
    action: str
    explanation: str
    false_positives: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    match_examples: tuple[Example, ...] = ()
    no_match_examples: tuple[Example, ...] = ()
    source: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def active(self) -> bool:
        return self.status != "disabled"


def _lines(obj: Any, key: str | None = None) -> int:
    from chatwarden.yamlstrict import line_of

    return line_of(obj, key)


def parse_rule(data: Any, filename: str, problems: list[str]) -> Rule | None:
    """Validate one rule mapping; append every problem (``file:line: message``)."""
    start = len(problems)

    def bad(msg: str, key: str | None = None, obj: Any = None) -> None:
        problems.append(f"{filename}:{_lines(obj if obj is not None else data, key)}: {msg}")

    if not isinstance(data, dict):
        problems.append(f"{filename}:1: a rule file must hold one mapping")
        return None
    for key in data:
        if key not in RULE_FIELDS:
            bad(f"unknown field {key!r} (allowed: {', '.join(sorted(RULE_FIELDS))})", key)
    for key in ("id", "title", "category", "severity", "citation", "when", "action", "explanation"):
        if key not in data:
            bad(f"missing required field {key!r}")

    def text(key: str, default: str = "") -> str:
        value = data.get(key, default)
        if not isinstance(value, str) or (key in data and not value.strip()):
            bad(f"{key!r} must be a non-empty string", key)
            return default
        return value.strip()

    rid = text("id")
    if rid and not RULE_ID_RE.match(rid):
        bad("id must be lower-case letters, digits and hyphens (3-64 characters)", "id")
    status = data.get("status", "stable")
    if status not in STATUSES:
        bad(f"status must be one of {', '.join(STATUSES)}", "status")
    category = data.get("category")
    if category is not None and category not in CATEGORIES:
        bad(f"category {category!r} is not in the vocabulary ({', '.join(CATEGORIES)})", "category")
    severity = data.get("severity")
    if severity is not None and severity not in SEVERITIES:
        bad(f"severity must be one of {', '.join(SEVERITIES)}", "severity")
    scope = data.get("scope", "message")
    if scope not in SCOPES:
        bad(f"scope must be one of {', '.join(SCOPES)}", "scope")

    citation = Citation("", "", "")
    cit = data.get("citation")
    if cit is not None:
        if not isinstance(cit, dict):
            bad("citation must be a mapping with document, section and quote", "citation")
        else:
            for key in cit:
                if key not in CITATION_FIELDS:
                    bad(f"unknown citation field {key!r}", key, cit)
            for key in ("document", "section"):
                if not isinstance(cit.get(key), str) or not cit.get(key, "").strip():
                    bad(f"citation needs a non-empty {key!r}", key, cit)
            citation = Citation(str(cit.get("document", "")), str(cit.get("section", "")), str(cit.get("quote", "") or ""))

    when = _parse_when(data.get("when"), filename, problems, data)
    fps = _str_list(data, "false_positives", filename, problems)
    refs = _str_list(data, "references", filename, problems)
    tags = _str_list(data, "tags", filename, problems)
    match_ex, no_match_ex = _parse_examples(data.get("examples"), filename, problems, data)
    if len(problems) > start:
        return None
    return Rule(
        id=rid, title=text("title"), status=status, category=category, severity=severity, scope=scope,
        citation=citation, when=when, action=text("action"), explanation=text("explanation"),
        false_positives=tuple(fps), references=tuple(refs), tags=tuple(tags),
        match_examples=match_ex, no_match_examples=no_match_ex, source=filename,
    )


def _str_list(data: dict, key: str, filename: str, problems: list[str]) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(f"{filename}:{_lines(data, key)}: {key!r} must be a list of strings")
        return []
    return list(value)


def _parse_when(when: Any, filename: str, problems: list[str], data: Any) -> Condition:
    if when is None:
        return Condition()
    if not isinstance(when, dict):
        problems.append(f"{filename}:{_lines(data, 'when')}: 'when' must be a mapping")
        return Condition()
    for key in when:
        if key not in WHEN_FIELDS:
            problems.append(f"{filename}:{_lines(when, key)}: unknown field {key!r} in 'when' (allowed: {', '.join(sorted(WHEN_FIELDS))})")
    default = when.get("min_score", 0.5)
    if not isinstance(default, (int, float)) or not 0 <= default <= 1:
        problems.append(f"{filename}:{_lines(when, 'min_score')}: min_score must be a number from 0 to 1")
        default = 0.5

    def matchers(key: str) -> tuple[Matcher, ...]:
        items = when.get(key, [])
        if not isinstance(items, list):
            problems.append(f"{filename}:{_lines(when, key)}: {key!r} must be a list of {{label: …}} matchers")
            return ()
        out = []
        for item in items:
            if isinstance(item, str):
                out.append(Matcher(item, float(default)))
                continue
            if not isinstance(item, dict) or "label" not in item:
                problems.append(f"{filename}:{_lines(items)}: each {key!r} entry needs a 'label'")
                continue
            for k in item:
                if k not in MATCHER_FIELDS:
                    problems.append(f"{filename}:{_lines(item, k)}: unknown matcher field {k!r}")
            score = item.get("min_score", default)
            if not isinstance(score, (int, float)) or not 0 <= score <= 1:
                problems.append(f"{filename}:{_lines(item, 'min_score')}: min_score must be a number from 0 to 1")
                score = default
            label = item["label"]
            if not isinstance(label, str) or not re.fullmatch(r"[a-z0-9_.*?-]+", label):
                problems.append(f"{filename}:{_lines(item, 'label')}: label must be like 'pnc_id' or 'conduct.*'")
                continue
            out.append(Matcher(label, float(score)))
        return tuple(out)

    any_, all_, unless = matchers("any"), matchers("all"), matchers("unless")
    if not any_ and not all_:
        problems.append(f"{filename}:{_lines(data, 'when')}: 'when' needs 'any' or 'all'")
    kinds = when.get("kinds", [])
    if not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds):
        problems.append(f"{filename}:{_lines(when, 'kinds')}: 'kinds' must be a list of message kinds")
        kinds = []
    return Condition(any_, all_, unless, tuple(kinds))


def _parse_examples(ex: Any, filename: str, problems: list[str], data: Any) -> tuple[tuple[Example, ...], tuple[Example, ...]]:
    if ex is None:
        problems.append(f"{filename}:{_lines(data)}: every rule needs examples (match and no_match)")
        return (), ()
    if not isinstance(ex, dict):
        problems.append(f"{filename}:{_lines(data, 'examples')}: 'examples' must be a mapping with match and no_match")
        return (), ()
    for key in ex:
        if key not in EXAMPLE_FIELDS:
            problems.append(f"{filename}:{_lines(ex, key)}: unknown examples field {key!r}")
    out = []
    for key in ("match", "no_match"):
        items = ex.get(key)
        if not isinstance(items, list) or not items:
            problems.append(f"{filename}:{_lines(ex, key)}: examples.{key} must be a non-empty list")
            out.append(())
            continue
        parsed = []
        for item in items:
            if isinstance(item, str):
                parsed.append(Example(text=item, line=_lines(items)))
            elif isinstance(item, dict) and set(item) == {"export"} and isinstance(item["export"], str):
                parsed.append(Example(export=item["export"], line=_lines(item)))
            else:
                problems.append(f"{filename}:{_lines(items)}: an example is a string or {{export: <text>}}")
        out.append(tuple(parsed))
    return out[0], out[1]
