"""Times are stored in UTC, shown in London time, and deadlines count elapsed hours, so
they are right across the changes to and from British Summer Time."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from chatwarden.registers import clocks


@pytest.mark.parametrize("text, expected", [
    ("2025-01-15 09:30", datetime(2025, 1, 15, 9, 30, tzinfo=UTC)),          # GMT: London = UTC
    ("2025-07-15 09:30", datetime(2025, 7, 15, 8, 30, tzinfo=UTC)),          # BST: UTC+1
    ("15/07/2025 09:30", datetime(2025, 7, 15, 8, 30, tzinfo=UTC)),
    ("2025-07-15T09:30:00Z", datetime(2025, 7, 15, 9, 30, tzinfo=UTC)),
    ("2025-07-15T09:30:00+02:00", datetime(2025, 7, 15, 7, 30, tzinfo=UTC)),
    ("2025-10-26T01:30:00+01:00", datetime(2025, 10, 26, 0, 30, tzinfo=UTC)),  # first 01:30 (BST)
    ("2025-10-26T01:30:00+00:00", datetime(2025, 10, 26, 1, 30, tzinfo=UTC)),  # second 01:30 (GMT)
])
def test_parse_datetime(text, expected):
    assert clocks.parse_datetime(text) == expected


@pytest.mark.parametrize("text, problem", [
    ("2025-03-30 01:30", "does not exist"),   # clocks go forward 01:00 -> 02:00
    ("30/03/2025 01:00", "does not exist"),
    ("2025-10-26 01:30", "happens twice"),    # clocks go back 02:00 -> 01:00
    ("2025-02-30 10:00", "not"),
    ("yesterday", "not a date and time"),
])
def test_local_times_that_cannot_be_placed_are_rejected(text, problem):
    with pytest.raises(ValueError, match=problem):
        clocks.parse_datetime(text)


def test_twelve_hours_across_the_march_change_is_13_30_bst():
    aware = clocks.parse_datetime("2025-03-30 00:30")  # GMT, half an hour before the change
    c = clocks.deadline("iau-12h", aware, 12, None, aware)
    assert c.due == datetime(2025, 3, 30, 12, 30, tzinfo=UTC)
    assert clocks.show(c.due) == "Sun 30/03/2025 13:30 BST"  # not 12:30: 12 real hours


def test_twelve_hours_across_the_october_change_is_12_30_gmt():
    aware = clocks.parse_datetime("2025-10-26T01:30:00+01:00")
    c = clocks.deadline("iau-12h", aware, 12, clocks.parse_datetime("2025-10-26T12:45:00+00:00"), aware)
    assert clocks.show(c.due) == "Sun 26/10/2025 12:30 GMT"  # the wall clock says 11 h later
    assert c.state == clocks.LATE  # reported at 12:45 GMT: 15 minutes late, though 01:30 + 12 h "looks" 13:30


def test_seventy_two_hours_across_a_change():
    aware = clocks.parse_datetime("2025-03-28 18:00")
    c = clocks.deadline("ico-72h", aware, 72, None, aware)
    assert c.due - aware == timedelta(hours=72)
    assert clocks.show(c.due) == "Mon 31/03/2025 19:00 BST"


@pytest.mark.parametrize("done, now, state", [
    (None, "2025-06-01 11:59", clocks.RUNNING),
    (None, "2025-06-01 12:01", clocks.OVERDUE),
    ("2025-06-01 11:00", "2025-06-02 00:00", clocks.MET),
    ("2025-06-01 12:00", "2025-06-02 00:00", clocks.MET),
    ("2025-06-01 12:01", "2025-06-02 00:00", clocks.LATE),
])
def test_clock_states(done, now, state):
    start = clocks.parse_datetime("2025-06-01 00:00")
    c = clocks.deadline("x", start, 12, clocks.parse_datetime(done) if done else None, clocks.parse_datetime(now))
    assert c.state == state


def test_naive_values_from_the_database_are_utc():
    assert clocks.as_utc(datetime(2025, 7, 1, 12, 0)) == datetime(2025, 7, 1, 12, 0, tzinfo=UTC)


def test_today_is_the_london_date():
    late_evening_utc = datetime(2025, 7, 1, 23, 30, tzinfo=UTC)  # 00:30 BST on 2 July
    assert clocks.today_london(late_evening_utc) == date(2025, 7, 2)
    assert clocks.today_london(datetime(2025, 12, 1, 23, 30, tzinfo=UTC)) == date(2025, 12, 1)


@pytest.mark.parametrize("start, months, end", [
    (date(2024, 8, 31), 18, date(2026, 2, 28)),
    (date(2022, 8, 31), 18, date(2024, 2, 29)),  # leap year
    (date(2024, 2, 29), 24, date(2026, 2, 28)),
    (date(2025, 1, 15), 18, date(2026, 7, 15)),
    (date(2025, 6, 30), 24, date(2027, 6, 30)),
])
def test_add_months(start, months, end):
    assert clocks.add_months(start, months) == end


def test_iso_london_round_trips_through_the_parser():
    for text in ("2025-03-30 00:30", "2025-07-15 09:30", "2025-10-26T01:30:00+01:00", "2025-10-26T01:30:00+00:00"):
        at = clocks.parse_datetime(text)
        assert clocks.parse_datetime(clocks.iso_london(at)) == at
