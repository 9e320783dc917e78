"""Shared test fixtures.  Tests that need ../shared locate it beside the repository and
skip, naming the folder, when it is absent (a user's own clone)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip(f"shared data folder {SHARED} is absent (it sits beside the clone in CI)")
    return SHARED


@pytest.fixture(scope="session")
def corpus_dir(shared_dir: Path) -> Path:
    path = shared_dir / "corpus" / "whatsapp"
    if not path.is_dir():
        pytest.skip(f"WhatsApp corpus folder {path} is absent")
    return path
