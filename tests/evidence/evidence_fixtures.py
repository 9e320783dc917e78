"""Synthetic exports and values for the evidence tests (written to a temporary folder, so the
tests run without ../shared).  Names, numbers and text are made up."""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from chatwarden.evidence import CustodyEntry
from chatwarden.ingest import parse_export
from chatwarden.model import Chat, Citation, Decision, Message, ParseWarning, Span

HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>'

ANDROID_TXT = (
    "12/03/2024, 09:00 - Messages and calls are end-to-end encrypted. No one outside of this chat, "
    "not even WhatsApp, can read or listen to them. Tap to learn more.\n"
    "12/03/2024, 09:01 - Sgt Alice Brown created group \"Team 4 logistics\"\n"
    "12/03/2024, 09:01 - Sgt Alice Brown added PC Bob Green\n"
    "12/03/2024, 09:02 - Sgt Alice Brown: Morning all, briefing at 10 in room 3\n"
    "12/03/2024, 09:03 - PC Bob Green: Roger that 👍🏽 see you there\n"
    "12/03/2024, 09:04 - PC Bob Green: PNC check on VRM AB12CDE came back flagged\n"
    "second line of the same message\n"
    f"12/03/2024, 09:05 - Sgt Alice Brown: {HOSTILE}\n"
    "12/03/2024, 09:06 - PC Bob Green: This message was deleted\n"
    "12/03/2024, 09:07 - Sgt Alice Brown: Привет, façade, ünïcödé, שלום, 👨‍👩‍👧 🇬🇧 done <This message was edited>\n"
    "12/03/2024, 09:08 - PC Bob Green left\n"
)

IOS_CHAT = (
    "[12/03/2024, 09:00:00] Team 4: \u200eMessages and calls are end-to-end encrypted. No one outside of this "
    "chat, not even WhatsApp, can read or listen to them.\n"
    "[12/03/2024, 09:00:05] Sgt Alice Brown: Photo from the scene below\n"
    "[12/03/2024, 09:00:10] Sgt Alice Brown: \u200e<attached: 00000001-PHOTO-2024-03-12-09-00-10.jpg>\n"
    "[12/03/2024, 09:01:00] PC Bob Green: Thanks, voice note follows\n"
    "[12/03/2024, 09:01:30] PC Bob Green: \u200e<attached: 00000002-AUDIO-2024-03-12-09-01-30.opus>\n"
    "[12/03/2024, 09:02:00] Sgt Alice Brown: Understood, keep it off here next time\n"
    "[12/03/2024, 09:03:00] PC Carol White: Noted\n"
)
IOS_MEDIA = {
    "00000001-PHOTO-2024-03-12-09-00-10.jpg": b"\xff\xd8\xff\xe0" + bytes(range(256)) * 8 + b"\xff\xd9",
    "00000002-AUDIO-2024-03-12-09-01-30.opus": b"OggS" + b"\x01\x02\x03" * 500,
}

CAPTURED = datetime(2024, 3, 12, 11, 30, tzinfo=UTC)
PACKAGED = datetime(2024, 3, 13, 8, 0, tzinfo=UTC)


@dataclass
class Parsed:
    path: Path
    chat: Chat
    messages: list[Message]
    warnings: list[ParseWarning]


def write_android(folder: Path) -> Path:
    path = folder / "WhatsApp Chat with Team 4 logistics.txt"
    path.write_bytes(ANDROID_TXT.encode("utf-8"))
    return path


def write_ios_zip(folder: Path, extra: dict[str, bytes] | None = None) -> Path:
    path = folder / "WhatsApp Chat - Team 4.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("_chat.txt", IOS_CHAT.encode("utf-8"))
        for name, data in {**IOS_MEDIA, **(extra or {})}.items():
            zf.writestr(name, data)
    return path


def parse(path: Path) -> Parsed:
    chat, messages, warnings = parse_export(path)
    return Parsed(path, chat, messages, warnings)


def find(messages: list[Message], needle: str) -> Message:
    for m in messages:
        if needle in m.text:
            return m
    raise AssertionError("no message holds the test needle")


def decision(rule: str, m: Message | None, *, span: Span | None = None, severity: str = "high") -> Decision:
    return Decision(
        rule=rule,
        title="Information at OFFICIAL-SENSITIVE shared on instant messaging",
        category="protective-marking",
        severity=severity,
        message_index=None if m is None else m.index,
        span=span,
        citation=Citation("MPS guidance: Instant messaging apps on MPS issued devices",
                          "Instant messaging: with colleagues", "PNC records"),
        action="Export the chat, upload to Axon Capture, record on CONNECT, inform a supervisor",
        explanation="PNC result shared in a group chat",
    )


def custody() -> list[CustodyEntry]:
    return [
        CustodyEntry(CAPTURED, "PC 1234 Test Officer", "captured",
                     "exported from MPS device IMEI 350000000000001, WhatsApp account +44 7700 900123"),
        CustodyEntry(datetime(2024, 3, 12, 12, 0, tzinfo=UTC), "DS 5678 Test Reviewer", "handed-over",
                     "received by e-mail from the capturing officer"),
    ]
