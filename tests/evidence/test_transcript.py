"""Transcripts: HTML is self-contained and escapes everything; the PDF holds extractable text,
the rule ids, and survives emoji and control characters."""

from __future__ import annotations

import hashlib
import io
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from evidence_fixtures import HOSTILE, PACKAGED, Parsed, custody, decision, find, parse
from pypdf import PdfReader

from chatwarden.evidence import render_html, render_pdf
from chatwarden.evidence.transcript import PLACEHOLDER, _wrap, font_paths, pdf_safe_text
from chatwarden.model import Chat, Message, Span


class Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def html_of(p: Parsed, **kw: object) -> str:
    pnc = find(p.messages, "PNC check")
    ds = [decision("MPS-IM-001", pnc, span=Span(0, 9)), decision("MPS-IM-009", None, severity="medium")]
    return render_html(p.chat, p.messages, ds, title=kw.pop("title", "Case <b>1</b>"), custody=custody(),  # type: ignore[arg-type]
                       case_ref="OP/2024/1", generated_at=PACKAGED)


def test_html_escapes_hostile_text_and_loads_nothing(android: Parsed) -> None:
    page = html_of(android)
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert "<b>1</b>" not in page and "Case &lt;b&gt;1&lt;/b&gt;" in page
    parser = Tags()
    parser.feed(page)
    names = {t for t, _ in parser.tags}
    assert names <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "table", "tr", "th", "td",
                     "p", "div", "span", "bdi", "a", "br", "mark"}
    for _tag, attrs in parser.tags:
        for key, value in attrs:
            assert not key.startswith("on")
            assert key not in ("src", "srcset", "action", "formaction")
            if key == "href":
                assert value is not None and value.startswith("#")
    assert "url(" not in page and "@import" not in page
    assert "default-src 'none'" in page
    # the hostile text is there, as text
    assert HOSTILE in "".join(parser.text)


def test_html_marks_findings_custody_and_export_hash(android: Parsed) -> None:
    page = html_of(android)
    pnc = find(android.messages, "PNC check")
    assert f'class="entry flagged" id="m{pnc.index}"' in page
    assert "<mark>PNC check</mark>" in page
    for needle in ("MPS-IM-001", "MPS-IM-009", "protective-marking", "Instant messaging: with colleagues",
                   "&quot;PNC records&quot;", android.chat.sha256, "PC 1234 Test Officer", "handed-over",
                   "2024-03-12 11:30:00 UTC", "OP/2024/1", "whole chat", f'href="#m{pnc.index}"'):
        assert needle in page, needle
    # system events inline, in order
    assert page.index("created group") < page.index("Morning all") < page.index("PC Bob Green left")


def test_html_shows_media_name_and_hash(ios: Parsed) -> None:
    page = render_html(ios.chat, ios.messages, [], title="t")
    for m in ios.messages:
        for a in m.attachments:
            assert a.name in page and a.sha256 in page


def test_html_for_a_decision_about_a_missing_message(android: Parsed) -> None:
    d = decision("MPS-IM-002", None)
    d = type(d)(**{**{f: getattr(d, f) for f in d.__dataclass_fields__}, "message_index": 999})
    page = render_html(android.chat, android.messages, [d], title="t")
    assert "message #999 (not in this transcript)" in page


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def test_pdf_text_is_extractable_with_rule_ids(android: Parsed) -> None:
    pnc = find(android.messages, "PNC check")
    ds = [decision("MPS-IM-001", pnc), decision("MPS-IM-009", None, severity="medium")]
    data = render_pdf(android.chat, android.messages, ds, title="Case OP/2024/1", custody=custody(),
                      case_ref="OP/2024/1", generated_at=PACKAGED)
    assert data.startswith(b"%PDF-")
    text = pdf_text(data)
    for needle in ("PNC check on VRM AB12CDE came back flagged", "Morning all, briefing at 10 in room 3",
                   "MPS-IM-001", "MPS-IM-009", "protective-marking", android.chat.sha256,
                   "PC 1234 Test Officer", "Привет", "façade", '<script>alert("x")</script>'):
        assert needle in text, needle
    assert PLACEHOLDER in text  # the emoji became placeholders
    assert "\U0001f44d" not in text


def test_pdf_is_deterministic_for_a_given_time(ios: Parsed) -> None:
    a = render_pdf(ios.chat, ios.messages, [], title="t", generated_at=PACKAGED)
    b = render_pdf(ios.chat, ios.messages, [], title="t", generated_at=PACKAGED)
    assert a == b
    c = render_pdf(ios.chat, ios.messages, [], title="t", generated_at=datetime(2025, 1, 1, tzinfo=PACKAGED.tzinfo))
    assert c != a


def test_pdf_survives_control_characters_emoji_and_long_words() -> None:
    chat = Chat(name="x", name_source=None, source="x.txt", sha256="2" * 64, platform="android",
                date_order="dmy", date_order_reason="default")
    texts = ["bell\x07 nul\x00 esc\x1b", "🏳️‍🌈👩🏽‍💻🇺🇦#️⃣", "x" * 3000, "https://" + "a" * 500 + ".example/",
             "\u202eevil\u202c", "中文 日本語 한국어", "العربية", "line1\r\nline2\rline3", "\ud7ff\ue000\U0010fffd"]
    msgs = [Message(i, datetime(2024, 1, 1, 10, i), "A", t, line=i + 1, end_line=i + 1) for i, t in enumerate(texts)]
    data = render_pdf(chat, msgs, [], title="edge cases 🧪")
    text = pdf_text(data)
    assert "bell" in text and "line3" in text
    assert len(PdfReader(io.BytesIO(data)).pages) >= 2


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("plain text", "plain text"),
        ("Roger 👍🏽 ok", f"Roger {PLACEHOLDER} ok"),  # emoji + skin tone: one placeholder
        ("👨\u200d👩\u200d👧", PLACEHOLDER),  # ZWJ family: one placeholder
        ("🇬🇧🇫🇷", PLACEHOLDER * 2),  # two flags
        ("a\u200eb", "ab"),  # invisible marks dropped
        ("a\tb", "a    b"),
        ("a\r\nb\rc", "a\nb\nc"),
        ("bell\x07", f"bell{PLACEHOLDER}"),
        ("❤️", "❤"),  # the font has the heart; the variation selector is dropped
        ("#️⃣ 1", "# 1"),  # keycap glue dropped
        ("Привет façade", "Привет façade"),
    ],
)
def test_pdf_safe_text(raw: str, want: str) -> None:
    assert pdf_safe_text(raw) == want


def test_fonts_are_shipped_with_their_licence() -> None:
    regular, bold = font_paths()
    import chatwarden.evidence as ev

    folder = Path(ev.__file__).parent / "fonts"
    assert regular == folder / "DejaVuSans.ttf" and bold == folder / "DejaVuSans-Bold.ttf"
    readme = (folder / "README.md").read_text()
    for f in (regular, bold):
        assert hashlib.sha256(f.read_bytes()).hexdigest() in readme
    licence = (folder / "LICENSE.txt").read_text()
    assert "Bitstream Vera Fonts Copyright" in licence and "Arev Fonts Copyright" in licence


def test_transcripts_of_a_real_export(example_zip: Path) -> None:
    p = parse(example_zip)
    page = render_html(p.chat, p.messages, [], title="Example")
    assert page.count('class="entry') == len(p.messages)
    text = pdf_text(render_pdf(p.chat, p.messages, [], title="Example", generated_at=PACKAGED))
    assert "Welcome to the chat example!" in text
    assert p.chat.sha256 in text


@pytest.mark.parametrize(
    "text",
    ["", "one", "a few short words that need several lines of ten", "x" * 37, "two  spaces and\n\nblank line",
     "word " * 20 + "y" * 25],
)
def test_wrap_fits_and_keeps_every_character(text: str) -> None:
    lines = _wrap(text, 10.0, lambda s: float(len(s)))
    assert all(len(line) <= 10 for line in lines)
    assert len(lines) >= text.count("\n") + 1
    assert "".join(lines).replace(" ", "") == text.replace("\n", "").replace(" ", "")
