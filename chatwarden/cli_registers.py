"""Commands over the governance registers: ``apps``, ``devices``, ``groups``, ``incidents``,
``misconduct`` and ``registers`` (all of them at once).  Each command is a thin shell over a
use-case function in :mod:`chatwarden.registers` that the web app calls too.

Options that set a register field take text, read exactly as the same column of the
register's CSV file is (dates as ``YYYY-MM-DD`` or ``DD/MM/YYYY``; times as London time
``YYYY-MM-DD HH:MM`` or ISO 8601 with an offset; lists separated by ``;``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click
import orjson

from chatwarden.cli import main, open_output, state

FORMATS = click.Choice(["text", "json", "csv"])


# ------------------------------------------------------------------------------ helpers
class _DateType(click.ParamType):
    name = "DATE"

    def convert(self, value: Any, param: Any, ctx: Any) -> date:
        if isinstance(value, date):
            return value
        from chatwarden.registers.clocks import parse_date

        try:
            return parse_date(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


class _DateTimeType(click.ParamType):
    name = "TIME"

    def convert(self, value: Any, param: Any, ctx: Any) -> datetime:
        if isinstance(value, datetime):
            return value
        from chatwarden.registers.clocks import parse_datetime

        try:
            return parse_datetime(value)
        except ValueError as exc:
            self.fail(str(exc), param, ctx)


DATE = _DateType()
DATETIME = _DateTimeType()


def _echo_json(obj: Any) -> None:
    sys.stdout.buffer.write(orjson.dumps(obj, default=_default, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE
                                         | orjson.OPT_NON_STR_KEYS))


def _default(obj: Any) -> Any:
    if hasattr(obj, "to_dict"):
        return obj.to_dict()
    return str(obj)


def _cell(value: Any) -> str:
    from chatwarden.registers import clocks

    if value is None:
        return ""
    if isinstance(value, datetime):
        return clocks.show(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return "; ".join(_cell(v) for v in value)
    return str(value)


def _table(rows: list[Mapping[str, Any]], cols: list[str], width: int = 40) -> None:
    if not rows:
        click.echo("(none)")
        return
    texts = [[_cell(r.get(c))[:width].replace("\n", " ") for c in cols] for r in rows]
    widths = [max(len(c), *(len(t[i]) for t in texts)) for i, c in enumerate(cols)]
    click.echo("  ".join(c.ljust(w) for c, w in zip(cols, widths)).rstrip())
    for t in texts:
        click.echo("  ".join(v.ljust(w) for v, w in zip(t, widths)).rstrip())


def _record(row: Mapping[str, Any], as_json: bool) -> None:
    if as_json:
        _echo_json(row)
        return
    for k, v in row.items():
        if isinstance(v, Mapping):
            continue
        click.echo(f"{k:22} {_cell(v)}")


def _findings_text(items: Iterable[Any], heading: str | None = None) -> None:
    items = [f.to_dict() if hasattr(f, "to_dict") else f for f in items]
    if heading:
        click.echo(f"== {heading} ({len(items)})")
    if not items:
        click.echo("   no findings")
    for f in items:
        where = f" ({f['unit']})" if f.get("unit") else ""
        click.echo(f"[{f['severity'].upper()}] {f['check']}: {f['subject']}{where}")
        click.echo(f"    {f['detail']}")
        click.echo(f"    rule: {f['rule']}")
        click.echo(f"    action: {f['action']}")


def _findings_csv(items: Iterable[Any]) -> str:
    import csv
    import io

    from chatwarden.registers.csvio import guard

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    cols = ["check", "severity", "subject", "unit", "title", "detail", "rule", "action"]
    w.writerow(cols)
    for f in items:
        d = f.to_dict() if hasattr(f, "to_dict") else f
        w.writerow([guard(_cell(d.get(c))) for c in cols])
    return buf.getvalue()


def _emit_findings(items: list[Any], fmt: str, heading: str | None = None) -> None:
    if fmt == "json":
        _echo_json(items)
    elif fmt == "csv":
        click.echo(_findings_csv(items), nl=False)
    else:
        _findings_text(items, heading)


def _field_options(schema: Any, exclude: Iterable[str] = ()) -> Callable[[Callable], Callable]:
    """One ``--field-name TEXT`` option per register field (text, parsed like the CSV)."""
    skip = set(exclude)

    def deco(fn: Callable) -> Callable:
        for f in reversed(schema.fields):
            if f.name in skip:
                continue
            help_text = f.help or f.name.replace("_", " ")
            if f.choices:
                help_text += " [" + "|".join(f.choices) + "]"
            fn = click.option("--" + f.name.replace("_", "-"), f.name, default=None, help=help_text)(fn)
        return fn

    return deco


def _given(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def _read(path: str) -> bytes:
    return Path(path).read_bytes()


def _import_result(r: Any) -> None:
    click.echo(f"{r.source}: {r.rows} rows: {r.added} added, {r.updated} updated, {r.unchanged} unchanged")
    if r.ignored_fields:
        click.echo(f"  ignored fields: {', '.join(r.ignored_fields)}")


def _write(text: str, out: str | None) -> None:
    with open_output(out) as fh:
        fh.write(text.encode("utf-8"))
    if out and out != "-":
        click.echo(f"written {out}", err=True)


OUT_OPT = click.option("-o", "--out", default=None, help="Write to this file (default: standard output).")
JSON_OPT = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
ON_OPT = click.option("--on", "on", type=DATE, default=None, help="Judge as on this date (default: today, London).")


def _ctx() -> tuple[Any, Any]:
    st = state()
    return st.store(), st.actor


# ----------------------------------------------------------------------------------- apps
@main.group("apps")
def apps_group() -> None:
    """Approved apps: MAAM approvals and local authorisations (003, FAQ 9)."""


def _apps_schema() -> Any:
    from chatwarden.registers.apps import SCHEMA

    return SCHEMA


@apps_group.command("add")
@_field_options(_apps_schema())
@JSON_OPT
def apps_add(as_json: bool, **fields: Any) -> None:
    """Record a corporate approval or a local authorisation."""
    from chatwarden.registers import apps

    store, actor = _ctx()
    row = apps.add_app(store, actor, _given(fields))
    _record(row, as_json) if as_json else click.echo(f"approved app {row['id']}: {row['app']} ({row['kind']})")


@apps_group.command("update")
@click.argument("app_id", type=int)
@_field_options(_apps_schema())
@JSON_OPT
def apps_update(app_id: int, as_json: bool, **fields: Any) -> None:
    """Change fields of entry APP_ID."""
    from chatwarden.registers import apps

    store, actor = _ctx()
    _record(apps.update_app(store, actor, app_id, _given(fields)), as_json)


@apps_group.command("revoke")
@click.argument("app_id", type=int)
@click.option("--reason", required=True, help="Why (kept in the audit trail).")
def apps_revoke(app_id: int, reason: str) -> None:
    """Withdraw an approval or authorisation."""
    from chatwarden.registers import apps

    store, actor = _ctx()
    apps.revoke_app(store, actor, app_id, reason)
    click.echo(f"approved app {app_id}: revoked")


@apps_group.command("list")
@click.option("--app", default=None)
@click.option("--kind", type=click.Choice(["corporate", "local"]), default=None)
@click.option("--unit", default=None)
@click.option("--status", "state_", type=click.Choice(["current", "expired", "not-started", "revoked"]), default=None)
@ON_OPT
@JSON_OPT
def apps_list(app: str | None, kind: str | None, unit: str | None, state_: str | None, on: date | None,
              as_json: bool) -> None:
    """The register with each entry's status."""
    from chatwarden.registers import apps

    store, actor = _ctx()
    rows = apps.list_apps(store, actor, app=app, kind=kind, unit=unit, state=state_, on=on)
    if as_json:
        _echo_json(rows)
    else:
        _table(rows, ["id", "app", "kind", "unit", "approver_role", "start_date", "expiry_date", "status"])


@apps_group.command("show")
@click.argument("app_id", type=int)
@JSON_OPT
def apps_show(app_id: int, as_json: bool) -> None:
    """Entry APP_ID with its status today."""
    from chatwarden.registers import apps

    store, actor = _ctx()
    _record(apps.get_app(store, actor, app_id), as_json)


@apps_group.command("import-csv")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def apps_import(file: str) -> None:
    """Import FILE (all rows or none)."""
    from chatwarden.registers import apps

    store, actor = _ctx()
    _import_result(apps.import_csv(store, actor, _read(file), file))


@apps_group.command("export-csv")
@OUT_OPT
def apps_export(out: str | None) -> None:
    """The register as CSV (formula-guarded; importable again)."""
    from chatwarden.registers import apps

    store, actor = _ctx()
    _write(apps.export_csv(store, actor), out)


@apps_group.command("expiring")
@click.option("--days", type=int, default=30, show_default=True)
@ON_OPT
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
def apps_expiring(days: int, on: date | None, fmt: str) -> None:
    """Approvals and authorisations that expire within DAYS days, soonest first."""
    from chatwarden.registers import apps

    store, actor = _ctx()
    rows = apps.expiring(store, actor, days=days, on=on)
    if fmt == "text":
        _table(rows, ["id", "app", "kind", "unit", "approver", "expiry_date", "days_left"])
    else:
        _emit_findings([r["finding"] for r in rows], fmt)


@apps_group.command("check")
@ON_OPT
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
def apps_check(on: date | None, fmt: str) -> None:
    """Flag stored exports from apps without a current approval, and local authorisations
    without a corporate approval."""
    from chatwarden.registers import apps

    store, actor = _ctx()
    items = apps.check_register(store, actor, on=on) + apps.check_exports(store, actor)
    _emit_findings(items, fmt, "approved apps")


# -------------------------------------------------------------------------------- devices
@main.group("devices")
def devices_group() -> None:
    """Device inventory and the set-up audit (004, Set Up and Configuration)."""


def _devices_schema() -> Any:
    from chatwarden.registers.devices import SCHEMA

    return SCHEMA


def _device_key(key: str) -> int | str:
    return int(key) if key.isdigit() and len(key) < 12 else key


@devices_group.command("add")
@_field_options(_devices_schema())
@JSON_OPT
def devices_add(as_json: bool, **fields: Any) -> None:
    """Record a device (issued or personal) and what is known of its WhatsApp set-up."""
    from chatwarden.registers import devices

    store, actor = _ctx()
    row = devices.add_device(store, actor, _given(fields))
    _record(row, as_json) if as_json else click.echo(f"device record {row['id']} added")


@devices_group.command("update")
@click.argument("device")
@_field_options(_devices_schema())
@JSON_OPT
def devices_update(device: str, as_json: bool, **fields: Any) -> None:
    """Change the record of DEVICE (register id or device id)."""
    from chatwarden.registers import devices

    store, actor = _ctx()
    _record(devices.update_device(store, actor, _device_key(device), _given(fields)), as_json)


@devices_group.command("list")
@click.option("--unit", default=None)
@click.option("--person", default=None)
@click.option("--issued/--personal", "issued", default=None, help="Only issued (or only personal) devices.")
@JSON_OPT
def devices_list(unit: str | None, person: str | None, issued: bool | None, as_json: bool) -> None:
    """The inventory, by unit and person."""
    from chatwarden.registers import devices

    store, actor = _ctx()
    rows = devices.list_devices(store, actor, unit=unit, person=person, issued=issued)
    if as_json:
        _echo_json(rows)
    else:
        _table(rows, ["id", "device_id", "issued", "person", "rank_role", "unit", "wa_profile_name"])


@devices_group.command("show")
@click.argument("device")
@JSON_OPT
def devices_show(device: str, as_json: bool) -> None:
    """The record of DEVICE (register id or device id)."""
    from chatwarden.registers import devices

    store, actor = _ctx()
    _record(devices.get_device(store, actor, _device_key(device)), as_json)


@devices_group.command("import-csv")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def devices_import(file: str) -> None:
    """Import an inventory CSV (all rows or none)."""
    from chatwarden.registers import devices

    store, actor = _ctx()
    _import_result(devices.import_csv(store, actor, _read(file), file))


@devices_group.command("import-json")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def devices_import_json(file: str) -> None:
    """Import an MDM-style JSON export (all devices or none)."""
    from chatwarden.registers import devices

    store, actor = _ctx()
    _import_result(devices.import_json(store, actor, _read(file), file))


@devices_group.command("export-csv")
@OUT_OPT
def devices_export(out: str | None) -> None:
    """The inventory as CSV (formula-guarded; importable again)."""
    from chatwarden.registers import devices

    store, actor = _ctx()
    _write(devices.export_csv(store, actor), out)


@devices_group.command("photo-hash")
@click.argument("image", type=click.Path(exists=True, dir_okay=False))
def devices_photo_hash(image: str) -> None:
    """Print the perceptual hash (dHash) of IMAGE, as the inventory's wa_photo_hash holds it."""
    from chatwarden.registers.crest import dhash

    click.echo(dhash(image))


@devices_group.command("audit")
@click.option("--crest", "crest_image", type=click.Path(exists=True, dir_okay=False), default=None,
              help="The crest image profile photos are compared with.")
@click.option("--threshold", type=click.IntRange(0, 64), default=None,
              help="Most hash bits (of 64) a photo may differ from the crest by (default 10).")
@click.option("--unit", default=None, help="Only this unit's devices.")
@ON_OPT
@click.option("--no-exports", is_flag=True, help="Do not use what stored exports show.")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@OUT_OPT
def devices_audit(crest_image: str | None, threshold: int | None, unit: str | None, on: date | None,
                  no_exports: bool, fmt: str, out: str | None) -> None:
    """Check every device against the set-up rules: per unit, per person, per device."""
    from chatwarden.registers import crest, devices

    store, actor = _ctx()
    report = devices.audit_devices(store, actor, crest_image=crest_image, unit=unit, on=on,
                                   threshold=crest.DEFAULT_THRESHOLD if threshold is None else threshold,
                                   use_exports=not no_exports)
    if fmt == "json":
        _write(orjson.dumps(report.to_dict(), default=_default, option=orjson.OPT_INDENT_2).decode() + "\n", out)
        return
    if fmt == "csv":
        _write(report.to_csv(), out)
        return
    click.echo(f"device set-up audit on {report.on:%d/%m/%Y}: {len(report.devices)} devices"
               + ("" if report.crest_checked else " (crest not checked: give --crest)"))
    click.echo("\n== per unit")
    _table([u.to_dict() | {"gaps": ", ".join(f"{k} {v}" for k, v in u.gaps.items())} for u in report.units],
           ["unit", "devices", "people", "compliant_devices", "personal_devices", "gaps"], width=90)
    click.echo("\n== per person")
    _table([p.to_dict() for p in report.people], ["person", "staff_number", "units", "devices", "findings", "checks"],
           width=70)
    click.echo("")
    _findings_text(report.findings, "findings")


# --------------------------------------------------------------------------------- groups
@main.group("groups")
def groups_group() -> None:
    """Groups, members and consent, reconciled with exports (004, Set Up 2 and 3)."""


def _groups_schema() -> Any:
    from chatwarden.registers.groups import SCHEMA

    return SCHEMA


def _members_schema() -> Any:
    from chatwarden.registers.groups import MEMBER_SCHEMA

    return MEMBER_SCHEMA


def _group_key(key: str) -> int | str:
    return int(key) if key.isdigit() else key


@groups_group.command("add")
@_field_options(_groups_schema())
@JSON_OPT
def groups_add(as_json: bool, **fields: Any) -> None:
    """Register a group: name, purpose, owner, admins (';'-separated)."""
    from chatwarden.registers import groups

    store, actor = _ctx()
    row = groups.add_group(store, actor, _given(fields))
    _record(row, as_json) if as_json else click.echo(f"group {row['id']} added")


@groups_group.command("update")
@click.argument("group")
@_field_options(_groups_schema())
@JSON_OPT
def groups_update(group: str, as_json: bool, **fields: Any) -> None:
    """Change GROUP (id or name)."""
    from chatwarden.registers import groups

    store, actor = _ctx()
    _record(groups.update_group(store, actor, _group_key(group), _given(fields)), as_json)


@groups_group.command("list")
@JSON_OPT
def groups_list(as_json: bool) -> None:
    """Groups with member counts: current, without consent, leavers."""
    from chatwarden.registers import groups

    store, actor = _ctx()
    rows = groups.list_groups(store, actor)
    if as_json:
        _echo_json(rows)
    else:
        _table(rows, ["id", "name", "owner", "chat_id", "members", "without_consent", "leavers", "last_validated_at"])


@groups_group.command("show")
@click.argument("group")
@JSON_OPT
def groups_show(group: str, as_json: bool) -> None:
    """A group with its members."""
    from chatwarden.registers import groups

    store, actor = _ctx()
    g = groups.get_group(store, actor, _group_key(group))
    if as_json:
        _echo_json(g)
        return
    _record({k: v for k, v in g.items() if k != "members"}, False)
    click.echo("")
    _table(g["members"], ["id", "name", "role", "phone", "consent_date", "consent_ref", "left_on", "leaver"])


@groups_group.command("import-csv")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def groups_import(file: str) -> None:
    """Import groups (all rows or none); members come from `groups members import-csv`."""
    from chatwarden.registers import groups

    store, actor = _ctx()
    _import_result(groups.import_csv(store, actor, _read(file), file))


@groups_group.command("export-csv")
@OUT_OPT
def groups_export(out: str | None) -> None:
    """The groups as CSV (formula-guarded; importable again)."""
    from chatwarden.registers import groups

    store, actor = _ctx()
    _write(groups.export_csv(store, actor), out)


@groups_group.command("link")
@click.argument("group")
@click.argument("chat_id", type=int)
def groups_link(group: str, chat_id: int) -> None:
    """Say that GROUP is the stored chat CHAT_ID (otherwise matched by name)."""
    from chatwarden.registers import groups

    store, actor = _ctx()
    groups.link_chat(store, actor, _group_key(group), chat_id)
    click.echo(f"group linked to chat {chat_id}")


@groups_group.command("validated")
@click.argument("group")
@click.option("--at", type=DATETIME, default=None, help="When (default: now).")
@click.option("--note", default=None)
def groups_validated(group: str, at: datetime | None, note: str | None) -> None:
    """Record that the admins have validated every member of GROUP."""
    from chatwarden.registers import groups

    store, actor = _ctx()
    g = groups.record_validation(store, actor, _group_key(group), at, note)
    click.echo(f"group {g['id']}: validated {_cell(g['last_validated_at'])}")


@groups_group.command("validation-due")
@click.option("--every-days", type=int, default=90, show_default=True, help="How often members are validated.")
@click.option("--within-days", type=int, default=0, show_default=True, help="Also list those due this soon.")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
def groups_validation_due(every_days: int, within_days: int, fmt: str) -> None:
    """Reminders for admins: groups whose contacts are due for validation."""
    from chatwarden.registers import groups

    store, actor = _ctx()
    rows = groups.validation_due(store, actor, every_days=every_days, within_days=within_days)
    if fmt == "text":
        _table(rows, ["group", "admins", "last_validated_at", "due_london", "overdue_days"])
    else:
        _emit_findings([r["finding"] for r in rows], fmt)


@groups_group.command("reconcile")
@click.argument("group", required=False)
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
def groups_reconcile(group: str | None, fmt: str) -> None:
    """Compare the register with the exports: consent, unknown contacts, leavers, owners."""
    from chatwarden.registers import groups

    store, actor = _ctx()
    results = groups.reconcile(store, actor, _group_key(group) if group else None)
    if fmt == "json":
        _echo_json([r.to_dict() for r in results])
        return
    if fmt == "csv":
        click.echo(_findings_csv([f for r in results for f in r.findings]), nl=False)
        return
    for r in results:
        src = f"chat(s) {', '.join(map(str, r.chat_ids))} (matched by {r.matched_by})" if r.chat_ids else "no export"
        click.echo(f"== {r.group}: {len(r.members)} registered members; {src}")
        _findings_text(r.findings)
        click.echo("")


@groups_group.group("members")
def members_group() -> None:
    """Members of registered groups: role, consent, leaving."""


@members_group.command("add")
@click.argument("group")
@_field_options(_members_schema(), exclude=("group",))
@JSON_OPT
def members_add(group: str, as_json: bool, **fields: Any) -> None:
    """Add a member to GROUP (name, role, phone, consent date and reference)."""
    from chatwarden.registers import groups

    store, actor = _ctx()
    row = groups.add_member(store, actor, _group_key(group), _given(fields))
    _record(row, as_json) if as_json else click.echo(f"member {row['id']} added")


@members_group.command("update")
@click.argument("group")
@click.argument("member")
@_field_options(_members_schema(), exclude=("group",))
@JSON_OPT
def members_update(group: str, member: str, as_json: bool, **fields: Any) -> None:
    """Change MEMBER (id or name) of GROUP: record consent, leaving date, leaver."""
    from chatwarden.registers import groups

    store, actor = _ctx()
    _record(groups.update_member(store, actor, _group_key(group), _group_key(member), _given(fields)), as_json)


@members_group.command("list")
@click.argument("group")
@JSON_OPT
def members_list(group: str, as_json: bool) -> None:
    """The members of GROUP with role, consent and leaving."""
    from chatwarden.registers import groups

    store, actor = _ctx()
    rows = groups.list_members(store, actor, _group_key(group))
    if as_json:
        _echo_json(rows)
    else:
        _table(rows, ["id", "name", "role", "phone", "consent_date", "consent_ref", "left_on", "leaver"])


@members_group.command("import-csv")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def members_import(file: str) -> None:
    """Import members (column `group` names the group; all rows or none)."""
    from chatwarden.registers import groups

    store, actor = _ctx()
    _import_result(groups.import_members_csv(store, actor, _read(file), file))


@members_group.command("export-csv")
@OUT_OPT
def members_export(out: str | None) -> None:
    """Every member of every group as CSV (formula-guarded; importable again)."""
    from chatwarden.registers import groups

    store, actor = _ctx()
    _write(groups.export_members_csv(store, actor), out)


# ------------------------------------------------------------------------------ incidents
@main.group("incidents")
def incidents_group() -> None:
    """Security incidents: 12 hours to the Information Assurance Unit, 72 hours to the ICO."""


def _incidents_schema() -> Any:
    from chatwarden.registers.incidents import SCHEMA

    return SCHEMA


def _incident_key(key: str) -> int | str:
    return int(key) if key.isdigit() else key


def _incident_text(r: Mapping[str, Any]) -> None:
    click.echo(f"{r['ref']}  {r['title']}  [{r['status']}]")
    click.echo(f"  aware:    {_cell(r['aware_at'])}   reporter: {r['reporter']}   owner: {r['owner'] or '-'}")
    for name, label in (("iau", "IAU (12 h)"), ("ico", "ICO (72 h)")):
        c = r["clocks"][name]
        due = f"due {c['due_london']}" if c["due_london"] else ""
        done = f", done {c['done_london']}" if c["done_london"] else ""
        extra = f" — {c['remaining']}" if c["remaining"] else ""
        note = f" ({c['note']})" if c["note"] else ""
        click.echo(f"  {label}: {c['state']} {due}{done}{extra}{note}")
    if r["clocks"]["tell_people"]:
        click.echo("  high risk: the people affected must be told (UK GDPR Art 34 / DPA 2018 s68)")


@incidents_group.command("report")
@_field_options(_incidents_schema(), exclude=("status", "finding_id"))
@JSON_OPT
def incidents_report(as_json: bool, **fields: Any) -> None:
    """Report a security incident: what happened (--title, --description), when you became
    aware (--aware-at, London time), data and systems involved, people affected."""
    from chatwarden.registers import incidents

    store, actor = _ctx()
    r = incidents.report_incident(store, actor, _given(fields))
    _echo_json(r) if as_json else _incident_text(r)


@incidents_group.command("from-finding")
@click.argument("finding_id", type=int)
@click.option("--aware-at", type=DATETIME, default=None, help="Default: when the finding was confirmed.")
@click.option("--owner", default=None)
@JSON_OPT
def incidents_from_finding(finding_id: int, aware_at: datetime | None, owner: str | None, as_json: bool) -> None:
    """Open an incident pre-filled from a confirmed data-leak finding."""
    from chatwarden.registers import incidents

    store, actor = _ctx()
    r = incidents.incident_from_finding(store, actor, finding_id, _given({"aware_at": aware_at, "owner": owner}))
    _echo_json(r) if as_json else _incident_text(r)


@incidents_group.command("update")
@click.argument("incident")
@_field_options(_incidents_schema(), exclude=("ref",))
@click.option("--reason", default=None, help="Why (kept in the audit trail).")
@JSON_OPT
def incidents_update(incident: str, reason: str | None, as_json: bool, **fields: Any) -> None:
    """Change INCIDENT (reference or id)."""
    from chatwarden.registers import incidents

    store, actor = _ctx()
    r = incidents.update_incident(store, actor, _incident_key(incident), _given(fields), reason=reason)
    _echo_json(r) if as_json else _incident_text(r)


@incidents_group.command("reported")
@click.argument("incident")
@click.option("--at", type=DATETIME, default=None, help="When it was reported (default: now).")
def incidents_reported(incident: str, at: datetime | None) -> None:
    """Record that INCIDENT was reported to the Information Assurance Unit – Data Office."""
    from chatwarden.registers import incidents

    store, actor = _ctx()
    _incident_text(incidents.mark_reported(store, actor, _incident_key(incident), at))


@incidents_group.command("ico")
@click.argument("incident")
@click.option("--decision", type=click.Choice(["notify", "not-notify"]), required=True)
@click.option("--reason", default=None, help="Required for not-notify.")
@click.option("--risk", type=click.Choice(["unlikely", "possible", "likely", "high"]), default=None)
@click.option("--notified-at", type=DATETIME, default=None, help="When the ICO was notified.")
def incidents_ico(incident: str, decision: str, reason: str | None, risk: str | None,
                  notified_at: datetime | None) -> None:
    """Record the ICO decision for INCIDENT (with the risk assessment)."""
    from chatwarden.registers import incidents

    store, actor = _ctx()
    _incident_text(incidents.record_ico_decision(store, actor, _incident_key(incident), decision, reason=reason,
                                                 notified_at=notified_at, risk=risk))


@incidents_group.command("assign")
@click.argument("incident")
@click.argument("owner")
def incidents_assign(incident: str, owner: str) -> None:
    """Make OWNER responsible for INCIDENT."""
    from chatwarden.registers import incidents

    store, actor = _ctx()
    incidents.assign(store, actor, _incident_key(incident), owner)
    click.echo("assigned")


@incidents_group.command("close")
@click.argument("incident")
@click.option("--reason", required=True)
def incidents_close(incident: str, reason: str) -> None:
    """Close INCIDENT (needs the IAU report and, for personal data, the ICO decision)."""
    from chatwarden.registers import incidents

    store, actor = _ctx()
    _incident_text(incidents.close_incident(store, actor, _incident_key(incident), reason=reason))


@incidents_group.command("list")
@click.option("--status", type=click.Choice(["open", "reported", "closed"]), default=None)
@JSON_OPT
def incidents_list(status: str | None, as_json: bool) -> None:
    """Incidents, newest first, with the state of both clocks."""
    from chatwarden.registers import incidents

    store, actor = _ctx()
    rows = incidents.list_incidents(store, actor, status=status)
    if as_json:
        _echo_json(rows)
        return
    _table([r | {"iau": r["clocks"]["iau"]["state"], "ico": r["clocks"]["ico"]["state"]} for r in rows],
           ["ref", "title", "status", "aware_at", "iau", "ico", "owner"])


@incidents_group.command("show")
@click.argument("incident")
@JSON_OPT
def incidents_show(incident: str, as_json: bool) -> None:
    """INCIDENT with its clocks (the read is audited)."""
    from chatwarden.registers import incidents

    store, actor = _ctx()
    r = incidents.get_incident(store, actor, _incident_key(incident))
    if as_json:
        _echo_json(r)
        return
    _incident_text(r)
    for k in ("description", "data_involved", "systems_involved", "people_affected", "personal_data", "risk",
              "ico_decision", "ico_decision_reason", "finding_id"):
        click.echo(f"  {k:20} {_cell(r[k])}")


@incidents_group.command("overdue")
@click.option("--within-hours", type=float, default=0, show_default=True, help="Also list deadlines this close.")
@click.option("--at", "now", type=DATETIME, default=None, help="Judge as at this time (default: now).")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
def incidents_overdue(within_hours: float, now: datetime | None, fmt: str) -> None:
    """Incidents past (or near) their 12-hour or 72-hour deadline.  Exit code 1 if any is
    overdue."""
    from chatwarden.registers import incidents

    store, actor = _ctx()
    items = incidents.overdue(store, actor, now=now, within_hours=within_hours)
    _emit_findings(items, fmt, "incident deadlines")
    if any(f.evidence.get("state") == "overdue" for f in items):
        sys.exit(1)


@incidents_group.command("log")
@click.option("--format", "fmt", type=FORMATS, default="text", show_default=True)
@OUT_OPT
def incidents_log(fmt: str, out: str | None) -> None:
    """The incident log with both clocks (London times)."""
    from chatwarden.registers import incidents

    store, actor = _ctx()
    if fmt == "csv":
        _write(incidents.incident_log_csv(store, actor), out)
        return
    rows = incidents.incident_log(store, actor)
    if fmt == "json":
        _write(orjson.dumps(rows, option=orjson.OPT_INDENT_2).decode() + "\n", out)
        return
    _table(rows, ["ref", "status", "aware_at", "iau_due", "iau_clock", "personal_data", "ico_due", "ico_clock"],
           width=30)


@incidents_group.command("import-csv")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def incidents_import(file: str) -> None:
    """Import incidents by reference (all rows or none)."""
    from chatwarden.registers import incidents

    store, actor = _ctx()
    _import_result(incidents.import_csv(store, actor, _read(file), file))


@incidents_group.command("export-csv")
@OUT_OPT
def incidents_export(out: str | None) -> None:
    """The incidents as CSV (formula-guarded; importable again)."""
    from chatwarden.registers import incidents

    store, actor = _ctx()
    _write(incidents.export_csv(store, actor), out)


# ----------------------------------------------------------------------------- misconduct
@main.group("misconduct")
def misconduct_group() -> None:
    """Misconduct cases from messaging and social media (the FOI statistics' source)."""


def _misconduct_schema() -> Any:
    from chatwarden.registers.misconduct import SCHEMA

    return SCHEMA


@misconduct_group.command("add")
@_field_options(_misconduct_schema(), exclude=("warning_expires_on",))
@JSON_OPT
def misconduct_add(as_json: bool, **fields: Any) -> None:
    """Record a case; a warning's expiry is computed."""
    from chatwarden.registers import misconduct

    store, actor = _ctx()
    row = misconduct.add_case(store, actor, _given(fields))
    _record(row, as_json) if as_json else click.echo(f"misconduct case {row['ref']} added")


@misconduct_group.command("update")
@click.argument("case")
@_field_options(_misconduct_schema(), exclude=("warning_expires_on", "ref"))
@JSON_OPT
def misconduct_update(case: str, as_json: bool, **fields: Any) -> None:
    """Change CASE (reference or id): stage, outcome, decision date, links..."""
    from chatwarden.registers import misconduct

    store, actor = _ctx()
    _record(misconduct.update_case(store, actor, _incident_key(case), _given(fields)), as_json)


@misconduct_group.command("list")
@click.option("--subject-type", type=click.Choice(["officer", "staff"]), default=None)
@click.option("--platform", type=click.Choice(["whatsapp", "other-im", "social-media"]), default=None)
@click.option("--regime", type=click.Choice(["2012", "2020"]), default=None)
@click.option("--outcome", default=None)
@click.option("--stage", default=None)
@click.option("--unit", default=None)
@click.option("--from", "recorded_from", type=DATE, default=None, help="Recorded on or after.")
@click.option("--to", "recorded_to", type=DATE, default=None, help="Recorded on or before.")
@JSON_OPT
def misconduct_list(subject_type, platform, regime, outcome, stage, unit, recorded_from, recorded_to,
                    as_json: bool) -> None:
    """Cases, newest first, filtered."""
    from chatwarden.registers import misconduct

    store, actor = _ctx()
    rows = misconduct.list_cases(store, actor, subject_type=subject_type, platform=platform, regime=regime,
                                 outcome=outcome, stage=stage, unit=unit, recorded_from=recorded_from,
                                 recorded_to=recorded_to)
    if as_json:
        _echo_json(rows)
    else:
        _table(rows, ["ref", "subject_type", "rank_or_band", "platform", "regime", "stage", "outcome", "recorded_on",
                      "decided_on", "warning_expires_on"])


@misconduct_group.command("show")
@click.argument("case")
@JSON_OPT
def misconduct_show(case: str, as_json: bool) -> None:
    """CASE (reference or id); the read is audited."""
    from chatwarden.registers import misconduct

    store, actor = _ctx()
    _record(misconduct.get_case(store, actor, _incident_key(case)), as_json)


@misconduct_group.command("warnings")
@ON_OPT
@JSON_OPT
def misconduct_warnings(on: date | None, as_json: bool) -> None:
    """Written and final written warnings in force."""
    from chatwarden.registers import misconduct

    store, actor = _ctx()
    rows = misconduct.live_warnings(store, actor, on=on)
    if as_json:
        _echo_json(rows)
    else:
        _table(rows, ["ref", "subject", "rank_or_band", "unit", "outcome", "decided_on", "warning_expires_on"])


@misconduct_group.command("import-csv")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def misconduct_import(file: str) -> None:
    """Import cases by reference (all rows or none); warning expiry is computed."""
    from chatwarden.registers import misconduct

    store, actor = _ctx()
    _import_result(misconduct.import_csv(store, actor, _read(file), file))


@misconduct_group.command("export-csv")
@OUT_OPT
def misconduct_export(out: str | None) -> None:
    """The cases as CSV (formula-guarded; importable again)."""
    from chatwarden.registers import misconduct

    store, actor = _ctx()
    _write(misconduct.export_csv(store, actor), out)


# ------------------------------------------------------------------------------ registers
@main.group("registers")
def registers_group() -> None:
    """All the governance registers at once: import a folder, run every check, alerts."""


REGISTER_FILES = ("apps.csv", "devices.json", "devices.csv", "groups.csv", "group_members.csv", "incidents.csv",
                  "misconduct.csv")


@registers_group.command("import")
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
def registers_import(folder: str) -> None:
    """Import the register files found in FOLDER (apps.csv, devices.json, devices.csv,
    groups.csv, group_members.csv, incidents.csv, misconduct.csv), in that order; each
    file is all or nothing."""
    from chatwarden.registers import apps, devices, groups, incidents, misconduct

    importers = {
        "apps.csv": apps.import_csv, "devices.json": devices.import_json, "devices.csv": devices.import_csv,
        "groups.csv": groups.import_csv, "group_members.csv": groups.import_members_csv,
        "incidents.csv": incidents.import_csv, "misconduct.csv": misconduct.import_csv,
    }
    store, actor = _ctx()
    found = 0
    for name in REGISTER_FILES:
        path = Path(folder) / name
        if path.is_file():
            found += 1
            _import_result(importers[name](store, actor, path.read_bytes(), str(path)))
    if not found:
        raise click.ClickException(f"{folder}: none of {', '.join(REGISTER_FILES)} is here")


@registers_group.command("check")
@click.option("--crest", "crest_image", type=click.Path(exists=True, dir_okay=False), default=None,
              help="The crest image profile photos are compared with.")
@ON_OPT
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv"]), default="text", show_default=True)
def registers_check(crest_image: str | None, on: date | None, fmt: str) -> None:
    """Run every register check: apps, devices, groups, validation reminders, incidents."""
    from chatwarden.permissions import allowed
    from chatwarden.registers import apps, devices, groups, incidents

    store, actor = _ctx()
    sections: list[tuple[str, list[Any]]] = [
        ("approved apps", apps.check_register(store, actor, on=on) + apps.check_exports(store, actor)
         + [r["finding"] for r in apps.expiring(store, actor, on=on)]),
        ("devices and set-up", devices.audit_devices(store, actor, crest_image=crest_image, on=on).findings),
        ("groups and consent", [f for r in groups.reconcile(store, actor) for f in r.findings]
         + [r["finding"] for r in groups.validation_due(store, actor)]),
    ]
    if allowed(actor, "incident.manage"):
        sections.append(("security incidents", incidents.overdue(store, actor)))
    if fmt == "json":
        _echo_json({name: [f.to_dict() if hasattr(f, "to_dict") else f for f in items] for name, items in sections})
        return
    if fmt == "csv":
        click.echo(_findings_csv([f for _, items in sections for f in items]), nl=False)
        return
    for name, items in sections:
        _findings_text(items, name)
        click.echo("")


@registers_group.command("alerts")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
def registers_alerts(fmt: str) -> None:
    """What the dashboard shows: overdue incidents, expiring authorisations, validation due."""
    from chatwarden.registers import dashboard

    store, actor = _ctx()
    a = dashboard.alerts(store, actor)
    if fmt == "json":
        _echo_json(a)
        return
    click.echo(f"alerts at {a['at_london']}: " + ", ".join(f"{k} {v}" for k, v in a["counts"].items()))
    for key, label in (("incidents", "incident deadlines"), ("apps", "expiring authorisations"),
                       ("groups", "contact validation due")):
        if key in a:
            _findings_text(a[key], label)
