"""The WhatsApp Business Cloud API webhook inside the web app: mounted only when its verify
token and app secret are configured, declared as signature-authenticated (the one route that
has no session), and answering with single words."""

from __future__ import annotations

import hashlib
import hmac

from fastapi.testclient import TestClient
from web_support import make_settings

from chatwarden.web.security import declared

TOKEN, SECRET = "verify-me-please", "app-secret-for-tests"


def _app(tmp_path, **overrides):
    from chatwarden.store import Store
    from chatwarden.web.app import create_app

    settings = make_settings(tmp_path, **overrides)
    return create_app(settings, Store.open(settings))


def test_not_mounted_without_configuration(tmp_path):
    app = _app(tmp_path)
    assert not [r for r in app.routes if getattr(r, "path", "").startswith("/webhooks")]


def test_mounted_signed_and_checked(tmp_path):
    # an unreachable intake: the handshake still works; deliveries answer 503 so the platform retries
    app = _app(tmp_path, webhook_verify_token=TOKEN, webhook_app_secret=SECRET, redis_url="redis://127.0.0.1:1/0")
    routes = [r for r in app.routes if getattr(r, "path", "").startswith("/webhooks")]
    assert {m for r in routes for m in r.methods} == {"GET", "POST"}
    for r in routes:
        guards = declared(r)
        assert len(guards) == 1 and guards[0].signed and guards[0].is_public
    with TestClient(app) as client:
        ok = client.get("/webhooks/whatsapp", params={"hub.mode": "subscribe", "hub.verify_token": TOKEN,
                                                      "hub.challenge": "12345"})
        assert ok.status_code == 200 and ok.text == "12345"
        bad = client.get("/webhooks/whatsapp", params={"hub.mode": "subscribe", "hub.verify_token": "nope",
                                                       "hub.challenge": "12345"})
        assert bad.status_code == 403 and bad.text == "forbidden"
        body = b'{"object": "whatsapp_business_account", "entry": []}'
        unsigned = client.post("/webhooks/whatsapp", content=body, headers={"content-type": "application/json"})
        assert unsigned.status_code == 401 and unsigned.text == "unauthorized"
        sig = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        signed = client.post("/webhooks/whatsapp", content=body,
                             headers={"content-type": "application/json", "x-hub-signature-256": sig})
        assert signed.status_code in (200, 503)  # 503: the intake is down, the platform will retry
        # nothing else became public
        assert client.get("/dashboard", follow_redirects=False).status_code in (303, 401)
