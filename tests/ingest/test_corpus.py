"""Every real export in ../shared/corpus/whatsapp parses with zero unparsed lines, and the
expected values in its README (and the upstream projects' own tests) hold."""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from datetime import datetime
from pathlib import Path

import pytest

from chatwarden.errors import EmptyExportError
from chatwarden.ingest import parse_export

T = datetime.fromisoformat

# id: (path, entries, multi-line entries, first, last, min, max, date order, how decided)
# Values from the corpus README's structural reference table.  U3's order is decided by
# chronology (month-first), which the README notes; it counted U3 day-first.
TABLE = {
    "W1": ("whatstk/chats/whatsapp/pokemon.txt", 20, 1, "2016-04-15 15:04:00", "2016-10-31 12:23:00", "2016-04-15 15:04:00", "2016-10-31 12:23:00", "dmy", "day>12"),
    "W2": ("whatstk/chats/whatsapp/lorem.txt", 500, 0, "2020-01-15 02:22:56", "2020-05-11 22:32:48", "2020-01-15 02:22:56", "2020-05-11 22:32:48", "dmy", "day>12"),
    "W3": ("whatstk/chats/whatsapp/lorem-merge-part1.txt", 300, 0, "2019-10-20 10:16:00", "2020-01-10 00:00:00", "2019-10-20 10:16:00", "2020-01-10 00:00:00", "ymd", "year-first"),
    "M1": ("chat-miner/test/whatsapp/test_ddmmyy_24hrs.txt", 9, 2, "2019-01-01 11:25:00", "2021-12-30 22:01:00", "2019-01-01 11:25:00", "2021-12-30 22:01:00", "dmy", "day>12"),
    "M2": ("chat-miner/test/whatsapp/test_mmddyyyy_12hrs.txt", 9, 2, "2019-01-01 11:25:00", "2021-12-30 22:01:00", "2019-01-01 11:25:00", "2021-12-30 22:01:00", "mdy", "day>12"),
    "M3": ("chat-miner/test/whatsapp/test_[mmddyy]_24hrs.txt", 9, 2, "2019-01-01 11:25:00", "2021-12-30 22:01:00", "2019-01-01 11:25:00", "2021-12-30 22:01:00", "mdy", "day>12"),
    "L1": ("chat-analytics/tests/samples/whatsapp/4A_11M.txt", 14, 0, "2020-09-12 23:55:00", "2020-09-12 23:56:00", "2020-09-12 23:16:00", "2020-09-12 23:56:00", "dmy", "default"),
    "P1": ("whatsapp-chat-parser-website/src/assets/whatsapp-chat-parser-example.zip", 52, 4, "2019-06-20 15:58:47", "2019-06-20 16:45:28", "2019-06-20 15:58:47", "2019-06-20 16:45:28", "dmy", "day>12"),
    "S2": ("whatsapp-to-sqlite/tests/logs/testsubdir/WhatsApp Chat mit Jane Doe.txt", 8, 2, "2021-02-16 22:10:00", "2021-02-18 05:41:00", "2021-02-16 22:10:00", "2021-02-18 05:41:00", "dmy", "day>12"),
    "G1": ("egregora/tests/fixtures/Conversa do WhatsApp com Teste.zip", 19, 1, "2025-10-03 09:45:00", "2025-10-28 14:15:00", "2025-10-03 09:45:00", "2025-10-28 14:15:00", "dmy", "day>12"),
    "I1": ("whats_json/test/data/languages/english_ios.txt", 23, 0, "2022-03-18 14:56:01", "2022-03-27 21:56:45", "2022-03-18 14:56:01", "2022-03-27 21:56:45", "mdy", "day>12"),
    "I2": ("whats_json/test/data/languages/english_ios_media.txt", 25, 0, "2022-03-18 14:56:01", "2023-01-07 23:32:30", "2022-03-18 14:56:01", "2023-01-07 23:32:30", "mdy", "day>12"),
    "E3": ("whats_json/test/data/calendars/Gregorian iOS.txt", 25, 0, "2022-03-18 14:56:01", "2023-01-07 23:32:30", "2022-03-18 14:56:01", "2023-01-07 23:32:30", "mdy", "day>12"),
    "X1": ("whats_json/example/_chat.txt", 25, 0, "2022-03-18 14:56:01", "2023-01-07 23:32:30", "2022-03-18 14:56:01", "2023-01-07 23:32:30", "mdy", "day>12"),
    "X2": ("whats_json/example/_chat_with_media.txt", 25, 0, "2022-03-18 14:56:01", "2023-01-07 23:32:30", "2022-03-18 14:56:01", "2023-01-07 23:32:30", "mdy", "day>12"),
    "A1": ("whats_json/test/data/languages/english_android.txt", 60, 1, "2022-03-23 13:31:00", "2023-01-07 23:32:00", "2022-03-18 14:56:00", "2023-01-07 23:32:00", "dmy", "day>12"),
    "A6": ("whats_json/test/data/android/WhatsApp Chat with Group Chat XXX Android.txt", 20, 0, "2023-01-11 16:13:00", "2023-01-11 16:57:00", "2023-01-11 16:11:00", "2023-01-11 16:57:00", "dmy", "default"),
    "A3": ("whats_json/test/data/languages/czech_android.txt", 60, 1, "2022-03-23 13:31:00", "2023-01-07 23:32:00", "2022-03-18 14:56:00", "2023-01-07 23:32:00", "dmy", "day>12"),
    "I5": ("whats_json/test/data/languages/czech_ios.txt", 23, 0, "2022-03-18 14:56:00", "2022-03-27 21:56:45", "2022-03-18 14:56:00", "2022-03-27 21:56:45", "mdy", "day>12"),
    "E2": ("whats_json/test/data/ios/WhatsApp Chat - Elon Musk (CZ).txt", 25, 0, "2022-03-18 14:56:00", "2023-01-07 23:32:30", "2022-03-18 14:56:00", "2023-01-07 23:32:30", "mdy", "day>12"),
    "A4": ("whats_json/test/data/languages/russian_android.txt", 60, 1, "2022-03-23 13:31:00", "2023-01-07 23:32:00", "2022-03-18 14:56:00", "2023-01-07 23:32:00", "dmy", "day>12"),
    "I6": ("whats_json/test/data/languages/deutch_ios.txt", 23, 0, "2022-03-18 14:56:00", "2022-03-27 21:56:45", "2022-03-18 14:56:00", "2022-03-27 21:56:45", "mdy", "day>12"),
    "E5": ("whats_json/test/data/ios/WhatsApp Chat - Elon Musk (German).txt", 25, 0, "2022-03-18 14:56:00", "2023-01-07 23:32:30", "2022-03-18 14:56:00", "2023-01-07 23:32:30", "mdy", "day>12"),
    "I7": ("whats_json/test/data/languages/french_ios.txt", 23, 0, "2022-03-18 14:56:00", "2022-03-27 21:56:45", "2022-03-18 14:56:00", "2022-03-27 21:56:45", "mdy", "day>12"),
    "E4": ("whats_json/test/data/ios/WhatsApp Chat - Elon Musk (FR).txt", 25, 0, "2022-03-18 14:56:00", "2023-01-07 23:32:30", "2022-03-18 14:56:00", "2023-01-07 23:32:30", "mdy", "day>12"),
    "I14": ("whats_json/test/data/languages/spanish_ios.txt", 23, 0, "2022-03-18 14:56:00", "2022-03-27 21:56:45", "2022-03-18 14:56:00", "2022-03-27 21:56:45", "mdy", "day>12"),
    "E10": ("whats_json/test/data/ios/WhatsApp Chat - Elon Musk (Spanish).txt", 25, 0, "2022-03-18 14:56:00", "2023-01-07 23:32:30", "2022-03-18 14:56:00", "2023-01-07 23:32:30", "mdy", "day>12"),
    "I3": ("whats_json/test/data/languages/arabic_ios.txt", 23, 0, "2022-03-18 14:56:00", "2022-03-27 21:56:45", "2022-03-18 14:56:00", "2022-03-27 21:56:45", "dmy", "day>12"),
    "U7": ("whats_json/test/data/chats_unique/WhatsApp Chat - Arabic_NoMedia Dmitry S.txt", 23, 0, "2022-03-18 14:56:00", "2022-03-27 21:56:45", "2022-03-18 14:56:00", "2022-03-27 21:56:45", "dmy", "day>12"),
    "C2": ("whats_json/test/data/calendars/Japanese iOS.txt", 28, 0, "2022-03-18 14:56:01", "2023-01-12 15:35:15", "2022-03-18 14:56:01", "2023-01-12 15:35:15", "mdy", "day>12"),
    "I8": ("whats_json/test/data/languages/hindi_ios.txt", 23, 0, "2022-03-18 14:56:00", "2022-03-27 21:56:45", "2022-03-18 14:56:00", "2022-03-27 21:56:45", "mdy", "day>12"),
    "E12": ("whats_json/test/data/ios/iOS Hindi.txt", 28, 0, "2022-03-18 14:56:00", "2023-01-12 15:35:14", "2022-03-18 14:56:00", "2023-01-12 15:35:14", "mdy", "day>12"),
    "U6": ("whats_json/test/data/chats_unique/WhatsApp Chat - Group Chat XXX.txt", 17, 0, "2023-01-11 16:11:21", "2023-01-11 16:26:11", "2023-01-11 16:11:21", "2023-01-11 16:26:11", "mdy", "default"),
    "U3": ("whats_json/test/data/chats_unique/WhatsApp Chat - Group_NoMedia 2017.txt", 5, 1, "2017-06-03 00:45:00", "2017-09-04 01:50:00", "2017-06-03 00:45:00", "2017-09-04 01:50:00", "mdy", "chronology"),
}

PERSON_KINDS = {"message", "attachment", "media_omitted", "deleted", "location", "contact", "poll", "view_once", "missed_call"}


@pytest.fixture(scope="module")
def parsed(corpus_dir: Path):
    cache = {}

    def get(fid: str, **kw):
        key = (fid, tuple(sorted(kw.items())))
        if key not in cache:
            cache[key] = parse_export(corpus_dir / TABLE[fid][0], **kw)
        return cache[key]

    return get


def test_fixture_bytes_are_intact(corpus_dir: Path):
    readme = (corpus_dir / "README.md").read_text(encoding="utf-8")
    sums = re.findall(r"^([0-9a-f]{64})  (.+)$", readme, re.M)
    assert len(sums) >= 30
    for digest, rel in sums:
        assert hashlib.sha256((corpus_dir / rel).read_bytes()).hexdigest() == digest, rel


def test_every_corpus_file_is_listed(corpus_dir: Path):
    listed = {row[0] for row in TABLE.values()}
    listed.add("whatsapp-to-sqlite/tests/logs/testsubdir/WhatsApp Chat with Andrew Ryan.txt")
    on_disk = {str(p.relative_to(corpus_dir)) for p in corpus_dir.rglob("*") if p.suffix in (".txt", ".zip")}
    assert on_disk == listed


@pytest.mark.parametrize("fid", sorted(TABLE))
def test_structure_matches_readme(parsed, fid):
    path, entries, multi, first, last, lo, hi, order, reason = TABLE[fid]
    chat, msgs, warns = parsed(fid)
    assert len(msgs) == entries
    assert [w for w in warns if w.code.startswith("unparsed")] == []
    assert [m for m in msgs if m.kind == "system:unknown"] == []
    assert sum(1 for m in msgs if m.end_line > m.line) == multi
    assert msgs[0].timestamp == T(first)
    assert msgs[-1].timestamp == T(last)
    assert min(m.timestamp for m in msgs) == T(lo)
    assert max(m.timestamp for m in msgs) == T(hi)
    assert (chat.date_order, chat.date_order_reason) == (order, reason)
    # every input line is accounted for, in order, once
    covered = []
    for m in msgs:
        covered.extend(range(m.line, m.end_line + 1))
    assert covered == list(range(1, chat.lines + 1))
    assert chat.sha256 == hashlib.sha256((Path(chat.source)).read_bytes()).hexdigest()


@pytest.mark.parametrize("fid", ["L1", "U6", "A6"])
def test_undecidable_order_is_a_warning_and_hint_decides(parsed, fid):
    chat, msgs, warns = parsed(fid)
    assert any(w.code == "date-order-undecidable" for w in warns)
    expected = TABLE[fid][7]
    chat2, msgs2, warns2 = parsed(fid, date_order=expected)
    assert (chat2.date_order, chat2.date_order_reason) == (expected, "hint")
    assert not any(w.code == "date-order-undecidable" for w in warns2)


def test_u6_is_january_with_the_hint_and_november_read_day_first(parsed):
    _, msgs, _ = parsed("U6", date_order="mdy")
    assert msgs[0].timestamp == T("2023-01-11 16:11:21")
    _, msgs, _ = parsed("U6", date_order="dmy")
    assert msgs[0].timestamp == T("2023-11-01 16:11:21")


def test_hint_never_overrides_evidence(parsed):
    chat, _, warns = parsed("A1", date_order="mdy")
    assert chat.date_order == "dmy"
    assert any(w.code == "date-order-hint-ignored" for w in warns)


@pytest.mark.parametrize("fid", ["M1", "M2", "M3"])
def test_chat_miner_target(corpus_dir, parsed, fid):
    target = json.loads((corpus_dir / "chat-miner/test/whatsapp/target.json").read_text(encoding="utf-8"))
    _, msgs, _ = parsed(fid)
    people = [m for m in msgs if m.kind == "message"]
    # chat-miner drops "John Doe:." (no space after the colon); we keep it, text ".".
    dot = [m for m in people if m.text == "."]
    assert len(dot) == 1 and dot[0].sender == "John Doe"
    ours = sorted(
        ({"timestamp": m.timestamp.isoformat(), "author": m.sender, "message": m.text.replace("\n", " ")}
         for m in people if m.text != "."),
        key=lambda d: d["timestamp"], reverse=True,
    )
    assert ours == target
    system = [m for m in msgs if m.sender is None]
    assert [m.kind for m in system] == ["system:group_created", "system:participant_added"]
    assert system[0].event.actor == "+12 345 578" and system[0].event.value == "Groupname"


def test_chat_analytics_4a_11m(parsed):
    chat, msgs, _ = parsed("L1")
    people = [m for m in msgs if m.sender is not None]
    assert len(people) == 11
    assert {m.sender for m in people} == {"Alice", "Bob", "Eve", "Mallory", "Trent"}
    assert any(m.sender == "Alice" and m.text == "boiii" and m.timestamp == T("2020-09-12 23:55:00") for m in people)
    assert any(m.sender == "Trent" and m.text == "👩🏻\u200d⚖️" and m.timestamp == T("2020-09-12 23:55:00") for m in people)
    assert chat.is_group and chat.name == "Some cool group chat"


def test_egregora_zip(parsed):
    chat, msgs, warns = parsed("G1")
    assert chat.chat_member == "Conversa do WhatsApp com Teste.txt"
    assert sorted(m.name for m in chat.media) == [
        "IMG-20251027-WA0023.jpg", "IMG-20251028-WA0033.jpg", "IMG-20251028-WA0034.jpg", "IMG-20251028-WA0035.jpg"]
    people = [m for m in msgs if m.sender is not None]
    assert sum(1 for m in people if m.text) == 10
    assert {"Franklin", "Eurico Max"} <= {m.sender for m in people}
    assert not {"Iuri Brasil", "Você"} & {m.sender for m in people}
    assert any("IMG-20251028-WA0035.jpg" in m.text and "arquivo anexado" in m.text for m in msgs)
    assert any("@" in m.text and "teste de menção" in m.text for m in msgs)
    assert any(m.timestamp.date().isoformat() == "2025-10-28" for m in msgs)
    attached = [a for m in msgs for a in m.attachments]
    assert len(attached) == 4 and all(a.sha256 and a.member and not a.missing for a in attached)
    assert all(mm.referenced for mm in chat.media)
    timer = [m for m in msgs if m.kind == "system:disappearing_on"]
    assert timer[0].event.timer_days == 1.0
    assert not [w for w in warns if w.code.startswith("media-")]
    assert chat.name == "Teste" and chat.platform == "android"


def test_pustur_example_zip(parsed):
    chat, msgs, warns = parsed("P1")
    assert chat.platform == "ios" and chat.chat_member == "_chat.txt"
    assert chat.name == "WhatsApp Chat Parser Example"
    kinds = Counter(m.kind for m in msgs)
    assert kinds["attachment"] == 4 and kinds["poll"] == 1
    poll = next(m for m in msgs if m.kind == "poll")
    assert poll.text.startswith("POLL:\nWhen can we meet?\nOPTION: Thursday 15 evening (2 votes)")
    # the __MACOSX resource fork is neither the transcript nor unreferenced media
    names = {m.name for m in chat.media}
    assert "__MACOSX/.__chat.txt" in names
    assert [w.code for w in warns] == []
    multi = next(m for m in msgs if m.text.startswith("Come on..."))
    assert multi.text == "Come on...\r\ndon't be so mysterious and show us!"


@pytest.mark.parametrize("fid", ["I1", "I5", "I6", "I7", "I14", "I3", "I8"])
def test_whats_json_ios_languages(parsed, fid):
    _, msgs, _ = parsed(fid)
    kinds = Counter(m.kind for m in msgs)
    assert kinds["message"] == 4 and kinds["location"] == 2
    assert len(msgs) - kinds["message"] - kinds["location"] == 17
    assert kinds["system:encryption"] == 1 and kinds["deleted"] == 2


def test_whats_json_ios_media(parsed):
    _, msgs, _ = parsed("I2")
    media = Counter(a.media_type for m in msgs for a in m.attachments if not a.omitted)
    assert media == {"image": 3, "video": 2, "audio": 1, "gif": 1, "sticker": 2, "document": 3, "contact": 1}
    kinds = Counter(m.kind for m in msgs)
    assert kinds["message"] == 4 and kinds["location"] == 2
    system_like = kinds["system:encryption"] + kinds["system:security_code_changed"] + kinds["deleted"] + kinds["media_omitted"]
    assert system_like == 6
    code = [m for m in msgs if m.kind == "system:security_code_changed"]
    assert code[0].event.subject == "Elon" and code[0].sender is None


@pytest.mark.parametrize("fid", ["A1", "A3", "A4"])
def test_whats_json_android_languages(parsed, fid):
    _, msgs, _ = parsed(fid)
    kinds = Counter(m.kind for m in msgs)
    assert kinds["message"] == 15 and kinds["contact"] == 2 and kinds["location"] == 3
    assert len(msgs) - 20 == 40
    assert kinds["view_once"] == 2 and kinds["missed_call"] == 2 and kinds["deleted"] == 8
    venue = [m for m in msgs if m.kind == "location" and "\n" in m.text]
    assert len(venue) == 1


def test_japanese_era_year(parsed):
    _, msgs, _ = parsed("C2")
    assert msgs[0].timestamp == T("2022-03-18 14:56:01")


def test_arabic_digits_pm_and_phone_sender(parsed):
    chat, msgs, _ = parsed("I3")
    first_person = next(m for m in msgs if m.sender is not None)
    assert first_person.timestamp == T("2022-03-27 21:41:35")
    assert chat.name == "+40\u00a0521\u00a0028\u00a061\u00a088"  # shown form keeps U+00A0
    # the encryption notice is written behind the contact's number; it is not a message
    assert msgs[0].sender is None and msgs[0].kind == "system:encryption"


def test_group_events_typed_with_actor_subject_and_timer(parsed):
    _, msgs, _ = parsed("U6", date_order="mdy")
    by_kind = {}
    for m in msgs:
        by_kind.setdefault(m.kind, []).append(m)
    assert by_kind["system:group_created"][0].event.value == "Group Chat"
    assert by_kind["system:subject_changed"][0].event.actor == "Elon Musk"
    assert by_kind["system:subject_changed"][0].event.value == "Group Chat XXX"
    assert [m.event.timer_days for m in by_kind["system:disappearing_on"]] == [1.0, 7.0, 90.0]
    assert by_kind["system:disappearing_off"][0].event.timer_days == 0.0
    assert by_kind["system:participant_joined_via_link"][0].event.subject == "Tony Stark"
    rem = by_kind["system:participant_removed"][0].event
    assert (rem.actor, rem.subject) == ("You", "Tony Stark")
    _, msgs, _ = parsed("A6")
    admin = [m for m in msgs if m.kind == "system:admin_promoted"]
    assert len(admin) == 1
    joined = [m for m in msgs if m.kind == "system:participant_joined_via_link"][0]
    assert joined.event.subject == "+7 999 999-99-99"


def test_pokemon_encryption_notice_behind_group_name(parsed):
    chat, msgs, _ = parsed("W1")
    assert msgs[0].kind == "system:encryption" and msgs[0].sender is None
    assert chat.name == "Pokemon Chat"
    assert "Pokemon Chat" not in {p.name for p in chat.participants}


def test_u3_chronology_and_phone_sender(parsed):
    chat, msgs, _ = parsed("U3")
    people = [m for m in msgs if m.sender is not None]
    assert len(people) == 3
    last = people[-1]
    assert last.sender == "+905510386088" and last.sender_phone == "+905510386088"
    assert last.text == "How are you?\nIs everything alright?"


def test_german_attachment_with_caption(parsed):
    _, msgs, warns = parsed("S2")
    att = next(m for m in msgs if m.kind == "attachment")
    assert att.attachments[0].name == "VID-20181031-WA0007.mp4" and att.attachments[0].media_type == "video"
    assert att.text.endswith("\nDas hier meine ich")
    assert att.attachments[0].missing  # a .txt export without its media
    assert any(w.code == "media-missing" and w.line == att.line for w in warns)
    vcf = next(m for m in msgs if m.kind == "contact")
    assert vcf.attachments[0].media_type == "contact"


def test_empty_file_is_a_clear_error(corpus_dir):
    path = corpus_dir / "whatsapp-to-sqlite/tests/logs/testsubdir/WhatsApp Chat with Andrew Ryan.txt"
    with pytest.raises(EmptyExportError) as exc:
        parse_export(path)
    assert str(path) in str(exc.value) and "empty" in str(exc.value)
