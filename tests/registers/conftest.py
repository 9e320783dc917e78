"""Fixtures of the register tests: a fresh store on SQLite and on PostgreSQL, actors with
one role each, a synthetic crest drawn here (never the real MPS crest), and the Response
Team B sample export imported with the governance detector only (fast, and all that
reconciliation needs).

``store`` here is the suite's ``store`` fixture (tests/conftest.py) made cheaper: each test
still gets its own freshly migrated database on both backends, but it is copied from a
database migrated once per session (a file copy for SQLite, ``CREATE DATABASE … TEMPLATE``
on PostgreSQL) instead of running every migration again, which keeps this directory under
a minute."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from registers_helpers import RTB_EXPORT, draw_crest


def _settings(tmp_path, url: str = ""):
    from chatwarden.config import load_settings

    return load_settings(env={}, data_dir=str(tmp_path / "data"), database_url=url or None)


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> Path:
    from sqlalchemy import text

    from chatwarden.store import Store

    root = tmp_path_factory.mktemp("sqlite-template")
    st = Store.open(_settings(root))
    with st.engine.connect() as conn:
        conn.execute(text("PRAGMA wal_checkpoint(TRUNCATE)"))
    st.close()
    return root / "data" / "chatwarden.db"


@pytest.fixture(scope="session")
def _pg_template(pg_base) -> str:
    import pgcluster

    from chatwarden.store import Store

    name = "cw_registers_template"
    st = Store.open(_settings(Path("/nonexistent"), pgcluster.new_database(pg_base, name)))
    st.close()
    return name


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """A fresh, migrated store on SQLite and on PostgreSQL (each test runs on both)."""
    from chatwarden.store import Store

    url = ""
    if request.param == "postgresql":
        import uuid

        import psycopg

        base = request.getfixturevalue("pg_base")
        template = request.getfixturevalue("_pg_template")
        name = "t" + uuid.uuid4().hex[:16]
        with psycopg.connect(base.replace("postgresql://", "postgres://"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        url = base.rsplit("/", 1)[0] + "/" + name
    else:
        template = request.getfixturevalue("_sqlite_template")
        (tmp_path / "data").mkdir()
        shutil.copyfile(template, tmp_path / "data" / "chatwarden.db")
    st = Store.open(_settings(tmp_path, url))
    st.backend = request.param
    yield st
    st.close()


@pytest.fixture(scope="session")
def gov_analyzer():
    from chatwarden.analysis import Analyzer

    return Analyzer.default(detectors=["governance"])


@pytest.fixture
def rtb_chat(store, admin, gov_analyzer):
    """The sample group export in the store, captured from PC Kwame ASANTE's phone."""
    from chatwarden.importer import import_export

    return import_export(store, gov_analyzer, RTB_EXPORT, actor=admin, device="MPS-AS-0109")


@pytest.fixture(scope="session")
def crest_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("crest") / "crest.png"
    draw_crest().save(path)
    return path
