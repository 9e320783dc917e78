"""The envelope: strict validation with reasons that name the field (never the value),
the shipped JSON Schema agreeing with the validator, and the mapping to a Message."""

from __future__ import annotations

import copy
from datetime import UTC, datetime

import jsonschema
import orjson
import pytest
from stream_helpers import good_envelope

from chatwarden.stream.envelope import EnvelopeError, message_identity, parse_envelope, schema, validate

SECRET = "Sam Okafor QQ123456C"


def _without(key: str) -> dict:
    env = good_envelope()
    del env[key]
    return env


def _with(path: str, value) -> dict:
    env = good_envelope()
    target = env
    parts = path.split(".")
    for p in parts[:-1]:
        target = target[int(p)] if p.isdigit() else target[p]
    last = parts[-1]
    if isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = value
    return env


ATT = {"sha256": "a" * 64, "media_type": "image", "size": 1024, "ref": "gw:123", "name": "IMG-1.jpg",
       "mime_type": "image/jpeg"}

# (id, envelope, expected reason fragment or None when valid, whether the JSON Schema judges it too)
CASES = [
    ("good", good_envelope(), None, True),
    ("good-minimal", {k: v for k, v in good_envelope().items() if k in (
        "version", "source", "account", "chat", "message_id", "timestamp", "sender", "kind", "text")}, None, True),
    ("good-utc-z", _with("timestamp", "2026-05-01T08:30:00Z"), None, True),
    ("good-fraction", _with("timestamp", "2026-05-01T08:30:00.123456789+00:00"), None, True),
    ("good-attachment", _with("attachments", [ATT]), None, True),
    ("good-attachment-no-hash", _with("attachments", [{"media_type": "document", "ref": "graph-media:9"}]), None, True),
    ("good-system", {**good_envelope(), "kind": "system:disappearing_on", "sender": None,
                     "event": {"actor": "Sgt Dan PRICE", "subject": None, "value": None, "timer_days": 90}}, None, True),
    ("good-empty-text", _with("text", ""), None, True),
    ("good-sender-phone-only", _with("sender", {"phone": "+447700900123"}), None, True),
    ("good-received-at", {**good_envelope(), "received_at": "2026-05-01T08:30:01Z"}, None, True),
    ("not-object", [1, 2], "envelope: must be a JSON object", True),
    ("missing-source", _without("source"), "source: required", True),
    ("missing-chat", _without("chat"), "chat: required", True),
    ("missing-message-id", _without("message_id"), "message_id: required", True),
    ("missing-timestamp", _without("timestamp"), "timestamp: required", True),
    ("missing-text", _without("text"), "text: required", True),
    ("missing-kind", _without("kind"), "kind: required", True),
    ("wrong-version", _with("version", 2), "version: must be 1", True),
    ("bool-version", _with("version", True), "version: must be 1", True),
    ("unknown-field", {**good_envelope(), "extra": 1}, "extra: unknown field", True),
    ("bad-source", _with("source", "Archive Gateway"), "source: must match", True),
    ("empty-account", _with("account", ""), "account: must not be empty", True),
    ("long-message-id", _with("message_id", "x" * 257), "message_id: longer than 256", True),
    ("control-in-id", _with("message_id", "a\nb"), "message_id: contains control characters", True),
    ("chat-not-object", _with("chat", "chat-1"), "chat: must be an object", True),
    ("chat-id-missing", _with("chat", {"name": "x"}), "chat.id: required", True),
    ("chat-unknown-field", _with("chat", {"id": "c", "members": 3}), "chat.members: unknown field", True),
    ("chat-is-group-not-bool", _with("chat.is_group", "yes"), "chat.is_group: must be true, false or null", True),
    ("naive-timestamp", _with("timestamp", "2026-05-01T09:30:00"), "timestamp: no time zone", True),
    ("not-rfc3339", _with("timestamp", "01/05/2026 09:30"), "timestamp: not an RFC 3339 date-time", True),
    ("epoch-number", _with("timestamp", 1777624200), "timestamp: must be an RFC 3339 string", True),
    ("impossible-date", _with("timestamp", "2026-02-30T09:30:00Z"), "timestamp: not a real date or time", False),
    ("year-out-of-range", _with("timestamp", "1999-12-31T23:59:59Z"), "timestamp: year outside 2000-2100", False),
    ("offset-out-of-range", _with("timestamp", "2026-05-01T09:30:00+23:00"), "timestamp: time zone offset", False),
    ("unknown-kind", _with("kind", "sticker"), "kind: not a known message kind", True),
    ("text-not-string", _with("text", 5), "text: must be a string", True),
    ("text-too-long", _with("text", "a" * 65_537), "text: longer than 65536", True),
    ("sender-missing", _without("sender"), "sender: required for a message from a person", True),
    ("sender-empty", _with("sender", {"id": None, "name": None, "phone": None}), "sender: needs at least one of", True),
    ("sender-bad-phone", _with("sender.phone", "07700 900123"), "sender.phone: must be E.164", True),
    ("sender-unknown-field", _with("sender", {"name": "x", "email": "e"}), "sender.email: unknown field", True),
    ("system-with-sender", _with("kind", "system:participant_added"), "sender: must be null for a system event", True),
    ("event-on-message", _with("event", {"actor": "x"}), "event: only system events carry one", True),
    ("event-bad-timer", {**good_envelope(), "kind": "system:disappearing_on", "sender": None,
                         "event": {"timer_days": -1}}, "event.timer_days: must be a number of days", True),
    ("attachments-not-list", _with("attachments", {"a": 1}), "attachments: must be a list", True),
    ("attachment-bad-hash", _with("attachments", [{**ATT, "sha256": "ABC"}]),
     "attachments[0].sha256: not 64 lower-case hex characters", True),
    ("attachment-upper-hash", _with("attachments", [{**ATT, "sha256": "A" * 64}]),
     "attachments[0].sha256: not 64 lower-case hex characters", True),
    ("attachment-bad-type", _with("attachments", [{**ATT, "media_type": "photo"}]),
     "attachments[0].media_type: must be one of", True),
    ("attachment-negative-size", _with("attachments", [{**ATT, "size": -1}]), "attachments[0].size:", True),
    ("attachment-no-ref", _with("attachments", [{k: v for k, v in ATT.items() if k != "ref"}]),
     "attachments[0].ref: required", True),
    ("attachment-bad-mime", _with("attachments", [{**ATT, "mime_type": "jpeg"}]), "attachments[0].mime_type:", True),
    ("too-many-attachments", _with("attachments", [ATT] * 33), "attachments: more than 32", True),
    ("edited-not-bool", _with("edited", "no"), "edited: must be true or false", True),
]


@pytest.mark.parametrize("case_id,env,reason,schema_judges", CASES, ids=[c[0] for c in CASES])
def test_validation_table(case_id, env, reason, schema_judges):
    parsed, problems = validate(copy.deepcopy(env))
    if reason is None:
        assert problems == [] and parsed is not None
    else:
        assert parsed is None
        assert any(reason in p for p in problems), problems
    if schema_judges:
        errors = list(jsonschema.Draft202012Validator(schema()).iter_errors(env))
        assert (errors == []) == (reason is None), [e.message[:80] for e in errors]


def test_all_problems_reported_at_once():
    env = good_envelope()
    del env["source"]
    env["timestamp"] = "yesterday"
    env["chat"] = {"id": ""}
    _, problems = validate(env)
    fields = {p.split(":")[0] for p in problems}
    assert {"source", "timestamp", "chat.id"} <= fields


def test_reasons_never_quote_values():
    env = good_envelope(text=5, timestamp=SECRET, source=SECRET, chat={"id": SECRET, SECRET: 1},
                        sender={"name": SECRET, "phone": SECRET})
    with pytest.raises(EnvelopeError) as info:
        parse_envelope(orjson.dumps(env))
    message = str(info.value) + " ".join(info.value.reasons)
    assert "Okafor" not in message and "QQ123456C" not in message
    assert info.value.exit_code == 2


def test_bad_json_and_surrogates():
    with pytest.raises(EnvelopeError, match="not valid JSON"):
        parse_envelope(b"{not json")
    with pytest.raises(EnvelopeError, match="not valid JSON"):
        parse_envelope(b'{"text": "\\ud800"}')


def test_round_trip_and_message_mapping():
    env = parse_envelope(orjson.dumps(good_envelope(attachments=[ATT])))
    assert parse_envelope(env.to_json()) == env
    assert env.timestamp == datetime(2026, 5, 1, 8, 30, tzinfo=UTC)
    m = env.to_message(3, "Europe/London")
    assert m.index == 3 and m.timestamp == datetime(2026, 5, 1, 9, 30)  # BST wall-clock, like exports
    assert m.sender == "PC Sam OKAFOR" and m.sender_phone == "+447700900123"
    assert m.attachments[0].sha256 == "a" * 64 and m.attachments[0].media_type == "image"
    winter = parse_envelope(orjson.dumps(good_envelope(timestamp="2026-01-10T09:30:00Z")))
    assert winter.to_message(0).timestamp == datetime(2026, 1, 10, 9, 30)  # GMT
    system = parse_envelope(orjson.dumps({**good_envelope(), "kind": "system:disappearing_off", "sender": None,
                                          "event": {"actor": "Sgt Dan PRICE"}}))
    sm = system.to_message(0)
    assert sm.sender is None and sm.is_system and sm.event.actor == "Sgt Dan PRICE"


def test_identity_is_stable_and_distinct():
    a = parse_envelope(orjson.dumps(good_envelope()))
    b = parse_envelope(orjson.dumps(good_envelope(text="edited text", timestamp="2026-05-01T10:00:00Z")))
    c = parse_envelope(orjson.dumps(good_envelope(message_id="m-2")))
    assert a.identity == b.identity != c.identity  # same platform id = same message, whatever else changed
    assert len(a.identity) == 40 and a.identity == message_identity("archive-gateway", "acct-001", "m-1")
    other_account = parse_envelope(orjson.dumps(good_envelope(account="acct-002")))
    assert other_account.identity != a.identity and other_account.chat_key != a.chat_key


# ------------------------------------------------------------------ the fast path
def _mutations():
    """Good envelopes and every field of them set to each of a range of odd values, or
    removed, or joined by an unknown key."""
    bases = [good_envelope(), good_envelope(sender={"id": None, "name": None, "phone": "+447700900123"}),
             good_envelope(device=None, chat={"id": "c", "name": None, "is_group": None}, edited=None),
             {**good_envelope(), "kind": "system:participant_added", "sender": None, "event": None},
             {**good_envelope(), "received_at": "2026-05-01T08:30:01.5Z"}, _with("attachments", [ATT]),
             {k: v for k, v in good_envelope().items() if k not in ("device", "attachments", "event", "edited")}]
    odd = [None, "", "x", "a\x00b", "é" * 600, "0" * 300, 0, 1, 2, -1, 1.0, True, False, [], [1], {}, {"id": "x"},
           "+447700900123", "+4477", "2026-05-01T09:30:00Z", "2026-05-01T09:30:00", "2026-02-30T09:30:00Z",
           "1999-05-01T09:30:00Z", "2026-05-01T09:30:00+19:00", "message", "system:unknown", "nonsense",
           "archive-gateway", "Archive", "wamid.X"]
    for base in bases:
        yield base
        yield {**base, "extra": 1}
        for key in list(base):
            yield {k: v for k, v in base.items() if k != key}
            for v in odd:
                yield {**base, key: v}
            sub = base[key]
            if isinstance(sub, dict):
                for sk in list(sub) + ["extra"]:
                    yield {**base, key: {k: v for k, v in sub.items() if k != sk}}
                    for v in odd:
                        yield {**base, key: {**sub, sk: v}}
    yield [1]
    yield "text"
    yield None


def test_fast_path_agrees_with_the_full_check():
    from chatwarden.stream.envelope import _check, _fast

    fast_taken = 0
    for obj in [c[1] for c in CASES] + list(_mutations()):
        full = _check(copy.deepcopy(obj))
        quick = _fast(copy.deepcopy(obj))
        if quick is not None:
            fast_taken += 1
            assert full == (quick, []), obj
        assert validate(copy.deepcopy(obj)) == full
    assert fast_taken > 100  # the fast path is really taken
