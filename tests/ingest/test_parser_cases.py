"""Targeted parser cases: header-like lines inside messages, system-line look-alikes,
typed events and the things that must never be lost."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatwarden.errors import ChatwardenError, EmptyExportError, NotAnExportError
from chatwarden.ingest import parse_export


def parse_text(tmp_path: Path, text: str, name: str = "WhatsApp Chat with Team.txt", **kw):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return parse_export(p, **kw)


GROUP = (
    '01/03/2025, 09:00 - Sgt Dan PRICE created group "Team"\n'
    "01/03/2025, 09:00 - Sgt Dan PRICE added PC Priya SHAH\n"
    "13/03/2025, 09:01 - Sgt Dan PRICE: Morning\n"
    "13/03/2025, 09:02 - Sgt Dan PRICE: Parade at 7\n"
    "13/03/2025, 09:03 - PC Priya SHAH: On my way\n"
    "13/03/2025, 09:04 - PC Priya SHAH: 5 mins\n"
)


def test_a_person_writing_system_like_words_keeps_the_sender(tmp_path):
    chat, msgs, _ = parse_text(tmp_path, GROUP + "13/03/2025, 09:05 - PC Priya SHAH: the caller is a business account\n")
    assert msgs[-1].sender == "PC Priya SHAH" and msgs[-1].kind == "message"


def test_pasted_header_that_breaks_chronology_stays_in_the_message(tmp_path):
    text = GROUP + (
        "13/03/2025, 09:10 - Sgt Dan PRICE: this is what he sent me:\n"
        "02/01/2024, 11:00 - Sgt Dan PRICE: old message pasted in\n"
        "13/03/2025, 09:11 - PC Priya SHAH: seen\n"
    )
    chat, msgs, _ = parse_text(tmp_path, text)
    pasted = msgs[-2]
    assert pasted.text == "this is what he sent me:\n02/01/2024, 11:00 - Sgt Dan PRICE: old message pasted in"
    assert [(n.line, n.reason) for n in pasted.continuations] == [(8, "chronology")]
    assert msgs[-1].sender == "PC Priya SHAH" and msgs[-1].line == 9


ONE_TO_ONE = (
    "13/03/2025, 09:01 - DC Amara OKAFOR: Hi Jordan, it's DC Okafor\n"
    "13/03/2025, 09:02 - Jordan Blake: hi\n"
    "13/03/2025, 09:03 - DC Amara OKAFOR: can we talk later?\n"
    "13/03/2025, 09:04 - Jordan Blake: yes after 5\n"
)


def test_pasted_header_naming_an_unknown_sender_stays_in_the_message(tmp_path):
    # In a one-to-one chat a third voice cannot be a participant: it was pasted in.
    text = ONE_TO_ONE + (
        "13/03/2025, 09:10 - Jordan Blake: he sent me this:\n"
        "13/03/2025, 09:10 - Mr Nobody: I never said that\n"
        "13/03/2025, 09:11 - DC Amara OKAFOR: noted\n"
    )
    chat, msgs, _ = parse_text(tmp_path, text, name="WhatsApp Chat with Jordan Blake.txt")
    fwd = msgs[-2]
    assert fwd.sender == "Jordan Blake" and fwd.text.endswith("Mr Nobody: I never said that")
    assert [n.reason for n in fwd.continuations] == ["unknown-sender"]
    assert "Mr Nobody" not in {p.name for p in chat.participants}


def test_a_group_member_who_posts_once_is_a_message(tmp_path):
    text = GROUP + "13/03/2025, 09:10 - PC Jo BELL: thanks all\n"
    _, msgs, _ = parse_text(tmp_path, text)
    assert msgs[-1].sender == "PC Jo BELL" and msgs[-1].text == "thanks all" and not msgs[-2].continuations


def test_edited_deleted_view_once_and_missed_call_are_typed(tmp_path):
    text = GROUP + (
        "13/03/2025, 09:05 - PC Priya SHAH: running late <This message was edited>\n"
        "13/03/2025, 09:06 - PC Priya SHAH: This message was deleted\n"
        "13/03/2025, 09:07 - Sgt Dan PRICE: null\n"
        "13/03/2025, 09:08 - Sgt Dan PRICE: Missed video call\n"
        "13/03/2025, 09:09 - Sgt Dan PRICE: <Media omitted>\n"
    )
    _, msgs, _ = parse_text(tmp_path, text)
    edited, deleted, once, call, omitted = msgs[-5:]
    assert edited.kind == "message" and edited.edited and edited.text.endswith("<This message was edited>")
    assert deleted.kind == "deleted" and deleted.sender == "PC Priya SHAH"
    assert once.kind == "view_once" and call.kind == "missed_call" and omitted.kind == "media_omitted"


def test_disappearing_events_carry_the_timer(tmp_path):
    text = GROUP + (
        "13/03/2025, 09:05 - Sgt Dan PRICE turned on disappearing messages. All new messages will disappear "
        "from this chat 7 days after they're sent, except when kept.\n"
        "13/03/2025, 09:06 - Sgt Dan PRICE changed the group description\n"
        "13/03/2025, 09:07 - PC Priya SHAH left\n"
    )
    _, msgs, _ = parse_text(tmp_path, text)
    on, desc, left = msgs[-3:]
    assert on.kind == "system:disappearing_on" and on.event.timer_days == 7.0 and on.event.actor == "Sgt Dan PRICE"
    assert desc.kind == "system:description_changed"
    assert left.kind == "system:participant_left" and left.event.subject == "PC Priya SHAH"


def test_lines_before_the_first_header_are_reported_not_lost(tmp_path):
    chat, msgs, warns = parse_text(tmp_path, "Exported by the MDM tool\n\n" + GROUP)
    assert [(w.code, w.line) for w in warns if w.code in ("unparsed", "blank-line")] == [("unparsed", 1), ("blank-line", 2)]
    assert msgs[0].line == 3


@pytest.mark.parametrize("content, error", [
    (b"", EmptyExportError),
    (b"\xef\xbb\xbf   \n", EmptyExportError),
    (b"just some notes\nno chat here\n", NotAnExportError),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(64), ChatwardenError),
])
def test_bad_input_is_a_clear_error(tmp_path, content, error):
    p = tmp_path / "bad.txt"
    p.write_bytes(content)
    with pytest.raises(error) as exc:
        parse_export(p)
    assert str(p) in str(exc.value) and "\n" not in str(exc.value)


def test_invalid_utf8_names_the_byte_offset_and_line(tmp_path):
    p = tmp_path / "bad.txt"
    p.write_bytes(GROUP.encode() + b"13/03/2025, 09:09 - Sgt Dan PRICE: caf\xe9\n")
    with pytest.raises(ChatwardenError) as exc:
        parse_export(p)
    msg = str(exc.value)
    assert "line 7" in msg and f"byte {len(GROUP.encode()) + 38}" in msg


@pytest.mark.parametrize("encoding, bom", [("utf-16-le", b"\xff\xfe"), ("utf-16-be", b"\xfe\xff"), ("utf-16-le", b"")])
def test_utf16_exports(tmp_path, encoding, bom):
    p = tmp_path / "WhatsApp Chat with Team.txt"
    p.write_bytes(bom + GROUP.encode(encoding))
    chat, msgs, _ = parse_export(p)
    assert len(msgs) == 6 and msgs[-1].text == "5 mins" and chat.encoding.startswith("utf-16")


def test_twelve_hour_clock_with_narrow_no_break_space(tmp_path):
    text = (
        "1/20/24, 8:02\u202fAM - Sgt Dan PRICE: Morning\n"
        "1/20/24, 12:15\u202fPM - PC Priya SHAH: lunch?\n"
        "1/21/24, 12:01\u202fAM - PC Priya SHAH: late one\n"
    )
    chat, msgs, _ = parse_text(tmp_path, text)
    assert [m.timestamp.strftime("%H:%M") for m in msgs] == ["08:02", "12:15", "00:01"]
    assert chat.date_order == "mdy" and chat.date_order_reason == "day>12"


def test_buddhist_year_and_time_first_headers(tmp_path):
    text = "[14:56:01, 18/3/2565] Dmitry S: Hello\n[15:00:00, 19/3/2565] Elon: Hi\n"
    chat, msgs, _ = parse_text(tmp_path, text)
    assert msgs[0].timestamp.isoformat() == "2022-03-18T14:56:01" and msgs[1].sender == "Elon"
