"""Findings in, decisions out: apply each active rule to each message's findings."""

from __future__ import annotations

import fnmatch
from collections import defaultdict
from collections.abc import Iterable, Sequence

from chatwarden.model import Decision, Finding, Message
from chatwarden.policy.loader import Policy
from chatwarden.policy.rules import SEVERITY_RANK, Matcher, Rule


def _first(matchers: Sequence[Matcher], findings: Sequence[Finding]) -> Finding | None:
    best = None
    for f in findings:
        for m in matchers:
            if m.matches(f.label, f.score) and (best is None or f.score > best.score):
                best = f
    return best


def rule_applies(rule: Rule, findings: Sequence[Finding], kind: str | None) -> tuple[Finding, ...] | None:
    """The findings that make ``rule`` fire on one message (or the chat), else None."""
    cond = rule.when
    if cond.kinds and kind is not None and kind not in cond.kinds:
        return None
    if cond.unless and _first(cond.unless, findings) is not None:
        return None
    trigger: list[Finding] = []
    if cond.any:
        f = _first(cond.any, findings)
        if f is None:
            return None
        trigger.append(f)
    for m in cond.all:
        f = _first((m,), findings)
        if f is None:
            return None
        if f not in trigger:
            trigger.append(f)
    return tuple(trigger)


def _describe(rule: Rule, trigger: Sequence[Finding]) -> str:
    parts = []
    for f in trigger:
        e = f.explanation
        bits = [f"{e.detector} {e.version} found {f.label}"]
        if e.pattern:
            bits.append(f"pattern {e.pattern}")
        if e.validation:
            bits.append(e.validation)
        if e.context:
            bits.append("context: " + ", ".join(e.context))
        if e.related_messages:
            bits.append("related messages: " + ", ".join(str(i) for i in e.related_messages))
        if e.reason:
            bits.append(e.reason)
        bits.append(f"score {f.score:.2f}")
        parts.append("; ".join(bits))
    return f"{rule.explanation} Evidence: " + " | ".join(parts)


MAX_SHORTLISTS = 4096  # distinct label sets remembered per policy


def _may_apply(rule: Rule, labels: frozenset[str]) -> bool:
    """Cheap pre-check: could any/all matchers of ``rule`` be satisfied by these labels?"""
    def present(m: Matcher) -> bool:
        if "*" in m.label or "?" in m.label:
            return any(fnmatch.fnmatchcase(lab, m.label) for lab in labels)
        return m.label in labels

    cond = rule.when
    if cond.any and not any(present(m) for m in cond.any):
        return False
    return all(present(m) for m in cond.all)


def evaluate(policy: Policy, messages: Sequence[Message], findings: Iterable[Finding]) -> list[Decision]:
    """Every decision for one chat, in message order (chat-level ones last)."""
    by_message: dict[int | None, list[Finding]] = defaultdict(list)
    for f in findings:
        by_message[f.message_index].append(f)
    kinds = {m.index: m.kind for m in messages}
    out: list[Decision] = []
    scoped = policy.shortlists.get("scope")
    if scoped is None:
        rules = policy.active
        scoped = policy.shortlists["scope"] = ([r for r in rules if r.scope == "message"],
                                               [r for r in rules if r.scope == "chat"])
    message_rules, chat_rules = scoped
    candidates: dict[frozenset[str], list[Rule]] = policy.shortlists.setdefault("labels", {})
    for index in sorted(i for i in by_message if i is not None):
        group = by_message[index]
        labels = frozenset(f.label for f in group)
        relevant = candidates.get(labels)
        if relevant is None:
            if len(candidates) > MAX_SHORTLISTS:
                candidates.clear()
            relevant = candidates[labels] = [r for r in message_rules if _may_apply(r, labels)]
        for rule in relevant:
            trigger = rule_applies(rule, group, kinds.get(index))
            if trigger:
                out.append(_decision(rule, index, trigger))
    # Chat-scope rules look at chat-level findings; those that point at a message (e.g. the
    # event that turned disappearing messages off) keep that message index.
    chat_findings = [f for fs in by_message.values() for f in fs if f.label.startswith("chat.")]
    for rule in chat_rules:
        groups: dict[tuple[int | None, str], list[Finding]] = defaultdict(list)
        for f in chat_findings:
            groups[(f.message_index, f.attr("subject", ""))].append(f)
        for (index, _subject), group in groups.items():
            trigger = rule_applies(rule, group, None)
            if trigger:
                out.append(_decision(rule, index, trigger))
    return out


def _decision(rule: Rule, index: int | None, trigger: Sequence[Finding]) -> Decision:
    lead = max(trigger, key=lambda f: f.score)
    return Decision(
        rule=rule.id, title=rule.title, category=rule.category, severity=rule.severity,
        message_index=index, span=lead.span, citation=rule.citation, action=rule.action,
        explanation=_describe(rule, trigger), findings=tuple(trigger), score=lead.score,
    )


def worst(decisions: Iterable[Decision]) -> str | None:
    best = None
    for d in decisions:
        if best is None or SEVERITY_RANK[d.severity] > SEVERITY_RANK[best]:
            best = d.severity
    return best
