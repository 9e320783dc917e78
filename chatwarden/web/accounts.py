"""Local accounts, sign-in sessions and API tokens: the use cases behind ``chatwarden user``
and the web app's login.

* Passwords are hashed with Argon2id (argon2-cffi); hashes are re-computed when the
  library's parameters change.
* After ``settings.login_max_failures`` wrong passwords in a row an account is locked for
  ``settings.login_lockout_minutes``; every sign-in, failure and lock is audited.
* Session and API-token secrets are random (``secrets``); only their SHA-256 digests are
  stored, so a copy of the database does not let anyone sign in.
* Sessions end after :data:`SESSION_IDLE` without use or :data:`SESSION_MAX` in all,
  at logout, and when the account is disabled or its password changed.

Nothing here ever writes a password or secret to the audit log or an exception message.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, insert, select, update

from chatwarden.errors import ConflictError, NotFoundError, WorkflowError
from chatwarden.model import Actor
from chatwarden.permissions import ROLES, require
from chatwarden.store import Store, audit
from chatwarden.store.tables import api_tokens, users, web_sessions

SESSION_IDLE = timedelta(hours=1)
SESSION_MAX = timedelta(hours=12)
TOUCH_EVERY = timedelta(minutes=1)
MIN_PASSWORD = 12
USERNAME_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
TOKEN_PREFIX = "cwt_"

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("chatwarden-timing-equaliser")


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(at: datetime | None) -> datetime | None:
    if at is None:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def actor_of(user: Any) -> Actor:
    """The actor a signed-in user acts as (audit entries keep id and name as text)."""
    return Actor(f"user:{user['username']}", user["display_name"], tuple(user["roles"]))


@dataclass(frozen=True)
class SignIn:
    """A successful sign-in: the session secret (for the cookie) and its CSRF token."""

    token: str
    csrf_token: str
    actor: Actor


class LoginRefused(Exception):
    """Sign-in refused.  ``reason`` (unknown, bad-password, locked-now, locked, disabled) is
    for the audit log and tests only: people are told the same thing whatever it is."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# ------------------------------------------------------------------------------- users
def _check_roles(roles: list[str] | tuple[str, ...]) -> list[str]:
    roles = sorted(set(roles))
    if not roles:
        raise WorkflowError("a user needs at least one role")
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise WorkflowError(f"unknown role(s) {', '.join(unknown)} (known: {', '.join(ROLES)})")
    return roles


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise WorkflowError(f"a password needs at least {MIN_PASSWORD} characters")


def create_user(
    store: Store, actor: Actor, *, username: str, display_name: str, password: str, roles: list[str] | tuple[str, ...]
) -> int:
    require(actor, "user.manage")
    if not USERNAME_RE.match(username):
        raise WorkflowError("a username is 2-64 characters: lower-case letters, digits, '.', '_' or '-'")
    if not display_name.strip():
        raise WorkflowError("a user needs a display name (full name and rank or role)")
    roles = _check_roles(roles)
    _check_password(password)
    with store.transaction() as conn:
        if conn.execute(select(users.c.id).where(users.c.username == username)).first():
            raise ConflictError(f"user {username!r} already exists")
        uid = conn.execute(
            insert(users)
            .values(
                username=username,
                display_name=display_name.strip(),
                password_hash=_hasher.hash(password),
                roles=roles,
                active=True,
                failed_logins=0,
                created_at=_now(),
            )
            .returning(users.c.id)
        ).scalar_one()
        audit.record(conn, actor, "user.add", "user", uid, after={"username": username, "roles": roles})
    return uid


def list_users(store: Store, actor: Actor) -> list[dict[str, Any]]:
    require(actor, "user.manage")
    with store.read() as conn:
        rows = (
            conn.execute(
                select(
                    users.c.id,
                    users.c.username,
                    users.c.display_name,
                    users.c.roles,
                    users.c.active,
                    users.c.failed_logins,
                    users.c.locked_until,
                    users.c.created_at,
                    users.c.last_login_at,
                ).order_by(users.c.username)
            )
            .mappings()
            .all()
        )
    return [dict(r) for r in rows]


def _user(conn: Any, username: str) -> Any:
    row = conn.execute(select(users).where(users.c.username == username)).mappings().first()
    if row is None:
        raise NotFoundError(f"user {username!r} not found")
    return row


def set_active(store: Store, actor: Actor, username: str, active: bool) -> None:
    """Enable or disable an account; disabling ends its sessions and API tokens."""
    require(actor, "user.manage")
    with store.transaction() as conn:
        u = _user(conn, username)
        conn.execute(
            update(users).where(users.c.id == u["id"]).values(active=active, failed_logins=0, locked_until=None)
        )
        if not active:
            conn.execute(delete(web_sessions).where(web_sessions.c.user_id == u["id"]))
            conn.execute(update(api_tokens).where(api_tokens.c.user_id == u["id"]).values(revoked=True))
        audit.record(
            conn,
            actor,
            "user.enable" if active else "user.disable",
            "user",
            u["id"],
            before={"active": u["active"]},
            after={"active": active},
        )


def set_roles(store: Store, actor: Actor, username: str, roles: list[str] | tuple[str, ...]) -> None:
    require(actor, "user.manage")
    roles = _check_roles(roles)
    with store.transaction() as conn:
        u = _user(conn, username)
        conn.execute(update(users).where(users.c.id == u["id"]).values(roles=roles))
        conn.execute(delete(web_sessions).where(web_sessions.c.user_id == u["id"]))
        audit.record(conn, actor, "user.roles", "user", u["id"], before={"roles": u["roles"]}, after={"roles": roles})


def set_password(store: Store, actor: Actor, username: str, password: str) -> None:
    """A new password; ends the account's sessions and lifts a lock."""
    require(actor, "user.manage")
    _check_password(password)
    with store.transaction() as conn:
        u = _user(conn, username)
        conn.execute(
            update(users)
            .where(users.c.id == u["id"])
            .values(password_hash=_hasher.hash(password), failed_logins=0, locked_until=None)
        )
        conn.execute(delete(web_sessions).where(web_sessions.c.user_id == u["id"]))
        audit.record(conn, actor, "user.password", "user", u["id"])


# ----------------------------------------------------------------------------- sign-in
def sign_in(store: Store, username: str, password: str, *, max_failures: int, lockout_minutes: int) -> SignIn:
    """Check a password and open a session, or raise :class:`LoginRefused`.  A refusal is
    committed (failure count, lock, audit entry) before it is raised."""
    now = _now()
    with store.transaction() as conn:
        refused = _check(conn, username, password, now, max_failures, lockout_minutes)
        if refused is None:
            u = conn.execute(select(users).where(users.c.username == username)).mappings().one()
            who = actor_of(u)
            values: dict[str, Any] = {"failed_logins": 0, "locked_until": None, "last_login_at": now}
            if _hasher.check_needs_rehash(u["password_hash"]):
                values["password_hash"] = _hasher.hash(password)
            conn.execute(update(users).where(users.c.id == u["id"]).values(**values))
            token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
            conn.execute(
                insert(web_sessions).values(
                    token_hash=digest(token),
                    user_id=u["id"],
                    csrf_token=csrf,
                    created_at=now,
                    last_seen_at=now,
                    expires_at=now + SESSION_MAX,
                )
            )
            audit.record(conn, who, "login", "user", u["id"])
    if refused is not None:
        raise LoginRefused(refused)
    return SignIn(token, csrf, who)


def _check(
    conn: Any, username: str, password: str, now: datetime, max_failures: int, lockout_minutes: int
) -> str | None:
    """None when the password is right and the account usable; else the refusal reason
    (recorded in the caller's transaction)."""
    u = conn.execute(select(users).where(users.c.username == username)).mappings().first()
    if u is None:
        _verify(_DUMMY_HASH, password)  # the same work as for a real account
        audit.record(conn, Actor("anonymous", "anonymous"), "login.failed", "user", None, after={"reason": "unknown"})
        return "unknown"
    who = actor_of(u)
    locked_until = _aware(u["locked_until"])
    if locked_until is not None and locked_until > now:
        _verify(_DUMMY_HASH, password)
        audit.record(conn, who, "login.failed", "user", u["id"], after={"reason": "locked"})
        return "locked"
    if not u["active"]:
        _verify(_DUMMY_HASH, password)
        audit.record(conn, who, "login.failed", "user", u["id"], after={"reason": "disabled"})
        return "disabled"
    if _verify(u["password_hash"], password):
        return None
    failures = u["failed_logins"] + 1
    values: dict[str, Any] = {"failed_logins": failures}
    reason = "bad-password"
    if failures >= max_failures:
        values = {"failed_logins": 0, "locked_until": now + timedelta(minutes=lockout_minutes)}
        reason = "locked-now"
    conn.execute(update(users).where(users.c.id == u["id"]).values(**values))
    audit.record(conn, who, "login.failed", "user", u["id"], after={"reason": reason, "failures": failures})
    return reason


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def session_actor(store: Store, token: str) -> tuple[Actor, str] | None:
    """The actor and CSRF token of a live session, or None."""
    now = _now()
    h = digest(token)
    with store.read() as conn:
        row = (
            conn.execute(
                select(
                    web_sessions.c.id,
                    web_sessions.c.csrf_token,
                    web_sessions.c.last_seen_at,
                    web_sessions.c.expires_at,
                    users.c.username,
                    users.c.display_name,
                    users.c.roles,
                    users.c.active,
                )
                .select_from(web_sessions.join(users, users.c.id == web_sessions.c.user_id))
                .where(web_sessions.c.token_hash == h)
            )
            .mappings()
            .first()
        )
    if row is None:
        return None
    last = _aware(row["last_seen_at"])
    if not row["active"] or _aware(row["expires_at"]) <= now or last + SESSION_IDLE <= now:
        with store.transaction() as conn:
            conn.execute(delete(web_sessions).where(web_sessions.c.id == row["id"]))
        return None
    if now - last >= TOUCH_EVERY:
        with store.transaction() as conn:
            conn.execute(update(web_sessions).where(web_sessions.c.id == row["id"]).values(last_seen_at=now))
    return actor_of(row), row["csrf_token"]


def sign_out(store: Store, actor: Actor, token: str) -> None:
    with store.transaction() as conn:
        row = conn.execute(
            select(web_sessions.c.id, web_sessions.c.user_id).where(web_sessions.c.token_hash == digest(token))
        ).first()
        if row is None:
            return
        conn.execute(delete(web_sessions).where(web_sessions.c.id == row.id))
        audit.record(conn, actor, "logout", "user", row.user_id)


# --------------------------------------------------------------------------- API tokens
def create_token(store: Store, actor: Actor, username: str, label: str) -> str:
    """A new API token for ``username`` (shown once; only its digest is kept)."""
    require(actor, "user.manage")
    if not label.strip():
        raise WorkflowError("an API token needs a label (what system uses it)")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with store.transaction() as conn:
        u = _user(conn, username)
        tid = conn.execute(
            insert(api_tokens)
            .values(token_hash=digest(token), user_id=u["id"], label=label.strip(), created_at=_now(), revoked=False)
            .returning(api_tokens.c.id)
        ).scalar_one()
        audit.record(conn, actor, "token.create", "api_token", tid, after={"user": username, "label": label.strip()})
    return token


def revoke_token(store: Store, actor: Actor, token_id: int) -> None:
    require(actor, "user.manage")
    with store.transaction() as conn:
        row = conn.execute(select(api_tokens.c.id).where(api_tokens.c.id == token_id)).first()
        if row is None:
            raise NotFoundError(f"API token {token_id} not found")
        conn.execute(update(api_tokens).where(api_tokens.c.id == token_id).values(revoked=True))
        audit.record(conn, actor, "token.revoke", "api_token", token_id)


def token_actor(store: Store, token: str) -> Actor | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    now = _now()
    with store.read() as conn:
        row = (
            conn.execute(
                select(
                    api_tokens.c.id,
                    api_tokens.c.last_used_at,
                    users.c.username,
                    users.c.display_name,
                    users.c.roles,
                    users.c.active,
                )
                .select_from(api_tokens.join(users, users.c.id == api_tokens.c.user_id))
                .where(api_tokens.c.token_hash == digest(token), api_tokens.c.revoked.is_(False))
            )
            .mappings()
            .first()
        )
    if row is None or not row["active"]:
        return None
    last = _aware(row["last_used_at"])
    if last is None or now - last >= TOUCH_EVERY:
        with store.transaction() as conn:
            conn.execute(update(api_tokens).where(api_tokens.c.id == row["id"]).values(last_used_at=now))
    return actor_of(row)
