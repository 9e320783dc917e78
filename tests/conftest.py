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


# ---------------------------------------------------------------------------- the store
@pytest.fixture(scope="session")
def pg_base():
    """One throwaway PostgreSQL cluster for the whole run."""
    import pgcluster

    if pgcluster.find_bin() is None:
        pytest.skip("PostgreSQL is not installed here (./dev test installs it from Debian)")
    with pgcluster.cluster() as url:
        yield url


@pytest.fixture(scope="session")
def analyzer():
    from chatwarden.analysis import Analyzer

    return Analyzer.default()


def _settings(tmp_path, url: str = ""):
    from chatwarden.config import load_settings

    return load_settings(env={}, data_dir=str(tmp_path / "data"), database_url=url or None)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """A fresh store on SQLite and on PostgreSQL (each test runs on both)."""
    from chatwarden.store import Store

    url = ""
    if request.param == "postgresql":
        import uuid

        import pgcluster

        base = request.getfixturevalue("pg_base")
        url = pgcluster.new_database(base, "t" + uuid.uuid4().hex[:16])
    st = Store.open(_settings(tmp_path, url))
    st.backend = request.param
    yield st
    st.close()


@pytest.fixture
def admin():
    from chatwarden.model import Actor

    return Actor("u:admin", "Alex ADMIN", ("administrator",))
