"""Sign-in, sessions, CSRF, lockout, rate limiting, tokens, headers, error pages, upload caps."""

from __future__ import annotations

import re
from datetime import UTC

import pytest
from fastapi.testclient import TestClient
from web_support import PASSWORD, csrf_of, login, make_settings


def test_login_sets_a_hardened_session_cookie_and_logout_ends_it(web):
    c = TestClient(web.app)
    r = login(c, "reviewer", next_url="/review")
    assert r.status_code == 303 and r.headers["location"] == "/review"
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("cw_session="))
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    assert "Secure" not in cookie  # plain http on loopback
    assert c.get("/review").status_code == 200
    token = c.cookies.get("cw_session")
    r = c.post("/logout", data={"csrf_token": csrf_of(c)}, follow_redirects=False)
    assert r.status_code == 303
    c2 = TestClient(web.app)
    c2.cookies.set("cw_session", token)  # the old cookie is dead on the server too
    assert c2.get("/review", follow_redirects=False).status_code == 303
    assert c2.get("/api/me").status_code == 401


def test_secure_cookies_and_hsts_behind_tls(tmp_path, web):
    from chatwarden.web.app import create_app

    app = create_app(make_settings(tmp_path, secure_cookies=True), web.store, web.analyzer)
    c = TestClient(app, base_url="https://testserver")
    r = login(c, "reviewer")
    cookie = next(h for h in r.headers.get_list("set-cookie") if h.startswith("cw_session="))
    assert "Secure" in cookie
    assert r.headers["strict-transport-security"].startswith("max-age=")


def test_open_redirects_are_refused(web):
    for target in ("//evil.example/", "https://evil.example/", "/\\evil"):
        r = login(TestClient(web.app), "reviewer", next_url=target)
        assert r.headers["location"] == "/"


def test_wrong_password_gives_the_same_answer_as_an_unknown_user(web):
    c = TestClient(web.app)
    a = login(c, "reviewer", password="wrong password!")
    b = login(c, "nobody-here", password="wrong password!")
    assert a.status_code == b.status_code == 401
    strip = lambda t: re.sub(r'value="[^"]+"', "", t)
    assert strip(a.text) == strip(b.text)
    assert "Wrong username or password" in a.text


def test_lockout_after_repeated_failures(web):
    from chatwarden.web.accounts import create_user

    create_user(web.store, web.admin, username="lockme", display_name="Lock Me", password=PASSWORD, roles=["reviewer"])
    c = TestClient(web.app)
    for _ in range(web.settings.login_max_failures):
        assert login(c, "lockme", password="not the password").status_code == 401
    # locked: even the right password is refused now
    assert login(c, "lockme").status_code == 401
    from chatwarden.audit_view import list_entries

    reasons = [
        e["after"]["reason"]
        for e in list_entries(web.store, web.admin, action="login.failed", limit=20)
        if e["actor_id"] == "user:lockme"
    ]
    assert "locked-now" in reasons and reasons[0] == "locked"
    # an administrator lifts it
    from chatwarden.web.accounts import set_active

    set_active(web.store, web.admin, "lockme", True)
    assert login(c, "lockme").status_code == 303


def test_disabled_accounts_cannot_sign_in(web):
    from chatwarden.web.accounts import create_user, set_active

    create_user(web.store, web.admin, username="gone", display_name="Gone", password=PASSWORD, roles=["reviewer"])
    set_active(web.store, web.admin, "gone", False)
    assert login(TestClient(web.app), "gone").status_code == 401


def test_login_rate_limit_per_address(tmp_path, web):
    from chatwarden.web.app import create_app

    app = create_app(make_settings(tmp_path), web.store, web.analyzer, login_rate=(3, 60.0))
    c = TestClient(app)
    codes = [login(c, "reviewer", password="bad password!").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    assert login(c, "reviewer").status_code == 429  # even the right password, until the window passes


def test_login_form_needs_its_csrf_token(web):
    c = TestClient(web.app)
    r = c.post("/login", data={"username": "reviewer", "password": PASSWORD, "csrf_token": "forged"})
    assert r.status_code == 403


def test_forms_and_htmx_need_the_session_csrf_token(web, clients):
    c = clients["supervisor"]
    fid = web.ids["finding"]
    assert c.post(f"/findings/{fid}/unmask", data={"reason": "x"}).status_code == 403
    assert c.post(f"/findings/{fid}/unmask", data={"reason": "x", "csrf_token": "wrong"}).status_code == 403
    assert c.post("/api/cases", json={"kind": "supervisor-advice", "title": "t"}).status_code == 403
    ok = c.post(
        f"/findings/{fid}/unmask",
        data={"reason": "csrf test"},
        headers={"X-CSRF-Token": c.csrf},
        follow_redirects=False,
    )
    assert ok.status_code == 303


def test_bearer_tokens_need_no_csrf_and_are_stored_hashed(web, api_token):
    from sqlalchemy import select

    from chatwarden.store.tables import api_tokens

    c = TestClient(web.app)
    h = {"Authorization": f"Bearer {api_token}"}
    assert c.get("/api/me", headers=h).json()["roles"] == ["administrator"]
    assert c.post("/api/check", json={"texts": ["see you at 10"]}, headers=h).status_code == 200
    assert c.get("/api/me", headers={"Authorization": "Bearer cwt_not-a-token"}).status_code == 401
    with web.store.read() as conn:
        stored = conn.execute(select(api_tokens.c.token_hash)).scalars().all()
    assert api_token not in stored and all(len(s) == 64 for s in stored)


def test_passwords_are_argon2id_hashes(web):
    from sqlalchemy import select

    from chatwarden.store.tables import users

    with web.store.read() as conn:
        hashes = conn.execute(select(users.c.password_hash)).scalars().all()
    assert hashes and all(h.startswith("$argon2id$") for h in hashes)


def test_security_headers_on_pages_api_static_and_errors(web, clients):
    c = clients["reviewer"]
    for r in (
        c.get("/review"),
        c.get("/api/me"),
        c.get("/static/app.js"),
        c.get("/no/such/page"),
        TestClient(web.app).get("/login"),
    ):
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp and "frame-ancestors 'none'" in csp
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert "server" not in r.headers


def test_pages_carry_no_inline_script_or_style(web, clients):
    c = clients["administrator"]
    for path in (
        "/dashboard",
        "/review",
        f"/findings/{web.ids['finding']}",
        f"/cases/{web.ids['case']}",
        "/self-check",
        "/audit",
        "/chats",
        "/people",
        "/upload",
        "/admin/users",
        "/login",
    ):
        html = c.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert "style=" not in html and "<style" not in html, path
        assert re.search(r" on[a-z]+=", html) is None, path


def test_htmx_is_vendored_and_served_locally(web):
    c = TestClient(web.app)
    r = c.get("/static/htmx.min.js")
    assert r.status_code == 200 and "htmx" in r.text[:2000]
    assert c.get("/static/htmx.LICENSE.txt").status_code == 200


def test_errors_show_an_id_and_no_internals(web, clients, monkeypatch):
    from chatwarden.web.routes import dashboard

    def boom(*a, **k):
        raise RuntimeError("SECRET message text from a chat")

    monkeypatch.setattr(dashboard, "dashboard_data", boom)
    r = clients["reviewer"].get("/dashboard")
    assert r.status_code == 500
    assert "SECRET" not in r.text and "Traceback" not in r.text and "RuntimeError" not in r.text
    assert re.search(r"Error id <code>[0-9a-f]{16}</code>", r.text)
    assert r.headers["x-request-id"] in r.text
    monkeypatch.setattr("chatwarden.web.routes.api.dashboard_data", boom)
    r = clients["reviewer"].get("/api/dashboard")
    assert r.status_code == 500 and set(r.json()) == {"error", "status", "error_id"}


def test_validation_errors_do_not_echo_input(web, api_token):
    c = TestClient(web.app)
    r = c.post("/api/check", json={"texts": "Sgt PRICE secret"}, headers={"Authorization": f"Bearer {api_token}"})
    assert r.status_code == 422 and "PRICE" not in r.text and r.json()["fields"] == ["body.texts"]


def test_unknown_and_debug_paths_are_404(web, clients):
    for p in ("/docs", "/redoc", "/debug", "/__debug__", "/metrics", "/static/../chatwarden/web/app.py"):
        assert clients["administrator"].get(p).status_code == 404, p


def test_health_endpoints_reveal_nothing(web):
    c = TestClient(web.app)
    assert c.get("/healthz").json() == {"status": "ok"}
    assert c.get("/readyz").json() == {"status": "ok"}


def test_upload_size_cap_and_type_check(tmp_path, web):
    from chatwarden.web.app import create_app

    app = create_app(make_settings(tmp_path, max_upload_bytes=2000), web.store, web.analyzer)
    c = TestClient(app)
    login(c, "reviewer")
    csrf = csrf_of(c)
    big = b"x" * 1_100_000 + b"\n"
    r = c.post("/upload", files={"export": ("WhatsApp Chat with X.txt", big)}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 413
    r = c.post("/upload", files={"export": ("WhatsApp Chat with X.txt", b"y" * 3000)}, headers={"X-CSRF-Token": csrf})
    assert r.status_code in (400, 413)
    r = c.post("/upload", files={"export": ("evil.exe", b"MZ")}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 400 and "only WhatsApp exports" in r.text
    # the rest of the app caps bodies at 1 MiB
    r = c.post("/self-check", data={"draft": "z" * (1 << 21)}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 413


@pytest.mark.parametrize(
    "name,expected",
    [
        ("WhatsApp Chat with Team.txt", "WhatsApp Chat with Team.txt"),
        ("../../etc/WhatsApp Chat - A.zip", "WhatsApp Chat - A.zip"),
        ("C:\\Users\\x\\WhatsApp Chat with B.txt", "WhatsApp Chat with B.txt"),
        ("a\x00b.txt", "a_b.txt"),
    ],
)
def test_safe_upload_names(name, expected):
    from chatwarden.web.routes.imports import safe_upload_name

    assert safe_upload_name(name) == expected


@pytest.mark.parametrize("name", ["", "chat.exe", "x.txt.sh", ".."])
def test_unsafe_upload_names_are_refused(name):
    from chatwarden.errors import InputError
    from chatwarden.web.routes.imports import safe_upload_name

    with pytest.raises(InputError):
        safe_upload_name(name)


def test_app_factory_reads_no_environment(monkeypatch, tmp_path, web):
    """create_app uses only the settings it is given."""
    from chatwarden.web.app import create_app

    monkeypatch.setenv("CHATWARDEN_PORT", "1")
    monkeypatch.setenv("CHATWARDEN_SECURE_COOKIES", "true")
    settings = make_settings(tmp_path)
    app = create_app(settings, web.store, web.analyzer)
    assert app.state.settings is settings and settings.secure_cookies is False


def test_login_limiter_forgets_after_its_window():
    from chatwarden.web.security import LoginLimiter, TooManyAttempts

    now = [0.0]
    limiter = LoginLimiter(2, 60.0, clock=lambda: now[0])
    limiter.hit("10.0.0.1")
    limiter.hit("10.0.0.1")
    with pytest.raises(TooManyAttempts):
        limiter.hit("10.0.0.1")
    limiter.hit("10.0.0.2")  # another address is not affected
    now[0] = 61.0
    limiter.hit("10.0.0.1")


def test_idle_and_expired_sessions_end(web):
    from datetime import datetime, timedelta

    from sqlalchemy import update

    from chatwarden.store.tables import web_sessions
    from chatwarden.web import accounts

    for column in ("last_seen_at", "expires_at"):
        s = accounts.sign_in(web.store, "reviewer", PASSWORD, max_failures=5, lockout_minutes=15)
        assert accounts.session_actor(web.store, s.token) is not None
        past = datetime.now(UTC) - accounts.SESSION_IDLE - timedelta(minutes=1)
        with web.store.transaction() as conn:
            conn.execute(
                update(web_sessions)
                .where(web_sessions.c.token_hash == accounts.digest(s.token))
                .values(**{column: past})
            )
        assert accounts.session_actor(web.store, s.token) is None
        c = TestClient(web.app)
        c.cookies.set("cw_session", s.token)
        assert c.get("/api/me").status_code == 401
