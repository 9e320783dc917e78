"""FOI statistics from the misconduct register: counts of cases over a period by year,
rank group, allegation category, platform, outcome and Standard, with officers and staff
apart (002 presents police officer and police staff data separately; 001 asks for cases
"broken down year on year since 2017", the nature of the allegation, the rank and the
outcome).

Records come from the store (``misconduct_cases``, read with SQLAlchemy Core) or from a CSV
export with the same columns.  Only the fields statistics need are kept in memory: never
the subject's name.  Each case is counted once per table: under its *principal* (first
recorded) allegation category and Standard.

Confirmed findings of the monitoring (``findings``) can be counted too, by year and
category (population ``findings``).
"""

from __future__ import annotations

import csv
import io
import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import Connection, select

from chatwarden.errors import InputError
from chatwarden.foi import ranks
from chatwarden.foi.disclosure import Axis, DisclosureReport, DisclosureRules, PublishedTable, Table, protect

SUBJECT_TYPES = ("officer", "staff")
PLATFORMS = {"whatsapp": "WhatsApp", "other-im": "Other instant messaging", "social-media": "Social media"}
POPULATIONS = {"officers": "Police officers", "staff": "Police staff", "findings": "Monitoring findings"}
CATEGORY_LABELS = {
    "official-sensitive": "OFFICIAL-SENSITIVE information shared",
    "investigation-material": "Investigation material shared",
    "evidence-intelligence": "Evidence or intelligence shared",
    "operational-decision": "Operational decisions made by message",
    "sensitive-personal-data": "Sensitive personal data shared",
    "duty-notice": "Duty or notice matters",
    "personal-use": "Personal use of a force device",
    "offensive-conduct": "Offensive or discriminatory messages",
    "disappearing-messages": "Disappearing messages",
    "display-name": "Display name or profile",
    "unknown-contact": "Unknown contacts",
    "unapproved-app": "Unapproved app",
    "unprofessional-language": "Unprofessional language",
}
NOT_RECORDED = "Not recorded"

# outcome labels (DOMAIN.md section 1: reg 42 outcomes, the 2012 legacy ones, the Met's FOI
# labels, and staff outcomes as in 002), in the order tables show them
_OUTCOMES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Dismissal without notice", ("dismissal-without-notice", "dismissed-without-notice", "dismissed", "dismissal",
                                  "summary-dismissal")),
    ("Dismissal with notice", ("dismissal-with-notice", "dismissed-with-notice")),
    ("Would have been dismissed", ("would-have-been-dismissed", "whbd")),
    ("Reduction in rank", ("reduction-in-rank", "demotion")),
    ("Final written warning", ("final-written-warning", "fww")),
    ("Written warning", ("written-warning", "ww")),
    ("First written warning", ("first-written-warning",)),
    ("Formal reprimand", ("formal-reprimand", "reprimand")),
    ("Management advice (2012 regulations)", ("management-advice", "management-action")),
    ("Reflective practice (RPRP)", ("rprp", "reflective-practice", "practice-requiring-improvement",
                                    "reflective-practice-review-process")),
    ("No case to answer", ("no-case-to-answer", "nfa", "no-further-action", "no-misconduct")),
    ("Not proven", ("not-proven", "not-found", "unsubstantiated", "not-upheld", "allegation-not-proven")),
    ("Resigned or retired before outcome", ("resigned", "retired", "left-the-service")),
    ("Pending", ("pending", "ongoing", "open")),
)
OUTCOME_ORDER = tuple(label for label, _ in _OUTCOMES) + ("No outcome recorded",)
_OUTCOME_OF = {s: label for label, spellings in _OUTCOMES for s in spellings}
STANDARD_ORDER = ("Honesty and Integrity", "Authority, Respect and Courtesy", "Equality and Diversity", "Use of Force",
                  "Orders and Instructions", "Duties and Responsibilities", "Confidentiality", "Fitness for Duty",
                  "Discreditable Conduct", "Challenging and Reporting Improper Conduct")


def outcome_label(outcome: str | None, stage: str | None) -> str:
    """A register outcome as tables show it.  No outcome yet: "Pending" while the case is
    open, "No outcome recorded" once closed."""
    if outcome is None or not outcome.strip():
        return "No outcome recorded" if (stage or "").strip().lower() == "closed" else "Pending"
    key = "-".join(outcome.strip().lower().replace("_", " ").replace("-", " ").split())
    if key in _OUTCOME_OF:
        return _OUTCOME_OF[key]
    text = " ".join(outcome.replace("_", " ").replace("-", " ").split())
    return text[:1].upper() + text[1:]


def category_label(slug: str) -> str:
    return CATEGORY_LABELS.get(slug, slug.replace("-", " ").capitalize() if slug else NOT_RECORDED)


def standard_label(text: str) -> str:
    key = text.strip().lower().replace("-", " ").replace("_", " ")
    for s in STANDARD_ORDER:
        if s.lower() == key or s.lower().replace(",", "") == key:
            return s
    return " ".join(text.split()).capitalize() if text.strip() else NOT_RECORDED


@dataclass(frozen=True)
class CaseRecord:
    """The fields of one misconduct case that statistics use (no names)."""

    subject_type: str
    rank_or_band: str
    platform: str
    categories: tuple[str, ...]
    recorded_on: date
    outcome: str | None = None
    stage: str | None = None
    decided_on: date | None = None
    standards: tuple[str, ...] = ()
    regime: str | None = None


# ---------------------------------------------------------------------------- loading
def _as_date(value: object) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError("not a date (expected YYYY-MM-DD or DD/MM/YYYY)")


def _as_list(value: object) -> tuple[str, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, (list, tuple)):
        return tuple(str(v).strip() for v in value if str(v).strip())
    text = str(value).strip()
    if text.startswith("["):
        try:
            data = json.loads(text)
        except json.JSONDecodeError:
            raise ValueError("not a JSON list") from None
        if not isinstance(data, list):
            raise ValueError("not a JSON list")
        return tuple(str(v).strip() for v in data if str(v).strip())
    return tuple(p.strip() for p in text.replace("|", ";").split(";") if p.strip())


REQUIRED_COLUMNS = ("subject_type", "rank_or_band", "platform", "categories", "recorded_on")
OPTIONAL_COLUMNS = ("outcome", "stage", "decided_on", "standards", "regime")


def read_cases_csv(path: str | os.PathLike[str]) -> list[CaseRecord]:
    """Misconduct cases from a CSV export of the register (header row with the register's
    column names; other columns, such as names, are ignored).  Errors name the line and
    column, never the value."""
    src = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", source=src) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError("not UTF-8 text (save the spreadsheet as CSV UTF-8)", source=src, offset=exc.start) from None
    if not text.strip():
        raise InputError("the file is empty", source=src)
    if "\x00" in text:
        raise InputError("the file holds NUL bytes: it is not a CSV file", source=src,
                         line=text[:text.index("\x00")].count("\n") + 1)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except csv.Error as exc:
        raise InputError(f"malformed CSV header ({exc})", source=src, line=reader.line_num) from None
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        raise InputError("missing column(s): " + ", ".join(missing) + " (the header row must name the register's "
                         "columns)", source=src, line=1)
    dupes = sorted({h for h in header if h and header.count(h) > 1})
    if dupes:
        raise InputError("duplicate column(s): " + ", ".join(dupes), source=src, line=1)
    pos = {h: i for i, h in enumerate(header)}
    out: list[CaseRecord] = []
    row_no = 1
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise InputError(f"malformed CSV in row {row_no + 1} ({exc}; check the quotes)", source=src,
                             line=start) from None
        row_no += 1
        if not any(c.strip() for c in row):
            continue
        if len(row) != len(header):
            raise InputError(f"row {row_no} has {len(row)} fields; the header has {len(header)}", source=src,
                             line=start)

        def get(col: str) -> str:
            return row[pos[col]].strip() if col in pos else ""

        def fail(col: str, why: str) -> InputError:
            return InputError(f"row {row_no}, column {col!r} (column {pos[col] + 1}): {why}", source=src, line=start)

        st = get("subject_type").lower()
        if st not in SUBJECT_TYPES:
            raise fail("subject_type", "must be officer or staff")
        plat = get("platform").lower()
        if plat not in PLATFORMS:
            raise fail("platform", "must be one of " + ", ".join(PLATFORMS))
        values: dict[str, object] = {}
        for col in ("recorded_on", "decided_on"):
            try:
                values[col] = _as_date(get(col))
            except ValueError as exc:
                raise fail(col, str(exc)) from None
        if values["recorded_on"] is None:
            raise fail("recorded_on", "is empty")
        for col in ("categories", "standards"):
            try:
                values[col] = _as_list(get(col))
            except ValueError as exc:
                raise fail(col, f"{exc} (use a JSON list or values separated by ';')") from None
        out.append(CaseRecord(
            subject_type=st, rank_or_band=get("rank_or_band"), platform=plat, categories=values["categories"],
            recorded_on=values["recorded_on"], outcome=get("outcome") or None, stage=get("stage") or None,
            decided_on=values["decided_on"], standards=values["standards"], regime=get("regime") or None,
        ))
    return out


def read_cases_store(conn: Connection) -> list[CaseRecord]:
    """Misconduct cases from the store (names are not selected)."""
    from chatwarden.store.tables import misconduct_cases as m

    rows = conn.execute(select(m.c.subject_type, m.c.rank_or_band, m.c.platform, m.c.categories, m.c.recorded_on,
                               m.c.outcome, m.c.stage, m.c.decided_on, m.c.standards, m.c.regime)
                        .order_by(m.c.id)).all()
    out = []
    for r in rows:
        out.append(CaseRecord(
            subject_type=(r.subject_type or "").lower(), rank_or_band=r.rank_or_band or "",
            platform=(r.platform or "").lower(), categories=_as_list(r.categories), recorded_on=_as_date(r.recorded_on),
            outcome=r.outcome, stage=r.stage, decided_on=_as_date(r.decided_on), standards=_as_list(r.standards),
            regime=r.regime,
        ))
    return out


@dataclass(frozen=True)
class FindingRecord:
    created_on: date
    category: str


def read_findings_store(conn: Connection, statuses: Sequence[str] = ("confirmed", "escalated")) -> list[FindingRecord]:
    from chatwarden.store.tables import findings as f

    rows = conn.execute(select(f.c.created_at, f.c.category).where(f.c.status.in_(list(statuses)))
                        .order_by(f.c.id)).all()
    return [FindingRecord(_as_date(r.created_at), r.category) for r in rows]


# ---------------------------------------------------------------------------- tables
DIMENSIONS = {
    "year": "Year",
    "rank": "Rank or grade",
    "category": "Allegation category",
    "platform": "Platform",
    "outcome": "Outcome",
    "standard": "Standard of Professional Behaviour",
    "regime": "Conduct regulations",
}
DEFAULT_TABLES: tuple[tuple[str, str | None], ...] = (
    ("year", "rank"), ("year", "category"), ("year", "platform"), ("year", "outcome"),
)


def parse_table_specs(specs: Iterable[str]) -> tuple[tuple[str, str | None], ...]:
    """"year:outcome" -> ("year", "outcome"); "outcome" -> ("outcome", None)."""
    out = []
    for spec in specs:
        for part in spec.split(","):
            part = part.strip()
            if not part:
                continue
            bits = [b.strip().lower() for b in part.split(":")]
            if len(bits) > 2 or any(b not in DIMENSIONS for b in bits) or (len(bits) == 2 and bits[0] == bits[1]):
                raise InputError(f"bad table {part!r}: use ROW or ROW:COLUMN with ROW and COLUMN from "
                                 + ", ".join(DIMENSIONS))
            out.append((bits[0], bits[1] if len(bits) == 2 else None))
    if not out:
        raise InputError("no tables asked for")
    return tuple(out)


def _year_label(d: date, financial: bool) -> str:
    if not financial:
        return str(d.year)
    start = d.year if d.month >= 4 else d.year - 1
    return f"{start}/{(start + 1) % 100:02d}"


def _rank_merge(labels: Sequence[str]) -> str:
    if labels[-1] == ranks.RANK_GROUPS_OFFICER[-1] and labels[0] in ranks.RANK_GROUPS_OFFICER:
        return f"{labels[0]} and above"
    if all(lab.startswith("Band ") for lab in labels):
        return f"Bands {labels[0][5:]}\u2013{labels[-1][5:]}"
    return " / ".join(labels)


@dataclass
class StatsOptions:
    since: date | None = None
    until: date | None = None
    basis: str = "recorded"  # recorded | decided
    financial_years: bool = False
    tables: tuple[tuple[str, str | None], ...] = DEFAULT_TABLES
    populations: tuple[str, ...] = ("officers", "staff")
    platforms: tuple[str, ...] = ()  # restrict to these platforms (empty: all)


@dataclass
class StatsResult:
    """Protected tables per population, the notes that go with them, and the disclosure
    report for the case file."""

    title: str
    period: str
    tables: dict[str, list[PublishedTable]]
    notes: list[str]
    report: DisclosureReport
    counted: dict[str, int] = field(default_factory=dict)

    def all_tables(self) -> list[PublishedTable]:
        return [t for ts in self.tables.values() for t in ts]


def _period_text(opts: StatsOptions) -> str:
    since = f"{opts.since.day} {opts.since:%B %Y}" if opts.since else "the first record"
    until = f"{opts.until.day} {opts.until:%B %Y}" if opts.until else "the latest record"
    return f"{since} to {until}"


def _label_fn(dim: str, opts: StatsOptions):
    if dim == "year":
        return lambda r: _year_label(_basis_date(r, opts), opts.financial_years)
    if dim == "rank":
        return lambda r: ranks.rank_group(r.subject_type, r.rank_or_band)
    if dim == "category":
        return lambda r: category_label(r.categories[0]) if r.categories else NOT_RECORDED
    if dim == "platform":
        return lambda r: PLATFORMS.get(r.platform, r.platform or NOT_RECORDED)
    if dim == "outcome":
        return lambda r: outcome_label(r.outcome, r.stage)
    if dim == "standard":
        return lambda r: standard_label(r.standards[0]) if r.standards else NOT_RECORDED
    if dim == "regime":
        return lambda r: f"{r.regime} Regulations" if r.regime else NOT_RECORDED
    raise InputError(f"unknown dimension {dim!r}")


def _basis_date(r: CaseRecord, opts: StatsOptions) -> date | None:
    return r.decided_on if opts.basis == "decided" else r.recorded_on


def _axis(dim: str, values: set[str], population: str, opts: StatsOptions) -> Axis:
    title = DIMENSIONS[dim]
    if dim == "year":
        lo, hi = opts.since, opts.until
        if opts.financial_years:
            starts = sorted(int(v[:4]) for v in values)
            first = (lo.year - (lo.month < 4)) if lo else (starts[0] if starts else None)
            last = (hi.year - (hi.month < 4)) if hi else (starts[-1] if starts else None)
            fmt = lambda y: f"{y}/{(y + 1) % 100:02d}"
        else:
            nums = sorted(int(v) for v in values)
            first = lo.year if lo else (nums[0] if nums else None)
            last = hi.year if hi else (nums[-1] if nums else None)
            fmt = str
        years = [fmt(y) for y in range(first, last + 1)] if first is not None and last is not None else []
        return Axis("year", "Financial year" if opts.financial_years else title, tuple(years), ordinal=True)
    if dim == "rank":
        subject = "officer" if population == "officers" else "staff"
        order = ranks.group_order(subject)
        standard = [g for g in order if g not in (ranks.UNKNOWN_RANK, ranks.UNKNOWN_BAND, ranks.SHADOW_LABEL,
                                                  ranks.ABOVE_A_LABEL)]
        labels = [g for g in order if g in standard or g in values] + sorted(values - set(order))
        return Axis("rank", "Rank group" if population == "officers" else "Staff band", tuple(labels), ordinal=True,
                    merge_label=_rank_merge)
    if dim == "platform":
        labels = list(PLATFORMS.values()) + sorted(values - set(PLATFORMS.values()))
        return Axis(dim, title, tuple(labels), other_label="Other platforms")
    if dim == "outcome":
        known = [o for o in OUTCOME_ORDER if o in values]
        return Axis(dim, title, tuple(known + sorted(values - set(OUTCOME_ORDER))), other_label="Other outcomes")
    if dim == "category":
        order = [category_label(c) for c in CATEGORY_LABELS]
        known = [c for c in order if c in values]
        rest = sorted(values - set(order) - {NOT_RECORDED})
        tail = [NOT_RECORDED] if NOT_RECORDED in values else []
        return Axis(dim, title, tuple(known + rest + tail), other_label="Other categories")
    if dim == "standard":
        known = [s for s in STANDARD_ORDER if s in values]
        return Axis(dim, title, tuple(known + sorted(values - set(STANDARD_ORDER))), other_label="Other Standards")
    return Axis(dim, title, tuple(sorted(values)))


def build_tables(records: Sequence[CaseRecord], population: str, opts: StatsOptions) -> tuple[list[Table], int]:
    """Unprotected count tables for one population, and how many records they count."""
    if population not in ("officers", "staff"):
        raise InputError(f"unknown population {population!r}")
    subject = "officer" if population == "officers" else "staff"
    chosen = []
    for r in records:
        if r.subject_type != subject:
            continue
        if opts.platforms and r.platform not in opts.platforms:
            continue
        d = _basis_date(r, opts)
        if d is None:
            continue
        if (opts.since and d < opts.since) or (opts.until and d > opts.until):
            continue
        chosen.append(r)
    fns = {dim: _label_fn(dim, opts) for spec in opts.tables for dim in spec if dim}
    labels = {dim: [fn(r) for r in chosen] for dim, fn in fns.items()}
    axes = {dim: _axis(dim, set(vals), population, opts) for dim, vals in labels.items()}
    who = POPULATIONS[population]
    tables = []
    for row_dim, col_dim in opts.tables:
        ra = axes[row_dim]
        ca = axes[col_dim] if col_dim else None
        ri = {lab: i for i, lab in enumerate(ra.labels)}
        ci = {lab: i for i, lab in enumerate(ca.labels)} if ca else {}
        counts = [[0] * (len(ca.labels) if ca else 1) for _ in ra.labels]
        for n in range(len(chosen)):
            i = ri[labels[row_dim][n]]
            j = ci[labels[col_dim][n]] if ca else 0
            counts[i][j] += 1
        if not ra.labels:
            continue
        key = f"{population}-{row_dim}" + (f"-{col_dim}" if col_dim else "")
        title = f"{who}: cases by {DIMENSIONS[row_dim].lower()}" + (f" and {DIMENSIONS[col_dim].lower()}"
                                                                    if col_dim else "")
        tables.append(Table(key, title, ra, ca, tuple(tuple(r) for r in counts)))
    return tables, len(chosen)


def statistics(records: Sequence[CaseRecord], opts: StatsOptions | None = None,
               rules: DisclosureRules | None = None, *, title: str = "Misconduct cases involving instant messaging "
               "and social media") -> StatsResult:
    """Protected tables for each population (officers and staff apart: they are different
    people, counted by different systems, and no table mixes them)."""
    opts = opts or StatsOptions()
    rules = rules or DisclosureRules()
    if opts.basis not in ("recorded", "decided"):
        raise InputError("basis must be recorded or decided")
    report = DisclosureReport(rules)
    tables: dict[str, list[PublishedTable]] = {}
    counted: dict[str, int] = {}
    for pop in opts.populations:
        raw, n = build_tables(records, pop, opts)
        counted[pop] = n
        published, _ = protect(raw, rules, report)
        tables[pop] = published
    basis = "the date the case was recorded" if opts.basis == "recorded" else "the date of the outcome decision"
    notes = [
        f"Period: {_period_text(opts)}; each case is placed by {basis}"
        + ("; years run from 1 April to 31 March." if opts.financial_years else "."),
        "Police officer and police staff cases are shown separately.",
        "A case is counted once in each table: under its principal (first recorded) allegation category and "
        "Standard of Professional Behaviour.",
        "Officer rank groups: constables (including detective constables), sergeants, and inspectors and above. "
        "Staff are shown by pay band.",
        "Cases without a final outcome are shown as Pending.",
        rules.legend(),
    ]
    if opts.basis == "decided":
        notes.append("Cases not yet decided are not counted.")
    if opts.platforms:
        notes.append("Platforms counted: " + ", ".join(PLATFORMS.get(p, p) for p in opts.platforms) + ".")
    return StatsResult(title, _period_text(opts), tables, notes, report, counted)


CASE_KINDS = {"misconduct-referral": "Misconduct referral", "data-protection-incident": "Data protection incident",
              "supervisor-advice": "Supervisor advice"}


@dataclass(frozen=True)
class CaseOpened:
    opened_on: date
    kind: str


def read_casework_store(conn: Connection) -> list[CaseOpened]:
    """Cases opened from findings (``cases``): date opened and kind only."""
    from chatwarden.store.tables import cases as c

    rows = conn.execute(select(c.c.opened_at, c.c.kind).order_by(c.c.id)).all()
    return [CaseOpened(_as_date(r.opened_at), r.kind) for r in rows]


def _year_table(items: Sequence[tuple[date, str]], key: str, title: str, col_title: str, order: Sequence[str],
                since: date | None, until: date | None) -> tuple[Table | None, int]:
    chosen = [(d, lab) for d, lab in items if d and not (since and d < since) and not (until and d > until)]
    nums = sorted({d.year for d, _ in chosen})
    first = since.year if since else (nums[0] if nums else None)
    last = until.year if until else (nums[-1] if nums else None)
    years = [str(y) for y in range(first, last + 1)] if first is not None and last is not None else []
    labels = {lab for _, lab in chosen}
    cols = [o for o in order if o in labels] + sorted(labels - set(order))
    if not years or not cols:
        return None, len(chosen)
    counts = [[0] * len(cols) for _ in years]
    yi = {y: i for i, y in enumerate(years)}
    ci = {c: i for i, c in enumerate(cols)}
    for d, lab in chosen:
        counts[yi[str(d.year)]][ci[lab]] += 1
    return Table(key, title, Axis("year", "Year", tuple(years), ordinal=True),
                 Axis(key + "-col", col_title, tuple(cols), other_label="Other"),
                 tuple(tuple(r) for r in counts)), len(chosen)


def findings_statistics(findings: Sequence[FindingRecord], *, since: date | None = None, until: date | None = None,
                        rules: DisclosureRules | None = None, casework: Sequence[CaseOpened] = ()) -> StatsResult:
    """Confirmed or escalated monitoring findings by year and category, and (``casework``)
    cases opened from them by year and kind.  Each is protected on its own: they count
    different things."""
    rules = rules or DisclosureRules()
    report = DisclosureReport(rules)
    order = [category_label(c) for c in CATEGORY_LABELS]
    ft, nf = _year_table([(f.created_on, category_label(f.category)) for f in findings], "findings-year-category",
                         "Monitoring findings: confirmed breaches by year and category", "Category", order, since,
                         until)
    tables: dict[str, list[PublishedTable]] = {"findings": protect([ft], rules, report)[0] if ft else []}
    counted = {"findings": nf}
    notes_extra = []
    if casework:
        ct, nc = _year_table([(c.opened_on, CASE_KINDS.get(c.kind, c.kind)) for c in casework], "cases-year-kind",
                             "Cases opened from findings by year and kind", "Kind of case", list(CASE_KINDS.values()),
                             since, until)
        tables["cases"] = protect([ct], rules, report)[0] if ct else []
        counted["cases"] = nc
        notes_extra.append("Cases are placed by the date they were opened.")
    opts = StatsOptions(since=since, until=until)
    notes = [f"Period: {_period_text(opts)}.", "Findings confirmed or escalated by a reviewer; one message or chat "
             "can give more than one finding.", *notes_extra, rules.legend()]
    return StatsResult("Messaging policy breaches found by monitoring", _period_text(opts), tables, notes, report,
                       counted)
