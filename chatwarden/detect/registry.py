"""The one place detectors are registered.  Names are what the store records (with each
detector's version) and what ``--detectors`` selects; classes load lazily."""

from __future__ import annotations

import importlib

from chatwarden.detect.base import Detector
from chatwarden.errors import ConfigError

REGISTRY: dict[str, str] = {
    "identifiers": "chatwarden.detect.identifiers:IdentifierDetector",
    "markings": "chatwarden.detect.markings:MarkingDetector",
    "policing": "chatwarden.detect.policing:PolicingDetector",
    "names": "chatwarden.detect.names:NameDetector",
    "conduct": "chatwarden.detect.conduct:ConductDetector",
    "context": "chatwarden.detect.context:ContextDetector",
    "topics": "chatwarden.detect.topics:TopicDetector",
    "governance": "chatwarden.detect.chatlevel:GovernanceDetector",
}
RULE_TIER = ("identifiers", "markings")


def detector_class(name: str) -> type[Detector]:
    try:
        target = REGISTRY[name]
    except KeyError:
        raise ConfigError(f"unknown detector {name!r} (known: {', '.join(REGISTRY)})") from None
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def load_detectors(names: list[str] | tuple[str, ...] | None = None) -> list[Detector]:
    return [detector_class(n)() for n in (names or REGISTRY)]
