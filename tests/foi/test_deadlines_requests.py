"""FOI time limits and the request register: bank holidays by rule against the published
lists, 20 working days across Easter, Christmas and the one-off holidays, and the register's
use cases (audited, permission-checked) on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from chatwarden.errors import ConflictError, InputError, NotFoundError, PermissionDenied, WorkflowError
from chatwarden.foi.deadlines import (
    NORTHERN_IRELAND,
    SCOTLAND,
    WorkingDays,
    bank_holidays,
    easter_sunday,
    foi_due_date,
)
from chatwarden.model import Actor

# England and Wales bank holidays as published on gov.uk (month-day), 2015-2026.
GOV_UK = {
    2015: "01-01 04-03 04-06 05-04 05-25 08-31 12-25 12-28",
    2016: "01-01 03-25 03-28 05-02 05-30 08-29 12-26 12-27",
    2017: "01-02 04-14 04-17 05-01 05-29 08-28 12-25 12-26",
    2018: "01-01 03-30 04-02 05-07 05-28 08-27 12-25 12-26",
    2019: "01-01 04-19 04-22 05-06 05-27 08-26 12-25 12-26",
    2020: "01-01 04-10 04-13 05-08 05-25 08-31 12-25 12-28",
    2021: "01-01 04-02 04-05 05-03 05-31 08-30 12-27 12-28",
    2022: "01-03 04-15 04-18 05-02 06-02 06-03 08-29 09-19 12-26 12-27",
    2023: "01-02 04-07 04-10 05-01 05-08 05-29 08-28 12-25 12-26",
    2024: "01-01 03-29 04-01 05-06 05-27 08-26 12-25 12-26",
    2025: "01-01 04-18 04-21 05-05 05-26 08-25 12-25 12-26",
    2026: "01-01 04-03 04-06 05-04 05-25 08-31 12-25 12-28",
}


@pytest.mark.parametrize("year", sorted(GOV_UK))
def test_bank_holidays_match_the_published_lists(year):
    expected = [date(year, int(md[:2]), int(md[3:])) for md in GOV_UK[year].split()]
    assert list(bank_holidays(year)) == expected


def test_one_off_days_and_moves():
    assert date(2011, 4, 29) in bank_holidays(2011)
    assert {date(2012, 6, 4), date(2012, 6, 5)} <= set(bank_holidays(2012))
    assert date(2012, 5, 28) not in bank_holidays(2012)
    assert date(1999, 12, 31) in bank_holidays(1999)


@pytest.mark.parametrize("year,easter", [(2000, date(2000, 4, 23)), (2008, date(2008, 3, 23)),
                                         (2011, date(2011, 4, 24)), (2038, date(2038, 4, 25)),
                                         (2285, date(2285, 3, 22))])
def test_easter(year, easter):
    assert easter_sunday(year) == easter


def _oracle(received: date, n: int = 20) -> date:
    """Counting by hand over the published list (independent of the rule)."""
    hols = {date(y, int(md[:2]), int(md[3:])) for y, s in GOV_UK.items() for md in s.split()}
    d, count = received, 0
    while count < n:
        d += timedelta(days=1)
        if d.weekday() < 5 and d not in hols:
            count += 1
    return d


@pytest.mark.parametrize("received,due", [
    (date(2024, 3, 28), date(2024, 4, 29)),  # the day before Good Friday
    (date(2020, 12, 18), date(2021, 1, 20)),  # Christmas on a Friday, Boxing Day moved, New Year
    (date(2021, 12, 23), date(2022, 1, 25)),  # Christmas and Boxing Day both moved, New Year moved
    (date(2022, 5, 25), date(2022, 6, 24)),  # the Platinum Jubilee weekend
    (date(2022, 9, 9), date(2022, 10, 10)),  # the State Funeral
    (date(2023, 4, 28), date(2023, 5, 31)),  # Coronation plus early May and spring
    (date(2024, 1, 6), date(2024, 2, 2)),  # received on a Saturday: Monday is day 1
    (date(2025, 4, 17), date(2025, 5, 20)),  # Maundy Thursday
])
def test_twenty_working_days(received, due):
    assert foi_due_date(received) == due
    assert _oracle(received) == due


def test_random_dates_agree_with_the_oracle():
    d = date(2015, 1, 1)
    while d < date(2026, 11, 1):
        assert foi_due_date(d) == _oracle(d), d
        d += timedelta(days=11)


def test_scotland_and_northern_ireland():
    scot = bank_holidays(2024, [SCOTLAND])
    assert date(2024, 1, 2) in scot and date(2024, 12, 2) in scot  # St Andrew's Day on a Saturday
    assert date(2024, 8, 5) in scot and date(2024, 4, 1) not in scot  # no Easter Monday in Scotland
    ni = bank_holidays(2026, [NORTHERN_IRELAND])
    assert date(2026, 3, 17) in ni and date(2026, 7, 13) in ni  # Boyne on a Sunday
    uk = WorkingDays(("england-and-wales", SCOTLAND, NORTHERN_IRELAND))
    assert uk.add(date(2024, 3, 28), 20) >= foi_due_date(date(2024, 3, 28))  # never earlier than E&W alone


def test_working_days_between_and_extra_days():
    cal = WorkingDays()
    assert cal.between(date(2024, 3, 28), date(2024, 4, 29)) == 20
    assert cal.between(date(2024, 4, 29), date(2024, 3, 28)) == 0
    assert WorkingDays(extra=[date(2024, 4, 2)]).add(date(2024, 3, 28), 20) == date(2024, 4, 30)
    with pytest.raises(InputError):
        bank_holidays(1970)
    with pytest.raises(InputError):
        bank_holidays(2024, ["wessex"])
    with pytest.raises(InputError):
        cal.add(date(2024, 1, 1), -1)


# ---------------------------------------------------------------------------- the register
def test_request_register(store, admin):
    from chatwarden.foi import service
    from chatwarden.store.tables import audit_log

    a = service.add_request(store, admin, received_on=date(2024, 3, 28), subject="WhatsApp misconduct figures",
                            request_text="How many officers ... since 2017?", today=date(2024, 4, 2))
    assert a["ref"] == "FOI-2024-00001" and a["due_on"] == date(2024, 4, 29)
    assert a["working_days_left"] == 19 and not a["overdue"]
    b = service.add_request(store, admin, received_on=date(2024, 4, 10), subject="Guidance", ref="01.FOI.24.037689",
                            request_text="Please send the guidance", handler="FOI officer")
    with pytest.raises(ConflictError):
        service.add_request(store, admin, received_on=date(2024, 4, 10), subject="x", request_text="y",
                            ref="01.FOI.24.037689")
    rows = service.list_requests(store, admin, today=date(2024, 5, 1))
    assert [r["ref"] for r in rows] == ["FOI-2024-00001", "01.FOI.24.037689"]
    assert rows[0]["overdue"] and rows[0]["working_days_left"] == -2
    assert "request_text" not in rows[0]
    over = service.overdue_requests(store, admin, today=date(2024, 5, 1))
    assert [r["ref"] for r in over] == ["FOI-2024-00001"]
    soon = service.overdue_requests(store, admin, today=date(2024, 5, 1), within=10)
    assert len(soon) == 2
    shown = service.get_request(store, admin, b["ref"])
    assert shown["request_text"] == "Please send the guidance"
    done = service.respond_request(store, admin, a["ref"], responded_on=date(2024, 5, 1),
                                   exemptions=["s40(2)", "s31(1)(g)"])
    assert done["late"] and done["working_days_taken"] == 22 and done["exemptions"] == ["s31(1)(g)", "s40(2)"]
    with pytest.raises(WorkflowError):
        service.respond_request(store, admin, a["ref"], responded_on=date(2024, 5, 2))
    c = service.clarify_request(store, admin, b["ref"], clarified_on=date(2024, 5, 7))
    assert c["due_on"] == foi_due_date(date(2024, 5, 7))
    e = service.extend_request(store, admin, b["ref"], working_days=10, reason="public interest test (s31)")
    assert e["due_on"] == WorkingDays().add(c["due_on"], 10)
    with pytest.raises(WorkflowError):
        service.extend_request(store, admin, b["ref"], working_days=21, reason="too long")
    with pytest.raises(InputError):
        service.extend_request(store, admin, b["ref"], working_days=5, reason=" ")
    service.withdraw_request(store, admin, b["ref"], reason="requester withdrew")
    with pytest.raises(NotFoundError):
        service.get_request(store, admin, "nope")
    with pytest.raises(InputError):
        service.add_request(store, admin, received_on=date.today() + timedelta(days=3), subject="x", request_text="y")
    with store.read() as conn:
        log = conn.execute(audit_log.select().order_by(audit_log.c.id)).mappings().all()
    assert [r["action"] for r in log] == ["foi.request.add", "foi.request.add", "foi.request.view",
                                        "foi.request.respond", "foi.request.clarified", "foi.request.extend",
                                        "foi.request.withdraw"]
    assert "Please send" not in json.dumps([dict(r["after"] or {}) for r in log], default=str)
    officer = Actor("u:o", "Officer", ("officer",))
    with pytest.raises(PermissionDenied):
        service.list_requests(store, officer)
    foi_officer = Actor("u:f", "FOI", ("foi-officer",))
    assert len(service.list_requests(store, foi_officer)) == 2
