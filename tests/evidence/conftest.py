"""Fixtures of the evidence tests: synthetic exports (no ../shared needed) and the two real
zip exports of the shared corpus (skipped, naming the folder, when it is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest
from evidence_fixtures import Parsed, parse, write_android, write_ios_zip


@pytest.fixture
def android(tmp_path: Path) -> Parsed:
    src = tmp_path / "src"
    src.mkdir()
    return parse(write_android(src))


@pytest.fixture
def ios(tmp_path: Path) -> Parsed:
    src = tmp_path / "src"
    src.mkdir()
    return parse(write_ios_zip(src))


@pytest.fixture
def example_zip(corpus_dir: Path) -> Path:
    path = corpus_dir / "whatsapp-chat-parser-website" / "src" / "assets" / "whatsapp-chat-parser-example.zip"
    if not path.is_file():
        pytest.skip(f"corpus file {path} is absent")
    return path


@pytest.fixture
def egregora_zip(corpus_dir: Path) -> Path:
    path = corpus_dir / "egregora" / "tests" / "fixtures" / "Conversa do WhatsApp com Teste.zip"
    if not path.is_file():
        pytest.skip(f"corpus file {path} is absent")
    return path
