"""Fixtures for the web app: a store on SQLite with one account per role and the sample
exports imported, the app over it, and signed-in test clients."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from web_support import (
    ADMIN,
    JORDAN,
    MUM,
    PASSWORD,
    ROLES,
    TEAM_B,
    Web,
    add_users,
    csrf_of,
    login,
    make_settings,
    register_records,
    username,
)


@pytest.fixture(scope="session")
def web_template(tmp_path_factory: pytest.TempPathFactory, analyzer: Any) -> tuple[Path, dict[str, Any]]:
    """Built once: a data folder where every role has an account, the three sample exports
    are imported, and finding 'escalated' is on a case with an evidence package.  Each test
    module gets a copy (tests change the store)."""
    from chatwarden.cases import evidence, review
    from chatwarden.importer import import_export
    from chatwarden.store import Store
    from chatwarden.web.accounts import create_user

    tmp = tmp_path_factory.mktemp("web-template")
    store = Store.open(make_settings(tmp))
    admin = ADMIN
    add_users(store, admin)
    create_user(store, admin, username="spare", display_name="Spare Account", password=PASSWORD, roles=["reviewer"])
    results = {p.name: import_export(store, analyzer, p, actor=admin) for p in (TEAM_B, JORDAN, MUM)}
    ids: dict[str, Any] = {}
    team = results[TEAM_B.name]
    rows = review.review_queue(store, admin, status="open", chat_id=team.chat_id, limit=500)
    msg_rows = [r for r in rows if r["message_id"] is not None]
    assert len(msg_rows) >= 4, "the Response Team B sample should give several message findings"
    ids["export"] = team.export_id
    ids["chat"] = team.chat_id
    ids["jordan_export"] = results[JORDAN.name].export_id
    ids["jordan_chat"] = results[JORDAN.name].chat_id
    ids["finding"] = msg_rows[0]["id"]
    ids["escalated"] = msg_rows[1]["id"]
    ids["spare_findings"] = [r["id"] for r in msg_rows[2:]]
    ids["person"] = msg_rows[0]["sender"]
    ids["message"] = msg_rows[0]["message_id"]
    case_id = review.escalate(
        store, admin, ids["escalated"], kind="supervisor-advice", assignee="PS Test", reason="fixture"
    )
    ids["case"] = case_id
    ids["package"] = evidence.build_for_case(store, admin, case_id)[0]["id"]
    ids.update(register_records(store, admin))
    store.close()
    return tmp, ids


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory, web_template: tuple[Path, dict[str, Any]], analyzer: Any) -> Web:
    """A copy of the template store for this module, and the app over it."""
    import shutil

    from chatwarden.store import Store
    from chatwarden.web.app import create_app

    source, ids = web_template
    tmp = tmp_path_factory.mktemp("web")
    shutil.copytree(source / "data", tmp / "data")
    settings = make_settings(tmp)
    store = Store.open(settings)
    # evidence packages were written under the template folder: point the copy at its own
    from sqlalchemy import update

    from chatwarden.store.tables import evidence_packages

    with store.transaction() as conn:
        for pid, path in conn.execute(
            evidence_packages.select().with_only_columns(evidence_packages.c.id, evidence_packages.c.path)
        ).all():
            conn.execute(
                update(evidence_packages)
                .where(evidence_packages.c.id == pid)
                .values(path=path.replace(str(source), str(tmp)))
            )
    app = create_app(settings, store, analyzer, login_rate=(10_000, 60.0))
    w = Web(settings, store, app, analyzer, ADMIN, dict(ids))
    yield w
    store.close()


@pytest.fixture(scope="module")
def api_token(web: Web) -> str:
    from chatwarden.web.accounts import create_token

    return create_token(web.store, web.admin, "administrator", "tests")


@pytest.fixture(scope="module")
def clients(web: Web) -> dict[str, Any]:
    """A signed-in TestClient per role (with its CSRF token as ``client.csrf``)."""
    from fastapi.testclient import TestClient

    out = {}
    for role in ROLES:
        c = TestClient(web.app, base_url="http://testserver")
        r = login(c, username(role))
        assert r.status_code == 303, (role, r.status_code)
        c.csrf = csrf_of(c)
        out[role] = c
    return out
