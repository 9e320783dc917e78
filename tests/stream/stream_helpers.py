"""Helpers shared by the streaming tests."""

from __future__ import annotations


def good_envelope(**over) -> dict:
    env = {
        "version": 1, "source": "archive-gateway", "account": "acct-001", "device": "dev-1",
        "chat": {"id": "chat-1", "name": "Response Team B", "is_group": True},
        "message_id": "m-1", "timestamp": "2026-05-01T09:30:00+01:00",
        "sender": {"id": "u-1", "name": "PC Sam OKAFOR", "phone": "+447700900123"},
        "kind": "message", "text": "Morning all", "attachments": [], "event": None, "edited": False,
    }
    env.update(over)
    return env


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
