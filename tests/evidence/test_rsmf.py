"""RSMF 2.0.0: manifests of real and synthetic chats validate against the published schema,
the mapping of WhatsApp entries to RSMF events holds, and read_rsmf round-trips."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from evidence_fixtures import HOSTILE, IOS_MEDIA, Parsed, decision, find, parse

from chatwarden.errors import InputError, IntegrityError
from chatwarden.evidence import build_manifest, build_rsmf, load_schema, read_rsmf, validate_manifest
from chatwarden.model import Chat, Message, SystemEvent


def zip_media(path: Path) -> Callable[[str], bytes | None]:
    def read(member: str) -> bytes | None:
        with zipfile.ZipFile(path) as zf:
            try:
                return zf.read(member)
            except KeyError:
                return None

    return read


def no_media(member: str) -> bytes | None:
    return None


def check_round_trip(p: Parsed, custodian: str | None) -> tuple[dict, dict, dict]:
    data = build_rsmf(p.chat, p.messages, media=zip_media(p.path), custodian=custodian, generator="chatwarden test")
    headers, manifest, files = read_rsmf(data)
    assert validate_manifest(manifest, files=set(files)) == []
    assert headers["X-RSMF-Version"] == "2.0.0"
    assert headers["X-RSMF-Generator"] == "chatwarden test"
    assert int(headers["X-RSMF-EventCount"]) == len(manifest["events"]) == len(p.messages)
    # every body is the exported text, character for character, in export order
    assert [e["body"] for e in manifest["events"]] == [m.text for m in p.messages]
    assert all(e["custom"][0]["name"] == "Source line" for e in manifest["events"])
    conv = manifest["conversations"][0]
    assert {"name": "Export SHA-256", "value": p.chat.sha256} in conv["custom"]
    # every referenced media file is in rsmf.zip, byte for byte
    linked = {a.member: a for m in p.messages for a in m.attachments if a.member}
    ids = [a["id"] for e in manifest["events"] for a in e.get("attachments", [])]
    assert sorted(set(ids)) == sorted(files)
    assert len(files) == len(linked)
    for e in manifest["events"]:
        for a in e.get("attachments", []):
            assert a["size"] == len(files[a["id"]])
    assert sorted(hashlib.sha256(b).hexdigest() for b in files.values()) == sorted(a.sha256 for a in linked.values())
    return headers, manifest, files


def test_real_example_zip_validates_and_round_trips(example_zip: Path) -> None:
    p = parse(example_zip)
    headers, manifest, files = check_round_trip(p, custodian="Loris")
    assert len(files) == 4
    assert headers["From"] == "Loris <>"
    assert headers["Date"].endswith("-0000")  # zone unknown
    types = [e["type"] for e in manifest["events"]]
    assert types[:4] == ["disclaimer", "history", "join", "join"]
    loris = next(x["id"] for x in manifest["participants"] if x["display"] == "Loris")
    assert manifest["conversations"][0]["custodian"] == loris
    directions = {e.get("direction") for e in manifest["events"] if e["type"] == "message"}
    assert directions == {"incoming", "outgoing"}


def test_real_egregora_zip_validates_and_round_trips(egregora_zip: Path) -> None:
    p = parse(egregora_zip)
    _, manifest, files = check_round_trip(p, custodian=None)
    assert len(files) == 4
    types = [e["type"] for e in manifest["events"]]
    assert types.count("leave") == 2 and types.count("join") == 2
    assert "custodian" not in manifest["conversations"][0]
    # "Você removeu ..." (you removed): with no custodian named, "you" gets its own participant
    you = [x for x in manifest["participants"] if x["display"] == "Você"]
    assert len(you) == 1


def test_shipped_schema_is_the_published_one(shared_dir: Path) -> None:
    src = shared_dir / "corpus" / "rsmf" / "rsmf_schema_2_0_0.json"
    if not src.is_file():
        pytest.skip(f"{src} is absent")
    import chatwarden.evidence as ev

    shipped = Path(ev.__file__).parent / "schema" / "rsmf_schema_2_0_0.json"
    assert shipped.read_bytes() == src.read_bytes()
    assert (shipped.parent / "LICENSE.txt").read_bytes() == (src.parent / "LICENSE").read_bytes()
    assert "c717cd322264b46115d27d034a6107c8c91043d8" in (shipped.parent / "README.md").read_text()


def test_reads_relativitys_sample_and_flags_its_invalid_samples(shared_dir: Path) -> None:
    folder = shared_dir / "corpus" / "rsmf"
    if not (folder / "sample3.rsmf").is_file():
        pytest.skip(f"{folder} holds no sample3.rsmf")
    headers, manifest, files = read_rsmf((folder / "sample3.rsmf").read_bytes())
    assert headers["X-RSMF-Version"] == "2.0.0"
    assert manifest["events"][0]["body"] == "This is body text."
    assert validate_manifest(manifest, files=set(files)) == []
    # the published samples 1 and 4 do not follow the schema (ids missing / numeric)
    s1 = json.loads((folder / "sample1_rsmf_manifest.json").read_text())
    s4 = json.loads((folder / "sample4_rsmf_manifest.json").read_text())
    assert validate_manifest(s1) == ["participants/0: missing required property id"]
    assert validate_manifest(s4) == ["participants/0/id: must be of type string"]


# ------------------------------------------------------------------ synthetic, no ../shared
def test_mapping_of_entries_to_events(android: Parsed) -> None:
    pnc = find(android.messages, "PNC check")
    whole = decision("MPS-IM-009", None, severity="medium")
    manifest, files = build_manifest(
        android.chat, android.messages, media=no_media, custodian="Sgt Alice Brown",
        decisions=[decision("MPS-IM-001", pnc), whole],
    )
    assert validate_manifest(manifest, files=set(files)) == []
    ev = {e["id"]: e for e in manifest["events"]}
    kinds = {m.index: m.kind for m in android.messages}
    expected = {
        "system:encryption": "disclaimer", "system:group_created": "history",
        "system:participant_added": "join", "system:participant_left": "leave",
        "message": "message", "deleted": "message",
    }
    for idx, kind in kinds.items():
        assert ev[f"m{idx}"]["type"] == expected[kind]
    deleted = next(m for m in android.messages if m.kind == "deleted")
    assert ev[f"m{deleted.index}"]["deleted"] is True
    edited = next(m for m in android.messages if m.edited)
    assert ev[f"m{edited.index}"]["edits"] == [{"participant": ev[f"m{edited.index}"]["participant"]}]
    assert "previous" not in ev[f"m{edited.index}"]["edits"][0]
    # a join's participant is who joined; a leave's is who left
    people = {p["id"]: p["display"] for p in manifest["participants"]}
    join = next(e for e in manifest["events"] if e["type"] == "join")
    leave = next(e for e in manifest["events"] if e["type"] == "leave")
    assert people[join["participant"]] == people[leave["participant"]] == "PC Bob Green"
    # source lines and findings
    flagged = ev[f"m{pnc.index}"]
    assert {"name": "Source line", "value": f"{pnc.line}-{pnc.end_line}"} in flagged["custom"]
    assert flagged["importance"] == "high"
    finding = next(c["value"] for c in flagged["custom"] if c["name"] == "Policy finding 1")
    assert finding.startswith("MPS-IM-001 | ") and "severity high" in finding
    assert all(e.get("importance") != "high" for k, e in ev.items() if k != f"m{pnc.index}")
    conv_custom = {c["name"]: c["value"] for c in manifest["conversations"][0]["custom"]}
    assert conv_custom["Policy finding 1"].startswith("MPS-IM-009")
    assert "no time zone" in conv_custom["Timestamps"]
    assert ev[f"m{pnc.index}"]["timestamp"] == "2024-03-12T09:04:00"
    assert ev[f"m{pnc.index}"]["body"] == pnc.text
    hostile = find(android.messages, "<script>")
    assert ev[f"m{hostile.index}"]["body"] == HOSTILE


def test_ios_zip_media_custodian_and_continuations(ios: Parsed) -> None:
    data = build_rsmf(ios.chat, ios.messages, media=zip_media(ios.path), custodian="DC Custodian")
    headers, manifest, files = read_rsmf(data)
    assert validate_manifest(manifest, files=set(files)) == []
    assert files == IOS_MEDIA
    cust = manifest["conversations"][0]["custodian"]
    assert next(p for p in manifest["participants"] if p["id"] == cust)["display"] == "DC Custodian"
    assert {e.get("direction") for e in manifest["events"] if e["type"] == "message"} == {"incoming"}
    assert headers["From"] == "DC Custodian <>"
    # the one-off sender line stayed inside the message before it, and the event says so
    kept = [e for e in manifest["events"] if any(c["name"].startswith("Header-like") for c in e["custom"])]
    assert len(kept) == 1


def test_media_that_does_not_match_its_capture_hash_is_refused(ios: Parsed) -> None:
    def tampered(member: str) -> bytes | None:
        return IOS_MEDIA[member] + b"!"

    with pytest.raises(IntegrityError) as err:
        build_rsmf(ios.chat, ios.messages, media=tampered, custodian=None)
    assert "PHOTO" not in str(err.value)


def test_unavailable_media_is_noted_not_invented(ios: Parsed) -> None:
    _, manifest, files = read_rsmf(build_rsmf(ios.chat, ios.messages, media=no_media, custodian=None))
    assert files == {}
    notes = [c["value"] for e in manifest["events"] for c in e["custom"] if c["name"] == "Media"]
    assert len(notes) == 2 and all("not available" in n for n in notes)


def test_same_inputs_same_bytes(ios: Parsed) -> None:
    a = build_rsmf(ios.chat, ios.messages, media=zip_media(ios.path), custodian="X")
    b = build_rsmf(ios.chat, ios.messages, media=zip_media(ios.path), custodian="X")
    assert a == b
    assert b"\r\n" in a and b"\n" not in a.replace(b"\r\n", b"")


def test_header_injection_through_the_chat_name(android: Parsed) -> None:
    chat = dataclasses.replace(android.chat, name="Team\r\nBcc: someone@example.org\r\nX-Evil: 1")
    headers, manifest, _ = read_rsmf(build_rsmf(chat, android.messages, media=no_media, custodian=None))
    assert "Bcc" not in headers and "X-Evil" not in headers
    assert headers["Subject"] == "Team Bcc: someone@example.org X-Evil: 1"
    assert manifest["conversations"][0]["display"] == chat.name  # the manifest keeps it as it is


def test_non_ascii_headers_round_trip(android: Parsed) -> None:
    chat = dataclasses.replace(android.chat, name="Équipe 4 \u2013 Привет")
    headers, _, _ = read_rsmf(build_rsmf(chat, android.messages, media=no_media, custodian="Sgt Alice Brown"))
    assert headers["Subject"] == "Équipe 4 \u2013 Привет"


@pytest.mark.parametrize(
    ("wall", "offset", "note"),
    [
        (datetime(2024, 3, 12, 9, 4), "+00:00", None),
        (datetime(2024, 7, 1, 12, 0), "+01:00", None),
        (datetime(2023, 10, 29, 1, 30), "+01:00", "ambiguous"),
        (datetime(2024, 3, 31, 1, 30), "+00:00", "did not exist"),
    ],
)
def test_time_zone_when_known(wall: datetime, offset: str, note: str | None) -> None:
    chat = Chat(name="t", name_source=None, source="t.txt", sha256="0" * 64, platform="android",
                date_order="dmy", date_order_reason="default")
    msg = Message(0, wall, "A", "hello", line=1, end_line=1)
    manifest, _ = build_manifest(chat, [msg], media=no_media, custodian=None, tz=ZoneInfo("Europe/London"))
    assert validate_manifest(manifest) == []
    ev = manifest["events"][0]
    assert ev["timestamp"] == wall.isoformat() + offset
    notes = [c["value"] for c in ev["custom"] if c["name"] == "Timestamp note"]
    assert (notes[0] if notes else None) is None if note is None else note in notes[0]


def test_system_event_naming_you_maps_to_the_custodian() -> None:
    chat = Chat(name="g", name_source=None, source="g.txt", sha256="1" * 64, platform="android",
                date_order="dmy", date_order_reason="default", is_group=True)
    msgs = [Message(0, datetime(2024, 1, 1, 10, 0), None, "You added Bob", kind="system:participant_added",
                    line=1, end_line=1, event=SystemEvent(actor="You", subject="Bob")),
            Message(1, datetime(2024, 1, 1, 10, 1), None, "You changed the subject to \"x\"",
                    kind="system:subject_changed", line=2, end_line=2, event=SystemEvent(actor="You", value="x"))]
    manifest, _ = build_manifest(chat, msgs, media=no_media, custodian="PC Owner")
    people = {p["id"]: p["display"] for p in manifest["participants"]}
    assert people[manifest["events"][0]["participant"]] == "Bob"
    assert people[manifest["events"][1]["participant"]] == "PC Owner"
    assert manifest["events"][1]["type"] == "history"


# ------------------------------------------------------------------ validation
def good_manifest() -> dict:
    return {
        "version": "2.0.0",
        "participants": [{"id": "P1", "display": "A"}],
        "conversations": [{"id": "C1", "platform": "whatsapp", "participants": ["P1"], "custodian": "P1"}],
        "events": [{"id": "m1", "type": "message", "participant": "P1", "conversation": "C1",
                    "timestamp": "2024-01-01T10:00:00", "body": "SECRET BODY",
                    "attachments": [{"id": "a.jpg"}]}],
    }


def _set(path: str, value: object) -> dict:
    m = good_manifest()
    *parents, last = path.split("/")
    node: object = m
    for p in parents:
        node = node[int(p)] if isinstance(node, list) else node[p]  # type: ignore[index]
    if value is KeyError:
        del node[last]  # type: ignore[union-attr]
    else:
        node[int(last) if isinstance(node, list) else last] = value  # type: ignore[index]
    return m


@pytest.mark.parametrize(
    ("path", "value", "problem"),
    [
        ("events/0/type", "chat", "events/0/type: must be one of message, disclaimer, join, leave, history, unknown"),
        ("events/0/timestamp", "yesterday", "events/0/timestamp: is not a valid date-time"),
        ("events/0/body", 5, "events/0/body: must be of type string"),
        ("events/0/importance", "urgent", "events/0/importance: must be one of normal, high"),
        ("version", KeyError, "(root): missing required property version"),
        ("events/0/participant", "P9", "events/0/participant: no such participant"),
        ("events/0/conversation", "C9", "events/0/conversation: no such conversation"),
        ("events/0/parent", "m0", "events/0/parent: no such event in the conversation"),
        ("conversations/0/custodian", "P2", "conversations/0/custodian: not a participant of the conversation"),
        ("conversations/0/participants/0", "P7", "conversations/0/participants/0: no such participant"),
        ("events/0/attachments/0/id", "missing.jpg", "events/0/attachments/0/id: no such file in rsmf.zip"),
    ],
)
def test_validation_names_the_problem_not_the_value(path: str, value: object, problem: str) -> None:
    assert validate_manifest(good_manifest(), files={"a.jpg"}) == []
    m = _set(path, value)
    problems = validate_manifest(m, files={"a.jpg"})
    assert problem in problems
    assert not any("SECRET" in p or "yesterday" in p for p in problems)


def test_schema_loads_and_is_draft7() -> None:
    schema = load_schema()
    assert schema["$schema"].startswith("http://json-schema.org/draft-07")
    assert schema["required"] == ["version", "participants", "conversations", "events"]


@pytest.mark.parametrize(
    "data",
    [b"", b"From: a\r\n\r\nhello", b"X-RSMF-Version: 2.0.0\r\n\r\nno attachment",
     (b"X-RSMF-Version: 2.0.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
      b"Content-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=rsmf.zip\r\n"
      b"Content-Transfer-Encoding: base64\r\n\r\nbm90IGEgemlw\r\n--b--\r\n")],
)
def test_read_rsmf_refuses_what_is_not_rsmf(data: bytes) -> None:
    with pytest.raises(InputError):
        read_rsmf(data)
