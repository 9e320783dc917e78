"""The authorisation matrix: every route x every role, expected allow or deny.

The expectation comes from the roles table (chatwarden.permissions) and each route's
declared actions; a hand-written table of key cells pins the policy itself, so a change to
either side that alters who may do what fails here."""

from __future__ import annotations

import itertools
import re

import pytest
from fastapi.testclient import TestClient
from web_support import ROLES, login, username

from chatwarden.permissions import allowed
from chatwarden.web.security import declared

_counter = itertools.count()


def _params(web, path: str) -> str:
    ids = web.ids
    values = {
        "finding_id": ids["finding"],
        "case_id": ids["case"],
        "package_id": ids["package"],
        "export_id": ids["export"],
        "chat_id": ids["chat"],
        "message_id": ids["message"],
        "n": 0,
        "username": "spare",
        "app_id": ids["app"],
        "group_id": ids["group"],
        "member_id": ids["member"],
        "incident_id": ids["incident"],
        "misconduct_id": ids["misconduct"],
        "request_ref": ids["foi_ref"],
        "job_id": ids["job"],
        "file_name": "release.pdf",
    }
    return re.sub(r"\{(\w+)\}", lambda m: str(values[m.group(1)]), path)


FORMS = {
    "/findings/{finding_id}/dismiss": {"reason": "matrix"},
    "/findings/{finding_id}/reject": {"reason": "matrix"},
    "/findings/{finding_id}/escalate": {"kind": "supervisor-advice", "assignee": "X", "reason": "matrix"},
    "/findings/{finding_id}/unmask": {"reason": "matrix"},
    "/cases/{case_id}/assign": {"assignee": "PS Matrix"},
    "/cases/{case_id}/note": {"text": "matrix note"},
    "/cases/{case_id}/hold": {"hold": "on", "reason": "matrix"},
    "/cases/{case_id}/close": {"outcome": "matrix"},
    "/evidence/{package_id}/handoff": {"stage": "uploaded", "reference": "EV-1"},
    "/self-check": {"draft": "meet at 10"},
    "/admin/users/{username}/active": {"active": "on"},
    "/registers/apps/{app_id}/revoke": {"reason": ""},
    "/registers/groups/{group_id}/validated": {"note": "matrix"},
    "/incidents/report": {"title": "matrix", "description": "matrix", "aware_at": "2025-01-06 10:00"},
    "/incidents/{incident_id}/assign": {"owner": "IAU Matrix"},
    "/incidents/{incident_id}/close": {"reason": ""},
    "/foi/requests/{request_ref}/extend": {"working_days": "x"},
    "/foi/redactions/{job_id}/decide": {"rid": "R001", "decision": "maybe"},
}
JSON = {
    "/api/findings/{finding_id}/confirm": {},
    "/api/findings/{finding_id}/approve": {},
    "/api/findings/{finding_id}/dismiss": {"reason": "matrix"},
    "/api/findings/{finding_id}/reject": {"reason": "m"},
    "/api/findings/{finding_id}/escalate": {"kind": "supervisor-advice", "assignee": "X", "reason": "matrix"},
    "/api/findings/{finding_id}/unmask": {"reason": "matrix"},
    "/api/cases": {"kind": "supervisor-advice", "title": "matrix"},
    "/api/cases/{case_id}/assign": {"assignee": "PS Matrix"},
    "/api/cases/{case_id}/notes": {"text": "matrix"},
    "/api/cases/{case_id}/hold": {"hold": True, "reason": "matrix"},
    "/api/cases/{case_id}/close": {"outcome": "matrix"},
    "/api/evidence/{package_id}/handoffs": {"stage": "recorded", "reference": "CONNECT-1"},
    "/api/check": {"texts": ["meet at 10"]},
    "/api/apps/{app_id}/revoke": {"reason": "matrix"},
    "/api/incidents": {"title": "matrix", "description": "matrix", "aware_at": "2025-01-06 10:00"},
    "/api/incidents/{incident_id}/assign": {"owner": "IAU Matrix"},
    "/api/incidents/{incident_id}/close": {"reason": "matrix"},
    "/api/foi/requests/{request_ref}/extend": {"working_days": 1, "reason": "matrix"},
    "/api/foi/redactions/{job_id}/decisions": {"decisions": {"R999": {"decision": "accept"}}},
}


def _request(web, client: TestClient, method: str, path: str):
    url = _params(web, path)
    headers = {"X-CSRF-Token": client.csrf}
    if path == "/person" or path == "/api/person":
        url += "?name=" + web.ids["person"]
    if method == "GET":
        return client.get(url, follow_redirects=False)
    if path == "/admin/users":
        n = next(_counter)
        return client.post(
            url,
            data={
                "username": f"m{n}",
                "display_name": "Matrix",
                "password": "x" * 12,
                "roles": "officer",
                "csrf_token": client.csrf,
            },
            follow_redirects=False,
        )
    if path in ("/upload", "/api/imports"):
        return client.post(
            url,
            headers=headers,
            files={"export": ("WhatsApp Chat with Nobody.txt", b"not a chat\n")},
            follow_redirects=False,
        )
    if path.startswith("/api/"):
        return client.post(url, json=JSON.get(path, {}), headers=headers, follow_redirects=False)
    return client.post(url, data={**FORMS.get(path, {}), "csrf_token": client.csrf}, follow_redirects=False)


def _cases(web):
    for r in web.app.routes:
        g = declared(r)
        if not g or g[0].is_public or r.path in ("/logout",):
            continue
        for method in sorted(r.methods - {"HEAD"}):
            yield method, r.path, g[0].actions


# Key cells, written out by hand: (role, method, path) -> allowed?
PINNED = {
    ("officer", "GET", "/self-check"): True,
    ("officer", "GET", "/review"): False,
    ("officer", "GET", "/dashboard"): False,
    ("officer", "POST", "/api/check"): True,
    ("reviewer", "GET", "/findings/{finding_id}"): True,
    ("reviewer", "POST", "/findings/{finding_id}/approve"): False,
    ("reviewer", "POST", "/cases/{case_id}/evidence"): False,
    ("reviewer", "GET", "/audit"): False,
    ("supervisor", "POST", "/findings/{finding_id}/approve"): True,
    ("supervisor", "POST", "/cases/{case_id}/hold"): False,
    ("supervisor", "GET", "/evidence/{package_id}/download"): True,
    ("professional-standards", "POST", "/cases/{case_id}/hold"): True,
    ("professional-standards", "GET", "/audit"): True,
    ("professional-standards", "GET", "/admin/users"): False,
    ("data-office", "GET", "/findings/{finding_id}"): False,
    ("data-office", "GET", "/audit"): True,
    ("data-office", "POST", "/cases/{case_id}/evidence"): False,
    ("data-office", "GET", "/evidence/{package_id}/download"): True,
    ("foi-officer", "GET", "/review"): False,
    ("foi-officer", "GET", "/dashboard"): True,
    ("foi-officer", "GET", "/chats"): False,
    ("administrator", "GET", "/admin/users"): True,
    ("administrator", "POST", "/api/cases"): True,
    # governance registers and FOI
    ("officer", "GET", "/incidents/report"): True,
    ("officer", "POST", "/incidents/report"): True,
    ("officer", "GET", "/incidents"): False,
    ("officer", "GET", "/registers"): False,
    ("reviewer", "GET", "/registers/apps"): False,
    ("reviewer", "POST", "/findings/{finding_id}/incident"): True,
    ("supervisor", "GET", "/registers/devices/audit"): True,
    ("supervisor", "POST", "/registers/apps"): False,
    ("supervisor", "GET", "/misconduct"): False,
    ("professional-standards", "POST", "/misconduct"): True,
    ("professional-standards", "GET", "/incidents/{incident_id}"): False,
    ("professional-standards", "GET", "/foi/requests"): False,
    ("data-office", "POST", "/registers/apps/import"): True,
    ("data-office", "POST", "/incidents/{incident_id}/ico"): True,
    ("data-office", "GET", "/misconduct"): False,
    ("data-office", "GET", "/foi/statistics"): False,
    ("foi-officer", "GET", "/registers/groups/{group_id}"): True,
    ("foi-officer", "POST", "/registers/groups/{group_id}/validated"): False,
    ("foi-officer", "GET", "/misconduct/{misconduct_id}"): True,
    ("foi-officer", "POST", "/misconduct/{misconduct_id}"): False,
    ("foi-officer", "GET", "/incidents"): False,
    ("foi-officer", "GET", "/foi/redactions/{job_id}"): True,
    ("foi-officer", "POST", "/foi/redactions/{job_id}/release"): True,
    ("foi-officer", "GET", "/api/foi/statistics"): True,
    ("administrator", "GET", "/foi/statistics/download"): True,
}


def test_pinned_cells_agree_with_the_roles_table(web):
    routes = {(m, p): a for m, p, a in _cases(web)}
    from chatwarden.model import Actor

    for (role, method, path), expect in PINNED.items():
        actor = Actor("x", "x", (role,))
        assert all(allowed(actor, a) for a in routes[(method, path)]) is expect, (role, method, path)


@pytest.mark.parametrize("role", ROLES)
def test_matrix(web, clients, role):
    from chatwarden.model import Actor

    client = clients[role]
    actor = Actor("x", "x", (role,))
    wrong = []
    n = 0
    for method, path, actions in _cases(web):
        expect = all(allowed(actor, a) for a in actions)
        r = _request(web, client, method, path)
        n += 1
        if expect and (r.status_code in (401, 403) or r.status_code >= 500):
            wrong.append(f"{method} {path}: expected allowed, got {r.status_code}")
        if not expect and r.status_code != 403:
            wrong.append(f"{method} {path}: expected 403, got {r.status_code}")
    assert n > 60
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("role", ROLES)
def test_logout_is_allowed_to_every_role(web, role):
    c = TestClient(web.app)
    assert login(c, username(role)).status_code == 303
    from web_support import csrf_of

    r = c.post("/logout", data={"csrf_token": csrf_of(c)}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"


def test_anonymous_is_refused_everywhere_but_public_routes(web):
    c = TestClient(web.app)
    c.csrf = "none"
    for method, path, _actions in _cases(web):
        r = _request(web, c, method, path)
        if path.startswith("/api/") or path == "/openapi.json":
            assert r.status_code == 401, (method, path, r.status_code)
        elif method == "GET":
            assert r.status_code == 303 and r.headers["location"].startswith("/login?next="), (method, path)
        else:
            assert r.status_code == 401, (method, path, r.status_code)
        assert "Sgt" not in r.text and "PRICE" not in r.text
