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


FOI_EXAMPLES = EXAMPLES / "foi"


def register_records(store: Any, admin: Any) -> dict[str, Any]:
    """One record in each governance register, an FOI request and a redaction job (for
    the route tables and the authorisation matrix); returns their ids."""
    from datetime import date

    from chatwarden.foi import service as foi
    from chatwarden.registers import apps, groups, incidents, misconduct

    ids: dict[str, Any] = {}
    ids["app"] = apps.add_app(
        store,
        admin,
        {
            "app": "WhatsApp",
            "kind": "corporate",
            "purpose": "policing business",
            "approver": "MAAM minute 12",
            "approver_role": "Mobile Applications Approvals Meeting",
            "start_date": "2019-01-01",
        },
    )["id"]
    g = groups.add_group(store, admin, {"name": "Matrix Group", "purpose": "tests", "owner": "Sgt Test OWNER"})
    ids["group"] = g["id"]
    ids["member"] = groups.add_member(
        store, admin, g["id"], {"name": "Sgt Test OWNER", "role": "police", "consent_date": "2024-01-02"}
    )["id"]
    ids["incident"] = incidents.report_incident(
        store,
        admin,
        {
            "title": "Phone left on a bus",
            "description": "A force phone was lost",
            "aware_at": "2025-01-06 09:00",
            "personal_data": False,
        },
    )["id"]
    ids["misconduct"] = misconduct.add_case(
        store,
        admin,
        {
            "subject": "PC Test SUBJECT",
            "subject_type": "officer",
            "rank_or_band": "PC",
            "platform": "whatsapp",
            "categories": "offensive-conduct",
            "regime": "2020",
            "stage": "assessment",
            "recorded_on": "2024-02-01",
        },
    )["id"]
    ids["foi_ref"] = foi.add_request(
        store, admin, received_on=date(2025, 1, 6), subject="WhatsApp misconduct", request_text="How many cases?"
    )["ref"]
    ids["job"] = foi.propose_redactions(
        store, admin, FOI_EXAMPLES / "guidance_memo.md", directory=FOI_EXAMPLES / "staff_directory.csv"
    ).job_id
    return ids
