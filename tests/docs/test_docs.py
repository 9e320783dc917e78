"""Docs are checked by tests: every CLI command, permission, setting, policy rule field
and detector is documented, and the generated references are fresh."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

from chatwarden import docs_gen

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_generated_references_are_fresh():
    stale = [name for name, fn in docs_gen.GENERATED.items()
             if not (DOCS / name).exists() or (DOCS / name).read_text(encoding="utf-8") != fn()]
    assert stale == [], "run: python -m chatwarden.docs_gen"


def test_every_setting_has_a_description():
    from chatwarden.config import SETTING_DOCS, Settings

    assert {f.name for f in fields(Settings)} - {"extra"} == set(SETTING_DOCS)


def test_every_command_is_in_the_reference():
    text = (DOCS / "cli.md").read_text(encoding="utf-8")
    for path in docs_gen.command_paths():
        assert f"## `{path}`" in text


def test_every_rule_field_and_detector_is_documented():
    from chatwarden.detect.registry import REGISTRY
    from chatwarden.policy.rules import RULE_FIELDS, WHEN_FIELDS

    text = (DOCS / "policy.md").read_text(encoding="utf-8")
    for name in RULE_FIELDS | WHEN_FIELDS:
        assert f"`{name}`" in text, name
    detectors = (DOCS / "detectors.md").read_text(encoding="utf-8")
    for name in REGISTRY:
        assert f"`{name}`" in detectors, name


def test_every_detector_label_is_documented():
    from chatwarden.detect.registry import REGISTRY, detector_class

    text = (DOCS / "detectors.md").read_text(encoding="utf-8")
    missing = [f"{name}:{label}" for name in REGISTRY for label in sorted(detector_class(name).labels)
               if f"`{label}`" not in text]
    assert missing == []


def test_lazy_commands_name_exactly_what_their_modules_register():
    """`chatwarden parse` loads no store or register code; every command a satellite module
    registers is listed in LAZY_COMMANDS (else it would not exist until that module loads)."""
    import importlib
    import subprocess
    import sys

    from chatwarden import cli

    out = subprocess.run([sys.executable, "-c", "import sys, chatwarden.cli; print('sqlalchemy' in sys.modules)"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    for module in set(cli.LAZY_COMMANDS.values()):
        importlib.import_module(f"chatwarden.{module}")
    eager = {"parse", "scan", "check", "policy"}
    assert set(cli.main.commands) == eager | set(cli.LAZY_COMMANDS)
