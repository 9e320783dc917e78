"""Policing knowledge: what a message is *about*, in the terms of the instant-messaging
guidance (004_fb39a41d194af020.txt, "The content of instant messaging must not include" and
the summary table) and the personal-use FAQ (003_234e258f6f5f1c7a.txt, FAQ 10-12).

Labels (see :data:`LABELS`):

* OFFICIAL-SENSITIVE material: ``pnc.record``, ``biometric``, ``custody.image``,
  ``threat_to_life``;
* investigation material (CPIA): ``evidence.statement``, ``evidence.exhibit``,
  ``evidence.cctv``, ``evidence.interview``, ``evidence.charge``, ``evidence.victim_update``;
* ``intel.report``, ``operational.decision``, ``duty.notice``;
* routine personal use: ``personal.family``, ``personal.shopping``, ``personal.banking``,
  ``personal.social``, ``personal.dating``, ``personal.selling``;
* allowed uses that the policy reads as negative context: ``arrange.meeting``,
  ``arrange.statement``, ``meta.training``, ``support.welfare``, ``report.conduct``.

The rules are data (``lexicons/policing.yaml``): each has a label, a base score, a reason,
trigger words, patterns, optional ``unless``/``requires`` patterns looked for in the same
sentence, context words, ``yield_to`` labels and examples.  :func:`compile_rules` validates
the file strictly (unknown keys, unknown labels or macros, bad regexes, upper-case letters
in patterns that run on lower-cased text and duplicate ids are all reported at once with
``file:line``) and builds one prefilter for the whole file: a trie-shaped regex of every
trigger, run once per message on a lower-cased copy.  Only the rules whose triggers occur
are then tried, so a message with none of the words costs one regex scan.  Each rule's
required strings (``needs``, see :mod:`chatwarden.detect.literals`) are looked for before its
pattern runs, except where a trigger text found already holds one; :meth:`RuleSet.plan`
remembers that list for each set of trigger texts met.

A message gets at most one hit per label, from the best-scored rule that matches.  The
allowed-use labels (``arrange.*``) give way (``yield_to``) when the same message carries
prohibited content, because the policy reads them as a reason to stay silent.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, ClassVar

from chatwarden.detect.base import Hit, TextDetector
from chatwarden.detect.lexicons import read_text, trie_pattern
from chatwarden.detect.literals import required_literals
from chatwarden.detect.text import detection_view
from chatwarden.errors import ConfigError
from chatwarden.yamlstrict import line_of, load_mapping

__all__ = ["LABELS", "PolicingDetector", "Rule", "RuleSet", "compile_rules", "trigger_regex"]

LABELS = frozenset(
    {
        "pnc.record", "biometric", "custody.image", "threat_to_life",
        "evidence.statement", "evidence.exhibit", "evidence.cctv", "evidence.interview",
        "evidence.charge", "evidence.victim_update",
        "intel.report", "operational.decision", "duty.notice",
        "personal.family", "personal.shopping", "personal.banking", "personal.social",
        "personal.dating", "personal.selling",
        "arrange.meeting", "arrange.statement", "meta.training", "support.welfare", "report.conduct",
    }
)

TOP_KEYS = {"detector", "version", "macros", "labels", "rules"}
RULE_KEYS = {"id", "label", "score", "reason", "triggers", "patterns", "unless", "requires", "scope", "context",
             "yield_to", "examples"}
RULE_REQUIRED = {"id", "label", "score", "reason", "triggers", "patterns"}
EXAMPLE_KEYS = {"match", "no_match"}
SCOPES = ("sentence", "message")
CONTEXT_STEP = 0.05
CONTEXT_MAX = 0.10
SCORE_CAP = 0.99
PLAN_CACHE = 4096  # trigger-text sets whose plan a rule set remembers (RuleSet.plan)
NEEDS_LOOP = 6  # up to this many required strings are looked for one by one, more with one expression

_MACRO = re.compile(r"(?<!\(\?)(?<!\(\?P)<([a-z_][a-z0-9_]*)>")  # not (?<...) or (?P<...>
_RULE_ID = re.compile(r"^[a-z][a-z0-9_]*\.[a-z0-9_]+$")
_TRIGGER = re.compile(r"^[a-z0-9][a-z0-9 '&./:-]*\*?$")
_SENTENCE_END = re.compile(r"[.!?\n]")
_WORD_CHAR = re.compile(r"\w")
_UPPER = re.compile(r"[A-Z]")
_ESCAPES = re.compile(r"\\.|\(\?P<\w+>|\(\?P=\w+\)")


@dataclass(frozen=True, slots=True)
class Rule:
    """One compiled rule.  ``pattern`` is all of the rule's patterns as one alternation."""

    id: str
    label: str
    score: float
    reason: str
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None
    requires: re.Pattern[str] | None
    scope: str
    context: re.Pattern[str] | None
    order: int
    cased: bool = False  # True: run on the view with IGNORECASE (a pattern has a (?-i:...) part)
    # ``order`` is the evaluation order: rules without ``yield_to`` first, each group by
    # falling score, then file order (so the first hit of a label is its best one).
    yield_to: frozenset[str] = frozenset()
    match_examples: tuple[str, ...] = ()
    no_match_examples: tuple[str, ...] = ()
    # Strings of which every match of ``pattern`` contains one (see chatwarden.detect.literals),
    # looked for in the lower-cased text before the pattern runs; for a ``cased`` rule only
    # in ASCII text.  None: always run the pattern.
    needs: tuple[str, ...] | None = None
    needs_any: re.Pattern[str] | None = None  # the same strings as one expression, when there are many


@dataclass(frozen=True, slots=True)
class RuleSet:
    """A compiled rule file: the rules, the combined trigger regex and, for every text
    the trigger regex can return, the rules it switches on."""

    version: str
    rules: tuple[Rule, ...]
    trigger: re.Pattern[str]
    by_trigger: Mapping[str, tuple[Rule, ...]]
    # The plan (see :meth:`plan`) of each set of two or more trigger texts met, at most
    # PLAN_CACHE of them (emptied when full).
    plans: dict[frozenset[str], tuple[tuple[Rule, Any], ...]] = dataclasses.field(
        default_factory=dict, compare=False, repr=False, hash=False)
    # The plan of each single trigger text met (at most one per text of ``by_trigger``).
    singles: dict[str, tuple[tuple[Rule, Any], ...]] = dataclasses.field(
        default_factory=dict, compare=False, repr=False, hash=False)

    def candidates(self, lowered: str) -> list[Rule]:
        """Rules whose triggers occur in ``lowered`` (a lower-cased text), in evaluation
        order (see :attr:`Rule.order`)."""
        by = self.by_trigger
        found = self.trigger.findall(lowered)
        if not found:
            return []
        if len(found) == 1:
            return list(by[found[0]])
        seen: dict[int, Rule] = {}
        for t in found:
            for r in by[t]:
                seen[r.order] = r
        return [seen[k] for k in sorted(seen)]

    def plan(self, found: list[str]) -> tuple[tuple[Rule, Any], ...]:
        """The candidate rules for ``found`` (what :attr:`trigger` returned for a text,
        not empty), in evaluation order, each with the pre-check still worth making: the
        rule's ``needs`` (a tuple of strings or, where there are many, ``needs_any``), or
        None where it has none or where a trigger text found contains one of its strings
        (that text occurs in the lower-cased text, so the check would pass)."""
        plans, singles = self.plans, self.singles
        if len(found) == 1:
            plan = singles.get(found[0])
            return plan if plan is not None else self._single(found[0])
        key = frozenset(found)
        plan = plans.get(key)
        if plan is not None:
            return plan
        single = self._single
        seen: dict[int, tuple[Rule, Any]] = {}
        for t in key:
            p = singles.get(t)
            for entry in p if p is not None else single(t):
                if entry[1] is None or entry[0].order not in seen:
                    seen[entry[0].order] = entry
        plan = tuple(seen[k] for k in sorted(seen))
        if len(plans) >= PLAN_CACHE:
            plans.clear()
        plans[key] = plan
        return plan

    def _single(self, text: str) -> tuple[tuple[Rule, Any], ...]:
        """The plan of the one trigger text ``text`` (remembered in :attr:`singles`)."""
        plan = tuple((r, None if r.needs is None or any(n in text for n in r.needs) else (r.needs_any or r.needs))
                     for r in self.by_trigger[text])
        self.singles[text] = plan
        return plan


# --------------------------------------------------------------------------------------
# Trigger prefilter
# --------------------------------------------------------------------------------------


def trigger_regex(words: Iterable[str], stems: Iterable[str]) -> re.Pattern[str]:
    """One regex finding, at every word start of a lower-cased text, the longest trigger
    there: a whole word or phrase (ending at a word boundary) or a stem (a word start).
    Matches may overlap ("up for sale" holds both "up for" and "for sale"): the trie sits
    in a lookahead, so ``findall`` returns the captured trigger at each word start."""
    words, stems = sorted(set(words)), sorted(set(stems))
    if not words and not stems:
        return re.compile(r"(?!x)x")
    return re.compile(r"\b(?=(" + trie_pattern(words, stems) + "))")


# --------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------


def _expand(text: str, macros: Mapping[str, str], where: str, problems: list[str], depth: int = 0) -> str:
    if depth > 5:
        problems.append(f"{where}: macros nest too deeply")
        return text

    def sub(m: re.Match[str]) -> str:
        name = m.group(1)
        if name not in macros:
            problems.append(f"{where}: unknown macro <{name}>")
            return ""
        return "(?:" + _expand(macros[name], macros, where, problems, depth + 1) + ")"

    return _MACRO.sub(sub, text)


def _compile(parts: list[str], where: str, problems: list[str], flags: int = 0) -> re.Pattern[str] | None:
    if not parts:
        return None
    ok = True
    for p in parts:
        try:
            re.compile(p, flags)
        except re.error as exc:
            problems.append(f"{where}: bad regular expression ({exc.msg} at position {exc.pos})")
            ok = False
    if not ok:
        return None
    return re.compile("|".join(f"(?:{p})" for p in parts) if len(parts) > 1 else parts[0], flags)


def _str_list(value: Any, where: str, problems: list[str], *, allow_empty: bool = False) -> list[str]:
    if not isinstance(value, list) or (not value and not allow_empty):
        problems.append(f"{where}: must be a {'' if allow_empty else 'non-empty '}list of strings")
        return []
    out = []
    for item in value:
        if not isinstance(item, str) or not item.strip():
            problems.append(f"{where}: every item must be a non-empty string")
            continue
        out.append(item)
    return out


def compile_rules(text: str, filename: str, labels: frozenset[str], detector: str) -> RuleSet:
    """Validate and compile a rule file; raise :class:`ConfigError` listing every problem."""
    data, problems, at = load_mapping(text, filename, TOP_KEYS)
    if data.get("detector") not in (None, detector):
        problems.append(f"{at(data, 'detector')}: file is for detector {data.get('detector')!r}, not {detector!r}")
    version = str(data.get("version", ""))

    macros_raw = data.get("macros") or {}
    macros: dict[str, str] = {}
    if not isinstance(macros_raw, dict):
        problems.append(f"{at(data, 'macros')}: macros must be a mapping")
    else:
        for name, value in macros_raw.items():
            if not isinstance(name, str) or not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
                problems.append(f"{at(macros_raw, name)}: bad macro name {name!r}")
            elif not isinstance(value, str):
                problems.append(f"{at(macros_raw, name)}: macro {name!r} must be a string")
            else:
                macros[name] = value

    declared = data.get("labels") or {}
    if not isinstance(declared, dict):
        problems.append(f"{at(data, 'labels')}: labels must be a mapping")
        declared = {}
    for name in declared:
        if name not in labels:
            problems.append(f"{at(declared, name)}: label {name!r} is not one the detector emits")
    for name in sorted(labels - set(declared)):
        problems.append(f"{at(declared)}: label {name!r} is not described")

    rules_raw = data.get("rules")
    if not isinstance(rules_raw, list) or not rules_raw:
        problems.append(f"{at(data, 'rules')}: rules must be a non-empty list")
        rules_raw = []
    rules: list[Rule] = []
    trigger_ids: dict[str, list[int]] = {}
    seen_ids: dict[str, int] = {}
    used_labels: set[str] = set()
    for order, raw in enumerate(rules_raw):
        if not isinstance(raw, dict):
            problems.append(f"{at(raw) if hasattr(raw, 'line') else filename}: a rule must be a mapping")
            continue
        here = at(raw)
        for key in raw:
            if key not in RULE_KEYS:
                problems.append(f"{at(raw, key)}: unknown key {key!r}")
        missing = RULE_REQUIRED - set(raw)
        for key in sorted(missing):
            problems.append(f"{here}: rule is missing {key!r}")
        if missing:
            continue
        rid, label = raw["id"], raw["label"]
        if not isinstance(rid, str) or not _RULE_ID.match(rid):
            problems.append(f"{at(raw, 'id')}: bad rule id {rid!r}")
            continue
        if rid in seen_ids:
            problems.append(f"{at(raw, 'id')}: duplicate rule id {rid!r} (first at line {seen_ids[rid]})")
        seen_ids[rid] = line_of(raw, "id")
        if label not in labels:
            problems.append(f"{at(raw, 'label')}: unknown label {label!r}")
        used_labels.add(label)
        score = raw["score"]
        if not isinstance(score, (int, float)) or isinstance(score, bool) or not 0 < score <= 1:
            problems.append(f"{at(raw, 'score')}: score must be a number in (0, 1]")
            score = 0.5
        reason = raw["reason"]
        if not isinstance(reason, str) or not reason.strip():
            problems.append(f"{at(raw, 'reason')}: reason must be a non-empty string")
            reason = ""
        scope = raw.get("scope", "sentence")
        if scope not in SCOPES:
            problems.append(f"{at(raw, 'scope')}: scope must be one of {', '.join(SCOPES)}")
            scope = "sentence"

        expanded: dict[str, list[str]] = {}
        for key in ("patterns", "unless", "requires"):
            if key in raw:
                items = _str_list(raw[key], at(raw, key), problems)
                expanded[key] = [_expand(p, macros, at(raw, key), problems) for p in items]
        cased = any("(?-i:" in p for ps in expanded.values() for p in ps)

        def patterns(key: str) -> re.Pattern[str] | None:
            if key not in expanded:
                return None
            where = at(raw, key)
            if not cased:
                for p in expanded[key]:
                    if _UPPER.search(_ESCAPES.sub("", p)):
                        problems.append(f"{where}: write patterns in lower case (they run on a lower-cased "
                                        "text); use (?-i:...) for a part that must match capitals")
            return _compile(expanded[key], where, problems, re.IGNORECASE if cased else 0)

        pattern = patterns("patterns")
        unless, requires = patterns("unless"), patterns("requires")
        context = None
        if "context" in raw:
            words = _str_list(raw["context"], at(raw, "context"), problems)
            context = _compile([r"\b(?:" + "|".join(re.escape(w.lower()) for w in words) + r")\b"],
                               at(raw, "context"), problems)
        trig = _str_list(raw["triggers"], at(raw, "triggers"), problems)
        for t in trig:
            if t != t.lower() or not _TRIGGER.match(t):
                problems.append(f"{at(raw, 'triggers')}: bad trigger {t!r} "
                                "(lower case, starting with a letter or digit)")
        yield_to: frozenset[str] = frozenset()
        if "yield_to" in raw:
            names = _str_list(raw["yield_to"], at(raw, "yield_to"), problems)
            for n in names:
                if n not in labels:
                    problems.append(f"{at(raw, 'yield_to')}: unknown label {n!r}")
            yield_to = frozenset(names)
        ex_match: tuple[str, ...] = ()
        ex_no: tuple[str, ...] = ()
        if "examples" in raw:
            ex = raw["examples"]
            if not isinstance(ex, dict):
                problems.append(f"{at(raw, 'examples')}: examples must be a mapping")
            else:
                for key in ex:
                    if key not in EXAMPLE_KEYS:
                        problems.append(f"{at(ex, key)}: unknown key {key!r}")
                ex_match = tuple(_str_list(ex.get("match", []), at(ex, "match"), problems, allow_empty=True))
                ex_no = tuple(_str_list(ex.get("no_match", []), at(ex, "no_match"), problems, allow_empty=True))
        if pattern is None:
            continue
        needs = required_literals(pattern, ignore_case=cased)
        needs_any = None
        if needs is not None and len(needs) > NEEDS_LOOP:
            needs_any = re.compile(trie_pattern((), needs))
        rule = Rule(rid, label, float(score), reason.strip(), pattern, unless, requires, scope, context, order,
                    cased, yield_to, ex_match, ex_no, needs, needs_any)
        for t in trig:
            trigger_ids.setdefault(t, []).append(len(rules))
        rules.append(rule)
    for name in sorted(labels - used_labels):
        problems.append(f"{filename}: no rule emits label {name!r}")
    if problems:
        raise ConfigError(f"{filename}: {len(problems)} problem(s)", problems)

    # Evaluation order: see Rule.order.
    ranked = sorted(range(len(rules)), key=lambda i: (bool(rules[i].yield_to), -rules[i].score, rules[i].order))
    rank = {i: n for n, i in enumerate(ranked)}
    rules = [dataclasses.replace(r, order=rank[i]) for i, r in enumerate(rules)]
    triggers = {t: [rules[i] for i in ids] for t, ids in trigger_ids.items()}
    words = {t for t in triggers if not t.endswith("*")}
    stems = {t[:-1] for t in triggers if t.endswith("*")}
    regex = trigger_regex(words, stems)
    # Every text the regex can return maps to its own rules plus those of every stem that
    # is a prefix of it (the regex returns only the longest trigger at a position).
    by_trigger: dict[str, tuple[Rule, ...]] = {}
    for text in words | stems:
        found: dict[int, Rule] = {}
        for key, rs in triggers.items():
            is_stem = key.endswith("*")
            base = key[:-1] if is_stem else key
            if is_stem:
                hit = text.startswith(base)
            else:  # the same word, or a shorter phrase ending where a word of ``text`` ends
                hit = text == base or (text.startswith(base) and not _WORD_CHAR.match(text, len(base)))
            if hit:
                for r in rs:
                    found[r.order] = r
        by_trigger[text] = tuple(found[k] for k in sorted(found))
    return RuleSet(version, tuple(sorted(rules, key=lambda r: r.order)), regex, by_trigger)


@lru_cache(maxsize=1)
def _ruleset() -> RuleSet:
    text, name = read_text("policing.yaml")
    return compile_rules(text, name, LABELS, PolicingDetector.name)


# --------------------------------------------------------------------------------------
# Matching
# --------------------------------------------------------------------------------------


def _sentence(view: str, start: int, end: int) -> tuple[int, int]:
    a = max(view.rfind(".", 0, start), view.rfind("!", 0, start), view.rfind("?", 0, start),
            view.rfind("\n", 0, start)) + 1
    m = _SENTENCE_END.search(view, end)
    return a, (m.start() if m else len(view))


def scan_rules(ruleset: RuleSet, text: str) -> list[Hit]:
    """Hits of ``ruleset`` in ``text``: at most one per label, from the best-scored rule
    that matches (its first match that no ``unless`` cancels and that ``requires``
    allows).  Rules that ``yield_to`` a label found in the text are skipped."""
    view = text if text.isascii() else detection_view(text)
    low = view.lower()
    found_texts = ruleset.trigger.findall(low)
    if not found_texts:
        return []
    plan = ruleset.plan(found_texts)
    if len(low) != len(view):  # a few characters change length when lower-cased
        low = "".join(c if len(c.lower()) != 1 else c.lower() for c in view)
    hits: list[Hit] = []
    found: set[str] = set()
    ascii_text = None
    for rule, test in plan:
        if rule.label in found or (rule.yield_to and not rule.yield_to.isdisjoint(found)):
            continue
        if test is not None:  # the pattern cannot match unless one of the rule's strings is here
            if rule.cased:
                if ascii_text is None:
                    ascii_text = view.isascii()
                usable = ascii_text
            else:
                usable = True
            if usable:
                if test.__class__ is tuple:
                    for s in test:
                        if s in low:
                            break
                    else:
                        continue
                elif test.search(low) is None:
                    continue
        target = view if rule.cased else low
        for m in rule.pattern.finditer(target):
            start, end = m.span()
            if start == end:
                continue
            if rule.unless is not None or rule.requires is not None:
                if rule.scope == "message":
                    a, b = 0, len(target)
                else:
                    a, b = _sentence(target, start, end)
                if rule.unless is not None and rule.unless.search(target, a, b):
                    continue
                if rule.requires is not None and not rule.requires.search(target, a, b):
                    continue
            context: tuple[str, ...] = ()
            score = rule.score
            if rule.context is not None:
                context = tuple(sorted(set(rule.context.findall(low))))
                if context:
                    score = min(SCORE_CAP, score + min(CONTEXT_MAX, CONTEXT_STEP * len(context)))
            hits.append(Hit(rule.label, start, end, round(score, 4), rule.id, None, context, rule.reason))
            found.add(rule.label)
            break
    if len(hits) > 1:
        hits.sort(key=lambda h: (h.start, h.label))
    return hits


class PolicingDetector(TextDetector):
    """Policing-knowledge labels for one message text (rules in ``lexicons/policing.yaml``)."""

    name: ClassVar[str] = "policing"
    version: ClassVar[str] = "1.1.0"
    labels: ClassVar[frozenset[str]] = LABELS

    def __init__(self) -> None:
        self.rules = _ruleset()

    def scan(self, text: str) -> list[Hit]:
        return scan_rules(self.rules, text)
