"""What the registers share: the catalogue of checks with their citations, the findings the
checks produce, audited inserts and updates, and the all-or-nothing import of a file.

Every change goes through :func:`insert_audited` or :func:`update_audited`: the row and
its audit entry (only the fields that changed, before and after) are written in the same
transaction, which the calling use case owns.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from importlib import resources
from pathlib import PurePath
from typing import Any

from sqlalchemy import Connection, Table, insert, select, update

from chatwarden.errors import ConfigError, NotFoundError
from chatwarden.model import Actor
from chatwarden.permissions import require
from chatwarden.registers import clocks
from chatwarden.registers.csvio import CSVError, CSVRow, RecordError, where
from chatwarden.store import Store, audit

SEVERITIES = ("low", "medium", "high", "critical")
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
_CHECK_FIELDS = {"title", "severity", "citations", "action"}
_CITATION_FIELDS = {"document", "section", "quote"}


# ------------------------------------------------------------------------------- checks
@dataclass(frozen=True)
class Citation:
    document: str
    section: str
    quote: str = ""

    def __str__(self) -> str:
        return f"{self.document} — {self.section}"


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    severity: str
    citations: tuple[Citation, ...]
    action: str


@lru_cache(maxsize=1)
def checks() -> dict[str, Check]:
    """The catalogue (``checks.yaml``), validated strictly: every problem at once."""
    from chatwarden.yamlstrict import line_of, load_strict

    path = str(resources.files("chatwarden.registers") / "checks.yaml")
    data = load_strict(path)
    problems: list[str] = []
    out: dict[str, Check] = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}:1: the check catalogue must be a mapping")
    for cid, body in data.items():
        line = line_of(data, cid)
        if not isinstance(body, dict):
            problems.append(f"{path}:{line}: {cid}: must be a mapping")
            continue
        extra = set(body) - _CHECK_FIELDS
        missing = _CHECK_FIELDS - set(body)
        if extra:
            problems.append(f"{path}:{line}: {cid}: unknown field(s) {', '.join(sorted(extra))}")
        if missing:
            problems.append(f"{path}:{line}: {cid}: missing field(s) {', '.join(sorted(missing))}")
            continue
        if body["severity"] not in SEVERITIES:
            problems.append(f"{path}:{line_of(body, 'severity')}: {cid}: severity must be one of "
                            + ", ".join(SEVERITIES))
        cites = []
        for c in body["citations"] or []:
            if not isinstance(c, dict) or set(c) - _CITATION_FIELDS or not {"document", "section"} <= set(c):
                problems.append(f"{path}:{line_of(c)}: {cid}: a citation needs document and section (and a quote)")
                continue
            cites.append(Citation(str(c["document"]), str(c["section"]), str(c.get("quote", "")).strip()))
        if not cites:
            problems.append(f"{path}:{line}: {cid}: at least one citation is needed")
        out[cid] = Check(cid, str(body["title"]), str(body["severity"]), tuple(cites), str(body["action"]).strip())
    if problems:
        raise ConfigError(f"{path}: {len(problems)} problem(s)", problems)
    return out


@dataclass(frozen=True)
class RegisterFinding:
    """Something a person can act on: what is wrong, about whom or what, the rule it
    breaks (with citations) and what to do."""

    check: str
    title: str
    severity: str
    subject: str  # the person, group, app or incident concerned
    detail: str  # what was seen
    action: str
    citations: tuple[Citation, ...]
    unit: str | None = None
    evidence: Mapping[str, Any] = field(default_factory=dict)

    @property
    def rule(self) -> str:
        """The first citation, as ``document — section``."""
        return str(self.citations[0]) if self.citations else ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "check": self.check, "title": self.title, "severity": self.severity, "subject": self.subject,
            "unit": self.unit, "detail": self.detail, "action": self.action, "rule": self.rule,
            "citations": [{"document": c.document, "section": c.section, "quote": c.quote} for c in self.citations],
            "evidence": dict(self.evidence),
        }


def finding(check_id: str, subject: str, detail: str, *, unit: str | None = None,
            evidence: Mapping[str, Any] | None = None, severity: str | None = None,
            action: str | None = None) -> RegisterFinding:
    c = checks()[check_id]
    return RegisterFinding(check_id, c.title, severity or c.severity, subject, detail, action or c.action,
                           c.citations, unit, dict(evidence or {}))


def sort_findings(items: Iterable[RegisterFinding]) -> list[RegisterFinding]:
    return sorted(items, key=lambda f: (-SEVERITY_RANK[f.severity], f.unit or "", f.subject, f.check))


# -------------------------------------------------------------------------- row helpers
def plain(row: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """A database row as a plain dict, with instants as aware UTC datetimes."""
    if row is None:
        return None
    return {k: (clocks.as_utc(v) if isinstance(v, datetime) else v) for k, v in dict(row).items()}


def same(a: Any, b: Any) -> bool:
    if isinstance(a, datetime) and isinstance(b, datetime):
        return clocks.as_utc(a) == clocks.as_utc(b)
    if isinstance(a, float) or isinstance(b, float):
        try:
            return a is not None and b is not None and float(a) == float(b)
        except (TypeError, ValueError):
            return False
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return list(a) == list(b)
    return a == b


def _storable(values: Mapping[str, Any]) -> dict[str, Any]:
    """UTC for every instant (SQLite keeps wall-clock digits only)."""
    return {k: (clocks.as_utc(v) if isinstance(v, datetime) else v) for k, v in values.items()}


def insert_audited(conn: Connection, actor: Actor, table: Table, values: Mapping[str, Any], *,
                   action: str, subject_type: str, audit_fields: Sequence[str] | None = None) -> int:
    vals = _storable(values)
    row_id = conn.execute(insert(table).values(**vals).returning(table.c.id)).scalar_one()
    after = {k: v for k, v in vals.items() if audit_fields is None or k in audit_fields}
    audit.record(conn, actor, action, subject_type, row_id, after=after)
    return row_id


def update_audited(conn: Connection, actor: Actor, table: Table, row_id: int, before: Mapping[str, Any],
                   values: Mapping[str, Any], *, action: str, subject_type: str, stamp: str | None = "updated_at",
                   note: Mapping[str, Any] | None = None, redact: Sequence[str] = ()) -> bool:
    """Write the fields that differ; False (and no audit entry) when nothing does.  Fields
    in ``redact`` are audited as changed (with their lengths), not by content."""
    changed = {k: v for k, v in _storable(values).items() if not same(before.get(k), v)}
    if not changed:
        return False
    vals = dict(changed)
    if stamp:
        vals[stamp] = clocks.now_utc()
    conn.execute(update(table).where(table.c.id == row_id).values(**vals))
    def shown(k: str, v: Any) -> Any:
        return {"chars": len(v)} if k in redact and isinstance(v, str) else v

    after = {k: shown(k, v) for k, v in changed.items()}
    if note:
        after.update(note)
    audit.record(conn, actor, action, subject_type, row_id, before={k: shown(k, before.get(k)) for k in changed},
                 after=after)
    return True


def get_row(conn: Connection, table: Table, row_id: int, what: str) -> dict[str, Any]:
    row = conn.execute(select(table).where(table.c.id == row_id)).mappings().first()
    if row is None:
        raise NotFoundError(f"{what} {row_id} not found")
    return plain(row)  # type: ignore[return-value]


def check_record(what: str, problems: list[tuple[str, str]]) -> None:
    if problems:
        raise RecordError(what, problems)


def today(on: date | None, now: datetime | None = None) -> date:
    return on if on is not None else clocks.today_london(now)


# ------------------------------------------------------------------------------ imports
@dataclass(frozen=True)
class ImportResult:
    register: str
    source: str
    rows: int
    added: int
    updated: int
    unchanged: int
    ignored_fields: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


Locator = Callable[[str], str]  # column -> "file:row N, column X"
Validator = Callable[[Connection, dict[str, Any], dict[str, Any]], list[tuple[str, str]]]
Applier = Callable[[Connection, Actor, dict[str, Any], dict[str, Any]], str]  # -> added|updated|unchanged


def import_records(store: Store, actor: Actor, *, register: str, permission: str, source: str,
                   records: Sequence[tuple[Locator, dict[str, Any], bool]], problems: list[str],
                   validate: Validator, apply: Applier, ignored_fields: Sequence[str] = ()) -> ImportResult:
    """Validate every record (all problems at once), then write them all in one
    transaction with an audit entry per changed record and one for the import."""
    require(actor, permission)
    name = PurePath(source).name
    if problems and not records:
        raise CSVError(name, problems)
    counts = {"added": 0, "updated": 0, "unchanged": 0}
    with store.transaction() as conn:
        ctx: dict[str, Any] = {}
        for loc, values, ok in records:
            if not ok:
                continue
            for column, problem in validate(conn, values, ctx):
                problems.append(f"{loc(column)}: {problem}")
        if problems:
            raise CSVError(name, sorted(problems, key=_row_of))
        ctx = {"importing": True}
        for _loc, values, _ok in records:
            counts[apply(conn, actor, values, ctx)] += 1
        audit.record(conn, actor, f"{register}.import", register, None,
                     after={"source": name, "rows": len(records), **counts})
    return ImportResult(register, name, len(records), counts["added"], counts["updated"], counts["unchanged"],
                        tuple(ignored_fields))


def _row_of(problem: str) -> int:
    m = re.search(r":(?:row|device) (\d+)", problem)
    return int(m.group(1)) if m else 0


def csv_records(rows: Sequence[CSVRow], source: str) -> list[tuple[Locator, dict[str, Any], bool]]:
    name = PurePath(source).name
    return [((lambda col, n=r.number: where(name, n, col)), r.values, r.ok) for r in rows]


def read_source(data: bytes | str | PurePath) -> bytes | str:
    """File contents: a path is read as bytes; text and bytes pass through."""
    if isinstance(data, PurePath):
        with open(data, "rb") as fh:
            return fh.read()
    return data


def export_audited(store: Store, actor: Actor, *, register: str, permission: str,
                   build: Callable[[Connection], str], rows: Callable[[str], int]) -> str:
    """A register export (personal data leaving the system) is a recorded event."""
    require(actor, permission)
    with store.transaction() as conn:
        text = build(conn)
        audit.record(conn, actor, f"{register}.export", register, None, after={"rows": rows(text)})
    return text


def count_csv_rows(text: str) -> int:
    import csv
    import io

    return max(0, sum(1 for _ in csv.reader(io.StringIO(text))) - 1)
