"""docs/registers.md documents every register check (with its citation), every register
command and every public use case; the check catalogue is well formed."""

from __future__ import annotations

import click
import pytest
from registers_helpers import REPO

from chatwarden.registers import apps, common, dashboard, devices, groups, incidents, misconduct

DOC = (REPO / "docs" / "registers.md").read_text(encoding="utf-8")
GROUPS = ("apps", "devices", "groups", "incidents", "misconduct", "registers")


def test_every_check_is_documented_with_its_citation():
    catalogue = common.checks()
    assert len(catalogue) >= 25
    for cid, check in catalogue.items():
        assert f"`{cid}`" in DOC, cid
        row = next(line for line in DOC.splitlines() if line.startswith(f"| `{cid}`"))
        assert check.severity in row
        for c in check.citations:
            assert c.quote, cid  # every citation quotes the text it relies on
            doc = c.document.split("_")[0] if c.document.endswith(".txt") else c.document
            assert doc in row, (cid, doc)


def test_every_register_command_is_documented():
    from chatwarden.cli import main
    from chatwarden.docs_gen import _walk

    paths = [" ".join(p) for p, cmd in _walk(main, ["chatwarden"])
             if len(p) > 2 and p[1] in GROUPS and not isinstance(cmd, click.Group)]
    assert len(paths) > 50
    missing = [p for p in paths if f"`{p}`" not in DOC]
    assert missing == []


@pytest.mark.parametrize("module", [apps, devices, groups, incidents, misconduct, dashboard])
def test_every_use_case_is_documented(module):
    for name in module.__all__:
        obj = getattr(module, name)
        if callable(obj) and not isinstance(obj, type) and name[0].islower():
            assert f"`{name}" in DOC or f" {name}(" in DOC or f"`{name}(" in DOC or f", `{name}`" in DOC, name


def test_findings_cite_rules_like_the_policy():
    f = common.finding("device-name", "Gary HOLLIS", "profile name: contains emoji", unit="Team B")
    d = f.to_dict()
    assert d["rule"] == "004_fb39a41d194af020.txt — Set Up and Configuration: 1. Image and name"
    assert d["citations"][0]["quote"].startswith("Users must set")
    assert d["action"] and d["severity"] == "low"
