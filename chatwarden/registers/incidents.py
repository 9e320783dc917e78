"""Security incidents and their clocks (003, FAQ 19; UK GDPR Art 33 and 34; DPA 2018 s67
and s68).

Two clocks run from the moment the reporter became aware of the incident (``aware_at``):

* **12 hours** to report it to the Information Assurance Unit – Data Office (FAQ 19).  The
  clock stops at ``reported_at``.
* **72 hours** to notify the ICO when personal data is breached, unless the breach is
  unlikely to result in a risk to people (Art 33(1); s67 for law-enforcement processing).
  The clock stops at ``ico_notified_at``, or when a decision not to notify is recorded with
  its reason (only allowed when the risk is assessed as ``unlikely``).  Until the risk is
  assessed, the clock runs as if notification were needed.

A high risk also means the people affected must be told (Art 34; s68): shown as an action.
Times are stored in UTC and shown in London time; the clocks count elapsed hours, so they
are right across the March and October clock changes (:mod:`chatwarden.registers.clocks`).

Statuses: ``open`` (reported to chatwarden) -> ``reported`` (to the IAU) -> ``closed``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from chatwarden.errors import ConflictError, NotFoundError, PermissionDenied, WorkflowError
from chatwarden.model import Actor
from chatwarden.permissions import allowed, require
from chatwarden.registers import clocks
from chatwarden.registers.common import (
    ImportResult,
    RegisterFinding,
    check_record,
    count_csv_rows,
    csv_records,
    export_audited,
    finding,
    import_records,
    insert_audited,
    plain,
    read_source,
    sort_findings,
    update_audited,
)
from chatwarden.registers.csvio import Field, Schema, guard, read_csv, write_csv
from chatwarden.store import Store, audit
from chatwarden.store.tables import findings, incidents, reviews

REGISTER = "incidents"
SUBJECT = "incident"
IAU_HOURS = 12
ICO_HOURS = 72
RISKS = ("unlikely", "possible", "likely", "high")
DECISIONS = ("notify", "not-notify")
STATUSES = ("open", "reported", "closed")
SKEW = timedelta(minutes=5)  # clocks of people's devices: tolerated "future" times
# Free text that may describe people: the audit trail records that it changed, not the text.
FREE_TEXT = ("title", "description", "data_involved", "systems_involved", "ico_decision_reason")
# What anyone who may report an incident fills in; the other fields are the Data Office's.
REPORT_FIELDS = ("title", "description", "occurred_at", "aware_at", "reported_at", "data_involved",
                 "systems_involved", "people_affected", "personal_data", "risk")
# Finding categories that are a leak of data when confirmed (they can open an incident).
LEAK_CATEGORIES = ("official-sensitive", "sensitive-personal-data", "evidence-intelligence", "investigation-material")

SCHEMA = Schema("incidents", (
    Field("ref", "text", max_len=32, help="incident reference (generated when empty)"),
    Field("title", "text", required=True, max_len=300),
    Field("description", "text", required=True, max_len=20000, help="what happened"),
    Field("occurred_at", "datetime", help="when it happened, if known"),
    Field("aware_at", "datetime", required=True, help="when the reporter became aware: the clocks start here"),
    Field("reported_at", "datetime", help="when it was reported to the Information Assurance Unit – Data Office"),
    Field("reporter", "text", required=True, max_len=200),
    Field("data_involved", "text", max_len=5000),
    Field("systems_involved", "text", max_len=2000),
    Field("people_affected", "int", minimum=0, help="how many people's data, if known"),
    Field("personal_data", "bool", help="personal data was breached"),
    Field("risk", "choice", choices=RISKS, help="risk to people's rights and freedoms"),
    Field("ico_decision", "choice", choices=DECISIONS, aliases={"not notify": "not-notify", "no": "not-notify",
                                                                "yes": "notify"}),
    Field("ico_decision_reason", "text", max_len=5000),
    Field("ico_notified_at", "datetime"),
    Field("status", "choice", choices=STATUSES),
    Field("owner", "text", max_len=200, help="who manages the incident"),
    Field("finding_id", "int", minimum=1, help="the finding it was opened from"),
))


# -------------------------------------------------------------------------------- clocks
@dataclass(frozen=True)
class IncidentClocks:
    iau: clocks.Clock
    ico: clocks.Clock
    tell_people: bool  # high risk: the people affected must be told (Art 34 / s68)

    @property
    def overdue(self) -> list[str]:
        return [c.name for c in (self.iau, self.ico) if c.state == clocks.OVERDUE]

    def to_dict(self, now: datetime) -> dict[str, Any]:
        return {"iau": self.iau.to_dict(now), "ico": self.ico.to_dict(now), "tell_people": self.tell_people}


def incident_clocks(row: Mapping[str, Any], now: datetime | None = None) -> IncidentClocks:
    """The 12-hour IAU clock and the 72-hour ICO clock of an incident at ``now``."""
    now = clocks.as_utc(now) or clocks.now_utc()
    aware = clocks.as_utc(row["aware_at"])
    iau = clocks.deadline("iau-12h", aware, IAU_HOURS, row.get("reported_at"), now)  # type: ignore[arg-type]
    if not row.get("personal_data"):
        ico = clocks.Clock("ico-72h", aware, None, None, clocks.NOT_APPLICABLE, "no personal data breached")
    elif row.get("ico_decision") == "not-notify":
        due = aware + timedelta(hours=ICO_HOURS)  # type: ignore[operator]
        ico = clocks.Clock("ico-72h", aware, due, None, clocks.DECIDED,
                           "decision not to notify recorded: " + (row.get("ico_decision_reason") or ""))
    else:
        note = "" if row.get("risk") else "risk not yet assessed: the clock runs until it is"
        if row.get("risk") == "unlikely" and row.get("ico_decision") is None:
            note = "risk assessed as unlikely: record the decision not to notify, with its reason"
        ico = clocks.deadline("ico-72h", aware, ICO_HOURS, row.get("ico_notified_at"), now, note)  # type: ignore[arg-type]
    return IncidentClocks(iau, ico, bool(row.get("personal_data")) and row.get("risk") == "high")


def _row_out(row: dict[str, Any], now: datetime) -> dict[str, Any]:
    c = incident_clocks(row, now)
    return {**row, "clocks": c.to_dict(now), "overdue": c.overdue, "aware_london": clocks.show(row["aware_at"])}


# ----------------------------------------------------------------------------- validation
def _validate(conn: Connection, v: Mapping[str, Any], self_id: int | None, now: datetime) -> list[tuple[str, str]]:
    p: list[tuple[str, str]] = []
    aware = v.get("aware_at")
    for f in ("occurred_at", "aware_at", "reported_at", "ico_notified_at"):
        if v.get(f) is not None and v[f] > now + SKEW:
            p.append((f, "is in the future"))
    if aware is not None:
        if v.get("occurred_at") is not None and v["occurred_at"] > aware:
            p.append(("occurred_at", "is after the time the reporter became aware"))
        for f in ("reported_at", "ico_notified_at"):
            if v.get(f) is not None and v[f] < aware:
                p.append((f, "is before the time the reporter became aware"))
    personal = bool(v.get("personal_data"))
    decision = v.get("ico_decision")
    if not personal and (decision or v.get("ico_notified_at")):
        p.append(("ico_decision", "ICO notification applies to breaches of personal data only"))
    if decision == "not-notify":
        if not (v.get("ico_decision_reason") or "").strip():
            p.append(("ico_decision_reason", "a decision not to notify the ICO must be recorded with its reason"))
        if v.get("risk") in ("possible", "likely", "high"):
            p.append(("ico_decision", f"the risk is assessed as {v['risk']}: the ICO must be notified (UK GDPR "
                                      f"Art 33(1)); reassess the risk first if it is unlikely"))
        if v.get("ico_notified_at"):
            p.append(("ico_notified_at", "the decision was not to notify the ICO"))
    status = v.get("status") or "open"
    if status in ("reported", "closed") and v.get("reported_at") is None:
        p.append(("status", f"'{status}' needs the time it was reported to the Information Assurance Unit"))
    if status == "closed" and personal:
        if decision is None:
            p.append(("status", "a personal data breach can only be closed with an ICO decision recorded"))
        elif decision == "notify" and v.get("ico_notified_at") is None:
            p.append(("status", "the decision was to notify the ICO: record when it was notified"))
    if v.get("finding_id") is not None:
        if conn.execute(select(findings.c.id).where(findings.c.id == v["finding_id"])).scalar() is None:
            p.append(("finding_id", "no finding has this id"))
        else:
            other = conn.execute(select(incidents.c.id).where(incidents.c.finding_id == v["finding_id"])).scalar()
            if other is not None and other != self_id:
                p.append(("finding_id", f"incident {other} was already opened from this finding"))
    if v.get("ref"):
        other = conn.execute(select(incidents.c.id).where(incidents.c.ref == v["ref"])).scalar()
        if other is not None and other != self_id:
            p.append(("ref", f"incident {other} already has this reference"))
    return p


def _normalise(v: dict[str, Any]) -> dict[str, Any]:
    """Derived values: a notification implies the decision to notify; a report to the IAU
    moves an open incident on."""
    if v.get("ico_notified_at") is not None and v.get("ico_decision") is None:
        v["ico_decision"] = "notify"
    if v.get("reported_at") is not None and (v.get("status") or "open") == "open":
        v["status"] = "reported"
    v["status"] = v.get("status") or "open"
    v["personal_data"] = bool(v.get("personal_data"))
    return v


def _new_ref(conn: Connection, now: datetime) -> str:
    prefix = f"SI-{clocks.london_date(now).year}-"
    refs = [r for (r,) in conn.execute(select(incidents.c.ref).where(incidents.c.ref.like(prefix + "%")))]
    n = max((int(r[len(prefix):]) for r in refs if r[len(prefix):].isdigit()), default=0) + 1
    return f"{prefix}{n:04d}"


def _get(conn: Connection, key: int | str) -> dict[str, Any]:
    col = incidents.c.id if isinstance(key, int) else incidents.c.ref
    row = conn.execute(select(incidents).where(col == key)).mappings().first()
    if row is None:
        raise NotFoundError(f"incident {key} not found")
    return plain(row)  # type: ignore[return-value]


# ----------------------------------------------------------------------------- use cases
def report_incident(store: Store, actor: Actor, values: Mapping[str, Any], *,
                    now: datetime | None = None) -> dict[str, Any]:
    """The report form: what happened, when the reporter became aware, data and systems
    involved, people affected.  The reporter defaults to the actor.  Someone without
    ``incident.manage`` reports as themselves and fills in the form fields only
    (:data:`REPORT_FIELDS`); the Data Office sets the rest."""
    require(actor, "incident.report")
    if not allowed(actor, "incident.manage"):
        extra = sorted(k for k in values if k not in REPORT_FIELDS and k != "reporter")
        if extra:
            raise PermissionDenied("permission denied: setting " + ", ".join(extra) + " needs 'incident.manage'")
        values = {**values, "reporter": actor.name}
    return _report(store, actor, values, now)


def _report(store: Store, actor: Actor, values: Mapping[str, Any], now: datetime | None) -> dict[str, Any]:
    now = clocks.as_utc(now) or clocks.now_utc()
    vals, problems = SCHEMA.coerce({"reporter": actor.name, **values})
    with store.transaction() as conn:
        if not problems:
            problems += _validate(conn, vals, None, now)
        check_record("incident", problems)
        vals = _normalise(vals)
        vals["ref"] = vals.get("ref") or _new_ref(conn, now)
        stamp = clocks.now_utc()
        row_id = insert_audited(conn, actor, incidents, {**vals, "created_at": stamp, "updated_at": stamp},
                                action="incidents.report", subject_type=SUBJECT,
                                audit_fields=("ref", "aware_at", "reported_at", "personal_data", "risk", "status",
                                              "owner", "finding_id", "reporter"))
        return _row_out(_get(conn, row_id), now)


def incident_from_finding(store: Store, actor: Actor, finding_id: int, values: Mapping[str, Any] | None = None, *,
                          now: datetime | None = None) -> dict[str, Any]:
    """Open an incident pre-filled from a confirmed finding of a data leak.  Awareness is
    when the finding was confirmed (the reviewer then knew); the description refers to
    the finding and copies no message text."""
    require(actor, "incident.report")
    require(actor, "finding.view")
    now = clocks.as_utc(now) or clocks.now_utc()
    with store.read() as conn:
        f = conn.execute(select(findings).where(findings.c.id == finding_id)).mappings().first()
        if f is None:
            raise NotFoundError(f"finding {finding_id} not found")
        if f["status"] not in ("confirmed", "escalated"):
            raise WorkflowError(f"finding {finding_id} is {f['status']}: only a confirmed finding opens an incident")
        if f["category"] not in LEAK_CATEGORIES:
            raise WorkflowError(f"finding {finding_id} is not a data leak (category {f['category']})")
        if conn.execute(select(incidents.c.ref).where(incidents.c.finding_id == finding_id)).scalar() is not None:
            raise ConflictError(f"an incident was already opened from finding {finding_id}")
        confirmed = conn.execute(select(func.max(reviews.c.at)).where(reviews.c.finding_id == finding_id,
                                                                      reviews.c.action == "confirm")).scalar()
    aware = clocks.as_utc(confirmed) or now
    citation = f["citation"] or {}
    pre = {
        "title": f"Data leak on WhatsApp: {f['title']}"[:300],
        "description": (f"Opened from finding {finding_id} (rule {f['rule']}, category {f['category']}, severity "
                        f"{f['severity']}) in stored chat {f['chat_id']}"
                        + (f", message {f['message_id']}" if f["message_id"] else "")
                        + ". The content is in the finding and is not copied here."
                        + (f" Guidance: {citation.get('document', '')} — {citation.get('section', '')}."
                           if isinstance(citation, dict) and citation else "")),
        "aware_at": aware,
        "occurred_at": None,
        "data_involved": f"{f['category']}: {f['title']}"[:5000],
        "systems_involved": f"WhatsApp on an MPS-issued device (chatwarden chat {f['chat_id']})",
        "personal_data": True,
        "finding_id": finding_id,
    }
    extra = sorted(k for k in (values or {}) if k not in REPORT_FIELDS)
    if extra and not allowed(actor, "incident.manage"):
        raise PermissionDenied("permission denied: setting " + ", ".join(extra) + " needs 'incident.manage'")
    pre.update(values or {})
    if not allowed(actor, "incident.manage"):
        pre["reporter"] = actor.name
    return _report(store, actor, pre, now)


def update_incident(store: Store, actor: Actor, key: int | str, changes: Mapping[str, Any], *,
                    now: datetime | None = None, reason: str | None = None) -> dict[str, Any]:
    """Change any field (by id or reference); the rules above are re-checked on the whole
    record."""
    require(actor, "incident.manage")
    now = clocks.as_utc(now) or clocks.now_utc()
    vals, problems = SCHEMA.coerce(changes, partial=True)
    with store.transaction() as conn:
        before = _get(conn, key)
        merged = _normalise({**{k: before[k] for k in SCHEMA.names}, **vals})
        if not problems:
            problems += _validate(conn, merged, before["id"], now)
        check_record(f"incident {before['ref']}", problems)
        update_audited(conn, actor, incidents, before["id"], before, {k: merged[k] for k in SCHEMA.names},
                       action="incidents.update", subject_type=SUBJECT, note={"reason": reason} if reason else None,
                       redact=FREE_TEXT)
        return _row_out(_get(conn, before["id"]), now)


def mark_reported(store: Store, actor: Actor, key: int | str, at: datetime | None = None, *,
                  now: datetime | None = None) -> dict[str, Any]:
    """Reported to the Information Assurance Unit – Data Office (stops the 12-hour clock)."""
    now = clocks.as_utc(now) or clocks.now_utc()
    return update_incident(store, actor, key, {"reported_at": clocks.to_utc(at) if at else now}, now=now)


def record_ico_decision(store: Store, actor: Actor, key: int | str, decision: str, *, reason: str | None = None,
                        notified_at: datetime | None = None, risk: str | None = None,
                        now: datetime | None = None) -> dict[str, Any]:
    """``notify`` (with the time the ICO was notified) or ``not-notify`` (with the reason;
    only when the risk is unlikely)."""
    changes: dict[str, Any] = {"ico_decision": decision, "ico_decision_reason": reason}
    if risk is not None:
        changes["risk"] = risk
    if notified_at is not None:
        changes["ico_notified_at"] = notified_at
    return update_incident(store, actor, key, changes, now=now)


def assign(store: Store, actor: Actor, key: int | str, owner: str, *, now: datetime | None = None) -> dict[str, Any]:
    return update_incident(store, actor, key, {"owner": owner}, now=now)


def close_incident(store: Store, actor: Actor, key: int | str, *, reason: str, now: datetime | None = None
                   ) -> dict[str, Any]:
    if not reason.strip():
        check_record("incident", [("reason", "closing needs a reason")])
    return update_incident(store, actor, key, {"status": "closed"}, now=now, reason=reason.strip())


def get_incident(store: Store, actor: Actor, key: int | str, *, now: datetime | None = None) -> dict[str, Any]:
    """One incident with its clocks (reading it is audited)."""
    require(actor, "incident.manage")
    now = clocks.as_utc(now) or clocks.now_utc()
    with store.transaction() as conn:
        row = _get(conn, key)
        audit.record(conn, actor, "view", SUBJECT, row["id"])
    return _row_out(row, now)


def list_incidents(store: Store, actor: Actor, *, status: str | None = None, now: datetime | None = None
                   ) -> list[dict[str, Any]]:
    require(actor, "incident.manage")
    now = clocks.as_utc(now) or clocks.now_utc()
    q = select(incidents).order_by(incidents.c.aware_at.desc(), incidents.c.id.desc())
    if status:
        q = q.where(incidents.c.status == status)
    with store.read() as conn:
        rows = [plain(r) for r in conn.execute(q).mappings()]
    return [_row_out(r, now) for r in rows]  # type: ignore[arg-type]


def overdue(store: Store, actor: Actor, *, now: datetime | None = None, within_hours: float = 0
            ) -> list[RegisterFinding]:
    """Incidents past a deadline (or within ``within_hours`` of one), most urgent first;
    also high-risk breaches whose people must be told.  Closed incidents are left out."""
    require(actor, "incident.manage")
    now = clocks.as_utc(now) or clocks.now_utc()
    with store.read() as conn:
        rows = [plain(r) for r in conn.execute(select(incidents).where(incidents.c.status != "closed")
                                               .order_by(incidents.c.aware_at)).mappings()]
    out: list[RegisterFinding] = []
    for r in rows:
        c = incident_clocks(r, now)  # type: ignore[arg-type]
        subject = f"{r['ref']}: {r['title']}"  # type: ignore[index]
        ev = {"incident_id": r["id"], "ref": r["ref"]}  # type: ignore[index]
        for clock, check, what in ((c.iau, "incident-iau-overdue", "report to the Information Assurance Unit"),
                                   (c.ico, "incident-ico-overdue", "ICO notification or recorded decision")):
            rem = clock.remaining(now)
            if clock.state == clocks.OVERDUE:
                out.append(finding(check, subject, f"{what} was due {clocks.show(clock.due)}; overdue by "
                                                   f"{clocks.span(rem)}" + (f" ({clock.note})" if clock.note else ""),  # type: ignore[arg-type]
                                   evidence={**ev, "due": clock.due, "state": "overdue"}))
            elif clock.state == clocks.RUNNING and rem is not None and rem <= timedelta(hours=within_hours):
                out.append(finding(check, subject, f"{what} due {clocks.show(clock.due)}, in {clocks.span(rem)}",
                                   severity="medium", evidence={**ev, "due": clock.due, "state": "due-soon"}))
        if c.tell_people:
            out.append(finding("incident-subjects", subject, "the risk is assessed as high",
                               evidence={**ev, "state": "action"}))
    return sort_findings(out)


# ----------------------------------------------------------------------------------- log
LOG_COLUMNS = ("ref", "title", "status", "owner", "reporter", "occurred_at", "aware_at", "iau_due", "reported_at",
               "iau_clock", "personal_data", "risk", "people_affected", "ico_due", "ico_decision", "ico_notified_at",
               "ico_clock", "ico_decision_reason", "finding_id")


def incident_log(store: Store, actor: Actor, *, now: datetime | None = None) -> list[dict[str, Any]]:
    """The incident log: every incident with both clocks, oldest first (London times)."""
    rows = list_incidents(store, actor, now=now)
    out = []
    for r in sorted(rows, key=lambda r: (r["aware_at"], r["id"])):
        iau, ico = r["clocks"]["iau"], r["clocks"]["ico"]
        out.append({
            "ref": r["ref"], "title": r["title"], "status": r["status"], "owner": r["owner"], "reporter": r["reporter"],
            "occurred_at": clocks.show(r["occurred_at"]), "aware_at": clocks.show(r["aware_at"]),
            "iau_due": iau["due_london"], "reported_at": clocks.show(r["reported_at"]),
            "iau_clock": iau["remaining"] or iau["state"],
            "personal_data": "yes" if r["personal_data"] else "no", "risk": r["risk"] or "",
            "people_affected": "" if r["people_affected"] is None else r["people_affected"],
            "ico_due": ico["due_london"], "ico_decision": r["ico_decision"] or "",
            "ico_notified_at": clocks.show(r["ico_notified_at"]),
            "ico_clock": ico["remaining"] or ico["state"],
            "ico_decision_reason": r["ico_decision_reason"] or "", "finding_id": r["finding_id"] or "",
        })
    return out


def incident_log_csv(store: Store, actor: Actor, *, now: datetime | None = None) -> str:
    """The log as CSV (formula-guarded); producing it is audited."""
    rows = incident_log(store, actor, now=now)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(LOG_COLUMNS)
    for r in rows:
        w.writerow([guard(str(r[c])) for c in LOG_COLUMNS])
    with store.transaction() as conn:
        audit.record(conn, actor, "incidents.log-export", REGISTER, None, after={"rows": len(rows)})
    return buf.getvalue()


# ----------------------------------------------------------------------------- CSV files
def _validate_row(conn: Connection, v: dict[str, Any], ctx: dict[str, Any]) -> list[tuple[str, str]]:
    p: list[tuple[str, str]] = []
    if not v.get("ref"):
        p.append(("ref", "required in an imported file"))
        return p
    existing = conn.execute(select(incidents.c.id).where(incidents.c.ref == v["ref"])).scalar()
    p += _validate(conn, _normalise(dict(v)), existing, clocks.now_utc())
    seen = ctx.setdefault("refs", set())
    if v["ref"] in seen:
        p.append(("ref", "the same incident appears twice in the file"))
    seen.add(v["ref"])
    return p


def _apply_row(conn: Connection, actor: Actor, v: dict[str, Any], ctx: dict[str, Any]) -> str:
    vals = _normalise({k: v.get(k) for k in SCHEMA.names})
    row = conn.execute(select(incidents).where(incidents.c.ref == v["ref"])).mappings().first()
    if row is None:
        now = clocks.now_utc()
        insert_audited(conn, actor, incidents, {**vals, "created_at": now, "updated_at": now},
                       action="incidents.report", subject_type=SUBJECT,
                       audit_fields=("ref", "aware_at", "reported_at", "personal_data", "risk", "status", "owner",
                                     "finding_id", "reporter"))
        return "added"
    before = plain(row)
    changed = update_audited(conn, actor, incidents, before["id"], before, vals, action="incidents.update",  # type: ignore[index]
                             subject_type=SUBJECT, redact=FREE_TEXT)
    return "updated" if changed else "unchanged"


def import_csv(store: Store, actor: Actor, data: bytes | str, source: str = "incidents.csv") -> ImportResult:
    """Incidents by reference (``ref`` is required in a file): added or updated; nothing
    if any row is bad."""
    require(actor, "incident.manage")
    rows, problems = read_csv(read_source(data), SCHEMA, source)
    return import_records(store, actor, register=REGISTER, permission="incident.manage", source=source,
                          records=csv_records(rows, source), problems=problems, validate=_validate_row,
                          apply=_apply_row)


def export_csv(store: Store, actor: Actor) -> str:
    def build(conn: Connection) -> str:
        rows = [dict(r) for r in conn.execute(select(incidents)).mappings()]
        rows.sort(key=lambda r: r["ref"])
        return write_csv(SCHEMA, rows)

    return export_audited(store, actor, register=REGISTER, permission="incident.manage", build=build,
                          rows=count_csv_rows)


__all__ = [
    "DECISIONS", "LEAK_CATEGORIES", "RISKS", "SCHEMA", "STATUSES", "IncidentClocks", "assign", "close_incident",
    "export_csv", "get_incident", "import_csv", "incident_clocks", "incident_from_finding", "incident_log",
    "incident_log_csv", "list_incidents", "mark_reported", "overdue", "record_ico_decision", "report_incident",
    "update_incident",
]
