"""Load a policy: every ``*.yaml`` rule file of a folder, strictly, all problems at once.

The policy version is the SHA-256 of the rule files (names and bytes, sorted): a scan
records it, so a later re-evaluation with a changed policy is visible.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from chatwarden.errors import ConfigError
from chatwarden.policy.rules import Rule, parse_rule
from chatwarden.yamlstrict import load_file


@dataclass(frozen=True)
class Policy:
    rules: tuple[Rule, ...]
    version: str
    source: str
    # filled by chatwarden.policy.evaluate: the rules worth trying for a set of finding
    # labels, so a stream of one-message batches does not re-filter every rule each time
    shortlists: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def active(self) -> tuple[Rule, ...]:
        return tuple(r for r in self.rules if r.active)

    def get(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


def default_policy_dir() -> Path:
    """The policy shipped with chatwarden (``chatwarden/policies``; ``policies/`` in the
    repository points there)."""
    return Path(str(resources.files("chatwarden") / "policies"))


def load_policy(path: str | Path | None = None) -> Policy:
    """Load and validate every rule; raise :class:`ConfigError` listing all problems."""
    folder = Path(path) if path is not None else default_policy_dir()
    if not folder.is_dir():
        raise ConfigError(f"{folder}: policy folder not found")
    files = sorted(folder.glob("*.yaml"))
    if not files:
        raise ConfigError(f"{folder}: no rule files (*.yaml)")
    problems: list[str] = []
    rules: list[Rule] = []
    digest = hashlib.sha256()
    seen: dict[str, str] = {}
    for f in files:
        raw = f.read_bytes()
        digest.update(f.name.encode() + b"\0" + raw + b"\0")
        data, errs = load_file(f)
        if errs:
            problems.extend(errs)
            continue
        rule = parse_rule(data, str(f), problems)
        if rule is None:
            continue
        if rule.id != f.stem:
            problems.append(f"{f}:1: rule id {rule.id!r} must equal the file name {f.stem!r}")
        if rule.id in seen:
            problems.append(f"{f}:1: rule id {rule.id!r} already used by {seen[rule.id]}")
        seen[rule.id] = str(f)
        rules.append(rule)
    if problems:
        raise ConfigError(f"policy in {folder} has {len(problems)} problem(s)", problems)
    return Policy(tuple(rules), digest.hexdigest(), str(folder))
