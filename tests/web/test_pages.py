"""The pages over the use cases: upload and scan report, queue and filters, a finding in
context, review decisions (four-eyes), escalation, cases and evidence, self-check, audit,
chats and people, pseudonymised review, media."""

from __future__ import annotations

import io
import re
import zipfile

from fastapi.testclient import TestClient
from web_support import MUM, TEAM_B, csrf_of, login


def _post(c, url, **data):
    return c.post(url, data={**data, "csrf_token": c.csrf}, follow_redirects=False)


def test_upload_shows_the_scan_report_and_a_second_upload_changes_nothing(web, clients):
    c = clients["reviewer"]
    data = TEAM_B.read_bytes()
    r = c.post(
        "/upload",
        files={"export": (TEAM_B.name, data)},
        data={"device": "MDM-1"},
        headers={"X-CSRF-Token": c.csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"].endswith("?import=already-imported")
    # a changed export (one more message) is a new import with a report of its own
    extra = data.rstrip(b"\n") + b"\n" + data.splitlines()[-1].split(b" - ")[0] + b" - Sgt Dan PRICE: new line\n"
    r = c.post(
        "/upload", files={"export": (TEAM_B.name, extra)}, headers={"X-CSRF-Token": c.csrf}, follow_redirects=False
    )
    assert r.status_code == 303 and "import=imported" in r.headers["location"]
    page = c.get(r.headers["location"]).text
    assert "Imported and scanned." in page and "Response Team B" in page
    report = c.get(f"/exports/{web.ids['export']}").text
    n = int(re.search(r'id="finding-count">(\d+)<', report).group(1))
    assert n >= 4 and report.count('class="finding-link"') == n
    assert report.count('<p class="cite">') >= 1 and "Action:" in report


def test_upload_of_something_that_is_not_an_export_is_a_clear_400(web, clients):
    c = clients["reviewer"]
    r = c.post(
        "/upload", files={"export": ("WhatsApp Chat with X.txt", b"hello\nworld\n")}, headers={"X-CSRF-Token": c.csrf}
    )
    assert r.status_code == 400 and "Error id" in r.text


def test_queue_filters_and_paging(web, clients):
    c = clients["reviewer"]
    page = c.get("/review").text
    assert page.count('class="finding-link"') >= 4
    high = c.get("/review?severity=high").text
    assert all(s == "high" for s in re.findall(r'class="sev sev-(\w+)"', high.split('<section id="queue"')[1]))
    by_chat = c.get(f"/review?chat={web.ids['jordan_chat']}&status=all").text
    assert "Jordan" in by_chat and "Response Team B" not in by_chat.split('<section id="queue"')[1]
    # htmx asks for the table only
    part = c.get("/review?severity=high", headers={"HX-Request": "true", "HX-Target": "queue"}).text
    assert part.startswith('<section id="queue"') and "<html" not in part


def test_finding_detail_shows_context_rule_guidance_and_action(web, clients):
    c = clients["reviewer"]
    fid = web.ids["finding"]
    page = c.get(f"/findings/{fid}").text
    assert page.count('class="msg') + page.count('class="system') >= 3
    assert 'id="flagged"' in page and "<mark>" in page or 'class="msg flagged"' in page
    assert 'id="explanation"' in page and 'id="action"' in page and "blockquote" in page
    from chatwarden.audit_view import list_entries

    views = list_entries(web.store, web.admin, action="view", subject=f"finding:{fid}")
    assert any(v["actor_id"] == "user:reviewer" for v in views)


def test_four_eyes_dismissal_from_the_pages(web, clients):
    from chatwarden.cases.review import review_queue

    high = [
        r
        for r in review_queue(web.store, web.admin, status="open", limit=500)
        if r["severity"] in ("high", "critical") and r["id"] in web.ids["spare_findings"]
    ]
    fid = high[0]["id"]
    rev, sup = clients["reviewer"], clients["supervisor"]
    assert _post(rev, f"/findings/{fid}/dismiss", reason="duty rota, not operational").status_code == 303
    assert ">pending-second<" in rev.get(f"/findings/{fid}").text
    # the reviewer cannot approve (403); the supervisor can
    assert _post(rev, f"/findings/{fid}/approve").status_code == 403
    assert _post(sup, f"/findings/{fid}/approve").status_code == 303
    assert ">dismissed<" in sup.get(f"/findings/{fid}").text
    # an empty reason is refused with a message
    other = high[1]["id"]
    r = _post(rev, f"/findings/{other}/dismiss", reason="  ")
    assert r.status_code == 409 and "needs a reason" in r.text


def test_escalate_then_work_the_case(web, clients):
    rev, sup, ps = clients["reviewer"], clients["supervisor"], clients["professional-standards"]
    fid = web.ids["spare_findings"][-1]
    r = _post(rev, f"/findings/{fid}/escalate", kind="misconduct-referral", assignee="DS Kaur", reason="pattern")
    assert r.status_code == 303
    case_url = r.headers["location"]
    case_id = int(case_url.rsplit("/", 1)[1])
    page = sup.get(case_url).text
    assert f"finding {fid}" in page and "DS Kaur" in page and "case.open" in page
    assert _post(sup, f"/cases/{case_id}/note", text="Spoke to the officer").status_code == 303
    assert _post(sup, f"/cases/{case_id}/assign", assignee="DI Shah", reason="seniority").status_code == 303
    assert _post(ps, f"/cases/{case_id}/hold", hold="on", reason="CPIA relevance").status_code == 303
    assert _post(sup, f"/cases/{case_id}/evidence").status_code == 303
    page = sup.get(case_url).text
    assert "Spoke to the officer" in page and "DI Shah" in page and "legal hold" in page
    pid = int(re.search(r'data-package="(\d+)"', page).group(1))
    manifest = re.search(r'class="manifest">([0-9a-f]{64})<', page).group(1)
    for stage, ref in (("uploaded", "AXON-77"), ("recorded", "CONNECT-12"), ("supervisor-informed", "PS Jones")):
        assert (
            _post(sup, f"/evidence/{pid}/handoff", stage=stage, reference=ref, case_id=str(case_id)).status_code == 303
        )
    page = sup.get(case_url).text
    assert (
        "AXON-77" in page
        and "CONNECT-12" in page
        and "<em>outstanding</em>" not in page.split(f'data-package="{pid}"')[1].split("</div>")[0]
    )
    dl = sup.get(f"/evidence/{pid}/download")
    assert dl.status_code == 200 and dl.headers["content-type"] == "application/zip"
    assert "attachment" in dl.headers["content-disposition"]
    from chatwarden.evidence import verify_package

    zip_path = web.settings.data_path / "downloaded.zip"
    zip_path.write_bytes(dl.content)
    assert zipfile.is_zipfile(io.BytesIO(dl.content))
    assert verify_package(zip_path, expected_manifest_sha256=manifest).ok  # the digest the case page shows
    assert _post(sup, f"/cases/{case_id}/close", outcome="advice given").status_code == 303
    assert ">closed<" in sup.get(case_url).text
    r = _post(sup, f"/cases/{case_id}/close", outcome="again")
    assert r.status_code == 409


def test_self_check_says_whether_and_why(web, clients):
    c = clients["officer"]
    r = c.post("/self-check", data={"draft": "Hi all, briefing moved to 10:00 in room 2", "csrf_token": c.csrf})
    assert "No breach found" in r.text
    risky = "PNC check on the nominal shows wanted marker, DOB 01/02/1985, OFFICIAL-SENSITIVE"
    expected = web.analyzer.check([risky])[0]
    r = c.post("/self-check", data={"draft": risky}, headers={"X-CSRF-Token": c.csrf, "HX-Request": "true"})
    assert r.text.startswith('<section id="check-result"')
    assert expected, "the sample breach should fire at least one rule"
    assert "Do not send this" in r.text
    for d in expected:
        assert d.rule in r.text
    from chatwarden.audit_view import list_entries

    assert not any("self" in e["action"] for e in list_entries(web.store, web.admin, limit=500))


def test_audit_page_filters_and_chain_status(web, clients):
    c = clients["professional-standards"]
    page = c.get("/audit?action=login").text
    assert "login" in page and "case.open" not in page
    part = c.get("/audit/verify", headers={"HX-Request": "true"}).text
    assert "Chain intact" in part
    full = c.get("/audit/verify").text
    assert "<html" in full and "Chain intact" in full
    assert "view" in c.get("/audit?subject=finding:" + str(web.ids["finding"])).text


def test_chats_and_people_show_repeated_conduct_together(web, clients):
    c = clients["supervisor"]
    chats = c.get("/chats").text
    assert "Response Team B" in chats and "Jordan Blake" in chats
    chat = c.get(f"/chats/{web.ids['chat']}").text
    assert "History of findings" in chat and web.ids["person"] in chat
    people = c.get("/people").text
    assert web.ids["person"] in people
    person = c.get("/person", params={"name": web.ids["person"]}).text
    assert "finding(s) across" in person and 'class="finding-link"' in person


def test_media_thumbnails_come_from_the_stored_zip(web, clients):
    from sqlalchemy import select

    from chatwarden.store.tables import messages

    with web.store.read() as conn:
        rows = conn.execute(
            select(messages.c.id, messages.c.attachments).where(
                messages.c.chat_id == web.ids["jordan_chat"], messages.c.attachments.is_not(None)
            )
        ).all()
    with_member = [(mid, i, a) for mid, atts in rows for i, a in enumerate(atts or []) if a.get("member")]
    assert with_member, "the Jordan Blake zip carries real media"
    mid, i, a = with_member[0]
    r = clients["reviewer"].get(f"/media/{mid}/{i}")
    assert r.status_code == 200 and r.headers["cache-control"] == "private, no-store"
    if a["media_type"] in ("image", "sticker"):
        assert r.headers["content-type"].startswith("image/")
    assert clients["reviewer"].get(f"/media/{mid}/99").status_code == 404
    assert clients["foi-officer"].get(f"/media/{mid}/{i}").status_code == 403


def test_pseudonymised_first_line_review_and_audited_unmask(tmp_path, web, clients):
    from web_support import make_settings

    from chatwarden.cases.review import set_pseudonymised_review
    from chatwarden.web.app import create_app

    app = create_app(make_settings(tmp_path, pseudonymise_first_line=True), web.store, web.analyzer)
    try:
        rev = TestClient(app)
        login(rev, "reviewer")
        rev.csrf = csrf_of(rev)
        sup = TestClient(app)
        login(sup, "supervisor")
        sup.csrf = csrf_of(sup)
        fid = web.ids["finding"]
        person = web.ids["person"]
        masked = rev.get(f"/findings/{fid}").text
        assert "Participant A" in masked and person not in masked
        assert person not in rev.get("/review").text
        assert rev.get("/people").status_code == 403
        assert person not in rev.get(f"/chats/{web.ids['chat']}").text
        jordan = rev.get(f"/chats/{web.ids['jordan_chat']}").text + rev.get("/chats").text + rev.get("/review").text
        assert "Jordan Blake" not in jordan and "one-to-one chat" in jordan
        assert person in sup.get(f"/findings/{fid}").text  # supervisors see names
        assert _post(rev, f"/findings/{fid}/unmask", reason="try").status_code == 403
        assert _post(sup, f"/findings/{fid}/unmask", reason="needed to identify the officer").status_code == 303
        unmasked = rev.get(f"/findings/{fid}").text
        assert person in unmasked and "unmasked by Supervisor User" in unmasked.replace("Names unmasked", "unmasked")
        from chatwarden.audit_view import list_entries

        e = list_entries(web.store, web.admin, action="finding.unmask", subject=f"finding:{fid}")
        assert e and e[0]["actor_name"] == "Supervisor User" and e[0]["after"]["reason"]
    finally:
        set_pseudonymised_review(False)


def test_admin_adds_and_disables_users(web, clients):
    c = clients["administrator"]
    r = c.post(
        "/admin/users",
        data={
            "username": "newbie",
            "display_name": "PC 1 New",
            "password": "a long password!",
            "roles": ["reviewer", "officer"],
            "csrf_token": c.csrf,
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "PC 1 New" in c.get("/admin/users").text
    n = TestClient(web.app)
    assert login(n, "newbie", "a long password!").status_code == 303
    assert _post(c, "/admin/users/newbie/active", active="off").status_code == 303
    assert n.get("/review", follow_redirects=False).status_code == 303  # its session ended
    r = c.post(
        "/admin/users",
        data={"username": "x", "display_name": "X", "password": "short", "roles": "officer", "csrf_token": c.csrf},
    )
    assert r.status_code == 409


def test_dashboard_counts_trend_and_outstanding(web, clients):
    page = clients["data-office"].get("/dashboard").text
    assert "open findings" in page and "<svg" in page and "Findings per week" in page
    assert "evidence hand-offs outstanding" in page
    assert clients["foi-officer"].get("/dashboard").status_code == 200


def test_home_sends_each_role_to_its_start_page(web, clients):
    assert clients["officer"].get("/", follow_redirects=False).headers["location"] == "/self-check"
    assert clients["reviewer"].get("/", follow_redirects=False).headers["location"] == "/dashboard"


def test_mum_chat_is_visible_in_chats(web, clients):
    assert MUM.stem.replace("WhatsApp Chat with ", "") in clients["reviewer"].get("/chats").text
