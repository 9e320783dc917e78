"""Write WhatsApp exports: the inverse of the parser, for tests, benchmarks and synthetic data.

A :class:`HeaderStyle` describes how one phone writes a message header (layout, date order
and separators, padding, year form and calendar, clock, digits, invisible marks) and how the
file is stored (line endings, byte-order mark, encoding).  :data:`STYLES` names one style per
real variant listed in ``shared/corpus/whatsapp/VARIANTS.md``; each mirrors the header of a
real fixture (:data:`STYLE_FIXTURES` says which file and line) or, where the corpus holds no
fixture, the example line of the variants table.

:class:`ChatEntry` is one record to write (a message, an attachment, a media placeholder, a
deleted message or a system line); :func:`render_chat` turns a sequence of them into the
bytes of a ``.txt`` export and :func:`render_zip` into a ``.zip`` export with media.
:func:`iter_render` yields the text one entry at a time so that large files can be streamed
to disk.  :func:`render_body` gives the exact text the parser should report for an entry.

WhatsApp writes the date in the phone's *region* format and the system wording in the
phone's *language*, so the two are independent: every style can be written in every
language of :data:`WORDING` (English everywhere; German and Brazilian Portuguese for the
forms the corpus shows).

Nothing here reads files or imports the parser.
"""

from __future__ import annotations

import codecs
import io
import zipfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import date, datetime

__all__ = [
    "KINDS",
    "LAYOUTS",
    "STYLES",
    "STYLE_FIXTURES",
    "WORDING",
    "ChatEntry",
    "HeaderStyle",
    "encode_stream",
    "iter_render",
    "media_file_name",
    "render_body",
    "render_chat",
    "render_header",
    "render_line",
    "render_zip",
    "supported_kinds",
    "zip_member_name",
]

LAYOUTS = ("bracket", "dash", "bracket-time-first", "colon")
LRM = "\u200e"
RLM = "\u200f"
NBSP = "\u00a0"
NNBSP = "\u202f"
ARABIC_DIGITS = str.maketrans("0123456789", "\u0660\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669")
REIWA_START = date(2019, 5, 1)


@dataclass(frozen=True, slots=True)
class HeaderStyle:
    """How one phone writes message headers, and how the export file is stored.

    ``rtl_date``: ``"inner"`` puts U+200F after the first two date fields (Arabic iOS with
    Arabic-Indic digits), ``"full"`` also before the first one (Arabic iOS with Latin digits).
    ``mark``: the invisible mark WhatsApp puts before media and system text (U+200E on iOS,
    U+200F in Arabic; on iOS also before the ``[`` of a media line); ``""`` for none.
    ``midnight_zero``: a 12-hour clock that writes the hour after midnight as ``00``.
    ``calendar``: ``"japanese"`` writes the imperial-era year (``R4`` = 2022, ``H30`` =
    2018); ``"buddhist"`` writes year + 543 followed by ``era_suffix`` (``" BE"``).
    """

    layout: str = "dash"
    order: str = "dmy"
    date_sep: str = "/"
    pad_date: bool = True
    year_digits: int = 4
    comma: bool = True
    clock: int = 24
    ampm: tuple[str, str] = ("AM", "PM")
    ampm_space: str = " "
    midnight_zero: bool = False
    pad_hour: bool = True
    seconds: bool = False
    time_sep: str = ":"
    digits: str = "latin"  # "latin" | "arabic"
    rtl_date: str = ""  # "" | "inner" | "full"
    calendar: str = "gregorian"  # "gregorian" | "japanese" | "buddhist"
    era_suffix: str = ""
    newline: str = "\n"
    bom: bool = False
    encoding: str = "utf-8"  # "utf-8" | "utf-16-le" (always written with a BOM)
    mark: str = ""
    wrap_phone: bool = False  # phone-number senders between U+202A and U+202C

    def __post_init__(self) -> None:
        problems = []
        if self.layout not in LAYOUTS:
            problems.append(f"layout {self.layout!r}")
        if self.order not in ("dmy", "mdy", "ymd"):
            problems.append(f"order {self.order!r}")
        if self.date_sep not in ("/", ".", "-"):
            problems.append(f"date_sep {self.date_sep!r}")
        if self.year_digits not in (2, 4):
            problems.append(f"year_digits {self.year_digits!r}")
        if self.clock not in (12, 24):
            problems.append(f"clock {self.clock!r}")
        if self.ampm_space not in (" ", NBSP, NNBSP, ""):
            problems.append(f"ampm_space {self.ampm_space!r}")
        if self.time_sep not in (":", "."):
            problems.append(f"time_sep {self.time_sep!r}")
        if self.digits not in ("latin", "arabic"):
            problems.append(f"digits {self.digits!r}")
        if self.rtl_date not in ("", "inner", "full"):
            problems.append(f"rtl_date {self.rtl_date!r}")
        if self.calendar not in ("gregorian", "japanese", "buddhist"):
            problems.append(f"calendar {self.calendar!r}")
        if self.newline not in ("\n", "\r\n"):
            problems.append(f"newline {self.newline!r}")
        if self.encoding not in ("utf-8", "utf-16-le"):
            problems.append(f"encoding {self.encoding!r}")
        if self.mark not in ("", LRM, RLM):
            problems.append(f"mark {self.mark!r}")
        if self.calendar != "gregorian" and self.order == "ymd":
            problems.append("era years are written last (order dmy or mdy)")
        if problems:
            raise ValueError("invalid HeaderStyle: " + ", ".join(problems))

    @property
    def platform(self) -> str:
        """``"ios"`` for bracketed headers, ``"android"`` otherwise."""
        return "ios" if self.layout.startswith("bracket") else "android"

    def truncate(self, ts: datetime) -> datetime:
        """``ts`` at this style's resolution (whole seconds, or whole minutes)."""
        return ts.replace(microsecond=0) if self.seconds else ts.replace(second=0, microsecond=0)

    def with_(self, **changes: object) -> HeaderStyle:
        return replace(self, **changes)  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------
# The catalogue
# ------------------------------------------------------------------------------------------
_ANDROID = HeaderStyle()
_IOS = HeaderStyle(layout="bracket", order="mdy", pad_date=False, year_digits=2, seconds=True,
                   newline="\r\n", mark=LRM, wrap_phone=True)

STYLES: dict[str, HeaderStyle] = {
    # Android (dash layout, LF)
    "android-dmy-slash-comma-yyyy": _ANDROID,  # 23/03/2022, 13:31 - (en-GB)
    "android-dmy-slash-comma-yy": _ANDROID.with_(year_digits=2),  # 30/12/21, 22:01 -
    "android-mdy-slash-comma-yy": _ANDROID.with_(order="mdy", pad_date=False, year_digits=2),  # 12/30/21, 22:01 - (en-US 24h)
    "android-dmy-dot-comma-yyyy": _ANDROID.with_(date_sep="."),  # 15.04.2016, 15:04 - (de, ru)
    "android-dmy-dot-comma-yy": _ANDROID.with_(date_sep=".", year_digits=2),  # 16.02.21, 22:10 -
    "android-dmy-dot-yy": _ANDROID.with_(date_sep=".", year_digits=2, comma=False),  # 23.03.22 13:31 - (cs)
    "android-dmy-slash-yyyy": _ANDROID.with_(comma=False, mark=LRM),  # 03/10/2025 09:45 - (pt-BR, 2025)
    "android-dmy-dash-yyyy": _ANDROID.with_(date_sep="-", comma=False),  # 23-03-2022 13:31 - (nl)
    "android-ymd-dash-comma": _ANDROID.with_(order="ymd", date_sep="-"),  # 2019-10-20, 10:16 -
    "android-ymd-slash-comma": _ANDROID.with_(order="ymd"),  # 2019/01/01, 11:25 -
    "android-mdy-12h-nnbsp": _ANDROID.with_(order="mdy", pad_date=False, year_digits=2, clock=12,
                                            ampm_space=NNBSP, pad_hour=False),  # 1/1/10, 8:02 AM - (U+202F)
    "android-mdy-12h-spanish": _ANDROID.with_(order="mdy", clock=12, ampm=("a. m.", "p. m."),
                                              midnight_zero=True),  # 01/30/2019, 08:49 p. m. -
    "android-dmy-12h-lower": _ANDROID.with_(clock=12, ampm=("am", "pm"), pad_hour=False),  # 27/03/2022, 9:41 pm - (en-IN)
    # iOS (bracket layout, CRLF)
    "ios-mdy-comma": _IOS,  # [3/27/22, 21:41:35] (US region)
    "ios-mdy-nocomma": _IOS.with_(comma=False),  # [3/27/22 21:41:35] (cs, fr, ja, pt, th)
    "ios-dmy-dot-comma": _IOS.with_(order="dmy", date_sep=".", pad_date=True, mark="",
                                    wrap_phone=False),  # [20.06.19, 15:58:47] (de region; older iOS, no marks)
    "ios-mdy-12h-nnbsp": _IOS.with_(clock=12, ampm_space=NNBSP, pad_hour=False),  # [1/1/21, 8:02:00 AM]
    "ios-dotted-time": _IOS.with_(comma=False, time_sep="."),  # [3/27/22 21.41.35] (id)
    "ios-time-first": _IOS.with_(layout="bracket-time-first"),  # [21:41:35, 3/27/22] (vi)
    "ios-arabic": _IOS.with_(order="dmy", year_digits=4, clock=12, ampm=("\u0635", "\u0645"), ampm_space=NBSP,
                             pad_hour=False, digits="arabic", rtl_date="inner", mark=RLM),  # [٢٧‏/٣‏/٢٠٢٢، ٩:٤١:٣٥ م]
    "ios-arabic-latin": _IOS.with_(order="dmy", year_digits=4, rtl_date="full", mark=RLM),  # [‏27‏/3‏/2022، 21:41:35]
    "ios-japanese-era": _IOS.with_(calendar="japanese"),  # [3/18/R4, 14:56:01]
    "ios-buddhist": _IOS.with_(calendar="buddhist", era_suffix=" BE"),  # [3/18/2565 BE, 14:56:01]
    # bracketed exports written by other tools / older apps (LF)
    "bracket-mdy-noseconds": HeaderStyle(layout="bracket", order="mdy", year_digits=2, comma=False),  # [01/30/19 20:49]
    "bracket-ymd-noseconds": HeaderStyle(layout="bracket", order="ymd", date_sep="-", comma=False),  # [2019-04-16 02:09]
    "bracket-dmy-dash-seconds": HeaderStyle(layout="bracket", date_sep="-", year_digits=2, comma=False,
                                            seconds=True),  # [15-01-20 02:22:56]
    # the older colon form and re-saved files
    "colon-dmy": _ANDROID.with_(layout="colon", comma=False),  # 27/03/2022 21:41: Name: text
    "android-utf16le-bom": _ANDROID.with_(encoding="utf-16-le"),  # re-saved by a Windows editor
    "ios-utf8-bom": _IOS.with_(bom=True),  # re-saved with a UTF-8 byte-order mark
}

# Style name -> (fixture path under shared/corpus/whatsapp, 1-based line of a plain message
# whose header the style reproduces byte for byte).  Styles without a fixture in the shared
# corpus mirror the example line of VARIANTS.md and are absent here.
STYLE_FIXTURES: dict[str, tuple[str, int]] = {
    "android-dmy-slash-comma-yyyy": ("whats_json/test/data/languages/english_android.txt", 2),
    "android-dmy-slash-comma-yy": ("chat-miner/test/whatsapp/test_ddmmyy_24hrs.txt", 1),
    "android-dmy-dot-comma-yyyy": ("whatstk/chats/whatsapp/pokemon.txt", 3),
    "android-dmy-dot-comma-yy": ("whatsapp-to-sqlite/tests/logs/testsubdir/WhatsApp Chat mit Jane Doe.txt", 2),
    "android-dmy-dot-yy": ("whats_json/test/data/languages/czech_android.txt", 2),
    "android-dmy-slash-yyyy": ("egregora/tests/fixtures/Conversa do WhatsApp com Teste.zip", 12),
    "android-ymd-dash-comma": ("whatstk/chats/whatsapp/lorem-merge-part1.txt", 1),
    "android-mdy-12h-spanish": ("chat-miner/test/whatsapp/test_mmddyyyy_12hrs.txt", 3),
    "ios-mdy-comma": ("whats_json/test/data/languages/english_ios.txt", 2),
    "ios-mdy-nocomma": ("whats_json/test/data/languages/czech_ios.txt", 2),
    "ios-dmy-dot-comma": ("whatsapp-chat-parser-website/src/assets/whatsapp-chat-parser-example.zip", 5),
    "ios-arabic": ("whats_json/test/data/languages/arabic_ios.txt", 2),
    "ios-japanese-era": ("whats_json/test/data/calendars/Japanese iOS.txt", 2),
    "bracket-mdy-noseconds": ("chat-miner/test/whatsapp/test_[mmddyy]_24hrs.txt", 3),
    "bracket-dmy-dash-seconds": ("whatstk/chats/whatsapp/lorem.txt", 1),
}


# ------------------------------------------------------------------------------------------
# Headers
# ------------------------------------------------------------------------------------------
def _year(ts: datetime, style: HeaderStyle) -> str:
    y = ts.year
    if style.calendar == "japanese":
        return f"R{y - 2018}" if ts.date() >= REIWA_START else f"H{y - 1988}"
    if style.calendar == "buddhist":
        return f"{y + 543}"
    return f"{y % 100:02d}" if style.year_digits == 2 else f"{y:04d}"


def _num(value: int, pad: bool) -> str:
    return f"{value:02d}" if pad else str(value)


def _render_date(ts: datetime, style: HeaderStyle) -> str:
    year = _year(ts, style)
    day, month = _num(ts.day, style.pad_date), _num(ts.month, style.pad_date)
    if style.order == "dmy":
        fields = [day, month, year]
    elif style.order == "mdy":
        fields = [month, day, year]
    else:
        fields = [year, month, day]
    if style.digits == "arabic":
        fields = [f.translate(ARABIC_DIGITS) for f in fields]
    if style.rtl_date:
        fields[0] += RLM
        fields[1] += RLM
    text = style.date_sep.join(fields)
    if style.rtl_date == "full":
        text = RLM + text
    if style.calendar == "buddhist":
        text += style.era_suffix
    return text


def _render_time(ts: datetime, style: HeaderStyle) -> str:
    hour = ts.hour
    marker = ""
    if style.clock == 12:
        marker = style.ampm[0] if hour < 12 else style.ampm[1]
        hour = hour % 12
        if hour == 0 and not (style.midnight_zero and ts.hour == 0):
            hour = 12
    parts = [_num(hour, style.pad_hour), f"{ts.minute:02d}"]
    if style.seconds:
        parts.append(f"{ts.second:02d}")
    text = style.time_sep.join(parts)
    if style.digits == "arabic":
        text = text.translate(ARABIC_DIGITS)
    return text + (style.ampm_space + marker if marker else "")


def render_header(ts: datetime, style: HeaderStyle) -> str:
    """The header of a message written at ``ts``, up to where the sender starts:
    ``"[3/27/22, 21:41:35] "`` or ``"23/03/2022, 13:31 - "``."""
    d, t = _render_date(ts, style), _render_time(ts, style)
    comma = ("\u060c " if style.digits == "arabic" or style.rtl_date else ", ") if style.comma else " "
    if style.layout == "bracket":
        return f"[{d}{comma}{t}] "
    if style.layout == "bracket-time-first":
        return f"[{t}{comma}{d}] "
    if style.layout == "dash":
        return f"{d}{comma}{t} - "
    return f"{d} {t}: "  # colon


# ------------------------------------------------------------------------------------------
# Entries and WhatsApp's wording
# ------------------------------------------------------------------------------------------
KINDS = (
    "message",
    "attachment",
    "media_omitted",
    "deleted",
    "system:encryption",
    "system:security_code_changed",
    "system:group_created",
    "system:participant_added",
    "system:participant_removed",
    "system:participant_left",
    "system:subject_changed",
)


@dataclass(frozen=True, slots=True)
class ChatEntry:
    """One line (or block of lines) of an export.

    * ``message``: ``sender`` wrote ``text`` (may hold newlines; written with the style's
      line ending); ``edited`` appends WhatsApp's edited marker.
    * ``attachment``: ``sender`` sent the file ``attachment`` (its name as the export shows
      it, see :func:`media_file_name`); ``text`` is the caption (Android: on the next line;
      iOS: the document title before the marker).
    * ``media_omitted``: an export made without media; ``media`` is image, video, audio,
      sticker, GIF, document or contact.
    * ``deleted``: "This message was deleted".
    * system kinds (see :data:`KINDS`): ``sender`` is None, except for the encryption and
      security-code notices, which WhatsApp may write behind the chat's name (``sender``);
      ``actor``, ``subject`` and ``value`` fill the sentence.
    """

    timestamp: datetime
    sender: str | None
    text: str = ""
    kind: str = "message"
    attachment: str | None = None
    media: str = "image"
    actor: str | None = None
    subject: str | None = None
    value: str | None = None
    edited: bool = False


# Wording per language and platform.  Every string is copied from a real export in the
# shared corpus (fixture id in the comment) or, where marked, from WhatsApp's English UI.
WORDING: dict[str, dict[str, object]] = {
    "en": {
        # A1 / I1
        "encryption.android": "Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
                              "WhatsApp, can read or listen to them. Tap to learn more.",
        "encryption.ios": "Messages and calls are end-to-end encrypted. No one outside of this chat, not even "
                          "WhatsApp, can read or listen to them.",
        "security.android": "Your security code with {subject} changed. Tap to learn more.",
        "security.ios": "{m}{m}Your security code with {subject} changed. {m}Tap to learn more.",  # E3
        "attached.android": "{name} (file attached)",  # A1
        "attached.ios": "<attached: {name}>",  # I2
        "omitted.android": "<Media omitted>",  # A1
        "omitted.ios": {"image": "image omitted", "video": "video omitted", "audio": "audio omitted",
                        "sticker": "sticker omitted", "GIF": "GIF omitted", "document": "document omitted",
                        "contact": "Contact card omitted"},  # I1
        "deleted.android": "This message was deleted",  # A1
        "deleted.ios": "This message was deleted.",  # I1
        "edited": "<This message was edited>",  # WhatsApp UI (synthetic in VARIANTS.md)
        "created.android": '{actor} created group "{value}"',  # A6
        "created.ios": "{actor} created group \u201c{value}\u201d",  # U6
        "added": "{actor} added {subject}",  # A6, P1
        "removed": "{actor} removed {subject}",  # A6, U6
        "left": "{subject} left",  # WhatsApp UI
        "subject.android": '{actor} changed the subject to "{value}"',  # WhatsApp UI (A6 has "from .. to")
        "subject.ios": "{actor} changed the subject to \u201c{value}\u201d",  # U6
    },
    "de": {
        "encryption.android": "Nachrichten, die du in diesem Chat sendest, sowie Anrufe, sind jetzt mit "
                              "Ende-zu-Ende-Verschlüsselung geschützt. Tippe für mehr Infos.",  # S2
        "encryption.ios": "Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt. Niemand außerhalb dieses "
                          "Chats kann sie lesen oder anhören, nicht einmal WhatsApp.",  # I6
        "attached.android": "{name} (Datei angehängt)",  # S2
        "omitted.ios": {"image": "Bild weggelassen", "video": "Video weggelassen", "audio": "Audio weggelassen",
                        "sticker": "Sticker weggelassen", "document": "Dokument weggelassen",
                        "contact": "Kontaktkarte ausgelassen"},  # I6
    },
    "pt": {
        "encryption.android": "As mensagens e ligações são protegidas com a criptografia de ponta a ponta. "
                              "Somente as pessoas que fazem parte da conversa podem ler, ouvir e compartilhar "
                              "esse conteúdo. Saiba mais",  # G1
        "attached.android": "{name} (arquivo anexado)",  # G1
    },
}

# Entry kind -> key of its wording in WORDING ("" for a plain message).
_KIND_KEYS = {
    "message": "",
    "attachment": "attached",
    "media_omitted": "omitted",
    "deleted": "deleted",
    "system:encryption": "encryption",
    "system:security_code_changed": "security",
    "system:group_created": "created",
    "system:participant_added": "added",
    "system:participant_removed": "removed",
    "system:participant_left": "left",
    "system:subject_changed": "subject",
}


def _word(language: str, key: str, platform: str) -> object | None:
    table = WORDING.get(language)
    if table is None:
        raise ValueError(f"no wording for language {language!r}; known: {sorted(WORDING)}")
    return table.get(f"{key}.{platform}", table.get(key))


def supported_kinds(style: HeaderStyle, language: str = "en") -> tuple[str, ...]:
    """The entry kinds :func:`render_chat` can write in ``language`` for ``style``'s platform."""
    out = []
    for kind in KINDS:
        key = _KIND_KEYS[kind]
        if not key or _word(language, key, style.platform) is not None:
            out.append(kind)
    return tuple(out)


def _need(language: str, key: str, platform: str) -> object:
    value = _word(language, key, platform)
    if value is None:
        raise ValueError(f"no {platform} wording for {key!r} in language {language!r}")
    return value


def _sender(name: str, style: HeaderStyle) -> str:
    if style.wrap_phone and name[:1] == "+":
        return "\u202a" + name + "\u202c"
    return name


def render_body(entry: ChatEntry, style: HeaderStyle, language: str = "en") -> str:
    """The text after the header and ``"Sender: "``: for a person's entry the body the
    parser reports as ``Message.text``; for a system line the whole rest of the line
    (which is what the parser reports as the text of an unattributed system line)."""
    if language not in WORDING:
        raise ValueError(f"no wording for language {language!r}; known: {sorted(WORDING)}")
    p = style.platform
    m = style.mark
    kind = entry.kind
    if kind == "message":
        body = entry.text
        if entry.edited:
            body += (" " + m if p == "ios" else " ") + str(_need(language, "edited", p))
    elif kind == "attachment":
        if not entry.attachment:
            raise ValueError("an attachment entry needs a file name")
        marker = str(_need(language, "attached", p)).format(name=entry.attachment)
        if p == "ios":
            body = (entry.text + " " if entry.text else "") + m + marker
        else:
            body = m + marker + ("\n" + entry.text if entry.text else "")
    elif kind == "media_omitted":
        if p == "ios":
            table = _need(language, "omitted", p)
            if not isinstance(table, dict) or entry.media not in table:
                raise ValueError(f"no iOS wording for omitted {entry.media!r} in language {language!r}")
            body = m + table[entry.media]
        else:
            body = str(_need(language, "omitted", p))
    elif kind == "deleted":
        body = (m if p == "ios" else "") + str(_need(language, "deleted", p))
    elif kind in _KIND_KEYS:
        key = _KIND_KEYS[kind]
        text = str(_need(language, key, p)).format(
            actor=entry.actor or "You", subject=entry.subject or "You", value=entry.value or "", m=m,
        )
        body = text if kind == "system:security_code_changed" else m + text if p == "ios" else text
    else:
        raise ValueError(f"unknown entry kind {kind!r}")
    if style.newline != "\n":
        body = body.replace("\n", style.newline)
    return body


def render_line(entry: ChatEntry, style: HeaderStyle, language: str = "en") -> str:
    """One entry as it appears in the export, including its final line ending."""
    body = render_body(entry, style, language)
    lead = ""
    if style.platform == "ios" and style.mark and entry.kind in ("attachment", "media_omitted"):
        lead = style.mark
    sender = entry.sender
    if entry.kind.startswith("system:") and entry.kind not in ("system:encryption", "system:security_code_changed"):
        sender = None
    if sender is None:
        return lead + render_header(entry.timestamp, style) + body + style.newline
    return lead + render_header(entry.timestamp, style) + _sender(sender, style) + ": " + body + style.newline


def iter_render(entries: Iterable[ChatEntry], style: HeaderStyle, language: str = "en") -> Iterator[str]:
    """The export's text, one entry at a time (for streaming large files to disk)."""
    for entry in entries:
        yield render_line(entry, style, language)


def _encoder(style: HeaderStyle):
    if style.encoding == "utf-16-le":
        return codecs.BOM_UTF16_LE, "utf-16-le"
    return (codecs.BOM_UTF8 if style.bom else b""), "utf-8"


def render_chat(entries: Iterable[ChatEntry], style: HeaderStyle, language: str = "en") -> bytes:
    """The bytes of a ``.txt`` export holding ``entries`` in ``style``."""
    bom, enc = _encoder(style)
    return bom + "".join(iter_render(entries, style, language)).encode(enc)


def encode_stream(pieces: Iterable[str], style: HeaderStyle) -> Iterator[bytes]:
    """Encode streamed text (from :func:`iter_render`) the way the style stores it."""
    bom, enc = _encoder(style)
    if bom:
        yield bom
    for piece in pieces:
        yield piece.encode(enc)


def zip_member_name(style: HeaderStyle, chat_name: str = "Chat") -> str:
    """Where the transcript sits in a zip export: ``_chat.txt`` (iOS) or
    ``WhatsApp Chat with <name>.txt`` (Android, English UI)."""
    return "_chat.txt" if style.platform == "ios" else f"WhatsApp Chat with {chat_name}.txt"


def render_zip(
    entries: Iterable[ChatEntry],
    style: HeaderStyle,
    media: Mapping[str, bytes],
    *,
    chat_name: str = "Chat",
    language: str = "en",
) -> bytes:
    """A ``.zip`` export: the transcript plus one member per ``media`` item (file name ->
    bytes), deflated, with fixed timestamps so the bytes are reproducible."""
    buf = io.BytesIO()
    stamp = (2024, 1, 1, 0, 0, 0)
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        info = zipfile.ZipInfo(zip_member_name(style, chat_name), stamp)
        info.compress_type = zipfile.ZIP_DEFLATED
        zf.writestr(info, render_chat(entries, style, language))
        for name, data in media.items():
            mi = zipfile.ZipInfo(name, stamp)
            mi.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(mi, data)
    return buf.getvalue()


_ANDROID_TAGS = {"image": ("IMG", "jpg"), "video": ("VID", "mp4"), "audio": ("AUD", "opus"),
                 "voice": ("PTT", "opus"), "sticker": ("STK", "webp"), "document": ("DOC", "pdf")}
_IOS_TAGS = {"image": ("PHOTO", "jpg"), "video": ("VIDEO", "mp4"), "audio": ("AUDIO", "opus"),
             "voice": ("AUDIO", "opus"), "sticker": ("STICKER", "webp"), "document": ("DOC", "pdf"),
             "gif": ("GIF", "mp4")}


def media_file_name(style: HeaderStyle, ts: datetime, seq: int, media: str = "image") -> str:
    """The name WhatsApp gives a media file: ``IMG-20220327-WA0001.jpg`` (Android) or
    ``00000012-PHOTO-2022-03-27-21-41-55.jpg`` (iOS)."""
    if style.platform == "ios":
        tag, ext = _IOS_TAGS.get(media, ("FILE", "bin"))
        return f"{seq:08d}-{tag}-{ts:%Y-%m-%d-%H-%M-%S}.{ext}"
    tag, ext = _ANDROID_TAGS.get(media, ("DOC", "bin"))
    return f"{tag}-{ts:%Y%m%d}-WA{seq % 10000:04d}.{ext}"
