"""The device inventory and the set-up audit (004, Set Up and Configuration 1-7; General
Principles of Use: Personal Devices; 003, FAQ 9 and 13).

The inventory is imported from CSV or from an MDM-style JSON export (device id, the
person it is issued to, rank or role, unit, phone number, installed apps with versions,
and the WhatsApp settings where the MDM or a survey knows them).  :func:`audit_devices`
checks every device against the set-up rules, adds what the stored exports show about the
same person (display names, disappearing-message events), and reports per device, per
person and per unit, each gap with the rule it breaks.  A setting nobody knows is reported
as not checked, never as compliant.
"""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath
from typing import Any

import orjson
from sqlalchemy import Connection, select

from chatwarden.errors import NotFoundError
from chatwarden.model import Actor
from chatwarden.permissions import require
from chatwarden.registers import apps as apps_register
from chatwarden.registers import clocks, crest
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
    today,
    update_audited,
)
from chatwarden.registers.csvio import Field, Schema, guard, read_csv, write_csv
from chatwarden.store import Store
from chatwarden.store.tables import chats, devices, exports, messages, participants

REGISTER = "devices"
SUBJECT = "device"
REQUIRED_TIMER_DAYS = 90.0
PRIVACY_CHOICES = ("everyone", "contacts", "contacts-except", "nobody")
_PRIVACY_ALIASES = {
    "my contacts": "contacts", "my contacts except": "contacts-except", "my contacts except…": "contacts-except",
    "my contacts except...": "contacts-except", "contacts except": "contacts-except", "everybody": "everyone",
    "all": "everyone", "no one": "nobody", "none": "nobody",
}
OUT_OF_OFFICE = re.compile(
    r"(?i)\b(out of (the )?office|on (annual |maternity |paternity |parental |adoption |sick |study )?leave|"
    r"annual leave|a/l|on holiday|away (until|till|from|on)|back on|returning|return on|not monitored|ooo|"
    r"off until|unavailable until|career break|rest days?)\b")
_APP_ITEM = re.compile(r"^(?P<name>.*?)\s*(?:\((?P<version>[^()]*)\))?$")


# ------------------------------------------------------------------------------- fields
def _parse_apps(value: Any) -> list[dict[str, str | None]]:
    """``WhatsApp (2.25.4.76); Signal (7.30.1)`` or a list of names / {name, version}."""
    if isinstance(value, str):
        items: list[Any] = [p.strip() for p in value.split(";") if p.strip()]
    elif isinstance(value, (list, tuple)):
        items = list(value)
    else:
        raise ValueError("not a list of apps")
    out: list[dict[str, str | None]] = []
    for item in items:
        if isinstance(item, str):
            m = _APP_ITEM.match(item.strip())
            name, version = (m.group("name"), m.group("version")) if m else (item, None)
        elif isinstance(item, Mapping):
            name = item.get("name") or item.get("displayName") or item.get("display_name")
            version = item.get("version")
        else:
            raise ValueError("not a list of apps")
        if not isinstance(name, str) or not name.strip() or len(name) > 128:
            raise ValueError("an app needs a name (at most 128 characters)")
        if version is not None and (not isinstance(version, (str, int, float)) or len(str(version)) > 64):
            raise ValueError("an app version must be short text")
        out.append({"name": apps_register.canonical_app(name),
                    "version": (str(version).strip() or None) if version is not None else None})
    return out


def _format_apps(value: list[Mapping[str, Any]]) -> str:
    return "; ".join(f"{a['name']} ({a['version']})" if a.get("version") else str(a["name"]) for a in value)


def _parse_timer(value: Any) -> float:
    """Days: ``90``, ``90 days``, ``7d``, ``24h``, ``24 hours``, ``off``."""
    if isinstance(value, bool):
        raise ValueError("not a timer")
    if isinstance(value, (int, float)):
        days = float(value)
    else:
        s = str(value).strip().lower()
        if s in ("off", "none", "disabled"):
            return 0.0
        m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(d|days?|h|hours?)?", s)
        if not m:
            raise ValueError("not a timer (days, e.g. 90, or 24h, or off)")
        days = float(m.group(1)) / (24.0 if (m.group(2) or "d").startswith("h") else 1.0)
    if days < 0 or days > 3650:
        raise ValueError("not a timer between 0 (off) and 3650 days")
    return days


def _format_timer(value: float) -> str:
    s = repr(float(value))
    return s.removesuffix(".0")


SCHEMA = Schema("devices", (
    Field("device_id", "text", required=True, max_len=128, help="MDM device id"),
    Field("issued", "bool", help="yes: MPS-issued; no: a personal device used for policing"),
    Field("person", "text", required=True, max_len=200, help="the person it is issued to (full name)"),
    Field("staff_number", "text", max_len=32),
    Field("rank_role", "text", max_len=200, help="rank, or band and role"),
    Field("unit", "text", max_len=200),
    Field("phone", "phone"),
    Field("apps", "custom", parse_fn=_parse_apps, format_fn=_format_apps,
          help="installed apps: 'Name (version); Name (version)'"),
    Field("wa_profile_name", "text", max_len=200, help="WhatsApp profile name"),
    Field("wa_photo_hash", "custom", parse_fn=crest.normalise_hash, format_fn=str,
          help="perceptual hash (dHash, 16 hex digits) of the WhatsApp profile photo"),
    Field("wa_group_add", "choice", choices=PRIVACY_CHOICES, aliases=_PRIVACY_ALIASES,
          help="who can add the user to groups"),
    Field("wa_default_timer_days", "custom", parse_fn=_parse_timer, format_fn=_format_timer,
          help="default disappearing-message timer in days (0 = off)"),
    Field("wa_save_to_camera_roll", "bool", help="'Save to Camera Roll' / media visibility on"),
    Field("wa_last_seen", "choice", choices=PRIVACY_CHOICES, aliases=_PRIVACY_ALIASES),
    Field("wa_read_receipts", "bool"),
    Field("wa_about", "text", max_len=500, help="the 'about' status"),
    Field("on_leave", "bool"),
    Field("source", "text", max_len=200, help="where the record came from (MDM export, survey)"),
))
EDITABLE = SCHEMA.names

# MDM-style JSON: accepted keys (case-insensitive) -> field.  Unknown keys are ignored and
# listed in the import result.
JSON_KEYS: dict[str, str] = {
    **{n: n for n in SCHEMA.names},
    "deviceid": "device_id", "id": "device_id", "manageddeviceid": "device_id",
    "userdisplayname": "person", "issuedto": "person", "user": "person",
    "employeeid": "staff_number", "staffnumber": "staff_number",
    "jobtitle": "rank_role", "rankrole": "rank_role", "rank": "rank_role",
    "department": "unit", "phonenumber": "phone", "detectedapps": "apps", "installedapps": "apps",
    "onleave": "on_leave",
}
JSON_WHATSAPP_KEYS: dict[str, str] = {
    "profilename": "wa_profile_name", "name": "wa_profile_name",
    "profilephotohash": "wa_photo_hash", "photohash": "wa_photo_hash",
    "groupadd": "wa_group_add", "groupaddprivacy": "wa_group_add", "groups": "wa_group_add",
    "defaultdisappearingtimerdays": "wa_default_timer_days", "defaulttimerdays": "wa_default_timer_days",
    "defaultmessagetimer": "wa_default_timer_days",
    "savetocameraroll": "wa_save_to_camera_roll", "mediavisibility": "wa_save_to_camera_roll",
    "lastseen": "wa_last_seen", "readreceipts": "wa_read_receipts", "about": "wa_about",
}
_OWNERSHIP = {"company": True, "corporate": True, "issued": True, "personal": False, "byod": False}


def _validate(conn: Connection, v: Mapping[str, Any], self_id: int | None) -> list[tuple[str, str]]:
    p: list[tuple[str, str]] = []
    if v.get("device_id"):
        other = conn.execute(select(devices.c.id).where(devices.c.device_id == v["device_id"])).scalar()
        if other is not None and other != self_id:
            p.append(("device_id", f"device record {other} already has this device id"))
    return p


def _defaults(vals: dict[str, Any]) -> dict[str, Any]:
    vals.setdefault("issued", True)
    vals.setdefault("apps", [])
    vals.setdefault("on_leave", False)
    if vals.get("issued") is None:
        vals["issued"] = True
    if vals.get("apps") is None:
        vals["apps"] = []
    if vals.get("on_leave") is None:
        vals["on_leave"] = False
    return vals


def _get(conn: Connection, key: int | str) -> dict[str, Any]:
    col = devices.c.id if isinstance(key, int) else devices.c.device_id
    row = conn.execute(select(devices).where(col == key)).mappings().first()
    if row is None:
        raise NotFoundError(f"device record {key if isinstance(key, int) else '(by device id)'} not found")
    return plain(row)  # type: ignore[return-value]


# ----------------------------------------------------------------------------- use cases
def add_device(store: Store, actor: Actor, values: Mapping[str, Any]) -> dict[str, Any]:
    require(actor, "register.edit")
    vals, problems = SCHEMA.coerce(values)
    with store.transaction() as conn:
        if not problems:
            problems += _validate(conn, vals, None)
        check_record("device", problems)
        row_id = insert_audited(conn, actor, devices, {**_defaults(vals), "updated_at": clocks.now_utc()},
                                action="devices.add", subject_type=SUBJECT)
        return _get(conn, row_id)


def update_device(store: Store, actor: Actor, key: int | str, changes: Mapping[str, Any]) -> dict[str, Any]:
    """Change a device record, found by register id (int) or device id (str)."""
    require(actor, "register.edit")
    vals, problems = SCHEMA.coerce(changes, partial=True)
    with store.transaction() as conn:
        before = _get(conn, key)
        if not problems:
            problems += _validate(conn, vals, before["id"])
        check_record(f"device record {before['id']}", problems)
        update_audited(conn, actor, devices, before["id"], before, vals, action="devices.update", subject_type=SUBJECT)
        return _get(conn, before["id"])


def get_device(store: Store, actor: Actor, key: int | str) -> dict[str, Any]:
    require(actor, "register.view")
    with store.read() as conn:
        return _get(conn, key)


def list_devices(store: Store, actor: Actor, *, unit: str | None = None, person: str | None = None,
                 issued: bool | None = None) -> list[dict[str, Any]]:
    require(actor, "register.view")
    q = select(devices).order_by(devices.c.unit, devices.c.person, devices.c.device_id)
    if issued is not None:
        q = q.where(devices.c.issued.is_(issued))
    with store.read() as conn:
        rows = [plain(r) for r in conn.execute(q).mappings()]
    if unit:
        rows = [r for r in rows if (r["unit"] or "").casefold() == unit.casefold()]  # type: ignore[index]
    if person:
        rows = [r for r in rows if person.casefold() in r["person"].casefold()]  # type: ignore[index]
    return rows  # type: ignore[return-value]


# ----------------------------------------------------------------------------- imports
def _validate_row(conn: Connection, v: dict[str, Any], ctx: dict[str, Any]) -> list[tuple[str, str]]:
    seen = ctx.setdefault("ids", set())
    p: list[tuple[str, str]] = []
    if v["device_id"] in seen:
        p.append(("device_id", "the same device appears twice in the file"))
    seen.add(v["device_id"])
    return p


def _apply_row(conn: Connection, actor: Actor, v: dict[str, Any], ctx: dict[str, Any]) -> str:
    row = conn.execute(select(devices).where(devices.c.device_id == v["device_id"])).mappings().first()
    vals = _defaults({k: v.get(k) for k in EDITABLE})
    if row is None:
        insert_audited(conn, actor, devices, {**vals, "updated_at": clocks.now_utc()}, action="devices.add",
                       subject_type=SUBJECT)
        return "added"
    before = plain(row)
    changed = update_audited(conn, actor, devices, before["id"], before, vals, action="devices.update",  # type: ignore[index]
                             subject_type=SUBJECT)
    return "updated" if changed else "unchanged"


def import_csv(store: Store, actor: Actor, data: bytes | str, source: str = "devices.csv") -> ImportResult:
    """Import an inventory CSV: each row replaces the record with the same device id (or
    adds one).  Nothing is imported if any row is bad."""
    require(actor, "register.edit")
    rows, problems = read_csv(read_source(data), SCHEMA, source)
    return import_records(store, actor, register=REGISTER, permission="register.edit", source=source,
                          records=csv_records(rows, source), problems=problems, validate=_validate_row,
                          apply=_apply_row)


def import_json(store: Store, actor: Actor, data: bytes | str, source: str = "devices.json") -> ImportResult:
    """Import an MDM-style JSON export: ``{"devices": [...]}`` or a list of devices, keys
    as in :data:`JSON_KEYS` with WhatsApp settings under ``"whatsapp"`` (see
    docs/registers.md).  Problems name ``file:device N, field X``."""
    require(actor, "register.edit")
    name = PurePath(source).name
    raw = read_source(data)
    problems: list[str] = []
    records: list[tuple[Any, dict[str, Any], bool]] = []
    ignored: set[str] = set()
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        problems.append(f"{name}:line {exc.lineno}, column {exc.colno}: not valid JSON")
        doc = None
    default_source = None
    items: Any = None
    if isinstance(doc, dict):
        items = doc.get("devices")
        src = doc.get("source")
        at = doc.get("exportedAt") or doc.get("exported_at")
        if isinstance(src, str):
            default_source = (src + (f", exported {at}" if isinstance(at, str) else ""))[:200]
        ignored |= {f"(top) {k}" for k in doc if k not in ("devices", "source", "exportedAt", "exported_at")}
    elif isinstance(doc, list):
        items = doc
    if doc is not None and not isinstance(items, list):
        problems.append(f"{name}: expected a list of devices (or an object with \"devices\": [...])")
        items = []
    for i, item in enumerate(items or [], start=1):
        def loc(col: str, n: int = i) -> str:
            return f"{name}:device {n}, field {col}"

        if not isinstance(item, dict):
            problems.append(f"{name}:device {i}: not an object")
            continue
        flat: dict[str, Any] = {}
        for key, value in item.items():
            k = str(key).replace("_", "").lower() if str(key) not in SCHEMA.names else str(key)
            if str(key).lower() in ("whatsapp", "wa") and isinstance(value, dict):
                for wk, wv in value.items():
                    target = JSON_WHATSAPP_KEYS.get(str(wk).replace("_", "").lower())
                    if target is None:
                        ignored.add(f"whatsapp.{wk}")
                    else:
                        flat[target] = wv
                continue
            if k in ("manageddeviceownertype", "ownership", "ownertype", "owner"):
                own = _OWNERSHIP.get(str(value).strip().lower()) if isinstance(value, str) else None
                if own is None:
                    problems.append(f"{loc('ownership')}: must be company or personal")
                else:
                    flat["issued"] = own
                continue
            target = JSON_KEYS.get(k) or JSON_KEYS.get(str(key))
            if target is None:
                ignored.add(str(key))
                continue
            flat[target] = value
        if default_source and not flat.get("source"):
            flat["source"] = default_source
        vals: dict[str, Any] = {}
        ok = True
        for f in SCHEMA.fields:
            if f.name not in flat:
                if f.required:
                    problems.append(f"{loc(f.name)}: required")
                    ok = False
                continue
            value = flat[f.name]
            try:
                if isinstance(value, (int, float)) and not isinstance(value, bool):
                    if f.kind == "phone":
                        raise ValueError("must be text (a number loses its leading zero)")
                    if f.kind == "text":
                        value = str(value)  # e.g. a numeric employee id
                v = f.coerce(value)
            except ValueError as exc:
                problems.append(f"{loc(f.name)}: {exc}")
                ok = False
                continue
            if f.required and v is None:
                problems.append(f"{loc(f.name)}: required")
                ok = False
                continue
            vals[f.name] = v
        records.append((loc, vals, ok))
    return import_records(store, actor, register=REGISTER, permission="register.edit", source=source,
                          records=records, problems=problems, validate=_validate_row, apply=_apply_row,
                          ignored_fields=sorted(ignored))


def export_csv(store: Store, actor: Actor) -> str:
    def build(conn: Connection) -> str:
        rows = [dict(r) for r in conn.execute(select(devices)).mappings()]
        rows.sort(key=lambda r: r["device_id"])
        return write_csv(SCHEMA, rows)

    return export_audited(store, actor, register=REGISTER, permission="register.view", build=build,
                          rows=count_csv_rows)


# ----------------------------------------------------------------------------- the audit
@dataclass(frozen=True)
class DeviceResult:
    device_id: str
    person: str
    staff_number: str | None
    rank_role: str | None
    unit: str | None
    issued: bool
    findings: tuple[RegisterFinding, ...]
    not_checked: tuple[tuple[str, str], ...]  # (check id, why)
    passed: tuple[str, ...]

    @property
    def compliant(self) -> bool:
        return not self.findings

    def to_dict(self) -> dict[str, Any]:
        return {
            "device_id": self.device_id, "person": self.person, "staff_number": self.staff_number,
            "rank_role": self.rank_role, "unit": self.unit, "issued": self.issued, "compliant": self.compliant,
            "findings": [f.to_dict() for f in self.findings],
            "not_checked": [{"check": c, "why": w} for c, w in self.not_checked], "passed": list(self.passed),
        }


@dataclass(frozen=True)
class PersonSummary:
    person: str
    staff_number: str | None
    units: tuple[str, ...]
    devices: tuple[str, ...]
    findings: int
    checks: tuple[str, ...]  # check ids broken

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__) | {"units": list(self.units), "devices": list(self.devices),
                                      "checks": list(self.checks)}


@dataclass(frozen=True)
class UnitSummary:
    unit: str
    devices: int
    people: int
    compliant_devices: int
    personal_devices: int
    gaps: Mapping[str, int]  # check id -> devices with that gap

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__) | {"gaps": dict(self.gaps)}


@dataclass(frozen=True)
class DeviceAudit:
    on: date
    crest_checked: bool
    threshold: int
    devices: tuple[DeviceResult, ...]
    people: tuple[PersonSummary, ...]
    units: tuple[UnitSummary, ...]

    @property
    def findings(self) -> list[RegisterFinding]:
        return sort_findings(f for d in self.devices for f in d.findings)

    def to_dict(self) -> dict[str, Any]:
        return {"on": self.on, "crest_checked": self.crest_checked, "threshold": self.threshold,
                "devices": [d.to_dict() for d in self.devices], "people": [p.to_dict() for p in self.people],
                "units": [u.to_dict() for u in self.units]}

    def to_csv(self) -> str:
        """One line per finding (formula-guarded)."""
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\r\n")
        cols = ["unit", "person", "staff_number", "device_id", "check", "severity", "title", "detail", "rule",
                "action"]
        w.writerow(cols)
        for d in self.devices:
            for f in d.findings:
                w.writerow([guard(str(x or "")) for x in (d.unit, d.person, d.staff_number, d.device_id, f.check,
                                                          f.severity, f.title, f.detail, f.rule, f.action)])
        return out.getvalue()


@dataclass
class _ExportFacts:
    """What the stored exports say, indexed for the audit (no message text is read)."""

    # (chat id, name, phone, chat name)
    participants: list[tuple[int, str, str | None, str | None]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)  # disappearing-message events in chat order
    export_device: dict[int, str | None] = field(default_factory=dict)


def _export_facts(conn: Connection) -> _ExportFacts:
    facts = _ExportFacts()
    for r in conn.execute(select(participants.c.chat_id, participants.c.name, participants.c.phone, chats.c.name)
                          .select_from(participants.join(chats, chats.c.id == participants.c.chat_id))
                          .where(chats.c.disposed.is_(False))):
        facts.participants.append((r[0], r[1], r[2], r[3]))
    facts.export_device = {r.id: r.device for r in conn.execute(select(exports.c.id, exports.c.device))}
    q = (select(messages.c.chat_id, messages.c.seq, messages.c.timestamp, messages.c.line, messages.c.kind,
                messages.c.event, messages.c.export_id, chats.c.name)
         .select_from(messages.join(chats, chats.c.id == messages.c.chat_id))
         .where(messages.c.kind.in_(("system:disappearing_on", "system:disappearing_off")),
                messages.c.disposed.is_(False))
         .order_by(messages.c.chat_id, messages.c.seq))
    for r in conn.execute(q).mappings():
        ev = r["event"] or {}
        facts.events.append({"chat_id": r["chat_id"], "chat_name": r["name"], "seq": r["seq"],
                             "timestamp": r["timestamp"], "line": r["line"], "actor": ev.get("actor"),
                             "days": ev.get("timer_days", 0.0 if r["kind"] == "system:disappearing_off" else None),
                             "device": facts.export_device.get(r["export_id"])})
    return facts


def _is_number(name: str) -> bool:
    from chatwarden.detect.chatlevel import PHONE_ONLY

    return bool(PHONE_ONLY.match(name))


def _e164(text: str | None) -> str | None:
    from chatwarden.ingest.phone import to_e164

    return to_e164(text) if text else None


def _name_tokens(text: str) -> set[str]:
    return {w.strip(".,()[]'").casefold() for w in text.replace("/", " ").split() if w.strip(".,()[]'")}


def _check_device(d: Mapping[str, Any], *, crest_hash: str | None, threshold: int, day: date,
                  conn: Connection, facts: _ExportFacts | None) -> DeviceResult:
    from chatwarden.detect.chatlevel import display_name_problem

    found: list[RegisterFinding] = []
    skipped: list[tuple[str, str]] = []
    passed: list[str] = []
    who = d["person"]
    unit = d["unit"]
    ev: dict[str, Any] = {"device_id": d["device_id"]}

    def gap(check: str, detail: str, **extra: Any) -> None:
        found.append(finding(check, who, detail, unit=unit, evidence={**ev, **extra}))

    if not d["issued"]:
        gap("device-personal", "the inventory records this device as personal, not MPS-issued")
        skipped.append(("set-up rules", "the set-up rules are checked on MPS-issued devices"))
    installed = [a["name"] for a in (d["apps"] or [])]
    has_wa_settings = any(d[k] is not None for k in ("wa_profile_name", "wa_photo_hash", "wa_group_add",
                                                     "wa_default_timer_days", "wa_save_to_camera_roll",
                                                     "wa_last_seen", "wa_read_receipts", "wa_about"))
    uses_wa = has_wa_settings or "WhatsApp" in installed or not installed
    if d["issued"] and uses_wa:
        # 1. Image and name
        name = d["wa_profile_name"]
        if name is None:
            skipped.append(("device-name", "profile name not known"))
        else:
            problem = display_name_problem(name)
            surname = d["person"].split()[-1].casefold() if d["person"].split() else ""
            if problem:
                gap("device-name", f"profile name {name!r}: {problem}")
            elif surname and surname not in _name_tokens(name):
                gap("device-name", f"profile name {name!r} does not name the person the device is issued to")
            else:
                passed.append("device-name")
        if d["wa_photo_hash"] is None:
            skipped.append(("device-crest", "profile photo hash not known"))
        elif crest_hash is None:
            skipped.append(("device-crest", "no crest image given to compare with"))
        else:
            dist = crest.hamming(d["wa_photo_hash"], crest_hash)
            if dist > threshold:
                gap("device-crest", f"profile photo differs from the crest in {dist} of 64 hash bits "
                                    f"(at most {threshold} allowed)", hamming=dist)
            else:
                passed.append("device-crest")
        # 2. Group chat access
        if d["wa_group_add"] is None:
            skipped.append(("device-group-add", "group privacy setting not known"))
        elif d["wa_group_add"] == "everyone":
            gap("device-group-add", "'Groups' privacy is set to Everyone")
        else:
            passed.append("device-group-add")
        # 4. Disappearing messages
        timer = d["wa_default_timer_days"]
        if timer is None:
            skipped.append(("device-disappearing", "default message timer not known"))
        elif timer == 0:
            gap("device-disappearing", "the default message timer is off")
        elif timer != REQUIRED_TIMER_DAYS:
            gap("device-disappearing", f"the default message timer is {_format_timer(timer)} day(s), not 90")
        else:
            passed.append("device-disappearing")
        # 5. Auto-save
        if d["wa_save_to_camera_roll"] is None:
            skipped.append(("device-auto-save", "'Save to Camera Roll' setting not known"))
        elif d["wa_save_to_camera_roll"]:
            gap("device-auto-save", "'Save to Camera Roll' (media visibility) is on")
        else:
            passed.append("device-auto-save")
        # 6. Privacy settings
        if d["wa_last_seen"] is None or d["wa_read_receipts"] is None:
            skipped.append(("device-privacy", "'last seen' or 'read receipts' not known"))
        elif d["wa_last_seen"] == "everyone" and d["wa_read_receipts"]:
            gap("device-privacy", "'last seen' is visible to everyone and read receipts are on: both are "
                                  "WhatsApp's defaults")
        else:
            passed.append("device-privacy")
        # 7. Out of office
        about = d["wa_about"]
        if d["on_leave"]:
            if about is None:
                skipped.append(("device-out-of-office", "on leave; 'about' status not known"))
            elif not OUT_OF_OFFICE.search(about):
                gap("device-out-of-office", "on leave, but the 'about' status is not an out-of-office message")
            else:
                passed.append("device-out-of-office")
        elif about is not None and OUT_OF_OFFICE.search(about):
            gap("device-out-of-office", "not on leave, but the 'about' status still says out of office")
        else:
            passed.append("device-out-of-office")
    elif d["issued"]:
        skipped.append(("WhatsApp set-up", "WhatsApp is not installed"))
    # Apps installed against the approved apps register
    if installed:
        bad = False
        for app in sorted({a for a in installed if apps_register.is_messaging_app(a)}):
            cov = apps_register.coverage(conn, app, unit, day)
            if cov.problems:
                bad = True
                gap("device-unapproved-app", f"{app} is installed: " + "; ".join(d for _c, d in cov.problems),
                    app=app, checks=[c for c, _d in cov.problems])
        if not bad:
            passed.append("device-unapproved-app")
    else:
        skipped.append(("device-unapproved-app", "installed apps not known"))
    # What the exports show
    if facts is not None:
        _from_exports(d, facts, found, gap, display_name_problem)
    return DeviceResult(d["device_id"], d["person"], d["staff_number"], d["rank_role"], unit, bool(d["issued"]),
                        tuple(found), tuple(skipped), tuple(passed))


def _from_exports(d: Mapping[str, Any], facts: _ExportFacts, found: list[RegisterFinding], gap: Any,
                  display_name_problem: Any) -> None:
    profile = d["wa_profile_name"]
    phone = d["phone"]
    seen: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for chat_id, name, p_phone, chat_name in facts.participants:
        if (profile and name == profile) or (phone and (p_phone == phone or _e164(name) == phone)):
            seen[name].append({"chat_id": chat_id, "chat": chat_name})
    for name, where in seen.items():
        if _is_number(name):
            continue
        problem = display_name_problem(name)
        if not problem:
            continue
        chats_txt = ", ".join(f"'{w['chat'] or 'unnamed'}' (chat {w['chat_id']})" for w in where)
        same = [f for f in found if f.check == "device-name"]
        if name == profile and same:
            same[0].evidence["seen_in_chats"] = where  # type: ignore[index]
            continue
        gap("export-display-name", f"shown as {name!r} in {chats_txt}: {problem}", chats=where)
    events = facts.events
    for i, e in enumerate(events):
        actor = e["actor"] or ""
        mine = ((profile and actor == profile) or (phone and _e164(actor) == phone)
                or (actor.casefold() == "you" and e["device"] == d["device_id"]))
        if not mine or e["days"] == REQUIRED_TIMER_DAYS:
            continue
        what = "turned off disappearing messages" if not e["days"] else \
            f"set disappearing messages to {_format_timer(e['days'])} day(s)"
        later = next((x for x in events[i + 1:] if x["chat_id"] == e["chat_id"]), None)
        fixed = later is not None and later["days"] == REQUIRED_TIMER_DAYS
        detail = (f"{what} in '{e['chat_name'] or 'unnamed'}' (chat {e['chat_id']}) at "
                  f"{e['timestamp']:%d/%m/%Y %H:%M} (export line {e['line']})")
        if fixed:
            detail += f"; set back to 90 days at {later['timestamp']:%d/%m/%Y %H:%M}"  # type: ignore[index]
        found.append(finding("export-disappearing", d["person"], detail, unit=d["unit"],
                             severity="low" if fixed else None,
                             evidence={"device_id": d["device_id"], "chat_id": e["chat_id"], "line": e["line"]}))


def audit_devices(store: Store, actor: Actor, *, crest_hash: str | None = None, crest_image: Any = None,
                  threshold: int = crest.DEFAULT_THRESHOLD, on: date | None = None, unit: str | None = None,
                  use_exports: bool = True) -> DeviceAudit:
    """Check every device (or one unit's) against the set-up rules and the approved apps
    register on ``on`` (default today, London), adding what stored exports show.  The
    crest is a hash (``crest_hash``) or an image file to hash (``crest_image``)."""
    require(actor, "register.view")
    if crest_image is not None and crest_hash is None:
        crest_hash = crest.dhash(crest_image)
    if crest_hash is not None:
        crest_hash = crest.normalise_hash(crest_hash)
    day = today(on)
    with store.read() as conn:
        rows = [plain(r) for r in conn.execute(select(devices).order_by(devices.c.device_id)).mappings()]
        if unit:
            rows = [r for r in rows if (r["unit"] or "").casefold() == unit.casefold()]  # type: ignore[index]
        facts = _export_facts(conn) if use_exports else None
        results = [_check_device(r, crest_hash=crest_hash, threshold=threshold, day=day, conn=conn, facts=facts)  # type: ignore[arg-type]
                   for r in rows]
    results.sort(key=lambda r: (r.unit or "", r.person.casefold(), r.device_id))
    return DeviceAudit(day, crest_hash is not None, threshold, tuple(results), _people(results), _units(results))


def _person_key(r: DeviceResult) -> str:
    return (r.staff_number or "").strip().casefold() or r.person.casefold()


def _people(results: Sequence[DeviceResult]) -> tuple[PersonSummary, ...]:
    groups: dict[str, list[DeviceResult]] = defaultdict(list)
    for r in results:
        groups[_person_key(r)].append(r)
    out = []
    for items in groups.values():
        first = items[0]
        out.append(PersonSummary(first.person, first.staff_number, tuple(sorted({r.unit or "" for r in items})),
                                 tuple(r.device_id for r in items), sum(len(r.findings) for r in items),
                                 tuple(sorted({f.check for r in items for f in r.findings}))))
    out.sort(key=lambda p: (-p.findings, p.person.casefold()))
    return tuple(out)


def _units(results: Sequence[DeviceResult]) -> tuple[UnitSummary, ...]:
    groups: dict[str, list[DeviceResult]] = defaultdict(list)
    for r in results:
        groups[r.unit or "(no unit)"].append(r)
    out = []
    for unit, items in sorted(groups.items()):
        gaps: dict[str, int] = defaultdict(int)
        for r in items:
            for c in {f.check for f in r.findings}:
                gaps[c] += 1
        out.append(UnitSummary(unit, len(items), len({_person_key(r) for r in items}),
                               sum(1 for r in items if r.compliant), sum(1 for r in items if not r.issued),
                               dict(sorted(gaps.items(), key=lambda kv: (-kv[1], kv[0])))))
    return tuple(out)


__all__ = [
    "SCHEMA", "DeviceAudit", "DeviceResult", "PersonSummary", "UnitSummary", "add_device", "audit_devices",
    "export_csv", "get_device", "import_csv", "import_json", "list_devices", "update_device",
]
