"""The messaging policy as data: rules (YAML, one per file) that turn detector findings
into decisions citing the guidance.  The policy never imports detectors or parsers: it
names detector labels as strings."""

from chatwarden.policy.evaluate import evaluate, rule_applies
from chatwarden.policy.loader import Policy, default_policy_dir, load_policy
from chatwarden.policy.rules import CATEGORIES, CONTENT_CATEGORIES, SEVERITIES, Rule

__all__ = [
    "CATEGORIES", "CONTENT_CATEGORIES", "SEVERITIES", "Policy", "Rule",
    "default_policy_dir", "evaluate", "load_policy", "rule_applies",
]
