"""The FOI officer's pages: the request register with due dates and overdue flags (add,
respond, clarify, extend, withdraw), response drafts, protected statistics with their
downloads and suppression report, and the redaction review end to end: upload, proposals in
context, accept or override each (htmx), add a missed redaction, release refused while
undecided, then released PDF, DOCX and text that hold none of the redacted strings."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import date

import pytest
from fastapi.testclient import TestClient
from web_support import EXAMPLES, FOI_EXAMPLES, ROLES, csrf_of, login, make_settings

from chatwarden.foi import redact as rd
from chatwarden.foi import service
from chatwarden.foi.deadlines import WorkingDays
from chatwarden.model import Actor
from chatwarden.permissions import allowed

SENTINEL = "Zq7SENTINELvalue"
MEMO = FOI_EXAMPLES / "guidance_memo.md"
DIRECTORY = FOI_EXAMPLES / "staff_directory.csv"


def _post(c, url, **data):
    return c.post(url, data={**data, "csrf_token": c.csrf}, follow_redirects=False)


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


@pytest.fixture(scope="module")
def register(web):
    """The sample misconduct register (68 cases, 2017-2025) in this module's store."""
    from chatwarden.registers import misconduct

    misconduct.import_csv(web.store, web.admin, EXAMPLES / "registers" / "misconduct.csv", "misconduct.csv")


PAGES = (
    "/foi/requests",
    "/foi/requests/{foi_ref}",
    "/foi/statistics",
    "/foi/statistics?run=1",
    "/foi/redactions",
    "/foi/redactions/{job}",
)


@pytest.mark.parametrize("role", ROLES)
def test_foi_pages_are_for_the_foi_officer(web, clients, role):
    c = clients[role]
    ok = allowed(Actor("x", "x", (role,)), "foi.use")
    for path in PAGES:
        url = re.sub(r"\{(\w+)\}", lambda m: str(web.ids[m.group(1)]), path)
        r = c.get(url, follow_redirects=False)
        assert r.status_code == (200 if ok else 403), (role, url, r.status_code)
        if ok:
            assert "<h1>" in r.text and 'class="subnav"' in r.text
            html = r.text
            assert not re.search(r"<script(?![^>]*\bsrc=)", html) and "style=" not in html, url
            assert re.search(r" on[a-z]+=", html) is None, url


# ---------------------------------------------------------------------------- requests
def test_request_register_due_dates_and_the_request_workflow(web, clients):
    c = clients["foi-officer"]
    r = _post(
        c,
        "/foi/requests",
        received_on="2025-03-28",
        subject="WhatsApp misconduct",
        request_text="Please tell me how many officers were disciplined for WhatsApp messages.",
        handler="FOI Officer J. DOE",
    )
    assert r.status_code == 303
    ref = re.search(r"/foi/requests/([^?]+)\?saved=1$", r.headers["location"]).group(1)
    row = service.get_request(web.store, web.admin, ref)
    # 20 working days after 28 March 2025, skipping Good Friday and Easter Monday
    assert row["due_on"] == date(2025, 4, 29) and row["status"] == "open"
    page = c.get(f"/foi/requests/{ref}").text
    assert 'id="request-due">29/04/2025' in page and "overdue by" in page
    listing = c.get("/foi/requests").text
    assert f">{ref}</a>" in listing and "row-overdue" in listing and 'class="flag overdue"' in listing

    # clarification restarts the 20 days; an extension adds working days with a reason
    cal = WorkingDays()
    assert _post(c, f"/foi/requests/{ref}/clarify", clarified_on="2025-04-07").status_code == 303
    due = service.get_request(web.store, web.admin, ref)["due_on"]
    assert due == cal.add(date(2025, 4, 7), 20) == date(2025, 5, 8)  # Easter and the May bank holiday skipped
    assert _post(c, f"/foi/requests/{ref}/extend", working_days="5", reason="public interest test").status_code == 303
    assert service.get_request(web.store, web.admin, ref)["due_on"] == cal.add(due, 5)
    r = _post(c, f"/foi/requests/{ref}/extend", working_days="25", reason="more time")
    assert r.status_code == 409 and "no more than 20" in r.text
    r = _post(c, f"/foi/requests/{ref}/respond", responded_on="2025-05-13", exemptions="s40(2)-stats")
    assert r.status_code == 303
    row = service.get_request(web.store, web.admin, ref)
    assert row["status"] == "responded" and row["exemptions"] == ["s40(2)-stats"] and row["late"] is False
    assert _post(c, f"/foi/requests/{ref}/withdraw", reason="x").status_code == 409
    assert f">{ref}</a>" in c.get("/foi/requests?status=responded").text

    # problems are named, never repeated
    r = _post(c, "/foi/requests", received_on="2025-02-30", subject=SENTINEL, request_text="x")
    assert r.status_code == 400 and "not a date" in r.text and "Not registered" in r.text
    assert SENTINEL not in re.search(r'id="problems">(.*?)</div>', r.text, re.DOTALL).group(1)
    r = _post(c, "/foi/requests", received_on="2025-02-03", subject="s", request_text="t", ref=f"{SENTINEL}/../x")
    assert r.status_code == 400 and "letters, digits" in r.text
    r = _post(c, f"/foi/requests/{web.ids['foi_ref']}/respond", responded_on="2025-05-13", exemptions=SENTINEL)
    assert r.status_code == 400 and SENTINEL not in r.text


def test_draft_letters_download_as_html_docx_and_pdf(web, clients, register):
    from pypdf import PdfReader

    c = clients["foi-officer"]
    ref = web.ids["foi_ref"]
    form = {
        "decision": "part",
        "exemptions": ["s31(1)(g)", "s40(2)-stats"],
        "requester": "Ms A. Requester",
        "with_stats": "1",
        "stats_since": "2017-01-01",
        "stats_until": "2024-12-31",
    }
    pages = {}
    for fmt in ("html", "docx", "pdf"):
        r = c.post(f"/foi/requests/{ref}/draft", data={**form, "format": fmt, "csrf_token": c.csrf})
        assert r.status_code == 200, (fmt, r.text[:300])
        assert r.headers["content-disposition"].startswith(f'attachment; filename="{ref}-draft.{fmt}"')
        pages[fmt] = r.content
    assert b"Refusal Notice" in pages["html"] and b"Ms A. Requester" in pages["html"]
    assert zipfile.is_zipfile(io.BytesIO(pages["docx"]))
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pages["pdf"])).pages)
    assert ref in text and "Section 17" in text and "Police officer data" in text
    # a partial refusal must name an exemption
    r = c.post(f"/foi/requests/{ref}/draft", data={"decision": "part", "format": "pdf", "csrf_token": c.csrf})
    assert r.status_code == 400 and "at least one exemption" in r.text


# ---------------------------------------------------------------------------- statistics
STATS = "/foi/statistics?run=1&since=2017-01-01&until=2025-12-31&coarsen=1&table=year:rank&table=year:outcome"


def test_statistics_show_the_protected_tables_and_download_cleanly(web, clients, register):
    from chatwarden.foi.outputs import xlsx_problems

    c = clients["foi-officer"]
    page = c.get(STATS).text
    assert 'id="stats-result"' in page and "Police officers: cases by year and rank" in page
    withheld = re.findall(r'<td class="num withheld">([^<]*)</td>', page)
    assert withheld and set(withheld) == {"*"}  # one marker for every withheld cell
    assert "a number from 1 to 4, or a number withheld" in page
    # no withheld cell shows a number; the report (case file only) holds the real values
    assert 'id="suppression-report"' in page and "primary" in page
    q = re.search(r'href="/foi/statistics/download\?([^"]+)&amp;format=csv"', page).group(1).replace("&amp;", "&")
    r = c.get(f"/foi/statistics/download?{q}&format=csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    body = r.text
    assert "*" in body and "Police officers" in body
    for fmt, magic in (("xlsx", b"PK"), ("pdf", b"%PDF"), ("docx", b"PK")):
        r = c.get(f"/foi/statistics/download?{q}&format={fmt}")
        assert r.status_code == 200 and r.content.startswith(magic), fmt
    assert xlsx_problems(c.get(f"/foi/statistics/download?{q}&format=xlsx").content) == []
    rep = c.get(f"/foi/statistics/report?{q}&format=txt")
    assert rep.status_code == 200 and rep.text.startswith("DISCLOSURE CONTROL REPORT")
    rows = list(csv.DictReader(io.StringIO(c.get(f"/foi/statistics/report?{q}&format=csv").text)))
    assert {"primary", "secondary"} <= {r["action"] for r in rows}
    assert all(r["value"] for r in rows if r["action"] == "primary")
    # rounding and the findings source
    page = c.get(STATS + "&rounding=5").text
    assert "rounded to the nearest 5" in page
    page = c.get("/foi/statistics?run=1&source=findings").text
    assert "Monitoring findings" in page
    # the API twin gives the same published tables
    api = c.get(f"/api/foi/statistics?{q}").json()
    assert api["tables"]["officers"][0]["rows"] and api["withheld_cells"]["officers"]
    # bad options are refused without repeating them
    r = c.get(f"/foi/statistics?run=1&table={SENTINEL}")
    assert r.status_code == 400 and SENTINEL not in r.text and "ROW:COLUMN" in r.text
    r = c.get("/foi/statistics?run=1&since=0001-01-01")
    assert r.status_code == 400 and "from 1978" in r.text


# ---------------------------------------------------------------------------- redaction
def _propose(c) -> str:
    r = c.post(
        "/foi/redactions",
        files={"document": (MEMO.name, MEMO.read_bytes()), "directory": (DIRECTORY.name, DIRECTORY.read_bytes())},
        data={"officer_seniority": "Inspector", "staff_seniority": "Band A", "csrf_token": c.csrf},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:500]
    return re.search(r"/foi/redactions/([0-9a-f]+)$", r.headers["location"]).group(1)


def test_redaction_review_end_to_end(web, clients):
    from docx import Document
    from pypdf import PdfReader

    c = clients["foi-officer"]
    job_id = _propose(c)
    page = c.get(f"/foi/redactions/{job_id}").text
    job = service.get_redaction_job(web.store, web.admin, job_id)
    assert len(job.redactions) >= 10
    # every proposal is shown in the document, in context, with its exemption and reason
    for r in job.redactions:
        assert f'id="ctx-{r.id}"' in page and f'id="p-{r.id}"' in page
    assert page.count('class="red st-proposed"') >= 2 * len(job.redactions)
    assert "Sarah Whitfield" in page and "[REDACTED" not in page
    assert 'id="release" disabled' in page

    # release is refused while anything is undecided
    r = _post(c, f"/foi/redactions/{job_id}/release")
    assert r.status_code == 409 and "have not been reviewed" in r.text

    # decide each one with htmx: the proposal comes back alone, with the counts swapped out of band
    email = next(r for r in job.redactions if r.text == "mobile.support@met.police.uk")
    h = {"HX-Request": "true", "X-CSRF-Token": c.csrf}
    for r in job.redactions:
        decision = "override" if r.id == email.id else "accept"
        resp = c.post(
            f"/foi/redactions/{job_id}/decide",
            data={
                "rid": r.id,
                "decision": decision,
                "exemption": r.exemption,
                "note": "departmental mailbox" if decision == "override" else "",
            },
            headers=h,
        )
        assert resp.status_code == 200 and "<html" not in resp.text
        assert f'id="p-{r.id}"' in resp.text and 'id="redaction-counts" class="counts" hx-swap-oob="true"' in resp.text
        assert f'class="red st-{"overridden" if decision == "override" else "accepted"}" id="ctx-{r.id}"' in resp.text
    assert 'id="release" disabled' not in resp.text
    # without htmx a decision redirects back to the proposal; a changed exemption is kept
    first = job.redactions[0]
    resp = _post(c, f"/foi/redactions/{job_id}/decide", rid=first.id, decision="accept", exemption="s40(2)")
    assert resp.status_code == 303 and resp.headers["location"].endswith(f"#p-{first.id}")
    assert _post(c, f"/foi/redactions/{job_id}/decide", rid="R999", decision="accept").status_code == 400
    assert _post(c, f"/foi/redactions/{job_id}/decide", rid=first.id, decision="maybe").status_code == 400

    # a redaction the detectors missed: every occurrence
    resp = _post(
        c,
        f"/foi/redactions/{job_id}/add",
        text="Mobile Device Support",
        exemption="s31(1)(a)",
        reason="team name identifies a small unit",
    )
    assert resp.status_code == 303 and "added=2" in resp.headers["location"]
    job = service.get_redaction_job(web.store, web.admin, job_id)
    assert job.counts() == {"proposed": 0, "accepted": len(job.redactions) - 1, "overridden": 1}

    # release, then the files
    assert _post(c, f"/foi/redactions/{job_id}/release").status_code == 303
    page = c.get(f"/foi/redactions/{job_id}").text
    assert 'id="released"' in page and "Redact</button>" not in page
    files = {}
    for name in (
        "release.pdf",
        "release.docx",
        "release.txt",
        "release.redaction-log.csv",
        "release.redaction-log.json",
    ):
        r = c.get(f"/foi/redactions/{job_id}/files/{name}")
        assert r.status_code == 200 and "attachment" in r.headers["content-disposition"], name
        files[name] = r.content
    pdf_text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(files["release.pdf"])).pages)
    docx_text = "\n".join(p.text for p in Document(io.BytesIO(files["release.docx"])).paragraphs)
    txt = files["release.txt"].decode("utf-8")
    accepted = [r.text for r in job.redactions if r.status == "accepted"]
    for text in (pdf_text, docx_text, txt, rd.extract_text(files["release.docx"], "docx")):
        assert "[REDACTED s40(2)]" in text and "[REDACTED s31(1)(a)]" in text
        for secret in accepted:
            assert _norm(secret) not in _norm(text), secret
    assert "mobile.support@met.police.uk" in txt and "mobile.support@met.police.uk" in docx_text  # released on review
    log = files["release.redaction-log.csv"].decode("utf-8")
    assert job.source.sha256 in log.splitlines()[0] and "fingerprint" in log
    for secret in accepted:
        assert secret not in log
    assert json.loads(files["release.redaction-log.json"])["counts"]["overridden"] == 1
    # downloads are audited; a released job takes no more decisions
    from chatwarden.audit_view import list_entries

    assert len(list_entries(web.store, web.admin, action="foi.redaction.download", limit=20)) >= 5
    assert _post(c, f"/foi/redactions/{job_id}/decide", rid=first.id, decision="override").status_code == 409
    assert c.get(f"/foi/redactions/{job_id}/files/app.py").status_code == 404
    assert c.get("/foi/redactions/..%2F..%2Fetc/files/release.pdf").status_code == 404
    assert clients["professional-standards"].get(f"/foi/redactions/{job_id}/files/release.pdf").status_code == 403


def test_redaction_over_the_api(web, clients):
    c = clients["foi-officer"]
    h = {"X-CSRF-Token": c.csrf}
    r = c.post("/api/foi/redactions", files={"document": (MEMO.name, MEMO.read_bytes())}, headers=h)
    assert r.status_code == 201
    job = r.json()
    assert job["redactions"] and job["options"]["directory_entries"] == 0
    assert c.post(f"/api/foi/redactions/{job['job_id']}/release", headers=h).status_code == 409
    decisions = {x["id"]: {"decision": "accept"} for x in job["redactions"]}
    r = c.post(f"/api/foi/redactions/{job['job_id']}/decisions", json={"decisions": decisions}, headers=h)
    assert r.status_code == 200 and r.json()["counts"]["proposed"] == 0
    r = c.post(f"/api/foi/redactions/{job['job_id']}/release", headers=h)
    assert r.status_code == 200
    url = next(u for u in r.json()["files"] if u.endswith("release.txt"))
    text = c.get(url).text
    for x in job["redactions"]:
        assert _norm(x["text"]) not in _norm(text)
    assert any(j["job_id"] == job["job_id"] for j in c.get("/api/foi/redactions").json())


def test_uploads_are_checked_and_size_capped(web, clients, tmp_path):
    from chatwarden.web.app import create_app

    c = clients["foi-officer"]
    for name, data, expect in (
        ("memo.exe", b"MZ", "the file must be one of"),
        ("memo.pdf", b"not a pdf at all", "not a PDF file"),
        ("memo.docx", b"not a zip", "not a DOCX file"),
        ("memo.txt", b"caf\xe9 au lait\n", "not UTF-8"),
    ):
        r = c.post("/foi/redactions", files={"document": (name, data)}, headers={"X-CSRF-Token": c.csrf})
        assert r.status_code == 400 and expect in r.text, (name, r.text[:300])
    r = c.post(
        "/foi/redactions",
        files={"document": ("memo.md", MEMO.read_bytes()), "directory": ("d.txt", b"x")},
        headers={"X-CSRF-Token": c.csrf},
    )
    assert r.status_code == 400 and "the file must be one of: .csv" in r.text
    # the site's upload cap applies to documents, and the Shield caps the body
    app = create_app(make_settings(tmp_path, max_upload_bytes=2000), web.store, web.analyzer)
    small = TestClient(app)
    login(small, "foiofficer")
    csrf = csrf_of(small)
    r = small.post("/foi/redactions", files={"document": ("big.txt", b"y\n" * 1500)}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 400 and "larger than the limit of 2000 bytes" in r.text
    r = small.post("/foi/redactions", files={"document": ("big.txt", b"y" * (1 << 21))}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 413
    # other forms keep the 1 MiB cap
    r = small.post("/foi/requests", data={"subject": "z" * (1 << 21)}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 413
