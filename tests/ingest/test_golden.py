"""Golden tests: each sample export in examples/ parses to exactly the JSON kept in
tests/golden/, and the facts a reviewer checked by hand hold.

The golden files were made with ``chatwarden parse <file> --format json`` and inspected by
hand (timestamps, senders, kinds, attachments, participants, group name, date order); the
``source`` path is stored relative to the repository root.  After an intended change to the
parser's output, regenerate them with::

    CHATWARDEN_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/ingest/test_golden.py

and review the diff before committing it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from chatwarden.cli import main

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"
GOLDEN = REPO / "tests" / "golden"
TEAM_B = "WhatsApp Chat with Response Team B.txt"
JORDAN = "WhatsApp Chat - Jordan Blake.zip"
MUM = "WhatsApp Chat with Mum.txt"
EXAMPLE_FILES = (TEAM_B, JORDAN, MUM)
UPDATE = os.environ.get("CHATWARDEN_UPDATE_GOLDEN") == "1"


def golden_path(name: str) -> Path:
    return GOLDEN / (Path(name).stem + ".json")


def parse_cli(name: str) -> dict:
    """The CLI's JSON for an example, with the source path made relative."""
    result = CliRunner().invoke(main, ["parse", str(EXAMPLES / name), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout_bytes)
    assert Path(data["chat"]["source"]).name == name
    data["chat"]["source"] = f"examples/{name}"
    return data


@pytest.fixture(scope="module")
def parsed():
    cache: dict[str, dict] = {}

    def get(name: str) -> dict:
        if name not in cache:
            cache[name] = parse_cli(name)
        return cache[name]

    return get


@pytest.mark.parametrize("name", EXAMPLE_FILES)
def test_matches_golden(parsed, name):
    data = parsed(name)
    path = golden_path(name)
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert data["chat"] == expected["chat"]
    assert data["warnings"] == expected["warnings"]
    assert len(data["messages"]) == len(expected["messages"])
    for got, want in zip(data["messages"], expected["messages"]):
        assert got == want, f"message {want['index']} (line {want['line']}) differs"


@pytest.mark.parametrize("name", EXAMPLE_FILES)
def test_clean_parse(parsed, name):
    data = parsed(name)
    assert data["warnings"] == []  # no unparsed lines, no missing or unreferenced media
    msgs = data["messages"]
    assert not [m for m in msgs if m["kind"] == "system:unknown"]
    assert not [m for m in msgs if m["continuations"]]
    covered = [n for m in msgs for n in range(m["line"], m["end_line"] + 1)]
    assert covered == list(range(1, data["chat"]["lines"] + 1))
    people = [m["timestamp"] for m in msgs if m["sender"] is not None]
    assert people == sorted(people)
    assert data["chat"]["date_order"] == "dmy" and data["chat"]["date_order_reason"] == "day>12"
    assert not any(m["text"].endswith("\r") for m in msgs)


def events(data: dict, kind: str) -> list[dict]:
    return [m for m in data["messages"] if m["kind"] == kind]


def test_team_b_group(parsed):
    data = parsed(TEAM_B)
    chat = data["chat"]
    assert (chat["name"], chat["platform"], chat["is_group"]) == ("Response Team B", "android", True)
    assert chat["chat_member"] is None and chat["media"] == []
    msgs = data["messages"]
    assert len(msgs) == 183
    # the export's first line is the encryption notice, dated after the group's creation
    assert msgs[0]["kind"] == "system:encryption" and msgs[0]["timestamp"] == "2025-03-03T08:02:00"
    created = events(data, "system:group_created")
    assert [(m["timestamp"], m["event"]["actor"], m["event"]["value"]) for m in created] == [
        ("2025-03-03T07:58:00", "Sgt Dan PRICE", "Response Team B")]
    added = [m["event"]["subject"] for m in events(data, "system:participant_added")]
    assert added[:2] == ["you", "PC Priya SHAH"] and "Gaz 🍺" in added and "Insp Ruth ADEYEMI" in added
    # disappearing messages: on at 7 days, updated to 90, turned off by the new joiner, back on at 90
    timers = [(m["kind"], m["event"]["actor"], m["event"]["timer_days"])
              for m in msgs if m["kind"].startswith("system:disappearing")]
    assert timers == [
        ("system:disappearing_on", "Sgt Dan PRICE", 7.0),
        ("system:disappearing_on", "Sgt Dan PRICE", 90.0),
        ("system:disappearing_off", "+44 7700 900123", 0.0),
        ("system:disappearing_on", "Sgt Dan PRICE", 90.0),
    ]
    joined = events(data, "system:participant_joined_via_link")
    assert [m["event"]["subject"] for m in joined] == ["+44 7700 900123"]
    assert [(m["event"]["actor"], m["event"]["subject"]) for m in events(data, "system:participant_removed")] == [
        ("Sgt Dan PRICE", "Gaz 🍺")]
    assert [m["event"]["subject"] for m in events(data, "system:participant_left")] == ["PC Marek NOWAK"]
    # participants: the number-only member posts and carries an E.164 phone; "you" is not one
    parts = {p["name"]: p for p in chat["participants"]}
    assert len(parts) == 11 and "you" not in parts and "You" not in parts
    number = parts["+44 7700 900123"]
    assert number["phone"] == "+447700900123" and number["messages"] == 10 and number["seen_in"] == "sender"
    assert all(p["phone"] is None for n, p in parts.items() if n != "+44 7700 900123")
    assert parts["Gaz 🍺"]["messages"] == 11  # the non-compliant display name, kept verbatim
    by_phone = [m for m in msgs if m["sender_phone"]]
    assert {m["sender_phone"] for m in by_phone} == {"+447700900123"} and len(by_phone) == 10
    # body markers
    kinds = Counter(m["kind"] for m in msgs)
    assert kinds["media_omitted"] == 3 and kinds["deleted"] == 1
    custody = next(i for i, m in enumerate(msgs) if m["text"] == "custody pic of our man 😂")
    assert msgs[custody + 1]["kind"] == "media_omitted" and msgs[custody + 1]["sender"] == "PC Tom WALSH"
    assert msgs[custody + 1]["attachments"] == [
        {"name": None, "media_type": "other", "member": None, "sha256": None, "size": None, "missing": False, "omitted": True}]
    edited = [m for m in msgs if m["edited"]]
    assert len(edited) == 1 and edited[0]["text"].endswith(" <This message was edited>")
    assert edited[0]["kind"] == "message" and edited[0]["sender"] == "PC Priya SHAH"
    multi = [m for m in msgs if m["end_line"] > m["line"]]
    assert len(multi) == 1 and multi[0]["end_line"] - multi[0]["line"] == 2 and "\n\n" in multi[0]["text"]


def test_jordan_blake_ios_zip(parsed):
    data = parsed(JORDAN)
    chat = data["chat"]
    assert (chat["name"], chat["platform"], chat["is_group"], chat["chat_member"]) == (
        "Jordan Blake", "ios", False, "_chat.txt")
    assert [p["name"] for p in chat["participants"]] == ["DC Amara OKAFOR", "Jordan Blake"]
    msgs = data["messages"]
    assert len(msgs) == 37 and chat["lines"] == 37
    # iOS writes system lines behind the contact's name; they are events, not Jordan's messages
    assert msgs[0]["kind"] == "system:encryption" and msgs[0]["sender"] is None
    on = events(data, "system:disappearing_on")
    assert [(m["timestamp"], m["event"]["actor"], m["event"]["timer_days"]) for m in on] == [
        ("2025-03-10T16:54:48", "You", 90.0)]
    assert on[0]["sender"] is None and on[0]["text"].startswith("\u200e\u200e\u200eYou turned on")
    # every attachment is linked to its zip member with the member's sha256
    with zipfile.ZipFile(EXAMPLES / JORDAN) as zf:
        digests = {n: hashlib.sha256(zf.read(n)).hexdigest() for n in zf.namelist() if n != "_chat.txt"}
    attached = [a for m in msgs for a in m["attachments"]]
    assert [(a["member"], a["media_type"]) for a in attached] == [
        ("00000012-PHOTO-2025-03-14-18-22-05.jpg", "image"),
        ("00000013-VIDEO-2025-03-14-18-23-10.mp4", "video"),
        ("00000019-PHOTO-2025-03-15-10-02-16.jpg", "image"),
        ("00000022-Discharge summary.pdf", "document"),
    ]
    for a in attached:
        assert a["sha256"] == digests[a["member"]] and not a["missing"] and not a["omitted"]
    assert {m["name"]: (m["sha256"], m["referenced"]) for m in chat["media"]} == {
        n: (d, True) for n, d in digests.items()}
    assert all(m["sender"] == "Jordan Blake" and m["kind"] == "attachment" for m in msgs if m["attachments"])
    deleted = events(data, "deleted")
    assert len(deleted) == 1 and deleted[0]["sender"] == "Jordan Blake"
    edited = [m for m in msgs if m["edited"]]
    assert len(edited) == 1 and edited[0]["sender"] == "Jordan Blake"
    update = next(m for m in msgs if "CPS have charged him with ABH" in m["text"])
    assert update["sender"] == "DC Amara OKAFOR" and update["timestamp"] == "2025-03-27T16:48:09"


def test_mum_personal_chat(parsed):
    data = parsed(MUM)
    chat = data["chat"]
    assert (chat["name"], chat["platform"], chat["is_group"]) == ("Mum", "android", False)
    assert [(p["name"], p["messages"]) for p in chat["participants"]] == [("Mum", 12), ("PC Chloe BENNETT", 9)]
    kinds = Counter(m["kind"] for m in data["messages"])
    assert kinds == Counter({"message": 19, "system:encryption": 1, "media_omitted": 1, "missed_call": 1})
    assert not any(m["kind"].startswith("system:disappearing") for m in data["messages"])


def test_zip_rebuilds_byte_for_byte():
    spec = importlib.util.spec_from_file_location("make_examples", EXAMPLES / "make_examples.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.build_zip() == (EXAMPLES / JORDAN).read_bytes()
