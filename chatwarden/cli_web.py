"""Commands for the web app: ``serve`` and ``user`` (accounts and API tokens).  Thin shells
over :mod:`chatwarden.web` and :mod:`chatwarden.web.accounts`."""

from __future__ import annotations

import dataclasses
import sys

import click

from chatwarden.cli import main, state

ROLE_NAMES = (
    "officer",
    "reviewer",
    "supervisor",
    "professional-standards",
    "data-office",
    "foi-officer",
    "administrator",
)


@main.command("serve")
@click.option("--host", default=None, help="Address to listen on (default 127.0.0.1; setting 'host').")
@click.option("--port", type=int, default=None, help="Port (default 8450; setting 'port').")
@click.option(
    "--secure-cookies/--no-secure-cookies",
    default=None,
    help="Mark cookies Secure and send HSTS: use when served behind TLS (setting 'secure_cookies').",
)
@click.option(
    "--proxy",
    "forwarded_allow",
    default=None,
    metavar="ADDRESSES",
    help="Trust X-Forwarded-* headers from these addresses (a TLS-terminating proxy), e.g. 127.0.0.1.",
)
def serve_cmd(host: str | None, port: int | None, secure_cookies: bool | None, forwarded_allow: str | None) -> None:
    """Start the reviewers' web app (and its JSON API) on 127.0.0.1.

    The database is the embedded SQLite file in the data folder unless --database-url
    points at PostgreSQL.  Create accounts first with `chatwarden user add`.
    """
    import uvicorn

    from chatwarden.web.app import create_app

    st = state()
    changes = {k: v for k, v in (("host", host), ("port", port), ("secure_cookies", secure_cookies)) if v is not None}
    settings = dataclasses.replace(st.settings, **changes)
    if settings.host not in ("127.0.0.1", "::1", "localhost") and not settings.secure_cookies:
        click.echo(
            "chatwarden: warning: listening beyond loopback without --secure-cookies; put TLS in front", err=True
        )
    app = create_app(settings, st.store())
    click.echo(f"chatwarden web app on http://{settings.host}:{settings.port}/ (Ctrl-C to stop)", err=True)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level="info",
        access_log=False,
        server_header=False,
        proxy_headers=forwarded_allow is not None,
        forwarded_allow_ips=forwarded_allow or None,
    )


@main.group("user")
def user_group() -> None:
    """Accounts of the web app: add, list, enable/disable, password, roles, API tokens."""


def _password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return click.prompt("Password", hide_input=True, confirmation_prompt=True)


@user_group.command("add")
@click.argument("username")
@click.option("--name", "display_name", required=True, help="Full name and rank or role, e.g. 'PS 123 Sam Jones'.")
@click.option(
    "--role", "roles", multiple=True, required=True, type=click.Choice(ROLE_NAMES), help="A role (repeatable)."
)
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def user_add(username: str, display_name: str, roles: tuple[str, ...], password_stdin: bool) -> None:
    """Create an account (Argon2id password hash; at least 12 characters)."""
    from chatwarden.web.accounts import create_user

    st = state()
    uid = create_user(
        st.store(),
        st.actor,
        username=username,
        display_name=display_name,
        password=_password(password_stdin),
        roles=list(roles),
    )
    click.echo(f"user {username} added (id {uid}; roles {', '.join(sorted(set(roles)))})")


@user_group.command("list")
@click.option("--json", "as_json", is_flag=True)
def user_list(as_json: bool) -> None:
    """List accounts (never their password hashes)."""
    from chatwarden.cli_store import _echo_json, _table
    from chatwarden.web.accounts import list_users

    st = state()
    rows = list_users(st.store(create=False), st.actor)
    if as_json:
        _echo_json(rows)
        return
    for r in rows:
        r["roles"] = ",".join(r["roles"])
    _table(rows, ["username", "display_name", "roles", "active", "locked_until", "last_login_at"])


@user_group.command("disable")
@click.argument("username")
def user_disable(username: str) -> None:
    """Disable an account: its sessions end and its API tokens are revoked."""
    from chatwarden.web.accounts import set_active

    st = state()
    set_active(st.store(create=False), st.actor, username, False)
    click.echo(f"user {username} disabled")


@user_group.command("enable")
@click.argument("username")
def user_enable(username: str) -> None:
    """Enable an account again (and lift a lockout)."""
    from chatwarden.web.accounts import set_active

    st = state()
    set_active(st.store(create=False), st.actor, username, True)
    click.echo(f"user {username} enabled")


@user_group.command("passwd")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from the first line of standard input.")
def user_passwd(username: str, password_stdin: bool) -> None:
    """Set a new password; the account's sessions end."""
    from chatwarden.web.accounts import set_password

    st = state()
    set_password(st.store(create=False), st.actor, username, _password(password_stdin))
    click.echo(f"password of {username} changed")


@user_group.command("roles")
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(ROLE_NAMES))
def user_roles(username: str, roles: tuple[str, ...]) -> None:
    """Replace an account's roles; its sessions end."""
    from chatwarden.web.accounts import set_roles

    st = state()
    set_roles(st.store(create=False), st.actor, username, list(roles))
    click.echo(f"user {username}: roles {', '.join(sorted(set(roles)))}")


@user_group.command("token")
@click.argument("username")
@click.option("--label", required=True, help="What system uses the token (kept with it).")
def user_token(username: str, label: str) -> None:
    """Create an API token for USERNAME and print it once (only its hash is kept).
    Send it as `Authorization: Bearer <token>`."""
    from chatwarden.web.accounts import create_token

    st = state()
    click.echo(create_token(st.store(create=False), st.actor, username, label))
