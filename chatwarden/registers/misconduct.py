"""Misconduct cases arising from instant messaging and social media: the register FOI
statistics are drawn from (DOMAIN.md section 1).

Each case records the subject (officer or member of staff), rank or band, unit, the platform
(WhatsApp, other instant messaging, social media), the content categories of the allegation
(the policy's vocabulary), the Standards of Professional Behaviour engaged, the regime
(Police (Conduct) Regulations 2012 or 2020), the stage reached and the outcome, dates, who
challenged and who reported the conduct, and links to findings, cases and evidence packages.

Outcomes are checked against the subject type and regime:

* officers, 2020 (reg 42): written warning, final written warning, reduction in rank,
  dismissal without notice, would have been dismissed (former officers), RPRP;
* officers, 2012 (reg 35): management advice, written warning, final written warning,
  dismissal with notice, dismissal without notice, would have been dismissed;
* staff: first written warning, final written warning, dismissal (RPRP from 2020,
  management advice in older records);
* everyone: no case to answer, pending.

Dismissals and reduction in rank need a hearing.  A warning's expiry is computed from the
decision date: 18 months for a (first) written warning, 2 years for a final written warning.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy import Connection, select

from chatwarden.errors import NotFoundError
from chatwarden.model import Actor
from chatwarden.permissions import require
from chatwarden.policy.rules import CONTENT_CATEGORIES
from chatwarden.registers import clocks
from chatwarden.registers.common import (
    ImportResult,
    check_record,
    count_csv_rows,
    csv_records,
    export_audited,
    import_records,
    insert_audited,
    plain,
    read_source,
    today,
    update_audited,
)
from chatwarden.registers.csvio import Field, Schema, read_csv, write_csv
from chatwarden.store import Store, audit
from chatwarden.store.tables import cases, evidence_packages, findings, misconduct_cases

REGISTER = "misconduct"
SUBJECT = "misconduct_case"
REGS_2020_IN_FORCE = date(2020, 2, 1)

STANDARDS: tuple[tuple[str, str], ...] = (
    ("honesty-and-integrity", "Honesty and Integrity"),
    ("authority-respect-and-courtesy", "Authority, Respect and Courtesy"),
    ("equality-and-diversity", "Equality and Diversity"),
    ("use-of-force", "Use of Force"),
    ("orders-and-instructions", "Orders and Instructions"),
    ("duties-and-responsibilities", "Duties and Responsibilities"),
    ("confidentiality", "Confidentiality"),
    ("fitness-for-duty", "Fitness for Duty"),
    ("discreditable-conduct", "Discreditable Conduct"),
    ("challenging-and-reporting-improper-conduct", "Challenging and Reporting Improper Conduct"),
)
_STANDARD_ALIASES = {
    **{str(i): slug for i, (slug, _) in enumerate(STANDARDS, start=1)},
    **{label.casefold(): slug for slug, label in STANDARDS},
    "authority, respect and courtesy": "authority-respect-and-courtesy",
    "challenging and reporting": "challenging-and-reporting-improper-conduct",
    "honesty": "honesty-and-integrity",
}

OUTCOMES: dict[str, str] = {
    "written-warning": "Written Warning",
    "final-written-warning": "Final Written Warning",
    "reduction-in-rank": "Reduction in Rank",
    "dismissal-without-notice": "Dismissal Without Notice",
    "would-have-been-dismissed": "Would Have Been Dismissed",
    "first-written-warning": "First Written Warning",
    "dismissal": "Dismissal",
    "no-case-to-answer": "No Case to Answer",
    "rprp": "Reflective Practice Review Process",
    "pending": "Pending",
    "management-advice": "Management Advice",
    "dismissal-with-notice": "Dismissal With Notice",
}
_OUTCOME_ALIASES = {
    **{label.casefold(): slug for slug, label in OUTCOMES.items()},
    "ww": "written-warning", "fww": "final-written-warning", "dwn": "dismissal-without-notice",
    "whbd": "would-have-been-dismissed", "ncta": "no-case-to-answer", "reflective practice": "rprp",
    "reflective practice review": "rprp", "referral to rprp": "rprp", "rpr": "rprp",
}
ALLOWED: dict[tuple[str, str], tuple[str, ...]] = {
    ("officer", "2020"): ("written-warning", "final-written-warning", "reduction-in-rank", "dismissal-without-notice",
                          "would-have-been-dismissed", "no-case-to-answer", "rprp", "pending"),
    ("officer", "2012"): ("management-advice", "written-warning", "final-written-warning", "dismissal-with-notice",
                          "dismissal-without-notice", "would-have-been-dismissed", "no-case-to-answer", "pending"),
    ("staff", "2020"): ("first-written-warning", "final-written-warning", "dismissal", "no-case-to-answer", "rprp",
                        "pending"),
    ("staff", "2012"): ("management-advice", "first-written-warning", "final-written-warning", "dismissal",
                        "no-case-to-answer", "pending"),
}
HEARING_ONLY = ("reduction-in-rank", "dismissal-without-notice", "dismissal-with-notice", "would-have-been-dismissed",
                "dismissal")
WARNING_MONTHS = {"written-warning": 18, "first-written-warning": 18, "final-written-warning": 24}
STAGES = ("assessment", "investigation", "meeting", "hearing", "rprp", "closed")
PLATFORMS = ("whatsapp", "other-im", "social-media")
GENDERS = ("female", "male", "non-binary", "not-recorded")

RANKS = ("PC", "DC", "SC", "Sgt", "DS", "Insp", "DI", "Ch Insp", "DCI", "Supt", "Det Supt", "Ch Supt", "Det Ch Supt",
         "Commander", "DAC", "AC", "Deputy Commissioner", "Commissioner")
_RANK_ALIASES = {
    **{r.casefold(): r for r in RANKS},
    "police constable": "PC", "constable": "PC", "detective constable": "DC", "tdc": "DC",
    "trainee detective constable": "DC", "special constable": "SC", "spc": "SC", "sergeant": "Sgt", "ps": "Sgt",
    "detective sergeant": "DS", "inspector": "Insp", "detective inspector": "DI", "chief inspector": "Ch Insp",
    "chinsp": "Ch Insp", "ci": "Ch Insp", "detective chief inspector": "DCI", "superintendent": "Supt",
    "detective superintendent": "Det Supt", "dsupt": "Det Supt", "dsu": "Det Supt",
    "chief superintendent": "Ch Supt", "csupt": "Ch Supt", "chsupt": "Ch Supt",
    "detective chief superintendent": "Det Ch Supt", "dcs": "Det Ch Supt", "cdr": "Commander",
    "deputy assistant commissioner": "DAC", "assistant commissioner": "AC",
}
RANK_GROUPS = {
    "PC": "Constable", "DC": "Constable", "SC": "Special Constable", "Sgt": "Sergeant", "DS": "Sergeant",
    "Insp": "Inspector", "DI": "Inspector", "Ch Insp": "Chief Inspector", "DCI": "Chief Inspector",
    "Supt": "Superintendent", "Det Supt": "Superintendent", "Ch Supt": "Chief Superintendent",
    "Det Ch Supt": "Chief Superintendent", "Commander": "Commander and above", "DAC": "Commander and above",
    "AC": "Commander and above", "Deputy Commissioner": "Commander and above", "Commissioner": "Commander and above",
}
_BAND = re.compile(r"^(?:band\s*)?([a-y])$", re.IGNORECASE)

SCHEMA = Schema("misconduct", (
    Field("ref", "text", max_len=32, help="case reference (generated when empty)"),
    Field("subject", "text", required=True, max_len=200, help="the officer or member of staff"),
    Field("subject_type", "choice", required=True, choices=("officer", "staff"),
          aliases={"police officer": "officer", "police staff": "staff"}),
    Field("rank_or_band", "text", required=True, max_len=32, help="officers: rank (PC, Sgt, ...); staff: Band A-Y"),
    Field("unit", "text", max_len=200),
    Field("gender", "choice", choices=GENDERS, aliases={"f": "female", "m": "male", "unknown": "not-recorded"}),
    Field("platform", "choice", required=True, choices=PLATFORMS,
          aliases={"other im": "other-im", "other instant messaging": "other-im", "social media": "social-media"}),
    Field("categories", "choices", required=True, choices=CONTENT_CATEGORIES, help="content categories, ';'-separated"),
    Field("standards", "choices", choices=tuple(s for s, _ in STANDARDS), aliases=_STANDARD_ALIASES,
          help="Standards of Professional Behaviour engaged (names or numbers 1-10)"),
    Field("regime", "choice", required=True, choices=("2012", "2020"),
          help="Police (Conduct) Regulations 2012 or 2020 (staff: the procedure of that era)"),
    Field("stage", "choice", required=True, choices=STAGES, aliases={"reflective practice": "rprp"}),
    Field("outcome", "choice", choices=tuple(OUTCOMES), aliases=_OUTCOME_ALIASES),
    Field("recorded_on", "date", required=True),
    Field("decided_on", "date"),
    Field("warning_expires_on", "date", help="computed: decision + 18 months (WW) or 2 years (FWW)"),
    Field("challenged_by", "text", max_len=500, help="who challenged the conduct at the time"),
    Field("reported_by", "text", max_len=500, help="who reported it"),
    Field("finding_ids", "ints", help="chatwarden finding ids, ';'-separated"),
    Field("case_id", "int", minimum=1, help="chatwarden case id"),
    Field("package_ids", "ints", help="evidence package ids, ';'-separated"),
))
STORED = tuple(n for n in SCHEMA.names if n != "warning_expires_on")


def canonical_rank(subject_type: str, text: str) -> str | None:
    s = " ".join(text.split())
    if subject_type == "officer":
        return _RANK_ALIASES.get(s.casefold().replace(".", ""))
    if s.casefold() == "pcso":
        return "PCSO"
    m = _BAND.match(s)
    return f"Band {m.group(1).upper()}" if m else None


def rank_group(rank_or_band: str) -> str:
    """For statistics: Constable, Sergeant, ... or the staff band itself."""
    return RANK_GROUPS.get(rank_or_band, rank_or_band)


def warning_expiry(outcome: str | None, decided_on: date | None) -> date | None:
    months = WARNING_MONTHS.get(outcome or "")
    if months is None or decided_on is None:
        return None
    return clocks.add_months(decided_on, months)


def _validate(conn: Connection, v: dict[str, Any], self_id: int | None) -> list[tuple[str, str]]:
    """Checks the whole record; canonicalises rank and outcome in ``v``."""
    p: list[tuple[str, str]] = []
    st, regime = v.get("subject_type"), v.get("regime")
    if st and v.get("rank_or_band"):
        rank = canonical_rank(st, v["rank_or_band"])
        if rank is None:
            p.append(("rank_or_band", "not a police rank (PC, Sgt, Insp, ...)" if st == "officer"
                      else "not a staff band (Band A to Band Y) or PCSO"))
        else:
            v["rank_or_band"] = rank
    outcome = v.get("outcome") or "pending"
    v["outcome"] = outcome
    if st and regime and outcome not in ALLOWED[(st, regime)]:
        p.append(("outcome", f"{OUTCOMES[outcome]} is not an outcome for {st} under the {regime} regime (allowed: "
                             + ", ".join(OUTCOMES[o] for o in ALLOWED[(st, regime)]) + ")"))
    stage = v.get("stage")
    if outcome in HEARING_ONLY and stage not in ("hearing", "closed"):
        p.append(("stage", f"{OUTCOMES[outcome]} can only be decided at a hearing"))
    if stage == "rprp" and outcome not in ("rprp", "pending"):
        p.append(("outcome", "a case at the reflective practice stage has the outcome RPRP (or pending)"))
    if outcome == "pending":
        if stage == "closed":
            p.append(("outcome", "a closed case needs its outcome"))
        if v.get("decided_on") is not None:
            p.append(("decided_on", "a pending case has no decision date"))
    elif v.get("decided_on") is None:
        p.append(("decided_on", "required once there is an outcome"))
    rec, dec = v.get("recorded_on"), v.get("decided_on")
    day = clocks.today_london()
    if rec and rec > day:
        p.append(("recorded_on", "is in the future"))
    if dec and dec > day:
        p.append(("decided_on", "is in the future"))
    if rec and dec and dec < rec:
        p.append(("decided_on", "is before the case was recorded"))
    if regime == "2020" and rec and rec < REGS_2020_IN_FORCE:
        p.append(("regime", "the 2020 Regulations apply to matters from 1 February 2020"))
    given = v.pop("warning_expires_on", None)
    computed = warning_expiry(outcome, dec)
    if given is not None and given != computed:
        p.append(("warning_expires_on", "differs from the expiry computed from the outcome and decision date "
                                        "(leave it empty: it is computed)"))
    v["warning_expires_on"] = computed
    v["standards"] = v.get("standards") or []
    v["finding_ids"] = v.get("finding_ids") or []
    v["package_ids"] = v.get("package_ids") or []
    for fid in v["finding_ids"]:
        if conn.execute(select(findings.c.id).where(findings.c.id == fid)).scalar() is None:
            p.append(("finding_ids", f"no finding {fid}"))
    for pid in v["package_ids"]:
        if conn.execute(select(evidence_packages.c.id).where(evidence_packages.c.id == pid)).scalar() is None:
            p.append(("package_ids", f"no evidence package {pid}"))
    if v.get("case_id") is not None and \
            conn.execute(select(cases.c.id).where(cases.c.id == v["case_id"])).scalar() is None:
        p.append(("case_id", f"no case {v['case_id']}"))
    if v.get("ref"):
        other = conn.execute(select(misconduct_cases.c.id).where(misconduct_cases.c.ref == v["ref"])).scalar()
        if other is not None and other != self_id:
            p.append(("ref", f"case {other} already has this reference"))
    return p


def _new_ref(conn: Connection, recorded_on: date) -> str:
    prefix = f"MC-{recorded_on.year}-"
    refs = [r for (r,) in conn.execute(select(misconduct_cases.c.ref).where(misconduct_cases.c.ref.like(prefix + "%")))]
    n = max((int(r[len(prefix):]) for r in refs if r[len(prefix):].isdigit()), default=0) + 1
    return f"{prefix}{n:04d}"


def _get(conn: Connection, key: int | str) -> dict[str, Any]:
    col = misconduct_cases.c.id if isinstance(key, int) else misconduct_cases.c.ref
    row = conn.execute(select(misconduct_cases).where(col == key)).mappings().first()
    if row is None:
        raise NotFoundError(f"misconduct case {key} not found")
    return plain(row)  # type: ignore[return-value]


def _out(row: dict[str, Any], on: date | None = None) -> dict[str, Any]:
    day = on or clocks.today_london()
    exp = row.get("warning_expires_on")
    return {**row, "outcome_label": OUTCOMES.get(row.get("outcome") or "pending", ""),
            "rank_group": rank_group(row["rank_or_band"]),
            "warning_live": bool(exp and row["decided_on"] and row["decided_on"] <= day <= exp)}


# ----------------------------------------------------------------------------- use cases
def add_case(store: Store, actor: Actor, values: Mapping[str, Any]) -> dict[str, Any]:
    require(actor, "misconduct.edit")
    vals, problems = SCHEMA.coerce(values)
    with store.transaction() as conn:
        if not problems:
            problems += _validate(conn, vals, None)
        check_record("misconduct case", problems)
        vals["ref"] = vals.get("ref") or _new_ref(conn, vals["recorded_on"])
        now = clocks.now_utc()
        row_id = insert_audited(conn, actor, misconduct_cases, {**vals, "created_at": now, "updated_at": now},
                                action="misconduct.add", subject_type=SUBJECT)
        return _out(_get(conn, row_id))


def update_case(store: Store, actor: Actor, key: int | str, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Change a case (by id or reference): stage, outcome, dates, links...; the expiry of
    a warning is recomputed."""
    require(actor, "misconduct.edit")
    vals, problems = SCHEMA.coerce(changes, partial=True)
    with store.transaction() as conn:
        before = _get(conn, key)
        merged = {**{k: before[k] for k in STORED}, **vals}
        if "warning_expires_on" not in vals:
            merged.pop("warning_expires_on", None)
        if not problems:
            problems += _validate(conn, merged, before["id"])
        check_record(f"misconduct case {before['ref']}", problems)
        update_audited(conn, actor, misconduct_cases, before["id"], before, {k: merged[k] for k in SCHEMA.names},
                       action="misconduct.update", subject_type=SUBJECT)
        return _out(_get(conn, before["id"]))


def get_case(store: Store, actor: Actor, key: int | str) -> dict[str, Any]:
    """One case (reading it is audited)."""
    require(actor, "misconduct.view")
    with store.transaction() as conn:
        row = _get(conn, key)
        audit.record(conn, actor, "view", SUBJECT, row["id"])
    return _out(row)


def list_cases(store: Store, actor: Actor, *, subject_type: str | None = None, platform: str | None = None,
               regime: str | None = None, outcome: str | None = None, stage: str | None = None,
               unit: str | None = None, recorded_from: date | None = None, recorded_to: date | None = None,
               live_on: date | None = None) -> list[dict[str, Any]]:
    """Cases, newest first, with ``outcome_label``, ``rank_group`` and ``warning_live``."""
    require(actor, "misconduct.view")
    q = select(misconduct_cases).order_by(misconduct_cases.c.recorded_on.desc(), misconduct_cases.c.id.desc())
    for col, value in ((misconduct_cases.c.subject_type, subject_type), (misconduct_cases.c.platform, platform),
                       (misconduct_cases.c.regime, regime), (misconduct_cases.c.outcome, outcome),
                       (misconduct_cases.c.stage, stage)):
        if value:
            q = q.where(col == value)
    if recorded_from:
        q = q.where(misconduct_cases.c.recorded_on >= recorded_from)
    if recorded_to:
        q = q.where(misconduct_cases.c.recorded_on <= recorded_to)
    with store.read() as conn:
        rows = [_out(plain(r), live_on) for r in conn.execute(q).mappings()]  # type: ignore[arg-type]
    if unit:
        rows = [r for r in rows if (r["unit"] or "").casefold() == unit.casefold()]
    if live_on:
        rows = [r for r in rows if r["warning_live"]]
    return rows


def live_warnings(store: Store, actor: Actor, *, on: date | None = None) -> list[dict[str, Any]]:
    """Cases whose written or final written warning is in force on ``on`` (default today)."""
    return list_cases(store, actor, live_on=today(on))


def statistics_rows(store: Store, actor: Actor) -> list[dict[str, Any]]:
    """The register without names (subject, challenger, reporter left out), with derived
    fields, for FOI statistics: year recorded and decided, rank group, outcome label."""
    rows = list_cases(store, actor)
    keep = ("ref", "subject_type", "rank_or_band", "rank_group", "unit", "gender", "platform", "categories",
            "standards", "regime", "stage", "outcome", "outcome_label", "recorded_on", "decided_on",
            "warning_expires_on")
    out = []
    for r in rows:
        d = {k: r[k] for k in keep}
        d["year_recorded"] = r["recorded_on"].year
        d["year_decided"] = r["decided_on"].year if r["decided_on"] else None
        d["challenged"] = bool(r["challenged_by"])
        d["reported"] = bool(r["reported_by"])
        out.append(d)
    return out


# ----------------------------------------------------------------------------- CSV files
def _validate_row(conn: Connection, v: dict[str, Any], ctx: dict[str, Any]) -> list[tuple[str, str]]:
    if not v.get("ref"):
        return [("ref", "required in an imported file")]
    existing = conn.execute(select(misconduct_cases.c.id).where(misconduct_cases.c.ref == v["ref"])).scalar()
    p = _validate(conn, v, existing)
    seen = ctx.setdefault("refs", set())
    if v["ref"] in seen:
        p.append(("ref", "the same case appears twice in the file"))
    seen.add(v["ref"])
    return p


def _apply_row(conn: Connection, actor: Actor, v: dict[str, Any], ctx: dict[str, Any]) -> str:
    vals = {k: v.get(k) for k in SCHEMA.names}  # validated and canonicalised by _validate_row
    row = conn.execute(select(misconduct_cases).where(misconduct_cases.c.ref == v["ref"])).mappings().first()
    if row is None:
        now = clocks.now_utc()
        insert_audited(conn, actor, misconduct_cases, {**vals, "created_at": now, "updated_at": now},
                       action="misconduct.add", subject_type=SUBJECT)
        return "added"
    before = plain(row)
    changed = update_audited(conn, actor, misconduct_cases, before["id"], before, vals,  # type: ignore[index]
                             action="misconduct.update", subject_type=SUBJECT)
    return "updated" if changed else "unchanged"


def import_csv(store: Store, actor: Actor, data: bytes | str, source: str = "misconduct.csv") -> ImportResult:
    """Cases by reference (required in a file): added or updated; nothing if any row is
    bad.  ``warning_expires_on`` may be empty (it is computed)."""
    require(actor, "misconduct.edit")
    rows, problems = read_csv(read_source(data), SCHEMA, source)
    return import_records(store, actor, register=REGISTER, permission="misconduct.edit", source=source,
                          records=csv_records(rows, source), problems=problems, validate=_validate_row,
                          apply=_apply_row)


def export_csv(store: Store, actor: Actor) -> str:
    def build(conn: Connection) -> str:
        rows = [dict(r) for r in conn.execute(select(misconduct_cases)).mappings()]
        rows.sort(key=lambda r: (r["recorded_on"], r["ref"]))
        return write_csv(SCHEMA, rows)

    return export_audited(store, actor, register=REGISTER, permission="misconduct.view", build=build,
                          rows=count_csv_rows)


__all__ = [
    "ALLOWED", "OUTCOMES", "PLATFORMS", "RANKS", "SCHEMA", "STAGES", "STANDARDS", "WARNING_MONTHS", "add_case",
    "canonical_rank", "export_csv", "get_case", "import_csv", "list_cases", "live_warnings", "rank_group",
    "statistics_rows", "update_case", "warning_expiry",
]

