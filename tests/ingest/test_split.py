"""The parser's two splitting regexes against the plain header split they replace.

``split_re`` and ``scan_split_re`` also take the sender (the text before the first ": " of
the header line) in the regex, so that the parser need not build and cut each body.  For
any text, the pieces must give back exactly the bodies of a plain ``\\n<header>`` split, with
the sender cut where ``str.find`` on the header line would cut it."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatwarden.ingest.formats import GENERIC, HeaderFeatures, flatten, header_pattern, scan_split_re, split_re

SETTINGS = settings(deadline=None, derandomize=True, max_examples=400,
                    suppress_health_check=[HealthCheck.too_slow])

FRAGMENTS = st.sampled_from([
    "\n", "\r\n", "12/03/2021, 09:15 - ", "[12/03/2021, 09:15:33] ", "\u200e[3/12/21, 9:15:33 PM] ",
    "Sgt Emma", "~\u202fSam", ": ", ":", "::", ": :", " ", "x", "\u200e", "\U0001F6A8", "http://a.b/c:d",
])
FEATURES = {
    "generic": GENERIC,
    "android": HeaderFeatures(marks=False, ampm=(), era=False, date_sep="/", dt_sep=", ", time_sep=":",
                              seconds=False, trailing_dot=False),
}


def _plain(layout: str, f: HeaderFeatures, text: str) -> list[str]:
    """[before, header, date, time, body, ...]: the split the parser used before."""
    return re.compile(r"\n(" + flatten(header_pattern(layout, f)) + ")").split(text)


def _sender(body: str) -> str | None:
    first = body.split("\n", 1)[0]
    colon = first.find(": ")
    return first[:colon] if colon >= 0 else None


@pytest.mark.parametrize("layout", ["dash", "bracket"])
@pytest.mark.parametrize("features", sorted(FEATURES))
@SETTINGS
@given(st.lists(FRAGMENTS, max_size=30).map("".join))
def test_split_re_gives_the_plain_bodies(layout: str, features: str, text: str) -> None:
    f = FEATURES[features]
    text = "\n" + text
    plain = _plain(layout, f, text)
    parts = split_re(layout, f).split(text)
    assert len(parts) == len(plain) // 4 * 5 + 1
    assert parts[0] == plain[0]
    for k in range(len(plain) // 4):
        hdr, date, time_, body = plain[4 * k + 1 : 4 * k + 5]
        p_hdr, p_date, p_time, sender, rest = parts[5 * k + 1 : 5 * k + 6]
        assert (p_hdr, p_date, p_time) == (hdr, date, time_)
        assert sender == _sender(body)
        assert (rest if sender is None else sender + ": " + rest) == body


@pytest.mark.parametrize("layout", ["dash", "bracket"])
@pytest.mark.parametrize("features", sorted(FEATURES))
@SETTINGS
@given(st.lists(FRAGMENTS, max_size=30).map("".join))
def test_scan_split_re_gives_date_sender_and_line(layout: str, features: str, text: str) -> None:
    f = FEATURES[features]
    text = "\n" + text
    plain = _plain(layout, f, text)
    parts = scan_split_re(layout, f).split(text)
    assert len(parts) == len(plain) // 4 * 4 + 1
    for k in range(len(plain) // 4):
        date, body = plain[4 * k + 2], plain[4 * k + 4]
        p_date, key, line, more = parts[4 * k + 1 : 4 * k + 5]
        first, nl, after = body.partition("\n")
        assert p_date == date
        assert key == _sender(body)
        assert line == (first if key is None else None)
        assert more == nl + after


def test_plain_times_read_by_fromisoformat_as_by_the_memo() -> None:
    """A chunk whose header times all match ``_PLAIN_TIMES`` takes its timestamps from
    ``datetime.fromisoformat``: the same values as ``combine(day, _time_of(time))``."""
    from datetime import date, datetime

    from chatwarden.ingest.whatsapp import _PLAIN_TIMES, _time_of

    day = date(2021, 3, 12)
    times = [f"{h:02d}:{m:02d}" for h in range(24) for m in range(60)]
    times += [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(0, 60, 7) for s in range(60)]
    assert _PLAIN_TIMES.fullmatch("\n".join(times))
    for t in times:
        assert datetime.fromisoformat(day.isoformat() + "T" + t) == datetime.combine(day, _time_of(t))
    for bad in ("24:00", "23:60", "23:59:60", "9:05", "09.05", "09:05 PM", "\u0660\u0669:05", "09:05\n", ""):
        assert not _PLAIN_TIMES.fullmatch(bad)
        assert not _PLAIN_TIMES.fullmatch(f"09:05\n{bad}")
