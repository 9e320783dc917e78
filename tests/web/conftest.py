"""Fixtures for the web app: a store on SQLite with one account per role and the sample
exports imported, the app over it, and signed-in test clients."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
TEAM_B = EXAMPLES / "WhatsApp Chat with Response Team B.txt"
JORDAN = EXAMPLES / "WhatsApp Chat - Jordan Blake.zip"
MUM = EXAMPLES / "WhatsApp Chat with Mum.txt"
PASSWORD = "correct horse battery staple"
ROLES = ("officer", "reviewer", "supervisor", "professional-standards", "data-office", "foi-officer", "administrator")


def username(role: str) -> str:
    return role.replace("-", "")


@dataclass
class Web:
    settings: Any
    store: Any
    app: Any
    analyzer: Any
    admin: Any
    ids: dict[str, Any] = field(default_factory=dict)


def make_settings(tmp: Path, **overrides: Any) -> Any:
    from chatwarden.config import load_settings

    return load_settings(env={}, data_dir=str(tmp / "data"), **overrides)


def add_users(store: Any, admin: Any, roles: tuple[str, ...] = ROLES) -> None:
    from chatwarden.web.accounts import create_user

    for role in roles:
        create_user(store, admin, username=username(role), display_name=f"{role.title()} User", password=PASSWORD,
                    roles=[role])


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory, analyzer: Any) -> Web:
    """A store per test module (tests change it): every role has an account; the three sample exports are
    imported; finding 'escalated' is on a case with an evidence package."""
    from chatwarden.cases import evidence, review
    from chatwarden.importer import import_export
    from chatwarden.model import Actor
    from chatwarden.store import Store
    from chatwarden.web.app import create_app

    tmp = tmp_path_factory.mktemp("web")
    settings = make_settings(tmp)
    store = Store.open(settings)
    admin = Actor("cli:setup", "Setup ADMIN", ("administrator",))
    add_users(store, admin)
    from chatwarden.web.accounts import create_user

    create_user(store, admin, username="spare", display_name="Spare Account", password=PASSWORD, roles=["reviewer"])
    results = {p.name: import_export(store, analyzer, p, actor=admin) for p in (TEAM_B, JORDAN, MUM)}
    app = create_app(settings, store, analyzer, login_rate=(10_000, 60.0))
    w = Web(settings, store, app, analyzer, admin)
    team = results[TEAM_B.name]
    rows = review.review_queue(store, admin, status="open", chat_id=team.chat_id, limit=500)
    msg_rows = [r for r in rows if r["message_id"] is not None]
    assert len(msg_rows) >= 4, "the Response Team B sample should give several message findings"
    w.ids["export"] = team.export_id
    w.ids["chat"] = team.chat_id
    w.ids["jordan_export"] = results[JORDAN.name].export_id
    w.ids["jordan_chat"] = results[JORDAN.name].chat_id
    w.ids["finding"] = msg_rows[0]["id"]
    w.ids["escalated"] = msg_rows[1]["id"]
    w.ids["spare_findings"] = [r["id"] for r in msg_rows[2:]]
    w.ids["person"] = msg_rows[0]["sender"]
    case_id = review.escalate(store, admin, w.ids["escalated"], kind="supervisor-advice", assignee="PS Test",
                              reason="fixture")
    w.ids["case"] = case_id
    w.ids["package"] = evidence.build_for_case(store, admin, case_id)[0]["id"]
    w.ids["message"] = msg_rows[0]["message_id"]
    yield w
    store.close()


@pytest.fixture(scope="module")
def api_token(web: Web) -> str:
    from chatwarden.web.accounts import create_token

    return create_token(web.store, web.admin, "administrator", "tests")


def login(client: Any, user: str, password: str = PASSWORD, next_url: str = "/") -> Any:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post("/login", data={"username": user, "password": password, "csrf_token": token, "next": next_url},
                       follow_redirects=False)


def csrf_of(client: Any) -> str:
    """The session's CSRF token, read from a page's meta tag."""
    m = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/self-check").text)
    assert m, "no CSRF token in the page"
    return m.group(1)


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
