"""Helpers shared by the web tests (constants, settings, accounts, signing in)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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


def _admin() -> Any:
    from chatwarden.model import Actor

    return Actor("cli:setup", "Setup ADMIN", ("administrator",))


ADMIN = _admin()


def add_users(store: Any, admin: Any, roles: tuple[str, ...] = ROLES) -> None:
    from chatwarden.web.accounts import create_user

    for role in roles:
        create_user(
            store, admin, username=username(role), display_name=f"{role.title()} User", password=PASSWORD, roles=[role]
        )


def login(client: Any, user: str, password: str = PASSWORD, next_url: str = "/") -> Any:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client.post(
        "/login",
        data={"username": user, "password": password, "csrf_token": token, "next": next_url},
        follow_redirects=False,
    )


def csrf_of(client: Any) -> str:
    """The session's CSRF token, read from a page's meta tag."""
    m = re.search(r'<meta name="csrf-token" content="([^"]+)"', client.get("/self-check").text)
    assert m, "no CSRF token in the page"
    return m.group(1)
