"""The approved apps register (003, FAQ 9).

Two kinds of entry:

* **corporate**: the Mobile Applications Approvals Meeting (MAAM) has cleared the app for
  policing use;
* **local**: a business unit's Superintendent or Director has authorised an approved app
  other than WhatsApp (e.g. Signal, BBM Enterprise) for the unit, for a stated policing
  purpose, from a start date to an expiry date.

Use of WhatsApp needs a current corporate approval; use of any other messaging app needs
both a current corporate approval and a current local authorisation for the user's unit.
:func:`coverage` answers that for one app, unit and period; the device audit and
:func:`check_exports` use it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select

from chatwarden.model import Actor
from chatwarden.permissions import require
from chatwarden.registers import clocks
from chatwarden.registers.common import (
    ImportResult,
    RegisterFinding,
    check_record,
    count_csv_rows,
    csv_records,
    export_audited,
    finding,
    get_row,
    import_records,
    insert_audited,
    plain,
    read_source,
    sort_findings,
    today,
    update_audited,
)
from chatwarden.registers.csvio import Field, Schema, read_csv, write_csv
from chatwarden.store import Store
from chatwarden.store.tables import approved_apps, chats, devices, exports

REGISTER = "apps"
SUBJECT = "approved_app"
MAAM = "Mobile Applications Approvals Meeting"
USUAL_APP = "WhatsApp"  # the app users are "usually limited to" (FAQ 9): corporate approval suffices
EXPORT_APP = "WhatsApp"  # the exports chatwarden reads are WhatsApp exports

# Canonical messaging-app names and what MDM inventories and people call them.
MESSAGING_APPS: dict[str, tuple[str, ...]] = {
    "WhatsApp": ("whatsapp", "whatsapp messenger", "com.whatsapp", "net.whatsapp.whatsapp"),
    "WhatsApp Business": ("whatsapp business", "com.whatsapp.w4b", "net.whatsapp.whatsappsmb"),
    "Signal": ("signal", "signal private messenger", "org.thoughtcrime.securesms", "org.whispersystems.signal"),
    "BBM Enterprise": ("bbm enterprise", "bbme", "bbm", "blackberry messenger enterprise", "com.bbm.enterprise"),
    "Telegram": ("telegram", "org.telegram.messenger", "ph.telegra.telegraph"),
    "Messenger": ("messenger", "facebook messenger", "com.facebook.orca"),
    "Snapchat": ("snapchat", "com.snapchat.android"),
    "Wickr": ("wickr", "wickr me", "aws wickr", "com.wickr.pro", "com.mywickr.wickr"),
    "Threema": ("threema", "ch.threema.app", "ch.threema.app.work"),
    "Viber": ("viber", "com.viber.voip"),
    "WeChat": ("wechat", "com.tencent.mm", "com.tencent.xin"),
    "Element": ("element", "im.vector.app"),
    "Wire": ("wire", "com.wire"),
    "Discord": ("discord", "com.discord"),
    "Instagram": ("instagram", "com.instagram.android", "com.burbn.instagram"),
}
_ALIASES = {alias: name for name, aliases in MESSAGING_APPS.items() for alias in aliases + (name.lower(),)}

# Who may authorise locally: a Superintendent/Director or anyone senior to a Superintendent.
LOCAL_APPROVERS = ("Superintendent", "Chief Superintendent", "Commander", "Deputy Assistant Commissioner",
                   "Assistant Commissioner", "Deputy Commissioner", "Commissioner", "Director")
_APPROVER_ALIASES = {
    "supt": "Superintendent", "det supt": "Superintendent", "detective superintendent": "Superintendent",
    "dsupt": "Superintendent", "dsu": "Superintendent", "ch supt": "Chief Superintendent",
    "chief supt": "Chief Superintendent", "csupt": "Chief Superintendent", "chsupt": "Chief Superintendent",
    "det ch supt": "Chief Superintendent", "dcs": "Chief Superintendent",
    "detective chief superintendent": "Chief Superintendent", "cdr": "Commander",
    "dac": "Deputy Assistant Commissioner",
    "ac": "Assistant Commissioner", "dep comm": "Deputy Commissioner", "maam": MAAM,
}


def canonical_app(name: str) -> str:
    s = " ".join(name.split())
    return _ALIASES.get(s.casefold(), s)


def is_messaging_app(name: str) -> bool:
    return canonical_app(name) in MESSAGING_APPS


def _app_name(text: str) -> str:
    s = " ".join(text.split())
    if not s or len(s) > 64:
        raise ValueError("must be 1 to 64 characters")
    return canonical_app(s)


SCHEMA = Schema("apps", (
    Field("app", "custom", required=True, parse_fn=_app_name, help="e.g. WhatsApp, Signal, BBM Enterprise"),
    Field("kind", "choice", required=True, choices=("corporate", "local"),
          aliases={"maam": "corporate", "corporate approval": "corporate", "local authorisation": "local"},
          help="corporate (MAAM approval) or local (Superintendent/Director authorisation)"),
    Field("unit", "text", max_len=200, help="business unit (local authorisations)"),
    Field("purpose", "text", required=True, max_len=2000, help="the stated policing purpose"),
    Field("approver", "text", required=True, max_len=200, help="who approved or authorised"),
    Field("approver_role", "choice", required=True, choices=(MAAM,) + LOCAL_APPROVERS, aliases=_APPROVER_ALIASES,
          help="Mobile Applications Approvals Meeting, or Superintendent/Director (or more senior)"),
    Field("start_date", "date", required=True),
    Field("expiry_date", "date", help="required for local authorisations"),
    Field("reference", "text", max_len=200, help="minute or authorisation reference"),
    Field("revoked", "bool"),
))
EDITABLE = SCHEMA.names
KEY = ("app", "kind", "unit", "start_date")  # what identifies an entry in a file


def _validate(conn: Connection, v: Mapping[str, Any], self_id: int | None = None) -> list[tuple[str, str]]:
    p: list[tuple[str, str]] = []
    other = _find(conn, v) if all(v.get(k) is not None for k in ("app", "kind", "start_date")) else None
    if other is not None and other["id"] != self_id:
        p.append(("start_date", f"entry {other['id']} already has this app, kind, unit and start date"))
    kind = v.get("kind")
    if v.get("start_date") and v.get("expiry_date") and v["expiry_date"] < v["start_date"]:
        p.append(("expiry_date", "is before the start date"))
    if kind == "corporate" and v.get("approver_role") not in (None, MAAM):
        p.append(("approver_role", f"a corporate approval is given by the {MAAM} (MAAM)"))
    if kind == "local":
        if not v.get("unit"):
            p.append(("unit", "a local authorisation names the business unit"))
        if not v.get("expiry_date"):
            p.append(("expiry_date", "a local authorisation needs an expiry date"))
        if v.get("approver_role") == MAAM:
            p.append(("approver_role", "a local authorisation is given by a Superintendent or Director"))
        if v.get("app") == USUAL_APP:
            p.append(("app", "WhatsApp needs no local authorisation (corporate approval covers it)"))
    return p


def _full(before: Mapping[str, Any] | None, changes: Mapping[str, Any]) -> dict[str, Any]:
    base = {k: before.get(k) for k in EDITABLE} if before else {}
    base.update(changes)
    return base


# ----------------------------------------------------------------------------- use cases
def add_app(store: Store, actor: Actor, values: Mapping[str, Any]) -> dict[str, Any]:
    """Record a corporate approval or a local authorisation.  ``values`` may hold form
    text or typed values; every problem is reported at once (:class:`RecordError`)."""
    require(actor, "register.edit")
    vals, problems = SCHEMA.coerce(values)
    with store.transaction() as conn:
        if not problems:
            problems += _validate(conn, vals)
        check_record("approved app", problems)
        now = clocks.now_utc()
        vals.setdefault("revoked", False)
        row_id = insert_audited(conn, actor, approved_apps, {**vals, "created_at": now, "updated_at": now},
                                action="apps.add", subject_type=SUBJECT)
        return get_row(conn, approved_apps, row_id, "approved app")


def update_app(store: Store, actor: Actor, app_id: int, changes: Mapping[str, Any]) -> dict[str, Any]:
    require(actor, "register.edit")
    vals, problems = SCHEMA.coerce(changes, partial=True)
    with store.transaction() as conn:
        before = get_row(conn, approved_apps, app_id, "approved app")
        if not problems:
            problems += _validate(conn, _full(before, vals), app_id)
        check_record(f"approved app {app_id}", problems)
        update_audited(conn, actor, approved_apps, app_id, before, vals, action="apps.update", subject_type=SUBJECT)
        return get_row(conn, approved_apps, app_id, "approved app")


def revoke_app(store: Store, actor: Actor, app_id: int, reason: str) -> dict[str, Any]:
    """Withdraw an approval or authorisation; the reason goes into the audit entry."""
    require(actor, "register.edit")
    if not reason.strip():
        check_record(f"approved app {app_id}", [("reason", "revoking needs a reason")])
    with store.transaction() as conn:
        before = get_row(conn, approved_apps, app_id, "approved app")
        update_audited(conn, actor, approved_apps, app_id, before, {"revoked": True}, action="apps.revoke",
                       subject_type=SUBJECT, note={"reason": reason.strip()})
        return get_row(conn, approved_apps, app_id, "approved app")


def get_app(store: Store, actor: Actor, app_id: int) -> dict[str, Any]:
    require(actor, "register.view")
    with store.read() as conn:
        row = get_row(conn, approved_apps, app_id, "approved app")
    row["status"] = status(row, clocks.today_london())
    return row


def status(row: Mapping[str, Any], on: date) -> str:
    """``revoked``, ``not-started``, ``current`` or ``expired`` on a date."""
    if row["revoked"]:
        return "revoked"
    if row["start_date"] > on:
        return "not-started"
    if row["expiry_date"] is not None and row["expiry_date"] < on:
        return "expired"
    return "current"


def list_apps(store: Store, actor: Actor, *, app: str | None = None, kind: str | None = None,
              unit: str | None = None, state: str | None = None, on: date | None = None) -> list[dict[str, Any]]:
    """Entries with their ``status`` on ``on`` (default: today in London)."""
    require(actor, "register.view")
    day = today(on)
    q = select(approved_apps).order_by(approved_apps.c.app, approved_apps.c.kind, approved_apps.c.start_date,
                                       approved_apps.c.id)
    if app:
        q = q.where(approved_apps.c.app == canonical_app(app))
    if kind:
        q = q.where(approved_apps.c.kind == kind)
    with store.read() as conn:
        rows = [plain(r) for r in conn.execute(q).mappings()]
    out = []
    for r in rows:
        r["status"] = status(r, day)  # type: ignore[index]
        if unit and (r.get("unit") or "").casefold() != unit.casefold():  # type: ignore[union-attr]
            continue
        if state and r["status"] != state:  # type: ignore[index]
            continue
        out.append(r)
    return out  # type: ignore[return-value]


def expiring(store: Store, actor: Actor, *, days: int = 30, on: date | None = None) -> list[dict[str, Any]]:
    """Approvals and authorisations in force on ``on`` that expire within ``days`` days,
    soonest first, each with ``days_left`` and a finding (so they can be renewed in time)."""
    require(actor, "register.view")
    day = today(on)
    end = day + timedelta(days=days)
    with store.read() as conn:
        rows = [plain(r) for r in conn.execute(
            select(approved_apps).where(approved_apps.c.revoked.is_(False), approved_apps.c.expiry_date.is_not(None),
                                        approved_apps.c.expiry_date >= day, approved_apps.c.expiry_date <= end,
                                        approved_apps.c.start_date <= day)
            .order_by(approved_apps.c.expiry_date, approved_apps.c.id)).mappings()]
    out = []
    for r in rows:
        left = (r["expiry_date"] - day).days  # type: ignore[index]
        f = finding("app-authorisation-expiring", f"{r['app']} ({r['kind']})",  # type: ignore[index]
                    f"expires on {r['expiry_date']:%d/%m/%Y}, in {left} day(s); authorised by {r['approver']} "  # type: ignore[index]
                    f"({r['approver_role']}) for: {r['purpose']}", unit=r["unit"],  # type: ignore[index]
                    evidence={"approved_app_id": r["id"], "reference": r["reference"]})  # type: ignore[index]
        out.append({**r, "days_left": left, "finding": f.to_dict()})  # type: ignore[dict-item]
    return out


# ------------------------------------------------------------------------------- checks
@dataclass(frozen=True)
class Coverage:
    """Whether using ``app`` in ``unit`` over [start, end] was approved and authorised."""

    app: str
    unit: str | None
    start: date
    end: date
    corporate_ok: bool
    local_needed: bool
    local_ok: bool
    problems: tuple[tuple[str, str], ...]  # (check id, detail)

    @property
    def ok(self) -> bool:
        return not self.problems


def _covered(entries: list[Mapping[str, Any]], start: date, end: date) -> tuple[bool, date | None]:
    """Whether the union of the entries' periods covers every day of [start, end]; the
    first day not covered otherwise."""
    spans = sorted((e["start_date"], e["expiry_date"] or date.max) for e in entries)
    cursor = start
    for s, e in spans:
        if s > cursor:
            break
        if e >= cursor:
            if e >= end:
                return True, None
            cursor = e + timedelta(days=1)
    return False, cursor


def coverage(conn: Connection, app: str, unit: str | None, start: date, end: date | None = None) -> Coverage:
    """Check a use of ``app`` by ``unit`` from ``start`` to ``end`` against the register."""
    name = canonical_app(app)
    end = end or start
    rows = [dict(r) for r in conn.execute(select(approved_apps).where(approved_apps.c.app == name,
                                                                      approved_apps.c.revoked.is_(False))).mappings()]
    problems: list[tuple[str, str]] = []
    corp = [r for r in rows if r["kind"] == "corporate"]
    corp_ok, gap = _covered(corp, start, end)
    if not corp_ok:
        if not corp:
            problems.append(("app-no-approval", f"{name} has no corporate approval in the register"))
        else:
            last = max((r["expiry_date"] or date.max) for r in corp)
            first = min(r["start_date"] for r in corp)
            if gap and gap < first:
                problems.append(("app-no-approval", f"{name} was used on {gap:%d/%m/%Y}, before its corporate "
                                                    f"approval from {first:%d/%m/%Y}"))
            elif last < end:
                problems.append(("app-no-approval", f"{name}'s corporate approval expired on {last:%d/%m/%Y}; "
                                                    f"it was used until {end:%d/%m/%Y}"))
            else:
                problems.append(("app-no-approval", f"{name} had no corporate approval in force on {gap:%d/%m/%Y}"))
    local_needed = name != USUAL_APP
    local_ok = True
    if local_needed:
        local = [r for r in rows if r["kind"] == "local" and unit and (r["unit"] or "").casefold() == unit.casefold()]
        local_ok, gap = _covered(local, start, end)
        if not local_ok:
            if not local:
                where = f"unit {unit}" if unit else "the user's unit (not known)"
                problems.append(("app-local-not-authorised", f"{name} has no local authorisation for {where}"))
            else:
                last = max(r["expiry_date"] or date.max for r in local)
                if last < end:
                    problems.append(("app-authorisation-expired", f"{name}'s local authorisation for {unit} expired "
                                                                  f"on {last:%d/%m/%Y}; used until {end:%d/%m/%Y}"))
                else:
                    problems.append(("app-local-not-authorised", f"{name} was not authorised for {unit} on "
                                                                 f"{gap:%d/%m/%Y}"))
    return Coverage(name, unit, start, end, corp_ok, local_needed, local_ok, tuple(problems))


def check_usage(store: Store, actor: Actor, app: str, unit: str | None, start: date,
                end: date | None = None) -> list[RegisterFinding]:
    """Findings for one use of an app (e.g. a new export from another messaging app)."""
    require(actor, "register.view")
    with store.read() as conn:
        cov = coverage(conn, app, unit, start, end)
    return [finding(cid, cov.app, detail, unit=unit) for cid, detail in cov.problems]


def check_register(store: Store, actor: Actor, *, on: date | None = None) -> list[RegisterFinding]:
    """Problems in the register itself: local authorisations of apps without a corporate
    approval in force."""
    require(actor, "register.view")
    day = today(on)
    out = []
    with store.read() as conn:
        rows = [dict(r) for r in conn.execute(select(approved_apps).where(approved_apps.c.revoked.is_(False)))
                .mappings()]
    for r in rows:
        if r["kind"] != "local" or status(r, day) != "current":
            continue
        corp = [c for c in rows if c["kind"] == "corporate" and c["app"] == r["app"] and status(c, day) == "current"]
        if not corp:
            out.append(finding("app-local-without-corporate", f"{r['app']} (local)",
                               f"authorised locally by {r['approver']} ({r['approver_role']}) from "
                               f"{r['start_date']:%d/%m/%Y}, but no corporate approval of {r['app']} is in force",
                               unit=r["unit"], evidence={"approved_app_id": r["id"]}))
    return sort_findings(out)


def check_exports(store: Store, actor: Actor) -> list[RegisterFinding]:
    """Every stored chat checked against the register over the period its messages span
    (the export's own dates, so an old export is judged by the approvals of its time).
    The unit is the issuing unit of the device an export came from, when the device
    register knows it."""
    require(actor, "register.view")
    out = []
    with store.read() as conn:
        chat_rows = conn.execute(select(chats.c.id, chats.c.name, chats.c.first_message_at, chats.c.last_message_at)
                                 .where(chats.c.disposed.is_(False), chats.c.first_message_at.is_not(None))
                                 .order_by(chats.c.id)).all()
        units: dict[int, str | None] = {}
        for chat_id, unit in conn.execute(select(exports.c.chat_id, devices.c.unit)
                                          .select_from(exports.join(devices, devices.c.device_id == exports.c.device))):
            units.setdefault(chat_id, unit)
        for c in chat_rows:
            start = _day(c.first_message_at)
            end = _day(c.last_message_at)
            cov = coverage(conn, EXPORT_APP, units.get(c.id), start, end)
            for cid, detail in cov.problems:
                out.append(finding(cid, f"chat {c.id} ({c.name or 'unnamed'})",
                                   f"{detail} (messages from {start:%d/%m/%Y} to {end:%d/%m/%Y})",
                                   unit=units.get(c.id), evidence={"chat_id": c.id}))
    return sort_findings(out)


def _day(value: datetime) -> date:
    return value.date()  # message timestamps are the export's wall-clock time (naive)


# ----------------------------------------------------------------------------- CSV files
def _find(conn: Connection, v: Mapping[str, Any]) -> dict[str, Any] | None:
    unit = approved_apps.c.unit.is_(None) if v.get("unit") is None else approved_apps.c.unit == v["unit"]
    row = conn.execute(select(approved_apps).where(approved_apps.c.app == v["app"], approved_apps.c.kind == v["kind"],
                                                   unit, approved_apps.c.start_date == v["start_date"])
                       .order_by(approved_apps.c.id).limit(1)).mappings().first()
    return plain(row)


def _validate_row(conn: Connection, v: dict[str, Any], ctx: dict[str, Any]) -> list[tuple[str, str]]:
    existing = _find(conn, v)
    p = _validate(conn, v, existing["id"] if existing else None)
    key = tuple(v.get(k) for k in KEY)
    seen = ctx.setdefault("keys", set())
    if key in seen:
        p.append(("start_date", "the same entry (app, kind, unit, start date) appears twice in the file"))
    seen.add(key)
    return p


def _apply_row(conn: Connection, actor: Actor, v: dict[str, Any], ctx: dict[str, Any]) -> str:
    existing = _find(conn, v)
    vals = {k: v.get(k) for k in EDITABLE if k in v}
    vals["revoked"] = bool(v.get("revoked"))
    if existing is None:
        now = clocks.now_utc()
        insert_audited(conn, actor, approved_apps, {**vals, "created_at": now, "updated_at": now},
                       action="apps.add", subject_type=SUBJECT)
        return "added"
    full = {k: vals.get(k) for k in EDITABLE}
    changed = update_audited(conn, actor, approved_apps, existing["id"], existing, full, action="apps.update",
                             subject_type=SUBJECT)
    return "updated" if changed else "unchanged"


def import_csv(store: Store, actor: Actor, data: bytes | str, source: str = "apps.csv") -> ImportResult:
    """Import a register file: an entry with the same app, kind, unit and start date as a
    row is updated, other rows are added; nothing at all if any row is bad."""
    require(actor, "register.edit")
    rows, problems = read_csv(read_source(data), SCHEMA, source)
    return import_records(store, actor, register=REGISTER, permission="register.edit", source=source,
                          records=csv_records(rows, source), problems=problems, validate=_validate_row,
                          apply=_apply_row)


def export_csv(store: Store, actor: Actor) -> str:
    def build(conn: Connection) -> str:
        rows = [dict(r) for r in conn.execute(select(approved_apps)).mappings()]
        rows.sort(key=lambda r: (r["app"], r["kind"], r["unit"] or "", r["start_date"], r["id"]))
        return write_csv(SCHEMA, rows)

    return export_audited(store, actor, register=REGISTER, permission="register.view", build=build,
                          rows=count_csv_rows)


__all__ = [
    "MAAM", "MESSAGING_APPS", "SCHEMA", "Coverage", "add_app", "canonical_app", "check_exports", "check_register",
    "check_usage", "coverage", "expiring", "export_csv", "get_app", "import_csv", "is_messaging_app", "list_apps",
    "revoke_app", "status", "update_app",
]
