"""Round trip: chats written by ``chatwarden.ingest.render`` in every catalogued export style,
as ``.txt`` and as ``.zip`` with media, parse back exactly.

Hypothesis draws the chats (senders with emoji, hyphens, apostrophes, ``~ Name`` and spaced
phone numbers; multi-line texts with blank lines, unicode, ``": "`` inside, leading digits or
``[`` and trailing spaces; non-decreasing timestamps 2009-2035).  Every example is written in
all styles of :data:`~chatwarden.ingest.render.STYLES`, in both containers, and compared field by
field: count, timestamps (to the style's resolution), senders, texts byte for byte, kinds,
attachments (linked to the zip member with its SHA-256), warnings and line coverage.

Lines inside a message that themselves look like a message header (a pasted chat) are kept
out of the general property on purpose: the parser decides those by heuristics, tested in
``test_pasted_header_*``.  The four tests at the end began as strict xfails for parser bugs
this file found (fixed in c56b641) and stay as regression tests.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatwarden.ingest import parse_export
from chatwarden.ingest.formats import LINE_RE, MARKS
from chatwarden.ingest.markers import EXACT_BODIES
from chatwarden.ingest.render import (
    KINDS,
    STYLE_FIXTURES,
    STYLES,
    WORDING,
    ChatEntry,
    HeaderStyle,
    iter_render,
    media_file_name,
    render_body,
    render_chat,
    render_header,
    render_line,
    render_zip,
    supported_kinds,
    zip_member_name,
)

SETTINGS = settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# ------------------------------------------------------------------------------------------
# Strategies
# ------------------------------------------------------------------------------------------
NAMES = [
    "Alice", "Bob Smith", "John-John Doe", "Siobhan O'Neil", "D\u2019Arcy", "~ Priya", "~\u202fSam Patel",
    "John Doe \U0001F913", "\U0001F913", "Zo\u00eb M\u00fcller", "Jean-Luc", "Mar\u00eda Jos\u00e9",
    "\u0418\u0432\u0430\u043d", "\u0645\u062d\u0645\u062f", "\u674e\u96f7", "DC 1234 Smith", "Sgt. Brown",
    "+44 7700 900123", "+1 202 555 0143", "+49 151 23456789", "+44\u00a07700\u00a0900456", "+905510386088",
    "Mum and Dad", "Smith, John", "Rosa e Silva",
]
_NAME_PARTS = st.sampled_from(list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ -'.\u00e9\u00df\u0416\u4e2d")
                             + ["\U0001F600", "\U0001F44D\U0001F3FD"])
drawn_name = st.lists(_NAME_PARTS, min_size=1, max_size=14).map("".join).map(str.strip).filter(
    lambda s: bool(s) and s not in ("You", "you") and "  " not in s
)
names = st.one_of(st.sampled_from(NAMES), drawn_name)

WORDS = [
    "hello", "ok", "on my way", "a: b", "time: 10:30", "Lorem ipsum : dolor", "[note]", "[1/2] part",
    "3 apples", "10:30 works", "2022 was odd", "1/2 cup", "24/7", "caf\u00e9", "na\u00efve", "\u00fcber",
    "\u65e5\u672c\u8a9e", "\u0645\u0631\u062d\u0628\u0627", "\u05e9\u05dc\u05d5\u05dd", "\u041f\u0440\u0438\u0432\u0435\u0442",
    "\U0001F44D\U0001F3FD", "\U0001F468\u200d\U0001F469\u200d\U0001F467", "\u2764\ufe0f", "\U0001F1EC\U0001F1E7",
    "x\u200ey", "5m\u00b2 \u00bd price\u2122 \ufb01le \uff21\uff22", "tab\there", "\u00a0nbsp", "a\u2028b",
    "@\u2068Eurico Max\u2069", "- dash", "* star", "#tag", "\"quoted\"", "it's", "\u2014", "~ tilde",
]
_FRAG_ALPHABET = st.sampled_from(
    list("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?'\"-_/[]{}*#@&%+=~|\\^$")
    + ["\u00a0", "\u00e9", "\u00df", "\u0416", "\u0639", "\u4e2d", "\U0001F600", "\u200d", "\ufe0f", "\u202f"]
)
fragment = st.one_of(st.sampled_from(WORDS), st.text(_FRAG_ALPHABET, max_size=10))
text_line = st.builds(
    lambda parts, tail: " ".join(parts) + tail,
    st.lists(fragment, max_size=5),
    st.sampled_from(["", "", "", " ", "  "]),
)
texts = st.lists(text_line, min_size=1, max_size=4).map("\n".join)
_POLL_LIKE = re.compile(r"\s*[A-Z\u0400-\u042f]+:\s*\Z")


def _plain(text: str) -> bool:
    """True unless the text is one of WhatsApp's own bodies (a marker WhatsApp writes instead
    of a message: "null", "Missed voice call" ...) or a line inside it looks like a header."""
    lines = text.split("\n")
    if text.strip(" " + MARKS) in EXACT_BODIES or lines[0].strip(" " + MARKS) in EXACT_BODIES:
        return False
    if "http" in text or (len(lines) > 1 and _POLL_LIKE.match(lines[0])):
        return False
    return not any(rx.match(line) for line in lines[1:] for rx in LINE_RE.values())


plain_texts = texts.filter(_plain)
captions = st.one_of(st.just(""), plain_texts)

START_MIN, START_MAX = datetime(2009, 1, 13), datetime(2034, 12, 13)
GAPS = [timedelta(0), timedelta(seconds=1), timedelta(seconds=59), timedelta(minutes=1), timedelta(minutes=17),
        timedelta(hours=1), timedelta(hours=13), timedelta(days=1), timedelta(days=12), timedelta(days=40),
        timedelta(days=400)]


@dataclass
class Draft:
    """A chat before it is written in a style (attachment names depend on the platform)."""

    participants: list[str]
    group: str | None
    entries: list[tuple] = field(default_factory=list)  # (ts, sender|None, kind, text, extra)
    media: list[bytes] = field(default_factory=list)


@st.composite
def drafts(draw, kinds=("message", "attachment", "media_omitted", "deleted", "edited")) -> Draft:
    people = draw(st.lists(names, min_size=1, max_size=5, unique_by=lambda s: s.lower()))
    group = draw(st.sampled_from(["Ops Team", "Family \U0001F3E0", "Shift B"])) if len(people) > 2 or draw(st.booleans()) else None
    # A start day of 13..28 makes day/month order decidable from the file (day > 12).
    start = draw(st.datetimes(START_MIN, START_MAX)).replace(microsecond=0)
    start = start.replace(day=draw(st.integers(13, 28)))
    n = draw(st.integers(1, 40))
    gaps = draw(st.lists(st.sampled_from(GAPS), min_size=n, max_size=n))
    stamps, ts = [], start
    for gap in [timedelta(0)] + gaps[1:]:
        ts = min(ts + gap, datetime(2035, 12, 31, 23, 59, 59))
        stamps.append(ts)
    d = Draft(people, group)
    it = iter(stamps)
    budget = n
    if group:
        # WhatsApp's group preamble: the encryption notice, "created group", "added X" for
        # some participants (members added at creation are not listed).
        preamble = [(None, "system:encryption", "", group), (None, "system:group_created", "", people[0])]
        preamble += [(None, "system:participant_added", "", (people[0], p)) for p in people[1:] if draw(st.booleans())]
        for sender, kind, text, extra in preamble[:budget]:
            d.entries.append((next(it), sender, kind, text, extra))
        budget -= min(len(preamble), budget)
    elif draw(st.booleans()):
        d.entries.append((next(it), None, "system:encryption", "", people[-1]))
        budget -= 1
    for _ in range(budget):
        ts = next(it)
        kind = draw(st.sampled_from(["message"] * 6 + list(kinds)))
        sender = draw(st.sampled_from(people))
        if group and kind == "message" and draw(st.integers(0, 9)) == 0:
            kind = draw(st.sampled_from(["system:subject_changed", "system:participant_left"]))
        if kind in ("message", "edited"):
            d.entries.append((ts, sender, kind, draw(plain_texts), None))
        elif kind == "attachment":
            d.entries.append((ts, sender, kind, draw(captions), draw(st.sampled_from(["image", "video", "audio", "document"]))))
            d.media.append(draw(st.binary(max_size=64)))
        elif kind == "media_omitted":
            d.entries.append((ts, sender, kind, "", draw(st.sampled_from(["image", "video", "audio", "sticker", "GIF", "document"]))))
        elif kind == "deleted":
            d.entries.append((ts, sender, kind, "", None))
        elif kind == "system:subject_changed":
            d.entries.append((ts, None, kind, "", (sender, draw(st.sampled_from(["Night Shift", "Team \u2615", "Q3"])))))
        elif kind == "system:participant_left":
            d.entries.append((ts, None, kind, "", sender))
    return d


def materialise(d: Draft, style: HeaderStyle) -> tuple[list[ChatEntry], dict[str, bytes]]:
    entries: list[ChatEntry] = []
    media: dict[str, bytes] = {}
    seq = 0
    for ts, sender, kind, text, extra in d.entries:
        if kind == "message":
            entries.append(ChatEntry(ts, sender, text))
        elif kind == "edited":
            entries.append(ChatEntry(ts, sender, text, edited=True))
        elif kind == "attachment":
            seq += 1
            name = media_file_name(style, ts, seq, extra)
            caption = text.split("\n")[0] if style.platform == "ios" else text
            entries.append(ChatEntry(ts, sender, caption, "attachment", attachment=name))
            media[name] = d.media[seq - 1]
        elif kind == "media_omitted":
            entries.append(ChatEntry(ts, sender, kind="media_omitted", media=extra))
        elif kind == "deleted":
            entries.append(ChatEntry(ts, sender, kind="deleted"))
        elif kind == "system:encryption":
            # Current iOS writes the notice behind the chat's name (with U+200E before the
            # text); Android and older iOS write it without a name.
            entries.append(ChatEntry(ts, extra if style.platform == "ios" and style.mark else None, kind=kind))
        elif kind == "system:group_created":
            entries.append(ChatEntry(ts, None, kind=kind, actor=extra, value=d.group))
        elif kind == "system:participant_added":
            entries.append(ChatEntry(ts, None, kind=kind, actor=extra[0], subject=extra[1]))
        elif kind == "system:subject_changed":
            entries.append(ChatEntry(ts, None, kind=kind, actor=extra[0], value=extra[1]))
        elif kind == "system:participant_left":
            entries.append(ChatEntry(ts, None, kind=kind, subject=extra))
    return entries, media


# ------------------------------------------------------------------------------------------
# The comparison
# ------------------------------------------------------------------------------------------
PERSON = ("message", "attachment", "media_omitted", "deleted")


def expected_kind(e: ChatEntry, style: HeaderStyle) -> str:
    if e.kind == "media_omitted" and style.platform == "ios" and e.media == "contact":
        return "contact"
    return e.kind


def expected_text(e: ChatEntry, style: HeaderStyle, language: str = "en") -> str:
    return render_body(e, style, language)


def check(path: Path, entries: list[ChatEntry], style: HeaderStyle, media: dict[str, bytes], *,
          container: str, language: str = "en", **kw) -> list[str]:
    """Parse ``path`` and return every difference from ``entries`` (empty = exact)."""
    chat, msgs, warns = parse_export(path, **kw)
    p: list[str] = []
    if len(msgs) != len(entries):
        p.append(f"{len(msgs)} messages parsed, {len(entries)} written")
    for i, (e, m) in enumerate(zip(entries, msgs)):
        want_sender = e.sender if e.kind in PERSON else None
        if m.timestamp != style.truncate(e.timestamp):
            p.append(f"#{i} timestamp {m.timestamp} != {style.truncate(e.timestamp)}")
        if m.sender != want_sender:
            p.append(f"#{i} sender {m.sender!r} != {want_sender!r}")
        if m.text != expected_text(e, style, language):
            p.append(f"#{i} text {m.text!r} != {expected_text(e, style, language)!r}")
        if m.kind != expected_kind(e, style):
            p.append(f"#{i} kind {m.kind!r} != {expected_kind(e, style)!r}")
        if m.edited != e.edited:
            p.append(f"#{i} edited {m.edited} != {e.edited}")
        if want_sender and want_sender.startswith("+") and m.sender_phone != "+" + re.sub(r"\D", "", want_sender):
            p.append(f"#{i} sender_phone {m.sender_phone!r}")
        if e.kind == "attachment":
            if len(m.attachments) != 1 or m.attachments[0].name != e.attachment:
                p.append(f"#{i} attachments {m.attachments!r}")
            elif container == "zip":
                a = m.attachments[0]
                data = media[e.attachment]
                if (a.member, a.sha256, a.size, a.missing) != (e.attachment, hashlib.sha256(data).hexdigest(), len(data), False):
                    p.append(f"#{i} attachment not linked: {a!r}")
            elif not m.attachments[0].missing:
                p.append(f"#{i} attachment of a .txt export not marked missing")
        elif e.kind == "message" and m.attachments:
            p.append(f"#{i} unexpected attachments {m.attachments!r}")
        if e.kind.startswith("system:") and m.event is not None:
            for attr in ("actor", "subject", "value"):
                want = getattr(e, attr)
                if want is not None and getattr(m.event, attr) != want:
                    p.append(f"#{i} event.{attr} {getattr(m.event, attr)!r} != {want!r}")
    n_attach = sum(1 for e in entries if e.kind == "attachment")
    allowed = {"media-missing"} if container == "txt" else set()
    extra = [w for w in warns if w.code not in allowed]
    if extra:
        p.append(f"warnings {[(w.code, w.line) for w in extra]}")
    if container == "txt" and sum(1 for w in warns if w.code == "media-missing") != n_attach:
        p.append("one media-missing warning per attachment of a .txt export expected")
    covered = [n for m in msgs for n in range(m.line, m.end_line + 1)]
    text = "".join(iter_render(entries, style, language))
    if covered != list(range(1, text.count("\n") + 1)) or chat.lines != text.count("\n"):
        p.append(f"lines covered {covered[:3]}..{covered[-3:]} of {text.count(chr(10))} (chat.lines={chat.lines})")
    if chat.platform != ("unknown" if style.layout == "colon" else style.platform):
        p.append(f"platform {chat.platform}")
    if style.encoding == "utf-16-le" and chat.encoding != "utf-16-le":
        p.append(f"encoding {chat.encoding}")
    if container == "zip" and style.platform == "android" and chat.name != "Test Chat":
        p.append(f"chat name {chat.name!r}")
    return p


def roundtrip(d: Draft, styles: dict[str, HeaderStyle], **kw) -> str:
    """Write ``d`` in every style as .txt and .zip and parse it back; '' when all are exact,
    else a report on the first style that is not (stopping early keeps shrinking fast)."""
    with tempfile.TemporaryDirectory() as tmp:
        for name, style in styles.items():
            entries, media = materialise(d, style)
            txt = Path(tmp) / f"{name}.txt"
            txt.write_bytes(render_chat(entries, style))
            zf = Path(tmp) / f"{name}.zip"
            zf.write_bytes(render_zip(entries, style, media, chat_name="Test Chat"))
            for container, path in (("txt", txt), ("zip", zf)):
                problems = check(path, entries, style, media, container=container, **kw)
                if problems:
                    text = "".join(iter_render(entries, style))
                    return f"style {name} ({container}, {kw or 'no hint'}):\n  " + "\n  ".join(problems[:8]) + (
                        f"\nfile:\n{text[:3000]!s}")
    return ""


def _order_checks(styles, d, expected_reasons):
    bad = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, style in styles.items():
            entries, _ = materialise(d, style)
            path = Path(tmp) / f"{name}.txt"
            path.write_bytes(render_chat(entries, style))
            chat, msgs, warns = parse_export(path)
            want = "ymd" if style.order == "ymd" else style.order
            if (chat.date_order, chat.date_order_reason) not in {(want, r) for r in expected_reasons(style)}:
                bad[name] = (chat.date_order, chat.date_order_reason)
    return bad


# ------------------------------------------------------------------------------------------
# The property
# ------------------------------------------------------------------------------------------
@settings(SETTINGS, max_examples=80)
@given(drafts())
def test_every_style_round_trips_txt_and_zip(d: Draft):
    failure = roundtrip(d, STYLES)
    assert not failure, failure
    # The order was decided from the file itself: day > 12, or a year-first date.
    bad = _order_checks(STYLES, d, lambda s: ("year-first",) if s.order == "ymd" else ("day>12",))
    assert not bad, bad


@st.composite
def undecidable_drafts(draw) -> Draft:
    """Chats whose every date has day and month <= 12: the file alone may not decide."""
    d = draw(drafts(kinds=("message", "deleted")))
    year = draw(st.integers(2009, 2035))
    days = sorted(set(draw(st.lists(st.tuples(st.integers(1, 12), st.integers(1, 12)), min_size=1, max_size=3))))
    step = timedelta(minutes=draw(st.sampled_from([0, 1, 7, 29])), seconds=draw(st.integers(0, 1)))
    per = -(-len(d.entries) // len(days))
    d.entries = [
        (datetime(year, *days[i // per]) + (i % per) * step, *rest) for i, (_ts, *rest) in enumerate(d.entries)
    ]
    return d


UNDECIDABLE_STYLES = {k: s for k, s in STYLES.items() if s.order != "ymd"}


@settings(SETTINGS, max_examples=40)
@given(undecidable_drafts())
def test_undecidable_dates_round_trip_with_date_order(d: Draft):
    # With the right --date-order every style reads back exactly ...
    for order in ("dmy", "mdy"):
        styles = {k: s for k, s in UNDECIDABLE_STYLES.items() if s.order == order}
        failure = roundtrip(d, styles, date_order=order)
        assert not failure, failure
    # ... and without it the parser either proves the order from chronology (and is right)
    # or says that it guessed.
    with tempfile.TemporaryDirectory() as tmp:
        for name, style in UNDECIDABLE_STYLES.items():
            entries, _ = materialise(d, style)
            path = Path(tmp) / f"{name}.txt"
            path.write_bytes(render_chat(entries, style))
            chat, msgs, warns = parse_export(path)
            if chat.date_order_reason == "chronology":
                assert chat.date_order == style.order, name
            elif chat.date_order != style.order:
                same = all(e.timestamp.day == e.timestamp.month for e in entries)
                assert same or any(w.code == "date-order-undecidable" for w in warns), name


@SETTINGS
@given(drafts(kinds=("message",)))
def test_a_wrong_date_order_hint_never_overrides_the_file(d: Draft):
    for name, style in STYLES.items():
        if style.order == "ymd":
            continue
        wrong = "mdy" if style.order == "dmy" else "dmy"
        entries, _ = materialise(d, style)
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "chat.txt"
            path.write_bytes(render_chat(entries, style))
            chat, msgs, warns = parse_export(path, date_order=wrong)
        assert chat.date_order == style.order, name
        assert any(w.code == "date-order-hint-ignored" for w in warns), name
        assert [m.timestamp for m in msgs] == [style.truncate(e.timestamp) for e in entries], name


# ------------------------------------------------------------------------------------------
# The catalogue mirrors real exports
# ------------------------------------------------------------------------------------------
def _fixture_text(corpus: Path, rel: str, member: str | None) -> str:
    import zipfile

    path = corpus / rel
    raw = zipfile.ZipFile(path).read(member) if path.suffix == ".zip" else path.read_bytes()
    return raw.decode("utf-8").lstrip("\ufeff")


@pytest.mark.shared
@pytest.mark.parametrize("name", sorted(STYLE_FIXTURES))
def test_style_reproduces_the_header_of_its_fixture(corpus_dir: Path, name: str):
    rel, line = STYLE_FIXTURES[name]
    chat, msgs, _ = parse_export(corpus_dir / rel)
    msg = next(m for m in msgs if m.line == line)
    real = _fixture_text(corpus_dir, rel, chat.chat_member).split("\n")[line - 1]
    assert real.startswith(render_header(msg.timestamp, STYLES[name]) + msg.sender + ": ")
    assert STYLES[name].newline == ("\r\n" if real.endswith("\r") else "\n")


# Variants of VARIANTS.md with no fixture in the shared corpus: its example line, exactly.
VARIANT_EXAMPLES = [
    ("android-mdy-slash-comma-yy", datetime(2021, 12, 30, 22, 1), "12/30/21, 22:01 - "),
    ("android-dmy-dash-yyyy", datetime(2022, 3, 23, 13, 31), "23-03-2022 13:31 - "),
    ("android-ymd-slash-comma", datetime(2019, 1, 1, 11, 25), "2019/01/01, 11:25 - "),
    ("android-mdy-12h-nnbsp", datetime(2010, 1, 1, 8, 2), "1/1/10, 8:02\u202fAM - "),
    ("android-dmy-12h-lower", datetime(2022, 3, 27, 21, 41), "27/03/2022, 9:41 pm - "),
    ("ios-mdy-12h-nnbsp", datetime(2021, 1, 1, 8, 2), "[1/1/21, 8:02:00\u202fAM] "),
    ("ios-dotted-time", datetime(2022, 3, 27, 21, 41, 35), "[3/27/22 21.41.35] "),
    ("ios-time-first", datetime(2022, 3, 27, 21, 41, 35), "[21:41:35, 3/27/22] "),
    ("ios-arabic", datetime(2022, 3, 27, 21, 41, 35),
     "[\u0662\u0667\u200f/\u0663\u200f/\u0662\u0660\u0662\u0662\u060c \u0669:\u0664\u0661:\u0663\u0665\u00a0\u0645] "),
    ("ios-arabic-latin", datetime(2022, 3, 27, 21, 41, 35), "[\u200f27\u200f/3\u200f/2022\u060c 21:41:35] "),
    ("ios-japanese-era", datetime(2022, 3, 18, 14, 56, 1), "[3/18/R4, 14:56:01] "),
    ("ios-japanese-era", datetime(2019, 4, 30, 9, 0, 0), "[4/30/H31, 09:00:00] "),
    ("ios-buddhist", datetime(2022, 3, 18, 14, 56, 1), "[3/18/2565 BE, 14:56:01] "),
    ("bracket-ymd-noseconds", datetime(2019, 4, 16, 2, 9), "[2019-04-16 02:09] "),
    ("colon-dmy", datetime(2022, 3, 27, 21, 41), "27/03/2022 21:41: "),
    ("android-mdy-12h-spanish", datetime(2020, 6, 20, 0, 8), "06/20/2020, 00:08 a. m. - "),
    ("android-mdy-12h-spanish", datetime(2021, 12, 20, 12, 10), "12/20/2021, 12:10 p. m. - "),
]


@pytest.mark.parametrize("name, ts, header", VARIANT_EXAMPLES)
def test_style_writes_the_variant_example(name, ts, header):
    assert render_header(ts, STYLES[name]) == header


# Whole real lines (header, sender, WhatsApp's wording, marks, line ending) rebuilt from records.
REAL_LINES = [
    ("whats_json/test/data/languages/english_ios_media.txt", 3, "ios-mdy-comma", "en",
     ChatEntry(datetime(2022, 3, 27, 21, 41, 55), "Dmitry S", kind="attachment",
               attachment="00000035-PHOTO-2022-03-27-21-41-55.jpg")),
    ("whats_json/test/data/languages/english_ios_media.txt", 14, "ios-mdy-comma", "en",
     ChatEntry(datetime(2022, 3, 27, 21, 50, 43), "Dmitry S", "Template.docx", kind="attachment",
               attachment="00000048-Template.docx")),
    ("whats_json/test/data/languages/english_ios_media.txt", 21, "ios-mdy-comma", "en",
     ChatEntry(datetime(2022, 3, 27, 21, 54, 45), "Elon Musk", kind="deleted")),
    ("whats_json/test/data/languages/english_ios_media.txt", 1, "ios-mdy-comma", "en",
     ChatEntry(datetime(2022, 3, 18, 14, 56, 1), "Elon Musk", kind="system:encryption")),
    ("whats_json/test/data/languages/english_ios_media.txt", 24, "ios-mdy-comma", "en",
     ChatEntry(datetime(2022, 4, 28, 20, 17, 30), "Elon Musk", kind="system:security_code_changed", subject="Elon")),
    ("whats_json/test/data/languages/english_ios.txt", 3, "ios-mdy-comma", "en",
     ChatEntry(datetime(2022, 3, 27, 21, 41, 55), "Dmitry S", kind="media_omitted", media="image")),
    ("whats_json/test/data/languages/deutch_ios.txt", 5, "ios-mdy-comma", "de",
     ChatEntry(datetime(2022, 3, 27, 21, 44, 16), "Dmitry S", kind="media_omitted", media="video")),
    ("whats_json/test/data/languages/deutch_ios.txt", 1, "ios-mdy-comma", "de",
     ChatEntry(datetime(2022, 3, 18, 14, 56, 0), "Elon Musk", kind="system:encryption")),
    ("whats_json/test/data/chats_unique/WhatsApp Chat - Group Chat XXX.txt", 2, "ios-mdy-comma", "en",
     ChatEntry(datetime(2023, 1, 11, 16, 11, 21), None, kind="system:group_created", actor="You", value="Group Chat")),
    ("whats_json/test/data/chats_unique/WhatsApp Chat - Group Chat XXX.txt", 8, "ios-mdy-comma", "en",
     ChatEntry(datetime(2023, 1, 11, 16, 14, 32), None, kind="system:subject_changed", actor="Elon Musk",
               value="Group Chat XXX")),
    ("whats_json/test/data/chats_unique/WhatsApp Chat - Group Chat XXX.txt", 15, "ios-mdy-comma", "en",
     ChatEntry(datetime(2023, 1, 11, 16, 21, 59), None, kind="system:participant_removed", actor="You",
               subject="Tony Stark")),
    ("whats_json/test/data/languages/english_android.txt", 3, "android-dmy-slash-comma-yyyy", "en",
     ChatEntry(datetime(2022, 3, 18, 15, 10), "Dmitry S", kind="media_omitted")),
    ("whats_json/test/data/languages/english_android.txt", 13, "android-dmy-slash-comma-yyyy", "en",
     ChatEntry(datetime(2022, 3, 23, 13, 33), "Elon", kind="attachment", attachment="Alex.vcf")),
    ("whats_json/test/data/languages/english_android.txt", 17, "android-dmy-slash-comma-yyyy", "en",
     ChatEntry(datetime(2022, 3, 27, 13, 44), "Dmitry S", kind="deleted")),
    ("whats_json/test/data/android/WhatsApp Chat with Group Chat XXX Android.txt", 2, "android-dmy-slash-comma-yyyy",
     "en", ChatEntry(datetime(2023, 1, 11, 16, 11), None, kind="system:group_created", actor="Dmitry S",
                     value="Group Chat")),
    ("whats_json/test/data/android/WhatsApp Chat with Group Chat XXX Android.txt", 3, "android-dmy-slash-comma-yyyy",
     "en", ChatEntry(datetime(2023, 1, 11, 16, 11), None, kind="system:participant_added", actor="Dmitry S",
                     subject="you")),
    ("whats_json/test/data/android/WhatsApp Chat with Group Chat XXX Android.txt", 1, "android-dmy-slash-comma-yyyy",
     "en", ChatEntry(datetime(2023, 1, 11, 16, 13), None, kind="system:encryption")),
    ("whatsapp-to-sqlite/tests/logs/testsubdir/WhatsApp Chat mit Jane Doe.txt", 4, "android-dmy-dot-comma-yy", "de",
     ChatEntry(datetime(2021, 2, 16, 22, 34), "Jane Doe", "Das hier meine ich", kind="attachment",
               attachment="VID-20181031-WA0007.mp4")),
    ("whatsapp-to-sqlite/tests/logs/testsubdir/WhatsApp Chat mit Jane Doe.txt", 1, "android-dmy-dot-comma-yy", "de",
     ChatEntry(datetime(2021, 2, 16, 22, 10), None, kind="system:encryption")),
    ("egregora/tests/fixtures/Conversa do WhatsApp com Teste.zip", 8, "android-dmy-slash-yyyy", "pt",
     ChatEntry(datetime(2025, 10, 28, 14, 10), "Franklin", kind="attachment", attachment="IMG-20251028-WA0035.jpg")),
    ("egregora/tests/fixtures/Conversa do WhatsApp com Teste.zip", 1, "android-dmy-slash-yyyy", "pt",
     ChatEntry(datetime(2025, 10, 3, 9, 45), None, kind="system:encryption")),
    ("whats_json/test/data/chats_unique/WhatsApp Chat - Arabic_NoMedia Dmitry S.txt", 1, "ios-arabic", "en",
     None),  # header and phone sender only (Arabic wording is not in WORDING)
]


@pytest.mark.shared
@pytest.mark.parametrize("rel, line, style, lang, entry", REAL_LINES, ids=lambda v: v if isinstance(v, (str, int)) else None)
def test_render_line_reproduces_real_lines(corpus_dir: Path, rel, line, style, lang, entry):
    chat, _, _ = parse_export(corpus_dir / rel)
    real_lines = _fixture_text(corpus_dir, rel, chat.chat_member).split("\n")
    real = real_lines[line - 1] + "\n"
    st_ = STYLES[style]
    if entry is None:
        head = render_header(datetime(2022, 3, 18, 14, 56), st_) + "\u202a+40\u00a0521\u00a0028\u00a061\u00a088\u202c: "
        assert real.startswith(head)
        return
    written = render_line(entry, st_, lang)
    if entry.kind == "attachment" and entry.text and st_.platform == "android":
        real += real_lines[line] + "\n"  # the caption is the next line
    assert written == real


@pytest.mark.parametrize("style_name", ["android-dmy-slash-comma-yyyy", "ios-mdy-comma", "android-utf16le-bom"])
def test_large_export_read_in_blocks_round_trips(tmp_path, style_name):
    """Over 2 MiB, so the parser's 1 MiB read blocks cut through messages, multi-byte
    characters, UTF-16 code units and CRLF pairs."""
    import random

    style = STYLES[style_name]
    rng = random.Random(7)
    people = ["Alice", "Bob Smith", "+44 7700 900123", "Zo\u00eb \U0001F913"]
    pieces = ["caf\u00e9", "\U0001F44D\U0001F3FD", "\u65e5\u672c", "a: b", "[x]", "10:30", "\u0645\u0631\u062d\u0628\u0627", "ok"]
    ts = datetime(2021, 6, 13, 8, 0, 0)
    entries = []
    for i in range(34_000):
        ts += timedelta(seconds=rng.randint(0, 90))
        lines = [" ".join(rng.choices(pieces, k=rng.randint(1, 9))) for _ in range(1 if i % 7 else rng.randint(2, 4))]
        if i % 211 == 0:
            entries.append(ChatEntry(ts, rng.choice(people), kind="media_omitted", media="video"))
        else:
            entries.append(ChatEntry(ts, rng.choice(people), "\n".join(lines)))
    data = render_chat(entries, style)
    assert len(data) > 2 * (1 << 20)
    path = tmp_path / "big.txt"
    path.write_bytes(data)
    chat, msgs, warns = parse_export(path)
    assert warns == [] and len(msgs) == len(entries)
    for e, m in zip(entries, msgs):
        assert (m.timestamp, m.sender, m.text, m.kind) == (style.truncate(e.timestamp), e.sender, render_body(e, style), e.kind)
    assert msgs[-1].end_line == chat.lines == render_chat(entries, style.with_(encoding="utf-8", bom=False)).count(b"\n")


# ------------------------------------------------------------------------------------------
# Languages, zips, validation
# ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("language", sorted(WORDING))
@pytest.mark.parametrize("style_name", ["android-dmy-dot-comma-yy", "ios-mdy-comma", "android-dmy-slash-yyyy"])
def test_other_languages_round_trip(language, style_name, tmp_path):
    style = STYLES[style_name]
    kinds = supported_kinds(style, language)
    t = datetime(2021, 2, 16, 22, 10)
    entries = []
    if "system:encryption" in kinds:
        entries.append(ChatEntry(t, "Jane Doe" if style.platform == "ios" else None, kind="system:encryption"))
    for i, kind in enumerate(k for k in kinds if not k.startswith("system:")):
        ts = t + timedelta(minutes=i + 1)
        sender = ("Jane Doe", "John Doe")[i % 2]
        if kind == "attachment":
            entries.append(ChatEntry(ts, sender, "Das hier", kind, attachment=media_file_name(style, ts, i + 1, "video")))
        elif kind == "media_omitted":
            entries.append(ChatEntry(ts, sender, kind=kind, media="image"))
        else:
            entries.append(ChatEntry(ts, sender, "Na gut\n\nBy the way" if kind == "message" else "", kind))
    media = {e.attachment: b"\x00\x01video" for e in entries if e.attachment}
    (tmp_path / "c.txt").write_bytes(render_chat(entries, style, language))
    (tmp_path / "c.zip").write_bytes(render_zip(entries, style, media, chat_name="Test Chat", language=language))
    assert check(tmp_path / "c.txt", entries, style, media, container="txt", language=language) == []
    assert check(tmp_path / "c.zip", entries, style, media, container="zip", language=language) == []


def test_unsupported_wording_is_refused():
    with pytest.raises(ValueError, match="wording"):
        render_body(ChatEntry(datetime(2022, 1, 13), None, kind="system:group_created", actor="A", value="G"),
                    STYLES["ios-mdy-comma"], "pt")
    with pytest.raises(ValueError, match="language"):
        render_body(ChatEntry(datetime(2022, 1, 13), "A", "x"), STYLES["ios-mdy-comma"], "xx")
    assert set(supported_kinds(STYLES["ios-mdy-comma"], "en")) == set(KINDS)


def test_zip_layout(tmp_path):
    import zipfile

    t = datetime(2022, 3, 27, 21, 41, 55)
    for name, want in (("ios-mdy-comma", "_chat.txt"), ("android-dmy-slash-comma-yyyy", "WhatsApp Chat with Test Chat.txt")):
        style = STYLES[name]
        fname = media_file_name(style, t, 35)
        data = render_zip([ChatEntry(t, "Dmitry S", kind="attachment", attachment=fname)], style, {fname: b"jpeg"},
                          chat_name="Test Chat")
        assert zip_member_name(style, "Test Chat") == want
        assert zipfile.ZipFile(__import__("io").BytesIO(data)).namelist() == [want, fname]
        assert data == render_zip([ChatEntry(t, "Dmitry S", kind="attachment", attachment=fname)], style,
                                  {fname: b"jpeg"}, chat_name="Test Chat")  # reproducible bytes
    assert media_file_name(STYLES["ios-mdy-comma"], t, 35) == "00000035-PHOTO-2022-03-27-21-41-55.jpg"
    assert media_file_name(STYLES["android-dmy-slash-comma-yyyy"], t, 1) == "IMG-20220327-WA0001.jpg"


def test_encodings_and_bom():
    t = datetime(2022, 3, 27, 21, 41)
    e = [ChatEntry(t, "A", "\u00e9")]
    assert render_chat(e, STYLES["android-utf16le-bom"]).startswith(b"\xff\xfe2\x007\x00")
    assert render_chat(e, STYLES["ios-utf8-bom"]).startswith(b"\xef\xbb\xbf[3/27/22")
    assert render_chat(e, STYLES["ios-mdy-comma"]).endswith(b"\r\n")


@pytest.mark.parametrize("bad", [
    {"layout": "pipe"}, {"order": "dym"}, {"date_sep": ":"}, {"year_digits": 3}, {"clock": 10},
    {"digits": "roman"}, {"newline": "\r"}, {"encoding": "latin-1"}, {"calendar": "japanese", "order": "ymd"},
])
def test_header_style_rejects_nonsense(bad):
    with pytest.raises(ValueError, match="invalid HeaderStyle"):
        HeaderStyle(**bad)


def test_catalogue_spans_the_variants():
    layouts = {s.layout for s in STYLES.values()}
    assert layouts == {"bracket", "dash", "bracket-time-first", "colon"}
    assert {s.order for s in STYLES.values()} == {"dmy", "mdy", "ymd"}
    assert {s.date_sep for s in STYLES.values()} == {"/", ".", "-"}
    assert {s.ampm_space for s in STYLES.values() if s.clock == 12} == {" ", "\u00a0", "\u202f"}
    assert {s.calendar for s in STYLES.values()} == {"gregorian", "japanese", "buddhist"}
    assert {s.newline for s in STYLES.values()} == {"\n", "\r\n"}
    assert {s.encoding for s in STYLES.values()} == {"utf-8", "utf-16-le"}
    assert set(STYLE_FIXTURES) <= set(STYLES)


# ------------------------------------------------------------------------------------------
# Pasted headers and the unknown-sender heuristic
# ------------------------------------------------------------------------------------------
@SETTINGS
@given(st.sampled_from(sorted(STYLES)), st.integers(1, 3))
def test_pasted_header_with_an_older_date_stays_in_its_message(style_name, days_back):
    """A line inside a message that copies an older message header (a forwarded chat) is part
    of the message, not a forged message."""
    style = STYLES[style_name]
    t = datetime(2023, 5, 20, 10, 0)
    pasted = render_header(t - timedelta(days=days_back), style) + "Mallory: I confess"
    entries = [
        ChatEntry(t, "Alice", "hi"),
        ChatEntry(t + timedelta(minutes=1), "Bob", "hello"),
        ChatEntry(t + timedelta(minutes=2), "Alice", "look what he sent:\n" + pasted),
        ChatEntry(t + timedelta(minutes=3), "Bob", "wow"),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "c.txt"
        path.write_bytes(render_chat(entries, style))
        chat, msgs, warns = parse_export(path)
    assert [m.sender for m in msgs] == ["Alice", "Bob", "Alice", "Bob"]
    assert msgs[2].text == render_body(entries[2], style)


def _group(tmp_path: Path, entries: list[ChatEntry]) -> list:
    path = tmp_path / "g.txt"
    path.write_bytes(render_chat(entries, STYLES["android-dmy-slash-comma-yyyy"]))
    return parse_export(path)[1]


def test_member_whose_name_holds_and_is_not_swallowed(tmp_path):
    t = datetime(2022, 3, 18, 10, 0)
    msgs = _group(tmp_path, [
        ChatEntry(t, None, kind="system:group_created", actor="Alice", value="Family"),
        ChatEntry(t, None, kind="system:participant_added", actor="Alice", subject="Mum and Dad"),
        ChatEntry(t, None, kind="system:participant_added", actor="Alice", subject="Bob"),
        ChatEntry(t + timedelta(minutes=1), "Alice", "hi"),
        ChatEntry(t + timedelta(minutes=2), "Bob", "hello"),
        ChatEntry(t + timedelta(minutes=3), "Alice", "x"),
        ChatEntry(t + timedelta(minutes=4), "Bob", "y"),
        ChatEntry(t + timedelta(minutes=5), "Mum and Dad", "we are here"),
    ])
    assert [m.sender for m in msgs[-2:]] == ["Bob", "Mum and Dad"]


def test_member_added_at_creation_who_posts_once_is_not_swallowed(tmp_path):
    t = datetime(2022, 3, 18, 10, 0)
    msgs = _group(tmp_path, [
        ChatEntry(t, None, kind="system:group_created", actor="Alice", value="Family"),
        ChatEntry(t, None, kind="system:participant_added", actor="Alice", subject="you"),
        ChatEntry(t + timedelta(minutes=1), "Alice", "hi"),
        ChatEntry(t + timedelta(minutes=2), "Bob", "hello"),
        ChatEntry(t + timedelta(minutes=3), "Alice", "x"),
        ChatEntry(t + timedelta(minutes=4), "Bob", "y"),
        ChatEntry(t + timedelta(minutes=5), "Carol", "first and only message"),
    ])
    assert len(msgs) == 7 and msgs[-1].sender == "Carol"


def test_labelled_ios_system_notice_is_not_swallowed(tmp_path):
    t = datetime(2023, 1, 21, 16, 0)
    style = STYLES["ios-mdy-comma"]
    entries = [
        ChatEntry(t, "Ops", kind="system:encryption"),
        ChatEntry(t, None, kind="system:group_created", actor="Alice", value="Ops"),
        ChatEntry(t, None, kind="system:participant_added", actor="Alice", subject="you"),
        ChatEntry(t + timedelta(minutes=1), "Alice", "hi"),
        ChatEntry(t + timedelta(minutes=2), "Bob", "hello"),
        ChatEntry(t + timedelta(minutes=3), "Alice", "x"),
        ChatEntry(t + timedelta(minutes=3), "Bob", "y"),
        ChatEntry(t + timedelta(minutes=4), "Carol", kind="system:security_code_changed", subject="Carol"),
    ]
    path = tmp_path / "c.txt"
    path.write_bytes(render_chat(entries, style))
    msgs = parse_export(path)[1]
    assert [m.kind for m in msgs[-2:]] == ["message", "system:security_code_changed"]


def test_ios_system_line_keeps_its_leading_mark(tmp_path):
    style = STYLES["ios-mdy-comma"]
    e = ChatEntry(datetime(2023, 1, 11, 16, 11, 21), None, kind="system:group_created", actor="You", value="Group Chat")
    path = tmp_path / "c.txt"
    path.write_bytes(render_chat([e], style))
    msg = parse_export(path)[1][0]
    assert msg.text == render_body(e, style) == "\u200eYou created group \u201cGroup Chat\u201d"
