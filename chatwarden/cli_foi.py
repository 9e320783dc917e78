"""FOI commands: statistics with disclosure control, redaction, response drafts and the
request register.  Each is a thin shell over :mod:`chatwarden.foi.service`."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
import orjson

from chatwarden.cli import main, open_output, state

DATE = click.DateTime(formats=["%Y-%m-%d"])


def _d(value: datetime | None) -> date | None:
    return value.date() if value is not None else None


def _echo_json(obj: Any) -> None:
    sys.stdout.buffer.write(orjson.dumps(obj, default=str, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE))


def _write(out: str | None, data: bytes, fmt: str) -> None:
    if out in (None, "-") and fmt in ("xlsx", "pdf", "docx"):
        raise click.UsageError(f"--format {fmt} writes a binary file: give --out FILE")
    with open_output(out) as fh:
        fh.write(data)


@main.group("foi")
def foi() -> None:
    """Freedom of Information: statistics, redaction, response drafts, request register."""


# ---------------------------------------------------------------------------- stats
@foi.command("stats")
@click.option("--from-csv", "from_csv", type=click.Path(dir_okay=False, exists=True),
              help="Count from a CSV export of the misconduct register instead of the store.")
@click.option("--findings", is_flag=True, help="Count confirmed monitoring findings by year and category instead.")
@click.option("--since", type=DATE, help="First day counted (YYYY-MM-DD), e.g. 2017-01-01.")
@click.option("--until", type=DATE, help="Last day counted (YYYY-MM-DD).")
@click.option("--basis", type=click.Choice(["recorded", "decided"]), default="recorded", show_default=True,
              help="Place cases by the date recorded or the date of the outcome.")
@click.option("--financial-years", is_flag=True, help="Years from 1 April to 31 March.")
@click.option("--table", "tables", multiple=True, metavar="ROW[:COLUMN]",
              help="A table to make (repeatable; default: year:rank, year:category, year:platform, "
                   "year:outcome). Dimensions: year, rank, category, platform, outcome, standard, regime.")
@click.option("--population", "populations", multiple=True, type=click.Choice(["officers", "staff"]),
              help="Officers, staff or both (default both; always in separate tables).")
@click.option("--platform", "platforms", multiple=True, type=click.Choice(["whatsapp", "other-im", "social-media"]),
              help="Count only these platforms (repeatable).")
@click.option("--threshold", type=int, default=5, show_default=True,
              help="Counts from 1 to THRESHOLD-1 are withheld.")
@click.option("--marker", default="*", show_default=True, help="What a withheld count shows.")
@click.option("--round", "rounding", type=int, default=None, help="Round published counts to this base (e.g. 5).")
@click.option("--no-coarsen", is_flag=True, help="Do not merge small categories of axes used by one table only.")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "html", "pdf", "docx", "json"]), default="csv",
              show_default=True)
@click.option("--out", "-o", default=None, help="Write to this file (needed for xlsx, pdf, docx).")
@click.option("--report", "report_path", default=None,
              help="Write the suppression report for the case file here (.txt or .csv): it holds real counts.")
def foi_stats(from_csv: str | None, findings: bool, since: datetime | None, until: datetime | None, basis: str,
              financial_years: bool, tables: tuple[str, ...], populations: tuple[str, ...],
              platforms: tuple[str, ...], threshold: int, marker: str, rounding: int | None, no_coarsen: bool,
              fmt: str, out: str | None, report_path: str | None) -> None:
    """Counts of misconduct cases for an FOI response, with small numbers protected:
    coarsening, primary and secondary suppression, optional rounding.  Officers and staff
    are counted in separate tables."""
    from chatwarden.foi import service
    from chatwarden.foi.disclosure import DisclosureRules
    from chatwarden.foi.stats import DEFAULT_TABLES, StatsOptions, parse_table_specs

    st = state()
    rules = DisclosureRules(threshold=threshold, marker=marker, rounding=rounding, coarsen=not no_coarsen)
    if findings:
        if from_csv:
            raise click.UsageError("--findings counts the store's findings; it cannot be used with --from-csv")
        result = service.monitoring_statistics(st.store(create=False), st.actor, since=_d(since), until=_d(until),
                                               rules=rules)
    else:
        opts = StatsOptions(since=_d(since), until=_d(until), basis=basis, financial_years=financial_years,
                            tables=parse_table_specs(tables) if tables else DEFAULT_TABLES,
                            populations=populations or ("officers", "staff"), platforms=platforms)
        store = None if from_csv else st.store(create=False)
        result = service.misconduct_statistics(store, st.actor, options=opts, rules=rules, from_csv=from_csv)
    _write(out, service.export_statistics(st.actor, result, fmt), fmt)
    if report_path:
        files = service.disclosure_report(st.actor, result)
        Path(report_path).write_bytes(files["csv"] if report_path.lower().endswith(".csv") else files["txt"])
    if out not in (None, "-"):
        r = result.report
        click.echo(f"{out}: {len(result.all_tables())} table(s); {r.count('primary')} small count(s) withheld, "
                   f"{r.count('secondary')} more withheld to protect them, {r.count('coarsened')} merge(s), "
                   f"{r.count('withheld-table')} table(s) withheld", err=True)


# ---------------------------------------------------------------------------- redact
@foi.command("redact")
@click.argument("document", type=click.Path(dir_okay=False, exists=True))
@click.option("--directory", type=click.Path(dir_okay=False, exists=True),
              help="Staff directory CSV (name, grade) whose junior names are withheld.")
@click.option("--out", "out_dir", default=".", show_default=True, help="Folder for the release and the log.")
@click.option("--format", "formats", default="pdf,docx,txt", show_default=True,
              help="Release formats, comma-separated: pdf, docx, txt, md.")
@click.option("--officer-seniority", default="Inspector", show_default=True,
              help="Officers up to and including this rank are not named.")
@click.option("--staff-seniority", default="Band A", show_default=True,
              help="Staff at this band and below are not named.")
@click.option("--propose-only", is_flag=True,
              help="Write the proposals (log CSV with status 'proposed' and an internal review copy) and stop.")
@click.option("--decisions", type=click.Path(dir_okay=False, exists=True),
              help="An edited redaction log: status 'accepted' or 'overridden' for every proposal.")
@click.option("--log-with-text", is_flag=True, help="Put the redacted text in the log (an internal copy only).")
@click.option("--stem", default=None, help="File name stem for the outputs (default: the document's name).")
def foi_redact(document: str, directory: str | None, out_dir: str, formats: str, officer_seniority: str,
               staff_seniority: str, propose_only: bool, decisions: str | None, log_with_text: bool,
               stem: str | None) -> None:
    """Redact DOCUMENT (.txt, .md, .docx, .pdf) for release: e-mail addresses and telephone
    numbers (s31(1)(a)), junior staff names and members of the public's personal data
    (s40(2)).  The release is written from the redacted text, and checked: no redacted
    string can be copied out of it.  Without --decisions every proposal is accepted."""
    from chatwarden.foi import redact as rd
    from chatwarden.foi.ranks import Seniority
    from chatwarden.foi.service import write_release
    from chatwarden.permissions import require

    st = state()
    require(st.actor, "foi.use")
    src = rd.load_document(document)
    people = rd.load_directory(directory) if directory else []
    job = rd.propose(src, rd.Detector(people, Seniority.from_names(officer_seniority, staff_seniority)),
                     created_by=st.actor.name)
    name = stem or (Path(document).stem + "-redacted")
    out = Path(out_dir)
    if propose_only:
        out.mkdir(parents=True, exist_ok=True)
        (out / f"{name}.redaction-log.csv").write_text(rd.log_csv(job, with_text=log_with_text), encoding="utf-8")
        (out / f"{name}.review.txt").write_text(rd.review_preview(job), encoding="utf-8")
        click.echo(f"{len(job.redactions)} proposed redaction(s): {out / (name + '.redaction-log.csv')}; "
                   f"review copy (internal) {out / (name + '.review.txt')}")
        return
    if decisions:
        n = rd.apply_log_decisions(job, decisions, reviewer=st.actor.name)
        click.echo(f"{n} decision(s) read", err=True)
    fmts = [f.strip() for f in formats.split(",") if f.strip()]
    files = rd.release(job, fmts, accept_remaining=not decisions)
    paths = write_release(job, files, out, stem=name, with_text_log=log_with_text)
    c = job.counts()
    click.echo(f"{c['accepted']} redaction(s) applied, {c['overridden']} overridden; wrote "
               + ", ".join(str(p) for p in paths.values()))


# ---------------------------------------------------------------------------- draft
@foi.command("draft")
@click.option("--ref", default=None, help="Request reference; with a request in the register, fills the rest.")
@click.option("--request-file", type=click.Path(dir_okay=False, exists=True),
              help="The request text (when the request is not in the register).")
@click.option("--received", type=DATE, help="Date of receipt (when the request is not in the register).")
@click.option("--decision", type=click.Choice(["full", "part", "refuse", "cost", "ncnd", "not-held"]),
              default="full", show_default=True)
@click.option("--exemption", "exemptions", multiple=True,
              help="s31(1)(a), s31(1)(g), s40(2) (names), s40(2)-stats (small numbers), s12, ncnd (repeatable).")
@click.option("--search", "searches", multiple=True, help="Where searches were made (repeatable).")
@click.option("--disclose", "disclosures", multiple=True, help="A disclosed document (repeatable, in order).")
@click.option("--disclosure-note", default="", help="What was removed from the disclosed documents.")
@click.option("--stats-from-csv", type=click.Path(dir_okay=False, exists=True),
              help="Include protected statistics from this register CSV export.")
@click.option("--stats", "stats_store", is_flag=True, help="Include protected statistics from the store's register.")
@click.option("--since", type=DATE, help="Statistics: first day counted.")
@click.option("--until", type=DATE, help="Statistics: last day counted.")
@click.option("--requester", default="", help="Name for the salutation (default: Dear Requester).")
@click.option("--handler", default=None, help="Name of the officer signing the letter.")
@click.option("--clarified-on", type=DATE, help="Date the request was clarified with the requester.")
@click.option("--clarification", default="", help="What the requester explained.")
@click.option("--cost-hours", type=float, default=None, help="s12: estimated hours to comply.")
@click.option("--cost-detail", default="", help="s12: how the estimate was made.")
@click.option("--note", "point_of_note", default="", help="A point of note at the end.")
@click.option("--date", "response_date", type=DATE, help="Date of the response (default today).")
@click.option("--format", "fmt", type=click.Choice(["html", "docx", "pdf", "txt"]), default="html", show_default=True)
@click.option("--out", "-o", default=None, help="Write to this file (needed for docx and pdf).")
def foi_draft(ref: str | None, request_file: str | None, received: datetime | None, decision: str,
              exemptions: tuple[str, ...], searches: tuple[str, ...], disclosures: tuple[str, ...],
              disclosure_note: str, stats_from_csv: str | None, stats_store: bool, since: datetime | None,
              until: datetime | None, requester: str, handler: str | None, clarified_on: datetime | None,
              clarification: str, cost_hours: float | None, cost_detail: str, point_of_note: str,
              response_date: datetime | None, fmt: str, out: str | None) -> None:
    """Draft a response letter in the structure of the force's responses: the request,
    searches, decision and section 17 refusal notice, reasons for each exemption, the
    disclosure (with protected statistics), complaint rights."""
    from chatwarden.foi import service
    from chatwarden.foi.draft import DraftInput
    from chatwarden.foi.stats import StatsOptions

    st = state()
    stats = None
    if stats_from_csv or stats_store:
        opts = StatsOptions(since=_d(since), until=_d(until))
        stats = service.misconduct_statistics(None if stats_from_csv else st.store(create=False), st.actor,
                                              options=opts, from_csv=stats_from_csv)
    extra: dict[str, Any] = {
        "decision": decision, "requester": requester, "clarified_on": _d(clarified_on), "clarification": clarification,
        "disclosures": list(disclosures), "disclosure_note": disclosure_note, "cost_hours": cost_hours,
        "cost_detail": cost_detail, "point_of_note": point_of_note, "response_date": _d(response_date), "stats": stats,
    }
    if searches:
        extra["searches"] = list(searches)
    if handler is not None:
        extra["handler_name"] = handler
    store = None
    if request_file:
        if not (ref and received):
            raise click.UsageError("--request-file needs --ref and --received")
        text = Path(request_file).read_text(encoding="utf-8-sig")
        inp = DraftInput(ref=ref, received_on=_d(received), request_text=text, exemptions=list(exemptions),
                         **{k: v for k, v in extra.items() if v is not None})
    elif ref:
        store = st.store(create=False)
        inp = service.draft_input_for_request(store, st.actor, ref, **extra)
        if exemptions:
            inp.exemptions = list(exemptions)
    else:
        raise click.UsageError("give --ref of a registered request, or --request-file with --ref and --received")
    _write(out, service.draft_response(store, st.actor, inp, fmt), fmt)


# ---------------------------------------------------------------------------- requests
@foi.group("requests")
def foi_requests() -> None:
    """The FOI request register: due dates (20 working days), responses, overdue requests."""


_COLS = ["ref", "received_on", "due_on", "status", "working_days_left", "responded_on", "late", "subject"]


def _print_rows(rows: list[dict[str, Any]]) -> None:
    if not rows:
        click.echo("(none)")
        return
    shown = [{c: ("" if r.get(c) is None else str(r.get(c)))[:60] for c in _COLS} for r in rows]
    widths = {c: max(len(c), *(len(s[c]) for s in shown)) for c in _COLS}
    click.echo("  ".join(c.ljust(widths[c]) for c in _COLS).rstrip())
    for s in shown:
        click.echo("  ".join(s[c].ljust(widths[c]) for c in _COLS).rstrip())


@foi_requests.command("add")
@click.option("--received", type=DATE, required=True, help="Date of receipt (YYYY-MM-DD).")
@click.option("--subject", required=True, help="A short subject line.")
@click.option("--text", "text", default=None, help="The request as received.")
@click.option("--text-file", type=click.Path(dir_okay=False, exists=True), help="The request, from a file.")
@click.option("--ref", default=None, help="Reference (default FOI-YEAR-NNNNN).")
@click.option("--handler", default=None, help="Who handles it.")
@click.option("--json", "as_json", is_flag=True)
def req_add(received: datetime, subject: str, text: str | None, text_file: str | None, ref: str | None,
            handler: str | None, as_json: bool) -> None:
    """Register a request; the due date is the 20th working day after receipt (weekends and
    England and Wales bank holidays excluded)."""
    from chatwarden.foi import service

    if (text is None) == (text_file is None):
        raise click.UsageError("give the request as --text or --text-file")
    body = text if text is not None else Path(text_file).read_text(encoding="utf-8-sig")
    st = state()
    row = service.add_request(st.store(), st.actor, received_on=received.date(), subject=subject, request_text=body,
                              ref=ref, handler=handler)
    if as_json:
        _echo_json(row)
    else:
        click.echo(f"{row['ref']}: received {row['received_on']}, due {row['due_on']}")


@foi_requests.command("list")
@click.option("--status", type=click.Choice(["open", "responded", "withdrawn"]), default=None)
@click.option("--today", type=DATE, default=None, help="Count working days left from this date.")
@click.option("--json", "as_json", is_flag=True)
def req_list(status: str | None, today: datetime | None, as_json: bool) -> None:
    """The register, soonest due first."""
    from chatwarden.foi import service

    st = state()
    rows = service.list_requests(st.store(create=False), st.actor, status=status, today=_d(today))
    _echo_json(rows) if as_json else _print_rows(rows)


@foi_requests.command("show")
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True)
def req_show(ref: str, as_json: bool) -> None:
    """One request with its text."""
    from chatwarden.foi import service

    st = state()
    row = service.get_request(st.store(create=False), st.actor, ref)
    if as_json:
        _echo_json(row)
        return
    for k in ("ref", "subject", "status", "received_on", "due_on", "working_days_left", "responded_on",
              "working_days_taken", "late", "exemptions", "handler"):
        if k in row:
            v = row[k]
            click.echo(f"{k}: {', '.join(v) if isinstance(v, list) else ('' if v is None else v)}")
    click.echo("request:")
    for line in row["request_text"].splitlines():
        click.echo(f"  {line}")


@foi_requests.command("respond")
@click.argument("ref")
@click.option("--on", "on", type=DATE, required=True, help="Date the response was sent.")
@click.option("--exemption", "exemptions", multiple=True, help="An exemption applied (repeatable), e.g. s40(2).")
def req_respond(ref: str, on: datetime, exemptions: tuple[str, ...]) -> None:
    """Record the response to a request."""
    from chatwarden.foi import service

    st = state()
    row = service.respond_request(st.store(create=False), st.actor, ref, responded_on=on.date(),
                                  exemptions=exemptions)
    late = " (LATE)" if row["late"] else ""
    click.echo(f"{ref}: responded {row['responded_on']} after {row['working_days_taken']} working day(s){late}")


@foi_requests.command("withdraw")
@click.argument("ref")
@click.option("--reason", default="", help="Why (recorded in the audit trail).")
def req_withdraw(ref: str, reason: str) -> None:
    """Record that the requester withdrew a request."""
    from chatwarden.foi import service

    st = state()
    service.withdraw_request(st.store(create=False), st.actor, ref, reason=reason)
    click.echo(f"{ref}: withdrawn")


@foi_requests.command("clarify")
@click.argument("ref")
@click.option("--on", "on", type=DATE, required=True, help="Date the clarification was received.")
def req_clarify(ref: str, on: datetime) -> None:
    """Record a clarification (s1(3)): the 20 working days run again from it."""
    from chatwarden.foi import service

    st = state()
    row = service.clarify_request(st.store(create=False), st.actor, ref, clarified_on=on.date())
    click.echo(f"{ref}: now due {row['due_on']}")


@foi_requests.command("extend")
@click.argument("ref")
@click.option("--days", type=int, required=True, help="Further working days (at most 20).")
@click.option("--reason", required=True, help="Why the public interest test needs more time.")
def req_extend(ref: str, days: int, reason: str) -> None:
    """Extend the time for a public interest test (s10(3))."""
    from chatwarden.foi import service

    st = state()
    row = service.extend_request(st.store(create=False), st.actor, ref, working_days=days, reason=reason)
    click.echo(f"{ref}: now due {row['due_on']}")


@foi_requests.command("overdue")
@click.option("--today", type=DATE, default=None, help="As of this date (default today).")
@click.option("--within", type=int, default=0, show_default=True,
              help="Also list open requests due within this many working days.")
@click.option("--json", "as_json", is_flag=True)
def req_overdue(today: datetime | None, within: int, as_json: bool) -> None:
    """Open requests past their due date (exit code 1 when there are any)."""
    from chatwarden.foi import service

    st = state()
    rows = service.overdue_requests(st.store(create=False), st.actor, today=_d(today), within=within)
    _echo_json(rows) if as_json else _print_rows(rows)
    if any(r["overdue"] for r in rows):
        click.get_current_context().exit(1)
