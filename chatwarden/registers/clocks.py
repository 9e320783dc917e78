"""Times and deadlines for the registers: stored in UTC, shown in Europe/London.

* Every instant is kept as a timezone-aware UTC ``datetime`` (SQLite hands back naive
  values, which are UTC by construction: :func:`as_utc` restores the zone).
* A deadline is elapsed time from a start ("within 12 hours of becoming aware"), so it is
  computed in UTC.  Across the change to BST (last Sunday of March) or back to GMT (last
  Sunday of October) the London wall clock jumps, the deadline does not: 12 hours after
  00:30 GMT on 30 March 2025 is 13:30 BST, not 12:30.
* Times typed by people without an offset are London wall-clock times.  A time that does
  not exist in London (01:00-01:59 on the last Sunday of March) is rejected, and so is one
  that happens twice (01:00-01:59 on the last Sunday of October) unless it carries an offset
  (``+01:00`` for the first, ``+00:00`` or ``Z`` for the second).
* Calendar dates that depend on "today" (expiring authorisations, live warnings) use the
  London date, not the UTC date.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")
_DT_DMY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})[ ,T]+(\d{1,2}):(\d{2})(?::(\d{2}))?$")


def now_utc() -> datetime:
    return datetime.now(UTC)


def as_utc(value: datetime | None) -> datetime | None:
    """An instant from the database or a caller as an aware UTC datetime.  Naive values
    are UTC (how the store writes them)."""
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def london_problem(naive: datetime) -> str | None:
    """Why a naive London wall-clock time cannot be placed on the timeline, or None."""
    first = naive.replace(tzinfo=LONDON, fold=0)
    second = naive.replace(tzinfo=LONDON, fold=1)
    back = first.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None)
    if back != naive:
        return "does not exist in London (the clocks go forward then); give it with an offset or correct it"
    if first.utcoffset() != second.utcoffset():
        return ("happens twice in London (the clocks go back then); add the offset, +01:00 for the first "
                "(BST) or +00:00 for the second (GMT)")
    return None


def from_london(naive: datetime) -> datetime:
    """A naive London wall-clock time as UTC; ValueError when it is missing or ambiguous."""
    problem = london_problem(naive)
    if problem:
        raise ValueError(problem)
    return naive.replace(tzinfo=LONDON).astimezone(UTC)


def to_utc(value: datetime) -> datetime:
    """Aware values are converted; naive values are London wall-clock time."""
    if value.tzinfo is None:
        return from_london(value)
    return value.astimezone(UTC)


def parse_datetime(text: str) -> datetime:
    """``2025-03-30T09:15:00+01:00``, ``2025-03-30 09:15Z``, ``2025-03-30 09:15`` (London)
    or ``30/03/2025 09:15`` (London) -> aware UTC.  ValueError names the problem, never
    the value."""
    s = text.strip()
    if not s:
        raise ValueError("empty")
    m = _DT_DMY.match(s)
    if m:
        d, mo, y, h, mi, sec = (int(g) if g else 0 for g in m.groups())
        try:
            naive = datetime(y, mo, d, h, mi, sec)
        except ValueError:
            raise ValueError("not a real date and time") from None
        try:
            return from_london(naive)
        except OverflowError:
            raise ValueError("outside the range of dates that can be stored") from None
    if s.endswith(("Z", "z")):
        s = s[:-1] + "+00:00"
    try:
        value = datetime.fromisoformat(s)
    except ValueError:
        raise ValueError("not a date and time (use YYYY-MM-DD HH:MM, London time, or ISO 8601 with an "
                         "offset)") from None
    try:
        return to_utc(value)
    except OverflowError:
        raise ValueError("outside the range of dates that can be stored") from None


def parse_date(text: str) -> date:
    """``2025-03-30`` or ``30/03/2025``."""
    s = text.strip()
    m = _DMY.match(s)
    try:
        if m:
            d, mo, y = (int(g) for g in m.groups())
            return date(y, mo, d)
        if len(s) == 10:
            return date.fromisoformat(s)
    except ValueError:
        raise ValueError("not a real date") from None
    raise ValueError("not a date (use YYYY-MM-DD or DD/MM/YYYY)")


def to_london(value: datetime) -> datetime:
    return as_utc(value).astimezone(LONDON)  # type: ignore[union-attr]


def show(value: datetime | None) -> str:
    """``Sun 30/03/2025 13:30 BST`` (London), or an empty string."""
    if value is None:
        return ""
    local = to_london(value)
    return local.strftime("%a %d/%m/%Y %H:%M ") + (local.tzname() or "")


def iso_london(value: datetime | None) -> str:
    """London wall-clock time with its offset, e.g. ``2025-03-30T13:30:00+01:00``: what the
    CSV files hold (unambiguous, and what a person expects to read)."""
    if value is None:
        return ""
    return to_london(value).isoformat(timespec="seconds")


def london_date(value: datetime) -> date:
    return to_london(value).date()


def today_london(now: datetime | None = None) -> date:
    return london_date(now or now_utc())


def add_months(start: date, months: int) -> date:
    """The same day ``months`` later; the last day of the month when that day is missing
    (31 August + 18 months = 28 or 29 February)."""
    index = start.year * 12 + (start.month - 1) + months
    year, month0 = divmod(index, 12)
    last = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(start.day, last))


def span(delta: timedelta) -> str:
    """``2 d 3 h``, ``5 h 20 min``, ``12 min`` (absolute value)."""
    seconds = abs(int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


# Clock states
MET = "met"  # done before the deadline
LATE = "late"  # done, after the deadline
RUNNING = "running"  # not done, deadline ahead
OVERDUE = "overdue"  # not done, deadline passed
NOT_APPLICABLE = "not-applicable"
DECIDED = "decided"  # stopped by a recorded decision (e.g. not to notify the ICO)
OPEN_STATES = (RUNNING, OVERDUE)


@dataclass(frozen=True)
class Clock:
    """One statutory or policy clock: started at ``start``, due ``hours`` later."""

    name: str
    start: datetime | None
    due: datetime | None
    done: datetime | None
    state: str
    note: str = ""

    def remaining(self, now: datetime) -> timedelta | None:
        if self.due is None:
            return None
        return self.due - as_utc(now)  # type: ignore[operator]

    def to_dict(self, now: datetime) -> dict:
        rem = self.remaining(now)
        text = ""
        if self.state == RUNNING and rem is not None:
            text = f"{span(rem)} left"
        elif self.state == OVERDUE and rem is not None:
            text = f"overdue by {span(rem)}"
        elif self.state == LATE and self.done and self.due:
            text = f"late by {span(self.done - self.due)}"
        elif self.state == MET:
            text = "met"
        return {
            "name": self.name, "state": self.state, "start": self.start, "due": self.due, "done": self.done,
            "due_london": show(self.due), "done_london": show(self.done), "remaining": text, "note": self.note,
        }


def deadline(name: str, start: datetime, hours: float, done: datetime | None, now: datetime, note: str = "") -> Clock:
    """A clock of ``hours`` elapsed hours from ``start`` (UTC arithmetic)."""
    start_u = as_utc(start)
    due = start_u + timedelta(hours=hours)  # type: ignore[operator]
    done_u = as_utc(done)
    if done_u is not None:
        state = MET if done_u <= due else LATE
    else:
        state = OVERDUE if as_utc(now) > due else RUNNING  # type: ignore[operator]
    return Clock(name, start_u, due, done_u, state, note)
