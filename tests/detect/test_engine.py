"""The detection engine and the detector protocol: order of findings, blocks, hits and
findings built the fast way are the same values as built the plain way."""

from __future__ import annotations

import dataclasses
import pickle
from datetime import datetime

import pytest

from chatwarden.detect import base, engine
from chatwarden.detect.base import Hit, TextDetector
from chatwarden.detect.engine import DetectionEngine
from chatwarden.detect.text import detection_view, media_name_view
from chatwarden.model import Explanation, Finding, Message, Span

TEXTS = [
    "PNC 88/1234567C, call him on 07700 900123",
    "ok",
    "",
    "OFFICIAL-SENSITIVE: briefing at 0900, suspect charged with ABH",
    "the statement from the witness is on the system",
    "Reg plates TX07 MDT seen at the address, NHS no 943 476 5919",
    "lunch?",
    "can you cover my shift on saturday, it\u2019s my daughter\u2019s birthday",
]


def _messages(n: int) -> list[Message]:
    base_time = datetime(2025, 3, 1, 9, 0)
    kinds = ["message", "message", "system", "attachment", "message"]
    return [Message(i, base_time, "PC Test", TEXTS[i % len(TEXTS)], kinds[i % len(kinds)], i + 1, i + 1)
            for i in range(n)]


def _plain(eng: DetectionEngine, messages: list[Message]) -> list[Finding]:
    """The engine's contract, written the slow way: message by message, detector by detector."""
    out = []
    for m in messages:
        if m.kind not in base.TEXT_KINDS or not m.text:
            continue
        view = detection_view(m.text)
        if m.kind == "attachment":
            view = media_name_view(view)
        for d in eng._text:
            for hit in d.scan(view):
                out.append(Finding(d.name, hit.label, m.index, Span(hit.start, hit.end), hit.score,
                                   Explanation(d.name, d.version, hit.pattern, hit.validation, hit.context,
                                               score=hit.score, reason=hit.reason)))
    return out


@pytest.mark.parametrize("block", [1, 3, 7, 1024])
def test_blocks_keep_message_then_detector_order(monkeypatch: pytest.MonkeyPatch, block: int) -> None:
    eng = DetectionEngine.default(["identifiers", "markings", "policing", "names", "topics"])
    messages = _messages(40)
    monkeypatch.setattr(engine, "BLOCK", block)
    found = eng.text_findings(messages)
    assert found == _plain(eng, messages)
    assert [repr(f) for f in found] == [repr(f) for f in _plain(eng, messages)]
    assert len({f.detector for f in found}) >= 4


def test_no_text_detectors_and_no_messages() -> None:
    assert DetectionEngine([]).text_findings(_messages(5)) == []
    assert DetectionEngine.default(["identifiers"]).text_findings([]) == []


def test_detection_view_keeps_ascii_text_and_length() -> None:
    assert detection_view("plain text") == "plain text"
    odd = "it\u2019s\u00a0a\u2013b\u200b"
    view = detection_view(odd)
    assert view == "it's a-b " and len(view) == len(odd)


def test_hit_is_a_frozen_dataclass() -> None:
    h = Hit("x", 1, 2, 0.5)
    assert h == Hit(label="x", start=1, end=2, score=0.5, pattern=None, validation=None, context=(), reason="")
    assert hash(h) == hash(Hit("x", 1, 2, 0.5))
    assert dataclasses.asdict(Hit("x", 1, 2, 0.5, "p", "v", ("c",), "r")) == {
        "label": "x", "start": 1, "end": 2, "score": 0.5, "pattern": "p", "validation": "v", "context": ("c",),
        "reason": "r"}
    assert dataclasses.replace(h, start=0).start == 0
    assert repr(h) == "Hit(label='x', start=1, end=2, score=0.5, pattern=None, validation=None, context=(), reason='')"
    assert pickle.loads(pickle.dumps(h)) == h
    with pytest.raises(dataclasses.FrozenInstanceError):
        h.start = 3  # type: ignore[misc]
    with pytest.raises(TypeError):
        Hit("x", 1, 2)  # type: ignore[call-arg]


def test_fast_findings_equal_the_constructed_ones() -> None:
    assert base._FAST_FINDING

    class Probe(TextDetector):
        name = "probe"
        version = "9.9"
        labels = frozenset({"x"})

        def scan(self, text: str) -> list[Hit]:
            return []

    hit = Hit("x", 3, 9, 0.75, "pat", "valid", ("a", "b"), "why")
    f = Probe().finding(4, hit)
    expected = Finding("probe", "x", 4, Span(3, 9), 0.75,
                       Explanation("probe", "9.9", "pat", "valid", ("a", "b"), (), 0.75, "why"))
    assert f == expected and repr(f) == repr(expected) and hash(f) == hash(expected)
    assert pickle.loads(pickle.dumps(f)) == expected
    with pytest.raises(dataclasses.FrozenInstanceError):
        f.score = 1.0  # type: ignore[misc]


def test_detection_view_equals_the_full_translation_on_mixed_text():
    """The shortcut (no replaceable character -> the text itself) never changes a view."""
    import random

    from chatwarden.detect import text as view_mod

    pool = [chr(c) for c in view_mod._SAME_LENGTH] + list("ab 1:é😀\u0301ñ\n")
    rng = random.Random(5)
    for _ in range(20000):
        s = "".join(rng.choice(pool) for _ in range(rng.randint(0, 10)))
        assert view_mod.detection_view(s) == s.translate(view_mod._SAME_LENGTH)


@pytest.mark.parametrize("text", [
    "\u200e<attached: 00000012-PHOTO-2025-03-14-18-22-05.jpg>",
    "\u200e<attached: 00000013-VIDEO-2025-03-14-18-23-10.mp4>",
    "IMG-20250314-WA0012.jpg (file attached)",
    "PTT-20241231-WA0107.opus (file attached)",
])
def test_a_generated_media_file_name_is_not_read_as_identifiers(text: str) -> None:
    eng = DetectionEngine.default()
    m = Message(0, datetime(2025, 3, 14, 18, 22), "Jordan Blake", text, "attachment", 1, 1)
    assert eng.text_findings([m]) == []
    assert len(media_name_view(text)) == len(text)


def test_a_caption_and_a_document_s_own_name_are_still_read() -> None:
    eng = DetectionEngine.default(["identifiers"])
    caption = "IMG-20250314-WA0012.jpg (file attached)\nhis DOB is 12/04/1991, NHS 943 476 5919"
    found = eng.text_findings([Message(0, datetime(2025, 3, 14), "PC A", caption, "attachment", 1, 1)])
    assert {f.label for f in found} >= {"date_of_birth", "nhs_number"}
    assert all(caption[f.span.start:f.span.end] for f in found)
    doc = "\u200e<attached: 00000022-Statement 943 476 5919.pdf>"
    assert media_name_view(doc) == doc.replace("00000022-", " " * 9)
    found = eng.text_findings([Message(0, datetime(2025, 3, 14), "PC A", doc, "attachment", 1, 1)])
    assert "nhs_number" in {f.label for f in found}
