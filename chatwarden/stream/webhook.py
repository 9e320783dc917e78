"""WhatsApp Business Cloud API webhook receiver (corporate business numbers only: the API
cannot see officers' ordinary WhatsApp chats).

``webhook_router(settings, intake)`` returns a FastAPI router with one path,
``/webhooks/whatsapp``:

* ``GET``: the verification handshake.  With ``hub.mode=subscribe`` and a
  ``hub.verify_token`` equal to the ``webhook_verify_token`` setting, the
  ``hub.challenge`` is echoed as plain text; anything else is ``403``.
* ``POST``: a notification.  The raw body must carry ``X-Hub-Signature-256:
  sha256=<hex>``, the HMAC-SHA256 of the body under the ``webhook_app_secret`` setting,
  compared in constant time; unsigned or badly signed bodies are ``401`` and nothing is
  read from them.  Each message in ``entry[].changes[].value.messages[]`` becomes an
  envelope (:func:`map_payload`) pushed to the intake with its identity as the dedup key,
  so the platform's retries (for about 24 hours after a non-200 answer) add nothing.
  Delivery statuses are ignored.  A signed change that cannot be mapped is recorded in the
  dead-letter stream with the reason.  ``200`` once everything is in the intake; ``503``
  when the intake cannot be reached (the platform then retries).

Responses carry no detail: ``ok``, ``forbidden``, ``unauthorized``; errors are logged
without message content.  The route is authenticated by signature, not by a session, so
it must be mounted outside the web app's session and CSRF checks.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import logging
from datetime import UTC, datetime
from typing import Any

import orjson
from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from chatwarden.config import Settings
from chatwarden.stream.envelope import VERSION, EnvelopeError, parse_envelope
from chatwarden.stream.intake import Intake

log = logging.getLogger("chatwarden.webhook")

PATH = "/webhooks/whatsapp"
SOURCE = "whatsapp-cloud-api"
MAX_BODY = 1 << 20  # Meta's notifications are a few KB
MEDIA_KINDS = {"image": "image", "video": "video", "audio": "audio", "document": "document", "sticker": "sticker"}


def verify_signature(secret: str, body: bytes, header: str | None) -> bool:
    """``X-Hub-Signature-256: sha256=<hex>`` over the raw body, constant-time."""
    if not secret or not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header[len("sha256="):].strip().lower())


def sign(secret: str, body: bytes) -> str:
    """The header value the platform would send (for tests and connector authors)."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _hex_sha256(value: Any) -> str | None:
    """The platform gives media hashes as hex or base64; normalise to lower-case hex."""
    if not isinstance(value, str):
        return None
    v = value.strip()
    if len(v) == 64 and all(c in "0123456789abcdefABCDEF" for c in v):
        return v.lower()
    try:
        raw = base64.b64decode(v + "=" * (-len(v) % 4), validate=False)
    except (binascii.Error, ValueError):
        return None
    return raw.hex() if len(raw) == 32 else None


def _timestamp(value: Any) -> str | None:
    try:
        secs = int(value)
    except (TypeError, ValueError):
        return None
    return datetime.fromtimestamp(secs, UTC).isoformat().replace("+00:00", "Z")


def map_message(msg: dict, account: str, contacts: dict[str, str], received: str) -> dict:
    """One Cloud API message object -> an envelope dict (validated by the caller)."""
    sender_id = msg.get("from")
    name = contacts.get(sender_id) if isinstance(sender_id, str) else None
    phone = f"+{sender_id}" if isinstance(sender_id, str) and sender_id.isdigit() else None
    mtype = msg.get("type")
    kind, text, atts, event = "message", "", [], None
    if mtype == "text":
        text = (msg.get("text") or {}).get("body", "")
    elif mtype in MEDIA_KINDS:
        media = msg.get(mtype) or {}
        kind = "attachment"
        text = media.get("caption") or ""
        atts.append({
            "sha256": _hex_sha256(media.get("sha256")), "media_type": "voice" if media.get("voice") else
            MEDIA_KINDS[mtype], "size": None, "ref": f"graph-media:{media.get('id', '')}",
            "name": media.get("filename"), "mime_type": (media.get("mime_type") or "").split(";")[0].strip() or None,
        })
    elif mtype == "location":
        loc = msg.get("location") or {}
        kind = "location"
        text = f"location: https://maps.google.com/?q={loc.get('latitude')},{loc.get('longitude')}"
        extra = " ".join(str(loc[k]) for k in ("name", "address") if loc.get(k))
        if extra:
            text += f" {extra}"
    elif mtype == "contacts":
        kind = "contact"
        names = [((c.get("name") or {}).get("formatted_name") or "") for c in msg.get("contacts") or []]
        text = ", ".join(n for n in names if n)
    elif mtype == "button":
        text = (msg.get("button") or {}).get("text", "")
    elif mtype == "interactive":
        inter = msg.get("interactive") or {}
        reply = inter.get("button_reply") or inter.get("list_reply") or {}
        text = reply.get("title", "")
    elif mtype == "system":
        sysm = msg.get("system") or {}
        kind = "system:number_changed" if sysm.get("type") in ("user_changed_number", "customer_changed_number") \
            else "system:unknown"
        text = sysm.get("body", "")
        event = {"actor": name or phone, "subject": None, "value": None, "timer_days": None}
    else:  # unsupported, unknown, ...
        kind = "media_omitted"
    env = {
        "version": VERSION, "source": SOURCE, "account": account, "device": None,
        "chat": {"id": sender_id, "name": name, "is_group": False},
        "message_id": msg.get("id"), "timestamp": _timestamp(msg.get("timestamp")),
        "sender": None if kind.startswith("system:") else {"id": sender_id, "name": name, "phone": phone},
        "kind": kind, "text": text if isinstance(text, str) else "", "attachments": atts, "event": event,
        "edited": False, "received_at": received,
    }
    return env


def map_payload(payload: Any) -> tuple[list[dict], list[str], int]:
    """(envelope dicts, reasons for changes that could not be mapped, ignored count)."""
    envelopes: list[dict] = []
    problems: list[str] = []
    ignored = 0
    received = datetime.now(UTC).isoformat().replace("+00:00", "Z")
    if not isinstance(payload, dict) or payload.get("object") != "whatsapp_business_account":
        return [], ["payload: object is not whatsapp_business_account"], 0
    for e_i, entry in enumerate(payload.get("entry") or []):
        if not isinstance(entry, dict):
            problems.append(f"entry[{e_i}]: not an object")
            continue
        for c_i, change in enumerate(entry.get("changes") or []):
            where = f"entry[{e_i}].changes[{c_i}]"
            if not isinstance(change, dict) or change.get("field") != "messages":
                ignored += 1
                continue
            value = change.get("value")
            if not isinstance(value, dict):
                problems.append(f"{where}.value: not an object")
                continue
            meta = value.get("metadata") or {}
            account = meta.get("phone_number_id") if isinstance(meta, dict) else None
            if not isinstance(account, str) or not account:
                problems.append(f"{where}.value.metadata.phone_number_id: missing")
                continue
            contacts = {}
            for c in value.get("contacts") or []:
                if isinstance(c, dict) and isinstance(c.get("wa_id"), str):
                    contacts[c["wa_id"]] = (c.get("profile") or {}).get("name")
            ignored += len(value.get("statuses") or [])
            for m_i, msg in enumerate(value.get("messages") or []):
                if not isinstance(msg, dict):
                    problems.append(f"{where}.value.messages[{m_i}]: not an object")
                    continue
                if msg.get("type") == "reaction":
                    ignored += 1
                    continue
                envelopes.append(map_message(msg, account, contacts, received))
    return envelopes, problems, ignored


def webhook_router(settings: Settings, intake: Intake) -> APIRouter:
    """The webhook routes, bound to ``settings`` and ``intake`` (see the module docstring)."""
    router = APIRouter()
    verify_token = settings.webhook_verify_token
    secret = settings.webhook_app_secret

    @router.get(PATH, include_in_schema=False)
    def verify(request: Request) -> Response:
        q = request.query_params
        mode, token, challenge = q.get("hub.mode"), q.get("hub.verify_token"), q.get("hub.challenge")
        ok = (verify_token and mode == "subscribe" and token is not None and challenge is not None
              and hmac.compare_digest(token.encode(), verify_token.encode())
              and 0 < len(challenge) <= 256 and challenge.isascii() and challenge.isalnum())
        if not ok:
            return PlainTextResponse("forbidden", status_code=403)
        return PlainTextResponse(challenge)

    @router.post(PATH, include_in_schema=False)
    async def receive(request: Request) -> Response:
        if not secret:
            return PlainTextResponse("unavailable", status_code=503)
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > MAX_BODY):
            return PlainTextResponse("too large", status_code=413)
        body = b""
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_BODY:
                return PlainTextResponse("too large", status_code=413)
        if not verify_signature(secret, body, request.headers.get("x-hub-signature-256")):
            return PlainTextResponse("unauthorized", status_code=401)
        try:
            payload = orjson.loads(body)
        except orjson.JSONDecodeError:
            payload = None
        envelopes, problems, _ignored = map_payload(payload)
        items = []
        for i, env in enumerate(envelopes):
            try:
                parsed = parse_envelope(env)
            except EnvelopeError as exc:
                problems.append(f"message {i}: " + "; ".join(exc.reasons))
                continue
            items.append((parsed.to_json(), parsed.chat_key, parsed.identity))
        def hand_over() -> None:
            if items:
                intake.push_many(items)
            if problems:
                intake.reject(body, "; ".join(problems)[:2000], "webhook")

        try:
            await run_in_threadpool(hand_over)
        except Exception as exc:  # noqa: BLE001 - the platform retries on non-200
            log.warning("webhook: intake unavailable (%s)", type(exc).__name__)
            return PlainTextResponse("unavailable", status_code=503)
        return PlainTextResponse("ok")

    return router
