"""Groups and consent (004, Set Up and Configuration 2 and 3; 003, FAQ 9 and 16).

The register holds each group (name, purpose, owner, admins, the stored chat it is) and
its members (role: police, partner or public; consent date and where the consent is
recorded; the date they left; whether they are a leaver who should leave).

:func:`reconcile` compares the register with what the group's exports show: members added
without recorded consent (or before it), people in the chat who are not in the register,
unknown contacts shown only as a number, leavers still in the group, and groups nobody
owns.  :func:`validation_due` reminds admins to validate their contacts periodically.
Export names are resolved to register members by name, by phone number, or through the
device register (a WhatsApp profile name on a device issued to a member).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, select

from chatwarden.errors import NotFoundError
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
    import_records,
    insert_audited,
    plain,
    read_source,
    sort_findings,
    update_audited,
)
from chatwarden.registers.csvio import Field, Schema, read_csv, write_csv
from chatwarden.store import Store
from chatwarden.store.tables import chats, devices, exports, group_members, groups, messages

REGISTER = "groups"
MEMBERS_REGISTER = "group_members"
ROLES = ("police", "partner", "public")
DEFAULT_VALIDATION_DAYS = 90
MEMBERSHIP_KINDS = ("system:group_created", "system:participant_added", "system:participant_removed",
                    "system:participant_left", "system:participant_joined_via_link")

SCHEMA = Schema("groups", (
    Field("name", "text", required=True, max_len=200, help="the group's name as WhatsApp shows it"),
    Field("purpose", "text", required=True, max_len=2000, help="the policing purpose of the group"),
    Field("owner", "text", max_len=200, help="who is responsible for the group"),
    Field("admins", "list", max_len=200, help="admins, separated by ';'"),
    Field("chat_id", "int", minimum=1, help="the stored chat of this group (if imported)"),
    Field("last_validated_at", "datetime", help="when the admins last validated the members"),
))
MEMBER_SCHEMA = Schema("group_members", (
    Field("group", "text", required=True, max_len=200, help="the group's name"),
    Field("name", "text", required=True, max_len=200, help="the member's name (full name and rank for police)"),
    Field("phone", "phone"),
    Field("role", "choice", required=True, choices=ROLES, aliases={"officer": "police", "staff": "police",
                                                                    "member of the public": "public"}),
    Field("consent_date", "date", help="when consent to share contact details was given"),
    Field("consent_ref", "text", max_len=500, help="where the consent is recorded (Outlook item, system reference)"),
    Field("left_on", "date", help="when the member left the group"),
    Field("leaver", "bool", help="has left the force or role, so should leave the group"),
))
MEMBER_FIELDS = tuple(n for n in MEMBER_SCHEMA.names if n != "group")


# ------------------------------------------------------------------------------ lookups
def _group(conn: Connection, key: int | str) -> dict[str, Any]:
    col = groups.c.id if isinstance(key, int) else groups.c.name
    row = conn.execute(select(groups).where(col == key)).mappings().first()
    if row is None and isinstance(key, str):
        row = conn.execute(select(groups).where(func.lower(groups.c.name) == key.lower())).mappings().first()
    if row is None:
        raise NotFoundError(f"group {key if isinstance(key, int) else '(by name)'} not found")
    return plain(row)  # type: ignore[return-value]


def _member(conn: Connection, group_id: int, key: int | str) -> dict[str, Any]:
    col = group_members.c.id if isinstance(key, int) else group_members.c.name
    row = conn.execute(select(group_members).where(group_members.c.group_id == group_id, col == key)).mappings().first()
    if row is None:
        raise NotFoundError(f"member {key if isinstance(key, int) else '(by name)'} of group {group_id} not found")
    return dict(row)


def _members(conn: Connection, group_id: int) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(group_members).where(group_members.c.group_id == group_id)
                                          .order_by(group_members.c.id)).mappings()]


def _validate_group(conn: Connection, v: Mapping[str, Any], self_id: int | None) -> list[tuple[str, str]]:
    p: list[tuple[str, str]] = []
    if v.get("name"):
        other = conn.execute(select(groups.c.id).where(func.lower(groups.c.name) == v["name"].lower())).scalar()
        if other is not None and other != self_id:
            p.append(("name", f"group {other} already has this name"))
    if v.get("chat_id") is not None:
        if conn.execute(select(chats.c.id).where(chats.c.id == v["chat_id"])).scalar() is None:
            p.append(("chat_id", "no stored chat has this id"))
    if v.get("last_validated_at") is not None and v["last_validated_at"] > clocks.now_utc() + timedelta(minutes=5):
        p.append(("last_validated_at", "is in the future"))
    return p


def _validate_member(conn: Connection, v: Mapping[str, Any]) -> list[tuple[str, str]]:
    p: list[tuple[str, str]] = []
    day = clocks.today_london()
    for f in ("consent_date", "left_on"):
        if v.get(f) is not None and v[f] > day:
            p.append((f, "is in the future"))
    return p


# ----------------------------------------------------------------------------- use cases
def add_group(store: Store, actor: Actor, values: Mapping[str, Any]) -> dict[str, Any]:
    require(actor, "register.edit")
    vals, problems = SCHEMA.coerce(values)
    with store.transaction() as conn:
        if not problems:
            problems += _validate_group(conn, vals, None)
        check_record("group", problems)
        now = clocks.now_utc()
        vals["admins"] = vals.get("admins") or []
        gid = insert_audited(conn, actor, groups, {**vals, "created_at": now, "updated_at": now},
                             action="groups.add", subject_type="group")
        return _group(conn, gid)


def update_group(store: Store, actor: Actor, group: int | str, changes: Mapping[str, Any]) -> dict[str, Any]:
    require(actor, "register.edit")
    vals, problems = SCHEMA.coerce(changes, partial=True)
    with store.transaction() as conn:
        before = _group(conn, group)
        if not problems:
            problems += _validate_group(conn, vals, before["id"])
        check_record(f"group {before['id']}", problems)
        if "admins" in vals and vals["admins"] is None:
            vals["admins"] = []
        update_audited(conn, actor, groups, before["id"], before, vals, action="groups.update", subject_type="group")
        return _group(conn, before["id"])


def link_chat(store: Store, actor: Actor, group: int | str, chat_id: int | None) -> dict[str, Any]:
    """Say which stored chat is this group (None to unlink)."""
    return update_group(store, actor, group, {"chat_id": chat_id})


def record_validation(store: Store, actor: Actor, group: int | str, at: datetime | None = None,
                      note: str | None = None) -> dict[str, Any]:
    """The admins have reviewed and validated every member (004, Set Up 2)."""
    require(actor, "register.edit")
    when = clocks.to_utc(at) if at is not None else clocks.now_utc()
    if when > clocks.now_utc() + timedelta(minutes=5):
        check_record("validation", [("at", "is in the future")])
    with store.transaction() as conn:
        before = _group(conn, group)
        update_audited(conn, actor, groups, before["id"], before, {"last_validated_at": when},
                       action="groups.validate", subject_type="group", note={"note": note} if note else None)
        return _group(conn, before["id"])


def get_group(store: Store, actor: Actor, group: int | str) -> dict[str, Any]:
    """The group with its members."""
    require(actor, "register.view")
    with store.read() as conn:
        g = _group(conn, group)
        g["members"] = _members(conn, g["id"])
    return g


def list_groups(store: Store, actor: Actor) -> list[dict[str, Any]]:
    """Groups with member counts (current members, those without consent, leavers)."""
    require(actor, "register.view")
    with store.read() as conn:
        rows = [plain(r) for r in conn.execute(select(groups).order_by(groups.c.name)).mappings()]
        members = defaultdict(list)
        for m in conn.execute(select(group_members)).mappings():
            members[m["group_id"]].append(m)
    out = []
    for g in rows:
        ms = [m for m in members[g["id"]] if m["left_on"] is None]  # type: ignore[index]
        g["members"] = len(ms)  # type: ignore[index]
        g["without_consent"] = sum(1 for m in ms if not (m["consent_date"] and m["consent_ref"]))  # type: ignore[index]
        g["leavers"] = sum(1 for m in ms if m["leaver"])  # type: ignore[index]
        out.append(g)
    return out  # type: ignore[return-value]


def add_member(store: Store, actor: Actor, group: int | str, values: Mapping[str, Any]) -> dict[str, Any]:
    require(actor, "register.edit")
    vals, problems = MEMBER_SCHEMA.coerce({**values, "group": "-"})
    with store.transaction() as conn:
        g = _group(conn, group)
        vals.pop("group", None)
        if not problems:
            problems += _validate_member(conn, vals)
            if conn.execute(select(group_members.c.id).where(group_members.c.group_id == g["id"],
                                                             group_members.c.name == vals["name"])).scalar():
                problems.append(("name", "this group already has a member of this name"))
        check_record("group member", problems)
        vals["leaver"] = bool(vals.get("leaver"))
        mid = insert_audited(conn, actor, group_members, {**vals, "group_id": g["id"]}, action="groups.member-add",
                             subject_type="group_member")
        return _member(conn, g["id"], mid)


def update_member(store: Store, actor: Actor, group: int | str, member: int | str,
                  changes: Mapping[str, Any]) -> dict[str, Any]:
    """Record consent, a leaving date, a leaver, a new phone number..."""
    require(actor, "register.edit")
    vals, problems = MEMBER_SCHEMA.coerce(changes, partial=True)
    with store.transaction() as conn:
        g = _group(conn, group)
        before = _member(conn, g["id"], member)
        if "group" in vals:
            problems.append(("group", "a member cannot be moved to another group (add them there)"))
        if not problems:
            problems += _validate_member(conn, vals)
        check_record(f"group member {before['id']}", problems)
        update_audited(conn, actor, group_members, before["id"], before, vals, action="groups.member-update",
                       subject_type="group_member", stamp=None)
        return _member(conn, g["id"], before["id"])


def list_members(store: Store, actor: Actor, group: int | str) -> list[dict[str, Any]]:
    require(actor, "register.view")
    with store.read() as conn:
        return _members(conn, _group(conn, group)["id"])


# ----------------------------------------------------------------------------- CSV files
def _validate_group_row(conn: Connection, v: dict[str, Any], ctx: dict[str, Any]) -> list[tuple[str, str]]:
    existing = conn.execute(select(groups.c.id).where(func.lower(groups.c.name) == v["name"].lower())).scalar()
    p = _validate_group(conn, v, existing)
    seen = ctx.setdefault("names", set())
    if v["name"].lower() in seen:
        p.append(("name", "the same group appears twice in the file"))
    seen.add(v["name"].lower())
    return p


def _apply_group_row(conn: Connection, actor: Actor, v: dict[str, Any], ctx: dict[str, Any]) -> str:
    row = conn.execute(select(groups).where(func.lower(groups.c.name) == v["name"].lower())).mappings().first()
    vals = {k: v.get(k) for k in SCHEMA.names}
    vals["admins"] = vals["admins"] or []
    if row is None:
        now = clocks.now_utc()
        insert_audited(conn, actor, groups, {**vals, "created_at": now, "updated_at": now}, action="groups.add",
                       subject_type="group")
        return "added"
    before = plain(row)
    changed = update_audited(conn, actor, groups, before["id"], before, vals, action="groups.update",  # type: ignore[index]
                             subject_type="group")
    return "updated" if changed else "unchanged"


def import_csv(store: Store, actor: Actor, data: bytes | str, source: str = "groups.csv") -> ImportResult:
    """Groups by name: added or updated; nothing if any row is bad."""
    require(actor, "register.edit")
    rows, problems = read_csv(read_source(data), SCHEMA, source)
    return import_records(store, actor, register=REGISTER, permission="register.edit", source=source,
                          records=csv_records(rows, source), problems=problems, validate=_validate_group_row,
                          apply=_apply_group_row)


def _validate_member_row(conn: Connection, v: dict[str, Any], ctx: dict[str, Any]) -> list[tuple[str, str]]:
    p = _validate_member(conn, v)
    gid = conn.execute(select(groups.c.id).where(func.lower(groups.c.name) == v["group"].lower())).scalar()
    if gid is None:
        p.append(("group", "no group of this name in the register (import the groups first)"))
    seen = ctx.setdefault("keys", set())
    key = (v["group"].lower(), v["name"])
    if key in seen:
        p.append(("name", "the same member of the same group appears twice in the file"))
    seen.add(key)
    return p


def _apply_member_row(conn: Connection, actor: Actor, v: dict[str, Any], ctx: dict[str, Any]) -> str:
    gid = conn.execute(select(groups.c.id).where(func.lower(groups.c.name) == v["group"].lower())).scalar_one()
    row = conn.execute(select(group_members).where(group_members.c.group_id == gid,
                                                   group_members.c.name == v["name"])).mappings().first()
    vals = {k: v.get(k) for k in MEMBER_FIELDS}
    vals["leaver"] = bool(vals["leaver"])
    if row is None:
        insert_audited(conn, actor, group_members, {**vals, "group_id": gid}, action="groups.member-add",
                       subject_type="group_member")
        return "added"
    changed = update_audited(conn, actor, group_members, row["id"], dict(row), vals, action="groups.member-update",
                             subject_type="group_member", stamp=None)
    return "updated" if changed else "unchanged"


def import_members_csv(store: Store, actor: Actor, data: bytes | str,
                       source: str = "group_members.csv") -> ImportResult:
    """Members by (group, name): added or updated; nothing if any row is bad."""
    require(actor, "register.edit")
    rows, problems = read_csv(read_source(data), MEMBER_SCHEMA, source)
    return import_records(store, actor, register=MEMBERS_REGISTER, permission="register.edit", source=source,
                          records=csv_records(rows, source), problems=problems, validate=_validate_member_row,
                          apply=_apply_member_row)


def export_csv(store: Store, actor: Actor) -> str:
    def build(conn: Connection) -> str:
        rows = [dict(r) for r in conn.execute(select(groups)).mappings()]
        rows.sort(key=lambda r: r["name"].casefold())
        return write_csv(SCHEMA, rows)

    return export_audited(store, actor, register=REGISTER, permission="register.view", build=build,
                          rows=count_csv_rows)


def export_members_csv(store: Store, actor: Actor) -> str:
    def build(conn: Connection) -> str:
        names = {r.id: r.name for r in conn.execute(select(groups.c.id, groups.c.name))}
        rows = [dict(r) | {"group": names[r["group_id"]]} for r in conn.execute(select(group_members)).mappings()]
        rows.sort(key=lambda r: (r["group"].casefold(), r["id"]))
        return write_csv(MEMBER_SCHEMA, rows)

    return export_audited(store, actor, register=MEMBERS_REGISTER, permission="register.view", build=build,
                          rows=count_csv_rows)


# ----------------------------------------------------------------------------- reconcile
@dataclass
class _Presence:
    """One name as the export shows it: when it arrived and how, whether it is still in."""

    name: str
    first_at: datetime | None = None
    how: str = ""
    last_at: datetime | None = None
    left_at: datetime | None = None
    member_at_end: bool = True
    posts: int = 0


@dataclass(frozen=True)
class Reconciliation:
    group_id: int
    group: str
    owner: str | None
    admins: tuple[str, ...]
    chat_ids: tuple[int, ...]
    matched_by: str  # "chat_id" | "name" | "" (no export)
    members: tuple[dict[str, Any], ...]  # register members with what the export shows about each
    unregistered: tuple[str, ...]  # names in the export that resolve to no member
    findings: tuple[RegisterFinding, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"group_id": self.group_id, "group": self.group, "owner": self.owner, "admins": list(self.admins),
                "chat_ids": list(self.chat_ids), "matched_by": self.matched_by, "members": list(self.members),
                "unregistered": list(self.unregistered), "findings": [f.to_dict() for f in self.findings]}


def _is_number(name: str) -> bool:
    from chatwarden.detect.chatlevel import PHONE_ONLY

    return bool(PHONE_ONLY.match(name))


def _e164(text: str | None) -> str | None:
    from chatwarden.ingest.phone import to_e164

    return to_e164(text) if text else None


def _tokens(text: str) -> set[str]:
    return {w.strip(".,()[]'").casefold() for w in text.split() if w.strip(".,()[]'")}


def _exporters(conn: Connection, chat_ids: list[int]) -> dict[int, str | None]:
    """Export id -> the name "you" stands for (the exporting device's profile name or
    person), when the device register knows the device."""
    out: dict[int, str | None] = {}
    q = select(exports.c.id, exports.c.device, exports.c.account).where(exports.c.chat_id.in_(chat_ids))
    for r in conn.execute(q):
        name = None
        if r.device:
            d = conn.execute(select(devices.c.wa_profile_name, devices.c.person, devices.c.rank_role)
                             .where(devices.c.device_id == r.device)).first()
            if d is not None:
                name = d.wa_profile_name or " ".join(x for x in (d.rank_role, d.person) if x)
        out[r.id] = name or r.account
    return out


def _presence(conn: Connection, chat_ids: list[int]) -> dict[str, _Presence]:
    from chatwarden.ingest.markers import split_names

    you = _exporters(conn, chat_ids)
    seen: dict[str, _Presence] = {}

    def get(name: str) -> _Presence:
        return seen.setdefault(name, _Presence(name))

    q = (select(messages.c.seq, messages.c.timestamp, messages.c.kind, messages.c.event, messages.c.export_id)
         .where(messages.c.chat_id.in_(chat_ids), messages.c.kind.in_(MEMBERSHIP_KINDS))
         .order_by(messages.c.seq))
    for r in conn.execute(q).mappings():
        ev = r["event"] or {}
        actor = ev.get("actor")
        if actor and actor.casefold() == "you":
            actor = you.get(r["export_id"])
        subjects = split_names(ev.get("subject") or "") if ev.get("subject") else []
        subjects = [you.get(r["export_id"]) if s.casefold() == "you" else s for s in subjects]
        subjects = [s for s in subjects if s]
        kind = r["kind"]
        at = r["timestamp"]
        if kind == "system:group_created" and actor:
            p = get(actor)
            p.first_at = p.first_at or at
            p.how = p.how or "created the group"
            p.member_at_end = True
        for s in subjects:
            p = get(s)
            if kind in ("system:participant_added", "system:participant_joined_via_link"):
                if p.first_at is None:
                    p.first_at = at
                    p.how = (f"added by {actor}" if actor else "added") if kind == "system:participant_added" \
                        else "joined using the group's invite link"
                p.member_at_end = True
            else:
                p.left_at = at
                p.member_at_end = False
    senders = (select(messages.c.sender, func.min(messages.c.timestamp), func.max(messages.c.timestamp), func.count())
               .where(messages.c.chat_id.in_(chat_ids), messages.c.sender.is_not(None),
                      messages.c.kind.not_like("system:%"))
               .group_by(messages.c.sender))
    for sender, first, last, n in conn.execute(senders):
        p = get(sender)
        p.posts = n
        p.last_at = last
        if p.first_at is None or first < p.first_at:
            if p.first_at is None:
                p.how = "first posted"
            p.first_at = first
        if p.left_at is not None and last > p.left_at:
            p.member_at_end = True
    return seen


def _resolver(conn: Connection, members: list[dict[str, Any]]):
    by_name = {m["name"].casefold(): m for m in members}
    by_phone = {m["phone"]: m for m in members if m["phone"]}
    profiles: dict[str, list[Any]] = defaultdict(list)
    for d in conn.execute(select(devices.c.wa_profile_name, devices.c.phone, devices.c.person)
                          .where(devices.c.wa_profile_name.is_not(None))):
        profiles[d.wa_profile_name].append(d)

    def resolve(name: str) -> tuple[dict[str, Any] | None, str]:
        if name.casefold() in by_name:
            return by_name[name.casefold()], "name"
        phone = _e164(name)
        if phone and phone in by_phone:
            return by_phone[phone], "phone"
        for d in profiles.get(name, []):
            if d.phone and d.phone in by_phone:
                return by_phone[d.phone], "device register (profile name and phone)"
            person = _tokens(d.person)
            for m in members:
                if person and person <= _tokens(m["name"]):
                    return m, "device register (profile name and person)"
        return None, ""

    return resolve


def _fmt(at: datetime | None) -> str:
    return f"{at:%d/%m/%Y}" if at else "an unknown date"


def _reconcile_group(conn: Connection, g: dict[str, Any]) -> Reconciliation:
    members = _members(conn, g["id"])
    chat_ids: list[int] = []
    matched_by = ""
    if g["chat_id"] is not None:
        chat_ids, matched_by = [g["chat_id"]], "chat_id"
    else:
        chat_ids = [r.id for r in conn.execute(select(chats.c.id).where(
            func.lower(chats.c.name) == g["name"].lower(), chats.c.is_group.is_(True), chats.c.disposed.is_(False)))]
        matched_by = "name" if chat_ids else ""
    out: list[RegisterFinding] = []
    subject = g["name"]
    ev_base = {"group_id": g["id"], "chat_ids": chat_ids}

    def add(check: str, detail: str, severity: str | None = None, **extra: Any) -> None:
        out.append(finding(check, subject, detail, evidence={**ev_base, **extra}, severity=severity))

    # Ownership
    by_name = {m["name"].casefold(): m for m in members}
    owner = (g["owner"] or "").strip()
    if not owner:
        add("group-no-owner", "no owner is recorded for the group")
    else:
        om = by_name.get(owner.casefold())
        if om is not None and (om["leaver"] or om["left_on"] is not None):
            add("group-no-owner", f"the recorded owner {owner} has left the group or is a leaver")
    presence = _presence(conn, chat_ids) if chat_ids else {}
    resolve = _resolver(conn, members)
    seen_for: dict[int, list[_Presence]] = defaultdict(list)
    unregistered: list[str] = []
    for name, p in sorted(presence.items(), key=lambda kv: (kv[1].first_at or datetime.max, kv[0])):
        m, _via = resolve(name)
        if _is_number(name):
            known = f"; the register knows them as {m['name']}" if m and m["name"] != name else ""
            add("group-unknown-contact", f"{name} is shown only as a number ({p.how} on {_fmt(p.first_at)}){known}",
                member=m["name"] if m else None)
        if m is None:
            unregistered.append(name)
            if p.member_at_end:
                add("group-unregistered-member", f"{name} is in the chat ({p.how} on {_fmt(p.first_at)}) but not in "
                                                 f"the register, so no consent is recorded", name=name)
            else:
                add("group-unregistered-member", f"{name} was in the chat from {_fmt(p.first_at)} to "
                                                 f"{_fmt(p.left_at)} without being in the register", severity="low",
                    name=name)
            continue
        seen_for[m["id"]].append(p)
        if m["consent_date"] and p.first_at and m["consent_date"] > p.first_at.date():
            add("group-consent-after-add", f"{m['name']} was {p.how} on {_fmt(p.first_at)}, but consent is recorded "
                                           f"on {m['consent_date']:%d/%m/%Y}", member=m["name"])
        if m["left_on"] is not None and p.last_at and p.last_at.date() > m["left_on"] and p.member_at_end:
            add("group-leaver", f"{m['name']} left on {m['left_on']:%d/%m/%Y} according to the register, but the "
                                f"export shows them in the group on {_fmt(p.last_at)}", member=m["name"])
    report = []
    for m in members:
        ps = seen_for.get(m["id"], [])
        in_chat = any(p.member_at_end for p in ps)
        left_at = max((p.left_at for p in ps if p.left_at and not p.member_at_end), default=None)
        current = m["left_on"] is None
        if current and not (m["consent_date"] and m["consent_ref"]):
            if not m["consent_date"] and not m["consent_ref"]:
                why = "no consent is recorded"
            elif not m["consent_ref"]:
                why = "a consent date is recorded but not where the consent is held"
            else:
                why = "where the consent is held is recorded, but not its date"
            add("group-no-consent", f"{m['name']} ({m['role']}): {why}", member=m["name"])
        if current and _is_number(m["name"]) and not any(_is_number(p.name) for p in ps):
            add("group-unknown-contact", f"{m['name']} is registered only as a number", member=m["name"])
        if m["leaver"] and current:
            if left_at is not None and not in_chat:
                add("group-leaver", f"{m['name']} is a leaver; the export shows they left on {_fmt(left_at)}: record "
                                    f"the date in the register", severity="low", member=m["name"])
            else:
                where = "and the export shows them still in the group" if in_chat else \
                    "and no leaving date is recorded"
                add("group-leaver", f"{m['name']} is a leaver {where}", member=m["name"])
        report.append({"id": m["id"], "name": m["name"], "role": m["role"], "phone": m["phone"],
                       "consent_date": m["consent_date"], "consent_ref": m["consent_ref"], "left_on": m["left_on"],
                       "leaver": m["leaver"], "in_export": bool(ps), "in_chat_at_end": in_chat,
                       "shown_as": sorted({p.name for p in ps})})
    return Reconciliation(g["id"], g["name"], g["owner"], tuple(g["admins"] or []), tuple(chat_ids), matched_by,
                          tuple(report), tuple(unregistered), tuple(sort_findings(out)))


def reconcile(store: Store, actor: Actor, group: int | str | None = None) -> list[Reconciliation]:
    """Every group (or one) compared with its exports and checked for consent, unknown
    contacts, leavers and ownership."""
    require(actor, "register.view")
    with store.read() as conn:
        gs = [_group(conn, group)] if group is not None else \
            [plain(r) for r in conn.execute(select(groups).order_by(groups.c.name)).mappings()]
        return [_reconcile_group(conn, g) for g in gs]  # type: ignore[arg-type]


def validation_due(store: Store, actor: Actor, *, every_days: int = DEFAULT_VALIDATION_DAYS,
                   now: datetime | None = None, within_days: int = 0) -> list[dict[str, Any]]:
    """Reminders for the admins of groups whose members were last validated more than
    ``every_days`` ago (or never: counted from the group's creation in the register), or
    will be within ``within_days``."""
    require(actor, "register.view")
    now = clocks.as_utc(now) or clocks.now_utc()
    horizon = now + timedelta(days=within_days)
    out = []
    with store.read() as conn:
        rows = [plain(r) for r in conn.execute(select(groups).order_by(groups.c.name)).mappings()]
    for g in rows:
        last = g["last_validated_at"]  # type: ignore[index]
        due = (last or g["created_at"]) + timedelta(days=every_days)  # type: ignore[index]
        if due > horizon:
            continue
        overdue = max(0, (now - due).days)
        admins = list(g["admins"] or []) or ([g["owner"]] if g["owner"] else [])  # type: ignore[index]
        detail = (f"members last validated on {clocks.show(last)}" if last else "members never validated") + \
            f"; due {clocks.show(due)}" + (f" ({overdue} day(s) ago)" if overdue else "")
        f = finding("group-validation-due", g["name"], detail + f"; reminder to: {', '.join(admins) or 'no admin'}",  # type: ignore[index]
                    evidence={"group_id": g["id"]})  # type: ignore[index]
        out.append({"group_id": g["id"], "group": g["name"], "admins": admins, "last_validated_at": last,  # type: ignore[index]
                    "due_at": due, "due_london": clocks.show(due), "overdue_days": overdue, "finding": f.to_dict()})
    out.sort(key=lambda r: r["due_at"])
    return out


__all__ = [
    "MEMBER_SCHEMA", "ROLES", "SCHEMA", "Reconciliation", "add_group", "add_member", "export_csv",
    "export_members_csv", "get_group", "import_csv", "import_members_csv", "link_chat", "list_groups",
    "list_members", "reconcile", "record_validation", "update_group", "update_member", "validation_due",
]
