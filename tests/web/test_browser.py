"""End to end in a real browser: Playwright driving Debian's Chromium against uvicorn on
127.0.0.1.  Log in, upload a sample export (with the progress bar), open a finding from the
queue by keyboard, see its context, escalate it to a case, build and download the evidence
package, verify the download against the manifest digest the case page shows, log out.
Screenshots of the main pages go to docs/screenshots/ (used in the README)."""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
from web_support import JORDAN, MUM, PASSWORD, TEAM_B, add_users, make_settings

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
DOC_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory, analyzer):
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed (./dev test installs it)")
    import uvicorn

    from chatwarden.importer import import_export
    from chatwarden.model import Actor
    from chatwarden.store import Store
    from chatwarden.web.app import create_app

    tmp = tmp_path_factory.mktemp("browser")
    settings = make_settings(tmp)
    store = Store.open(settings)
    admin = Actor("cli:setup", "Setup ADMIN", ("administrator",))
    add_users(store, admin)
    from chatwarden.web.accounts import create_user

    create_user(
        store,
        admin,
        username="ps.jones",
        display_name="PS 2231 Sam JONES",
        password=PASSWORD,
        roles=["supervisor", "professional-standards"],
    )
    for p in (JORDAN, MUM):  # other chats already in the store; the browser uploads Response Team B
        import_export(store, analyzer, p, actor=admin)
    app = create_app(settings, store, analyzer)
    port = _free_port()
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not srv.started and time.time() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}", store
    srv.should_exit = True
    thread.join(10)
    store.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


def test_review_to_evidence_end_to_end(server, browser, tmp_path):
    """Screenshots go to a temporary folder; with CHATWARDEN_SCREENSHOTS=1 they refresh
    docs/screenshots/ instead."""
    import os

    from chatwarden.evidence import verify_package

    base, _store = server
    SHOTS = DOC_SHOTS if os.environ.get("CHATWARDEN_SCREENSHOTS") == "1" else tmp_path / "shots"
    SHOTS.mkdir(parents=True, exist_ok=True)
    ctx = browser.new_context(viewport={"width": 1360, "height": 900}, accept_downloads=True)
    page = ctx.new_page()
    csp_errors: list[str] = []
    page.on("console", lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None)

    # sign in (the dashboard asks for it and comes back after)
    page.goto(f"{base}/dashboard")
    assert "/login?next=/dashboard" in page.url
    page.screenshot(path=str(SHOTS / "login.png"))
    page.fill("#username", "ps.jones")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/dashboard")

    # upload an export: progress bar, then the scan report
    page.goto(f"{base}/upload")
    page.set_input_files("#export-file", str(TEAM_B))
    page.click("#upload-form button[type=submit]")
    page.wait_for_url(re.compile(r".*/exports/\d+\?import=imported"))
    assert page.locator("text=Imported and scanned.").is_visible()
    n = int(page.inner_text("#finding-count"))
    assert n >= 4
    page.screenshot(path=str(SHOTS / "scan-report.png"), full_page=True)

    # the queue, opened by keyboard: j selects the first row, Enter opens it
    page.goto(f"{base}/review")
    page.screenshot(path=str(SHOTS / "review-queue.png"))
    page.keyboard.press("j")
    assert page.locator("tr.selected").count() == 1
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r".*/findings/\d+$"))
    assert page.locator("#thread li").count() >= 3
    assert page.locator("#thread li.flagged").count() == 1
    assert page.inner_text("#explanation").strip() and page.inner_text("#action").strip()
    page.screenshot(path=str(SHOTS / "finding.png"), full_page=True)

    # escalate to a case
    page.select_option("#escalate-kind", "misconduct-referral")
    page.fill("#escalate-assignee", "DS 402 Priya KAUR")
    page.fill("#escalate-reason", "Operational information shared on WhatsApp")
    page.click("#escalate")
    page.wait_for_url(re.compile(r".*/cases/\d+$"))
    assert "DS 402 Priya KAUR" in page.content()

    # build the evidence package and download it
    page.click("#build-evidence")
    page.wait_for_selector("code.manifest")
    manifest = page.inner_text("code.manifest").strip()
    assert re.fullmatch(r"[0-9a-f]{64}", manifest)
    page.screenshot(path=str(SHOTS / "case.png"), full_page=True)
    with page.expect_download() as d:
        page.click("a.download")
    target = tmp_path / d.value.suggested_filename
    d.value.save_as(str(target))
    result = verify_package(target, expected_manifest_sha256=manifest)
    assert result.ok, result.problems
    assert result.checked >= 3

    page.goto(f"{base}/dashboard")
    assert page.locator("svg.chart").count() >= 1
    assert "1" in page.inner_text(".tiles")
    page.screenshot(path=str(SHOTS / "dashboard.png"), full_page=True)

    # self-check (htmx swaps the result in) and the audit trail
    page.goto(f"{base}/self-check")
    page.fill("#draft", "PNC check on the nominal shows a wanted marker, DOB 01/02/1985")
    page.click("#check")
    page.wait_for_selector("#check-result h2")
    assert "Do not send this" in page.inner_text("#check-result")
    page.screenshot(path=str(SHOTS / "self-check.png"), full_page=True)
    page.goto(f"{base}/audit")
    page.wait_for_selector("#chain.ok")
    page.screenshot(path=str(SHOTS / "audit.png"))
    page.goto(f"{base}/people")
    page.screenshot(path=str(SHOTS / "people.png"))

    # log out: the session is gone
    page.click("#logout")
    page.wait_for_url(f"{base}/login")
    page.goto(f"{base}/review")
    assert "/login?next=/review" in page.url
    assert not csp_errors, csp_errors
    ctx.close()
