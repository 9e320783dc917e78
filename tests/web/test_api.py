"""The JSON API: the same use cases and permission checks as the pages, described at
/openapi.json (signed-in callers only), and fuzzed with Schemathesis for server errors."""

from __future__ import annotations

import hypothesis
import pytest
import schemathesis
from fastapi.testclient import TestClient
from web_support import JORDAN


@pytest.fixture(scope="module")
def api(web, api_token):
    c = TestClient(web.app)
    c.headers["Authorization"] = f"Bearer {api_token}"
    return c


def test_openapi_is_served_to_signed_in_callers_only(web, api):
    assert TestClient(web.app).get("/openapi.json").status_code == 401
    spec = api.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    paths = set(spec["paths"])
    assert "/api/findings" in paths and "/api/cases/{case_id}/evidence" in paths
    assert all(p.startswith("/api/") for p in paths)  # pages are not part of the API description


def test_review_flow_over_the_api(web, api):
    queue = api.get("/api/findings", params={"limit": 5}).json()
    assert 0 < len(queue) <= 5 and all("text" not in r for r in queue)
    nxt = api.get("/api/findings", params={"limit": 5, "after": queue[-1]["id"]}).json()
    assert not {r["id"] for r in queue} & {r["id"] for r in nxt}
    fid = web.ids["spare_findings"][0]
    detail = api.get(f"/api/findings/{fid}", params={"context": 2}).json()
    assert detail["id"] == fid and 1 <= len(detail["thread"]) <= 5 and detail["citation"]["document"]
    assert api.post(f"/api/findings/{fid}/confirm", json={"note": "clear breach"}).json() == {"status": "confirmed"}
    r = api.post(f"/api/findings/{fid}/dismiss", json={"reason": "changed my mind"})
    assert r.status_code == 409 and "only open findings" in r.json()["detail"]
    r = api.post(f"/api/findings/{fid}/escalate", json={"kind": "supervisor-advice", "assignee": "PS A", "reason": "r"})
    case_id = r.json()["case_id"]
    assert api.post(f"/api/cases/{case_id}/notes", json={"text": "API note"}).status_code == 201
    built = api.post(f"/api/cases/{case_id}/evidence").json()
    assert built and "path" not in built[0] and len(built[0]["manifest_sha256"]) == 64
    pid = built[0]["id"]
    assert any(o["package_id"] == pid for o in api.get("/api/evidence/outstanding").json())
    for stage in ("uploaded", "recorded", "supervisor-informed"):
        assert api.post(f"/api/evidence/{pid}/handoffs", json={"stage": stage, "reference": "REF-1"}).status_code == 200
    assert not any(o["package_id"] == pid for o in api.get("/api/evidence/outstanding").json())
    dl = api.get(f"/api/evidence/{pid}/download")
    assert dl.status_code == 200 and dl.content[:2] == b"PK"
    case = api.get(f"/api/cases/{case_id}").json()
    actions = [t["action"] for t in case["timeline"]]
    assert "evidence.build" in actions and "case.note" in actions and "finding.escalate" in actions
    assert api.post(f"/api/cases/{case_id}/close", json={"outcome": "advice"}).json() == {"status": "closed"}


def test_import_and_check_over_the_api(web, api):
    r = api.post("/api/imports", files={"export": (JORDAN.name, JORDAN.read_bytes())})
    assert r.status_code == 200 and r.json()["status"] == "already-imported"
    rep = api.get(f"/api/exports/{r.json()['export_id']}").json()
    assert rep["sha256"] == r.json()["sha256"] and "blob" not in rep
    out = api.post("/api/check", json={"texts": ["see you at 10", "PNC shows wanted marker, DOB 01/02/1985"]}).json()
    assert out[0]["findings"] == [] and out[1]["findings"]


def test_api_uses_the_same_permissions(web, clients):
    off = clients["officer"]
    h = {"X-CSRF-Token": off.csrf}
    assert off.get("/api/findings").status_code == 403
    assert off.post("/api/check", json={"texts": ["hello"]}, headers=h).status_code == 200
    me = off.get("/api/me").json()
    assert me["roles"] == ["officer"] and set(me["actions"]) == {"self.check", "incident.report", "session.use"}
    foi = clients["foi-officer"]
    assert foi.get("/api/audit").status_code == 403 and foi.get("/api/dashboard").status_code == 200


def test_chats_people_audit_users_over_the_api(web, api):
    chats = api.get("/api/chats").json()
    assert {c["id"] for c in chats} >= {web.ids["chat"], web.ids["jordan_chat"]}
    person = api.get("/api/person", params={"name": web.ids["person"]}).json()
    assert person["findings"] and person["by_category"]
    verify = api.get("/api/audit/verify").json()
    assert verify["ok"] is True and verify["entries"] > 10
    entries = api.get("/api/audit", params={"action": "login*", "limit": 5}).json()
    assert all(e["action"].startswith("login") for e in entries)
    users = api.get("/api/users").json()
    assert users and all("password_hash" not in u for u in users)


def test_schemathesis_finds_no_server_errors(web, api_token):
    """Property-based requests against every operation of the OpenAPI description, as an
    administrator (every action allowed): no response may be a 5xx."""
    headers = {"Authorization": f"Bearer {api_token}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", web.app, headers=headers)
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 30
    failures: list[str] = []
    for op in operations:
        try:
            _fuzz(op, headers, failures)
        except AssertionError:
            pass
    assert not failures, failures


def _fuzz(op, headers: dict[str, str], failures: list[str]) -> None:
    @hypothesis.settings(
        max_examples=15,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(hypothesis.HealthCheck),
    )
    @hypothesis.given(case=op.as_strategy())
    def run(case):
        r = case.call(headers=headers)
        if r.status_code >= 500:
            failures.append(f"{op.label}: {r.status_code}")
        assert r.status_code < 500

    run()
