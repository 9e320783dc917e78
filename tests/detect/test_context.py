"""The context detector: findings across neighbouring messages, built from small message
lists, from explicit findings of other detectors, from its own fallback, and from a tiny
Android export parsed from disk."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from chatwarden.detect.context import LABELS, ContextDetector, is_staff_name, load_context_data
from chatwarden.detect.engine import DetectionEngine
from chatwarden.detect.lexicons import read_text
from chatwarden.detect.names import NameDetector
from chatwarden.detect.policing import PolicingDetector
from chatwarden.errors import ConfigError
from chatwarden.ingest import parse_export
from chatwarden.model import Attachment, Explanation, Finding, Message

T0 = datetime(2024, 6, 3, 18, 0)
OFFICER = "DC Amara OKAFOR"
PUBLIC = "Jordan Blake"
DET = ContextDetector()

VIDEO = (Attachment("VID-20240603-WA0001.mp4", "video"),)
IMAGE = (Attachment("IMG-20240603-WA0002.jpg", "image"),)
OMITTED = (Attachment(None, "other", omitted=True),)
STICKER = (Attachment("STK-20240603-WA0003.webp", "sticker"),)


def msg(i: int, sender: str | None, text: str, minutes: float = 0, kind: str = "message",
        att: tuple[Attachment, ...] = ()) -> Message:
    return Message(i, T0 + timedelta(minutes=minutes), sender, text, kind, i + 1, i + 1, attachments=att)


def media(i: int, sender: str, att: tuple[Attachment, ...], minutes: float = 0, caption: str = "") -> Message:
    if att and att[0].omitted:
        return msg(i, sender, "<Media omitted>", minutes, "media_omitted", att)
    name = att[0].name or "file"
    return msg(i, sender, f"{name} (file attached)" + (f"\n{caption}" if caption else ""), minutes, "attachment", att)


def labels(findings: list[Finding]) -> set[tuple[str, int | None]]:
    return {(f.label, f.message_index) for f in findings}


def finding(label: str, index: int) -> Finding:
    return Finding("other", label, index, None, 0.9, Explanation("other", "1"))


# ----------------------------------------------------------------------------- media from the public

CASES = [
    (
        "public video after 'here it is' in a chat with an officer",
        [msg(0, OFFICER, "Hi Jordan, it's DC Okafor"), msg(1, PUBLIC, "here it is, I recorded him", 2),
         media(2, PUBLIC, VIDEO, 2)],
        {("evidence.media_from_public", 2), ("evidence.cctv_shared", 2)},
    ),
    (
        "public photo without words still counts in a chat with an officer",
        [msg(0, OFFICER, "Thanks for calling earlier"), media(1, "+44 7700 900123", IMAGE, 5)],
        {("evidence.media_from_public", 1)},
    ),
    (
        "media omitted from the public with a caption-like cue the next minute",
        [msg(0, OFFICER, "Any luck with the neighbour's camera?"), media(1, PUBLIC, OMITTED, 1),
         msg(2, PUBLIC, "this is the footage from next door", 2)],
        {("evidence.media_from_public", 1), ("evidence.cctv_shared", 1)},
    ),
    (
        "an officer's own photo is not from the public",
        [msg(0, PUBLIC, "ok thanks"), media(1, OFFICER, IMAGE, 1)],
        set(),
    ),
    (
        "a sticker is not evidence",
        [msg(0, OFFICER, "Hi Jordan"), media(1, PUBLIC, STICKER, 1)],
        set(),
    ),
    (
        "no officer in the chat and no evidential words: nothing to say",
        [msg(0, "Sam Hill", "pics from the weekend"), media(1, PUBLIC, IMAGE, 1)],
        set(),
    ),
]


@pytest.mark.parametrize(("name", "messages", "expected"), CASES, ids=[c[0] for c in CASES])
def test_media_cases(name: str, messages: list[Message], expected: set[tuple[str, int]]) -> None:
    assert labels(DET.detect(messages, {})) == expected


def test_media_from_public_scores_and_explains() -> None:
    msgs = [msg(0, OFFICER, "Hi Jordan"), msg(1, PUBLIC, "here it is, I recorded him", 2), media(2, PUBLIC, VIDEO, 2)]
    f = next(f for f in DET.detect(msgs, {}) if f.label == "evidence.media_from_public")
    assert f.detector == "context" and f.message_index == 2 and f.span is None
    assert f.score == 0.9 and f.explanation.related_messages == (1,)
    assert "Axon" in f.explanation.reason and "Jordan" not in f.explanation.reason
    plain = [msg(0, OFFICER, "Hi Jordan"), media(1, PUBLIC, VIDEO, 2)]
    g = next(f for f in DET.detect(plain, {}) if f.label == "evidence.media_from_public")
    assert g.score < f.score and g.explanation.related_messages == ()


def _scored(label: str, index: int, score: float) -> Finding:
    return Finding("topics", label, index, None, score, Explanation("topics", "1"))


def test_family_photo_in_personal_talk_is_not_evidence() -> None:
    officer = "PC Chloe BENNETT"
    msgs = [msg(0, "Mum", "Are you coming for Sunday dinner next week? x"), msg(1, officer, "Can't this week", 3),
            media(2, "Mum", OMITTED, 4), msg(3, "Mum", "Biscuit says hello", 4)]
    # the personal-use finding next to the photo (as the topics model gives it) decides
    assert labels(DET.detect(msgs, {0: [_scored("topic.personal_use", 0, 1.0)]})) == set()
    assert labels(DET.detect(msgs, {0: [_scored("personal.family", 0, 0.8)]})) == set()
    # a weak personal score does not count, and neither does personal talk outside the window
    assert labels(DET.detect(msgs, {0: [_scored("topic.personal_use", 0, 0.5)]})) == {("evidence.media_from_public", 2)}
    far = [msgs[0], msg(1, officer, "x", 30), msg(2, officer, "y", 31), media(3, "Mum", OMITTED, 32)]
    assert labels(DET.detect(far, {0: [_scored("topic.personal_use", 0, 1.0)]})) == {("evidence.media_from_public", 3)}


def test_evidence_words_win_over_personal_talk() -> None:
    msgs = [msg(0, PUBLIC, "my kids were terrified, here it is, I recorded him", 0), media(1, PUBLIC, VIDEO, 1)]
    got = labels(DET.detect(msgs, {0: [_scored("topic.personal_use", 0, 1.0)]}))
    assert ("evidence.media_from_public", 1) in got


def test_evidential_words_without_any_officer_score_lower() -> None:
    msgs = [msg(0, "Sam Hill", "what happened?"), msg(1, PUBLIC, "I filmed him doing it", 1),
            media(2, PUBLIC, VIDEO, 1)]
    f = next(f for f in DET.detect(msgs, {}) if f.label == "evidence.media_from_public")
    assert f.score == 0.6


def test_cue_outside_the_time_window_does_not_count() -> None:
    msgs = [msg(0, OFFICER, "Hi Jordan"), msg(1, PUBLIC, "here it is", 0), media(2, PUBLIC, IMAGE, 45)]
    f = next(f for f in DET.detect(msgs, {}) if f.label == "evidence.media_from_public")
    assert f.explanation.related_messages == () and f.score == 0.75


# ----------------------------------------------------------------------------- footage shared


def test_officer_sharing_bwv_video_is_cctv_shared_not_public() -> None:
    msgs = [msg(0, OFFICER, "my BWV from the arrest"), media(1, OFFICER, VIDEO, 1)]
    assert labels(DET.detect(msgs, {})) == {("evidence.cctv_shared", 1)}


def test_footage_mention_too_far_away_in_messages_or_time() -> None:
    far_msgs = [msg(0, OFFICER, "the CCTV from the shop"), msg(1, OFFICER, "a"), msg(2, OFFICER, "b"),
                msg(3, OFFICER, "c"), media(4, OFFICER, VIDEO, 1)]
    assert labels(DET.detect(far_msgs, {})) == set()
    late = [msg(0, OFFICER, "the CCTV from the shop"), media(1, OFFICER, VIDEO, 11)]
    assert labels(DET.detect(late, {})) == set()


def test_still_from_cctv_as_image() -> None:
    msgs = [media(0, OFFICER, IMAGE, 0, caption="still from the CCTV")]
    assert labels(DET.detect(msgs, {})) == {("evidence.cctv_shared", 0)}


# ----------------------------------------------------------------------------- custody image shared


def test_custody_image_next_to_media_with_given_findings() -> None:
    msgs = [msg(0, OFFICER, "see below"), media(1, OFFICER, OMITTED, 0), msg(2, "Sgt Dan PRICE", "thanks", 1)]
    got = DET.detect(msgs, {0: [finding("custody.image", 0)]})
    assert labels(got) == {("custody.image_shared", 1)}
    f = got[0]
    assert f.explanation.related_messages == (0,) and f.score == 0.75


def test_custody_image_with_fallback_detection() -> None:
    msgs = [msg(0, OFFICER, "here's the custody photo of our man"), media(1, OFFICER, IMAGE, 1)]
    got = DET.detect(msgs)  # no findings given: the detector runs policing and names itself
    assert ("custody.image_shared", 1) in labels(got)
    assert next(f for f in got if f.label == "custody.image_shared").score == 0.85


def test_custody_mention_without_media_is_nothing() -> None:
    msgs = [msg(0, OFFICER, "custody photo is on the system"), msg(1, OFFICER, "thanks", 1)]
    assert labels(DET.detect(msgs)) == set()


# ----------------------------------------------------------------------------- name and date of birth


def test_name_then_dob_same_sender_with_findings() -> None:
    msgs = [msg(0, OFFICER, "name is x"), msg(1, OFFICER, "born y", 1)]
    got = DET.detect(msgs, {0: [finding("person.name", 0)], 1: [finding("date_of_birth", 1)]})
    assert labels(got) == {("personal_data.name_dob", 1)}
    assert got[0].explanation.related_messages == (0,)


def test_dob_then_name_and_postcode_split() -> None:
    given = {0: [finding("date_of_birth", 0)], 1: [finding("person.name", 1)]}
    msgs = [msg(0, OFFICER, "a"), msg(1, OFFICER, "b", 2)]
    assert labels(DET.detect(msgs, given)) == {("personal_data.name_dob", 1)}
    given = {0: [finding("person.name", 0)], 1: [finding("postcode", 1)]}
    f = DET.detect(msgs, given)
    assert labels(f) == {("personal_data.name_dob", 1)} and f[0].score == 0.7


@pytest.mark.parametrize(
    ("messages", "given"),
    [
        ([msg(0, OFFICER, "a"), msg(1, "PC Other", "b", 1)], {0: ["person.name"], 1: ["date_of_birth"]}),
        ([msg(0, OFFICER, "a"), msg(1, OFFICER, "b", 30)], {0: ["person.name"], 1: ["date_of_birth"]}),
        ([msg(0, OFFICER, "a"), msg(1, OFFICER, "b", 1)], {0: ["person.name", "date_of_birth"], 1: ["date_of_birth"]}),
        ([msg(0, OFFICER, "a"), msg(1, OFFICER, "b", 1)], {0: ["person.officer"], 1: ["date_of_birth"]}),
    ],
    ids=["other-sender", "too-late", "already-together", "officer-name"],
)
def test_name_dob_negatives(messages: list[Message], given: dict[int, list[str]]) -> None:
    hits = {i: [finding(label, i) for label in ls] for i, ls in given.items()}
    assert labels(DET.detect(messages, hits)) == set()


def test_name_dob_with_fallback_detection() -> None:
    msgs = [msg(0, OFFICER, "Name is Gary PEMBERTON"), msg(1, OFFICER, "DOB 04/11/1987", 1)]
    assert labels(DET.detect(msgs)) == {("personal_data.name_dob", 1)}


# ----------------------------------------------------------------------------- an export parsed from disk

EXPORT = """\
03/06/2024, 18:00 - DC Amara OKAFOR: Hi Jordan, it's DC Okafor about the damage to your car
03/06/2024, 18:02 - Jordan Blake: sending you the doorbell video now
03/06/2024, 18:02 - Jordan Blake: VID-20240603-WA0001.mp4 (file attached)
03/06/2024, 18:05 - DC Amara OKAFOR: Thank you, I'll get that uploaded
03/06/2024, 19:10 - DC Amara OKAFOR: Name of the other driver is Gary PEMBERTON
03/06/2024, 19:11 - DC Amara OKAFOR: DOB 04/11/1987
"""


def test_android_export_end_to_end(tmp_path: Path) -> None:
    path = tmp_path / "WhatsApp Chat with Jordan Blake.txt"
    path.write_text(EXPORT, encoding="utf-8")
    chat, messages, _ = parse_export(path)
    assert len(messages) == 6 and messages[2].kind == "attachment"
    engine = DetectionEngine([PolicingDetector(), NameDetector(), ContextDetector()])
    findings = engine.run(messages, chat)
    ctx = {(f.label, f.message_index, f.explanation.related_messages) for f in findings if f.detector == "context"}
    assert ("evidence.media_from_public", 2, (1,)) in ctx
    assert ("evidence.cctv_shared", 2, (1,)) in ctx
    # the name comes from the names detector; without an identifiers detector no date of birth is found
    assert not any(label == "personal_data.name_dob" for label, _, _ in ctx)
    # the detector's own fallback finds the split name and date of birth
    assert ("personal_data.name_dob", 5) in labels(ContextDetector().detect(messages))


# ----------------------------------------------------------------------------- staff names and data


@pytest.mark.parametrize(
    ("name", "staff"),
    [
        ("DC Amara OKAFOR", True), ("PC Sam Reid 123AB", True), ("Sgt Dan PRICE", True),
        ("Priya Shah Analyst", True), ("Jordan Blake", False), ("+44 7700 900123", False),
        ("Mum", False), (None, False),
    ],
)
def test_staff_names(name: str | None, staff: bool) -> None:
    assert is_staff_name(name) is staff


def test_labels_and_identity() -> None:
    assert ContextDetector.labels == LABELS == frozenset(
        {"evidence.media_from_public", "custody.image_shared", "personal_data.name_dob", "evidence.cctv_shared"})
    assert ContextDetector.name == "context" and ContextDetector.version == "1.1.0"
    assert DET.detect([]) == []


def test_shipped_data_loads_and_loader_is_strict() -> None:
    text, name = read_text("context.yaml")
    data = load_context_data(text, name)
    assert data.window == 2 and data.minutes == timedelta(minutes=10)
    with pytest.raises(ConfigError) as exc:
        load_context_data(text + "colour: red\n", "c.yaml")
    assert any("unknown key 'colour'" in p for p in exc.value.problems)
    with pytest.raises(ConfigError) as exc:
        load_context_data(text.replace("window_messages: 2", "window_messages: 0"), "c.yaml")
    assert any("window_messages must be a whole number" in p for p in exc.value.problems)
    with pytest.raises(ConfigError) as exc:
        load_context_data(text.replace("  footage:\n  - '", "  footage:\n  - '(unclosed"), "c.yaml")
    assert any("bad regular expression" in p and p.startswith("c.yaml:") for p in exc.value.problems)
