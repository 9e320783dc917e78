"""The WhatsApp transcript parser: two streaming passes over the text.

Pass 1 (:meth:`WhatsAppParser.scan`) learns the file without keeping its messages: which
header layout it uses, the evidence for day/month order (a field above 12; the number of
backward date jumps under each reading), how often each sender appears, who system lines
name, and whether the chat is a group.

Pass 2 (:meth:`WhatsAppParser.messages`) yields :class:`~chatwarden.model.Message` values
one at a time.  A line that looks like a header but breaks chronology or names a sender the
file does not otherwise know is kept inside the current message (and the reason recorded),
so a chat pasted into a message cannot forge messages.  Every input line ends up in a
message, a system event, or an ``unparsed`` warning with its line number.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from itertools import chain, compress, groupby, repeat
from operator import contains, is_

from chatwarden.errors import NotAnExportError
from chatwarden.ingest import markers as mk
from chatwarden.ingest.formats import (
    GENERIC,
    LINE_RE,
    MARKS,
    PLATFORM_OF_LAYOUT,
    SCAN_RE,
    HeaderFeatures,
    date_parts,
    scan_split_re,
    split_re,
    time_parts,
    year_first,
    ymd,
)
from chatwarden.ingest.phone import to_e164
from chatwarden.ingest.source import ExportSource, chat_name_from_filename
from chatwarden.model import (
    Attachment,
    Chat,
    ContinuationNote,
    MediaMember,
    Message,
    ParseWarning,
    Participant,
    SystemEvent,
)

strip_marks = mk.strip_marks
MARK_CHARS = frozenset(MARKS)
CHRONO_TOLERANCE = timedelta(minutes=90)
MIN_TS = datetime.min
RARE_SENDER = 3
GROUP_KINDS = frozenset(
    {
        "system:group_created", "system:subject_changed", "system:description_changed",
        "system:description_deleted", "system:icon_changed", "system:icon_deleted",
        "system:settings_changed", "system:participant_added", "system:participant_removed",
        "system:participant_left", "system:participant_joined_via_link", "system:admin_promoted",
        "system:admin_demoted", "system:community",
    }
)
DATE_ORDERS = ("dmy", "mdy", "ymd")
_HIDDEN_CANDIDATE = re.compile(r"\n[^A-Za-z \t\n]")
# Header times that are all "HH:MM" or "HH:MM:SS" with possible values ("\n"-joined, one
# chunk's): such a chunk's timestamps are read with datetime.fromisoformat, which gives
# what time_parts and datetime.combine give there, without the memo of times (a memo of
# 86,400 times with seconds costs more to look up than parsing).
_TIME_OK = r"(?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9])?"
_PLAIN_TIMES = re.compile(rf"(?:{_TIME_OK}\n)*{_TIME_OK}")


class _Memo(dict):
    """A dict that fills itself: ``memo[key]`` computes a missing value once."""

    __slots__ = ("fn",)

    def __init__(self, fn: Callable[[str], object]) -> None:
        super().__init__()
        self.fn = fn

    def __missing__(self, key: str) -> object:
        value = self[key] = self.fn(key)
        return value


@dataclass
class ScanResult:
    """What pass 1 learnt."""

    layout: str
    date_order: str
    date_order_reason: str
    headers: int
    sender_counts: Counter[str]
    mentioned: set[str]
    has_group_events: bool
    has_created_event: bool
    chronology_breaks: int
    warnings: list[ParseWarning] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class BodyInfo:
    kind: str
    attachments: tuple[tuple[str | None, str, bool], ...] = ()  # (name, media_type, omitted)
    edited: bool = False
    system: mk.SystemMatch | None = None


PLAIN = BodyInfo("message")
PLAIN_EDITED = BodyInfo("message", edited=True)
EXACT: dict[str, BodyInfo] = {
    text: BodyInfo(kind, ((None, media, omitted),) if media else ())
    for text, (kind, media, omitted) in mk.EXACT_BODIES.items()
}
EXACT_EDITED = {text: BodyInfo(i.kind, i.attachments, True) for text, i in EXACT.items()}
# What the inline path of pass 2 writes for a one-line marker body (media omitted, deleted,
# ...): kind and attachments, as _person would build them (no file name: nothing to link).
# EXACT_MESSAGE is for a body without marks, so it leaves out texts the edited test could
# cut; EXACT_MESSAGE_FOLDED is looked up with the mark-free copy of a body not ending in ">".
EXACT_MESSAGE_FOLDED: dict[str, tuple[str, tuple[Attachment, ...]]] = {
    text: (i.kind, tuple(Attachment(None, media, omitted=True, missing=False) for _name, media, _o in i.attachments))
    for text, i in EXACT.items()
    if not i.kind.startswith("system:") and i.system is None and all(name is None for name, _m, _o in i.attachments)
}
EXACT_MESSAGE = {t: v for t, v in EXACT_MESSAGE_FOLDED.items() if mk.EDITED_RE.search(t) is None}
# System lines WhatsApp may write behind a name (the group's or the contact's) even without
# invisible marks: only these kinds are read from a named body that has no marks.
ATTRIBUTED_KINDS = frozenset({"system:encryption", "system:security_code_changed", "system:business_account"})


def classify_body(body: str) -> BodyInfo:
    """What a person's message body is: text, or a marker WhatsApp wrote in its place."""
    edited = False
    if body.endswith(">"):
        m = mk.EDITED_RE.search(body)
        if m:
            edited = True
            body = body[: m.start()]
    has_marks = mk.MARK_RE.search(body) is not None
    b = mk.fold(body).strip() if has_marks else body
    info = (EXACT_EDITED if edited else EXACT).get(b)
    if info is not None:
        return info
    if not (has_marks or b.endswith((")", ">")) or "http" in b or "\n" in b):
        return PLAIN_EDITED if edited else PLAIN
    first_line = b.split("\n", 1)[0].rstrip("\r")
    # Each pattern below is tried only where the text has the literal ending or part that
    # every match of it has (the patterns are costly on ordinary text).
    m = None
    if first_line.endswith(">"):
        m = mk.ATTACHED_IOS_RE.fullmatch(first_line)
    elif first_line.endswith(")"):
        m = mk.ATTACHED_FILE_RE.fullmatch(first_line)
    if m:
        name = m.group("name").strip()
        media = mk.media_type_of(name)
        return BodyInfo("contact" if media == "contact" else "attachment", ((name, media, False),), edited)
    if has_marks and b.endswith(mk.IOS_OMITTED_ENDINGS):
        m = mk.IOS_OMITTED_RE.fullmatch(b)
        if m:
            for media, _rx in mk.IOS_OMITTED:
                if m.group(media):
                    title = m.group("title")
                    kind = "contact" if media == "contact" else "media_omitted"
                    return BodyInfo(kind, ((title.strip() if title else None, media, True),), edited)
    if mk.DELETED_RE.fullmatch(b):
        return BodyInfo("deleted", (), edited)
    if "http" in b and (mk.LOCATION_RE.fullmatch(b) or mk.VENUE_IOS_RE.fullmatch(b) or mk.VENUE_ANDROID_RE.fullmatch(b)):
        return BodyInfo("location", (), edited)
    if mk.MISSED_CALL_RE.fullmatch(b):
        return BodyInfo("missed_call", (), edited)
    if mk.POLL_RE.fullmatch(b):
        return BodyInfo("poll", (), edited)
    if has_marks and body[:1] in MARK_CHARS:
        sysm = mk.match_system(b)
        if sysm is not None:
            return BodyInfo(sysm.kind, (), edited, sysm)
        return BodyInfo("system:unknown", (), edited)
    return PLAIN_EDITED if edited else PLAIN


class WhatsAppParser:
    """Parse one export.  Call :meth:`scan` once, then iterate :meth:`messages`."""

    def __init__(
        self,
        source: ExportSource,
        *,
        date_order: str | None = None,
        default_region: str = "GB",
        on_bytes: Callable[[int], None] | None = None,
    ) -> None:
        if date_order is not None and date_order not in DATE_ORDERS:
            raise ValueError(f"date_order must be one of {DATE_ORDERS}")
        self.source = source
        self.hint = date_order
        self.region = default_region
        self.on_bytes = on_bytes
        self.result: ScanResult | None = None
        self.warnings: list[ParseWarning] = []
        # pass-2 state kept for the chat summary
        self._senders: dict[str, list[int]] = {}  # shown name -> [count, first_line]
        # raw sender of the fast path -> [shown, phone, messages counted there]
        self._sender_info: dict[str, list] = {}
        self._event_names: dict[str, int] = {}
        self._subject: str | None = None
        self._created_name: str | None = None
        self._label_name: str | None = None
        self._lines = 0
        self._ends_with_newline = False
        self._done = False
        self._referenced: set[str] = set()
        self._dobj: _Memo = _Memo(self._date_of)  # written date -> date (None: impossible)
        self._tobj: _Memo = _Memo(_time_of)  # written time -> time of day (None: impossible)
        self._member_by_base: dict[str, str] = {}
        for name in source.members:
            base = name.replace("\\", "/").rsplit("/", 1)[-1]
            if name == source.chat_member or name.startswith("__MACOSX/") or base.startswith("._"):
                continue
            self._member_by_base.setdefault(base, name)

    # ================================================================== sniffing
    def _sniff(self) -> tuple[str, HeaderFeatures]:
        """Pick the header layout (the one with most matches in the first text that has
        any) and the optional parts its headers use."""
        for chunk in self.source.text_chunks():
            found = {name: list(rx.finditer(chunk)) for name, rx in SCAN_RE.items()}
            best = max(found, key=lambda k: len(found[k]))
            if not found[best]:
                continue
            marks = era = False
            ampm: set[str] = set()
            seps: set[str] = set()
            dt: set[str] = set()
            tsep: set[str] = set()
            secs: set[bool] = set()
            dots: set[bool] = set()
            for i, m in enumerate(found[best]):
                head = chunk[m.start() : m.start("rest")]
                if not marks and mk.MARK_RE.search(head):
                    marks = True
                if m.group("ap1") or m.group("ap2"):
                    ampm.add(m.group("ap1") or m.group("ap2"))
                if m.group("e1") or m.group("e2") or m.group("e3") or m.group("be"):
                    era = True
                seps.add(m.group("ds"))
                tsep.add(m.group("ts"))
                secs.add(m.group("S") is not None)
                dots.add(m.group("date").endswith("."))
                if best == "bracket-time-first":
                    dt.add(chunk[m.end("time") : m.start("date")])
                else:
                    dt.add(chunk[m.end("date") : m.start("time")])
                if i > 5000:
                    break

            def one(values: set):  # the single value seen, else None (= any)
                return next(iter(values)) if len(values) == 1 else None

            features = HeaderFeatures(
                marks=marks, ampm=tuple(sorted(ampm)), era=era, date_sep=one(seps),
                dt_sep=None if marks else one(dt), time_sep=one(tsep), seconds=one(secs), trailing_dot=one(dots),
            )
            return best, features
        raise NotAnExportError("no WhatsApp message header found; is this a chat export?", source=self.source.display, line=1)

    def _chunks(self, on_bytes: Callable[[int], None] | None) -> Iterator[tuple[int, list]]:
        """The file split at header lines, a chunk at a time: ``(first line number,
        [before, header, date, time, sender, rest, header, date, time, sender, rest, ...])``.

        ``before`` is text ahead of the chunk's first header (it starts with a newline: it
        continues the previous message, or precedes the first one).  The body of a header
        (the rest of its line plus its continuation lines) is ``sender + ": " + rest``, or
        ``rest`` with ``sender`` None when the header line has no ": ".  The split uses the
        file's own header shape; continuation lines are then checked against the generic
        shape so that a header with an unexpected optional part is never missed."""
        splitter = split_re(self.layout, self.features)
        generic = LINE_RE[self.layout] if self.features != GENERIC else None
        time_first = self.layout == "bracket-time-first"
        line = 1
        for chunk in self.source.led_chunks(on_bytes):
            parts = splitter.split(chunk)
            if time_first:
                parts[2::5], parts[3::5] = parts[3::5], parts[2::5]  # (header, date, time, ...)
            if generic is not None:
                parts = self._recover_hidden(parts, generic)
            yield line, parts
            line += chunk.count("\n")
        self._lines = line - 1

    def _scan_chunks(self, on_bytes: Callable[[int], None] | None) -> Iterator[list[str | None]]:
        """Pass 1's view of the file, a chunk at a time: ``[before, date, key, line, more,
        date, key, line, more, ...]``.

        ``key`` is the text of the header line before its first ": " (None when the line
        has none; ``line`` is then the rest of the header line, else None); ``more`` is the
        continuation lines (each led by a newline).  A header's body is thus ``key + ": "
        + ...`` (the text after the ": " is skipped by the regex, never built) or ``line +
        more``.  Headers hidden in continuation lines are recovered as in :meth:`_chunks`."""
        splitter = scan_split_re(self.layout, self.features)
        generic = LINE_RE[self.layout] if self.features != GENERIC else None
        line = 1
        for chunk in self.source.led_chunks(on_bytes):
            parts: list[str | None] = splitter.split(chunk)
            if generic is not None:
                parts = self._recover_hidden_keys(parts, generic)
            yield parts
            line += chunk.count("\n")
        self._lines = line - 1

    @staticmethod
    def _recover_hidden_keys(parts: list, generic: re.Pattern[str]) -> list:
        """:meth:`_recover_hidden` for the parts of :meth:`_scan_chunks`: each recovered
        header gives ``date, key, line`` and its own line is left empty."""
        hidden = _HIDDEN_CANDIDATE.search
        multi = [i for i in compress(range(4, len(parts), 4), parts[4::4]) if hidden(parts[i])]

        def header(pieces: list, text: str, m: re.Match[str]) -> str:
            rest = m.group("rest")
            colon = rest.find(": ")
            pieces.extend((m.group("date"), rest[:colon], None) if colon >= 0 else (m.group("date"), None, rest))
            return ""

        return _splice_hidden(parts, multi, generic, header)

    @staticmethod
    def _recover_hidden(parts: list, generic: re.Pattern[str]) -> list:
        # Bodies with a continuation line that could start a header ("[", a digit or a
        # mark; the test below lets through a superset: any line not opening with an
        # ASCII letter, space or tab).  Each recovered header gives ``prefix, date, time,
        # sender`` and its line keeps the text after the sender.
        hidden = _HIDDEN_CANDIDATE.search
        multi = [
            i for i in compress(range(5, len(parts), 5), map(contains, parts[5::5], repeat("\n")))
            if hidden(parts[i])
        ]

        def header(pieces: list, text: str, m: re.Match[str]) -> str:
            rest = m.group("rest")
            colon = rest.find(": ")
            pieces.extend((text[: m.start("rest")], m.group("date"), m.group("time")))
            if colon >= 0:
                pieces.append(rest[:colon])
                return rest[colon + 2 :]
            pieces.append(None)
            return rest

        return _splice_hidden(parts, multi, generic, header)

    # ================================================================== pass 1
    def scan(self) -> ScanResult:
        self.layout, self.features = self._sniff()
        counts: Counter[str] = Counter()
        mentioned: set[str] = set()
        group_events = False
        created = False
        headers = 0
        dcache: dict[str, tuple] = {}
        evidence = {"dmy": 0, "mdy": 0}
        invalid = {"dmy": 0, "mdy": 0, "ymd": 0}
        inversions = {"dmy": 0, "mdy": 0, "ymd": 0}
        year_first_votes = 0
        date_changes = 0
        prev: dict[str, tuple | None] = {"dmy": None, "mdy": None, "ymd": None}
        prev_date = None
        for parts in self._scan_chunks(self.on_bytes):
            dates = parts[1::4]
            keys = parts[2::4]
            headers += len(dates)
            # Sender candidates (the text before the first ": ") counted at C speed; the
            # regex gave them for header lines that hold a ": ", None for the others.
            counts.update(keys)
            for date_s, _ in groupby(dates):
                if date_s == prev_date:
                    continue
                date_changes += 1
                info = dcache.get(date_s)
                if info is None:
                    info = self._date_info(date_s, evidence, invalid)
                    dcache[date_s] = info
                if info[3]:
                    year_first_votes += 1
                for order, key in zip(DATE_ORDERS, info[:3]):
                    if key is None:
                        continue
                    p = prev[order]
                    if p is not None and key < p:
                        inversions[order] += 1
                    prev[order] = key
                prev_date = date_s
            # Lines with no "Name: " are system lines (or a name without the separator).
            # Their candidate is cut from the whole body, as it always has been (at its
            # first ": " in a continuation line, else one character short of its end); a
            # newline in it means the first line had no ": ".  A body with neither is in
            # both lists.
            no_sep: list[str] = []
            nl_first: list[str] = []
            if counts.pop(None, 0):  # type: ignore[call-overload]
                for first, more in compress(zip(parts[3::4], parts[4::4]), map(is_, keys, repeat(None))):
                    body = first + more
                    f = body.find(": ")
                    key = body[:f]
                    counts[key] += 1
                    if f < 0:
                        no_sep.append(body)
                    if "\n" in key:
                        nl_first.append(body)
            for body in chain(no_sep, nl_first):
                first = body.split("\n", 1)[0]
                if ": " in first:
                    continue
                sysm = mk.match_system(strip_marks(first).rstrip("\r").strip())
                if sysm is None:
                    continue
                if sysm.kind in GROUP_KINDS:
                    group_events = True
                if sysm.kind == "system:group_created":
                    created = True
                    if sysm.value and self._created_name is None:
                        self._created_name = sysm.value
                if sysm.kind == "system:subject_changed" and sysm.value:
                    self._subject = sysm.value
                for name in (sysm.actor, sysm.subject):
                    if name:
                        mentioned.add(name.strip())
                        mentioned.update(mk.split_names(name))
        warnings: list[ParseWarning] = []
        order, reason = self._decide_order(evidence, inversions, invalid, year_first_votes, date_changes, warnings,
                                           self.layout)
        self.result = ScanResult(
            layout=self.layout, date_order=order, date_order_reason=reason, headers=headers,
            sender_counts=counts, mentioned=mentioned, has_group_events=group_events,
            has_created_event=created, chronology_breaks=inversions[order], warnings=warnings,
        )
        self.warnings.extend(warnings)
        return self.result

    @staticmethod
    def _date_info(date_s: str, evidence: dict[str, int], invalid: dict[str, int]) -> tuple:
        """(dmy key, mdy key, ymd key, year-first?) of a written date; counts evidence."""
        dp = date_parts(date_s)
        if dp is None:
            return (None, None, None, False)
        yf = year_first(dp)
        keys = (
            None if yf else ymd(dp, "dmy"),
            None if yf else ymd(dp, "mdy"),
            ymd(dp, "ymd") if yf else None,
        )
        if not yf:
            if dp.d1 > 12 and dp.d2 <= 12:
                evidence["dmy"] += 1
            if dp.d2 > 12 and dp.d1 <= 12:
                evidence["mdy"] += 1
        for order, key in zip(DATE_ORDERS, keys):
            if key is None:
                invalid[order] += 1
        return (*keys, yf)

    def _decide_order(self, evidence, inversions, invalid, yf_votes, headers, warnings, layout):
        hint = self.hint
        if yf_votes > headers / 2:
            order, reason = "ymd", "year-first"
        elif evidence["dmy"] and not evidence["mdy"]:
            order, reason = "dmy", "day>12"
        elif evidence["mdy"] and not evidence["dmy"]:
            order, reason = "mdy", "day>12"
        elif evidence["dmy"] and evidence["mdy"]:
            order = "dmy" if invalid["dmy"] <= invalid["mdy"] else "mdy"
            reason = "day>12"
            warnings.append(ParseWarning(
                "date-order-conflict", None,
                f"dates contradict each other (day>12 in both positions: {evidence['dmy']} vs {evidence['mdy']} dates); "
                f"read as {order}, the order with fewer impossible dates",
            ))
        elif inversions["dmy"] != inversions["mdy"]:
            order = "dmy" if inversions["dmy"] < inversions["mdy"] else "mdy"
            reason = "chronology"
        elif hint:
            order, reason = hint, "hint"
        else:
            order, reason = self._guess_order(layout), "default"
            warnings.append(ParseWarning(
                "date-order-undecidable", None,
                f"day/month order cannot be decided from this file (no day above 12, chronology fits both); "
                f"assumed {order} from the header style; pass --date-order dmy|mdy to be sure",
            ))
        if hint and reason not in ("hint",) and hint != order:
            warnings.append(ParseWarning(
                "date-order-hint-ignored", None,
                f"--date-order {hint} ignored: the file itself shows {order} ({reason})",
            ))
        return order, reason

    def _guess_order(self, layout: str) -> str:
        """Locale guess for an undecidable file: iOS bracketed headers with a 2-digit year
        and unpadded fields, or a Latin AM/PM clock, are the US style (month first);
        everything else is read day first, as in the UK."""
        for chunk in self.source.text_chunks():
            m = SCAN_RE[layout].search(chunk)
            if m is None:
                continue
            d1, d3, ap = m.group("d1"), m.group("d3"), m.group("ap1") or m.group("ap2")
            if ap and ap in ("AM", "PM"):
                return "mdy"
            if layout.startswith("bracket") and len(d3) == 2 and len(d1) == 1:
                return "mdy"
            return "dmy"
        return "dmy"

    # ================================================================== pass 2
    def _date_of(self, date_s: str) -> date | None:
        dp = date_parts(date_s)
        d = ymd(dp, self.result.date_order) if dp else None  # type: ignore[union-attr]
        return None if d is None else date(*d)

    def messages(self) -> Iterator[Message]:
        res = self.result or self.scan()
        counts = res.sender_counts
        established = {s for s, c in counts.items() if c >= 2}
        # "Unknown sender" is only provable in a one-to-one chat: two people post, no group
        # events.  (A group's creation event does not list its first members.)
        roster_known = not res.has_group_events and len(established) == 2
        chrono_on = res.chronology_breaks <= max(3, res.headers // 100)
        if not chrono_on:
            self.warnings.append(ParseWarning(
                "not-chronological", None,
                f"{res.chronology_breaks} backward date jumps: the file is not in time order, so header-like lines "
                "are not tested against chronology",
            ))
        unknown_check = roster_known and len(established) >= 2
        mentioned = res.mentioned
        dobj = self._dobj
        tobj = self._tobj
        combine = datetime.combine
        from_iso = datetime.fromisoformat
        plain_times = _PLAIN_TIMES.fullmatch
        sender_info = self._sender_info
        cur_date_s: str | None = None
        cur_day: date | None = None
        day_prefix: str | None = None  # "YYYY-MM-DDT" of cur_day (None: impossible date)
        # Latest plain-message timestamp; it stays at datetime.min when chronology is not
        # tested (so that "ts < max_ts" is never true).
        max_ts = MIN_TS
        # The message being built: timestamp, line, sender (None: no ": " in its header
        # line), the text after "sender: " (the whole body without a sender), notes, and
        # whether it is a "Name: text" on one line (1) or over several with no demoted
        # header in it (2).  Its body is ``p_key + ": " + p_rest`` or ``p_rest``.
        p_ts: datetime | None = None
        p_line = 0
        p_key: str | None = None
        p_rest = ""
        p_notes: list[ContinuationNote] | None = None
        p_fast = 0
        index = 0
        slow = self._finish
        exact = EXACT
        exact_message = EXACT_MESSAGE
        exact_folded = EXACT_MESSAGE_FOLDED
        mark_chars = MARK_CHARS
        for line, parts in self._chunks(self.on_bytes):
            before = parts[0]
            if before:
                if p_ts is not None:
                    p_rest += before
                    p_fast = 2 if p_fast else 0
                else:
                    self._unparsed(before[1:], line)
                line += before.count("\n")
            # first line break of every body, at C speed
            nls = list(map(str.find, parts[5::5], repeat("\n")))
            iso_times = plain_times("\n".join(parts[3::5])) is not None
            it = iter(parts)
            next(it)
            for hdr, date_s, time_s, key, rest, nl in zip(it, it, it, it, it, nls):
                this_line = line
                if nl < 0:
                    line += 1
                    fast = 1 if key else 0  # a one-line "Name: text": may take the fast path below
                else:
                    line += 1 + rest.count("\n", nl)
                    fast = 2 if key else 0  # a "Name: text" over several lines
                # ---- timestamp (date and time of day parsed once per distinct text)
                if date_s != cur_date_s:
                    cur_date_s = date_s
                    cur_day = dobj[date_s]
                    day_prefix = None if cur_day is None else cur_day.isoformat() + "T"
                try:
                    ts = from_iso(day_prefix + time_s) if iso_times else combine(cur_day, tobj[time_s])
                except TypeError:  # an impossible date or time (None)
                    ts = None
                if p_ts is None:
                    if ts is None:
                        self._unparsed(hdr + (rest if key is None else key + ": " + rest), this_line,
                                       code="unparsed-timestamp")
                        continue
                    p_ts, p_line, p_key, p_rest, p_notes, p_fast = ts, this_line, key, rest, None, fast
                    if chrono_on and key is not None and rest[:1] not in mark_chars:
                        max_ts = ts
                    continue
                # ---- is this header line really a new message?  (The cheap test lets
                # through every header that cannot be demoted.)
                if ts is None or (key is not None and (unknown_check or ts < max_ts)):
                    reason = None
                    if ts is None:
                        reason = "invalid-timestamp"
                    elif max_ts - ts > CHRONO_TOLERANCE:
                        reason = "chronology"
                    elif (unknown_check and counts.get(key, 0) <= 1 and rest[:1] not in mark_chars
                            and key not in mentioned and strip_marks(key) not in mentioned):  # type: ignore[union-attr]
                        reason = "unknown-sender"
                    if reason is not None:
                        if p_notes is None:
                            p_notes = []
                        p_notes.append(ContinuationNote(this_line, reason))
                        p_rest += "\n" + hdr + (rest if key is None else key + ": " + rest)
                        p_fast = 0
                        continue
                # ---- finish the previous message (inline fast path for plain text from a
                # frequent sender: the tests are those of _finish and classify_body that let
                # such a body through as a plain message)
                msg = None
                if p_fast:
                    info = sender_info.get(p_key)  # type: ignore[arg-type]
                    if info is not None:
                        text = p_rest[:-1] if p_rest[-1:] == "\r" else p_rest
                        if p_fast == 1:
                            if text.isascii() or mk.MARK_RE.search(text) is None:
                                if text not in exact:
                                    if not text.endswith((")", ">")) and "http" not in text:
                                        info[2] += 1
                                        msg = Message(index, p_ts, info[0], text, "message", p_line, p_line, info[1])
                                else:
                                    em = exact_message.get(text)
                                    if em is not None:
                                        info[2] += 1
                                        msg = Message(index, p_ts, info[0], text, em[0], p_line, p_line, info[1], em[1])
                            elif not text.endswith(">"):
                                # invisible marks in the text (an @mention; iOS before a marker):
                                # markers are looked for in the copy without marks, as
                                # classify_body does
                                b = mk.fold(text).strip()
                                if b in exact:
                                    em = exact_folded.get(b)
                                    if em is not None:
                                        info[2] += 1
                                        msg = Message(index, p_ts, info[0], text, em[0], p_line, p_line, info[1], em[1])
                                elif (text[:1] not in mark_chars and not b.endswith((")", ">")) and "http" not in b
                                        and not b.endswith(mk.IOS_OMITTED_ENDINGS) and mk.MISSED_CALL_RE.fullmatch(b) is None):
                                    info[2] += 1
                                    msg = Message(index, p_ts, info[0], text, "message", p_line, p_line, info[1])
                        elif ((text.isascii() or mk.MARK_RE.search(text) is None) and not text.endswith(">")
                                and "http" not in text and text not in exact
                                and not text[: text.find("\n")].rstrip("\r").endswith((")", ">"))
                                and mk.POLL_RE.fullmatch(text) is None):
                            # (with a line break no deleted or missed-call marker can match)
                            info[2] += 1
                            msg = Message(index, p_ts, info[0], text, "message", p_line, p_line + text.count("\n"), info[1])
                if msg is None:
                    msg = slow(index, [p_ts, p_line, p_rest if p_key is None else p_key + ": " + p_rest, p_notes])
                yield msg
                index += 1
                p_ts, p_line, p_key, p_rest, p_notes, p_fast = ts, this_line, key, rest, None, fast
                if ts > max_ts and chrono_on and key is not None and rest[:1] not in mark_chars:
                    max_ts = ts
        if p_ts is not None:
            yield slow(index, [p_ts, p_line, p_rest if p_key is None else p_key + ": " + p_rest, p_notes])
        self._done = True
        self._media_warnings()

    def _unparsed(self, text: str, first_line: int, code: str = "unparsed") -> None:
        lines = text.split("\n")  # pieces between header lines carry no final terminator
        for i, line in enumerate(lines):
            stripped = line.rstrip("\r").strip()
            c = code if stripped else "blank-line"
            self.warnings.append(ParseWarning(c, first_line + i, "line is not part of any message" if c != "blank-line"
                                              else "blank line before the first message"))

    # ------------------------------------------------------------------ one message
    def _finish(self, index: int, pend: list) -> Message:
        ts, line, raw, notes = pend
        if notes is None and "\n" not in raw:
            # Fast path: a one-line message from a frequent sender with plain text.
            colon = raw.find(": ")
            if colon > 0:
                sender_raw = raw[:colon]
                info = self._sender_info.get(sender_raw)
                if info is not None:
                    text = raw[colon + 2 :]
                    if text.endswith("\r"):
                        text = text[:-1]
                    if text.isascii() and text not in EXACT and not text.endswith((")", ">")) and "http" not in text:
                        info[2] += 1
                        return Message(index, ts, info[0], text, "message", line, line, info[1])
        notes = tuple(notes) if notes else ()
        if raw.endswith("\r"):
            raw = raw[:-1]
        nl = raw.find("\n")
        if nl < 0:
            end_line = line
            first = raw
        else:
            end_line = line + raw.count("\n", nl)
            first = raw[:nl]
            if first.endswith("\r"):
                first = first[:-1]
        colon = first.find(": ")
        counts = self.result.sender_counts  # type: ignore[union-attr]
        if colon >= 0:
            sender_raw = first[:colon]
            body = raw[colon + 2 :]
            if counts.get(sender_raw, 0) <= RARE_SENDER:
                # A system line whose text holds ": " (a subject with a colon), or a system
                # line written behind the group's/contact's name.
                sysm = mk.match_system(strip_marks(raw).strip())
                if sysm is not None and sysm.kind != "system:unknown":
                    return self._system(index, ts, line, end_line, raw, sysm, notes)
                if body[:1] not in MARK_CHARS and index < 3:
                    # Without invisible marks only the opening notices are read from a
                    # named body (Android writes the encryption notice behind the group's
                    # name at the top); elsewhere such text is a person's message.
                    sysm = mk.match_system(body.strip())
                    if sysm is not None and sysm.kind in ATTRIBUTED_KINDS:
                        return self._labelled(index, ts, line, end_line, sender_raw, body, sysm, notes)
            return self._person(index, ts, line, end_line, sender_raw, body, notes)
        c = first.find(":")
        if c > 0 and counts.get(first[:c], 0) >= 1:
            return self._person(index, ts, line, end_line, first[:c], raw[c + 1 :], notes)
        sysm = mk.match_system(strip_marks(raw).strip())
        return self._system(index, ts, line, end_line, raw, sysm, notes)

    def _labelled(self, index, ts, line, end_line, sender_raw, body, sysm, notes) -> Message:
        """A system line WhatsApp wrote behind a name (iOS; some Android versions)."""
        shown = strip_marks(sender_raw).strip()
        if sysm.kind == "system:encryption" and self._label_name is None:
            self._label_name = shown
        self._note_event_names(sysm, line)
        actor = None if sysm.kind == "system:encryption" else (sysm.actor or shown)
        event = SystemEvent(actor, sysm.subject, sysm.value, sysm.timer_days, sysm.lang)
        return Message(index, ts, None, body, sysm.kind, line, end_line, event=event, continuations=notes)

    def _note_event_names(self, sysm, line: int) -> None:
        for name in (sysm.actor, sysm.subject):
            if name:
                for n in mk.split_names(name):
                    self._event_names.setdefault(n, line)

    def _person(self, index, ts, line, end_line, sender_raw, body, notes) -> Message:
        info = classify_body(body)
        if info.system is not None:
            return self._labelled(index, ts, line, end_line, sender_raw, body, info.system, notes)
        shown, phone = self._note_sender(sender_raw, line)
        if info.kind == "system:unknown":
            return Message(index, ts, shown, body, "system:unknown", line, end_line, phone, continuations=notes)
        attachments = tuple(self._attachment(name, media, omitted, line) for name, media, omitted in info.attachments)
        return Message(
            index, ts, shown, body, info.kind, line, end_line,
            sender_phone=phone, attachments=attachments, edited=info.edited, continuations=notes,
        )

    def _note_sender(self, sender_raw: str, line: int) -> tuple[str, str | None]:
        """Count a message of ``sender_raw``; return its shown form and E.164 number."""
        info = self._sender_info.get(sender_raw)
        if info is None:
            shown = strip_marks(sender_raw).strip() if mk.MARK_RE.search(sender_raw) else sender_raw
            phone = to_e164(shown, self.region) if shown[:1] in "+0123456789(" else None
            rec = self._senders.get(shown)
            if rec is None:
                rec = self._senders[shown] = [0, line]
            if self.result is not None and self.result.sender_counts.get(sender_raw, 0) > RARE_SENDER:
                self._sender_info[sender_raw] = [shown, phone, 1]  # eligible for the fast path
            else:
                rec[0] += 1
            return shown, phone
        info[2] += 1
        return info[0], info[1]

    def _system(self, index, ts, line, end_line, raw, sysm, notes) -> Message:
        if sysm is None:
            return Message(index, ts, None, raw, "system:unknown", line, end_line, event=SystemEvent(), continuations=notes)
        self._note_event_names(sysm, line)
        if sysm.kind == "system:subject_changed" and sysm.value:
            self._subject = sysm.value
        if sysm.kind == "system:group_created" and sysm.value and self._created_name is None:
            self._created_name = sysm.value
        event = SystemEvent(sysm.actor, sysm.subject, sysm.value, sysm.timer_days, sysm.lang)
        return Message(index, ts, None, raw, sysm.kind, line, end_line, event=event, continuations=notes)

    def _attachment(self, name: str | None, media: str, omitted: bool, line: int) -> Attachment:
        if omitted or not name:
            return Attachment(name or None, media, omitted=True, missing=False)
        src = self.source
        member = self._member_by_base.get(name) or self._member_by_base.get(name.rsplit("/", 1)[-1])
        if member is not None:
            info = src.members[member]
            self._referenced.add(member)
            return Attachment(name, media, member=member, sha256=info.sha256, size=info.size)
        if src.kind == "txt" and src.media_dir:
            found = _media_beside(src.media_dir, name)
            if found is not None:
                size, sha = found
                return Attachment(name, media, member=name, sha256=sha, size=size)
        self.warnings.append(ParseWarning(
            "media-missing", line,
            "message refers to an attached file that is not in the export" if src.kind == "zip"
            else "message refers to an attached file; give the .zip export (with media) to link it",
        ))
        return Attachment(name, media, missing=True)

    def _media_warnings(self) -> None:
        src = self.source
        for name in sorted(src.members):
            base = name.replace("\\", "/").rsplit("/", 1)[-1]
            if name == src.chat_member or name.startswith("__MACOSX/") or base.startswith("._"):
                continue
            if name not in self._referenced:
                idx = list(src.members).index(name) + 1
                self.warnings.append(ParseWarning(
                    "media-unreferenced", None, f"archive member #{idx} is not referenced by any message",
                ))

    # ================================================================== chat summary
    def chat(self) -> Chat:
        res = self.result or self.scan()
        src = self.source
        name, name_source = self._chat_name()
        participants = []
        fast_counts: Counter[str] = Counter()  # messages counted on the fast path, by shown name
        for shown, _phone, n in self._sender_info.values():
            fast_counts[shown] += n
        for shown, (count, first) in sorted(self._senders.items(), key=lambda kv: kv[1][1]):
            participants.append(Participant(shown, to_e164(shown, self.region), count + fast_counts[shown], first, "sender"))
        seen = set(self._senders)
        for n, first in sorted(self._event_names.items(), key=lambda kv: kv[1]):
            if n in seen or n in mk.YOU_WORDS or (name and n == name):
                continue
            seen.add(n)
            participants.append(Participant(n, to_e164(n, self.region), 0, first, "event"))
        platform = PLATFORM_OF_LAYOUT.get(res.layout, "unknown")
        member = src.chat_member or ""
        if member.rsplit("/", 1)[-1] == "_chat.txt":
            platform = "ios"
        is_group = res.has_group_events or len(self._senders) > 2
        media = tuple(
            MediaMember(n, info.size, info.sha256, n in self._referenced)
            for n, info in src.members.items()
            if n != src.chat_member
        )
        return Chat(
            name=name, name_source=name_source, source=src.display, sha256=src.sha256, platform=platform,
            date_order=res.date_order, date_order_reason=res.date_order_reason,
            participants=tuple(participants), encoding=src.encoding, chat_member=src.chat_member,
            media=media, lines=self._lines, size=src.size, is_group=is_group,
        )

    def _chat_name(self) -> tuple[str | None, str | None]:
        src = self.source
        for candidate in (src.display, src.chat_member or ""):
            n = chat_name_from_filename(candidate) if candidate else None
            if n:
                return n, "file-name"
        if self._subject:
            return self._subject, "subject-changed"
        if self._created_name:
            return self._created_name, "group-created"
        if self._label_name:
            return self._label_name, "encryption-notice"
        return None, None


def _time_of(time_s: str) -> time | None:
    n = len(time_s)
    if (n == 8 or n == 5) and time_s.isascii() and time_s[2] == ":" and (n == 5 or time_s[5] == ":"):
        # the common "HH:MM" / "HH:MM:SS" (the header pattern makes every other character a
        # digit): what time_parts accepts there, time.fromisoformat accepts too
        try:
            return time.fromisoformat(time_s)
        except ValueError:
            return None
    t = time_parts(time_s)
    return None if t is None else time(*t)


def _media_beside(folder: str, name: str) -> tuple[int, str] | None:
    import hashlib
    import os

    base = os.path.basename(name)
    if not base or base in (".", ".."):
        return None
    path = os.path.join(folder, base)
    if not os.path.isfile(path) or os.path.islink(path):
        return None
    h = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
            size += len(block)
    return size, h.hexdigest()


def _splice_hidden(parts: list, bodies: list[int], generic: re.Pattern[str],
                   header: Callable[[list, str, re.Match[str]], str]) -> list:
    """``parts`` (a split chunk) with every header line hidden inside the bodies at
    ``bodies`` split out: the body up to it, then what ``header`` appends for the line
    (returning what stays of the line, which starts the next body).  A copy is made only
    when something is recovered."""
    out: list | None = None
    for i in reversed(bodies):
        lines = parts[i].split("\n")  # lines[0] is the header line's own rest (or "")
        pieces: list = []
        start = 0
        for j in range(1, len(lines)):
            text = lines[j]
            if not text or not (text[0] == "[" or text[0].isdigit() or text[0] in MARK_CHARS):
                continue
            m = generic.match(text)
            if m is None:
                continue
            pieces.append("\n".join(lines[start:j]))
            lines[j] = header(pieces, text, m)
            start = j
        if not pieces:
            continue
        pieces.append("\n".join(lines[start:]))
        if out is None:
            out = list(parts)
        out[i : i + 1] = pieces
    return parts if out is None else out
