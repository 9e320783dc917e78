"""Fixtures for the FOI tests: the sample inputs in examples/foi and golden files
(regenerate them deliberately with CHATWARDEN_REGEN_GOLDEN=1).  Text extraction helpers
live in foi_helpers.py."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples" / "foi"
GOLDEN = Path(__file__).resolve().parent / "golden"


def _norm(text: str) -> str:
    lines = [re.sub(r"[ \t]+", " ", ln).strip() for ln in text.replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip() + "\n"


@pytest.fixture
def golden():
    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        got = _norm(text)
        if os.environ.get("CHATWARDEN_REGEN_GOLDEN") == "1":
            path.write_text(got, encoding="utf-8")
        assert path.exists(), f"golden file {name} is missing (CHATWARDEN_REGEN_GOLDEN=1 makes it)"
        assert got == path.read_text(encoding="utf-8"), f"output differs from golden file {name}"

    return check


@pytest.fixture
def examples() -> Path:
    return EXAMPLES
