"""The FOI request register over the ``foi_requests`` table: each request's receipt date,
its 20-working-day due date (FOIA s10; England and Wales bank holidays), status, the
exemptions applied and when it was answered.  Functions take a connection and never commit;
the use cases in :mod:`chatwarden.foi.service` own the transaction and the audit entry.

Clock changes the Act allows are recorded by moving ``due_on`` (and audited with the reason):
* clarification (s1(3)): the 20 working days run from receipt of the clarification;
* public interest extension (s10(3)): a reasonable extension, which the ICO expects to be
  no more than 20 further working days.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from chatwarden.errors import ConflictError, InputError, NotFoundError, WorkflowError
from chatwarden.foi.deadlines import FOI_WORKING_DAYS, WorkingDays
from chatwarden.store.tables import foi_requests

STATUSES = ("open", "responded", "withdrawn")
MAX_EXTENSION_DAYS = 20
FIELDS = ("ref", "received_on", "due_on", "subject", "status", "exemptions", "responded_on", "handler")


def _now() -> datetime:
    return datetime.now(UTC)


def next_ref(conn: Connection, year: int) -> str:
    prefix = f"FOI-{year}-"
    n = conn.execute(select(func.count()).select_from(foi_requests)
                     .where(foi_requests.c.ref.like(prefix + "%"))).scalar_one()
    while True:
        n += 1
        ref = f"{prefix}{n:05d}"
        if conn.execute(select(foi_requests.c.id).where(foi_requests.c.ref == ref)).first() is None:
            return ref


def add(conn: Connection, *, received_on: date, subject: str, request_text: str, ref: str | None = None,
        handler: str | None = None, calendar: WorkingDays | None = None) -> dict[str, Any]:
    if not subject.strip():
        raise InputError("a request needs a subject")
    if not request_text.strip():
        raise InputError("a request needs the text of the request")
    if received_on > date.today():
        raise InputError("the date of receipt is in the future")
    ref = (ref or "").strip() or next_ref(conn, received_on.year)
    if len(ref) > 32:
        raise InputError("a request reference is at most 32 characters")
    if conn.execute(select(foi_requests.c.id).where(foi_requests.c.ref == ref)).first() is not None:
        raise ConflictError(f"request {ref} is already in the register")
    cal = calendar or WorkingDays()
    due = cal.add(received_on, FOI_WORKING_DAYS)
    now = _now()
    conn.execute(insert(foi_requests).values(
        ref=ref, received_on=received_on, due_on=due, subject=subject.strip(), request_text=request_text.strip(),
        status="open", exemptions=[], responded_on=None, handler=handler, created_at=now, updated_at=now))
    return get(conn, ref)


def get(conn: Connection, ref: str) -> dict[str, Any]:
    row = conn.execute(select(foi_requests).where(foi_requests.c.ref == ref)).mappings().first()
    if row is None:
        raise NotFoundError(f"FOI request {ref} not found")
    return dict(row)


def summary(row: dict[str, Any], today: date, calendar: WorkingDays | None = None) -> dict[str, Any]:
    """The register's view of a request: due date, working days left (negative: overdue)
    or taken, and whether it was (or is) late."""
    cal = calendar or WorkingDays()
    out = {k: row.get(k) for k in FIELDS}
    out["exemptions"] = list(row.get("exemptions") or [])
    due = row["due_on"]
    if row["status"] == "open":
        left = cal.between(today, due) if today <= due else -cal.between(due, today)
        out["working_days_left"] = left
        out["overdue"] = today > due
        out["late"] = today > due
    else:
        out["working_days_left"] = None
        out["overdue"] = False
        responded = row.get("responded_on")
        out["late"] = bool(responded and responded > due)
        out["working_days_taken"] = cal.between(row["received_on"], responded) if responded else None
    return out


def listing(conn: Connection, *, status: str | None = None) -> list[dict[str, Any]]:
    q = select(foi_requests).order_by(foi_requests.c.due_on, foi_requests.c.id)
    if status is not None:
        if status not in STATUSES:
            raise InputError(f"status must be one of {', '.join(STATUSES)}")
        q = q.where(foi_requests.c.status == status)
    return [dict(r) for r in conn.execute(q).mappings()]


def _set(conn: Connection, ref: str, **values: Any) -> None:
    conn.execute(update(foi_requests).where(foi_requests.c.ref == ref).values(updated_at=_now(), **values))


def respond(conn: Connection, ref: str, *, responded_on: date, exemptions: Iterable[str] = ()) -> dict[str, Any]:
    row = get(conn, ref)
    if row["status"] != "open":
        raise WorkflowError(f"request {ref} is {row['status']}; only an open request can be answered")
    if responded_on < row["received_on"]:
        raise InputError("the response date is before the date of receipt")
    if responded_on > date.today():
        raise InputError("the response date is in the future")
    _set(conn, ref, status="responded", responded_on=responded_on, exemptions=sorted(set(exemptions)))
    return get(conn, ref)


def withdraw(conn: Connection, ref: str) -> dict[str, Any]:
    row = get(conn, ref)
    if row["status"] != "open":
        raise WorkflowError(f"request {ref} is {row['status']}; only an open request can be withdrawn")
    _set(conn, ref, status="withdrawn")
    return get(conn, ref)


def clarified(conn: Connection, ref: str, *, clarified_on: date, calendar: WorkingDays | None = None
              ) -> dict[str, Any]:
    """The requester clarified the request (s1(3)): 20 working days from the clarification."""
    row = get(conn, ref)
    if row["status"] != "open":
        raise WorkflowError(f"request {ref} is {row['status']}")
    if clarified_on < row["received_on"]:
        raise InputError("the clarification date is before the date of receipt")
    cal = calendar or WorkingDays()
    _set(conn, ref, due_on=cal.add(clarified_on, FOI_WORKING_DAYS))
    return get(conn, ref)


def extend(conn: Connection, ref: str, *, working_days: int, calendar: WorkingDays | None = None) -> dict[str, Any]:
    """A public interest extension (s10(3)) of ``working_days`` beyond the current due date
    (at most 20: the ICO's expectation for the whole extension)."""
    row = get(conn, ref)
    if row["status"] != "open":
        raise WorkflowError(f"request {ref} is {row['status']}")
    if working_days < 1:
        raise InputError("an extension is at least one working day")
    cal = calendar or WorkingDays()
    new_due = cal.add(row["due_on"], working_days)
    if working_days > MAX_EXTENSION_DAYS:
        raise WorkflowError(f"the ICO expects a public interest extension of no more than {MAX_EXTENSION_DAYS} "
                            "further working days")
    _set(conn, ref, due_on=new_due)
    return get(conn, ref)
