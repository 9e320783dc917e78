"""Use cases of detection: scan an export, check free texts, and test the policy's own
examples.  The CLI and the web app call these; they hold no I/O beyond reading exports."""

from __future__ import annotations

import gc
import os
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from chatwarden.detect.engine import DetectionEngine
from chatwarden.ingest import open_export
from chatwarden.model import Chat, Decision, Finding, Message, ParseWarning
from chatwarden.policy import Policy, evaluate, load_policy, rule_applies
from chatwarden.policy.rules import Example, Rule


@dataclass
class ScanResult:
    chat: Chat
    messages: list[Message]
    warnings: list[ParseWarning]
    findings: list[Finding]
    decisions: list[Decision]
    policy_version: str
    detector_versions: dict[str, str]

    def category_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for d in self.decisions:
            counts[d.category] = counts.get(d.category, 0) + 1
        return counts


@dataclass
class Analyzer:
    """A policy plus a detection engine: build once, use for many chats."""

    policy: Policy
    engine: DetectionEngine
    _cache: dict = field(default_factory=dict, repr=False)

    @classmethod
    def default(cls, policy_dir: str | Path | None = None, detectors: Sequence[str] | None = None) -> Analyzer:
        return cls(load_policy(policy_dir), DetectionEngine.default(detectors))

    def settle(self) -> Analyzer:
        """Ready this process for detection over many messages (the CLI's batch commands,
        the monitor, back-scans): load the lazily loaded models now, then hide every
        long-lived object from the cyclic garbage collector (``gc.freeze``) and let more
        young objects gather before a collection (each finding makes several small ones).
        About 10 % more messages per CPU-second (docs/benchmarks/engine.md).  Not for a
        process that serves the web app: what is alive at the freeze is never collected."""
        self.engine.text_findings([Message(0, datetime(2000, 1, 1), "warm-up", "warm up the detectors")])
        gc.collect()
        gc.freeze()
        young, middle, old = gc.get_threshold()
        gc.set_threshold(max(young, 10_000), middle, old)
        return self

    def analyse(self, chat: Chat, messages: Sequence[Message]) -> tuple[list[Finding], list[Decision]]:
        findings = self.engine.run(messages, chat)
        return findings, evaluate(self.policy, messages, findings)

    def scan(self, path: str | os.PathLike[str], *, date_order: str | None = None, encoding: str | None = None,
             progress: Callable[[int], None] | None = None) -> ScanResult:
        with open_export(path, date_order=date_order, encoding=encoding, progress=progress) as parsed:
            messages = list(parsed.messages())
            chat = parsed.chat
            warnings = list(parsed.warnings)
        findings, decisions = self.analyse(chat, messages)
        return ScanResult(chat, messages, warnings, findings, decisions, self.policy.version, self.engine.versions)

    def check(self, texts: Sequence[str]) -> list[list[Decision]]:
        """The officer's self-check: decisions for each text on its own."""
        results = []
        for i, found in enumerate(self.engine.check_texts(texts)):
            msg = [Message(i, _EPOCH, None, texts[i], "message", i + 1, i + 1)]
            results.append(evaluate(self.policy, msg, found))
        return results

    # ------------------------------------------------------------------ policy examples
    def example_fires(self, rule: Rule, example: Example) -> bool:
        if example.text is not None:
            findings = self.engine.check_texts([example.text])[0]
            return rule_applies(rule, findings, "message") is not None
        chat, messages, findings = self._run_export(example.export or "")
        decisions = evaluate(Policy((rule,), "example", "example"), messages, findings)
        return any(d.rule == rule.id for d in decisions)

    def _run_export(self, text: str) -> tuple[Chat, list[Message], list[Finding]]:
        key = text
        if key not in self._cache:
            with tempfile.TemporaryDirectory() as tmp:
                path = Path(tmp) / "WhatsApp Chat with Example.txt"
                path.write_text(text.strip("\n") + "\n", encoding="utf-8")
                with open_export(path) as parsed:
                    messages = list(parsed.messages())
                    chat = parsed.chat
            self._cache[key] = (chat, messages, self.engine.run(messages, chat))
        return self._cache[key]

    def check_examples(self, rules: Iterable[Rule] | None = None) -> list[str]:
        """Every example that does not behave as its rule says (``file:line: …``)."""
        failures = []
        for rule in rules if rules is not None else self.policy.rules:
            for ex in rule.match_examples:
                if not self.example_fires(rule, ex):
                    failures.append(f"{rule.source}:{ex.line}: {rule.id}: a 'match' example does not fire")
            for ex in rule.no_match_examples:
                if self.example_fires(rule, ex):
                    failures.append(f"{rule.source}:{ex.line}: {rule.id}: a 'no_match' example fires")
        return failures


from datetime import datetime  # noqa: E402

_EPOCH = datetime(1970, 1, 1)
