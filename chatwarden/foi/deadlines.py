"""FOI time limits: 20 working days after receipt (FOIA s10(1)), counted without weekends
and bank holidays.

Bank holidays are computed by rule for any year from 1978 (when the early May holiday
began), with the substitute days and the one-off changes proclaimed since:

* England and Wales (the default): New Year's Day, Good Friday, Easter Monday, early May
  (first Monday; moved to Friday 8 May in 1995 and 2020), spring (last Monday of May;
  moved to 4 June 2002 and 2012 and to Thursday 2 June 2022), summer (last Monday of
  August), Christmas Day and Boxing Day; a fixed-date holiday on a weekend gives the next
  free weekday.  One-off days: 31 Dec 1999, 3 Jun 2002, 29 Apr 2011, 5 Jun 2012,
  3 Jun 2022, 19 Sep 2022, 8 May 2023.
* Scotland and Northern Ireland can be added (``regions``): s10(6) defines a working day
  as one that is not a bank holiday "in any part of the United Kingdom".  England and
  Wales alone gives a due date that is never later than the statutory one.

Holidays proclaimed after this was written are not known to the rule: pass them in
``extra`` (a set of dates) until the code learns them.

The day of receipt is day 0; the first working day after it is day 1 (a request that
arrives on a Saturday is on day 1 on Monday).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

from chatwarden.errors import InputError

ENGLAND_AND_WALES = "england-and-wales"
SCOTLAND = "scotland"
NORTHERN_IRELAND = "northern-ireland"
REGIONS = (ENGLAND_AND_WALES, SCOTLAND, NORTHERN_IRELAND)
FOI_WORKING_DAYS = 20
FIRST_YEAR = 1978

_ONE_OFF_UK = {
    date(1999, 12, 31): "Millennium Celebrations",
    date(2002, 6, 3): "Golden Jubilee",
    date(2011, 4, 29): "Royal Wedding",
    date(2012, 6, 5): "Queen's Diamond Jubilee",
    date(2022, 6, 3): "Platinum Jubilee",
    date(2022, 9, 19): "State Funeral of Queen Elizabeth II",
    date(2023, 5, 8): "Coronation of King Charles III",
}
_EARLY_MAY_MOVED = {1995: date(1995, 5, 8), 2020: date(2020, 5, 8)}
_SPRING_MOVED = {2002: date(2002, 6, 4), 2012: date(2012, 6, 4), 2022: date(2022, 6, 2)}


def easter_sunday(year: int) -> date:
    """Western (Gregorian) Easter Sunday, by the anonymous Gregorian algorithm."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ll = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ll) // 451
    month, day = divmod(h + ll - 7 * m + 114, 31)
    return date(year, month, day + 1)


def _first_monday(year: int, month: int) -> date:
    d = date(year, month, 1)
    return d + timedelta(days=(7 - d.weekday()) % 7)


def _last_monday(year: int, month: int) -> date:
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    d = nxt - timedelta(days=1)
    return d - timedelta(days=d.weekday())


def _with_substitutes(fixed: list[tuple[date, str]], movable: dict[date, str]) -> dict[date, str]:
    """Fixed-date holidays falling on a weekend move to the next weekday that is not
    already a holiday (processed in date order, so Christmas on a Saturday gives Monday 27th
    and Boxing Day Tuesday 28th)."""
    out = dict(movable)
    for d, name in fixed:
        if d.weekday() < 5:
            out[d] = name
    for d, name in sorted(fixed):
        if d.weekday() >= 5:
            s = d
            while s.weekday() >= 5 or s in out:
                s += timedelta(days=1)
            out[s] = f"{name} (substitute day)"
    return out


@lru_cache(maxsize=512)
def _holidays(year: int, region: str) -> tuple[tuple[date, str], ...]:
    easter = easter_sunday(year)
    movable: dict[date, str] = {easter - timedelta(days=2): "Good Friday"}
    if region != SCOTLAND:
        movable[easter + timedelta(days=1)] = "Easter Monday"
    if year >= 1978:
        movable[_EARLY_MAY_MOVED.get(year, _first_monday(year, 5))] = "Early May bank holiday"
    movable[_SPRING_MOVED.get(year, _last_monday(year, 5))] = "Spring bank holiday"
    if region == SCOTLAND:
        movable[_first_monday(year, 8)] = "Summer bank holiday"
    else:
        movable[_last_monday(year, 8)] = "Summer bank holiday"
    for d, name in _ONE_OFF_UK.items():
        if d.year == year:
            movable[d] = name
    fixed = [(date(year, 1, 1), "New Year's Day"), (date(year, 12, 25), "Christmas Day"),
             (date(year, 12, 26), "Boxing Day")]
    if region == SCOTLAND:
        fixed.append((date(year, 1, 2), "2nd January"))
        if year >= 2007:  # St Andrew's Day Bank Holiday (Scotland) Act 2007
            fixed.append((date(year, 11, 30), "St Andrew's Day"))
    if region == NORTHERN_IRELAND:
        fixed += [(date(year, 3, 17), "St Patrick's Day"), (date(year, 7, 12), "Battle of the Boyne")]
    return tuple(sorted(_with_substitutes(fixed, movable).items()))


def bank_holidays(year: int, regions: Iterable[str] = (ENGLAND_AND_WALES,)) -> dict[date, str]:
    """The bank holidays of ``year`` in any of ``regions``, date -> name."""
    if year < FIRST_YEAR:
        raise InputError(f"bank holidays are known from {FIRST_YEAR}; {year} is earlier")
    out: dict[date, str] = {}
    for region in regions:
        if region not in REGIONS:
            raise InputError(f"unknown bank-holiday region {region!r} (use {', '.join(REGIONS)})")
        for d, name in _holidays(year, region):
            out.setdefault(d, name)
    return dict(sorted(out.items()))


class WorkingDays:
    """A working-day calendar: weekdays that are not bank holidays in ``regions`` nor in
    ``extra``."""

    def __init__(self, regions: Iterable[str] = (ENGLAND_AND_WALES,), extra: Iterable[date] = ()) -> None:
        self.regions = tuple(regions)
        self.extra = frozenset(extra)
        self._years: dict[int, frozenset[date]] = {}

    def _holiday_set(self, year: int) -> frozenset[date]:
        s = self._years.get(year)
        if s is None:
            s = self._years[year] = frozenset(bank_holidays(year, self.regions))
        return s

    def is_working_day(self, d: date) -> bool:
        return d.weekday() < 5 and d not in self.extra and d not in self._holiday_set(d.year)

    def add(self, start: date, n: int) -> date:
        """The ``n``-th working day after ``start`` (``start`` itself is day 0)."""
        if n < 0:
            raise InputError("the number of working days must not be negative")
        d, count = start, 0
        while count < n:
            d += timedelta(days=1)
            if self.is_working_day(d):
                count += 1
        return d

    def between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 when ``end`` is not
        after ``start``): the day number ``end`` falls on, in the FOI count."""
        n, d = 0, start
        while d < end:
            d += timedelta(days=1)
            if self.is_working_day(d):
                n += 1
        return n


def foi_due_date(received_on: date, *, working_days: int = FOI_WORKING_DAYS,
                 regions: Iterable[str] = (ENGLAND_AND_WALES,), extra: Iterable[date] = ()) -> date:
    """The last day for the response: the 20th working day after the day of receipt."""
    return WorkingDays(regions, extra).add(received_on, working_days)
