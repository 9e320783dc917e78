"""Commands over the case store: import, rescan, review, case, evidence, audit, retention.
Each is a thin shell over a use-case function the web app calls too."""

from __future__ import annotations

import sys
from typing import Any

import click
import orjson

from chatwarden.cli import DATE_ORDER, POLICY_OPT, byte_progress, main, state


def _echo_json(obj: Any) -> None:
    sys.stdout.buffer.write(orjson.dumps(obj, default=str, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE))


def _table(rows: list[dict], cols: list[str]) -> None:
    if not rows:
        click.echo("(none)")
        return
    widths = {c: max(len(c), *(len(str(r.get(c, "")))[:60] if False else min(60, len(str(r.get(c, "")))) for r in rows)) for c in cols}
    click.echo("  ".join(c.ljust(widths[c]) for c in cols))
    for r in rows:
        click.echo("  ".join(str(r.get(c, "") if r.get(c) is not None else "")[:60].ljust(widths[c]) for c in cols))


@main.command("import")
@click.argument("exports", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--device", default=None, help="Device the export came from (chain of custody), e.g. an MDM id.")
@click.option("--account", default=None, help="Account/number the export came from (chain of custody).")
@click.option("--owner", default=None, help="Exporting account, to tell apart chats with the same name.")
@click.option("--date-order", type=DATE_ORDER, default=None, help="Day/month order when the file cannot decide it.")
@click.option("--encoding", default=None, help="Text encoding of the transcript (default: detected).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@POLICY_OPT
def import_cmd(exports: tuple[str, ...], device: str | None, account: str | None, owner: str | None,
               date_order: str | None, encoding: str | None, as_json: bool, policy_dir: str | None) -> None:
    """Import EXPORTS into the store: parse, detect, evaluate and store each in one
    transaction with its audit entry.  Re-importing an export changes nothing; an
    overlapping later export of a chat adds only the new messages."""
    from chatwarden.analysis import Analyzer
    from chatwarden.importer import import_export

    st = state()
    store = st.store()
    analyzer = Analyzer.default(policy_dir or st.settings.policy_dir or None).settle()
    results = []
    for path in exports:
        with byte_progress(path, f"importing {path}", passes=4) as progress:
            r = import_export(store, analyzer, path, actor=st.actor, device=device, account=account, owner=owner,
                              date_order=date_order, encoding=encoding, progress=progress)
        results.append(r)
        if not as_json:
            if r.status == "already-imported":
                click.echo(f"{path}: already imported (export {r.export_id}, chat {r.chat_id}); nothing changed")
            else:
                click.echo(f"{path}: chat {r.chat_id}, export {r.export_id}: {r.messages} messages, "
                           f"{r.new_messages} new, {r.findings_new} new findings (policy {r.policy_version[:12]})")
    if as_json:
        _echo_json([r.__dict__ for r in results])


@main.command("rescan")
@click.argument("chat_id", type=int)
@POLICY_OPT
def rescan_cmd(chat_id: int, policy_dir: str | None) -> None:
    """Re-evaluate a stored chat with the current detectors and policy; findings of the new
    policy version are recorded beside the earlier ones."""
    from chatwarden.analysis import Analyzer
    from chatwarden.importer import rescan_chat

    st = state()
    r = rescan_chat(st.store(create=False), Analyzer.default(policy_dir or st.settings.policy_dir or None), chat_id,
                    actor=st.actor)
    click.echo(f"chat {chat_id}: {r['messages']} messages re-evaluated, {r['findings_new']} new findings "
               f"(policy {r['policy_version'][:12]})")


# ------------------------------------------------------------------------------------ review
@main.group("review")
def review_group() -> None:
    """The review queue: list findings, show one in context, confirm, dismiss, escalate."""


@review_group.command("list")
@click.option("--status", default="open", show_default=True,
              type=click.Choice(["open", "confirmed", "dismissed", "escalated", "pending-second", "all"]))
@click.option("--category", default=None)
@click.option("--severity", default=None, type=click.Choice(["low", "medium", "high", "critical"]))
@click.option("--chat", "chat_id", type=int, default=None)
@click.option("--person", default=None, help="Findings on messages from this sender (or about this participant).")
@click.option("--rule", default=None)
@click.option("--after", "after_id", type=int, default=None, help="Continue after this finding id (paging).")
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def review_list(status: str, category, severity, chat_id, person, rule, after_id, limit, as_json) -> None:
    """A page of the review queue, most severe first."""
    from chatwarden.cases.review import review_queue

    st = state()
    rows = review_queue(st.store(create=False), st.actor, status=None if status == "all" else status,
                        category=category, severity=severity, chat_id=chat_id, person=person, rule=rule,
                        after_id=after_id, limit=limit)
    if as_json:
        _echo_json(rows)
    else:
        _table(rows, ["id", "severity", "category", "rule", "status", "chat_name", "sender", "timestamp"])


@review_group.command("show")
@click.argument("finding_id", type=int)
@click.option("--context", type=int, default=5, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def review_show(finding_id: int, context: int, as_json: bool) -> None:
    """A finding with the conversation around it (this read is audited)."""
    from chatwarden.cases.review import finding_detail

    st = state()
    f = finding_detail(st.store(create=False), st.actor, finding_id, context=context)
    if as_json:
        _echo_json(f)
        return
    click.echo(f"finding {f['id']}: {f['title']} [{f['rule']}, {f['category']}, {f['severity']}] status {f['status']}")
    click.echo(f"guidance: {f['citation'].get('document')} — {f['citation'].get('section')}")
    click.echo(f"action: {f['action']}")
    click.echo(f"why: {f['explanation']}")
    for m in f["thread"]:
        mark = ">>" if m["id"] == f["message_id"] else "  "
        click.echo(f"{mark} {m['timestamp']} {m['sender'] or m['kind']}: {m['text']}")
    for r in f["reviews"]:
        click.echo(f"   {r['at']} {r['actor_name']} {r['action']}: {r['reason'] or ''}")


@review_group.command("confirm")
@click.argument("finding_id", type=int)
@click.option("--note", default=None)
def review_confirm(finding_id: int, note: str | None) -> None:
    """Confirm a finding as a breach."""
    from chatwarden.cases.review import confirm

    st = state()
    click.echo(f"finding {finding_id}: {confirm(st.store(create=False), st.actor, finding_id, note)}")


@review_group.command("dismiss")
@click.argument("finding_id", type=int)
@click.option("--reason", required=True, help="Why this is not a breach (required).")
def review_dismiss(finding_id: int, reason: str) -> None:
    """Dismiss a finding; high and critical ones then need a second reviewer's approval."""
    from chatwarden.cases.review import dismiss

    st = state()
    status = dismiss(st.store(create=False), st.actor, finding_id, reason,
                     four_eyes=st.settings.four_eyes_severities)
    click.echo(f"finding {finding_id}: {status}")


@review_group.command("approve")
@click.argument("finding_id", type=int)
@click.option("--note", default=None)
def review_approve(finding_id: int, note: str | None) -> None:
    """Second approval of a dismissal (four-eyes); must be a different reviewer."""
    from chatwarden.cases.review import approve_dismissal

    st = state()
    click.echo(f"finding {finding_id}: {approve_dismissal(st.store(create=False), st.actor, finding_id, note)}")


@review_group.command("reject")
@click.argument("finding_id", type=int)
@click.option("--reason", required=True)
def review_reject(finding_id: int, reason: str) -> None:
    """Reject a pending dismissal: the finding goes back to the queue."""
    from chatwarden.cases.review import reject_dismissal

    st = state()
    click.echo(f"finding {finding_id}: {reject_dismissal(st.store(create=False), st.actor, finding_id, reason)}")


@review_group.command("escalate")
@click.argument("finding_id", type=int)
@click.option("--kind", required=True, type=click.Choice(["misconduct-referral", "data-protection-incident",
                                                          "supervisor-advice"]))
@click.option("--assignee", required=True, help="Who takes the case.")
@click.option("--reason", required=True)
@click.option("--case", "case_id", type=int, default=None, help="Add to this existing case instead of a new one.")
def review_escalate(finding_id: int, kind: str, assignee: str, reason: str, case_id: int | None) -> None:
    """Escalate a finding to a case."""
    from chatwarden.cases.review import escalate

    st = state()
    cid = escalate(st.store(create=False), st.actor, finding_id, kind=kind, assignee=assignee, reason=reason,
                   case_id=case_id)
    click.echo(f"finding {finding_id}: escalated to case {cid}")


# -------------------------------------------------------------------------------------- case
@main.group("case")
def case_group() -> None:
    """Cases: open, list, show (timeline), assign, note, hold, close."""


@case_group.command("open")
@click.option("--kind", required=True, type=click.Choice(["misconduct-referral", "data-protection-incident",
                                                          "supervisor-advice"]))
@click.option("--title", required=True)
@click.option("--assignee", default=None)
@click.option("--finding", "finding_ids", type=int, multiple=True, help="Finding to link (repeatable).")
def case_open(kind: str, title: str, assignee: str | None, finding_ids: tuple[int, ...]) -> None:
    from chatwarden.cases.casework import open_case

    st = state()
    cid = open_case(st.store(create=False), st.actor, kind=kind, title=title, assignee=assignee,
                    finding_ids=list(finding_ids))
    click.echo(f"case {cid} opened")


@case_group.command("list")
@click.option("--status", default=None, type=click.Choice(["open", "closed"]))
@click.option("--json", "as_json", is_flag=True)
def case_list(status: str | None, as_json: bool) -> None:
    from chatwarden.cases.casework import list_cases

    st = state()
    rows = list_cases(st.store(create=False), st.actor, status=status)
    if as_json:
        _echo_json(rows)
    else:
        _table(rows, ["id", "ref", "kind", "status", "assignee", "legal_hold", "opened_at", "title"])


@case_group.command("show")
@click.argument("case_id", type=int)
@click.option("--json", "as_json", is_flag=True)
def case_show(case_id: int, as_json: bool) -> None:
    from chatwarden.cases.casework import get_case

    st = state()
    c = get_case(st.store(create=False), st.actor, case_id)
    if as_json:
        _echo_json(c)
        return
    click.echo(f"{c['ref']} [{c['kind']}] {c['title']} — {c['status']}, assignee {c['assignee']}, "
               f"hold {'yes' if c['legal_hold'] else 'no'}")
    for f in c["findings"]:
        click.echo(f"  finding {f['id']}: {f['rule']} ({f['severity']}) {f['status']}")
    for p in c["packages"]:
        click.echo(f"  evidence package {p['id']}: {p['path']}")
    for t in c["timeline"]:
        click.echo(f"  {t['at']} {t['actor_name']}: {t['action']} {t['subject_type']} {t['subject_id'] or ''}")


@case_group.command("assign")
@click.argument("case_id", type=int)
@click.argument("assignee")
@click.option("--reason", default=None)
def case_assign(case_id: int, assignee: str, reason: str | None) -> None:
    from chatwarden.cases.casework import assign

    st = state()
    assign(st.store(create=False), st.actor, case_id, assignee, reason)
    click.echo(f"case {case_id} assigned")


@case_group.command("note")
@click.argument("case_id", type=int)
@click.argument("text")
def case_note(case_id: int, text: str) -> None:
    from chatwarden.cases.casework import add_note

    st = state()
    add_note(st.store(create=False), st.actor, case_id, text)
    click.echo(f"note added to case {case_id}")


@case_group.command("hold")
@click.argument("case_id", type=int)
@click.option("--release", is_flag=True, help="Lift the hold instead of placing it.")
@click.option("--reason", required=True)
def case_hold(case_id: int, release: bool, reason: str) -> None:
    """Place (or lift) a legal hold: nothing linked to the case is disposed of."""
    from chatwarden.cases.casework import set_hold

    st = state()
    set_hold(st.store(create=False), st.actor, case_id, not release, reason)
    click.echo(f"case {case_id}: hold {'lifted' if release else 'placed'}")


@case_group.command("close")
@click.argument("case_id", type=int)
@click.option("--outcome", required=True)
def case_close(case_id: int, outcome: str) -> None:
    from chatwarden.cases.casework import close_case

    st = state()
    close_case(st.store(create=False), st.actor, case_id, outcome)
    click.echo(f"case {case_id} closed")


# ---------------------------------------------------------------------------------- evidence
@main.group("evidence")
def evidence_group() -> None:
    """Evidence packages (Annex 1): build, record hand-offs, list what is outstanding, verify."""


@evidence_group.command("build")
@click.argument("case_id", type=int)
@click.option("--out", "out_dir", default=None, help="Folder for the package (default: <data-dir>/evidence/<case>).")
def evidence_build(case_id: int, out_dir: str | None) -> None:
    """Build an evidence package for every export behind the case's findings."""
    from chatwarden.cases.evidence import build_for_case

    st = state()
    for p in build_for_case(st.store(create=False), st.actor, case_id, out_dir=out_dir):
        click.echo(f"package {p['id']}: {p['path']} (manifest sha256 {p['manifest_sha256']})")


@evidence_group.command("handoff")
@click.argument("package_id", type=int)
@click.argument("stage", type=click.Choice(["uploaded", "recorded", "supervisor-informed"]))
@click.argument("reference")
def evidence_handoff(package_id: int, stage: str, reference: str) -> None:
    """Record a hand-off: uploaded (evidence-system id), recorded (records-system number),
    supervisor-informed (the supervisor's name)."""
    from chatwarden.cases.evidence import record_handoff

    st = state()
    record_handoff(st.store(create=False), st.actor, package_id, stage, reference)
    click.echo(f"package {package_id}: {stage} recorded")


@evidence_group.command("outstanding")
@click.option("--json", "as_json", is_flag=True)
def evidence_outstanding(as_json: bool) -> None:
    """Packages whose hand-offs are not all done."""
    from chatwarden.cases.evidence import outstanding

    st = state()
    rows = outstanding(st.store(create=False), st.actor)
    if as_json:
        _echo_json(rows)
    else:
        for r in rows:
            click.echo(f"package {r['package_id']} ({r['case_ref']}): still to do: {', '.join(r['missing'])}")
        if not rows:
            click.echo("nothing outstanding")


@evidence_group.command("verify")
@click.argument("package", required=False, type=click.Path(exists=True))
@click.option("--id", "package_id", type=int, default=None,
              help="Verify the stored package with this id, against the manifest digest the store kept.")
@click.option("--manifest-sha256", default=None, help="The manifest digest recorded when the package was built.")
def evidence_verify(package: str | None, package_id: int | None, manifest_sha256: str | None) -> None:
    """Re-check every hash in an evidence package (folder or .zip).  Exit code 5 if any
    file was altered, added or removed; the first bad file is named.  With --id (or
    --manifest-sha256) a package rebuilt with a forged manifest is caught too."""
    from chatwarden.evidence import verify_package

    if package_id is not None:
        from sqlalchemy import select

        from chatwarden.store.tables import evidence_packages

        st = state()
        with st.store(create=False).read() as conn:
            row = conn.execute(select(evidence_packages).where(evidence_packages.c.id == package_id)).mappings().first()
        if row is None:
            raise click.ClickException(f"evidence package {package_id} not found")
        package, manifest_sha256 = row["path"], row["manifest_sha256"]
    if package is None:
        raise click.UsageError("give a PACKAGE path or --id")
    r = verify_package(package, expected_manifest_sha256=manifest_sha256)
    if r.ok:
        click.echo(f"OK: {r.checked} files verified; manifest sha256 {r.manifest_sha256}")
        return
    click.echo(f"FAILED: first bad file: {r.first_bad}", err=True)
    for p in r.problems:
        click.echo(f"  {p}", err=True)
    sys.exit(5)


# ------------------------------------------------------------------------------------- audit
@main.group("audit")
def audit_group() -> None:
    """The audit trail: verify the hash chain, list entries."""


@audit_group.command("verify")
def audit_verify() -> None:
    """Recompute the hash chain; exit code 5 and the first bad entry if anything was
    altered, removed or reordered."""
    from chatwarden.store import audit

    st = state()
    with st.store(create=False).read() as conn:
        r = audit.verify(conn)
    if r.ok:
        click.echo(f"OK: {r.entries} audit entries, chain intact")
        return
    click.echo(f"FAILED at entry {r.first_bad_id}: {r.problem}", err=True)
    sys.exit(5)


@audit_group.command("list")
@click.option("--actor", default=None)
@click.option("--action", default=None)
@click.option("--subject", default=None, help="TYPE or TYPE:ID, e.g. finding:12")
@click.option("--limit", type=int, default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True)
def audit_list(actor: str | None, action: str | None, subject: str | None, limit: int, as_json: bool) -> None:
    from chatwarden.audit_view import list_entries

    st = state()
    rows = list_entries(st.store(create=False), st.actor, actor_filter=actor, action=action, subject=subject,
                        limit=limit)
    if as_json:
        _echo_json(rows)
    else:
        _table(rows, ["id", "at", "actor_name", "action", "subject_type", "subject_id"])


# ---------------------------------------------------------------------------------- retention
@main.command("retention")
@click.option("--dry-run", is_flag=True, help="Show what would be disposed of, change nothing.")
def retention_cmd(dry_run: bool) -> None:
    """Dispose of messages past the disappearing-message period plus grace, and evidence
    packages past their retention; legal holds and live findings keep material."""
    from chatwarden.cases.retention import run

    st = state()
    r = run(st.store(create=False), st.actor, dry_run=dry_run)
    verb = "would dispose of" if dry_run else "disposed of"
    click.echo(f"{verb} {r['messages']} messages and {r['packages']} evidence packages; "
               f"{r['held_messages']} messages kept under legal hold (cut-off {r['cutoff']})")
