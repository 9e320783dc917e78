"""In a real browser (Playwright driving Debian's Chromium against uvicorn on 127.0.0.1): the
incidents page with its clocks, marking an overdue incident reported, and the FOI redaction
review: upload, accept and override proposals in place (htmx), release, and a released PDF
without the redacted strings.  With CHATWARDEN_SCREENSHOTS=1 the register and FOI pages'
screenshots refresh docs/screenshots/."""

from __future__ import annotations

import io
import os
import re
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest
from web_support import EXAMPLES, FOI_EXAMPLES, PASSWORD, TEAM_B, add_users, make_settings

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
DOC_SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


@pytest.fixture(scope="module")
def server(tmp_path_factory, analyzer):
    if not Path(CHROMIUM).exists() or shutil.which("chromium") is None:
        pytest.skip("Debian's chromium is not installed (./dev test installs it)")
    import uvicorn

    from chatwarden.importer import import_export
    from chatwarden.model import Actor
    from chatwarden.registers import apps, devices, groups, incidents, misconduct
    from chatwarden.store import Store
    from chatwarden.web.accounts import create_user
    from chatwarden.web.app import create_app

    tmp = tmp_path_factory.mktemp("browser-registers")
    settings = make_settings(tmp)
    store = Store.open(settings)
    admin = Actor("cli:setup", "Setup ADMIN", ("administrator",))
    add_users(store, admin)
    create_user(
        store,
        admin,
        username="jo.mensah",
        display_name="Jo MENSAH, IAU Data Office",
        password=PASSWORD,
        roles=["data-office", "foi-officer"],
    )
    import_export(store, analyzer, TEAM_B, actor=admin, device="MPS-AS-0109")
    reg = EXAMPLES / "registers"
    apps.import_csv(store, admin, reg / "apps.csv", "apps.csv")
    devices.import_csv(store, admin, reg / "devices.csv", "devices.csv")
    groups.import_csv(store, admin, reg / "groups.csv", "groups.csv")
    groups.import_members_csv(store, admin, reg / "group_members.csv", "group_members.csv")
    incidents.import_csv(store, admin, reg / "incidents.csv", "incidents.csv")
    misconduct.import_csv(store, admin, reg / "misconduct.csv", "misconduct.csv")
    app = create_app(settings, store, analyzer)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
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


def test_incidents_and_the_redaction_review_in_a_browser(server, tmp_path):
    from playwright.sync_api import expect, sync_playwright
    from pypdf import PdfReader

    from chatwarden.foi import service
    from chatwarden.registers import groups

    base, store = server
    shots = DOC_SHOTS if os.environ.get("CHATWARDEN_SCREENSHOTS") == "1" else tmp_path / "shots"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        ctx = browser.new_context(viewport={"width": 1360, "height": 900}, accept_downloads=True)
        page = ctx.new_page()
        csp: list[str] = []
        page.on("console", lambda m: csp.append(m.text) if "Content Security Policy" in m.text else None)
        page.goto(f"{base}/login?next=/incidents")
        page.fill("#username", "jo.mensah")
        page.fill("#password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{base}/incidents")

        # the incidents: both clocks in London time, the overdue one flagged
        assert page.locator("#incidents-table tbody tr").count() == 6
        assert page.locator("#incidents-table tr.row-overdue").count() >= 1
        assert re.search(r"due \w{3} \d\d/\d\d/\d{4} \d\d:\d\d (GMT|BST)", page.inner_text("#incidents-table"))
        page.screenshot(path=str(shots / "incidents.png"), full_page=True)
        page.click("#incidents-table tr.row-overdue a")
        page.wait_for_url(re.compile(r".*/incidents/\d+$"))
        page.click("#mark-reported")
        page.wait_for_url(re.compile(r".*/incidents/\d+\?saved=1$"))
        expect(page.locator("#incident-status")).to_have_text("reported")
        page.screenshot(path=str(shots / "incident.png"), full_page=True)

        # the register pages (screenshots)
        page.goto(f"{base}/registers/devices/audit")
        assert page.locator("#by-device .device.gaps").count() >= 5
        page.screenshot(path=str(shots / "device-audit.png"))
        gid = next(g["id"] for g in groups.list_groups(store, service_actor()) if g["name"] == "Response Team B")
        page.goto(f"{base}/registers/groups/{gid}")
        assert page.locator("#reconcile li.rfinding").count() >= 3
        page.screenshot(path=str(shots / "group.png"))
        page.goto(f"{base}/misconduct")
        page.screenshot(path=str(shots / "misconduct.png"))

        # FOI statistics: small numbers withheld
        page.goto(f"{base}/foi/statistics")
        page.fill("#stats-since", "2017-01-01")
        page.fill("#stats-until", "2025-12-31")
        page.click("#stats-run")
        page.wait_for_selector("#stats-result")
        assert page.locator("td.withheld").count() > 0
        page.screenshot(path=str(shots / "foi-statistics.png"))

        # the redaction review: upload, decide in place, release
        page.goto(f"{base}/foi/redactions")
        page.set_input_files("#redact-document", str(FOI_EXAMPLES / "guidance_memo.md"))
        page.set_input_files("#redact-directory", str(FOI_EXAMPLES / "staff_directory.csv"))
        page.click("#redact-submit")
        page.wait_for_url(re.compile(r".*/foi/redactions/[0-9a-f]+$"))
        job_id = page.url.rsplit("/", 1)[1]
        proposals = page.locator(".proposal").count()
        assert proposals >= 10
        expect(page.locator("#release")).to_be_disabled()
        ids = page.eval_on_selector_all(".proposal", "els => els.map(e => e.dataset.rid)")
        email = page.locator(".proposal", has_text="mobile.support@met.police.uk").first.get_attribute("data-rid")
        for n, rid in enumerate(ids):
            page.click(f"#{'override' if rid == email else 'accept'}-{rid}")
            expect(page.locator(f"#status-{rid}")).to_have_text("overridden" if rid == email else "accepted")
            if n == 3:  # some decided, some not: what a reviewer sees
                expect(page.locator("#release")).to_be_disabled()
                page.evaluate("window.scrollTo(0, 0)")
                page.screenshot(path=str(shots / "foi-redaction.png"))
        expect(page.locator(f"#ctx-{ids[0]}")).to_have_class(re.compile("st-accepted"))
        expect(page.locator("#release")).to_be_enabled()
        page.click("#release")
        page.wait_for_selector("#released")
        with page.expect_download() as d:
            page.click("#file-release-pdf")
        target = tmp_path / d.value.suggested_filename
        d.value.save_as(str(target))
        assert target.name == "release.pdf"
        text = " ".join((pg.extract_text() or "") for pg in PdfReader(io.BytesIO(target.read_bytes())).pages)
        job = service.get_redaction_job(store, service_actor(), job_id)
        norm = " ".join(text.split()).lower()
        for r in job.redactions:
            if r.status == "accepted":
                assert " ".join(r.text.split()).lower() not in norm, r.id
        assert "[REDACTED s40(2)]" in text
        assert not csp, csp
        ctx.close()
        browser.close()


def service_actor():
    from chatwarden.model import Actor

    return Actor("cli:setup", "Setup ADMIN", ("administrator",))
