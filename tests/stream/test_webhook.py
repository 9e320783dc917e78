"""The WhatsApp Business Cloud API webhook router on a minimal FastAPI app: handshake,
X-Hub-Signature-256 (good, missing, bad), payload mapping, idempotency on the platform's
retries (against a real Redis), and answers that reveal nothing."""

from __future__ import annotations

import base64
import hashlib

import orjson
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from chatwarden.config import load_settings
from chatwarden.stream.envelope import parse_envelope
from chatwarden.stream.intake import Intake, IntakeStats
from chatwarden.stream.webhook import PATH, map_payload, sign, webhook_router

SECRET = "app-secret-for-tests"
TOKEN = "verify-token-for-tests"


class ListIntake(Intake):
    """Collects what the router hands over (mapping tests); ``fail`` makes it unreachable."""

    consumer = "test"

    def __init__(self) -> None:
        self.pushed: list[tuple[bytes, str | None, str | None]] = []
        self.rejected: list[tuple[bytes, str, str]] = []
        self.fail = False

    def push(self, data, *, key=None, dedup_key=None):
        if self.fail:
            raise ConnectionError("down")
        self.pushed.append((data, key, dedup_key))
        return True

    def ensure_group(self): ...
    def read(self, count, block_ms): return []
    def claim_stale(self, min_idle_ms, count): return []
    def ack(self, deliveries): ...
    def dead_letter(self, delivery, reason): ...

    def reject(self, data, reason, origin):
        self.rejected.append((data, reason, origin))

    def stats(self): return IntakeStats(0, 0, 0, 0, 0)
    def ping(self): return True


def payload(*messages: dict, statuses: list | None = None, contacts: list | None = None) -> dict:
    return {"object": "whatsapp_business_account", "entry": [{"id": "WABA-1", "changes": [{"field": "messages", "value": {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "442079460000", "phone_number_id": "106540352242922"},
        "contacts": contacts if contacts is not None else [{"profile": {"name": "Jo Public"}, "wa_id": "447700900123"}],
        "messages": list(messages), **({"statuses": statuses} if statuses else {})}}]}]}


TEXT = {"from": "447700900123", "id": "wamid.TEXT1", "timestamp": "1777624200", "type": "text",
        "text": {"body": "His DOB is 12/03/1988"}}


def client_for(intake: Intake, **settings) -> TestClient:
    s = load_settings(env={}, webhook_verify_token=TOKEN, webhook_app_secret=SECRET, **settings)
    app = FastAPI()
    app.include_router(webhook_router(s, intake))
    return TestClient(app)


def post(client: TestClient, body: bytes, signature: str | None):
    headers = {"Content-Type": "application/json"}
    if signature is not None:
        headers["X-Hub-Signature-256"] = signature
    return client.post(PATH, content=body, headers=headers)


# ---------------------------------------------------------------------------- handshake
@pytest.mark.parametrize("params,status,body", [
    ({"hub.mode": "subscribe", "hub.verify_token": TOKEN, "hub.challenge": "1158201444"}, 200, "1158201444"),
    ({"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1158201444"}, 403, "forbidden"),
    ({"hub.mode": "unsubscribe", "hub.verify_token": TOKEN, "hub.challenge": "1"}, 403, "forbidden"),
    ({"hub.mode": "subscribe", "hub.challenge": "1"}, 403, "forbidden"),
    ({"hub.mode": "subscribe", "hub.verify_token": TOKEN}, 403, "forbidden"),
    ({"hub.mode": "subscribe", "hub.verify_token": TOKEN, "hub.challenge": "<script>x</script>"}, 403, "forbidden"),
])
def test_verification_handshake(params, status, body):
    r = client_for(ListIntake()).get(PATH, params=params)
    assert r.status_code == status and r.text == body
    assert r.headers["content-type"].startswith("text/plain")


def test_handshake_refused_without_a_configured_token():
    s = load_settings(env={}, webhook_app_secret=SECRET)
    app = FastAPI()
    app.include_router(webhook_router(s, ListIntake()))
    r = TestClient(app).get(PATH, params={"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"})
    assert r.status_code == 403


# ---------------------------------------------------------------------------- signatures
def test_signature_good_missing_bad():
    intake = ListIntake()
    c = client_for(intake)
    body = orjson.dumps(payload(TEXT))
    assert post(c, body, None).status_code == 401
    assert post(c, body, "sha256=" + "0" * 64).status_code == 401
    assert post(c, body, sign("another-secret", body)).status_code == 401
    assert post(c, body, sign(SECRET, body).replace("sha256=", "sha1=")).status_code == 401
    assert post(c, body + b" ", sign(SECRET, body)).status_code == 401  # body altered after signing
    assert intake.pushed == [] and intake.rejected == []
    r = post(c, body, sign(SECRET, body))
    assert r.status_code == 200 and r.text == "ok"
    assert len(intake.pushed) == 1


def test_unconfigured_secret_refuses_everything():
    s = load_settings(env={}, webhook_verify_token=TOKEN)
    app = FastAPI()
    intake = ListIntake()
    app.include_router(webhook_router(s, intake))
    body = orjson.dumps(payload(TEXT))
    assert post(TestClient(app), body, sign("", body)).status_code == 503
    assert intake.pushed == []


def test_answers_reveal_nothing_and_oversized_bodies_are_refused():
    intake = ListIntake()
    c = client_for(intake)
    body = orjson.dumps(payload(TEXT))
    r = post(c, body, "sha256=bad")
    assert r.text == "unauthorized" and "DOB" not in r.text
    big = b"{" + b" " * (1 << 20) + b"}"
    assert post(c, big, sign(SECRET, big)).status_code == 413
    intake.fail = True
    r = post(c, body, sign(SECRET, body))
    assert r.status_code == 503 and r.text == "unavailable"  # the platform retries


# ---------------------------------------------------------------------------- mapping
def test_payload_mapping():
    img_hash = hashlib.sha256(b"jpeg bytes").digest()
    msgs = [
        TEXT,
        {"from": "447700900123", "id": "wamid.IMG1", "timestamp": "1777624260", "type": "image",
         "image": {"id": "MEDIA-9", "mime_type": "image/jpeg", "sha256": base64.b64encode(img_hash).decode(),
                   "caption": "the CCTV"}},
        {"from": "447700900123", "id": "wamid.LOC1", "timestamp": "1777624270", "type": "location",
         "location": {"latitude": 51.5, "longitude": -0.12}},
        {"from": "447700900123", "id": "wamid.SYS1", "timestamp": "1777624280", "type": "system",
         "system": {"type": "user_changed_number", "body": "User changed number"}},
        {"from": "447700900123", "id": "wamid.R1", "timestamp": "1777624290", "type": "reaction",
         "reaction": {"message_id": "wamid.TEXT1", "emoji": "x"}},
        {"from": "447700900123", "id": "wamid.U1", "timestamp": "1777624300", "type": "unsupported"},
    ]
    envs, problems, ignored = map_payload(payload(*msgs, statuses=[{"id": "wamid.OUT", "status": "read"}]))
    assert problems == [] and ignored == 2  # a reaction and a delivery status
    parsed = [parse_envelope(e) for e in envs]
    text, img, loc, sysm, unsupported = parsed
    assert text.source == "whatsapp-cloud-api" and text.account == "106540352242922"
    assert text.chat_id == "447700900123" and text.is_group is False and text.chat_name == "Jo Public"
    assert text.sender_name == "Jo Public" and text.sender_phone == "+447700900123"
    assert text.message_id == "wamid.TEXT1" and text.text == "His DOB is 12/03/1988"
    assert text.timestamp.isoformat() == "2026-05-01T08:30:00+00:00" and text.received_at is not None
    assert img.kind == "attachment" and img.text == "the CCTV"
    assert img.attachments[0].sha256 == img_hash.hex() and img.attachments[0].ref == "graph-media:MEDIA-9"
    assert img.attachments[0].media_type == "image" and img.attachments[0].mime_type == "image/jpeg"
    assert loc.kind == "location" and "51.5,-0.12" in loc.text
    assert sysm.kind == "system:number_changed" and sysm.sender is None
    assert unsupported.kind == "media_omitted"


def test_unmappable_signed_changes_are_dead_lettered_with_a_reason():
    intake = ListIntake()
    c = client_for(intake)
    bad = payload({"from": "447700900123", "id": "wamid.X", "timestamp": "not-a-time", "type": "text",
                   "text": {"body": "x"}}, TEXT)
    body = orjson.dumps(bad)
    assert post(c, body, sign(SECRET, body)).status_code == 200  # no pointless 24 h of retries
    assert len(intake.pushed) == 1 and len(intake.rejected) == 1
    _data, reason, origin = intake.rejected[0]
    assert origin == "webhook" and "timestamp: required" in reason
    other = orjson.dumps({"object": "page", "entry": []})
    assert post(c, other, sign(SECRET, other)).status_code == 200
    assert "object is not whatsapp_business_account" in intake.rejected[-1][1]


# ---------------------------------------------------------------------------- idempotency (Redis)
def test_platform_retries_add_nothing(redis_url):
    import redis

    from chatwarden.stream.redis_intake import RedisIntake

    s = load_settings(env={}, redis_url=redis_url, webhook_verify_token=TOKEN, webhook_app_secret=SECRET)
    intake = RedisIntake.from_settings(s, "webhook")
    app = FastAPI()
    app.include_router(webhook_router(s, intake))
    c = TestClient(app)
    body = orjson.dumps(payload(TEXT, {**TEXT, "id": "wamid.TEXT2", "text": {"body": "second"}}))
    for _ in range(3):  # the first delivery and two retries (e.g. our 200 was lost)
        assert post(c, body, sign(SECRET, body)).status_code == 200
    r = redis.Redis.from_url(redis_url)
    assert r.xlen(s.stream_name) == 2
    entries = [parse_envelope(f[b"d"]) for _id, f in r.xrange(s.stream_name)]
    assert sorted(e.message_id for e in entries) == ["wamid.TEXT1", "wamid.TEXT2"]
    ttl = r.ttl(f"{s.stream_name}:seen:{entries[0].identity}")
    assert 0 < ttl <= s.webhook_dedup_hours * 3600
